/* SPDX-License-Identifier: MIT */
/* check_sampler.c - parsers of /proc/net/sockstat, snmp/netstat tables and
 * /proc/net/stat/nf_conntrack, on text taken from this kernel; a probe's
 * tally by interval and by phase. */
#include <check.h>
#include <errno.h>

#include "run/run.h"
#include "run/sampler.h"

#include "check_main.h"

START_TEST(sockstat)
{
	struct netns_sample s = { 0 };

	ck_assert_int_eq(
		sampler_parse_sockstat("sockets: used 340\n"
				       "TCP: inuse 20004 orphan 3 tw 1500 alloc 20010 mem 47\n"
				       "UDP: inuse 0 mem 0\n",
				       &s),
		0);
	ck_assert_uint_eq(s.inuse, 20004);
	ck_assert_uint_eq(s.orphan, 3);
	ck_assert_uint_eq(s.tw, 1500);
	ck_assert_uint_eq(s.alloc, 20010);
	ck_assert_uint_eq(s.mem_pages, 47);
	ck_assert_int_eq(sampler_parse_sockstat("UDP: inuse 0 mem 0\n", &s), -EINVAL);
}
END_TEST

START_TEST(tables)
{
	static const char snmp[] =
		"Ip: Forwarding DefaultTTL\nIp: 1 64\n"
		"Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs\n"
		"Tcp: 1 200 120000 -1 10000 3 7 0 9998 123456\n";
	uint64_t v;

	ck_assert_int_eq(sampler_parse_table(snmp, "Tcp", "CurrEstab", &v), 0);
	ck_assert_uint_eq(v, 9998);
	ck_assert_int_eq(sampler_parse_table(snmp, "Tcp", "ActiveOpens", &v), 0);
	ck_assert_uint_eq(v, 10000);
	ck_assert_int_eq(sampler_parse_table(snmp, "Tcp", "InSegs", &v), 0);
	ck_assert_uint_eq(v, 123456);
	ck_assert_int_eq(sampler_parse_table(snmp, "Tcp", "Active", &v), -ENOENT);
	ck_assert_int_eq(sampler_parse_table(snmp, "TcpExt", "ListenOverflows", &v), -ENOENT);
	ck_assert_int_eq(sampler_parse_table(snmp, "Ip", "DefaultTTL", &v), 0);
	ck_assert_uint_eq(v, 64);
}
END_TEST

START_TEST(conntrack_stat)
{
	static const char stat[] =
		"entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart\n"
		"00000010  00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000002 0000001f 00000001 00000000  00000000 00000000 00000000 00000000\n"
		"00000010  00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000100 00000000 00000000  00000000 00000000 00000000 00000000\n";
	uint64_t v;

	ck_assert_int_eq(sampler_parse_ct_stat(stat, "drop", &v), 0);
	ck_assert_uint_eq(v, 0x1f + 0x100);
	ck_assert_int_eq(sampler_parse_ct_stat(stat, "early_drop", &v), 0);
	ck_assert_uint_eq(v, 1);
	ck_assert_int_eq(sampler_parse_ct_stat(stat, "insert_failed", &v), 0);
	ck_assert_uint_eq(v, 2);
	ck_assert_int_eq(sampler_parse_ct_stat(stat, "nope", &v), -ENOENT);
	ck_assert_str_eq(sampler_state_name(ST_CLOSE_WAIT), "CLOSE_WAIT");
}
END_TEST

/* a probe's answers: the interval's median, slowest and counts, then a new
 * interval; by phase for result.json, the teardown's left out */
START_TEST(probe_tally)
{
	struct probe_tally t;
	struct probe_interval iv;
	json_t *ping, *conn;

	probe_tally_init(&t);
	iv = probe_tally_interval(&t);
	ck_assert(iv.ping_p50_ms < 0 && iv.ping_max_ms < 0 && iv.conn_max_ms < 0);
	ck_assert_uint_eq(iv.sent, 0);
	probe_tally_add(&t, PH_BEFORE, 1, 300);
	probe_tally_add(&t, PH_BEFORE, 1, 100);
	probe_tally_add(&t, PH_BEFORE, 1, -1); /* lost */
	probe_tally_add(&t, PH_BEFORE, 1, 2000);
	probe_tally_add(&t, PH_BEFORE, 0, 450);
	probe_tally_add(&t, PH_BEFORE, 0, -1); /* failed */
	iv = probe_tally_interval(&t);
	ck_assert_double_eq_tol(iv.ping_p50_ms, 0.3, 1e-9); /* of 0.1, 0.3, 2 */
	ck_assert_double_eq_tol(iv.ping_max_ms, 2.0, 1e-9);
	ck_assert_double_eq_tol(iv.conn_max_ms, 0.45, 1e-9);
	ck_assert_uint_eq(iv.sent, 4);
	ck_assert_uint_eq(iv.lost, 1);
	ck_assert_uint_eq(iv.fail, 1);
	/* the next interval starts empty */
	probe_tally_add(&t, PH_HOLD, 1, 700);
	probe_tally_add(&t, PH_TEARDOWN, 1, -1); /* not a measurement */
	iv = probe_tally_interval(&t);
	ck_assert_double_eq_tol(iv.ping_p50_ms, 0.7, 1e-9);
	ck_assert(iv.conn_max_ms < 0);
	ck_assert_uint_eq(iv.sent, 1);
	ck_assert_uint_eq(iv.lost + iv.fail, 0);
	/* by phase: before and hold seen; "all" sums them */
	{
		int seen[PH_COUNT] = { 0 };

		seen[PH_BEFORE] = seen[PH_HOLD] = 1;
		run_probes_json(seen, &t, &ping, &conn);
	}
	ck_assert_int_eq(
		json_integer_value(json_object_get(json_object_get(ping, "before"), "sent")), 4);
	ck_assert_int_eq(
		json_integer_value(json_object_get(json_object_get(ping, "before"), "lost")), 1);
	ck_assert_int_eq(
		json_integer_value(json_object_get(json_object_get(ping, "hold"), "count")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(ping, "all"), "sent")),
			 5);
	ck_assert_double_eq_tol(
		json_real_value(json_object_get(json_object_get(ping, "all"), "loss")), 0.2, 1e-9);
	ck_assert_int_eq(
		json_integer_value(json_object_get(json_object_get(conn, "all"), "failures")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(conn, "all"), "count")),
			 1);
	json_decref(ping);
	json_decref(conn);
}
END_TEST

static void add_tests(TCase *tc)
{
	tcase_add_test(tc, sockstat);
	tcase_add_test(tc, tables);
	tcase_add_test(tc, conntrack_stat);
	tcase_add_test(tc, probe_tally);
}

int main(void)
{
	return check_main("sampler", add_tests);
}
