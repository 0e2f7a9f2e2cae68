/* SPDX-License-Identifier: MIT */
/* backoff.h - how a flood opens again a held connection it lost: the
 * policy (off, at once, or exponential backoff with jitter, as clients
 * in the wild do), the delay of each attempt, and the worker's queue of
 * connections waiting for their attempt: 16 bytes each, a min-heap by
 * due time, nothing else kept per lost connection. */
#ifndef CONNLAB_ENGINE_BACKOFF_H
#define CONNLAB_ENGINE_BACKOFF_H

#include <stddef.h>
#include <stdint.h>

#include "util/compiler.h"

enum reconnect_mode { RECONNECT_OFF, RECONNECT_IMMEDIATE, RECONNECT_BACKOFF };
/* full: uniform in [0, w]; equal: in [w/2, w]; none: w; w being the
 * attempt's window, base doubled each attempt up to max */
enum jitter_kind { JITTER_FULL, JITTER_EQUAL, JITTER_NONE };

extern const char *const reconnect_mode_names[3];
extern const char *const jitter_names[3];
WUR int reconnect_mode_parse(const char *v, enum reconnect_mode *m, char *err, size_t errlen);
WUR int jitter_parse(const char *v, enum jitter_kind *j, char *err, size_t errlen);

struct reconnect_policy {
	enum reconnect_mode mode;
	uint64_t base_us, max_us;
	enum jitter_kind jitter;
};

#define BACKOFF_BASE_DEFAULT_US 100000ULL     /* 100ms */
#define BACKOFF_MAX_DEFAULT_US 30000000ULL    /* 30s */
#define BACKOFF_MAX_US (3600ULL * 1000000ULL) /* an hour: a delay fits 32 bits of us */

/* --reconnect's value: off, immediate, backoff, or backoff:BASE:MAX[:JITTER]
 * (backoff:100ms:30s:full); 0, or -EINVAL with why in err. */
WUR int reconnect_policy_parse(const char *v, struct reconnect_policy *p, char *err, size_t errlen);
/* The same as text, for the flood's options: buf. */
const char *reconnect_policy_fmt(const struct reconnect_policy *p, char *buf, size_t len);

/* A failed attempt of immediate reconnects waits this long: a refusing
 * server is not hammered at the speed of a loop. */
#define RECONNECT_RETRY_US 100000ULL

/* The window of attempt n (1, 2, ...): base * 2^(n-1), at most max. */
uint64_t backoff_window_us(const struct reconnect_policy *p, unsigned attempt);
/* The wait before attempt n, us, from 64 random bits: immediate waits
 * nothing for its first attempt and RECONNECT_RETRY_US for the others;
 * backoff waits a jittered window. */
uint64_t backoff_delay_us(const struct reconnect_policy *p, unsigned attempt, uint64_t rnd);

/* A connection waiting for its next attempt. */
struct waiting {
	uint64_t due_ns;
	uint32_t attempt;  /* the attempt it waits for: 1 for the first */
	uint32_t delay_us; /* what it was told to wait (saturated) */
	void *session;	   /* TLS: the lost connection's session to offer, or NULL */
};

struct waitq {
	struct waiting *w;
	size_t n, cap;
};

/* 0, or -ENOMEM. */
WUR int waitq_push(struct waitq *q, struct waiting e);
/* The one due first, or NULL when none waits. */
const struct waiting *waitq_top(const struct waitq *q);
void waitq_pop(struct waitq *q);
void waitq_free(struct waitq *q);

/* xorshift64*: the flood's jitter, seeded per worker. */
uint64_t backoff_rand(uint64_t *state);

#endif
