/* SPDX-License-Identifier: MIT */
/* check_expect.c - expectations: metric names, parsing, judging, hints. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lab/expect.h"
#include "util/suggest.h"

#include "check_main.h"

static char err[512];

START_TEST(parse_and_judge)
{
	struct expectation e;

	ck_assert_int_eq(expect_parse("established", ">= 100k", &e, err, sizeof(err)), 0);
	ck_assert_int_eq(e.unit, MU_COUNT);
	ck_assert_double_eq(e.value, 100000);
	ck_assert(expect_holds(&e, 100000));
	ck_assert(!expect_holds(&e, 99999));
	ck_assert(!expect_holds(&e, NAN));

	ck_assert_int_eq(expect_parse("ping.p99", "<=10ms", &e, err, sizeof(err)), 0);
	ck_assert_int_eq(e.op, OP_LE);
	ck_assert_double_eq(e.value, 10000);
	ck_assert(expect_holds(&e, 10000));
	ck_assert(!expect_holds(&e, 10001));

	ck_assert_int_eq(expect_parse("errors.EADDRNOTAVAIL", "== 0", &e, err, sizeof(err)), 0);
	ck_assert(expect_holds(&e, 0));
	ck_assert(!expect_holds(&e, 1));
	ck_assert_int_eq(expect_parse("errors.total", "!= 0", &e, err, sizeof(err)), 0);
	ck_assert(expect_holds(&e, 3));
	ck_assert_int_eq(expect_parse("time_wait", "> 5", &e, err, sizeof(err)), 0);
	ck_assert(!expect_holds(&e, 5));
	ck_assert(expect_holds(&e, 6));
	ck_assert_int_eq(expect_parse("close_wait", "< 5", &e, err, sizeof(err)), 0);
	ck_assert(expect_holds(&e, 4));
	ck_assert(!expect_holds(&e, 5));
	ck_assert_int_eq(expect_parse("counters.c12.ListenDrops", "== 0", &e, err, sizeof(err)), 0);
	ck_assert_int_eq(
		expect_parse("counters.clients.RetransSegs", "<= 10", &e, err, sizeof(err)), 0);
	ck_assert_int_eq(
		expect_parse("established", ">= clients.connections", &e, err, sizeof(err)), 0);
	ck_assert_str_eq(e.ref, "clients.connections");
}
END_TEST

START_TEST(parse_errors)
{
	struct expectation e;

	ck_assert_int_eq(expect_parse("established", "=> 5", &e, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(
		err,
		"expected a comparison after 'established': one of >=, <=, ==, !=, >, < and a value, such as 'established >= 100k'");
	ck_assert_int_eq(expect_parse("established", ">=", &e, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "'established >=' has no value to compare with");
	ck_assert_int_eq(expect_parse("ping.p99", "<= 10", &e, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err,
			 "ping.p99 is a duration: '10' has no unit: write it as 10s, 10ms or 10m");
	ck_assert_int_eq(expect_parse("counters.srv", "== 0", &e, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(expect_parse("counters.c1x.ListenDrops", "== 0", &e, err, sizeof(err)),
			 -EINVAL);
	ck_assert_int_eq(expect_parse("establishd", ">= 1", &e, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(
		err,
		"unknown metric 'establishd' (did you mean established?); known metrics: 'connlab help metrics'");
}
END_TEST

START_TEST(formatting)
{
	char buf[32];

	ck_assert_str_eq(metric_fmt_value(MU_DURATION, 12500, buf, sizeof(buf)), "12.5ms");
	ck_assert_str_eq(metric_fmt_value(MU_DURATION, 2500000, buf, sizeof(buf)), "2.5s");
	ck_assert_str_eq(metric_fmt_value(MU_PERCENT, 0.001, buf, sizeof(buf)), "0.1%");
	ck_assert_str_eq(metric_fmt_value(MU_COUNT, 100000, buf, sizeof(buf)), "100000");
	ck_assert_str_eq(metric_fmt_value(MU_RATE, 20000, buf, sizeof(buf)), "20000/s");
}
END_TEST

START_TEST(suggestions)
{
	static const char *const words[] = { "connections", "rate", "addresses" };

	ck_assert_uint_eq(suggest_distance("kitten", "sitting"), 3);
	ck_assert_uint_eq(suggest_distance("", "abc"), 3);
	ck_assert_uint_eq(suggest_distance("Rate", "rate"), 0);
	ck_assert_str_eq(suggest_closest("conections", words, 3), "connections");
	ck_assert_str_eq(suggest_closest("rat", words, 3), "rate");
	ck_assert_ptr_null(suggest_closest("zzzzzz", words, 3));
}
END_TEST

static void add_tests(TCase *tc)
{
	tcase_add_test(tc, parse_and_judge);
	tcase_add_test(tc, parse_errors);
	tcase_add_test(tc, formatting);
	tcase_add_test(tc, suggestions);
}

int main(void)
{
	return check_main("expect", add_tests);
}
