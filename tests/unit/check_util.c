/* SPDX-License-Identifier: MIT */
/* check_util.c - the helpers every layer shares, one place each: /proc
 * parsing, choices with a suggestion, phase names (the churn rule), the
 * recorded kernel counters, timevals, the fd budget of planner and engines. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "engine/budget.h"
#include "engine/modes.h"
#include "lab/phase.h"
#include "util/clock.h"
#include "kernel/counters.h"
#include "util/procfs.h"
#include "util/suggest.h"

#include "check_main.h"

START_TEST(meminfo_fields)
{
	static const char text[] = "MemTotal:       24576000 kB\n"
				   "MemFree:        20000000 kB\n"
				   "MemAvailable:   22000000 kB\n"
				   "Slab:              77448 kB\n";

	ck_assert_uint_eq(procfs_meminfo_parse(text, "MemAvailable"), 22000000);
	ck_assert_uint_eq(procfs_meminfo_parse(text, "Slab"), 77448);
	/* a prefix of a name is not the name */
	ck_assert_uint_eq(procfs_meminfo_parse(text, "Mem"), 0);
	ck_assert_uint_eq(procfs_meminfo_parse(text, "SReclaimable"), 0);
	ck_assert_uint_gt(procfs_meminfo_kb("MemTotal"), 0);
	ck_assert_uint_ge(procfs_nofile_hard(), procfs_nofile_soft());
	/* a /proc number, and 0 for what is not there */
	ck_assert_uint_gt(procfs_read_u64("/proc/sys/kernel/pid_max"), 0);
	ck_assert_uint_eq(procfs_read_u64("/proc/nope"), 0);
}
END_TEST

START_TEST(choices_suggest)
{
	char err[256];
	enum server_mode m;
	int i;

	ck_assert_int_eq(suggest_choice("churn", client_mode_names, 2, &i, err, sizeof(err)), 0);
	ck_assert_int_eq(i, CLIENT_CHURN);
	ck_assert_int_eq(server_mode_parse("keepalve", &m, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(
		err,
		"'keepalve' is not one of keepalive, echo, close, silent, noaccept (did you mean keepalive?)");
	ck_assert_int_eq(server_mode_parse("silent", &m, err, sizeof(err)), 0);
	ck_assert_int_eq(m, SERVER_SILENT);
	ck_assert_str_eq(server_mode_name(SERVER_NOACCEPT), "noaccept");
	ck_assert_str_eq(closer_name(CLOSER_SERVER), "server");
}
END_TEST

START_TEST(phase_names_and_churn)
{
	ck_assert_str_eq(phase_name(PH_RAMP, CLIENT_HOLD), "ramp");
	ck_assert_str_eq(phase_name(PH_RAMP, CLIENT_CHURN), PHASE_CHURN_NAME);
	ck_assert_str_eq(phase_name(PH_HOLD, CLIENT_CHURN), "hold");
	ck_assert_str_eq(phase_name(PH_TEARDOWN, CLIENT_HOLD), "teardown");
}
END_TEST

START_TEST(kernel_counters)
{
	ck_assert_int_eq(kcounter_index("ListenOverflows"), 0);
	ck_assert_str_eq(kcounters[kcounter_index("RetransSegs")], "RetransSegs");
	ck_assert_int_eq(kcounter_index("ListenOverflow"), -1);
	ck_assert_uint_le(kcounters_count, KCOUNTERS_MAX);
}
END_TEST

START_TEST(clock_and_budget)
{
	struct timeval tv = clock_tv(2500001);
	uint64_t a = clock_now_ns(), b = clock_now_ns();

	ck_assert_int_eq(tv.tv_sec, 2);
	ck_assert_int_eq(tv.tv_usec, 500001);
	ck_assert_uint_ge(b, a);
	/* 5% headroom, at least 32 */
	ck_assert_uint_eq(budget_fd_usable(20000), 19000);
	ck_assert_uint_eq(budget_fd_usable(256), 224);
	/* 100k over 4 ports at 19000 usable: (19000 - 4) * 0.9 = 17096 each */
	ck_assert_uint_eq(budget_server_per_worker(19000, 4), 17096);
	ck_assert_uint_eq(budget_server_workers(100000, 19000, 4), 6);
	ck_assert_uint_eq(budget_server_workers(0, 19000, 4), 1);
}
END_TEST

/* The one share rule: parts add up to the total and differ by one at
 * most; a cap gives every part at least one. */
START_TEST(shares_even)
{
	static const uint64_t totals[] = { 0, 1, 7, 1000, 100001, 1000000 };
	static const unsigned ns[] = { 1, 2, 3, 7, 64 };

	for (size_t a = 0; a < sizeof(totals) / sizeof(totals[0]); a++)
		for (size_t b = 0; b < sizeof(ns) / sizeof(ns[0]); b++) {
			uint64_t sum = 0, lo = UINT64_MAX, hi = 0;

			for (unsigned i = 0; i < ns[b]; i++) {
				uint64_t s = budget_share(totals[a], i, ns[b]);

				sum += s;
				lo = s < lo ? s : lo;
				hi = s > hi ? s : hi;
				ck_assert_uint_ge(budget_share_cap(totals[a], i, ns[b]), 1);
			}
			ck_assert_uint_eq(sum, totals[a]);
			ck_assert_uint_le(hi - lo, 1);
			/* the first parts take the remainder */
			ck_assert_uint_eq(budget_share(totals[a], 0, ns[b]), hi);
		}
	ck_assert_uint_eq(budget_share(10, 0, 0), 10);
}
END_TEST

static void add(TCase *tc)
{
	tcase_add_test(tc, meminfo_fields);
	tcase_add_test(tc, choices_suggest);
	tcase_add_test(tc, phase_names_and_churn);
	tcase_add_test(tc, kernel_counters);
	tcase_add_test(tc, clock_and_budget);
	tcase_add_test(tc, shares_even);
}

int main(void)
{
	return check_main("util", add);
}
