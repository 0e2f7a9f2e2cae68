/* SPDX-License-Identifier: MIT */
/* pace.h - a token bucket for connect pacing: rate per second, a burst
 * of at most one tick's worth, refilled from a monotonic clock. */
#ifndef CONNLAB_PACE_H
#define CONNLAB_PACE_H

#include <stdint.h>

struct pace {
	uint64_t rate;	/* per second; 0: unlimited */
	uint64_t burst; /* most tokens held */
	uint64_t last_ns;
	uint64_t tokens_milli; /* thousandths of a token */
};

void pace_init(struct pace *p, uint64_t rate, uint64_t burst, uint64_t now_ns);
/* Takes up to want tokens; returns how many were taken. */
uint64_t pace_take(struct pace *p, uint64_t want, uint64_t now_ns);

#endif
