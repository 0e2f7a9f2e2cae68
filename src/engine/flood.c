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
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/budget.h"
#include "engine/fdset.h"
#include "engine/flood.h"
#include "engine/pace.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/procfs.h"
#include "util/status.h"
#include "util/units.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

#define TICK_US 5000

enum fconn_state {
	FC_NONE,
	FC_CONNECTING,
	FC_OPEN, /* connected, nothing read yet */
	FC_SEEN, /* connected, the server's first byte read */
};

/* the sweep that sends messages runs this often, and visits a slice of the
 * fd range each time so that every connection is visited once an interval */
#define SWEEP_US 10000

/* A connect in flight, in the order they started. */
struct pending {
	int fd;
	uint64_t t0_ns;
};

struct fworker {
	const struct flood_cfg *cfg;
	struct engine_stats *st;
	struct event_base *base;
	unsigned index;
	uint64_t share, inflight_max;
	uint64_t next; /* this worker's next connection number */
	uint64_t started, inflight, open, lost;
	uint64_t backoff_until_ns; /* hold: no new connects after a failure */
	uint64_t end_ns;	   /* --duration */
	struct pace pace;
	struct fdset set;
	uint8_t *state;	 /* enum fconn_state, by fd */
	uint8_t *is6;	 /* by fd: over IPv6 (both families only) */
	uint64_t *t0_ns; /* by fd: when its connect() was called */
	size_t nconns;
	struct pending *q; /* ring of connects in flight (and some done: skipped) */
	size_t qcap, qhead, qlen;
	struct event *ev_tick; /* one-shot: armed only when there is work */
	uint64_t tick_at_ns;   /* when it is armed for; 0: not armed */
	/* messages (cfg->message): by fd, when the outstanding one was sent
	 * (0: none) and the reply's bytes so far (bytes:N replies) */
	uint64_t *sent_ns;
	uint32_t *got;
	size_t cursor;	    /* the sweep's next fd */
	size_t hi_fd;	    /* the highest fd a connection has had: the sweep's range */
	uint64_t period_us; /* the sweep covers the range once in this */
	double carry;	    /* the fraction of an fd carried to the next sweep */
};

static void conn_free(struct fworker *w, int fd)
{
	w->state[fd] = FC_NONE;
	if (w->sent_ns)
		w->sent_ns[fd] = 0;
	close(fd); /* also leaves the fdset */
}

/* Remembers a connect in flight; 0, or -ENOMEM. The ring grows to the
 * connects started within one timeout (done ones leave from the head). */
static int pending_push(struct fworker *w, int fd, uint64_t t0)
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
static const struct pending *pending_head(struct fworker *w)
{
	for (; w->qlen; w->qhead = (w->qhead + 1) % w->qcap, w->qlen--) {
		const struct pending *p = &w->q[w->qhead];

		if (w->state[p->fd] == FC_CONNECTING && w->t0_ns[p->fd] == p->t0_ns)
			return p;
	}
	return NULL;
}

static void closed(struct fworker *w, int fd, int by_peer)
{
	conn_free(w, fd);
	w->open--;
	STAT_SUB(w->st->open, 1);
	if (by_peer)
		STAT_ADD(w->st->closed_by_peer, 1);
	else
		STAT_ADD(w->st->closed, 1);
}

static void open_more(struct fworker *w);

#define BACKOFF_NS 100000000ULL
#define OPEN_BUDGET_NS 2000000ULL

/* A failed connect in hold mode is tried again, but not at once: without
 * a pause a refusing or missing server would be hammered at full speed. */
static void failed(struct fworker *w)
{
	if (w->cfg->mode == CLIENT_HOLD)
		w->backoff_until_ns = clock_now_ns() + BACKOFF_NS;
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
	ssize_t n = send(fd, w->cfg->message, w->cfg->message_len, MSG_NOSIGNAL | MSG_DONTWAIT);

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
	else
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

	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
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
				open_more(w);
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
		if ((size_t)n < sizeof(buf) && !(events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
			return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0)
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
	closed(w, fd, n == 0);
	if (w->cfg->mode == CLIENT_HOLD && !w->cfg->reconnect)
		w->lost++;
	open_more(w);
}

/* A connect finished (timed_out: did not finish in time). */
static void on_connected(struct fworker *w, int fd, int timed_out)
{
	int err = 0;
	socklen_t len = sizeof(err);

	w->inflight--;
	STAT_SUB(w->st->connecting, 1);
	if (timed_out)
		err = ETIMEDOUT;
	else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		engine_error(w->st, err, PHASE_CONNECT);
		conn_free(w, fd);
		failed(w);
		open_more(w);
		return;
	}
	hist_add(&w->st->connect_us, (clock_now_ns() - w->t0_ns[fd]) / 1000);
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
				open_more(w);
				return;
			}
		}
		open_more(w);
		return;
	}
	if (w->cfg->mode == CLIENT_CHURN && w->cfg->closer == CLOSER_CLIENT) {
		closed(w, fd, 0); /* we close first: TIME_WAIT stays here */
		open_more(w);
		return;
	}
	/* hold: read what the server sends; churn with the server closing
	 * first: wait for its FIN. The socket is in the set for both since
	 * its connect (edge-triggered): no epoll_ctl here */
	if (w->cfg->mode == CLIENT_HOLD && w->open == w->share && !w->st->target_reached_ns)
		STAT_SET(w->st->target_reached_ns, clock_now_ns());
	open_more(w);
}

/* Starts one connect; -1 when no more can start now (fd limit). */
static int open_one(struct fworker *w)
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
		return -1;
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
		failed(w);
		return 0;
	}
	w->t0_ns[fd] = clock_now_ns();
	if (w->is6)
		w->is6[fd] = (uint8_t)v6;
	if (connect(fd, (struct sockaddr *)&dst, sl) && errno != EINPROGRESS) {
		engine_error(w->st, errno, PHASE_CONNECT);
		close(fd);
		failed(w);
		return 0;
	}
	/* EPOLLOUT when the connect is done, EPOLLIN/RDHUP for what comes
	 * after, edge-triggered so that a writable socket does not report
	 * itself again: one epoll_ctl per connection, not two */
	r = fdset_add(&w->set, fd, EPOLLOUT | EPOLLIN | EPOLLRDHUP | EPOLLET);
	if (!r)
		r = pending_push(w, fd, w->t0_ns[fd]);
	if (r) {
		engine_error(w->st, -r, PHASE_CONNECT);
		close(fd);
		return -1;
	}
	w->state[fd] = FC_CONNECTING;
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
		busy = w->open + w->inflight + w->lost;
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
	const struct pending *oldest = pending_head(w);

	if (oldest)
		arm(w, oldest->t0_ns + w->cfg->connect_timeout_us * 1000, now);
	if (wanted(w)) {
		uint64_t at = again_now ? now : now + TICK_US * 1000ULL;

		arm(w, at > w->backoff_until_ns ? at : w->backoff_until_ns, now);
	}
}

static void open_more(struct fworker *w)
{
	uint64_t now = clock_now_ns(), n;
	int again_now = 0;

	if (now >= w->end_ns) { /* the loop may not get to the timer: connects can be slow */
		event_base_loopbreak(w->base);
		return;
	}
	n = now < w->backoff_until_ns ? 0 : pace_take(&w->pace, wanted(w), now);
	/* at most OPEN_BUDGET_NS per call: when TIME_WAIT fills the port range
	 * a connect() can take milliseconds in the kernel, and the event loop
	 * must still run its timers; the rest starts right after them */
	while (n-- && now >= w->backoff_until_ns) {
		if (open_one(w) < 0)
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

static void on_socket(int fd, uint32_t events, void *arg)
{
	struct fworker *w = arg;

	if (w->state[fd] == FC_CONNECTING) {
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

	while ((p = pending_head(w)) && now - p->t0_ns >= limit) {
		int fd = p->fd;

		/* off the ring first: on_connected schedules from its head */
		w->qhead = (w->qhead + 1) % w->qcap;
		w->qlen--;
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
	open_more(w);
}

/* The message sweep: one timer for the worker, no timer per connection.
 * Every SWEEP_US it visits the next slice of the fd range, so that each
 * connection is visited once a message interval, at its own place in it:
 * a held one with nothing outstanding sends its message; one whose reply
 * is overdue counts it missing (lock-step: never two outstanding). */
static void on_sweep(evutil_socket_t ev, short what, void *arg)
{
	struct fworker *w = arg;
	uint64_t now = clock_now_ns(), limit = w->cfg->reply_timeout_us * 1000;
	size_t k;

	(void)ev;
	(void)what;
	/* fds are handed out lowest first: the connections fill 0..hi_fd, and
	 * a slice of that range each sweep spreads them over the interval */
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
		if (w->cfg->mode == CLIENT_HOLD)
			send_message(w, (int)fd, clock_now_ns());
	}
}

/* SIGUSR1 from the launcher (the host's memory is at its floor): start no
 * more connects, hold what is open or in flight. */
static void on_hold_signal(evutil_socket_t fd, short what, void *arg)
{
	struct fworker *w = arg;
	uint64_t busy = w->open + w->inflight + w->lost;

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
	if (cfg->has4 && cfg->has6)
		w.is6 = calloc(w.nconns, 1);
	w.base = fdset_base_new();
	if (!w.state || !w.t0_ns || (cfg->has4 && cfg->has6 && !w.is6) || !w.base ||
	    fdset_init(&w.set, w.base, on_socket, &w))
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
		ev_sweep = event_new(w.base, -1, EV_PERSIST, on_sweep, &w);
		if (!w.sent_ns || !w.got || !ev_sweep)
			return EXIT_CANNOT_RUN;
		w.period_us = period_us;
		tv = clock_tv(SWEEP_US);
		event_add(ev_sweep, &tv);
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
	w.end_ns = clock_now_ns() + cfg->duration_us * 1000;
	if (!w.share) /* more workers than connections */
		return 0;
	open_more(&w);
	event_base_dispatch(w.base);
	/* the end: close every socket, in progress or open */
	for (size_t fd = 0; fd < w.nconns; fd++) {
		if (w.state[fd] == FC_NONE)
			continue;
		conn_free(&w, (int)fd);
	}
	STAT_ADD(st->closed, w.open);
	STAT_SET(st->open, 0);
	STAT_SET(st->connecting, 0);
	return 0;
}
