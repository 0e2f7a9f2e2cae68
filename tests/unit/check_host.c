/* SPDX-License-Identifier: MIT */
/* check_host.c - the host checks of `connlab doctor` and `connlab run`'s
 * preflight, from made-up facts: each check's level, its numbers and its
 * fix, for a healthy host and for each way a host falls short. */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "host/host.h"
#include "util/status.h"

#include "check_main.h"

/* this machine's figures, as host_facts_read reads them */
static void healthy(struct host_facts *f)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->release, sizeof(f->release), "6.18.44");
	f->version = 6018;
	f->cpus = 2;
	f->cap_eff = (1ULL << CAP_BIT_SYS_ADMIN) | (1ULL << CAP_BIT_NET_ADMIN);
	f->init_userns = 1;
	f->nofile_soft = 1024;
	f->nofile_hard = 20000;
	f->nr_open = 1048576;
	f->file_max = 2466126;
	f->files_open = 100;
	f->mem_total = 24ULL << 30;
	f->mem_available = 23ULL << 30;
	f->page_size = 4096;
	f->tcp_mem[0] = 287892;
	f->tcp_mem[1] = 383858;
	f->tcp_mem[2] = 575784;
	f->max_orphans = 131072;
	f->conntrack = 1;
	f->ct_max = 262144;
	f->gc_thresh[0] = 128;
	f->gc_thresh[1] = 512;
	f->gc_thresh[2] = 1024;
	f->neigh_entries = 2;
	f->epoll_watches = 5491378;
	f->bind_no_port = f->child_ehash = f->migrate_req = 1;
	f->max_userns = 96363;
	f->unpriv_userns = f->apparmor_userns = -1;
	f->fresh_tw_reuse = 2;
}

static struct host_report rep;
static struct mem_cost test_cost; /* zero: the plan's estimates */

static const struct host_check *run(const struct host_facts *f, const char *lab_file,
				    const char *const *sets, const char *id)
{
	static struct lab lab;
	static struct plan plan;
	struct plan_env env = { f->nofile_hard, f->mem_available, f->epoll_watches, test_cost };
	struct lab_diag diag = { 0 };
	struct kernel_view kv;
	char err[512];

	host_report_free(&rep);
	if (lab_file)
		ck_assert_int_eq(lab_load_file(&lab, lab_file, &diag), 0);
	else
		ck_assert_int_eq(lab_load_default(&lab, &diag), 0);
	for (int i = 0; sets && sets[i]; i++)
		ck_assert_msg(lab_set(&lab, sets[i], &diag) == 0, "%s: %s", sets[i], diag.msg[0]);
	ck_assert_msg(plan_build(&lab, &env, &plan, err, sizeof(err)) == 0, "%s", err);
	kernel_view_table(&kv, f->version, f->mem_total);
	host_check_all(f, &kv, &lab, &plan, &rep);
	for (unsigned i = 0; i < rep.n; i++)
		if (!strcmp(rep.c[i].id, id))
			return &rep.c[i];
	ck_abort_msg("no check %s", id);
	return NULL;
}

#define LEVEL(c, lv)                                                                               \
	ck_assert_msg((c)->level == (lv), "%s: %s, wanted %s: %s / %s / %s", (c)->id,              \
		      level_name((c)->level), level_name(lv), (c)->found, (c)->needed, (c)->why)
#define HAS(field, s) ck_assert_msg(strstr(field, s), "'%s' not in '%s'", s, field)

START_TEST(test_healthy_default)
{
	struct host_facts f;
	const struct host_check *c;

	healthy(&f);
	c = run(&f, NULL, NULL, "memory");
	LEVEL(c, LEVEL_OK);
	ck_assert_uint_eq(rep.blocks, 0);
	ck_assert_uint_eq(rep.warns, 0);
	HAS(c->needed,
	    "8334 B a connection (estimated kernel objects, both ends, and user memory)");
	c = run(&f, NULL, NULL, "nofile");
	HAS(c->found, "soft 1024, hard 20000 (connlab raises the soft limit to the hard one)");
	HAS(c->needed,
	    "100000 connections: 6 flood and 6 server processes of up to 19000 sockets each");
	c = run(&f, NULL, NULL, "ports");
	HAS(c->needed,
	    "at most 1563 per pair: 100000 connections over 16 client addresses and 4 server ports");
	c = run(&f, NULL, NULL, "neighbours");
	HAS(c->needed, "6 more");
	c = run(&f, NULL, NULL, "lab-sysctls");
	LEVEL(c, LEVEL_OK);
	HAS(c->found, "4 set in every lab namespace");
}
END_TEST

START_TEST(test_million)
{
	struct host_facts f;
	const char *sets[] = { "clients.connections=1M", "clients.addresses=auto", NULL };
	const struct host_check *c;

	healthy(&f);
	c = run(&f, NULL, sets, "tcp-mem");
	LEVEL(c, LEVEL_WARN); /* the drain crosses the pressure mark, as the c1m run found */
	HAS(c->needed, "about 520000 pages");
	c = run(&f, NULL, sets, "orphans");
	LEVEL(c, LEVEL_OK);
	HAS(c->why, "too many orphaned sockets");
	c = run(&f, NULL, sets, "memory");
	LEVEL(c, LEVEL_OK);
	ck_assert_uint_eq(rep.blocks, 0);
}
END_TEST

START_TEST(test_short_hosts)
{
	struct host_facts f;
	const struct host_check *c;
	const char *big[] = { "clients.connections=3M", "clients.addresses=auto", NULL };

	healthy(&f);
	f.mem_available = 4ULL << 30;
	c = run(&f, NULL, NULL, "memory");
	LEVEL(c, LEVEL_OK);
	c = run(&f, NULL, big, "memory");
	LEVEL(c, LEVEL_BLOCKS);
	HAS(c->fix, "lab.memory_floor");
	/* a lab that sets its own floor runs into it */
	c = run(&f, "lab/ceiling.lab", NULL, "memory");
	LEVEL(c, LEVEL_WARN);
	HAS(c->why,
	    "the ramp stops at the floor and holds what it has (the lab sets lab.memory_floor");

	healthy(&f);
	f.file_max = 150000;
	c = run(&f, NULL, NULL, "file-max");
	LEVEL(c, LEVEL_OK); /* root is not held to fs.file-max */
	HAS(c->why, "not those of processes with CAP_SYS_ADMIN");
	f.init_userns = 0; /* a user namespace's root is */
	c = run(&f, NULL, NULL, "file-max");
	LEVEL(c, LEVEL_BLOCKS);
	HAS(c->needed, "200208 more");

	healthy(&f);
	f.gc_thresh[2] = 4;
	c = run(&f, NULL, NULL, "neighbours");
	LEVEL(c, LEVEL_BLOCKS);

	healthy(&f);
	f.bind_no_port = 0;
	f.child_ehash = 0;
	c = run(&f, NULL, NULL, "bind-no-port");
	LEVEL(c, LEVEL_BLOCKS);
	c = run(&f, NULL, NULL, "netns-hash");
	LEVEL(c, LEVEL_WARN);

	healthy(&f);
	f.epoll_watches = 100000;
	c = run(&f, NULL, NULL, "epoll");
	LEVEL(c, LEVEL_WARN);
	HAS(c->why, "near 50000 connections");
}
END_TEST

START_TEST(test_conntrack)
{
	struct host_facts f;
	const struct host_check *c;
	const char *notrack[] = { "server.setup=nft -f {labdir}/conntrack-notrack.nft", NULL };

	healthy(&f);
	c = run(&f, "lab/conntrack-full.lab", NULL, "conntrack");
	LEVEL(c, LEVEL_WARN);
	HAS(c->needed,
	    "300000 entries, one per connection: lab/conntrack-full.nft has stateful rules (ct state)");
	HAS(c->fix, "lab/conntrack-notrack.nft");
	c = run(&f, "lab/conntrack-full.lab", notrack, "conntrack");
	LEVEL(c, LEVEL_OK);
	HAS(c->needed, "notrack");
	c = run(&f, NULL, NULL, "conntrack");
	LEVEL(c, LEVEL_OK);
}
END_TEST

START_TEST(test_ports_and_time_wait)
{
	struct host_facts f;
	const struct host_check *c;
	const char *churn[] = { "clients.mode=churn", "sysctl.net.ipv4.tcp_tw_reuse=2",
				"clients.rate=20k/s",
				"sysctl.net.ipv4.ip_local_port_range=50000 59999", NULL };
	const char *reuse[] = { "clients.mode=churn", "clients.rate=20k/s", NULL };

	healthy(&f);
	c = run(&f, "lab/port-range.lab", NULL, "ports");
	LEVEL(c, LEVEL_WARN); /* beyond_ports = try: the lab shows EADDRNOTAVAIL */
	HAS(c->why, "EADDRNOTAVAIL");
	c = run(&f, NULL, churn, "ports");
	LEVEL(c, LEVEL_WARN);
	HAS(c->found,
	    "tcp_tw_reuse 2 in the lab's namespaces (2 is loopback only: no reuse between namespaces)");
	c = run(&f, NULL, reuse, "ports");
	LEVEL(c, LEVEL_OK);
}
END_TEST

START_TEST(test_privileges_and_proc_sys)
{
	struct host_facts f;
	const struct host_check *c;
	char msg[600];

	healthy(&f);
	f.cap_eff = 0;
	f.euid = 1000;
	c = run(&f, NULL, NULL, "privileges");
	LEVEL(c, LEVEL_BLOCKS);
	ck_assert_int_eq(host_privileges(&f, msg, sizeof(msg)), -EPERM);
	ck_assert_str_eq(
		msg,
		"needs root, or CAP_SYS_ADMIN and CAP_NET_ADMIN; run it with sudo (in Docker: --cap-add SYS_ADMIN --cap-add NET_ADMIN)\n");
	f.euid = 0;
	f.cap_eff = 1ULL << CAP_BIT_NET_ADMIN;
	ck_assert_int_eq(host_privileges(&f, msg, sizeof(msg)), -EPERM);
	HAS(msg,
	    "lacks the capability CAP_SYS_ADMIN (to create network namespaces and mount their names): in Docker, add --cap-add SYS_ADMIN to docker run");

	healthy(&f);
	f.proc_sys_ro = 1;
	c = run(&f, NULL, NULL, "proc-sys");
	LEVEL(c, LEVEL_OK);
	HAS(c->found, "read-only here (a container), and connlab can remount it");
	f.proc_sys_fix = -EACCES;
	c = run(&f, NULL, NULL, "proc-sys");
	LEVEL(c, LEVEL_BLOCKS);
	HAS(c->fix, "apparmor=unconfined");

	healthy(&f);
	f.euid = 1000;
	f.unpriv_userns = 0;
	c = run(&f, NULL, NULL, "userns");
	LEVEL(c, LEVEL_WARN);
	HAS(c->fix, "kernel.unprivileged_userns_clone=1");
}
END_TEST

START_TEST(test_lab_sysctls)
{
	struct host_facts f;
	const struct host_check *c;
	const char *host_wide[] = { "sysctl.net.ipv4.tcp_mem=1 2 3", NULL };
	const char *typo[] = { "sysctl.net.ipv4.tcp_tw_resue=1", NULL };
	const char *risky[] = { "sysctl.net.ipv4.tcp_syncookies=0", NULL };

	healthy(&f);
	c = run(&f, NULL, host_wide, "lab-sysctls");
	LEVEL(c, LEVEL_BLOCKS);
	HAS(c->why,
	    "--set sysctl.net.ipv4.tcp_mem=1 2 3: global: A lab can set only per-namespace sysctls, and this one is host");
	HAS(c->fix, "drop --set sysctl.net.ipv4.tcp_mem");
	c = run(&f, NULL, typo, "lab-sysctls");
	LEVEL(c, LEVEL_BLOCKS);
	HAS(c->why, "did you mean net.ipv4.tcp_tw_reuse?");
	c = run(&f, NULL, risky, "lab-sysctls");
	LEVEL(c, LEVEL_WARN);
	HAS(c->why, "SYN-flood protection");
	host_report_free(&rep);
}
END_TEST

/* tests/fixtures/memory: a host part way into a ceiling run, and its slab
 * caches' object sizes */
static char *fixture(const char *name, char *buf, size_t len)
{
	char path[256];
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "tests/fixtures/memory/%s", name);
	fp = fopen(path, "re");
	ck_assert_msg(fp != NULL, "%s: %s", path, strerror(errno));
	n = fread(buf, 1, len - 1, fp);
	buf[n] = 0;
	fclose(fp);
	return buf;
}

static int on_object(const struct procfs_slab *sl, void *arg)
{
	double *obj = arg;
	int i = mem_cache_index(sl->name);

	if (i >= 0)
		obj[i] = sl->object_bytes;
	return 0;
}

static void from_fixtures(struct host_facts *f)
{
	static char text[16384];
	double obj[MEM_CACHES] = { 0 };

	healthy(f);
	fixture("meminfo", text, sizeof(text));
	f->mem_total = procfs_meminfo_parse(text, "MemTotal") * 1024;
	f->mem_available = procfs_meminfo_parse(text, "MemAvailable") * 1024;
	ck_assert_int_eq(
		procfs_slabinfo_parse(fixture("slabinfo", text, sizeof(text)), on_object, obj), 0);
	mem_cost_of(obj, &test_cost);
}

/* What a socket costs and pins, from the fixture's object sizes: a slab
 * of 8 pages holds 13 TCP sockets, one of 4 pages 19 socket inodes. */
START_TEST(floor_figure)
{
	struct host_facts f;
	struct mem_cost est;
	double pinned = 4 * 4096.0 / 19 + 4096.0 / 21;

	from_fixtures(&f);
	ck_assert(test_cost.measured);
	ck_assert_double_eq_tol(test_cost.pinned_bytes, pinned, 0.01);
	ck_assert_double_eq_tol(test_cost.socket_bytes,
				175 + 8 * 4096.0 / 13 + pinned + 4096.0 / 21 + 128 +
					2 * 4096.0 / 170 + 4096.0 / 128,
				0.01);
	ck_assert_uint_eq(mem_conn_bytes(&test_cost), 8312);
	/* a million held: 2M sockets pin 2 GiB that MemAvailable counts */
	ck_assert_uint_eq(mem_usable(f.mem_available, (uint64_t)(2e6 * pinned)),
			  f.mem_available - (uint64_t)(2e6 * pinned));
	ck_assert_uint_eq(mem_usable(1000, 5000), 0);
	mem_cost_of(NULL, &est); /* rootless: the estimates */
	ck_assert(!est.measured);
	ck_assert_double_eq_tol(est.socket_bytes, 4155, 0.5);
	ck_assert_double_eq_tol(est.pinned_bytes, 1057, 0.5);
	memset(&test_cost, 0, sizeof(test_cost));
}
END_TEST

#define FIRST(k)                                                                                   \
	ck_assert_msg(rep.forecast.first == (k), "first %d, wanted %d (%s)", rep.forecast.first,   \
		      k, forecast_kinds[k].id)

/* Each limit made the first in turn, with the numbers it says. */
START_TEST(forecast_each_first)
{
	struct host_facts f;
	const struct forecast *fc = &rep.forecast;
	const char *ports[] = { "clients.addresses=1",
				"clients.namespaces=1",
				"server.ports=8081",
				"sysctl.net.ipv4.ip_local_port_range=40000 40999",
				"clients.beyond_ports=try",
				"clients.connections=5000",
				NULL };
	const struct host_check *c;
	uint64_t mem;

	/* memory: 6.7 GiB available, a floor of 2.4 GiB, 8336 B a connection */
	from_fixtures(&f);
	c = run(&f, "lab/ceiling.lab", NULL, "epoll");
	FIRST(FC_MEMORY);
	mem = (f.mem_available - f.mem_total / 100 * 10 - fc->fixed) / fc->conn_bytes;
	ck_assert_uint_eq(fc->row[FC_MEMORY].connections, mem);
	ck_assert_uint_eq(fc->holds, mem);
	ck_assert_uint_eq(fc->conn_bytes, 8312 + PLAN_USER_PER_CONN);
	LEVEL(c, LEVEL_OK); /* over the cap, but the floor comes first */
	HAS(c->why, "the floor stops the ramp first");
	ck_assert_uint_eq(forecast_epoll_raise(fc), 0);
	memset(&test_cost, 0, sizeof(test_cost));

	/* epoll: the cap below what memory holds; its fix is what memory holds */
	healthy(&f);
	f.epoll_watches = 4000000;
	c = run(&f, "lab/ceiling.lab", NULL, "epoll");
	FIRST(FC_EPOLL);
	ck_assert_uint_eq(fc->holds, 2000000);
	mem = fc->row[FC_MEMORY].connections;
	ck_assert_uint_lt(mem, 3000000);
	ck_assert_uint_ge(forecast_epoll_raise(fc), 2 * mem);
	ck_assert_uint_lt(forecast_epoll_raise(fc), 2 * mem + 20000);
	LEVEL(c, LEVEL_WARN);
	HAS(c->fix, "the watches of what memory above the floor holds, no more");

	/* ports: one address, one port, 1000 local ports */
	healthy(&f);
	run(&f, NULL, ports, "forecast");
	FIRST(FC_PORTS);
	ck_assert_uint_eq(fc->holds, 1000);

	/* conntrack: stateful rules and a small table */
	healthy(&f);
	f.ct_max = 100000;
	c = run(&f, "lab/conntrack-full.lab", NULL, "forecast");
	FIRST(FC_CONNTRACK);
	ck_assert_uint_eq(fc->holds, 100000);
	LEVEL(c, LEVEL_WARN);
	HAS(c->why, "the conntrack table comes first, at 100000 connections");

	/* open files: not root, and fs.file-max low */
	healthy(&f);
	f.init_userns = 0;
	f.file_max = 150000;
	f.files_open = 10000;
	run(&f, NULL, NULL, "forecast");
	FIRST(FC_FILES);
	ck_assert_uint_eq(fc->holds, 70000);
	ck_assert(!fc->row[FC_CONNTRACK].applies);
}
END_TEST

static void add(TCase *tc)
{
	tcase_add_test(tc, test_healthy_default);
	tcase_add_test(tc, test_million);
	tcase_add_test(tc, test_short_hosts);
	tcase_add_test(tc, test_conntrack);
	tcase_add_test(tc, test_ports_and_time_wait);
	tcase_add_test(tc, test_privileges_and_proc_sys);
	tcase_add_test(tc, test_lab_sysctls);
	tcase_add_test(tc, floor_figure);
	tcase_add_test(tc, forecast_each_first);
}

int main(void)
{
	return check_main("host", add);
}
