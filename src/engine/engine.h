/* SPDX-License-Identifier: MIT */
/* engine.h - what connlab server and connlab flood share: worker
 * processes forked by a small supervisor, counters in shared memory (one
 * writer each: the worker), and the JSON stats line the supervisor prints
 * every interval and once more at the end.
 *
 * The stats line is a stable format (docs/engines.md): one JSON object a
 * line, so that a launcher, or a script on another host, can merge them. */
#ifndef CONNLAB_ENGINE_H
#define CONNLAB_ENGINE_H

#include <stdint.h>
#include <stdio.h>

#include "engine/tls.h"
#include "util/hist.h"

enum engine_phase {
	PHASE_BIND,
	PHASE_CONNECT,
	PHASE_ESTABLISHED,
	PHASE_ACCEPT,
	PHASE_HANDSHAKE, /* TLS: the socket failed during the handshake */
	PHASE_COUNT
};
#define ENGINE_ERR_SLOTS 16 /* errnames, and "other" last */

struct engine_stats {
	uint64_t opened;       /* flood: connects started; server: accepted */
	uint64_t established;  /* flood: connects that succeeded */
	uint64_t established6; /* flood: of them, over IPv6 */
	uint64_t open;	       /* connections open now */
	uint64_t connecting;   /* flood: connects in progress */
	uint64_t closed;       /* closed by this side */
	uint64_t closed_by_peer;
	uint64_t bytes_in, bytes_out;
	uint64_t lines_in;	    /* flood: lines received from the server */
	uint64_t listening;	    /* server: listening sockets open */
	uint64_t target_reached_ns; /* flood: when this worker's share was up */
	uint64_t rss_bytes;
	uint64_t rss_start_bytes; /* at the worker's start, before any connection */
	/* flood: connections the server closed, their lifetimes (connect()
	 * to the close), and the first bytes read in the wake-up that saw
	 * such a close (written once: the length last, with release) */
	struct hist peer_close_life_us;
	char peer_sample[80];
	uint32_t peer_sample_len;
	int32_t other_errno; /* the last error not in errnames (slot "other") */
	uint64_t errors[ENGINE_ERR_SLOTS][PHASE_COUNT];
	struct hist connect_us; /* flood: SYN sent to established */
	/* flood: connect() to the server's first byte; messages sent, replies
	 * complete in time, replies missing (timed out), sends that found the
	 * socket buffer full; reply latency (from when the message was due
	 * to the complete reply), and how late each message went out */
	struct hist first_byte_us;
	uint64_t messages_sent, replies, replies_missing, send_blocked;
	struct hist reply_us;
	struct hist send_lag_us;
	/* flood, hold: connections the server closed or reset while held
	 * (lost), attempts to open them again (reconnects), lost ones
	 * waiting for their attempt now, and how long each attempt waited
	 * after its loss or its failed attempt before */
	uint64_t lost, reconnects, waiting;
	struct hist reconnect_wait_us;
	/* TLS: handshakes done, of them resumed, connects that offered a
	 * session (flood), handshakes in progress; the flood's handshake
	 * latency (connect() to done); failures by reason, with the
	 * library's words for the first of each (the length last, with
	 * release) */
	uint64_t tls_handshakes, tls_resumed, tls_offered, tls_handshaking;
	struct hist handshake_us;
	uint64_t tls_errors[TLS_R_COUNT];
	char tls_error_text[TLS_R_COUNT][64];
	uint32_t tls_error_len[TLS_R_COUNT];
	uint64_t cpu_ns; /* the worker's CPU time, user and system */
};

/* Counter updates: one writer per worker, read by the supervisor. */
#define STAT_ADD(field, n) __atomic_fetch_add(&(field), (n), __ATOMIC_RELAXED)
#define STAT_SUB(field, n) __atomic_fetch_sub(&(field), (n), __ATOMIC_RELAXED)

/* A connection closed: one open less, counted by who closed it. */
static inline void engine_count_close(struct engine_stats *st, int by_peer)
{
	STAT_SUB(st->open, 1);
	if (by_peer)
		STAT_ADD(st->closed_by_peer, 1);
	else
		STAT_ADD(st->closed, 1);
}
#define STAT_SET(field, v) __atomic_store_n(&(field), (v), __ATOMIC_RELAXED)

/* Counts an error by errno and phase. */
void engine_error(struct engine_stats *st, int err, enum engine_phase phase);
/* The calling process's CPU time so far, user and system, in ns. */
uint64_t engine_cpu_ns(void);

struct engine_opts {
	const char *role; /* "server" or "flood" */
	unsigned workers;
	uint64_t stats_interval_us;
	int stats_fd;
	uint64_t target; /* flood: connections; server: 0 */
	/* flood, hold: stop hold_us after the target is up, or after
	 * ramp_timeout_us when it is not (0: a launcher stops it) */
	uint64_t hold_us, ramp_timeout_us;
	const char *share; /* "rank/hosts" of a fleet host, or NULL */
	/* a fleet host's: the hold ends when told on this end socket
	 * (endsock.h), hold_us being then the bound if no word comes */
	const char *end_name;
	/* server: a worker that a signal ends (a lab's kill event) leaves the
	 * others running; 0: the first failure stops them all */
	int keep_going;
	int tls; /* the stats line says TLS's figures */
	/* runs in each forked worker; returns its exit status */
	int (*worker)(unsigned index, struct engine_stats *st, void *arg);
	void *arg;
};

struct event_base;
struct timeval;

/* Makes SIGTERM and SIGINT end base's loop (a worker's orderly stop). */
void engine_stop_on_signals(struct event_base *base);
/* Ends base's loop after us microseconds. */
void engine_stop_after(struct event_base *base, uint64_t us);

/* Forks the workers (each with PR_SET_PDEATHSIG), prints a stats line
 * every interval and a final one when all have exited; SIGTERM and SIGINT
 * are passed on to the workers. Returns the exit status: 0, or 3 when a
 * worker failed (named on stderr). */
int engine_run(const struct engine_opts *o);

#endif
