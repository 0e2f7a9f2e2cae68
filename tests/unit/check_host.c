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

static const struct host_check *run(const struct host_facts *f, const char *lab_file,
				    const char *const *sets, const char *id)
{
	static struct lab lab;
	static struct plan plan;
	struct plan_env env = { f->nofile_hard, f->mem_available, f->epoll_watches };
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
	HAS(c->needed, "10240 B per connection");
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
	HAS(c->why, "its ramp stops there");

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

static void add(TCase *tc)
{
	tcase_add_test(tc, test_healthy_default);
	tcase_add_test(tc, test_million);
	tcase_add_test(tc, test_short_hosts);
	tcase_add_test(tc, test_conntrack);
	tcase_add_test(tc, test_ports_and_time_wait);
	tcase_add_test(tc, test_privileges_and_proc_sys);
	tcase_add_test(tc, test_lab_sysctls);
}

int main(void)
{
	return check_main("host", add);
}
