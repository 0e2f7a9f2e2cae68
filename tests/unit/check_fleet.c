/* SPDX-License-Identifier: MIT */
/* check_fleet.c - connlab fleet's pure parts: pdsh host lists (in pdsh's
 * order, which is its rank %n), the template substitution, the fleet plan
 * (shares, sources, refusals), the scripts and pdsh argument vectors sent
 * to the hosts, and reading pdsh's lines back. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/coord.h"
#include "fleet/fleet.h"
#include "lab/lab.h"
#include "plan/fleet.h"
#include "lab/hostlist.h"

#include "check_main.h"

static void expand_ok(const char *s, size_t n, const char *first, const char *last)
{
	struct hostlist hl;
	char err[200];

	ck_assert_msg(hostlist_expand(s, &hl, err, sizeof(err)) == 0, "%s: %s", s, err);
	ck_assert_uint_eq(hl.n, n);
	ck_assert_str_eq(hl.name[0], first);
	ck_assert_str_eq(hl.name[n - 1], last);
	hostlist_free(&hl);
}

static void expand_bad(const char *s, const char *why)
{
	struct hostlist hl;
	char err[200];

	ck_assert_msg(hostlist_expand(s, &hl, err, sizeof(err)) != 0, "%s expanded", s);
	ck_assert_msg(strstr(err, why), "%s: '%s' does not say '%s'", s, err, why);
}

START_TEST(hostlists)
{
	struct hostlist hl;
	char err[200];

	expand_ok("load[1-8]", 8, "load1", "load8");
	expand_ok("web[01-10]", 10, "web01", "web10");
	expand_ok("c,a,b", 3, "c", "b"); /* as written: pdsh ranks them so */
	expand_ok("rack[1-2]-n[1-3]", 6, "rack1-n1", "rack2-n3");
	expand_ok("x[1,3,5-6].lab", 4, "x1.lab", "x6.lab");
	expand_ok("a, b", 2, "a", "b");
	ck_assert_int_eq(hostlist_expand("rack[1-2]-n[1-2]", &hl, err, sizeof(err)), 0);
	ck_assert_str_eq(hl.name[1], "rack1-n2"); /* the last bracket fastest */
	ck_assert_int_eq(hostlist_find(&hl, "rack2-n1"), 2);
	ck_assert_int_eq(hostlist_find(&hl, "rack3-n1"), -1);
	hostlist_free(&hl);
	expand_bad("load[1-8", "without ']'");
	expand_bad("load[8-1]", "backwards");
	expand_bad("a,b,a", "named twice");
	expand_bad("load[1-2000]", "more than 1024");
	expand_bad("a b]", "without '['");
	expand_bad("ho$t", "cannot be in a host name");
	expand_bad("", "no hosts");
	expand_bad("x[a-b]", "expected a number");
}
END_TEST

START_TEST(substitution)
{
	char out[64];

	ck_assert_int_eq(hostlist_subst("10.1.%n.0/24", "h", 7, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "10.1.7.0/24");
	ck_assert_int_eq(hostlist_subst("%h:%n %% x", "load3", 2, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "load3:2 % x");
	ck_assert_int_eq(hostlist_subst("%h%h%h", "abcdefghijklmnopqrstu", 0, out, 40), -ENOSPC);
}
END_TEST

static struct lab lab;

static void fleet_lab(const char *extra)
{
	char text[2048];
	struct lab_diag d = { 0 };

	snprintf(text, sizeof(text),
		 "[lab]\nname = f\nduration = 30s\n[server]\nports = 8081-8084\n"
		 "[clients]\nconnections = 100001\nrate = 10k/s\n"
		 "[fleet]\nhosts = load[1-3]\ntarget = 10.0.0.1\nsources = 10.1.%%n.0/28\n%s",
		 extra);
	lab_init(&lab, "f.lab");
	ck_assert_msg(lab_parse(&lab, text, strlen(text), &d) == 0 && lab_validate(&lab, &d) == 0,
		      "%s", d.msg[0]);
}

START_TEST(plans)
{
	struct fleet_plan fp;
	char err[512];

	fleet_lab("");
	ck_assert(lab_is_fleet(&lab));
	ck_assert_int_eq(fleet_plan_build(&lab, 20000, 0, &fp, err, sizeof(err)), 0);
	ck_assert_uint_eq(fp.nhosts, 3);
	/* shares differ by one at most and add up */
	ck_assert_uint_eq(fp.host[0].connections, 33334);
	ck_assert_uint_eq(fp.host[1].connections, 33334);
	ck_assert_uint_eq(fp.host[2].connections, 33333);
	ck_assert_uint_eq(fp.host[0].rate + fp.host[1].rate + fp.host[2].rate, 10000);
	ck_assert_str_eq(fp.host[2].sources, "10.1.2.0/28");
	ck_assert_uint_eq(fp.host[2].nsrc, 14); /* a CIDR: its hosts */
	ck_assert_uint_eq(fp.host[0].per_pair_max, (33334 + 55) / 56);
	ck_assert_uint_eq(fp.host[0].floods, 2); /* 33334 over 20000 files */
	fleet_plan_free(&fp);
	/* one source address cannot carry 66,667 connections to one port */
	fleet_lab("");
	ck_assert_int_eq(lab_set(&lab, "clients.connections=200001", &(struct lab_diag){ 0 }), 0);
	ck_assert_int_eq(lab_set(&lab, "fleet.sources=10.1.%n.1", &(struct lab_diag){ 0 }), 0);
	ck_assert_int_eq(lab_set(&lab, "server.ports=8081", &(struct lab_diag){ 0 }), 0);
	ck_assert_int_ne(fleet_plan_build(&lab, 20000, 0, &fp, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "host load1") && strstr(err, "at least 1 source") == NULL &&
			      strstr(err, "give it at least"),
		      "%s", err);
	/* on paper the same is planned, with the addresses it needs */
	ck_assert_int_eq(fleet_plan_build(&lab, 20000, 1, &fp, err, sizeof(err)), 0);
	ck_assert_uint_eq(fp.host[0].sources_needed, 5);
	ck_assert_uint_eq(fp.n_warn, 0); /* on paper: the column says it */
	fleet_plan_free(&fp);
	/* more hosts than connections */
	fleet_lab("");
	ck_assert_int_eq(lab_set(&lab, "fleet.hosts=h[1-5]", &(struct lab_diag){ 0 }), 0);
	ck_assert_int_eq(lab_set(&lab, "clients.connections=3", &(struct lab_diag){ 0 }), 0);
	ck_assert_int_ne(fleet_plan_build(&lab, 20000, 0, &fp, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "leave some hosts none"));
}
END_TEST

START_TEST(lab_errors)
{
	struct lab_diag d = { 0 };
	static const char *const bad[][2] = {
		{ "[fleet]\nhosts = a,b\ntransport = exec\ntarget = 10.0.0.1\n",
		  "f.lab:3: fleet.transport = exec needs fleet.exec" },
		{ "[fleet]\nhosts = a,b\n", "f.lab:0" /* no target: where the file is */ },
		{ "[fleet]\nhosts = a,b\ntarget = 10.0.0.300\n", "fleet.target" },
		{ "[fleet]\nhosts = a,b\ntarget = 10.0.0.1\nserver_host = b\n",
		  "f.lab:4: fleet.server_host b is also a load host" },
		{ "[fleet]\nsources = 10.1.%n.0/24\n", "[fleet] has no hosts" },
		{ "[fleet]\nhosts = a\nsources = 10.1.%x.0/24\n", "f.lab:3: " },
		{ "[fleet]\nhosts = a\ntransport = telnet\n", "not one of ssh, exec" },
		/* a fleet's family is its target's: lab.family disagreeing, or dual */
		{ "[lab]\nfamily = dual\n[fleet]\nhosts = a\ntarget = 10.0.0.1\n",
		  "f.lab:2: lab.family = dual: a fleet's connections go over fleet.target's family" },
		{ "[lab]\nfamily = ipv6\n[fleet]\nhosts = a\ntarget = 10.0.0.1\n",
		  "f.lab:2: lab.family = ipv6 but fleet.target 10.0.0.1 is an IPv4 address" },
		{ "[lab]\nfamily = ipv4\n[fleet]\nhosts = a\ntarget = fd00::1\n",
		  "f.lab:2: lab.family = ipv4 but fleet.target fd00::1 is an IPv6 address" },
		{ "[fleet]\nhosts = a\ntarget = fd00::1::2\n", "f.lab:3: fleet.target" },
		/* a fleet restarts the server it starts, and does nothing else */
		{ "[fleet]\nhosts = a\ntarget = 10.0.0.1\nserver_host = s\n[events]\n2s = reload\n",
		  "f.lab:6: reload in a fleet: the fleet's server is connlab server" },
		{ "[fleet]\nhosts = a\ntarget = 10.0.0.1\nserver_host = s\n[events]\n2s = kill 1\n",
		  "f.lab:6: kill in a fleet: connlab fleet does not kill single workers" },
		{ "[fleet]\nhosts = a\ntarget = 10.0.0.1\nserver_host = s\n[events]\n2s = pause 1s\n",
		  "f.lab:6: pause in a fleet: connlab fleet does not pause" },
		{ "[fleet]\nhosts = a\ntarget = 10.0.0.1\n[events]\n2s = link-down c0 1s\n",
		  "f.lab:5: link-down in a fleet: a fleet's hosts are machines of their own" },
		{ "[fleet]\nhosts = a\ntarget = 10.0.0.1\n[events]\n2s = restart\n",
		  "f.lab:5: restart in a fleet: connlab fleet restarts only the server it starts" },
		{ "[fleet]\nhosts = a\ntarget = 10.0.0.1\nserver_host = s\nserver = running\n"
		  "[events]\n2s = restart\n",
		  "f.lab:7: restart in a fleet: connlab fleet restarts only the server it starts" },
		{ "[lab]\nduration = 10s\n[fleet]\nhosts = a\ntarget = 10.0.0.1\nserver_host = s\n"
		  "[events]\n10s = restart\n",
		  "f.lab:8: the event at 10s (restart 1s) falls outside the run" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r;

		memset(&d, 0, sizeof(d));
		lab_init(&lab, "f.lab");
		r = lab_parse(&lab, bad[i][0], strlen(bad[i][0]), &d);
		if (!r)
			r = lab_validate(&lab, &d);
		ck_assert_msg(r != 0, "case %zu accepted", i);
		ck_assert_msg(strstr(d.msg[0], bad[i][1]) || (!strcmp(bad[i][1], "f.lab:0") &&
							      strstr(d.msg[0], "fleet.target")),
			      "case %zu: '%s' does not say '%s'", i, d.msg[0], bad[i][1]);
	}
}
END_TEST

START_TEST(scripts)
{
	struct fleet_plan fp;
	char err[256], *s;
	char **argv;

	fleet_lab("server_host = srv\nconnlab = /opt/connlab it's\n");
	ck_assert_int_eq(
		lab_set(&lab, "clients.message=50%% off 'now'\\r\\n", &(struct lab_diag){ 0 }), 0);
	ck_assert_int_eq(fleet_plan_build(&lab, 20000, 0, &fp, err, sizeof(err)), 0);
	s = fleet_script(&lab, &fp, ROUND_FLOOD, "r1", NULL);
	ck_assert_ptr_nonnull(s);
	/* each host's rank by name: pdsh substitutes %h */
	ck_assert_ptr_nonnull(strstr(s, "case %h in\n"));
	ck_assert_ptr_nonnull(strstr(s, "load1) R=0;;\nload2) R=1;;\nload3) R=2;;\n"));
	ck_assert_ptr_nonnull(strstr(s, "--share $R/3"));
	ck_assert_ptr_nonnull(strstr(s, "--connections 100001"));
	ck_assert_ptr_nonnull(strstr(s, "--source \"10.1.$R.0/28\""));
	/* the hold ends at the coordinator's word; --hold is its bound:
	 * duration, the ramp's timeout, 10 s */
	ck_assert_uint_eq(fleet_hold_bound_us(&lab), 30000000 + lab.ramp_timeout_us + 10000000);
	ck_assert_msg(strstr(s, "--end-name r1-$R "), "%s", s);
	/* user text: shell-quoted, its % doubled for pdsh */
	ck_assert_ptr_nonnull(strstr(s, "C='/opt/connlab it'\\''s'"));
	ck_assert_ptr_nonnull(strstr(s, "--message '50%%%% off '\\''now'\\''\\r\\n'"));
	/* the watch counts the service's sockets */
	ck_assert_ptr_nonnull(
		strstr(s, "watch --interval 1s --states-every 2s --service 10.0.0.1:8081-8084"));
	ck_assert_ptr_nonnull(strstr(s, "srv)\n"));
	ck_assert_ptr_nonnull(strstr(s, "server --address 10.0.0.1 --ports 8081-8084"));
	argv = fleet_pdsh_argv(&lab, "pdsh", "load1,load2", 3, 90, s, "/labs");
	ck_assert_str_eq(argv[0], "pdsh");
	ck_assert_str_eq(argv[2], "ssh");
	ck_assert_str_eq(argv[3], "-S");
	ck_assert_str_eq(argv[7], "90");
	ck_assert_str_eq(argv[9], "load1,load2");
	/* ssh: one string for the remote shell */
	ck_assert(!strncmp(argv[10], "sh -c 'C='\\''/opt", 17));
	ck_assert_ptr_null(argv[11]);
	fleet_argv_free(argv);
	free(s);
	/* the end round: each host's end by its own clock */
	s = fleet_script(&lab, &fp, ROUND_END, "r1", (double[]){ 1e9, 1e9 + 0.25, 1e9 - 1 });
	ck_assert_msg(strstr(s, "load1) R=0 T=1000000000.000;;\nload2) R=1 T=1000000000.250;;\n"),
		      "%s", s);
	ck_assert_msg(strstr(s, "exec \"$C\" flood --end r1-$R --end-at $T --end-grace 5s\n"), "%s",
		      s);
	ck_assert_ptr_null(strstr(s, "srv)"));
	free(s);
	ck_assert_int_eq(lab_set(&lab, "fleet.transport=exec", &(struct lab_diag){ 0 }), 0);
	ck_assert_int_eq(lab_set(&lab, "fleet.exec=ip netns exec %h", &(struct lab_diag){ 0 }), 0);
	s = fleet_script(&lab, &fp, ROUND_CHECK, "r1", NULL);
	ck_assert_ptr_nonnull(strstr(s, "--check\n"));
	ck_assert_ptr_null(strstr(s, "watch --interval 1s"));
	argv = fleet_pdsh_argv(&lab, "pdsh", "load1", 2, 0, s, "/labs");
	ck_assert_str_eq(argv[2], "exec");
	ck_assert_str_eq(argv[7], "load1"); /* no -u */
	ck_assert_str_eq(argv[8], "ip");
	ck_assert_str_eq(argv[11], "%h");
	ck_assert_str_eq(argv[12], "sh");
	ck_assert_str_eq(argv[14], s); /* as it is: no shell between */
	ck_assert_ptr_null(argv[15]);
	fleet_argv_free(argv);
	free(s);
	fleet_plan_free(&fp);
}
END_TEST

/* restart events: the server round's shell restarts the server at the
 * coordinator's word, with the events' gaps in the order of their times;
 * the word goes to that shell only */
START_TEST(restart_scripts)
{
	struct fleet_plan fp;
	char err[256], *s;

	fleet_lab("server_host = srv\n[events]\n20s = restart 2s\n5s = restart 500ms\n");
	ck_assert_int_eq(fleet_plan_build(&lab, 20000, 0, &fp, err, sizeof(err)), 0);
	s = fleet_script(&lab, &fp, ROUND_SERVER, "r1", NULL);
	ck_assert_msg(strstr(s, "\tRUN=r1\n\tX=0\n\ttrap X=1 USR1\n"), "%s", s);
	ck_assert_msg(strstr(s, "\"pid\\\":$$}\"\n\tset -- 0.500 2.000\n\twhile :; do\n"), "%s", s);
	ck_assert_msg(strstr(s, "--stats-interval 1s &\n\t\tP=$!\n"), "%s", s);
	ck_assert_msg(strstr(s, "kill -TERM $P"), "%s", s);
	ck_assert_msg(strstr(s, "sleep $1\n\t\tshift\n\tdone\n\t(exit $S)\n\tS=$?\n"), "%s", s);
	free(s);
	s = fleet_restart_script(4242, "r1");
	ck_assert_msg(strstr(s, "/proc/4242/cmdline") && strstr(s, "grep -q 'RUN=r1$'") &&
			      strstr(s, "kill -USR1 4242 && exit 0"),
		      "%s", s);
	ck_assert_ptr_nonnull(strstr(s, "is not there: nothing restarted"));
	free(s);
	fleet_plan_free(&fp);
	/* without restart events the server runs as it did: no loop */
	fleet_lab("server_host = srv\n");
	ck_assert_int_eq(fleet_plan_build(&lab, 20000, 0, &fp, err, sizeof(err)), 0);
	s = fleet_script(&lab, &fp, ROUND_SERVER, "r1", NULL);
	ck_assert_ptr_null(strstr(s, "USR1"));
	ck_assert_ptr_nonnull(strstr(s, "--stats-interval 1s\n\tS=$?\n"));
	free(s);
	fleet_plan_free(&fp);
}
END_TEST

/* an IPv6 fleet: its family is the target's, the sources agree with it,
 * the hosts are given the target as it is and the watch its address in
 * brackets */
START_TEST(ipv6_fleets)
{
	struct fleet_plan fp;
	struct lab_diag d = { 0 };
	char err[512], *s;

	fleet_lab("");
	ck_assert_int_eq(lab_set(&lab, "fleet.target=2001:DB8:0::1", &d), 0);
	ck_assert_int_eq(lab_set(&lab, "fleet.sources=2001:db8:1:%n::1-2001:db8:1:%n::10", &d), 0);
	ck_assert_int_eq(lab_set(&lab, "fleet.server_host=srv", &d), 0);
	ck_assert_int_eq(lab_validate(&lab, &d), 0);
	ck_assert_int_eq(fleet_plan_build(&lab, 20000, 0, &fp, err, sizeof(err)), 0);
	ck_assert(fp.six);
	ck_assert_str_eq(fp.target_text, "2001:db8::1");
	ck_assert_str_eq(fp.host[2].sources, "2001:db8:1:2::1-2001:db8:1:2::10");
	ck_assert_uint_eq(fp.host[2].nsrc, 16);
	s = fleet_script(&lab, &fp, ROUND_FLOOD, "r1", NULL);
	ck_assert_ptr_nonnull(strstr(s, "flood --target 2001:db8::1 --ports 8081-8084"));
	ck_assert_ptr_nonnull(strstr(s, "--service [2001:db8::1]:8081-8084 "));
	ck_assert_ptr_nonnull(strstr(s, "--source \"2001:db8:1:$R::1-2001:db8:1:$R::10\""));
	free(s);
	s = fleet_script(&lab, &fp, ROUND_SERVER, "r1", NULL);
	ck_assert_ptr_nonnull(strstr(s, "server --address 2001:db8::1 --ports"));
	free(s);
	fleet_plan_free(&fp);
	/* IPv4 sources for an IPv6 target */
	ck_assert_int_eq(lab_set(&lab, "fleet.sources=10.1.%n.0/28", &d), 0);
	ck_assert_int_ne(fleet_plan_build(&lab, 20000, 0, &fp, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "host load1") &&
			      strstr(err, "IPv4 addresses for an IPv6 fleet.target"),
		      "%s", err);
	/* lab.family = ipv6 with an IPv6 target is the same fleet */
	memset(&d, 0, sizeof(d));
	lab_init(&lab, "f.lab");
	{
		static const char ok[] =
			"[lab]\nfamily = ipv6\n[fleet]\nhosts = a\ntarget = fd00::1\n";

		ck_assert_int_eq(lab_parse(&lab, ok, strlen(ok), &d), 0);
		ck_assert_msg(lab_validate(&lab, &d) == 0, "%s", d.msg[0]);
	}
}
END_TEST

START_TEST(pdsh_lines)
{
	char host[64];
	const char *text;
	int pdsh;

	ck_assert_int_eq(
		fleet_parse_line("load2: {\"role\":\"flood\"}", host, sizeof(host), &text, &pdsh),
		0);
	ck_assert_str_eq(host, "load2");
	ck_assert_str_eq(text, "{\"role\":\"flood\"}");
	ck_assert_int_eq(pdsh, 0);
	ck_assert_int_eq(fleet_parse_line("pdsh@coord: load3: ssh exited with exit code 255", host,
					  sizeof(host), &text, &pdsh),
			 0);
	ck_assert_str_eq(host, "load3");
	ck_assert_int_eq(pdsh, 1);
	ck_assert_int_eq(fleet_pdsh_exit(text), 255);
	ck_assert_int_eq(fleet_pdsh_exit("sh killed by signal 15"), 128 + 15);
	ck_assert_int_eq(fleet_pdsh_exit("command timeout"), -1);
	ck_assert_int_eq(fleet_parse_line("no colon here", host, sizeof(host), &text, &pdsh), -1);
	ck_assert_int_eq(fleet_parse_line("two words: x", host, sizeof(host), &text, &pdsh), -1);
}
END_TEST

/* The event round's lines: the restart script's own words, or pdsh's
 * exit code, fail the restart; whatever else the host printed (a login
 * shell's profile: "rm: cannot remove ...") is not the restart's. */
START_TEST(event_words)
{
	struct fevent e = { .open = 1 };
	struct fhost srv = { .name = "srv1" };
	struct fleet f = { .event_now = &e, .srv = &srv };

	fleet_events_said(&f, "rm: cannot remove '/root/.pyenv/shims/tmp.x': No such file", 0);
	fleet_events_said(&f, "Welcome to the host", 0);
	fleet_events_said(&f, "ssh exited with exit code 0", 1);
	ck_assert_str_eq(e.failed, "");
	ck_assert_int_eq(e.open, 1);
	fleet_events_said(&f, FLEET_SCRIPT_SAYS "the server's shell (pid 7) is not there", 0);
	ck_assert_str_eq(e.failed, FLEET_SCRIPT_SAYS "the server's shell (pid 7) is not there");
	ck_assert_int_eq(e.open, 0);
	memset(&e, 0, sizeof(e));
	e.open = 1;
	fleet_events_said(&f, "ssh exited with exit code 255", 1);
	ck_assert_int_eq(e.open, 0);
	ck_assert_str_eq(e.failed, "the restart's command on srv1 exited with status 255");
}
END_TEST

static void add(TCase *tc)
{
	tcase_add_test(tc, event_words);
	tcase_add_test(tc, hostlists);
	tcase_add_test(tc, substitution);
	tcase_add_test(tc, plans);
	tcase_add_test(tc, lab_errors);
	tcase_add_test(tc, scripts);
	tcase_add_test(tc, restart_scripts);
	tcase_add_test(tc, ipv6_fleets);
	tcase_add_test(tc, pdsh_lines);
}

int main(void)
{
	return check_main("fleet", add);
}
