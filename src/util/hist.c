/* SPDX-License-Identifier: MIT */
/* hist.c - log-linear latency histogram. */
#include "util/hist.h"

#include <math.h>
#include <stdio.h>

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
	/* nearest rank: the smallest value with at least q of all at or
	 * below it (the p90 of ten is the ninth, not the worst) */
	rank = (uint64_t)ceil(q * (double)h->count - 1e-9);
	rank = rank ? rank - 1 : 0;
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

size_t hist_text(const struct hist *h, char *buf, size_t len)
{
	size_t off = 0;
	int n;

	if (!len)
		return 0;
	buf[0] = 0;
	n = snprintf(buf, len, "%llu %llu %llu", (unsigned long long)h->count,
		     (unsigned long long)h->sum, (unsigned long long)h->max);
	if (n < 0 || (size_t)n >= len) {
		buf[0] = 0;
		return 0;
	}
	off = (size_t)n;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		if (!h->bucket[i])
			continue;
		n = snprintf(buf + off, len - off, " %u:%u", i, h->bucket[i]);
		if (n < 0 || (size_t)n >= len - off) {
			buf[0] = 0;
			return 0; /* does not fit: nothing rather than a part */
		}
		off += (size_t)n;
	}
	return off;
}

int hist_parse_add(struct hist *h, const char *text)
{
	unsigned long long count, sum, max, seen = 0;
	struct hist add = { 0 };
	const char *p = text;
	int n;

	if (sscanf(p, "%llu %llu %llu%n", &count, &sum, &max, &n) != 3)
		return -1;
	p += n;
	while (*p == ' ') {
		unsigned b, c;

		if (sscanf(p, " %u:%u%n", &b, &c, &n) != 2 || b >= HIST_BUCKETS)
			return -1;
		add.bucket[b] += c;
		seen += c;
		p += n;
	}
	if (*p || seen != count)
		return -1;
	add.count = count;
	add.sum = sum;
	add.max = max;
	hist_merge(h, &add);
	return 0;
}

void hist_since(struct hist *dst, const struct hist *later, const struct hist *earlier)
{
	dst->count = later->count > earlier->count ? later->count - earlier->count : 0;
	dst->sum = later->sum > earlier->sum ? later->sum - earlier->sum : 0;
	dst->max = 0;
	for (unsigned b = 0; b < HIST_BUCKETS; b++) {
		dst->bucket[b] = later->bucket[b] > earlier->bucket[b]
					 ? later->bucket[b] - earlier->bucket[b]
					 : 0;
		if (dst->bucket[b])
			dst->max = hist_bucket_upper(b) < later->max ? hist_bucket_upper(b)
								     : later->max;
	}
}

uint64_t hist_at_least(const struct hist *h, uint64_t us)
{
	uint64_t n = 0;

	for (unsigned b = hist_bucket(us); b < HIST_BUCKETS; b++)
		n += h->bucket[b];
	return n;
}
