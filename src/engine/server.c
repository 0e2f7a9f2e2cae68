/* SPDX-License-Identifier: MIT */
/* server.c - `connlab server`: listens on one or more ports with
 * SO_REUSEPORT workers and holds connections cheaply: one byte of state per
 * connection, indexed by fd, and the sockets in an epoll set of the
 * worker's own (fdset.h), not a libevent event each; no buffers while idle;
 * keepalive lines written by one sweeping timer, not a timer per
 * connection. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/budget.h"
#include "engine/fdset.h"
#include "engine/server.h"
#include "engine/tlsconn.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/procfs.h"
#include "util/status.h"
#include "util/units.h"

#define KEEPALIVE_SLICES 16 /* the sweep writes to 1/16 of the connections per tick */
#define ACCEPT_BATCH 64
#define HANDSHAKE_TIMEOUT_S 10 /* TLS: a client that has not finished by then is closed */

static const char welcome[] = "connlab keepalive\n";
static const char keepalive_line[] = "ok\n";
static const char bye[] = "bye\n";

enum conn_state {
	CONN_NONE,
	CONN_WATCHED,	    /* in the worker's fdset: read, and written to by the sweep */
	CONN_HELD,	    /* silent and noaccept modes: accepted, never read */
	CONN_HANDSHAKE,	    /* TLS: in the handshake, watched for reading */
	CONN_HANDSHAKE_OUT, /* ... and for writing: it waits to write */
};

struct worker {
	const struct server_cfg *cfg;
	struct engine_stats *st;
	struct event_base *base;
	struct event listen_ev[2 * PORTS_MAX];
	int listen_fd[2 * PORTS_MAX];
	unsigned nlisten; /* ports x families */
	int listening;	  /* listeners open and in the SO_REUSEPORT group */
	int paused;	  /* accept events off after EMFILE, until the retry timer */
	struct fdset set;
	uint8_t *conn; /* enum conn_state, by fd */
	size_t nconns;
	uint64_t open;
	uint64_t high_water; /* leave the group here; rejoin below low_water */
	uint64_t low_water;
	unsigned tick;
	int near_limit_logged;
	struct tls_side tls;
	uint8_t *age; /* TLS: by fd, the second its handshake began (mod 256) */
	uint8_t secs; /* seconds since the worker began (mod 256) */
};

static int in_handshake(const struct worker *w, int fd)
{
	return (size_t)fd < w->nconns && w->conn[fd] >= CONN_HANDSHAKE;
}

static void worker_close(struct worker *w, int fd, int by_peer)
{
	tls_side_drop(&w->tls, fd, in_handshake(w, fd));
	if ((size_t)fd < w->nconns)
		w->conn[fd] = CONN_NONE;
	close(fd); /* also leaves the fdset */
	w->open--;
	engine_count_close(w->st, by_peer);
}

static void handshake(struct worker *w, int fd);

/* Reads what a client sent (echo: sends it back). Plain TCP: one read, the
 * set is level-triggered; TLS: until the library waits, as it may hold a
 * record's data that the socket no longer shows. */
static void on_read(int fd, uint32_t events, void *arg)
{
	struct worker *w = arg;
	char buf[4096];
	ssize_t n;

	(void)events;
	if (in_handshake(w, fd)) {
		handshake(w, fd);
		return;
	}
	while ((n = tls_side_recv(&w->tls, fd, buf, sizeof(buf))) > 0) {
		STAT_ADD(w->st->bytes_in, (uint64_t)n);
		if (w->cfg->mode == SERVER_ECHO) {
			ssize_t m = tls_side_send(&w->tls, fd, buf, (size_t)n);

			if (m > 0)
				STAT_ADD(w->st->bytes_out, (uint64_t)m);
		}
		if (!tls_side_on(&w->tls))
			return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0 && errno != EPROTO) /* EPROTO: counted by its TLS reason */
		engine_error(w->st, errno, PHASE_ESTABLISHED);
	worker_close(w, fd, 1);
}

/* The listening address of listener i: every port of IPv4, then of IPv6. */
static socklen_t listen_addr(const struct server_cfg *cfg, unsigned i, struct sockaddr_storage *ss,
			     char *name, size_t len)
{
	uint16_t port = cfg->ports.port[i % cfg->ports.n];

	memset(ss, 0, sizeof(*ss));
	if (cfg->has4 && i < cfg->ports.n) {
		struct sockaddr_in *sa = (struct sockaddr_in *)ss;

		sa->sin_family = AF_INET;
		sa->sin_port = htons(port);
		sa->sin_addr.s_addr = htonl(cfg->address);
		addr_fmt_ipv4(cfg->address, name, len);
		return sizeof(*sa);
	} else {
		struct sockaddr_in6 *sa = (struct sockaddr_in6 *)ss;
		char a[INET6_ADDRSTRLEN];

		sa->sin6_family = AF_INET6;
		sa->sin6_port = htons(port);
		memcpy(&sa->sin6_addr, cfg->address6.b, 16);
		snprintf(name, len, "[%s]", addr_fmt_ipv6(&cfg->address6, a, sizeof(a)));
		return sizeof(*sa);
	}
}

static int listeners_open(struct worker *w, int log_errors)
{
	const struct server_cfg *cfg = w->cfg;

	w->nlisten = cfg->ports.n * (unsigned)((cfg->has4 != 0) + (cfg->has6 != 0));
	for (unsigned i = 0; i < w->nlisten; i++) {
		struct sockaddr_storage ss;
		char name[INET6_ADDRSTRLEN + 2];
		socklen_t sl = listen_addr(cfg, i, &ss, name, sizeof(name));
		int one = 1,
		    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		/* an IPv6 listener takes IPv6 only, whatever net.ipv6.bindv6only
		 * says: IPv4 has its own (dual: both, each counted apart) */
		if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
		    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
		    (ss.ss_family == AF_INET6 &&
		     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one))) ||
		    bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, (int)cfg->backlog)) {
			int e = errno;

			if (log_errors)
				log_msg(LOGL_ERROR, "server: cannot listen on %s:%u: %s%s", name,
					cfg->ports.port[i % cfg->ports.n], strerror(e),
					e == EADDRNOTAVAIL
						? " (that address is not on this host or namespace)"
					: e == EADDRINUSE ? " (another program listens there)"
							  : "");
			if (fd >= 0)
				close(fd);
			for (unsigned j = 0; j < i; j++) {
				event_del(&w->listen_ev[j]);
				close(w->listen_fd[j]);
			}
			return -e;
		}
		w->listen_fd[i] = fd;
	}
	w->listening = 1;
	STAT_SET(w->st->listening, w->nlisten);
	return 0;
}

static void on_accept(evutil_socket_t fd, short what, void *arg);

static void listeners_arm(struct worker *w)
{
	if (w->cfg->mode == SERVER_NOACCEPT)
		return; /* listens, never accepts: the accept queue overflows */
	for (unsigned i = 0; i < w->nlisten; i++) {
		event_assign(&w->listen_ev[i], w->base, w->listen_fd[i], EV_READ | EV_PERSIST,
			     on_accept, w);
		event_add(&w->listen_ev[i], NULL);
	}
}

/* Near the open-file limit: leave the SO_REUSEPORT group so that the
 * kernel sends new connections to the other workers. */
static void listeners_close(struct worker *w)
{
	for (unsigned i = 0; i < w->nlisten; i++) {
		event_del(&w->listen_ev[i]);
		close(w->listen_fd[i]);
	}
	w->listening = 0;
	STAT_SET(w->st->listening, 0);
}

/* What the mode does with a connection, once accepted (TLS: once its
 * handshake is done); watched: fd is in the set already. */
static void serve(struct worker *w, int fd, int watched)
{
	int r;

	switch (w->cfg->mode) {
	case SERVER_CLOSE:
		if (tls_side_send(&w->tls, fd, bye, sizeof(bye) - 1) > 0)
			STAT_ADD(w->st->bytes_out, sizeof(bye) - 1);
		worker_close(w, fd, 0);
		return;
	case SERVER_SILENT:
	case SERVER_NOACCEPT:
		/* held, never read: CLOSE_WAIT once the client closes */
		if (watched && fdset_del(&w->set, fd))
			engine_error(w->st, errno, PHASE_ACCEPT);
		if ((size_t)fd < w->nconns)
			w->conn[fd] = CONN_HELD;
		return;
	case SERVER_KEEPALIVE:
		if (tls_side_send(&w->tls, fd, welcome, sizeof(welcome) - 1) > 0)
			STAT_ADD(w->st->bytes_out, sizeof(welcome) - 1);
		break;
	case SERVER_ECHO:
		break;
	}
	r = watched ? 0 : (size_t)fd < w->nconns ? fdset_add(&w->set, fd, EPOLLIN) : -EMFILE;
	if (r) {
		engine_error(w->st, -r, PHASE_ACCEPT);
		worker_close(w, fd, 0);
		return;
	}
	w->conn[fd] = CONN_WATCHED;
}

/* A step of fd's TLS handshake; served once it is done. */
static void handshake(struct worker *w, int fd)
{
	int want_write = 0, r = tls_side_step(&w->tls, fd, &want_write);
	int out = w->conn[fd] == CONN_HANDSHAKE_OUT;

	if (r < 0) {
		w->conn[fd] = CONN_WATCHED; /* its handshake is over (failed) */
		worker_close(w, fd, 0);
		return;
	}
	if (r == 0 && want_write == out)
		return;
	/* the socket is watched for writing only while the library waits to */
	if ((r == 1 ? out : 1) &&
	    fdset_mod(&w->set, fd, EPOLLIN | (r == 0 && want_write ? EPOLLOUT : 0))) {
		engine_error(w->st, errno, PHASE_HANDSHAKE);
		worker_close(w, fd, 0);
		return;
	}
	if (r == 0) {
		w->conn[fd] = want_write ? CONN_HANDSHAKE_OUT : CONN_HANDSHAKE;
		return;
	}
	w->conn[fd] = CONN_WATCHED;
	serve(w, fd, 1);
}

static void accepted(struct worker *w, int fd)
{
	int r;

	STAT_ADD(w->st->opened, 1);
	STAT_ADD(w->st->open, 1);
	w->open++;
	if (!tls_side_on(&w->tls) || w->cfg->mode == SERVER_NOACCEPT) {
		serve(w, fd, 0);
		return;
	}
	r = (size_t)fd < w->nconns ? fdset_add(&w->set, fd, EPOLLIN) : -EMFILE;
	if (r || tls_side_start(&w->tls, fd, 0, NULL) < 0) {
		if (r)
			engine_error(w->st, -r, PHASE_ACCEPT);
		worker_close(w, fd, 0);
		return;
	}
	w->conn[fd] = CONN_HANDSHAKE;
	w->age[fd] = w->secs;
	handshake(w, fd); /* the client's hello may be here already */
}

static void on_maintain(evutil_socket_t fd, short what, void *arg);

/* Once a second: TLS handshakes older than HANDSHAKE_TIMEOUT_S end (a
 * plain-TCP client that waits for the server to speak would stay so) */
static void handshake_timeouts(struct worker *w)
{
	w->secs++;
	for (size_t fd = 0; fd < w->nconns; fd++)
		if (w->conn[fd] >= CONN_HANDSHAKE &&
		    (uint8_t)(w->secs - w->age[fd]) > HANDSHAKE_TIMEOUT_S) {
			tls_side_fail(&w->tls, TLS_R_TIMEOUT,
				      "the client did not finish its handshake in 10 s");
			worker_close(w, (int)fd, 0);
		}
}

static void on_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct worker *w = arg;

	(void)what;
	for (int i = 0; i < ACCEPT_BATCH && w->listening; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			engine_error(w->st, errno, PHASE_ACCEPT);
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				/* the socket stays readable: stop listening for it, or we
				 * would spin; a retry in 100 ms turns it back on */
				struct timeval retry = clock_tv(100000);

				for (unsigned p = 0; p < w->nlisten; p++)
					event_del(&w->listen_ev[p]);
				if (!w->paused)
					event_base_once(w->base, -1, EV_TIMEOUT, on_maintain, w,
							&retry);
				w->paused = 1;
			}
			return;
		}
		accepted(w, fd);
		if (w->open >= w->high_water) {
			if (!w->near_limit_logged)
				log_msg(LOGL_INFO,
					"server worker %d: %llu connections, near its open-file limit %llu: stops accepting; other workers take new connections",
					(int)getpid(), (unsigned long long)w->open,
					(unsigned long long)w->cfg->fd_limit);
			w->near_limit_logged = 1;
			listeners_close(w);
		}
	}
}

/* Every second (and 100 ms after EMFILE): listen again after EMFILE, or
 * rejoin the group once connections have dropped well below the limit;
 * refresh the RSS. Not more often: 59 workers at 1M would wake 590 times a
 * second for nothing. */
static void on_maintain(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;

	(void)fd;
	(void)what;
	if (w->paused && w->listening) {
		w->paused = 0;
		listeners_arm(w);
	}
	if (!w->listening && w->open < w->low_water && listeners_open(w, 0) == 0)
		listeners_arm(w);
	STAT_SET(w->st->rss_bytes, procfs_rss_self());
	STAT_SET(w->st->cpu_ns, engine_cpu_ns());
	if (what & EV_TIMEOUT && tls_side_on(&w->tls))
		handshake_timeouts(w);
}

static void on_keepalive(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	unsigned slice = w->tick++ % KEEPALIVE_SLICES;

	(void)fd;
	(void)what;
	for (size_t i = slice; i < w->nconns; i += KEEPALIVE_SLICES) {
		ssize_t n;

		if (w->conn[i] != CONN_WATCHED)
			continue;
		n = tls_side_send(&w->tls, (int)i, keepalive_line, sizeof(keepalive_line) - 1);
		if (n > 0) {
			STAT_ADD(w->st->bytes_out, (uint64_t)n);
		} else if (n < 0 && errno != EAGAIN) {
			if (errno != EPROTO)
				engine_error(w->st, errno, PHASE_ESTABLISHED);
			worker_close(w, (int)i, 1);
		}
	}
}

int server_worker(unsigned index, struct engine_stats *st, void *arg)
{
	static struct worker w;
	struct event *ev_maint, *ev_keep = NULL;
	struct timeval tv;
	int r;

	(void)index;
	signal(SIGPIPE, SIG_IGN);
	w.cfg = arg;
	w.st = st;
	w.nconns = w.cfg->fd_limit;
	w.conn = calloc(w.nconns, sizeof(*w.conn));
	w.high_water = budget_fd_usable(w.cfg->fd_limit) -
		       w.cfg->ports.n * (unsigned)((w.cfg->has4 != 0) + (w.cfg->has6 != 0));
	w.low_water = w.high_water * 9 / 10;
	w.base = fdset_base_new();
	if (w.cfg->tls_lib)
		w.age = calloc(w.nconns, 1);
	if (!w.conn || !w.base || fdset_init(&w.set, w.base, on_read, &w) ||
	    (w.cfg->tls_lib && !w.age) ||
	    tls_side_init(&w.tls, w.cfg->tls_lib, w.cfg->tls_ctx, w.nconns, st, 1))
		return EXIT_CANNOT_RUN;
	r = listeners_open(&w, 1);
	if (r)
		return EXIT_CANNOT_RUN;
	listeners_arm(&w);
	engine_stop_on_signals(w.base);
	ev_maint = event_new(w.base, -1, EV_PERSIST, on_maintain, &w);
	tv = clock_tv(1000000);
	event_add(ev_maint, &tv);
	if (w.cfg->mode == SERVER_KEEPALIVE) {
		ev_keep = event_new(w.base, -1, EV_PERSIST, on_keepalive, &w);
		tv = clock_tv(w.cfg->interval_us / KEEPALIVE_SLICES);
		event_add(ev_keep, &tv);
	}
	if (w.cfg->duration_us)
		engine_stop_after(w.base, w.cfg->duration_us);
	STAT_SET(st->rss_bytes, procfs_rss_self());
	STAT_SET(st->rss_start_bytes, st->rss_bytes);
	event_base_dispatch(w.base);
	/* told to stop: leave the SO_REUSEPORT group first, so that a
	 * connection that comes now is refused (or goes to a worker that
	 * still serves) rather than queued where nobody accepts it while the
	 * held sockets close; those close when the process exits */
	if (w.listening)
		listeners_close(&w);
	STAT_ADD(st->closed, w.open);
	STAT_SET(st->open, 0);
	STAT_SET(st->tls_handshaking, 0);
	STAT_SET(st->cpu_ns, engine_cpu_ns());
	return 0;
}
