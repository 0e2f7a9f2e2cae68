/* SPDX-License-Identifier: MIT */
/* check_judge.c - expectations judged from result.json alone: every metric
 * of the table read from fixture run directories (tests/fixtures/), pings
 * judged on pings and not on probe connects, values not measured, and a
 * run judged again from its directory. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lab/expect.h"
#include "lab/lab.h"
#include "report/report.h"
#include "util/status.h"

#include "check_main.h"

static char err[1200];

static json_t *fixture(const char *name)
{
	char dir[256];
	json_t *j;

	snprintf(dir, sizeof(dir), "tests/fixtures/%s", name);
	j = report_load(dir, err, sizeof(err));
	ck_assert_msg(j, "%s", err);
	return j;
}

/* Every metric of lab/metrics.c, with its value in tests/fixtures/judge. */
static const struct {
	const char *metric;
	double value;
} want[] = {
	{ "established", 1990 },
	{ "established.final", 1985 },
	{ "time_wait", 1964 },
	{ "close_wait", 12 },
	{ "syn_recv", 5 },
	{ "orphans", 2 },
	{ "ramp.time", 601234.5 },
	{ "ramp.rate", 3326.5 },
	{ "connect.p50", 150 },
	{ "connect.p90", 300 },
	{ "connect.p99", 1200 },
	{ "connect.p999", 4000 },
	{ "connect.max", 9000 },
	{ "reply.p50", 320 },
	{ "reply.p99", 2500 },
	{ "reply.max", 7000 },
	{ "reply.missing", 10 },
	{ "probe.reply.p50", 163 },
	{ "probe.reply.p99", 1097 },
	{ "messages.rate", 250.5 },
	{ "first_byte.p99", 900 },
	{ "ping.loss", 1.0 / 28 },
	{ "ping.p50", 219 },
	{ "ping.p90", 500 },
	{ "ping.p99", 44418 },
	{ "ping.max", 51200 },
	{ "ping6.loss", 0.2 },
	{ "ping6.p99", 750 },
	{ "probe6.connect.p99", 1500 },
	{ "probe.connect.p50", 143 },
	{ "probe.connect.p90", 150 },
	{ "probe.connect.p99", 44473 },
	{ "probe.connect.max", 60000 },
	{ "probe.connect.failures", 2 },
	{ "errors.total", 19 },
	{ "conntrack.count", 321 },
	{ "conntrack.drops", 7 },
	{ "kernel_log.lines", 5 },
	{ "memory.kernel_per_conn", 7997.5 },
	{ "memory.user_per_conn", 2004.25 },
	{ "tls.handshakes", 1000 },
	{ "tls.resumed", 772 },
	{ "tls.server.resumed", 771 },
	{ "tls.failed", 3 },
	{ "tls.rate", 1650.5 },
	{ "tls.handshake.p50", 120000 },
	{ "tls.handshake.p99", 180224 },
	{ "tls.server.cpu_per_handshake", 400 },
	{ "tls.memory.server", 30210.5 },
	{ "tls.memory.clients", 42001.2 },
	/* the two patterns */
	{ "errors.NAME", NAN },
	{ "counters.NS.NAME", NAN },
	{ "errors.EADDRNOTAVAIL", 17 },
	{ "errors.ETIMEDOUT", 2 },
	{ "errors.ECONNRESET", 0 }, /* none happened: not in "errors" */
	{ "counters.srv.ListenOverflows", 48 },
	{ "counters.probe.RetransSegs", 100 },
	{ "counters.c1.RetransSegs", 6 },
	{ "counters.clients.RetransSegs", 10 }, /* c0 + c1, not srv or probe */
};

START_TEST(every_metric_from_result_json)
{
	json_t *res = fixture("judge");

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		double v = report_metric_value(res, want[i].metric);

		if (isnan(want[i].value))
			continue;
		ck_assert_msg(fabs(v - want[i].value) < 1e-9, "%s: %g, expected %g", want[i].metric,
			      v, want[i].value);
	}
	/* the table has no metric this test does not know */
	for (size_t m = 0; m < metrics_count; m++) {
		size_t i = 0;

		while (i < sizeof(want) / sizeof(want[0]) &&
		       strcmp(want[i].metric, metrics[m].name))
			i++;
		ck_assert_msg(i < sizeof(want) / sizeof(want[0]), "metric %s has no test",
			      metrics[m].name);
	}
	/* a namespace the run did not have: not measured */
	ck_assert(isnan(report_metric_value(res, "counters.c7.RetransSegs")));
	json_decref(res);
}
END_TEST

/* The bug this table removed: ping.p* were judged on the probe-connect
 * histogram (44.473 ms here) instead of the pings (44.418 ms). */
START_TEST(ping_percentiles_are_the_pings)
{
	json_t *res = fixture("judge");
	struct expectation e[2];
	json_t *ex;

	ck_assert_int_eq(expect_parse("ping.p99", "<= 44.45ms", &e[0], err, sizeof(err)), 0);
	ck_assert_int_eq(expect_parse("ping.max", "< 55ms", &e[1], err, sizeof(err)), 0);
	ck_assert_uint_eq(report_judge(res, e, 2), 0);
	ex = json_array_get(json_object_get(res, "expectations"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(ex, "actual_text")), "44.4ms");
	ck_assert_double_eq(json_number_value(json_object_get(ex, "actual")), 44418);
	ck_assert(json_is_true(json_object_get(ex, "holds")));
	ck_assert_int_eq(expect_parse("probe.connect.p99", "<= 44.45ms", &e[0], err, sizeof(err)),
			 0);
	ck_assert_uint_eq(report_judge(res, e, 1), 1);
	json_decref(res);
}
END_TEST

START_TEST(not_measured)
{
	json_t *res = fixture("judge-silent");
	static const char *const none[] = {
		"ping.p50",
		"ping.max",
		"probe.connect.p99",
		"probe.connect.max",
		"ramp.time",
		"ramp.rate",
		"connect.p99",
		"conntrack.count",
		"memory.kernel_per_conn",
		"memory.user_per_conn",
	};
	struct expectation e;
	json_t *ex;

	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		ck_assert_msg(isnan(report_metric_value(res, none[i])), "%s is measured", none[i]);
	/* what is zero is zero, not unknown */
	ck_assert_double_eq(report_metric_value(res, "errors.EADDRNOTAVAIL"), 0);
	ck_assert_double_eq(report_metric_value(res, "kernel_log.lines"), 0);
	ck_assert_double_eq(report_metric_value(res, "ping.loss"), 1);
	/* an expectation on a value not measured fails and says so */
	ck_assert_int_eq(expect_parse("ping.p99", "<= 1s", &e, err, sizeof(err)), 0);
	ck_assert_uint_eq(report_judge(res, &e, 1), 1);
	ex = json_array_get(json_object_get(res, "expectations"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(ex, "actual_text")), "not measured");
	ck_assert(json_is_null(json_object_get(ex, "actual")));
	json_decref(res);
}
END_TEST

/* The lab a run directory holds parses again, with --set on top: what
 * `connlab report RUNDIR --set ...` judges. */
START_TEST(lab_of_a_run_again)
{
	json_t *res = fixture("judge");
	const char *text =
		json_string_value(json_object_get(json_object_get(res, "lab"), "resolved"));
	static struct lab lab;
	struct lab_diag diag = { 0 };

	lab_init(&lab, "result.json");
	ck_assert_int_eq(lab_parse(&lab, text, strlen(text), &diag), 0);
	ck_assert_int_eq(lab_set(&lab, "expect.ping.p99=<= 40ms", &diag), 0);
	ck_assert_int_eq(lab_set(&lab, "expect.ping.loss=off", &diag), 0);
	ck_assert_int_eq(lab_validate(&lab, &diag), 0);
	/* established, probe.connect.p99, ping.max (the run's --set), ping.p99 */
	ck_assert_uint_eq(lab.n_expect, 4);
	ck_assert_str_eq(lab.expect[3].metric, "ping.p99");
	/* established >= clients.connections (2000) fails at 1990, ping.p99 at
	 * 44.418 ms; probe.connect.p99 <= 50ms and ping.max <= 1s hold */
	ck_assert_uint_eq(report_judge(res, lab.expect, lab.n_expect), 2);
	json_decref(res);
}
END_TEST

START_TEST(not_a_run_directory)
{
	ck_assert_ptr_null(report_load("tests/fixtures", err, sizeof(err)));
	ck_assert_str_eq(
		err,
		"tests/fixtures is not a run directory: it has no result.json; 'connlab run' writes one into runs/<time>-<lab>/");
	ck_assert_ptr_null(report_load("tests/fixtures/nonexistent", err, sizeof(err)));
	ck_assert_str_eq(
		err,
		"tests/fixtures/nonexistent: No such file or directory; give a run directory (runs/<time>-<lab>/)");
}
END_TEST

static void add(TCase *tc)
{
	tcase_add_test(tc, every_metric_from_result_json);
	tcase_add_test(tc, ping_percentiles_are_the_pings);
	tcase_add_test(tc, not_measured);
	tcase_add_test(tc, lab_of_a_run_again);
	tcase_add_test(tc, not_a_run_directory);
}

int main(void)
{
	return check_main("judge", add);
}
