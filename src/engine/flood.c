/* SPDX-License-Identifier: MIT */
/* flood.c - `connlab flood`: opens and holds (or churns) connections from
 * many source addresses, paced by a token bucket with a cap on connects in
 * flight. Each socket binds its source address with IP_BIND_ADDRESS_NO_PORT,
 * so the kernel picks the local port at connect() from the whole 4-tuple:
 * one source address carries more than 64k connections to several server
 * ports. Per connection: a state byte and the connect's start time, in
 * arrays indexed by fd; the sockets sit in an epoll set of the worker's own
 * (fdset.h). Connect timeouts: connects start in order, so a queue of
 * (fd, start) checked from its head finds every overdue one. */
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
#include <sys/timerfd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/budget.h"
#include "engine/fdset.h"
#include "engine/flood.h"
#include "engine/fworker.h"
#include "engine/pace.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/procfs.h"
#include "util/status.h"
#include "util/units.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

static void closed(struct fworker *w, int fd, int by_peer)
{
	fw_conn_free(w, fd);
	w->open--;
	engine_count_close(w->st, by_peer);
}

/* A reply is complete: timed, or counted missing when it came too late. */
static void reply_done(struct fworker *w, int fd, uint64_t now)
{
	uint64_t lat = now - w->sent_ns[fd];

	w->sent_ns[fd] = 0;
	if (w->cfg->reply_timeout_us && lat > w->cfg->reply_timeout_us * 1000) {
		STAT_ADD(w->st->replies_missing, 1);
		return;
	}
	STAT_ADD(w->st->replies, 1);
	hist_add(&w->st->reply_us, lat / 1000);
}

/* Sends the message on fd; 1 when it went out whole. A reply is awaited
 * unless the lab wants none. */
static int send_message(struct fworker *w, int fd, uint64_t now)
{
	/* TLS: a write the library could not finish is retried with the same
	 * message, as it requires */
	ssize_t n = tls_side_send(&w->tls, fd, w->cfg->message, w->cfg->message_len);

	if (n == (ssize_t)w->cfg->message_len) {
		STAT_ADD(w->st->messages_sent, 1);
		STAT_ADD(w->st->bytes_out, (uint64_t)n);
		if (w->cfg->reply != REPLY_NONE) {
			w->sent_ns[fd] = now ? now : 1;
			w->got[fd] = 0;
		}
		return 1;
	}
	if (n >= 0 || errno == EAGAIN || errno == EWOULDBLOCK)
		STAT_ADD(w->st->send_blocked, 1); /* the socket buffer is full */
	else if (errno != EPROTO)		  /* EPROTO: counted by its TLS reason */
		engine_error(w->st, errno, PHASE_ESTABLISHED);
	return 0;
}

/* The part of a read that answers the outstanding message: 1 when the
 * reply is complete. Nothing is kept but a count. */
static int reply_part(struct fworker *w, int fd, const char *buf, size_t n)
{
	switch (w->cfg->reply) {
	case REPLY_LINE:
		return memchr(buf, '\n', n) != NULL;
	case REPLY_BYTES:
		w->got[fd] = w->got[fd] + n > UINT32_MAX ? UINT32_MAX : w->got[fd] + (uint32_t)n;
		return w->got[fd] >= w->cfg->reply_bytes;
	default:
		return 0;
	}
}

/* Reads what the server sent (the set is edge-triggered: the next event
 * comes with the next data). A short read has emptied the socket unless
 * the event also said the peer closed or failed: then read on to the end. */
static void on_data(struct fworker *w, int fd, uint32_t events)
{
	char buf[2048], first[sizeof(w->st->peer_sample)];
	size_t firstn = 0;
	int sampled = __atomic_load_n(&w->st->peer_sample_len, __ATOMIC_RELAXED) != 0;
	ssize_t n;
	void *sess;

	while ((n = tls_side_recv(&w->tls, fd, buf, sizeof(buf))) > 0) {
		const char *p = buf, *end = buf + n;

		if (w->state[fd] == FC_OPEN) { /* the server's first byte */
			uint64_t now = clock_now_ns();

			hist_add(&w->st->first_byte_us, (now - w->t0_ns[fd]) / 1000);
			w->state[fd] = FC_SEEN;
		}
		if (w->sent_ns && w->sent_ns[fd] && reply_part(w, fd, buf, (size_t)n)) {
			reply_done(w, fd, clock_now_ns());
			/* churn: a request per connection, closed after its reply */
			if (w->cfg->mode == CLIENT_CHURN && w->cfg->closer == CLOSER_CLIENT) {
				STAT_ADD(w->st->bytes_in, (uint64_t)n);
				closed(w, fd, 0);
				fw_open_more(w);
				return;
			}
		}

		/* a sample of what a closing server says, until one is kept:
		 * after that nothing on this path copies */
		if (!firstn && !sampled) {
			firstn = (size_t)n < sizeof(first) ? (size_t)n : sizeof(first);
			memcpy(first, buf, firstn);
		}

		STAT_ADD(w->st->bytes_in, (uint64_t)n);
		while ((p = memchr(p, '\n', (size_t)(end - p)))) {
			STAT_ADD(w->st->lines_in, 1);
			p++;
		}
		/* TLS: read on until the library waits (it may hold a record) */
		if ((size_t)n < sizeof(buf) && !(events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) &&
		    !tls_side_on(&w->tls))
			return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0 && errno != EPROTO)
		engine_error(w->st, errno, PHASE_ESTABLISHED);
	if (n == 0 && w->sent_ns && w->sent_ns[fd] && w->cfg->reply == REPLY_CLOSE)
		reply_done(w, fd, clock_now_ns()); /* the close is the reply */
	if (n == 0) {
		hist_add(&w->st->peer_close_life_us, (clock_now_ns() - w->t0_ns[fd]) / 1000);
		if (firstn) {
			memcpy(w->st->peer_sample, first, firstn);
			__atomic_store_n(&w->st->peer_sample_len, (uint32_t)firstn,
					 __ATOMIC_RELEASE);
		}
	}
	/* a held connection lost: its session goes with it into the reconnect
	 * queue, as a real client keeps its own */
	sess = w->cfg->mode == CLIENT_HOLD && w->cfg->reconnect.mode != RECONNECT_OFF
		       ? tls_side_session(&w->tls, fd)
		       : NULL;
	closed(w, fd, n == 0);
	if (w->cfg->mode == CLIENT_HOLD)
		fw_lost(w, sess);
	fw_open_more(w);
}

/* A connection that could not be made: freed, and tried again by the
 * policy; a reconnect whose TCP connect failed keeps the session it was
 * to offer (keep), one whose handshake failed does not. */
static void not_made(struct fworker *w, int fd, int keep)
{
	void *sess = keep ? tls_side_session(&w->tls, fd) : NULL;

	w->inflight--;
	fw_conn_free(w, fd);
	fw_failed(w, w->attempt[fd], sess);
	fw_open_more(w);
}

static void conn_ready(struct fworker *w, int fd);

/* A step of fd's TLS handshake (timed_out: it did not finish in time);
 * ready once it is done. */
static void tls_step(struct fworker *w, int fd, int timed_out)
{
	int want_write, r;

	if (timed_out) {
		tls_side_fail(&w->tls, TLS_R_TIMEOUT,
			      "the handshake did not finish within the connect timeout");
		not_made(w, fd, 0);
		return;
	}
	r = tls_side_step(&w->tls, fd, &want_write);
	if (r == 0)
		return; /* edge-triggered: the socket's next event steps it on */
	if (r < 0) {
		w->state[fd] = FC_CONNECTING; /* its handshake is over (failed) */
		not_made(w, fd, 0);
		return;
	}
	hist_add(&w->st->handshake_us, (clock_now_ns() - w->t0_ns[fd]) / 1000);
	w->inflight--;
	conn_ready(w, fd);
}

/* TLS: whether the next handshake offers the last session (the share
 * steps up evenly, as the IPv6 share does) */
static int offer_session(struct fworker *w)
{
	uint64_t k = w->tls_started++, p = w->cfg->tls_resume_permille;

	return (k + 1) * p / 1000 > k * p / 1000;
}

/* A connect finished (timed_out: did not finish in time). */
static void on_connected(struct fworker *w, int fd, int timed_out)
{
	int err = 0;
	socklen_t len = sizeof(err);

	STAT_SUB(w->st->connecting, 1);
	if (timed_out)
		err = ETIMEDOUT;
	else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		engine_error(w->st, err, PHASE_CONNECT);
		not_made(w, fd, 1);
		return;
	}
	hist_add(&w->st->connect_us, (clock_now_ns() - w->t0_ns[fd]) / 1000);
	if (tls_side_on(&w->tls)) { /* in flight until its handshake is done */
		/* a reconnect's TLS began at its connect, with its own session */
		int offers = tls_side_has(&w->tls, fd)
				     ? 1
				     : tls_side_start(&w->tls, fd, offer_session(w), NULL);

		if (offers < 0) {
			not_made(w, fd, 0);
			return;
		}
		if (offers)
			tls_side_offered(&w->tls);
		w->state[fd] = FC_HANDSHAKE;
		tls_step(w, fd, 0);
		return;
	}
	w->inflight--;
	conn_ready(w, fd);
}

/* A connection made (TLS: its handshake done): held, or churned. */
static void conn_ready(struct fworker *w, int fd)
{
	STAT_ADD(w->st->established, 1);
	if (w->cfg->has6 && (!w->cfg->has4 || w->is6[fd]))
		STAT_ADD(w->st->established6, 1);
	STAT_ADD(w->st->open, 1);
	w->open++;
	w->state[fd] = FC_OPEN;
	/* churn with a message: one request on the connection, closed after
	 * its reply (or at once when no reply is awaited) */
	if (w->cfg->mode == CLIENT_CHURN && w->cfg->message) {
		int sent = send_message(w, fd, clock_now_ns());

		if (!sent || w->cfg->reply == REPLY_NONE) {
			if (w->cfg->closer == CLOSER_CLIENT) {
				closed(w, fd, 0);
				fw_open_more(w);
				return;
			}
		}
		fw_open_more(w);
		return;
	}
	if (w->cfg->mode == CLIENT_CHURN && w->cfg->closer == CLOSER_CLIENT) {
		closed(w, fd, 0); /* we close first: TIME_WAIT stays here */
		fw_open_more(w);
		return;
	}
	/* hold: read what the server sends; churn with the server closing
	 * first: wait for its FIN. The socket is in the set for both since
	 * its connect (edge-triggered): no epoll_ctl here */
	if (w->cfg->mode == CLIENT_HOLD && w->open == w->share && !w->st->target_reached_ns)
		STAT_SET(w->st->target_reached_ns, clock_now_ns());
	fw_open_more(w);
}

/* Starts one connect; -1 when no more can start now (fd limit). */
static void on_socket(int fd, uint32_t events, void *arg)
{
	struct fworker *w = arg;

	if (w->state[fd] == FC_HANDSHAKE) {
		tls_step(w, fd, 0);
		/* what came with the handshake's end (the server's first
		 * line, a session ticket) is read now: no edge will say so */
		if (w->state[fd] >= FC_OPEN)
			on_data(w, fd, events);
	} else if (w->state[fd] == FC_CONNECTING) {
		on_connected(w, fd, 0);
		/* the server's first line may have come with the same edge; still
		 * FC_OPEN means the same connection (a closed fd reused by a new
		 * connect would be FC_CONNECTING) */
		if (w->state[fd] >= FC_OPEN && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)))
			on_data(w, fd, events);
	} else if (w->state[fd] >= FC_OPEN) {
		on_data(w, fd, events);
	}
}

/* Connects past their timeout, from the head of the queue; entries whose
 * socket is no longer connecting (or is another connect on the same fd)
 * leave as they reach the head. */
static void timeouts(struct fworker *w, uint64_t now)
{
	uint64_t limit = w->cfg->connect_timeout_us * 1000;
	const struct pending *p;

	while ((p = fw_pending_head(w)) && now - p->t0_ns >= limit) {
		int fd = p->fd;

		/* off the ring first: on_connected schedules from its head */
		w->qhead = (w->qhead + 1) % w->qcap;
		w->qlen--;
		if (w->state[fd] == FC_HANDSHAKE)
			tls_step(w, fd, 1);
		else
			on_connected(w, fd, 1);
	}
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct fworker *w = arg;

	(void)fd;
	(void)what;
	w->tick_at_ns = 0;
	timeouts(w, clock_now_ns());
	fw_open_more(w);
}

/* One tick of the sweep, due at due: the next slice of the fd range. A
 * held one with nothing outstanding sends its message, counted from when
 * it was due (a send the loop delayed counts its delay, as wrk2 counts
 * it: no coordinated omission); one whose reply is overdue counts it
 * missing (lock-step: never two outstanding). */
static void sweep_slice(struct fworker *w, uint64_t due, uint64_t now)
{
	uint64_t limit = w->cfg->reply_timeout_us * 1000;
	size_t k;

	/* fds are handed out lowest first: the connections fill 0..hi_fd, and
	 * a slice of that range each tick spreads them over the interval */
	w->carry += (double)(w->hi_fd + 1) * SWEEP_US / (double)w->period_us;
	k = (size_t)w->carry;
	w->carry -= (double)k;
	while (k--) {
		size_t fd = w->cursor;

		w->cursor = w->cursor >= w->hi_fd ? 0 : w->cursor + 1;
		if (w->state[fd] < FC_OPEN)
			continue;
		if (w->sent_ns[fd]) {
			if (!limit || now - w->sent_ns[fd] <= limit)
				continue;   /* lock-step: its reply is still due */
			w->sent_ns[fd] = 0; /* overdue: missing, and the next one goes */
			STAT_ADD(w->st->replies_missing, 1);
		}
		if (w->cfg->mode == CLIENT_HOLD && send_message(w, (int)fd, due))
			hist_add(&w->st->send_lag_us, (now - due) / 1000);
	}
}

/* The message sweep: one timer for the worker, no timer per connection,
 * every SWEEP_US on an ideal schedule: a timerfd, which wakes the loop to
 * the microsecond where libevent's own timers round to milliseconds (the
 * delay would count in every reply). A late wake runs the ticks it missed
 * (at most an interval's), each with its own due time. */
static void on_sweep(evutil_socket_t ev, short what, void *arg)
{
	struct fworker *w = arg;
	uint64_t now = clock_now_ns(), tick = SWEEP_US * 1000ULL, period = w->period_us * 1000;
	uint64_t expirations;

	(void)what;
	if (read((int)ev, &expirations, sizeof(expirations)) < 0 && errno == EAGAIN)
		return;
	if (!w->due_ns)
		w->due_ns = now;
	else if (now > w->due_ns && now - w->due_ns > period)
		w->due_ns = now - period; /* stalled past an interval: each once */
	while (w->due_ns <= now) {
		sweep_slice(w, w->due_ns, now);
		w->due_ns += tick;
	}
}

/* SIGUSR1 from the launcher (the host's memory is at its floor): start no
 * more connects, hold what is open or in flight. */
static void on_hold_signal(evutil_socket_t fd, short what, void *arg)
{
	struct fworker *w = arg;
	uint64_t busy = w->open + w->inflight + w->lost + w->waitq.n;

	(void)fd;
	(void)what;
	if (busy < w->share)
		w->share = busy;
	if (w->open == w->share && !w->st->target_reached_ns)
		STAT_SET(w->st->target_reached_ns, clock_now_ns());
}

static void on_maintain(evutil_socket_t fd, short what, void *arg)
{
	struct fworker *w = arg;

	(void)fd;
	(void)what;
	STAT_SET(w->st->rss_bytes, procfs_rss_self());
	STAT_SET(w->st->cpu_ns, engine_cpu_ns());
}

int flood_worker(unsigned index, struct engine_stats *st, void *arg)
{
	static struct fworker w;
	const struct flood_cfg *cfg = arg;
	struct event *ev_maint;
	struct timeval tv;
	uint64_t rate;

	signal(SIGPIPE, SIG_IGN);
	w.cfg = cfg;
	w.st = st;
	w.index = index;
	w.share = budget_share(cfg->connections, index, cfg->workers);
	w.inflight_max = budget_share_cap(cfg->inflight, index, cfg->workers);
	rate = cfg->rate ? budget_share_cap(cfg->rate, index, cfg->workers) : 0;
	/* a burst of two ticks: pacing stays smooth at any rate */
	pace_init(&w.pace, rate, rate ? rate * TICK_US * 2 / 1000000 + 1 : 0, clock_now_ns());
	w.nconns = cfg->fd_limit;
	w.state = calloc(w.nconns, sizeof(*w.state));
	w.t0_ns = calloc(w.nconns, sizeof(*w.t0_ns));
	w.attempt = calloc(w.nconns, sizeof(*w.attempt));
	w.rnd = clock_now_ns() ^ ((uint64_t)getpid() << 32) ^ index;
	if (cfg->has4 && cfg->has6)
		w.is6 = calloc(w.nconns, 1);
	w.base = fdset_base_new();
	if (!w.state || !w.t0_ns || !w.attempt || (cfg->has4 && cfg->has6 && !w.is6) || !w.base ||
	    fdset_init(&w.set, w.base, on_socket, &w) ||
	    tls_side_init(&w.tls, cfg->tls_lib, cfg->tls_ctx, w.nconns, st, 0))
		return EXIT_CANNOT_RUN;
	if (cfg->message) {
		struct event *ev_sweep;
		/* hold: every fd once an interval; churn: timeouts checked at
		 * least once a reply timeout (or a second) */
		uint64_t period_us = cfg->mode == CLIENT_HOLD && cfg->message_interval_us
					     ? cfg->message_interval_us
				     : cfg->reply_timeout_us ? cfg->reply_timeout_us
							     : 1000000;

		w.sent_ns = calloc(w.nconns, sizeof(*w.sent_ns));
		w.got = calloc(w.nconns, sizeof(*w.got));
		struct itimerspec its = { .it_interval = { 0, SWEEP_US * 1000 },
					  .it_value = { 0, SWEEP_US * 1000 } };
		int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);

		ev_sweep =
			tfd < 0 ? NULL : event_new(w.base, tfd, EV_READ | EV_PERSIST, on_sweep, &w);
		if (!w.sent_ns || !w.got || !ev_sweep || timerfd_settime(tfd, 0, &its, NULL))
			return EXIT_CANNOT_RUN;
		w.period_us = period_us;
		w.due_ns = clock_now_ns() + SWEEP_US * 1000ULL;
		event_add(ev_sweep, NULL);
	}
	engine_stop_on_signals(w.base);
	event_add(evsignal_new(w.base, SIGUSR1, on_hold_signal, &w), NULL);
	w.ev_tick = evtimer_new(w.base, on_tick, &w);
	ev_maint = event_new(w.base, -1, EV_PERSIST, on_maintain, &w);
	if (!w.ev_tick || !ev_maint)
		return EXIT_CANNOT_RUN;
	tv = clock_tv(1000000);
	event_add(ev_maint, &tv);
	engine_stop_after(w.base, cfg->duration_us);
	STAT_SET(st->rss_bytes, procfs_rss_self());
	STAT_SET(st->rss_start_bytes, st->rss_bytes);
	w.end_ns = clock_now_ns() + cfg->duration_us * 1000;
	if (!w.share) /* more workers than connections */
		return 0;
	fw_open_more(&w);
	event_base_dispatch(w.base);
	/* the end: close every socket, in progress or open */
	for (size_t fd = 0; fd < w.nconns; fd++) {
		if (w.state[fd] == FC_NONE)
			continue;
		fw_conn_free(&w, (int)fd);
	}
	STAT_ADD(st->closed, w.open);
	STAT_SET(st->open, 0);
	STAT_SET(st->connecting, 0);
	STAT_SET(st->tls_handshaking, 0);
	STAT_SET(st->cpu_ns, engine_cpu_ns());
	while (waitq_top(&w.waitq)) { /* the sessions still waiting */
		tls_side_session_free(&w.tls, waitq_top(&w.waitq)->session);
		waitq_pop(&w.waitq);
	}
	waitq_free(&w.waitq);
	STAT_SET(st->waiting, 0);
	return 0;
}
