/* SPDX-License-Identifier: MIT */
/* hist.c - log-linear latency histogram. */
#include "util/hist.h"

unsigned hist_bucket(uint64_t us)
{
	unsigned e;

	if (us < HIST_LINEAR)
		return (unsigned)us;
	e = 63u - (unsigned)__builtin_clzll(us); /* 6 .. 63 */
	if (e > 36)
		return HIST_BUCKETS - 1;
	/* 32 sub-buckets between 2^e and 2^(e+1) */
	return HIST_LINEAR + (e - 6) * HIST_SUB + (unsigned)((us >> (e - 5)) & (HIST_SUB - 1));
}

uint64_t hist_bucket_upper(unsigned b)
{
	unsigned e, sub;

	if (b < HIST_LINEAR)
		return b;
	e = (b - HIST_LINEAR) / HIST_SUB + 6;
	sub = (b - HIST_LINEAR) % HIST_SUB;
	return (1ULL << e) + ((uint64_t)(sub + 1) << (e - 5)) - 1;
}

void hist_add(struct hist *h, uint64_t us)
{
	h->bucket[hist_bucket(us)]++;
	h->count++;
	h->sum += us;
	if (us > h->max)
		h->max = us;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		dst->bucket[i] += src->bucket[i];
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t hist_quantile(const struct hist *h, double q)
{
	uint64_t rank, seen = 0;

	if (!h->count)
		return 0;
	if (q <= 0)
		q = 0;
	if (q >= 1)
		return h->max;
	rank = (uint64_t)(q * (double)h->count);
	if (rank >= h->count)
		rank = h->count - 1;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen > rank) {
			uint64_t up = hist_bucket_upper(i);

			return up < h->max ? up : h->max;
		}
	}
	return h->max;
}
