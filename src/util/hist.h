/* SPDX-License-Identifier: MIT */
/* hist.h - latency histogram: log-linear buckets (exact below 64 us, then
 * 32 per power of two: at most 3% above the true value), fixed size, no
 * allocation, mergeable by adding buckets. Values are microseconds. */
#ifndef CONNLAB_HIST_H
#define CONNLAB_HIST_H

#include <stddef.h>
#include <stdint.h>

#define HIST_SUB 32
#define HIST_LINEAR 64
#define HIST_BUCKETS (HIST_LINEAR + HIST_SUB * 32) /* up to 2^37 us, 38 hours */

struct hist {
	uint64_t count;
	uint64_t max;
	uint64_t sum;
	uint32_t bucket[HIST_BUCKETS];
};

void hist_add(struct hist *h, uint64_t us);
/* dst += src */
void hist_merge(struct hist *dst, const struct hist *src);
/* How many values are at least us (by bucket: those of us's bucket count
 * when its upper bound is). */
uint64_t hist_at_least(const struct hist *h, uint64_t us);
/* What was added to a histogram between two copies of it: later less
 * earlier, bucket by bucket (max: later's, when something was added). */
void hist_since(struct hist *dst, const struct hist *later, const struct hist *earlier);
/* The value at quantile q (0..1): the upper bound of the bucket holding
 * it, never above the largest value seen; 0 when empty. */
uint64_t hist_quantile(const struct hist *h, double q);
/* The histogram as text that travels (a stats line): "count sum max" then
 * " bucket:count" for each bucket that is not empty. Its length, or 0 when
 * it does not fit in len. */
size_t hist_text(const struct hist *h, char *buf, size_t len);
/* Adds such a text to h: the merge is exact (the buckets themselves
 * travel, not percentiles). 0, or -1 when the text is not one. */
int hist_parse_add(struct hist *h, const char *text);

/* Bucket index of a value, and the largest value the bucket holds. */
unsigned hist_bucket(uint64_t us);
uint64_t hist_bucket_upper(unsigned b);

#endif
