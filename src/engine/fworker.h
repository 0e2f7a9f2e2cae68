/* SPDX-License-Identifier: MIT */
/* fworker.h - private to the flood (flood.c, opener.c): a worker's state,
 * a state byte and a few numbers per fd, and the opening side that
 * flood.c's event handlers call. */
#ifndef CONNLAB_ENGINE_FWORKER_H
#define CONNLAB_ENGINE_FWORKER_H

#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/backoff.h"
#include "engine/fdset.h"
#include "engine/flood.h"
#include "engine/pace.h"
#include "engine/tlsconn.h"

#define TICK_US 5000

enum fconn_state {
	FC_NONE,
	FC_CONNECTING,
	FC_HANDSHAKE, /* TLS: connected, in the handshake */
	FC_OPEN,      /* connected, nothing read yet */
	FC_SEEN,      /* connected, the server's first byte read */
};

/* the sweep that sends messages runs this often, and visits a slice of the
 * fd range each time so that every connection is visited once an interval:
 * a millisecond, so that no burst goes beyond what the rate gives in one */
#define SWEEP_US 1000

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
	uint8_t *state;	    /* enum fconn_state, by fd */
	uint8_t *is6;	    /* by fd: over IPv6 (both families only) */
	uint64_t *t0_ns;    /* by fd: when its connect() was called */
	uint8_t *attempt;   /* by fd: 0 a first connect, n its nth reconnect (saturated) */
	struct waitq waitq; /* lost connections waiting for their next attempt */
	uint64_t rnd;	    /* the jitter's state */
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
	uint64_t due_ns;    /* the sweep's next tick on its ideal schedule */
	struct tls_side tls;
	uint64_t tls_started; /* handshakes begun: which offer a session */
};

/* ---- opener.c ---- */

/* Closes fd and forgets its state. */
void fw_conn_free(struct fworker *w, int fd);
/* The oldest connect still in flight (TLS: or in its handshake), or NULL. */
const struct pending *fw_pending_head(struct fworker *w);
/* A failed connect, attempt its number (0: a first connect): a first one
 * pauses the worker before it tries again; a reconnect waits by the
 * policy for its next attempt, with its TLS session (or NULL), which is
 * released when it does not wait. */
void fw_failed(struct fworker *w, unsigned attempt, void *session);
/* A held connection the server closed or reset: lost, and waiting for
 * its first reconnect when the policy reconnects, with its TLS session
 * (or NULL) to offer then, as a real client would. */
void fw_lost(struct fworker *w, void *session);
/* Opens what the pace and the caps allow now, and arms the tick for the
 * next opening or the oldest connect's timeout. */
void fw_open_more(struct fworker *w);

#endif
