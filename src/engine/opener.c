/* SPDX-License-Identifier: MIT */
/* opener.c - the flood's opening side: sockets bound to their source
 * address with IP_BIND_ADDRESS_NO_PORT and connected, as many as the
 * token bucket, the cap on connects in flight and the worker's share
 * allow; the queue of connects in flight, in the order they started, that
 * finds every overdue one from its head; the one-shot tick armed for the
 * next thing to do. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/fworker.h"
#include "util/clock.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

void fw_conn_free(struct fworker *w, int fd)
{
	tls_side_drop(&w->tls, fd, w->state[fd] == FC_HANDSHAKE);
	w->state[fd] = FC_NONE;
	if (w->sent_ns)
		w->sent_ns[fd] = 0;
	close(fd); /* also leaves the fdset */
}

/* Remembers a connect in flight; 0, or -ENOMEM. The ring grows to the
 * connects started within one timeout (done ones leave from the head). */
static int fw_pending_push(struct fworker *w, int fd, uint64_t t0)
{
	if (w->qlen == w->qcap) {
		size_t cap = w->qcap ? w->qcap * 2 : 1024;
		struct pending *q = malloc(cap * sizeof(*q));

		if (!q)
			return -ENOMEM;
		for (size_t i = 0; i < w->qlen; i++)
			q[i] = w->q[(w->qhead + i) % w->qcap];
		free(w->q);
		w->q = q;
		w->qcap = cap;
		w->qhead = 0;
	}
	w->q[(w->qhead + w->qlen++) % w->qcap] = (struct pending){ fd, t0 };
	return 0;
}

/* The oldest connect still in flight, or NULL: entries of connects that
 * finished (or of an earlier connect on a reused fd) leave from the head. */
const struct pending *fw_pending_head(struct fworker *w)
{
	for (; w->qlen; w->qhead = (w->qhead + 1) % w->qcap, w->qlen--) {
		const struct pending *p = &w->q[w->qhead];

		if ((w->state[p->fd] == FC_CONNECTING || w->state[p->fd] == FC_HANDSHAKE) &&
		    w->t0_ns[p->fd] == p->t0_ns)
			return p;
	}
	return NULL;
}

#define BACKOFF_NS 100000000ULL
#define OPEN_BUDGET_NS 2000000ULL

/* Puts a lost connection in the queue for attempt n; 0, or -ENOMEM. */
static int wait_for(struct fworker *w, unsigned attempt, uint64_t now, void *session)
{
	uint64_t d = backoff_delay_us(&w->cfg->reconnect, attempt, backoff_rand(&w->rnd));
	struct waiting e = { now + d * 1000, attempt, d > UINT32_MAX ? UINT32_MAX : (uint32_t)d,
			     session };
	int r = waitq_push(&w->waitq, e);

	if (r) {
		engine_error(w->st, -r, PHASE_CONNECT);
		tls_side_session_free(&w->tls, session);
	} else
		STAT_SET(w->st->waiting, w->waitq.n);
	return r;
}

/* A failed first connect in hold mode is tried again, but not at once:
 * without a pause a refusing or missing server would be hammered at full
 * speed. A failed reconnect waits by the policy for its next attempt. */
void fw_failed(struct fworker *w, unsigned attempt, void *session)
{
	if (w->cfg->mode == CLIENT_HOLD && attempt && w->cfg->reconnect.mode != RECONNECT_OFF) {
		if (wait_for(w, attempt < 255 ? attempt + 1 : 255, clock_now_ns(), session) == 0)
			return;
		session = NULL; /* released */
	}
	tls_side_session_free(&w->tls, session);
	if (w->cfg->mode == CLIENT_HOLD)
		w->backoff_until_ns = clock_now_ns() + BACKOFF_NS;
}

void fw_lost(struct fworker *w, void *session)
{
	STAT_ADD(w->st->lost, 1);
	if (w->cfg->reconnect.mode == RECONNECT_OFF) {
		tls_side_session_free(&w->tls, session);
		w->lost++; /* not opened again */
	} else if (wait_for(w, 1, clock_now_ns(), session)) {
		w->lost++;
	}
}

static int open_one(struct fworker *w, unsigned attempt, void *session)
{
	const struct flood_cfg *cfg = w->cfg;
	uint64_t g = w->next++ * cfg->workers + w->index;
	/* both families: connection g goes over IPv6 when the running share
	 * of IPv6 steps up at it (ipv6_permille of every thousand, evenly) */
	int v6 = cfg->has6 && (!cfg->has4 ||
			       (g + 1) * cfg->ipv6_permille / 1000 > g * cfg->ipv6_permille / 1000);
	struct sockaddr_storage src, dst;
	socklen_t sl;
	int one = 1, fd, r;

	memset(&src, 0, sizeof(src));
	memset(&dst, 0, sizeof(dst));
	if (v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&src,
				    *d6 = (struct sockaddr_in6 *)&dst;

		s6->sin6_family = d6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, cfg->src6[g % cfg->nsrc6].b, 16);
		memcpy(&d6->sin6_addr, cfg->target6.b, 16);
		d6->sin6_port = htons(cfg->ports.port[(g / cfg->nsrc6) % cfg->ports.n]);
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&src,
				   *d4 = (struct sockaddr_in *)&dst;

		s4->sin_family = d4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(cfg->src[g % cfg->nsrc]);
		d4->sin_addr.s_addr = htonl(cfg->target);
		d4->sin_port = htons(cfg->ports.port[(g / cfg->nsrc) % cfg->ports.n]);
		sl = sizeof(*s4);
	}

	w->started++;
	STAT_ADD(w->st->opened, 1);
	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		engine_error(w->st, errno, PHASE_BIND);
		return -1; /* the caller keeps the session for its next try */
	}
	if ((size_t)fd >= w->nconns) {
		engine_error(w->st, EMFILE, PHASE_BIND);
		close(fd);
		return -1;
	}
	/* IP_BIND_ADDRESS_NO_PORT (an IPPROTO_IP option) holds for IPv6
	 * sockets too: the port is chosen at connect() from the 4-tuple */
	if (setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&src, sl)) {
		engine_error(w->st, errno, PHASE_BIND);
		close(fd);
		fw_failed(w, attempt, session);
		return 0;
	}
	w->t0_ns[fd] = clock_now_ns();
	if (w->is6)
		w->is6[fd] = (uint8_t)v6;
	if (connect(fd, (struct sockaddr *)&dst, sl) && errno != EINPROGRESS) {
		engine_error(w->st, errno, PHASE_CONNECT);
		close(fd);
		fw_failed(w, attempt, session);
		return 0;
	}
	/* EPOLLOUT when the connect is done, EPOLLIN/RDHUP for what comes
	 * after, edge-triggered so that a writable socket does not report
	 * itself again: one epoll_ctl per connection, not two */
	r = fdset_add(&w->set, fd, EPOLLOUT | EPOLLIN | EPOLLRDHUP | EPOLLET);
	if (!r)
		r = fw_pending_push(w, fd, w->t0_ns[fd]);
	if (r) {
		engine_error(w->st, -r, PHASE_CONNECT);
		close(fd);
		return -1;
	}
	/* a reconnect's own session goes with its connection from now (TLS
	 * starts on it when the connect is done) */
	if (session && tls_side_start(&w->tls, fd, 1, session) < 0) {
		close(fd);
		fw_failed(w, attempt, NULL);
		return 0;
	}
	w->state[fd] = FC_CONNECTING;
	w->attempt[fd] = (uint8_t)(attempt < 255 ? attempt : 255);
	if ((size_t)fd > w->hi_fd)
		w->hi_fd = (size_t)fd;
	w->inflight++;
	STAT_ADD(w->st->connecting, 1);
	return 0;
}

static uint64_t wanted(const struct fworker *w)
{
	uint64_t busy, room;

	if (w->cfg->mode == CLIENT_HOLD)
		busy = w->open + w->inflight + w->lost + w->waitq.n;
	else
		busy = w->started;
	if (busy >= w->share || w->inflight >= w->inflight_max)
		return 0;
	room = w->inflight_max - w->inflight;
	return w->share - busy < room ? w->share - busy : room;
}

/* Arms the tick for at_ns unless it is armed for earlier already. */
static void arm(struct fworker *w, uint64_t at_ns, uint64_t now)
{
	struct timeval tv;

	if (w->tick_at_ns && w->tick_at_ns <= at_ns)
		return;
	tv = clock_tv(at_ns > now ? (at_ns - now + 999) / 1000 : 0);
	if (evtimer_add(w->ev_tick, &tv) == 0)
		w->tick_at_ns = at_ns;
}

/* The tick runs only when there is something to do: a connect that may
 * time out, or connects to start that could not start now (no tokens, a
 * back-off, the per-call budget, the fd limit). A worker holding its
 * connections sleeps until they speak: 56 floods ticking every 5 ms would
 * be 11,000 wake-ups a second on a box that is busy with the ramp. */
static void schedule(struct fworker *w, uint64_t now, int again_now)
{
	const struct pending *oldest = fw_pending_head(w);

	const struct waiting *next = waitq_top(&w->waitq);

	if (oldest)
		arm(w, oldest->t0_ns + w->cfg->connect_timeout_us * 1000, now);
	if (next && w->inflight < w->inflight_max)
		arm(w, next->due_ns, now);
	if (wanted(w)) {
		uint64_t at = again_now ? now : now + TICK_US * 1000ULL;

		arm(w, at > w->backoff_until_ns ? at : w->backoff_until_ns, now);
	}
}

/* Starts the reconnects that are due, outside the ramp's pace (each
 * client keeps its own policy) but within the cap on connects in flight
 * and the per-call budget; 1 when some are left that are due now. */
static int reconnect_due(struct fworker *w, uint64_t now)
{
	const struct waiting *e;

	while ((e = waitq_top(&w->waitq)) && e->due_ns <= now && w->inflight < w->inflight_max) {
		struct waiting x = *e;

		waitq_pop(&w->waitq);
		STAT_SET(w->st->waiting, w->waitq.n);
		STAT_ADD(w->st->reconnects, 1);
		hist_add(&w->st->reconnect_wait_us, x.delay_us + (now - x.due_ns) / 1000);
		if (open_one(w, x.attempt, x.session) < 0) { /* no socket now: again shortly */
			x.due_ns = now + RECONNECT_RETRY_US * 1000;
			if (waitq_push(&w->waitq, x)) {
				tls_side_session_free(&w->tls, x.session);
				w->lost++;
			}
			return 0;
		}
		if (clock_now_ns() - now > OPEN_BUDGET_NS)
			return waitq_top(&w->waitq) && waitq_top(&w->waitq)->due_ns <= now;
	}
	return 0;
}

void fw_open_more(struct fworker *w)
{
	uint64_t now = clock_now_ns(), n;
	int again_now = 0;

	if (now >= w->end_ns) { /* the loop may not get to the timer: connects can be slow */
		event_base_loopbreak(w->base);
		return;
	}
	if (reconnect_due(w, now))
		again_now = 1;
	n = now < w->backoff_until_ns ? 0 : pace_take(&w->pace, wanted(w), now);
	/* at most OPEN_BUDGET_NS per call: when TIME_WAIT fills the port range
	 * a connect() can take milliseconds in the kernel, and the event loop
	 * must still run its timers; the rest starts right after them */
	while (n-- && now >= w->backoff_until_ns) {
		if (open_one(w, 0, NULL) < 0)
			break;
		if (clock_now_ns() - now > OPEN_BUDGET_NS) {
			/* what is left of the tokens goes back */
			w->pace.tokens_milli += n * 1000;
			again_now = 1;
			break;
		}
	}
	if (w->cfg->mode == CLIENT_CHURN && w->started >= w->share && !w->inflight && !w->open) {
		event_base_loopbreak(w->base); /* every short connection is done */
		return;
	}
	schedule(w, now, again_now);
}
