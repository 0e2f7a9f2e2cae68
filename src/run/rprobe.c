/* SPDX-License-Identifier: MIT */
/* rprobe.c - the reply probe: the lab's message on a connection of its
 * own from the probe namespace, one at a time (lock-step), every probe
 * interval. Its reply time is the server's alone, beside the flood's many
 * connections: the reference the flood's figure is read against. */
#define _GNU_SOURCE
#include "run/launcher.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netns/netns.h"
#include "util/text.h"

struct rprobe {
	struct run *r;
	struct sockaddr_storage dst;
	socklen_t dstlen;
	char msg[LAB_MESSAGE_MAX + 1];
	size_t msglen;
	int fd;
	uint64_t sent_ns; /* the outstanding message; 0: none */
	uint64_t got;	  /* its reply's bytes so far */
	struct event *ev_read, *ev_timer;
};

static void rp_close(struct rprobe *p)
{
	if (p->ev_read)
		event_free(p->ev_read);
	p->ev_read = NULL;
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	p->sent_ns = 0;
}

static void rp_done(struct rprobe *p, int64_t us)
{
	p->sent_ns = 0;
	probe_tally_reply(&p->r->tally[0], p->r->ph.now, us);
}

static int rp_complete(const struct rprobe *p, const char *buf, size_t n)
{
	const struct reply *rp = &p->r->lab->reply;

	return rp->kind == REPLY_LINE ? memchr(buf, '\n', n) != NULL : p->got >= rp->bytes;
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
	struct rprobe *p = arg;
	char buf[4096];
	ssize_t n;

	(void)what;
	while ((n = recv((int)fd, buf, sizeof(buf), 0)) > 0) {
		p->got += (uint64_t)n;
		if (p->sent_ns && rp_complete(p, buf, (size_t)n))
			rp_done(p, (int64_t)((clock_now_ns() - p->sent_ns) / 1000));
	}
	if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
		if (p->sent_ns)
			rp_done(p, -1);
		rp_close(p); /* the next tick connects again */
	}
}

static void rp_connect(struct rprobe *p)
{
	int saved, s;

	if (netns_enter(p->r->topo.netns[TOPO_PROBE].fd, &saved))
		return;
	s = socket(p->dst.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (netns_leave(saved) && s >= 0) {
		close(s);
		return;
	}
	if (s < 0)
		return;
	if (connect(s, (struct sockaddr *)&p->dst, p->dstlen) && errno != EINPROGRESS) {
		close(s);
		return;
	}
	p->fd = s;
	p->ev_read = event_new(p->r->base, s, EV_READ | EV_PERSIST, on_read, p);
	event_add(p->ev_read, NULL);
}

/* Every interval: an outstanding reply past the lab's timeout (or a
 * second) is missing; otherwise the next message goes. */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct rprobe *p = arg;
	uint64_t now = clock_now_ns(), limit = p->r->lab->reply_timeout_us
						       ? p->r->lab->reply_timeout_us * 1000
						       : 1000000000ULL;

	(void)fd;
	(void)what;
	if (p->fd < 0) {
		rp_connect(p);
		return;
	}
	if (p->sent_ns) {
		if (now - p->sent_ns > limit) {
			rp_done(p, -1);
			rp_close(p); /* its stream is out of step: a new connection */
		}
		return;
	}
	p->got = 0;
	if (send(p->fd, p->msg, p->msglen, MSG_NOSIGNAL | MSG_DONTWAIT) == (ssize_t)p->msglen)
		p->sent_ns = now;
	else if (errno != EAGAIN && errno != ENOTCONN)
		rp_close(p);
}

int run_rprobe_start(struct run *r, const struct sockaddr_storage *dst, socklen_t len)
{
	const struct lab *lab = r->lab;
	struct rprobe *p;
	uint64_t every = lab->ping_interval_us	    ? lab->ping_interval_us
			 : lab->connect_interval_us ? lab->connect_interval_us
						    : 1000000;
	struct timeval tv;
	char err[120];

	if (!lab->message[0] || lab->client_mode != CLIENT_HOLD ||
	    (lab->reply.kind != REPLY_LINE && lab->reply.kind != REPLY_BYTES))
		return 0; /* nothing to time: no message, or no reply to wait for */
	if (lab->tls.enable == TLS_ENABLE_ON || lab->tls.enable == TLS_ENABLE_SERVER)
		return 0; /* it speaks plain TCP: result.json's unavailable says so */
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	if (text_unescape(lab->message, p->msg, sizeof(p->msg), &p->msglen, err, sizeof(err))) {
		free(p);
		return -EINVAL;
	}
	p->r = r;
	p->dst = *dst;
	p->dstlen = len;
	p->fd = -1;
	p->ev_timer = event_new(r->base, -1, EV_PERSIST, on_tick, p);
	tv = clock_tv(every);
	event_add(p->ev_timer, &tv);
	r->rprobe = p;
	return 0;
}

void run_rprobe_stop(struct run *r)
{
	struct rprobe *p = r->rprobe;

	if (!p)
		return;
	rp_close(p);
	event_free(p->ev_timer);
	free(p);
	r->rprobe = NULL;
}
