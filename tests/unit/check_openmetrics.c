/* SPDX-License-Identifier: MIT */
/* check_openmetrics.c - report/openmetrics.c on fixture runs: every
 * figure is result.json's (the timeline's newest sample, its intervals
 * summed, the floods' histograms merged), nothing measured is invented,
 * labels are quoted and the text ends in "# EOF". tests/report/
 * test_openmetrics.sh parses it with Prometheus's own parser. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "util/hist.h"
#include "util/jpath.h"

#include "check_main.h"

static json_t *fixture(const char *name)
{
	char dir[256], err[800];
	json_t *j;

	snprintf(dir, sizeof(dir), "tests/fixtures/findings/%s", name);
	j = report_load(dir, err, sizeof(err));
	ck_assert_msg(j, "%s", err);
	return j;
}

static char *text_of(json_t *res)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	openmetrics_write(f, res);
	fclose(f);
	return buf;
}

/* The value of the sample of tls-storm's lab whose line starts with
 * name{lab="tls-storm" and goes on with rest (the other labels and "} ");
 * -1 when there is none. */
static double sample(const char *text, const char *name, const char *rest)
{
	char head[400];

	snprintf(head, sizeof(head), "%s{lab=\"tls-storm\"%s", name, rest);
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, head, strlen(head)))
			return strtod(p + strlen(head), NULL);
	return -1;
}

static double timeline_sum(json_t *res, const char *col)
{
	json_t *v;
	size_t i;
	double s = 0;

	json_array_foreach(json_object_get(json_object_get(res, "timeline"), col), i, v) s +=
		json_number_value(v);
	return s;
}

START_TEST(figures_are_the_results)
{
	json_t *res = fixture("tls-storm");
	char *t = text_of(res);
	double prev = 0;

	ck_assert_double_eq(sample(t, "connlab_connects_total", "} "), 60000);
	ck_assert_double_eq(sample(t, "connlab_tls_handshakes_total", "} "), 60000);
	ck_assert_double_eq(sample(t, "connlab_errors_total", ",errno=\"ECONNREFUSED\"} "), 68331);
	ck_assert_double_eq(sample(t, "connlab_sockets", ",state=\"time_wait\"} "), 55874);
	/* an interval column: the sum of its intervals */
	ck_assert_double_eq(sample(t, "connlab_pings_sent_total", "} "),
			    timeline_sum(res, "pings_sent"));
	/* the merged histogram holds every connect result.json counts */
	ck_assert_double_eq(
		sample(t, "connlab_connect_seconds_count", "} "),
		json_integer_value(json_object_get(json_object_get(res, "connect"), "count")));
	ck_assert_double_eq(sample(t, "connlab_connect_seconds_bucket", ",le=\"+Inf\"} "), 60000);
	for (const char *p = strstr(t, "connlab_connect_seconds_bucket"); p;
	     p = strstr(p + 1, "connlab_connect_seconds_bucket")) {
		double v = strtod(strchr(p, ' '), NULL);

		ck_assert_msg(v >= prev, "buckets go down at %.60s", p);
		prev = v;
	}
	/* its median (p50_us 22527 in result.json) lies between 10 and 25 ms */
	ck_assert_double_lt(sample(t, "connlab_connect_seconds_bucket", ",le=\"0.01\"} "), 30000);
	ck_assert_double_ge(sample(t, "connlab_connect_seconds_bucket", ",le=\"0.025\"} "), 30000);
	ck_assert_double_eq(sample(t, "connlab_netstat_total",
				   ",namespace=\"srv\",side=\"server\",counter=\"TW\"} "),
			    30000);
	ck_assert_str_eq(t + strlen(t) - 6, "# EOF\n");
	free(t);
	json_decref(res);
}
END_TEST

/* The two sides are one family with a side label, under one header; the
 * kernel's counters say each namespace's side; every sample's first
 * label is the lab's name. */
START_TEST(sides_and_lab)
{
	json_t *res = fixture("tls-storm");
	json_t *tl = json_object_get(res, "timeline");
	char *t = text_of(res), *p;
	int types = 0;
	size_t last = json_array_size(json_object_get(tl, "t_s")) - 1;

	json_array_set_new(json_object_get(tl, "established_clients"), last, json_integer(7));
	json_array_set_new(json_object_get(tl, "established_server"), last, json_integer(9));
	free(t);
	t = text_of(res);
	ck_assert_double_eq(sample(t, "connlab_established", ",side=\"client\"} "), 7);
	ck_assert_double_eq(sample(t, "connlab_established", ",side=\"server\"} "), 9);
	for (p = t; (p = strstr(p, "# TYPE connlab_established gauge\n")); p++)
		types++;
	ck_assert_int_eq(types, 1);
	ck_assert_double_ge(sample(t, "connlab_open_files", ",side=\"server\"} "), 0);
	ck_assert_double_ge(sample(t, "connlab_open_files", ",side=\"client\"} "), 0);
	ck_assert_double_ge(sample(t, "connlab_netstat_total",
				   ",namespace=\"c0\",side=\"client\",counter=\"TW\"} "),
			    0);
	ck_assert_double_ge(sample(t, "connlab_netstat_total",
				   ",namespace=\"probe\",side=\"probe\",counter=\"TW\"} "),
			    0);
	for (p = t; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		ck_assert_msg(*p == '#' || !strncmp(strchr(p, '{') ?: p, "{lab=\"tls-storm\"", 16),
			      "a sample without the lab: %.80s", p);
	free(t);
	json_decref(res);
}
END_TEST

/* A gauge the newest sample did not measure is left out: an older value
 * would pass for the present one, and 0 would be a measurement. */
START_TEST(unmeasured_left_out)
{
	json_t *res = fixture("tls-storm");
	json_t *col = json_object_get(json_object_get(res, "timeline"), "ping_p50_ms");
	char *t;

	json_array_set_new(col, json_array_size(col) - 1, json_null());
	t = text_of(res);
	ck_assert_ptr_null(strstr(t, "connlab_ping_rtt_p50_seconds"));
	ck_assert_ptr_nonnull(strstr(t, "connlab_ping_rtt_max_seconds "));
	/* no messages in this lab: no reply figures at all */
	ck_assert_ptr_null(strstr(t, "connlab_reply_p50_seconds"));
	ck_assert_ptr_null(strstr(t, "connlab_reply_seconds"));
	ck_assert_ptr_null(strstr(t, "nan"));
	free(t);
	json_decref(res);
}
END_TEST

/* Label values are quoted as OpenMetrics says; a run still going has no
 * outcome yet. */
START_TEST(labels_quoted)
{
	json_t *res = fixture("default");
	char *t;

	json_object_set_new(json_object_get(res, "lab"), "name", json_string("a\"b\\c\nd"));
	json_object_del(res, "outcome");
	t = text_of(res);
	ck_assert_msg(strstr(t, "connlab_run_info{lab=\"a\\\"b\\\\c\\nd\",phase=\"teardown\","
				"outcome=\"running\"} 1\n"),
		      "%.200s", t);
	free(t);
	json_decref(res);
}
END_TEST

/* The probe's ping histogram from the buckets result.json keeps (its own
 * finer buckets, counted into the le bounds); a fleet's hosts labelled:
 * their figures, each load host's own histograms, every host's kernel
 * counters with its side. */
START_TEST(ping_histogram_and_hosts)
{
	json_t *res = fixture("fleet-ok");
	static const uint64_t us[] = { 80, 90, 300, 700, 2000, 40000 };
	struct hist h = { 0 };
	char text[2048], *t;

	for (size_t i = 0; i < sizeof(us) / sizeof(us[0]); i++)
		hist_add(&h, us[i]);
	ck_assert_uint_gt(hist_text(&h, text, sizeof(text)), 0);
	json_object_set_new(json_object_get(json_object_get(res, "ping"), "all"), "buckets",
			    json_string(text));
	json_array_set_new(json_object_get(jpath(res, "timeline.hosts.cx12899-h2"), "established"),
			   json_array_size(jpath(res, "timeline.t_s")) - 1, json_integer(4321));
	json_object_set_new(jpath(res, "hosts[1].flood"), "hists",
			    json_pack("{s:s}", "connect_hist", text));
	t = text_of(res);
	ck_assert_msg(strstr(t, "# TYPE connlab_ping_seconds histogram\n"), "%.300s", t);
	ck_assert_msg(strstr(t, "connlab_ping_seconds_bucket{lab=\"fleet\",le=\"0.0001\"} 2\n"),
		      "%.300s", t);
	ck_assert_msg(strstr(t, "connlab_ping_seconds_bucket{lab=\"fleet\",le=\"0.001\"} 4\n"),
		      "%.300s", t);
	ck_assert_msg(strstr(t, "connlab_ping_seconds_bucket{lab=\"fleet\",le=\"0.05\"} 6\n"), "%s",
		      t);
	ck_assert_msg(strstr(t, "connlab_ping_seconds_count{lab=\"fleet\"} 6\n"
				"connlab_ping_seconds_sum{lab=\"fleet\"} 0.04317\n"),
		      "%.300s", t);
	ck_assert_msg(
		strstr(t, "connlab_host_established{lab=\"fleet\",host=\"cx12899-h2\"} 4321\n"),
		"%.300s", t);
	ck_assert_msg(strstr(t, "connlab_connect_seconds_bucket{lab=\"fleet\",host=\"cx12899-h2\","
				"le=\"0.001\"} 4\n"),
		      "%.300s", t);
	ck_assert_msg(
		strstr(t, "connlab_connect_seconds_count{lab=\"fleet\",host=\"cx12899-h2\"} 6\n"),
		"%.300s", t);
	ck_assert_msg(
		!strstr(t, "connlab_connect_seconds_count{lab=\"fleet\",host=\"cx12899-h1\"}"),
		"a host without histograms has none");
	ck_assert_msg(
		strstr(t, "connlab_host_opened_total{lab=\"fleet\",host=\"cx12899-h1\"} 10000\n"),
		"%.300s", t);
	ck_assert_msg(strstr(t, "connlab_netstat_total{lab=\"fleet\",host=\"cx12899-srv\","
				"side=\"server\",counter=\"PassiveOpens\"} 30007\n"),
		      "%.300s", t);
	ck_assert_msg(strstr(t, "connlab_netstat_total{lab=\"fleet\",host=\"cx12899-h3\","
				"side=\"client\",counter=\"ActiveOpens\"} 10000\n"),
		      "%.300s", t);
	ck_assert_msg(!strstr(t, "connlab_probe_connect_latency_seconds"),
		      "no buckets kept: no histogram");
	free(t);
	json_decref(res);
}
END_TEST

static void add(TCase *tc)
{
	tcase_add_test(tc, ping_histogram_and_hosts);
	tcase_add_test(tc, figures_are_the_results);
	tcase_add_test(tc, sides_and_lab);
	tcase_add_test(tc, unmeasured_left_out);
	tcase_add_test(tc, labels_quoted);
}

int main(void)
{
	return check_main("openmetrics", add);
}
