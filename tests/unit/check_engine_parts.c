/* SPDX-License-Identifier: MIT */
/* check_engine_parts.c - the engines' pure parts: latency histogram and
 * connect pacing. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "engine/pace.h"
#include "util/hist.h"

#include "check_main.h"

START_TEST(hist_buckets)
{
	ck_assert_uint_eq(hist_bucket(0), 0);
	ck_assert_uint_eq(hist_bucket(63), 63);
	ck_assert_uint_eq(hist_bucket(64), 64);
	ck_assert_uint_eq(hist_bucket_upper(64), 65);
	ck_assert_uint_eq(hist_bucket(65), 64);
	ck_assert_uint_eq(hist_bucket(66), 65);
	ck_assert_uint_eq(hist_bucket(127), 95);
	ck_assert_uint_eq(hist_bucket(128), 96);
	ck_assert_uint_eq(hist_bucket_upper(96), 131);
	/* every value lies in its bucket, within 3.2% of the upper bound */
	for (uint64_t v = 1; v < (1ULL << 36); v = v * 3 / 2 + 1) {
		unsigned b = hist_bucket(v);

		ck_assert_uint_le(v, hist_bucket_upper(b));
		if (b)
			ck_assert_uint_gt(v, hist_bucket_upper(b - 1));
		ck_assert_uint_le(hist_bucket_upper(b) - v, v / 31 + 1);
	}
	ck_assert_uint_eq(hist_bucket(UINT64_MAX), HIST_BUCKETS - 1);
}
END_TEST

START_TEST(hist_quantiles)
{
	static struct hist h, g;

	ck_assert_uint_eq(hist_quantile(&h, 0.5), 0);
	for (uint64_t v = 1; v <= 1000; v++)
		hist_add(&h, v);
	ck_assert_uint_eq(h.count, 1000);
	ck_assert_uint_eq(h.max, 1000);
	ck_assert_uint_eq(h.sum, 500500);
	ck_assert_uint_eq(hist_quantile(&h, 0.5), 503); /* 501 lies in 496..503 */
	ck_assert_uint_eq(hist_quantile(&h, 0.01), 10); /* nearest rank: the 10th */
	ck_assert_uint_eq(hist_quantile(&h, 0.99), 991);
	ck_assert_uint_eq(hist_quantile(&h, 1.0), 1000);
	ck_assert_uint_eq(hist_quantile(&h, 0.9999), 1000); /* never above max */
	hist_add(&g, 5000000);
	hist_merge(&g, &h);
	ck_assert_uint_eq(g.count, 1001);
	ck_assert_uint_eq(g.max, 5000000);
	ck_assert_uint_eq(hist_quantile(&g, 0.5), 503);
}
END_TEST

/* Histograms travel as text and merge exactly: three processes' samples,
 * each sent as a stats line's text and added up, are the histogram of all
 * the samples at once, bucket for bucket, and so every percentile. */
START_TEST(hist_merged_exactly)
{
	static struct hist part[3], all, merged;
	static char text[16384];
	uint64_t x = 88172645463325252ULL;

	memset(part, 0, sizeof(part));
	memset(&all, 0, sizeof(all));
	memset(&merged, 0, sizeof(merged));
	for (int i = 0; i < 30000; i++) {
		uint64_t v;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift: known samples */
		v = i % 3 == 0 ? x % 100 : i % 3 == 1 ? x % 5000 : 20000 + x % 3000000;
		hist_add(&part[i % 3], v);
		hist_add(&all, v);
	}
	for (int k = 0; k < 3; k++) {
		ck_assert_uint_gt(hist_text(&part[k], text, sizeof(text)), 0);
		ck_assert_int_eq(hist_parse_add(&merged, text), 0);
	}
	ck_assert_uint_eq(merged.count, all.count);
	ck_assert_uint_eq(merged.sum, all.sum);
	ck_assert_uint_eq(merged.max, all.max);
	ck_assert_int_eq(memcmp(merged.bucket, all.bucket, sizeof(all.bucket)), 0);
	for (double q = 0.01; q < 1; q += 0.01)
		ck_assert_uint_eq(hist_quantile(&merged, q), hist_quantile(&all, q));
	/* a text that is not one changes nothing */
	ck_assert_int_eq(hist_parse_add(&merged, "3 10 9 1:2"), -1); /* 2 of 3 */
	ck_assert_int_eq(hist_parse_add(&merged, "1 5 5 99999:1"), -1);
	ck_assert_int_eq(hist_parse_add(&merged, "garbage"), -1);
	ck_assert_uint_eq(merged.count, all.count);
	/* too small a buffer: nothing rather than a part */
	ck_assert_uint_eq(hist_text(&all, text, 20), 0);
	ck_assert_str_eq(text, "");
}
END_TEST

START_TEST(pacing)
{
	struct pace p;
	uint64_t t = 1000000000, got = 0;

	pace_init(&p, 20000, 200, t);
	ck_assert_uint_eq(pace_take(&p, 1000, t), 0);
	ck_assert_uint_eq(pace_take(&p, 1000, t + 1000000), 20); /* 1 ms at 20k/s */
	ck_assert_uint_eq(pace_take(&p, 5, t + 2000000), 5);
	ck_assert_uint_eq(pace_take(&p, 1000, t + 2000000), 15); /* the rest of that ms */
	/* a long pause gives at most the burst */
	ck_assert_uint_eq(pace_take(&p, 100000, t + 5000000000ULL), 200);
	/* over one second in 1 ms steps: exactly the rate */
	pace_init(&p, 20000, 200, t);
	for (int i = 1; i <= 1000; i++)
		got += pace_take(&p, 1000000, t + (uint64_t)i * 1000000);
	ck_assert_uint_eq(got, 20000);
	/* slow rates accumulate fractions */
	pace_init(&p, 3, 10, t);
	got = 0;
	for (int i = 1; i <= 1000; i++)
		got += pace_take(&p, 100, t + (uint64_t)i * 1000000);
	ck_assert_uint_eq(got, 3);
	pace_init(&p, 0, 0, t);
	ck_assert_uint_eq(pace_take(&p, 77, t), 77); /* unlimited */
}
END_TEST

static void add_tests(TCase *tc)
{
	tcase_add_test(tc, hist_buckets);
	tcase_add_test(tc, hist_quantiles);
	tcase_add_test(tc, hist_merged_exactly);
	tcase_add_test(tc, pacing);
}

int main(void)
{
	return check_main("engine_parts", add_tests);
}
