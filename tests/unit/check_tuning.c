/* SPDX-License-Identifier: MIT */
/* check_tuning.c - the knowledge table and the tuning-file classifier:
 * every verdict with its exact sentence (fixture files against their
 * .expected reports, and line by line below), "did you mean" for a typo,
 * limits.conf lines, versions, and the findings' fixes against the
 * table (a --set sysctl.NAME must name a per-namespace sysctl, a
 * "sysctl -w NAME" on the host a host-wide one). The kernel here is the
 * table itself (kernel_view_table), so the results do not depend on the
 * machine; tests/run/test_doctor.sh checks the table against the real
 * kernel. */
#define _GNU_SOURCE
#include <check.h>
#include <glob.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/host.h"
#include "kernel/knowledge.h"
#include "kernel/tuning.h"
#include "lab/lab.h"
#include "plan/plan.h"

#include "check_main.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "re");
	char *buf;
	long n;

	ck_assert_msg(fp, "cannot open %s", path);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = 0;
	fclose(fp);
	if (len)
		*len = (size_t)n;
	return buf;
}

/* the default lab, planned for a 20000-file limit and 24 GiB */
static void default_scale(struct tuning_scale *sc, const char *set)
{
	static struct lab lab;
	static struct plan plan;
	struct plan_env env = { .fd_limit = 20000,
				.mem_available = 24ULL << 30,
				.epoll_watches = 5000000 };
	struct lab_diag diag = { 0 };
	char err[512];

	ck_assert_int_eq(lab_load_default(&lab, &diag), 0);
	if (set)
		ck_assert_int_eq(lab_set(&lab, set, &diag), 0);
	ck_assert_int_eq(plan_build(&lab, &env, &plan, err, sizeof(err)), 0);
	host_tuning_scale(&lab, &plan, sc);
}

static void classify(struct tuning *t, const char *const *files, int n, unsigned version,
		     const char *set)
{
	struct kernel_view kv;
	struct tuning_scale sc;

	tuning_init(t);
	for (int i = 0; i < n; i++) {
		size_t len;
		char *text = slurp(files[i], &len);

		ck_assert_int_eq(tuning_parse(t, files[i], text, len), 0);
		free(text);
	}
	kernel_view_table(&kv, version, 24ULL << 30);
	default_scale(&sc, set);
	tuning_classify(t, &kv, &sc);
}

/* the report of files against the .expected file next to the first */
static void golden(const char *const *files, int n, const char *expected)
{
	struct tuning t;
	struct tuning_scale sc;
	char *out = NULL, *want;
	size_t len = 0;
	FILE *mem = open_memstream(&out, &len);

	classify(&t, files, n, 6018, NULL);
	default_scale(&sc, NULL);
	tuning_write(&t, &sc, mem);
	fclose(mem);
	want = slurp(expected, NULL);
	if (strcmp(out, want)) {
		FILE *fp = fopen("build/tests/tuning.out", "we");

		if (fp) {
			fputs(out, fp);
			fclose(fp);
		}
		ck_abort_msg("the report differs from %s: diff it with build/tests/tuning.out",
			     expected);
	}
	free(out);
	free(want);
	tuning_free(&t);
}

START_TEST(test_golden_tuning40)
{
	const char *files[] = { "tests/fixtures/doctor/tuning-40.conf",
				"tests/fixtures/doctor/limits.conf" };

	golden(files, 2, "tests/fixtures/doctor/tuning-40.expected");
}
END_TEST

START_TEST(test_golden_verdicts)
{
	const char *files[] = { "tests/fixtures/doctor/verdicts.conf" };

	golden(files, 1, "tests/fixtures/doctor/verdicts.expected");
}
END_TEST

static const struct tuning_line *at(const struct tuning *t, const char *file, int line)
{
	for (unsigned i = 0; i < t->n; i++)
		if (t->line[i].line == line && strstr(t->line[i].file, file))
			return &t->line[i];
	ck_abort_msg("no line %s:%d", file, line);
	return NULL;
}

#define VERDICT(t, f, n, v, lv, want)                                                              \
	do {                                                                                       \
		const struct tuning_line *l_ = at(t, f, n);                                        \
		ck_assert_msg(l_->verdict == (v) && l_->level == (lv),                             \
			      "%s:%d: %s (%s), wanted %s (%s): %s", f, n,                          \
			      tuning_verdict_name(l_->verdict), level_name(l_->level),             \
			      tuning_verdict_name(v), level_name(lv), l_->text);                   \
		ck_assert_msg(strstr(l_->text, want), "%s:%d: '%s' not in: %s", f, n, want,        \
			      l_->text);                                                           \
	} while (0)

START_TEST(test_every_verdict)
{
	const char *files[] = { "tests/fixtures/doctor/verdicts.conf" };
	const char *f = "verdicts.conf";
	struct tuning t;

	classify(&t, files, 1, 6018, NULL);
	VERDICT(&t, f, 2, TV_REPEATED, LEVEL_WARN,
		"Set again at tests/fixtures/doctor/verdicts.conf:22 (8192)");
	VERDICT(&t, f, 3, TV_GLOBAL, LEVEL_WARN, "about 200208 files");
	VERDICT(&t, f, 3, TV_GLOBAL, LEVEL_WARN, "too few, the host runs out of files (ENFILE)");
	VERDICT(&t, f, 4, TV_REMOVED, LEVEL_BLOCKS, "Removed from the kernel in Linux 4.12");
	VERDICT(&t, f, 4, TV_REMOVED, LEVEL_BLOCKS, "/proc/sys/net/ipv4/tcp_tw_recycle");
	VERDICT(&t, f, 5, TV_UNKNOWN, LEVEL_BLOCKS, "did you mean net.ipv4.tcp_tw_reuse?");
	VERDICT(&t, f, 6, TV_READONLY, LEVEL_BLOCKS, "Read-only: open files now");
	/* a repeated line is judged only where it counts: line 22 */
	VERDICT(&t, f, 7, TV_REPEATED, LEVEL_WARN, "Set again at");
	VERDICT(&t, f, 8, TV_REPEATED, LEVEL_WARN, "verdicts.conf:14 (1024 65535)");
	VERDICT(&t, f, 9, TV_INCONSISTENT, LEVEL_WARN,
		"131072 is above net.core.somaxconn (8192, from the file)");
	VERDICT(&t, f, 10, TV_RISKY, LEVEL_WARN, "tcp_tw_reuse no longer reuses TIME_WAIT ports");
	VERDICT(&t, f, 11, TV_REPEATED, LEVEL_WARN, "verdicts.conf:19");
	VERDICT(&t, f, 12, TV_UNIT_TRAP, LEVEL_WARN,
		"In hundredths of a second (USER_HZ), not milliseconds or seconds: 1000 is 10.00 s.");
	VERDICT(&t, f, 13, TV_NO_EFFECT, LEVEL_OK, "only to sockets that set SO_KEEPALIVE");
	VERDICT(&t, f, 14, TV_NETNS, LEVEL_OK,
		"a lab's namespaces start from the kernel's value (32768 60999); lab 'default' (100k connections, hold) sets 1024 65535");
	VERDICT(&t, f, 15, TV_MALFORMED, LEVEL_BLOCKS,
		"Neither a sysctl line (name = value) nor a limits.conf line");
	VERDICT(&t, f, 16, TV_NO_EFFECT, LEVEL_OK,
		"No effect for lab 'default' (100k connections, hold): it holds its connections");
	VERDICT(&t, f, 17, TV_REFUSED, LEVEL_BLOCKS,
		"This kernel has no congestion control 'bbr2'");
	VERDICT(&t, f, 18, TV_INCONSISTENT, LEVEL_WARN, "4096 87380 1024 is not in that order");
	VERDICT(&t, f, 19, TV_RISKY, LEVEL_WARN,
		"the hard mark 3000000000 pages is 11.2 TiB, more than this host's 24.0 GiB");
	VERDICT(&t, f, 20, TV_NO_EFFECT, LEVEL_OK, "It does nothing since Linux 4.14");
	VERDICT(&t, f, 21, TV_NO_EFFECT, LEVEL_OK, "only programs that set SO_RCVBUF meet it");
	VERDICT(&t, f, 22, TV_NETNS, LEVEL_OK, "It goes into the lab's [sysctl] section below");
	ck_assert_int_eq(at(&t, f, 17)->dash, 1);
	ck_assert_str_eq(at(&t, f, 16)->name, "net.ipv4.tcp_fin_timeout");
	ck_assert_uint_eq(t.blocks, 5);
	tuning_free(&t);

	/* the same file for a churn lab: tcp_tw_reuse and fin_timeout count */
	classify(&t, files, 1, 6018, "clients.mode=churn");
	VERDICT(&t, f, 16, TV_NETNS, LEVEL_OK, "FIN_WAIT2");
	tuning_free(&t);
}
END_TEST

START_TEST(test_refused_values)
{
	static const char text[] = "net.core.somaxconn = 4k\n"
				   "net.ipv4.ip_local_port_range = 60000 1024\n"
				   "net.ipv4.tcp_syncookies = 1\n"
				   "net.ipv4.tcp_rmem = 4096 87380\n"
				   "net.ipv4.tcp_sack = 2\n"
				   "name.without.value =\n";
	struct tuning t;
	struct kernel_view kv;
	struct tuning_scale sc;

	tuning_init(&t);
	ck_assert_int_eq(tuning_parse(&t, "x.conf", text, sizeof(text) - 1), 0);
	kernel_view_table(&kv, 6018, 24ULL << 30);
	default_scale(&sc, NULL);
	tuning_classify(&t, &kv, &sc);
	VERDICT(&t, "x.conf", 1, TV_REFUSED, LEVEL_BLOCKS, "'4k' is not a whole number (count)");
	VERDICT(&t, "x.conf", 2, TV_REFUSED, LEVEL_BLOCKS, "60000 1024 is not a range of ports");
	VERDICT(&t, "x.conf", 3, TV_NETNS, LEVEL_OK, "Per network namespace");
	VERDICT(&t, "x.conf", 4, TV_REFUSED, LEVEL_BLOCKS, "is not three whole numbers");
	VERDICT(&t, "x.conf", 5, TV_REFUSED, LEVEL_BLOCKS, "'2' is not 0 or 1");
	VERDICT(&t, "x.conf", 6, TV_MALFORMED, LEVEL_BLOCKS, "No value after '='");
	tuning_free(&t);
}
END_TEST

START_TEST(test_versions_and_modules)
{
	static const char text[] = "net.ipv4.tcp_migrate_req = 1\n"
				   "net.netfilter.nf_conntrack_max = 1000000\n";
	struct tuning t;
	struct kernel_view kv;
	struct tuning_scale sc;

	tuning_init(&t);
	ck_assert_int_eq(tuning_parse(&t, "old.conf", text, sizeof(text) - 1), 0);
	kernel_view_table(&kv, 5010, 24ULL << 30);
	kv.conntrack = 0;
	default_scale(&sc, NULL);
	tuning_classify(&t, &kv, &sc);
	VERDICT(&t, "old.conf", 1, TV_UNKNOWN, LEVEL_BLOCKS,
		"This kernel (5.10) does not have it: it came with Linux 5.14.");
	/* the table's view has every name; a kernel without the module would
	 * not: only the real kernel tells (test_doctor.sh) */
	ck_assert_int_eq(at(&t, "old.conf", 2)->verdict, TV_NO_EFFECT);
	tuning_free(&t);
}
END_TEST

START_TEST(test_limits)
{
	static const char text[] = "@admins hard nofile unlimited\n"
				   "bob soft nofile 2000000\n"
				   "bob hard nofile 2000000\n"
				   "eve soft nofile 100\n"
				   "eve hard nofile 50\n"
				   "eve maybe nofile 50\n";
	struct tuning t;
	struct kernel_view kv;
	struct tuning_scale sc;

	tuning_init(&t);
	ck_assert_int_eq(tuning_parse(&t, "limits.conf", text, sizeof(text) - 1), 0);
	kernel_view_table(&kv, 6018, 24ULL << 30);
	default_scale(&sc, NULL);
	tuning_classify(&t, &kv, &sc);
	VERDICT(&t, "limits.conf", 1, TV_REFUSED, LEVEL_BLOCKS, "nofile cannot be unlimited");
	VERDICT(&t, "limits.conf", 2, TV_INCONSISTENT, LEVEL_BLOCKS,
		"2000000 is above fs.nr_open (1048576, this host's)");
	VERDICT(&t, "limits.conf", 4, TV_INCONSISTENT, LEVEL_BLOCKS,
		"The soft limit 100 is above the hard limit 50 (limits.conf:5)");
	VERDICT(&t, "limits.conf", 5, TV_GLOBAL, LEVEL_OK, "The hard open-file limit of eve");
	VERDICT(&t, "limits.conf", 6, TV_MALFORMED, LEVEL_BLOCKS, "second word is soft, hard or -");
	tuning_free(&t);
}
END_TEST

START_TEST(test_table)
{
	/* every entry: a name once, a scope, a sentence, and a removal version
	 * or a new name for what is gone */
	for (size_t i = 0; i < ksysctls_count; i++) {
		const struct ksysctl *k = &ksysctls[i];

		ck_assert_msg(k->does && *k->does && k->matters && *k->matters, "%s", k->name);
		ck_assert_msg(kernel_sysctl_find(k->name) == k, "%s is shadowed", k->name);
		if (k->scope == KSCOPE_REMOVED)
			ck_assert_msg(k->gone || k->renamed, "%s: removed when?", k->name);
	}
	ck_assert_ptr_eq(kernel_sysctl_find("net/ipv4/tcp_tw_reuse"),
			 kernel_sysctl_find("net.ipv4.tcp_tw_reuse"));
	ck_assert_str_eq(kernel_sysctl_find("net.ipv4.conf.eth0.rp_filter")->name,
			 "net.ipv4.conf.*.rp_filter");
	ck_assert_ptr_null(kernel_sysctl_find("net.ipv4.conf.rp_filter"));
	ck_assert_uint_eq(kernel_version_code("6.18.44-fc"), 6018);
	ck_assert_uint_eq(kernel_version_code("garbage"), 0);
	/* the sysctls tuning articles name (issue 16) are all there */
	{
		static const char *const named[] = {
			"fs.file-max",
			"fs.nr_open",
			"net.core.somaxconn",
			"net.core.netdev_max_backlog",
			"net.core.rmem_default",
			"net.core.rmem_max",
			"net.core.wmem_default",
			"net.core.wmem_max",
			"net.core.optmem_max",
			"net.ipv4.tcp_max_syn_backlog",
			"net.ipv4.tcp_syncookies",
			"net.ipv4.tcp_syn_retries",
			"net.ipv4.tcp_synack_retries",
			"net.ipv4.tcp_tw_reuse",
			"net.ipv4.tcp_tw_recycle",
			"net.ipv4.tcp_max_tw_buckets",
			"net.ipv4.tcp_fin_timeout",
			"net.ipv4.tcp_keepalive_time",
			"net.ipv4.tcp_keepalive_intvl",
			"net.ipv4.tcp_keepalive_probes",
			"net.ipv4.tcp_max_orphans",
			"net.ipv4.tcp_orphan_retries",
			"net.ipv4.tcp_mem",
			"net.ipv4.tcp_rmem",
			"net.ipv4.tcp_wmem",
			"net.ipv4.ip_local_port_range",
			"net.ipv4.ip_local_reserved_ports",
			"net.ipv4.tcp_timestamps",
			"net.ipv4.tcp_sack",
			"net.ipv4.tcp_window_scaling",
			"net.ipv4.tcp_abort_on_overflow",
			"net.ipv4.tcp_retries2",
			"net.ipv4.tcp_slow_start_after_idle",
			"net.ipv4.tcp_congestion_control",
			"net.ipv4.tcp_fastopen",
			"net.ipv4.tcp_notsent_lowat",
			"net.netfilter.nf_conntrack_max",
			"net.netfilter.nf_conntrack_tcp_timeout_established",
			"net.netfilter.nf_conntrack_tcp_timeout_time_wait",
			"net.ipv4.neigh.default.gc_thresh1",
			"net.ipv4.neigh.default.gc_thresh2",
			"net.ipv4.neigh.default.gc_thresh3",
			"net.ipv4.ip_forward",
		};

		for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
			ck_assert_msg(kernel_sysctl_find(named[i]), "%s is not in the table",
				      named[i]);
	}
}
END_TEST

/* The findings' fixes and the table say the same: "--set sysctl.NAME"
 * only for per-namespace sysctls, "sysctl -w NAME" only for the rest. */
START_TEST(test_findings_fixes_agree)
{
	char *src = NULL;
	size_t len = 0;
	FILE *all = open_memstream(&src, &len);
	glob_t g;

	/* every rule's texts: the rows of src/report/rules_*.c */
	ck_assert_int_eq(glob("src/report/rules_*.c", 0, NULL, &g), 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		char *one = slurp(g.gl_pathv[i], NULL);

		fputs(one, all);
		free(one);
	}
	globfree(&g);
	fclose(all);
	regex_t set, host;
	regmatch_t m[2];
	unsigned nset = 0, nhost = 0;

	ck_assert_int_eq(
		regcomp(&set, "sysctl\\.((net|fs|vm|kernel)\\.[a-z0-9_.]+)=", REG_EXTENDED), 0);
	ck_assert_int_eq(
		regcomp(&host, "sysctl -w ((net|fs|vm|kernel)\\.[a-z0-9_.]+)=", REG_EXTENDED), 0);
	for (const char *p = src; !regexec(&set, p, 2, m, 0); p += m[0].rm_eo) {
		char name[128];
		const struct ksysctl *k;

		snprintf(name, sizeof(name), "%.*s", (int)(m[1].rm_eo - m[1].rm_so),
			 p + m[1].rm_so);
		k = kernel_sysctl_find(name);
		ck_assert_msg(k && k->scope == KSCOPE_NETNS,
			      "a rule tells a lab to --set sysctl.%s, which is %s", name,
			      k ? kernel_scope_name(k->scope) : "not in the table");
		nset++;
	}
	for (const char *p = src; !regexec(&host, p, 2, m, 0); p += m[0].rm_eo) {
		char name[128];
		const struct ksysctl *k;

		snprintf(name, sizeof(name), "%.*s", (int)(m[1].rm_eo - m[1].rm_so),
			 p + m[1].rm_so);
		k = kernel_sysctl_find(name);
		ck_assert_msg(k && k->scope != KSCOPE_NETNS,
			      "a rule tells the host to sysctl -w %s, which a lab can set", name);
		nhost++;
	}
	ck_assert_uint_ge(nset, 5);
	ck_assert_uint_ge(nhost, 1);
	regfree(&set);
	regfree(&host);
	free(src);
	{
		char buf[200];

		ck_assert_str_eq(kernel_sysctl_how("net.ipv4.tcp_tw_reuse", "1", buf, sizeof(buf)),
				 "--set sysctl.net.ipv4.tcp_tw_reuse=1");
		ck_assert_str_eq(kernel_sysctl_how("net.ipv4.tcp_mem", "1 2 3", buf, sizeof(buf)),
				 "sysctl -w \"net.ipv4.tcp_mem=1 2 3\" on the host");
	}
}
END_TEST

static void add(TCase *tc)
{
	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_every_verdict);
	tcase_add_test(tc, test_refused_values);
	tcase_add_test(tc, test_versions_and_modules);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_findings_fixes_agree);
	tcase_add_test(tc, test_golden_tuning40);
	tcase_add_test(tc, test_golden_verdicts);
}

int main(void)
{
	return check_main("tuning", add);
}
