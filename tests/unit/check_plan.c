/* SPDX-License-Identifier: MIT */
/* check_plan.c - the planner: spreading, addresses, processes, refusals
 * with their computed numbers. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"

#include "check_main.h"

static struct lab lab;
static struct lab_diag diag;
static struct plan plan;
static char err[512];
static const struct plan_env env20k = { .fd_limit = 20000, .mem_available = 24ULL << 30 };

static void setup_lab(const char *text, const char *const *sets)
{
	memset(&diag, 0, sizeof(diag));
	lab_init(&lab, "t.lab");
	ck_assert_int_eq(lab_parse(&lab, text, strlen(text), &diag), 0);
	for (; sets && *sets; sets++)
		ck_assert_msg(lab_set(&lab, *sets, &diag) == 0, "%s", diag.msg[0]);
	ck_assert_int_eq(lab_validate(&lab, &diag), 0);
}

static const char c100k[] = "[server]\nports = 8081-8084\n"
			    "[clients]\nconnections = 100k\naddresses = 16\nnamespaces = 2\n";

START_TEST(default_lab_spread)
{
	memset(&diag, 0, sizeof(diag));
	ck_assert_int_eq(lab_load_default(&lab, &diag), 0);
	ck_assert_int_eq(plan_build(&lab, &env20k, &plan, err, sizeof(err)), 0);
	ck_assert_uint_eq(plan.addresses, 16);
	ck_assert_uint_eq(plan.namespaces, 2);
	ck_assert_uint_eq(plan.fd_usable, 19000);
	ck_assert_uint_eq(plan.flood_workers, 6); /* 50000 / 19000 -> 3 per namespace */
	ck_assert_uint_eq(plan.netns[0].workers, 3);
	ck_assert_uint_eq(plan.netns[0].per_worker_max, 16667);
	ck_assert_uint_eq(plan.server_workers, 6); /* 100000 / ((19000 - 4) * 0.9) */
	ck_assert_uint_eq(plan.server_per_worker, 16667);
	ck_assert_uint_eq(plan.per_pair_max, 1563); /* 50000 / (8 addresses * 4 ports) */
	ck_assert_uint_eq(plan.port_lo, 1024);
	ck_assert_uint_eq(plan.port_hi, 65535);
	ck_assert_uint_eq(plan.service_addr, 0xc6120001u); /* 198.18.0.1 */
	ck_assert_uint_eq(plan.probe_srv, 0xc6120005u);
	ck_assert_uint_eq(plan.probe_addr, 0xc6120006u);
	ck_assert_uint_eq(plan.netns[0].link_srv, 0xc6120009u);
	ck_assert_uint_eq(plan.netns[0].link_peer, 0xc612000au);
	ck_assert_uint_eq(plan.netns[1].link_peer, 0xc612000eu);
	ck_assert_uint_eq(plan.block_size, 16);
	ck_assert_uint_eq(plan.netns[0].first_addr, 0xc6120011u); /* 198.18.0.17 */
	ck_assert_uint_eq(plan.netns[1].first_addr, 0xc6120021u); /* 198.18.0.33 */
	ck_assert_uint_eq(plan.netns[1].n_addr, 8);
	ck_assert_uint_eq(plan.pool_used, 48);
	ck_assert(!plan.cost.measured); /* no cost in env: the estimates */
	ck_assert_uint_eq(plan.kernel_bytes, 100000ULL * mem_conn_bytes(&plan.cost));
	ck_assert_uint_eq(mem_conn_bytes(&plan.cost), 2 * mem_socket_estimate());
	ck_assert_uint_eq(plan.user_bytes,
			  100000ULL * PLAN_USER_PER_CONN + 14ULL * PLAN_USER_PER_PROCESS);
	ck_assert_uint_eq(plan.n_warn, 0);
}
END_TEST

START_TEST(refusal_needs_addresses)
{
	static const char *const sets[] = { "clients.addresses=1", "server.ports=8081",
					    "clients.namespaces=1", NULL };

	setup_lab(c100k, sets);
	ck_assert_int_eq(plan_build(&lab, &env20k, &plan, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(
		err,
		"100000 connections to 1 server port need at least 2 client addresses with ports 1024-65535; you have 1: set clients.addresses = 2 or more");
}
END_TEST

START_TEST(refusal_uses_port_range)
{
	static const char *const sets[] = { "clients.addresses=2", "server.ports=8081-8082",
					    "clients.namespaces=1",
					    "sysctl.net.ipv4.ip_local_port_range=32768 60999",
					    NULL };

	setup_lab(c100k, sets);
	lab.connections = 300000;
	ck_assert_int_eq(plan_build(&lab, &env20k, &plan, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(
		err,
		"300000 connections to 2 server ports need at least 6 client addresses with ports 32768-60999; you have 2: set clients.addresses = 6 or more");
}
END_TEST

START_TEST(slow_pair_warning)
{
	static const char *const sets[] = { "clients.addresses=2", "server.ports=8081",
					    "clients.namespaces=1", NULL };

	setup_lab(c100k, sets);
	ck_assert_int_eq(plan_build(&lab, &env20k, &plan, err, sizeof(err)), 0);
	ck_assert_uint_eq(plan.per_pair_max, 50000);
	ck_assert_uint_eq(plan.n_warn, 1);
	ck_assert(strncmp(plan.warn[0], "50000 connections per (source address, server port) pair",
			  56) == 0);
}
END_TEST

START_TEST(auto_addresses_one_million)
{
	static const char *const sets[] = { "clients.connections=1M", "clients.addresses=auto",
					    "clients.namespaces=4", NULL };

	setup_lab(c100k, sets);
	ck_assert_int_eq(plan_build(&lab, &env20k, &plan, err, sizeof(err)), 0);
	ck_assert_uint_eq(plan.addresses, 16); /* 1M / (4 ports * 16000) = 15.6 */
	ck_assert_uint_eq(plan.per_pair_max, 15625);
	ck_assert_uint_eq(plan.flood_workers, 56);  /* 250000 / 19000 = 14 per namespace */
	ck_assert_uint_eq(plan.server_workers, 59); /* 1M / 17096 */
	ck_assert_uint_eq(plan.netns[3].first_addr, 0xc6120000u + 24 + 3 * 8 + 1);
}
END_TEST

START_TEST(low_fd_limit_spreads)
{
	static const struct plan_env env4k = { .fd_limit = 4096 };
	static const char *const sets[] = { "clients.connections=50k", NULL };

	setup_lab(c100k, sets);
	ck_assert_int_eq(plan_build(&lab, &env4k, &plan, err, sizeof(err)), 0);
	ck_assert_uint_eq(plan.fd_usable, 4096 - 204);
	ck_assert_uint_eq(plan.flood_workers, 14);  /* 25000 / 3892 = 7 per namespace */
	ck_assert_uint_eq(plan.server_workers, 15); /* 50000 / ((3892 - 4) * 0.9) */

	static const struct plan_env tiny = { .fd_limit = 100 };
	ck_assert_int_eq(plan_build(&lab, &tiny, &plan, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(
		err,
		"the open-file limit is 100: connlab needs at least 256 per process; raise it with ulimit -Hn or in limits.conf");
}
END_TEST

START_TEST(explicit_workers_too_few)
{
	static const char *const sets[] = { "clients.workers=2", NULL };
	static const char *const srv[] = { "server.workers=5", NULL };

	setup_lab(c100k, sets);
	ck_assert_int_eq(plan_build(&lab, &env20k, &plan, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(
		err,
		"100000 connections need at least 6 flood processes with an open-file limit of 20000 (19000 sockets each after headroom); set clients.workers = 6 or more, or auto");
	setup_lab(c100k, srv);
	ck_assert_int_eq(plan_build(&lab, &env20k, &plan, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(
		err,
		"100000 connections need at least 6 server workers with an open-file limit of 20000; set server.workers = 6 or more, or auto");
	static const char *const one[] = { "clients.workers=1", NULL };
	setup_lab(c100k, one);
	ck_assert_int_eq(plan_build(&lab, &env20k, &plan, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(
		err,
		"1 flood process for 2 client namespaces: every namespace needs one; set clients.workers = 2 or more, or auto");
}
END_TEST

START_TEST(namespaces_need_addresses)
{
	static const char *const sets[] = { "clients.namespaces=4", "clients.addresses=3", NULL };

	setup_lab(c100k, sets);
	ck_assert_int_eq(plan_build(&lab, &env20k, &plan, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(
		err,
		"3 client addresses cannot be spread over 4 namespaces: every namespace needs one; set clients.addresses = 4 or more, or fewer clients.namespaces");
}
END_TEST

START_TEST(pool_too_small)
{
	static const char *const sets[] = { "lab.pool=10.9.9.0/26", "clients.namespaces=8",
					    "clients.addresses=64", NULL };

	setup_lab(c100k, sets);
	ck_assert_int_eq(plan_build(&lab, &env20k, &plan, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(
		err,
		"pool 10.9.9.0/26 has 64 addresses; this lab needs 176 (8 client namespaces of 16 addresses, links and the service address): set lab.pool to a /24 or larger");
}
END_TEST

START_TEST(churn_time_wait_warning)
{
	static const char text[] =
		"[clients]\nmode = churn\nconnections = 100k\nrate = 10k/s\naddresses = 1\n"
		"[sysctl]\nnet.ipv4.ip_local_port_range = 32768 60999\n";

	setup_lab(text, NULL);
	ck_assert_int_eq(plan_build(&lab, &env20k, &plan, err, sizeof(err)), 0);
	ck_assert_uint_eq(plan.flood_workers, 1);
	ck_assert_uint_eq(plan.server_workers, 1);
	ck_assert_uint_eq(plan.n_warn, 1);
	ck_assert_str_eq(
		plan.warn[0],
		"churn at 10000/s leaves 600000 sockets in TIME_WAIT (60 s each) but 1 address x 1 port x 28232 local ports give 28232: expect connect() to slow down and then fail with EADDRNOTAVAIL after about 2.8 s, unless net.ipv4.tcp_tw_reuse = 1, more addresses or ports");
	ck_assert_int_eq(lab_set(&lab, "sysctl.net.ipv4.tcp_tw_reuse=1", &diag), 0);
	ck_assert_int_eq(plan_build(&lab, &env20k, &plan, err, sizeof(err)), 0);
	ck_assert_uint_eq(plan.n_warn, 0);
}
END_TEST

static void add_tests(TCase *tc)
{
	tcase_add_test(tc, default_lab_spread);
	tcase_add_test(tc, refusal_needs_addresses);
	tcase_add_test(tc, refusal_uses_port_range);
	tcase_add_test(tc, slow_pair_warning);
	tcase_add_test(tc, auto_addresses_one_million);
	tcase_add_test(tc, low_fd_limit_spreads);
	tcase_add_test(tc, explicit_workers_too_few);
	tcase_add_test(tc, namespaces_need_addresses);
	tcase_add_test(tc, pool_too_small);
	tcase_add_test(tc, churn_time_wait_warning);
}

int main(void)
{
	return check_main("plan", add_tests);
}
