/* SPDX-License-Identifier: MIT */
/* pace.c - token bucket. */
#include "engine/pace.h"

void pace_init(struct pace *p, uint64_t rate, uint64_t burst, uint64_t now_ns)
{
	p->rate = rate;
	p->burst = burst ? burst : 1;
	p->last_ns = now_ns;
	p->tokens_milli = 0;
}

uint64_t pace_take(struct pace *p, uint64_t want, uint64_t now_ns)
{
	uint64_t got;

	if (!p->rate)
		return want;
	if (now_ns > p->last_ns) {
		/* rate * elapsed in thousandths of a token, without overflow
		 * for any rate below 10M/s and gaps below an hour */
		unsigned __int128 add =
			(unsigned __int128)p->rate * (now_ns - p->last_ns) / 1000000;
		uint64_t cap = p->burst * 1000;

		p->tokens_milli =
			add + p->tokens_milli > cap ? cap : (uint64_t)add + p->tokens_milli;
		p->last_ns = now_ns;
	}
	got = p->tokens_milli / 1000;
	if (got > want)
		got = want;
	p->tokens_milli -= got * 1000;
	return got;
}
