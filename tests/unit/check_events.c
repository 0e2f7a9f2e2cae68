/* SPDX-License-Identifier: MIT */
/* check_events.c - reconnect policies (windows, jitter, the waiting
 * queue), lab events (parsed, refused with file:line), and the histogram
 * arithmetic an event's window uses. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/backoff.h"
#include "lab/events.h"
#include "lab/lab.h"
#include "lab/labfile.h"
#include "util/hist.h"

#include "check_main.h"

START_TEST(windows_double_to_max)
{
	struct reconnect_policy p = { RECONNECT_BACKOFF, 100000, 1000000, JITTER_NONE };

	ck_assert_uint_eq(backoff_window_us(&p, 1), 100000);
	ck_assert_uint_eq(backoff_window_us(&p, 2), 200000);
	ck_assert_uint_eq(backoff_window_us(&p, 4), 800000);
	ck_assert_uint_eq(backoff_window_us(&p, 5), 1000000);
	ck_assert_uint_eq(backoff_window_us(&p, 200), 1000000);
	ck_assert_uint_eq(backoff_delay_us(&p, 3, 12345), 400000); /* no jitter: the window */
}
END_TEST

/* Full jitter spreads the first attempts evenly over [0, base]; equal
 * jitter over [base/2, base]; immediate waits nothing, then 100 ms. */
START_TEST(jitter_spreads)
{
	struct reconnect_policy full = { RECONNECT_BACKOFF, 1000000, 30000000, JITTER_FULL },
				eq = { RECONNECT_BACKOFF, 1000000, 30000000, JITTER_EQUAL },
				imm = { RECONNECT_IMMEDIATE, 0, 0, JITTER_FULL };
	uint64_t rnd = 42, lo = UINT64_MAX, hi = 0, sum = 0, below = 0;
	const unsigned n = 20000;

	for (unsigned i = 0; i < n; i++) {
		uint64_t d = backoff_delay_us(&full, 1, backoff_rand(&rnd));
		uint64_t e = backoff_delay_us(&eq, 1, backoff_rand(&rnd));

		ck_assert_uint_le(d, 1000000);
		ck_assert_uint_ge(e, 500000);
		ck_assert_uint_le(e, 1000000);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
		sum += d;
		below += d < 250000;
	}
	ck_assert_uint_lt(lo, 10000);
	ck_assert_uint_gt(hi, 990000);
	ck_assert_uint_gt(sum / n, 480000); /* uniform: the mean near half */
	ck_assert_uint_lt(sum / n, 520000);
	ck_assert_uint_gt(below, n / 4 - n / 40); /* a quarter below a quarter */
	ck_assert_uint_lt(below, n / 4 + n / 40);
	ck_assert_uint_eq(backoff_delay_us(&imm, 1, 7), 0);
	ck_assert_uint_eq(backoff_delay_us(&imm, 2, 7), RECONNECT_RETRY_US);
}
END_TEST

START_TEST(waitq_in_due_order)
{
	struct waitq q = { 0 };
	uint64_t rnd = 9, last = 0;

	for (unsigned i = 0; i < 5000; i++) {
		struct waiting w = { backoff_rand(&rnd) % 1000000, i, 0, NULL };

		ck_assert_int_eq(waitq_push(&q, w), 0);
	}
	ck_assert_uint_eq(q.n, 5000);
	for (unsigned i = 0; i < 5000; i++) {
		const struct waiting *t = waitq_top(&q);

		ck_assert_ptr_nonnull(t);
		ck_assert_uint_ge(t->due_ns, last);
		last = t->due_ns;
		waitq_pop(&q);
	}
	ck_assert_ptr_null(waitq_top(&q));
	waitq_free(&q);
}
END_TEST

START_TEST(policy_parse)
{
	struct reconnect_policy p;
	char err[256], buf[96];

	ck_assert_int_eq(reconnect_policy_parse("immediate", &p, err, sizeof(err)), 0);
	ck_assert_int_eq(p.mode, RECONNECT_IMMEDIATE);
	ck_assert_int_eq(reconnect_policy_parse("backoff", &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(p.base_us, 100000);
	ck_assert_uint_eq(p.max_us, 30000000);
	ck_assert_int_eq(p.jitter, JITTER_FULL);
	ck_assert_int_eq(reconnect_policy_parse("backoff:250ms:1m:equal", &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(p.base_us, 250000);
	ck_assert_uint_eq(p.max_us, 60000000);
	ck_assert_int_eq(p.jitter, JITTER_EQUAL);
	ck_assert_str_eq(reconnect_policy_fmt(&p, buf, sizeof(buf)), "backoff:250ms:1m:equal");
	ck_assert_int_eq(reconnect_policy_parse("backof", &p, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "did you mean backoff"), "%s", err);
	ck_assert_int_eq(reconnect_policy_parse("backoff:1s", &p, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "needs both bounds"), "%s", err);
	ck_assert_int_eq(reconnect_policy_parse("backoff:2s:1s", &p, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(reconnect_policy_parse("immediate:1s:2s", &p, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "only backoff takes bounds"), "%s", err);
}
END_TEST

START_TEST(event_forms)
{
	struct lab_event e;
	char err[256], buf[64];

	ck_assert_int_eq(event_parse("20s", "restart", &e, err, sizeof(err)), 0);
	ck_assert_int_eq(e.kind, EVENT_RESTART);
	ck_assert_uint_eq(e.at_us, 20000000);
	ck_assert_uint_eq(e.for_us, 1000000); /* the default gap */
	ck_assert_int_eq(event_parse("1m", "kill 3", &e, err, sizeof(err)), 0);
	ck_assert_uint_eq(e.count, 3);
	ck_assert_int_eq(event_parse_arg("30s:link-down:c2:3s", &e, err, sizeof(err)), 0);
	ck_assert_int_eq(e.kind, EVENT_LINK_DOWN);
	ck_assert_uint_eq(e.netns, 2);
	ck_assert_uint_eq(e.for_us, 3000000);
	ck_assert_str_eq(event_fmt(&e, buf, sizeof(buf)), "link-down c2 3s");
	ck_assert_int_eq(event_parse_arg("5s:pause:500ms", &e, err, sizeof(err)), 0);
	ck_assert_str_eq(event_fmt(&e, buf, sizeof(buf)), "pause 500ms");
	ck_assert_int_eq(event_parse("5s", "reload", &e, err, sizeof(err)), 0);
	ck_assert_int_eq(e.kind, EVENT_RELOAD);
	ck_assert_str_eq(event_fmt(&e, buf, sizeof(buf)), "reload");
	ck_assert_int_eq(event_parse("5s", "reload now", &e, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(event_parse("20s", "restrat", &e, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "did you mean restart"), "%s", err);
	ck_assert_int_eq(event_parse("20s", "pause", &e, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "expected pause D"), "%s", err);
	ck_assert_int_eq(event_parse("soon", "restart", &e, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "not a time into the run"), "%s", err);
	ck_assert_int_eq(event_parse("2s", "kill none", &e, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(event_parse("2s", "link-down x1 2s", &e, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "not a client namespace"), "%s", err);
	ck_assert_int_eq(event_parse_arg("restart", &e, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "expected TIME:EVENT"), "%s", err);
}
END_TEST

static struct lab lab;
static struct lab_diag diag;

/* A lab's text parsed and checked: 0, or -EINVAL with diag. */
static int lab_of(const char *text)
{
	memset(&diag, 0, sizeof(diag));
	lab_init(&lab, "t.lab");
	if (lab_parse(&lab, text, strlen(text), &diag))
		return -EINVAL;
	return lab_validate(&lab, &diag);
}

static void refused(const char *text, const char *msg)
{
	ck_assert_int_eq(lab_of(text), -EINVAL);
	ck_assert_msg(diag.n >= 1 && strstr(diag.msg[0], msg), "%s: got '%s'", text,
		      diag.n ? diag.msg[0] : "(none)");
}

START_TEST(lab_events_checked)
{
	ck_assert_int_eq(lab_of("[lab]\nduration = 30s\n[clients]\nreconnect = backoff\n"
				"[events]\n10s = restart 2s\n20s = kill 1\n"),
			 0);
	ck_assert_uint_eq(lab.n_event, 2);
	ck_assert_int_eq(lab.event[1].line, 7);
	ck_assert_int_eq(lab.reconnect, RECONNECT_BACKOFF);
	refused("[lab]\nduration = 30s\n[events]\n40s = restart\n",
		"t.lab:4: the event at 40s (restart 1s) falls outside the run");
	refused("[lab]\nduration = 30s\n[events]\n29s = pause 5s\n",
		"t.lab:4: 'pause 5s' at 29s ends after the hold");
	refused("[events]\n10s = reboot\n", "t.lab:2: 'reboot' is not one of restart");
	refused("[events]\n10s = reload\n", "t.lab:2: reload: the built-in server does not reload");
	refused("[clients]\nnamespaces = 2\n[events]\n10s = link-down c2 1s\n",
		"t.lab:4: link-down c2: the lab has 2 client namespaces (c0 to c1)");
	refused("[clients]\nmode = churn\nreconnect = immediate\n",
		"t.lab:3: clients.reconnect applies to held connections");
	refused("[clients]\nreconnect = backoff\nbackoff_base = 10s\nbackoff_max = 1s\n",
		"t.lab:3: clients.backoff_base is above clients.backoff_max");
	/* --event's own form, and where it says it came from */
	ck_assert_int_eq(lab_of("[lab]\nduration = 30s\n"), 0);
	ck_assert_int_eq(lab_set(&lab, "events.31s=restart", &diag), 0);
	ck_assert_int_eq(lab_validate(&lab, &diag), -EINVAL);
	ck_assert_msg(strstr(diag.msg[0], "--event: the event at 31s"), "%s", diag.msg[0]);
}
END_TEST

START_TEST(hist_window)
{
	struct hist *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b)),
		    *d = calloc(1, sizeof(*d));

	for (int i = 0; i < 100; i++)
		hist_add(a, 500);
	*b = *a;
	for (int i = 0; i < 10; i++)
		hist_add(b, 1010000); /* a SYN sent again after 1 s */
	for (int i = 0; i < 5; i++)
		hist_add(b, 3020000); /* and again after 3 s */
	hist_since(d, b, a);
	ck_assert_uint_eq(d->count, 15);
	ck_assert_uint_eq(hist_at_least(d, 1000000), 15);
	ck_assert_uint_eq(hist_at_least(d, 3000000), 5);
	ck_assert_uint_eq(hist_at_least(b, 1000), 15);
	ck_assert_uint_ge(hist_quantile(d, 0.5), 1000000);
	free(a);
	free(b);
	free(d);
}
END_TEST

static void add(TCase *tc)
{
	tcase_add_test(tc, windows_double_to_max);
	tcase_add_test(tc, jitter_spreads);
	tcase_add_test(tc, waitq_in_due_order);
	tcase_add_test(tc, policy_parse);
	tcase_add_test(tc, event_forms);
	tcase_add_test(tc, lab_events_checked);
	tcase_add_test(tc, hist_window);
}

int main(void)
{
	return check_main("events", add);
}
