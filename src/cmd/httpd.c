/* SPDX-License-Identifier: MIT */
/* httpd.c - the --serve server (httpd.h). One event loop owns the evhttp
 * server, its listener and its connections: a thread's of its own beside
 * a run, or the caller's. Documents are published under a mutex as
 * reference-counted bodies, so a slow client keeps the copy it is reading
 * and nobody waits. libevent 2.1 cannot bound evhttp's connections, so
 * the server holds a reference to each connection's bufferevent: when
 * evhttp has freed one (its callbacks cleared) the slot is free again,
 * and while all are taken the listener stops accepting. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmd/httpd.h"
#include "util/status.h"

struct body {
	int refs;
	size_t len;
	char *data;
};

struct httpd {
	struct event_base *base;
	struct evhttp *http;
	struct evconnlistener *lst;
	struct event *prune, *stop;
	int stopfd;
	pthread_mutex_t mu;
	struct {
		struct body *body;
		char why[200];
	} doc[HTTPD_NDOCS];
	struct bufferevent *conn[HTTPD_CLIENTS];
	unsigned nconn;
	void (*refresh)(void *arg);
	void *refresh_arg;
	pthread_t thread;
	int threaded;
	char url[96];
};

static const struct {
	const char *path;
	enum httpd_doc doc;
	const char *type;
} paths[] = {
	{ "/", HTTPD_PAGE, "text/html; charset=utf-8" },
	{ "/report.html", HTTPD_PAGE, "text/html; charset=utf-8" },
	{ "/result.json", HTTPD_RESULT, "application/json" },
	{ "/metrics", HTTPD_METRICS, "application/openmetrics-text; version=1.0.0; charset=utf-8" },
};

static void body_unref(struct body *b)
{
	if (b && __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		free(b->data);
		free(b);
	}
}

/* evbuffer's cleanup of a reference: the body was sent or dropped */
static void body_sent(const void *data, size_t len, void *extra)
{
	(void)data;
	(void)len;
	body_unref(extra);
}

void httpd_publish(struct httpd *h, enum httpd_doc d, char *body, size_t len, const char *why)
{
	struct body *b = NULL, *old;

	if (body) {
		b = malloc(sizeof(*b));
		if (!b) {
			free(body);
		} else {
			*b = (struct body){ .refs = 1, .len = len, .data = body };
		}
	}
	pthread_mutex_lock(&h->mu);
	old = h->doc[d].body;
	h->doc[d].body = b;
	snprintf(h->doc[d].why, sizeof(h->doc[d].why), "%s",
		 why ? why : "not there: it could not be made");
	pthread_mutex_unlock(&h->mu);
	body_unref(old);
}

int httpd_publish_made(struct httpd *h, enum httpd_doc d, void (*write)(FILE *, void *), void *arg)
{
	char *body = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);

	if (!f)
		return -1;
	write(f, arg);
	if (fclose(f)) {
		free(body);
		return -1;
	}
	httpd_publish(h, d, body, len, NULL);
	return 0;
}

void httpd_set_refresh(struct httpd *h, void (*refresh)(void *arg), void *arg)
{
	h->refresh = refresh;
	h->refresh_arg = arg;
}

const char *httpd_url(const struct httpd *h)
{
	return h->url;
}

static void reply_text(struct evhttp_request *req, int code, const char *why, const char *text)
{
	struct evbuffer *b = evbuffer_new();

	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "text/plain; charset=utf-8");
	if (b)
		evbuffer_add_printf(b, "%s\n", text);
	evhttp_send_reply(req, code, why, b);
	if (b)
		evbuffer_free(b);
}

/* The body of doc d with a reference taken, or NULL and why not. */
static struct body *take(struct httpd *h, enum httpd_doc d, char *why, size_t len)
{
	struct body *b;

	pthread_mutex_lock(&h->mu);
	b = h->doc[d].body;
	if (b)
		__atomic_add_fetch(&b->refs, 1, __ATOMIC_ACQ_REL);
	else
		snprintf(why, len, "%s", h->doc[d].why);
	pthread_mutex_unlock(&h->mu);
	return b;
}

static void send_doc(struct evhttp_request *req, struct body *b)
{
	struct evbuffer *out;

	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		char n[24]; /* GET's length; evhttp would send a body */

		snprintf(n, sizeof(n), "%zu", b->len);
		evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Length", n);
		evhttp_send_reply(req, 200, "OK", NULL);
		body_unref(b);
		return;
	}
	out = evbuffer_new();
	if (!out || evbuffer_add_reference(out, b->data, b->len, body_sent, b)) {
		body_unref(b);
		reply_text(req, 500, "Internal Server Error", "out of memory");
	} else {
		evhttp_send_reply(req, 200, "OK", out);
	}
	if (out)
		evbuffer_free(out);
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct httpd *h = arg;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	struct evkeyvalq *hd = evhttp_request_get_output_headers(req);
	char why[200];

	if (!(evhttp_request_get_command(req) & (EVHTTP_REQ_GET | EVHTTP_REQ_HEAD))) {
		evhttp_add_header(hd, "Allow", "GET, HEAD");
		reply_text(req, 405, "Method Not Allowed",
			   "only GET and HEAD: this page is read-only");
		return;
	}
	if (h->refresh)
		h->refresh(h->refresh_arg);
	for (size_t i = 0; path && i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct body *b;

		if (strcmp(path, paths[i].path))
			continue;
		b = take(h, paths[i].doc, why, sizeof(why));
		if (!b) {
			reply_text(req, 404, "Not Found", why);
			return;
		}
		evhttp_add_header(hd, "Content-Type", paths[i].type);
		evhttp_add_header(hd, "Cache-Control", "no-store");
		send_doc(req, b);
		return;
	}
	reply_text(req, 404, "Not Found",
		   "not here: / (report.html), /result.json and /metrics (OpenMetrics) are");
}

/* Frees the slots of connections evhttp has freed (a live one always has
 * its error callback); accepts again when one is free. */
static void prune(struct httpd *h)
{
	unsigned k = 0;

	for (unsigned i = 0; i < h->nconn; i++) {
		bufferevent_event_cb ev = NULL;

		bufferevent_getcb(h->conn[i], NULL, NULL, &ev, NULL);
		if (ev)
			h->conn[k++] = h->conn[i];
		else
			bufferevent_decref(h->conn[i]);
	}
	h->nconn = k;
	if (h->nconn < HTTPD_CLIENTS)
		evconnlistener_enable(h->lst);
}

static void on_prune(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	prune(arg);
}

/* evhttp's new connection: its bufferevent, one reference kept */
static struct bufferevent *new_conn(struct event_base *base, void *arg)
{
	struct httpd *h = arg;
	struct bufferevent *bev;

	prune(h);
	bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (!bev)
		return NULL;
	if (h->nconn < HTTPD_CLIENTS) { /* the listener is off when not */
		bufferevent_incref(bev);
		h->conn[h->nconn++] = bev;
	}
	if (h->nconn >= HTTPD_CLIENTS)
		evconnlistener_disable(h->lst);
	return bev;
}

/* "[ADDR:]PORT", "[V6ADDR]:PORT": the address (127.0.0.1 when none) and
 * the port. -1 when it is not one. */
static int parse_spec(const char *spec, char *addr, size_t len, unsigned *port)
{
	const char *colon = strrchr(spec, ':');
	const char *p = colon ? colon + 1 : spec;
	char *end;
	unsigned long n;
	struct in6_addr a6;

	snprintf(addr, len, "127.0.0.1");
	if (colon) {
		int v6 = spec[0] == '[' && colon > spec + 1 && colon[-1] == ']';

		snprintf(addr, len, "%.*s", (int)(colon - spec) - 2 * v6, spec + v6);
		if (!*addr || (v6 && inet_pton(AF_INET6, addr, &a6) != 1))
			return -1;
	}
	errno = 0;
	n = strtoul(p, &end, 10);
	if (!*p || *end || errno || n > 65535 || *p == '-' || *p == '+')
		return -1;
	*port = (unsigned)n;
	return 0;
}

/* The port the listener got (the kernel's when 0 was asked). */
static unsigned bound_port(evutil_socket_t fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl))
		return 0;
	return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					      : ((struct sockaddr_in *)&ss)->sin_port);
}

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

/* The server on base: evhttp bound to addr:port, the pruning timer and the
 * stop event. 0, or -errno of the bind. */
static int setup(struct httpd *h, const char *addr, unsigned port)
{
	static const struct timeval every = { 0, 200000 };
	struct evhttp_bound_socket *s;
	int v6 = strchr(addr, ':') != NULL;

	/* every method reaches on_request, which answers 405 with Allow */
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
						    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
						    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_max_headers_size(h->http, 8192);
	evhttp_set_max_body_size(h->http, 0);
	evhttp_set_timeout(h->http, 5); /* a client that does not read is dropped */
	evhttp_set_gencb(h->http, on_request, h);
	evhttp_set_bevcb(h->http, new_conn, h);
	s = evhttp_bind_socket_with_handle(h->http, addr, (ev_uint16_t)port);
	if (!s)
		return -(errno ? errno : EADDRNOTAVAIL);
	h->lst = evhttp_bound_socket_get_listener(s);
	snprintf(h->url, sizeof(h->url), "http://%s%s%s:%u/", v6 ? "[" : "", addr, v6 ? "]" : "",
		 bound_port(evhttp_bound_socket_get_fd(s)));
	h->prune = event_new(h->base, -1, EV_PERSIST, on_prune, h);
	h->stop = event_new(h->base, h->stopfd, EV_READ | EV_PERSIST, on_stop, h->base);
	if (!h->prune || !h->stop || event_add(h->prune, &every) || event_add(h->stop, NULL))
		return -ENOMEM;
	return 0;
}

struct httpd *httpd_open(const char *spec, int *status)
{
	char addr[INET6_ADDRSTRLEN + 2];
	unsigned port;
	struct httpd *h;
	int err;

	if (parse_spec(spec, addr, sizeof(addr), &port)) {
		fprintf(stderr,
			"connlab: --serve %s: not [ADDR:]PORT (8080, 0.0.0.0:8080, [::1]:8080; 0 lets the kernel pick a port)\n",
			spec);
		*status = EXIT_USAGE;
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h || (h->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0 ||
	    !(h->base = event_base_new()) || !(h->http = evhttp_new(h->base))) {
		fprintf(stderr, "connlab: --serve: cannot make the server: %s\n", strerror(errno));
		*status = EXIT_CANNOT_RUN;
		httpd_close(h);
		return NULL;
	}
	pthread_mutex_init(&h->mu, NULL);
	for (int d = 0; d < HTTPD_NDOCS; d++)
		snprintf(h->doc[d].why, sizeof(h->doc[d].why), "not there yet");
	err = setup(h, addr, port);
	if (err) {
		fprintf(stderr,
			"connlab: --serve: cannot listen on %s port %u: %s; give another port (--serve [ADDR:]PORT; 0 lets the kernel pick one)\n",
			addr, port, strerror(-err));
		*status = err == -ENOMEM ? EXIT_CANNOT_RUN : EXIT_USAGE;
		httpd_close(h);
		return NULL;
	}
	return h;
}

static void *serve_thread(void *arg)
{
	struct httpd *h = arg;

	/* the page is drawn here: behind the launcher and the lab */
	setpriority(PRIO_PROCESS, (id_t)gettid(), 10);
	event_base_dispatch(h->base);
	return NULL;
}

int httpd_start(struct httpd *h)
{
	sigset_t all, old;
	int err;

	/* the launcher takes the signals: none may end up here */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(&h->thread, NULL, serve_thread, h);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		fprintf(stderr, "connlab: --serve: cannot start the server's thread: %s\n",
			strerror(err));
		return -1;
	}
	h->threaded = 1;
	return 0;
}

/* Ends the server's thread; its loop is the caller's from here. */
static void stop_thread(struct httpd *h)
{
	uint64_t n;

	if (!h->threaded)
		return;
	n = 1;
	if (write(h->stopfd, &n, sizeof(n)) != sizeof(n))
		perror("connlab: --serve: stopping the server");
	pthread_join(h->thread, NULL);
	h->threaded = 0;
	if (read(h->stopfd, &n, sizeof(n)) < 0) /* the stop is taken */
		n = 0;
}

int httpd_serve(struct httpd *h, double seconds)
{
	struct event *sig[3] = {
		evsignal_new(h->base, SIGINT, on_stop, h->base),
		evsignal_new(h->base, SIGTERM, on_stop, h->base),
		seconds > 0 ? evtimer_new(h->base, on_stop, h->base) : NULL,
	};
	struct timeval tv = { (time_t)seconds, (suseconds_t)((seconds - (time_t)seconds) * 1e6) };
	int status = EXIT_OK;

	stop_thread(h);
	if (!sig[0] || !sig[1] || event_add(sig[0], NULL) || event_add(sig[1], NULL) ||
	    (seconds > 0 && (!sig[2] || event_add(sig[2], &tv))))
		status = EXIT_CANNOT_RUN;
	else
		event_base_dispatch(h->base);
	for (int i = 0; i < 3; i++)
		if (sig[i])
			event_free(sig[i]);
	return status;
}

void httpd_close(struct httpd *h)
{
	if (!h)
		return;
	stop_thread(h);
	if (h->http)
		evhttp_free(h->http); /* its connections, and the listener */
	for (unsigned i = 0; i < h->nconn; i++)
		bufferevent_decref(h->conn[i]);
	if (h->prune)
		event_free(h->prune);
	if (h->stop)
		event_free(h->stop);
	if (h->base)
		event_base_free(h->base);
	if (h->stopfd > 0)
		close(h->stopfd);
	for (int d = 0; d < HTTPD_NDOCS; d++)
		body_unref(h->doc[d].body);
	if (h->http)
		pthread_mutex_destroy(&h->mu);
	free(h);
}
