/* SPDX-License-Identifier: MIT */
/* reportserve.c - `connlab report RUNDIR --serve [ADDR:]PORT`: one run's
 * page, result.json and OpenMetrics over HTTP (libevent's evhttp), for a
 * browser or a Prometheus scrape, until SIGINT or SIGTERM. Loopback unless
 * an address is given; GET and HEAD only; every document is made once,
 * before the first request. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cmd/cli.h"
#include "report/report.h"

static struct doc {
	const char *path;
	const char *type;
	char *body;
	size_t len;
} docs[] = {
	{ "/", "text/html; charset=utf-8", NULL, 0 },
	{ "/report.html", "text/html; charset=utf-8", NULL, 0 },
	{ "/result.json", "application/json", NULL, 0 },
	{ "/metrics", "application/openmetrics-text; version=1.0.0; charset=utf-8", NULL, 0 },
};
#define NDOCS (sizeof(docs) / sizeof(docs[0]))

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

static void on_request(struct evhttp_request *req, void *arg)
{
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *b;

	(void)arg;
	if (!(evhttp_request_get_command(req) & (EVHTTP_REQ_GET | EVHTTP_REQ_HEAD))) {
		evhttp_add_header(h, "Allow", "GET, HEAD");
		reply_text(req, 405, "Method Not Allowed",
			   "only GET and HEAD: this page is read-only");
		return;
	}
	for (size_t i = 0; path && i < NDOCS; i++) {
		if (strcmp(path, docs[i].path))
			continue;
		evhttp_add_header(h, "Content-Type", docs[i].type);
		evhttp_add_header(h, "Cache-Control", "no-store");
		if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
			char n[24]; /* GET's length; evhttp would send a body */

			snprintf(n, sizeof(n), "%zu", docs[i].len);
			evhttp_add_header(h, "Content-Length", n);
			evhttp_send_reply(req, 200, "OK", NULL);
			return;
		}
		b = evbuffer_new();
		if (!b || evbuffer_add_reference(b, docs[i].body, docs[i].len, NULL, NULL)) {
			reply_text(req, 500, "Internal Server Error", "out of memory");
		} else {
			evhttp_send_reply(req, 200, "OK", b);
		}
		if (b)
			evbuffer_free(b);
		return;
	}
	reply_text(req, 404, "Not Found",
		   "not here: / (report.html), /result.json and /metrics (OpenMetrics) are");
}

static void write_html(FILE *f, void *arg)
{
	json_t *res = arg;
	const char *dir = json_string_value(json_object_get(res, "outdir"));

	report_html(&res, &dir, 1, f);
}

static void write_json(FILE *f, void *arg)
{
	json_dumpf(arg, f, JSON_INDENT(2));
	fputc('\n', f);
}

static void write_om(FILE *f, void *arg)
{
	openmetrics_write(f, arg);
}

/* The documents, each made once into memory. -1 when out of memory. */
static int make_docs(json_t *res)
{
	void (*const make[NDOCS])(FILE *, void *) = { write_html, NULL, write_json, write_om };

	for (size_t i = 0; i < NDOCS; i++) {
		FILE *f;

		if (!make[i]) { /* /report.html is / */
			docs[i].body = docs[i - 1].body;
			docs[i].len = docs[i - 1].len;
			continue;
		}
		f = open_memstream(&docs[i].body, &docs[i].len);
		if (!f)
			return -1;
		make[i](f, res);
		if (fclose(f))
			return -1;
	}
	return 0;
}

/* "[ADDR:]PORT", "[V6ADDR]:PORT": the address (127.0.0.1 when none) and
 * the port (0: one the kernel picks). -1 when it is not one. */
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

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopbreak(arg);
}

/* The port the listener got (the kernel's when 0 was asked). */
static unsigned bound_port(struct evhttp_bound_socket *s)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(evhttp_bound_socket_get_fd(s), (struct sockaddr *)&ss, &sl))
		return 0;
	return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					      : ((struct sockaddr_in *)&ss)->sin_port);
}

static int serve(struct event_base *base, const char *dir, const char *addr, unsigned port)
{
	struct evhttp *http = evhttp_new(base);
	struct evhttp_bound_socket *s;
	struct event *sig[2] = { NULL, NULL };
	int v6 = strchr(addr, ':') != NULL, status = EXIT_OK;

	if (!http)
		return EXIT_CANNOT_RUN;
	/* every method reaches on_request, which answers 405 with Allow */
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
						 EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
						 EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_max_headers_size(http, 8192);
	evhttp_set_max_body_size(http, 0);
	evhttp_set_timeout(http, 10);
	evhttp_set_gencb(http, on_request, NULL);
	s = evhttp_bind_socket_with_handle(http, addr, (ev_uint16_t)port);
	if (!s) {
		fprintf(stderr,
			"connlab: --serve: cannot listen on %s port %u: %s; give another port (--serve [ADDR:]PORT; 0 lets the kernel pick one)\n",
			addr, port, strerror(errno));
		evhttp_free(http);
		return EXIT_USAGE;
	}
	sig[0] = evsignal_new(base, SIGINT, on_signal, base);
	sig[1] = evsignal_new(base, SIGTERM, on_signal, base);
	if (!sig[0] || !sig[1] || event_add(sig[0], NULL) || event_add(sig[1], NULL)) {
		status = EXIT_CANNOT_RUN;
	} else {
		printf("serving %s at http://%s%s%s:%u/ (the page; /result.json, /metrics for Prometheus); Ctrl-C ends it\n",
		       dir, v6 ? "[" : "", addr, v6 ? "]" : "", bound_port(s));
		fflush(stdout);
		event_base_dispatch(base);
	}
	for (int i = 0; i < 2; i++)
		if (sig[i])
			event_free(sig[i]);
	evhttp_free(http);
	return status;
}

int report_serve(void *res, const char *dir, const char *spec)
{
	char addr[INET6_ADDRSTRLEN + 2];
	unsigned port;
	struct event_base *base;
	int status;

	if (parse_spec(spec, addr, sizeof(addr), &port)) {
		fprintf(stderr,
			"connlab: --serve %s: not [ADDR:]PORT (8080, 0.0.0.0:8080, [::1]:8080; 0 lets the kernel pick a port)\n",
			spec);
		return EXIT_USAGE;
	}
	if (make_docs(res)) {
		fprintf(stderr, "connlab: --serve: out of memory making the documents\n");
		return EXIT_CANNOT_RUN;
	}
	base = event_base_new();
	status = base ? serve(base, dir, addr, port) : EXIT_CANNOT_RUN;
	if (base)
		event_base_free(base);
	for (size_t i = 0; i < NDOCS; i++)
		if (i != 1)
			free(docs[i].body);
	return status;
}
