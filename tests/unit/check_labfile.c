/* SPDX-License-Identifier: MIT */
/* check_labfile.c - the lab file parser, overrides and every message. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/lab.h"

#include "check_main.h"

static struct lab lab;
static struct lab_diag diag;

static int parse(const char *text)
{
	memset(&diag, 0, sizeof(diag));
	lab_init(&lab, "t.lab");
	return lab_parse(&lab, text, strlen(text), &diag);
}

/* Parses text and expects exactly one message. */
static void expect_error(const char *text, const char *msg)
{
	ck_assert_int_eq(parse(text), -EINVAL);
	ck_assert_msg(diag.n == 1, "%s: %u messages: %s | %s", text, diag.n, diag.msg[0],
		      diag.n > 1 ? diag.msg[1] : "");
	ck_assert_str_eq(diag.msg[0], msg);
}

START_TEST(defaults)
{
	lab_init(&lab, "x");
	ck_assert_str_eq(lab.name, "lab");
	ck_assert_uint_eq(lab.duration_us, 60000000);
	ck_assert_uint_eq(lab.ramp_timeout_us, 300000000);
	ck_assert_uint_eq(lab.drain_timeout_us, 30000000);
	ck_assert_uint_eq(lab.interval_us, 1000000);
	ck_assert_uint_eq(lab.pool.addr, 0xc6120000u);
	ck_assert_uint_eq(lab.pool.len, 15);
	ck_assert_uint_eq(lab.ports.n, 1);
	ck_assert_uint_eq(lab.ports.port[0], 8081);
	ck_assert_int_eq(lab.server_mode, SERVER_KEEPALIVE);
	ck_assert_uint_eq(lab.keepalive_us, 10000000);
	ck_assert_uint_eq(lab.server_workers, 0);
	ck_assert_uint_eq(lab.backlog, 4096);
	ck_assert_str_eq(lab.server_command, "");
	ck_assert_uint_eq(lab.connections, 1000);
	ck_assert_uint_eq(lab.rate, 20000);
	ck_assert_uint_eq(lab.addresses, 0);
	ck_assert_uint_eq(lab.namespaces, 1);
	ck_assert_int_eq(lab.client_mode, CLIENT_HOLD);
	ck_assert_uint_eq(lab.client_workers, 0);
	ck_assert_uint_eq(lab.inflight, 1000);
	ck_assert_int_eq(lab.closer, CLOSER_CLIENT);
	ck_assert_int_eq(lab.beyond_ports, 0);
	ck_assert_str_eq(lab.server_setup, "");
	ck_assert_uint_eq(lab.connect_timeout_us, 10000000);
	ck_assert_uint_eq(lab.ping_interval_us, 200000);
	ck_assert_uint_eq(lab.connect_interval_us, 1000000);
	ck_assert_str_eq(lab_sysctl_get(&lab, "net.ipv4.ip_local_port_range"), "1024 65535");
	ck_assert_str_eq(lab_sysctl_get(&lab, "net.core.somaxconn"), "65535");
	ck_assert_str_eq(lab_sysctl_get(&lab, "net.ipv4.tcp_max_syn_backlog"), "65535");
	ck_assert_ptr_null(lab_sysctl_get(&lab, "net.ipv4.tcp_tw_reuse"));
	ck_assert_uint_eq(lab.n_expect, 0);
}
END_TEST

static const char issue_lab[] =
	"[lab]\n"
	"name = c100k\n"
	"duration = 60s          ; hold time once the target is reached\n"
	"[server]\n"
	"ports = 8081-8084\n"
	"mode = keepalive        ; keepalive | echo | close | silent | noaccept\n"
	"interval = 10s          ; keepalive line interval\n"
	"[clients]\n"
	"connections = 100k\n"
	"rate = 20k/s\n"
	"addresses = 16          ; client source addresses\n"
	"namespaces = 2\n"
	"mode = hold             ; hold | churn\n"
	"[probe]\n"
	"ping_interval = 200ms\n"
	"[sysctl]\n"
	"net.ipv4.tcp_tw_reuse = 1\n"
	"[expect]\n"
	"established >= 100k\n"
	"ping.loss <= 0.1%\n";

START_TEST(every_key)
{
	static const char text[] = "# comment\n"
				   "[lab]\n"
				   "name = my-lab\n"
				   "duration = 2m\n"
				   "ramp_timeout = 90s\n"
				   "drain_timeout = 5s\n"
				   "interval = 500ms\n"
				   "pool = 10.99.0.0/16\n"
				   "[server]\n"
				   "ports = 80,8080\n"
				   "mode = silent\n"
				   "interval = 3s\n"
				   "workers = 3\n"
				   "backlog = 128\n"
				   "command = python3 srv.py {address} {port}\n"
				   "[clients]\n"
				   "connections = 1.5k\n"
				   "rate = unlimited\n"
				   "addresses = 4\n"
				   "namespaces = 2\n"
				   "mode = churn\n"
				   "workers = 4\n"
				   "inflight = 64\n"
				   "closer = server\n"
				   "connect_timeout = 2s\n"
				   "command = ./client {address}:{port}\n"
				   "[probe]\n"
				   "ping_interval = off\n"
				   "connect_interval = 250ms\n"
				   "[sysctl]\n"
				   "net.ipv4.ip_local_port_range = 2000 3000\n"
				   "net.ipv4.tcp_fin_timeout = 5\n"
				   "[expect]\n"
				   "time_wait > 10\n"
				   "errors.EADDRNOTAVAIL == 0\n"
				   "counters.srv.ListenOverflows != 5\n"
				   "ramp.time < 2m\n"
				   "memory.kernel_per_conn <= 12KiB\n"
				   "ramp.rate >= 1k/s\n";

	ck_assert_int_eq(parse(text), 0);
	ck_assert_str_eq(lab.name, "my-lab");
	ck_assert_uint_eq(lab.duration_us, 120000000);
	ck_assert_uint_eq(lab.ramp_timeout_us, 90000000);
	ck_assert_uint_eq(lab.drain_timeout_us, 5000000);
	ck_assert_uint_eq(lab.interval_us, 500000);
	ck_assert_uint_eq(lab.pool.addr, 0x0a630000u);
	ck_assert_uint_eq(lab.pool.len, 16);
	ck_assert_uint_eq(lab.ports.n, 2);
	ck_assert_uint_eq(lab.ports.port[1], 8080);
	ck_assert_int_eq(lab.server_mode, SERVER_SILENT);
	ck_assert_uint_eq(lab.keepalive_us, 3000000);
	ck_assert_uint_eq(lab.server_workers, 3);
	ck_assert_uint_eq(lab.backlog, 128);
	ck_assert_str_eq(lab.server_command, "python3 srv.py {address} {port}");
	ck_assert_uint_eq(lab.connections, 1500);
	ck_assert_uint_eq(lab.rate, 0);
	ck_assert_uint_eq(lab.addresses, 4);
	ck_assert_uint_eq(lab.namespaces, 2);
	ck_assert_int_eq(lab.client_mode, CLIENT_CHURN);
	ck_assert_uint_eq(lab.client_workers, 4);
	ck_assert_uint_eq(lab.inflight, 64);
	ck_assert_int_eq(lab.closer, CLOSER_SERVER);
	ck_assert_uint_eq(lab.connect_timeout_us, 2000000);
	ck_assert_str_eq(lab.client_command, "./client {address}:{port}");
	ck_assert_uint_eq(lab.ping_interval_us, 0);
	ck_assert_uint_eq(lab.connect_interval_us, 250000);
	ck_assert_str_eq(lab_sysctl_get(&lab, "net.ipv4.ip_local_port_range"), "2000 3000");
	ck_assert_str_eq(lab_sysctl_get(&lab, "net.ipv4.tcp_fin_timeout"), "5");
	ck_assert_uint_eq(lab.n_expect, 6);
	ck_assert_str_eq(lab.expect[0].metric, "time_wait");
	ck_assert_int_eq(lab.expect[0].op, OP_GT);
	ck_assert_double_eq(lab.expect[0].value, 10);
	ck_assert_int_eq(lab.expect[0].line, 34);
	ck_assert_int_eq(lab.expect[1].op, OP_EQ);
	ck_assert_int_eq(lab.expect[2].op, OP_NE);
	ck_assert_str_eq(lab.expect[2].metric, "counters.srv.ListenOverflows");
	ck_assert_int_eq(lab.expect[3].op, OP_LT);
	ck_assert_double_eq(lab.expect[3].value, 120e6);
	ck_assert_double_eq(lab.expect[4].value, 12288);
	ck_assert_double_eq(lab.expect[5].value, 1000);
}
END_TEST

START_TEST(issue_example)
{
	ck_assert_int_eq(parse(issue_lab), 0);
	ck_assert_str_eq(lab.name, "c100k");
	ck_assert_uint_eq(lab.connections, 100000);
	ck_assert_uint_eq(lab.addresses, 16);
	ck_assert_uint_eq(lab.ports.n, 4);
	ck_assert_uint_eq(lab.n_expect, 2);
	ck_assert_int_eq(lab.expect[0].op, OP_GE);
	ck_assert_double_eq(lab.expect[0].value, 100000);
	ck_assert_double_eq_tol(lab.expect[1].value, 0.001, 1e-12);
	ck_assert_int_eq(lab_set(&lab, "clients.connections=5000", &diag), 0);
	ck_assert_int_eq(lab_set(&lab, "lab.duration=3s", &diag), 0);
	ck_assert_uint_eq(lab.connections, 5000);
	ck_assert_uint_eq(lab.duration_us, 3000000);
	ck_assert_int_eq(lab_validate(&lab, &diag), 0);
}
END_TEST

START_TEST(whitespace_crlf_bom_comments)
{
	static const char text[] = "\xef\xbb\xbf; lab\r\n"
				   "  [clients]   ; the clients\r\n"
				   "\t  connections=7k\r\n"
				   "   rate : 10/s\r\n"
				   "\n\n"
				   "[lab]\n"
				   "name=x   ; inline comment\n";

	ck_assert_int_eq(parse(text), 0);
	ck_assert_uint_eq(lab.connections, 7000);
	ck_assert_uint_eq(lab.rate, 10);
	ck_assert_str_eq(lab.name, "x");
}
END_TEST

START_TEST(errors)
{
	expect_error("[lab]\nduraton = 5s\n",
		     "t.lab:2: unknown key 'duraton' in [lab]; did you mean 'duration'?");
	expect_error(
		"[lab]\nzzzzzz = 5s\n",
		"t.lab:2: unknown key 'zzzzzz' in [lab]; 'connlab help labfile' lists the keys");
	expect_error("[clients]\nrate = 1/s\nrate = 2/s\n",
		     "t.lab:3: duplicate key clients.rate (first set at line 2)");
	expect_error("[serve]\nports = 1\n",
		     "t.lab:1: unknown section [serve]; did you mean [server]?");
	expect_error(
		"[qqqqqqqq]\n",
		"t.lab:1: unknown section [qqqqqqqq]; sections are [lab], [server], [clients], [fleet], [probe], [events], [sysctl] and [expect]");
	expect_error("[lab\n", "t.lab:1: expected a section header such as [clients]");
	expect_error("[lab] x\n", "t.lab:1: expected a section header such as [clients]");
	expect_error(
		"[lab]\njust words\n",
		"t.lab:2: expected 'key = value', a [section] or a comment, found 'just words'");
	expect_error(
		"name = x\n",
		"t.lab:1: 'name' comes before any section: put it under [lab], [server], [clients], ...");
	expect_error(
		"",
		"t.lab:1: empty lab file: expected sections such as [lab] and [clients] with keys (see 'connlab help labfile')");
	expect_error(
		"; only a comment\n\n",
		"t.lab:1: empty lab file: expected sections such as [lab] and [clients] with keys (see 'connlab help labfile')");
	expect_error("[lab]\nname =\n", "t.lab:2: lab.name has no value; its default is 'lab'");
	expect_error(
		"[lab]\nname = a_b\n",
		"t.lab:2: lab.name: 'a_b' is not a lab name: use 1 to 20 letters, digits and '-', not starting with '-'");
	expect_error("[lab]\nduration = 50ms\n",
		     "t.lab:2: lab.duration: 50ms is out of range: use 100ms to 24h");
	expect_error("[lab]\npool = 198.18.0.0/31\n",
		     "t.lab:2: lab.pool: prefix length /31 is out of range: use /8 to /30");
	expect_error(
		"[server]\nmode = keepalve\n",
		"t.lab:2: server.mode: 'keepalve' is not one of keepalive, echo, close, silent, noaccept (did you mean keepalive?)");
	expect_error("[server]\nworkers = 0\n",
		     "t.lab:2: server.workers: 0 is out of range: use 1 to 1024, or auto");
	expect_error("[clients]\nconnections = 0\n",
		     "t.lab:2: clients.connections: 0 is out of range: use 1 to 100M");
	expect_error("[clients]\nconnections = 200M\n",
		     "t.lab:2: clients.connections: 200M is out of range: use 1 to 100M");
	expect_error("[clients]\nrate = 20k\n",
		     "t.lab:2: clients.rate: '20k' has no unit: write it as 20k/s");
	expect_error(
		"[clients]\nrate = 20M/s\n",
		"t.lab:2: clients.rate: 20M/s is out of range: use 1/s to 10M/s, or unlimited");
	expect_error(
		"[clients]\nmode = hodl\n",
		"t.lab:2: clients.mode: 'hodl' is not one of hold, churn (did you mean hold?)");
	expect_error("[probe]\nping_interval = 5ms\n",
		     "t.lab:2: probe.ping_interval: 5ms is out of range: use 10ms to 1m, or off");
	expect_error(
		"[sysctl]\nfs.nr_open = 5\n",
		"t.lab:2: fs.nr_open: only net.* sysctls belong to a network namespace; a global one (such as fs.nr_open) must be set on the host, connlab does not change it");
	expect_error("[sysctl]\nnet.ipv4.tcp_tw_reuse = 1\nnet.ipv4.tcp_tw_reuse = 0\n",
		     "t.lab:3: duplicate sysctl net.ipv4.tcp_tw_reuse (first set at line 2)");
	expect_error(
		"[sysctl]\nnet.ipv4.ip_local_port_range = 5000\n",
		"t.lab:2: '5000' is not a port range: expected two ports, low then high, such as '1024 65535'");
	expect_error("[sysctl]\nnet..x = 1\n",
		     "t.lab:2: 'net..x' is not a sysctl name such as net.ipv4.tcp_tw_reuse");
	expect_error(
		"[expect]\nping.los <= 1%\n",
		"t.lab:2: unknown metric 'ping.los' (did you mean ping.loss?); known metrics: 'connlab help metrics'");
	expect_error(
		"[expect]\nping.loss 1%\n",
		"t.lab:2: expected a comparison after 'ping.loss': one of >=, <=, ==, !=, >, < and a value, such as 'ping.loss >= 100k'");
	expect_error(
		"[expect]\nping.loss <= 1\n",
		"t.lab:2: ping.loss is a percentage: '1' is not a percentage: expected a number and %, such as 0.1% or 5%");
	expect_error(
		"[expect]\n>= 5\n",
		"t.lab:2: expected an expectation such as 'established >= 100k' or 'ping.loss <= 0.1%'");
	expect_error(
		"[expect]\nerrors.EFOO == 0\n",
		"t.lab:2: unknown error name in 'errors.EFOO': errors.NAME takes one of EADDRNOTAVAIL, EADDRINUSE, ECONNREFUSED, ETIMEDOUT, ECONNRESET, EMFILE, ENFILE, ENOBUFS, ENOMEM, EHOSTUNREACH, ENETUNREACH, EPIPE, EINPROGRESS, ENOSPC");
	expect_error(
		"[expect]\ncounters.srv.ListenOverflow == 0\n",
		"t.lab:2: unknown kernel counter 'ListenOverflow' (did you mean ListenOverflows?); 'connlab help metrics' lists them");
	expect_error(
		"[expect]\ncounters.zz.ListenOverflows == 0\n",
		"t.lab:2: 'counters.zz.ListenOverflows': counters.NS.NAME takes a namespace srv, clients (all client namespaces), probe or c0, c1, ...");
}
END_TEST

START_TEST(several_errors_reported)
{
	ck_assert_int_eq(parse("[lab]\nduraton = 5s\n[clients]\nrate = x\nbad\n"), -EINVAL);
	ck_assert_uint_eq(diag.n, 3);
	ck_assert_str_eq(diag.msg[0],
			 "t.lab:2: unknown key 'duraton' in [lab]; did you mean 'duration'?");
	ck_assert(strncmp(diag.msg[1], "t.lab:4: clients.rate: 'x' is not a rate", 40) == 0);
	ck_assert(strncmp(diag.msg[2], "t.lab:5: expected 'key = value'", 31) == 0);
}
END_TEST

START_TEST(long_lines_and_binary)
{
	char text[600];

	snprintf(text, sizeof(text), "[lab]\nname = %0*d\nduration = 5s\n", 300, 0);
	ck_assert_int_eq(parse(text), -EINVAL);
	ck_assert_uint_eq(diag.n, 1);
	ck_assert_str_eq(diag.msg[0], "t.lab:2: line too long (307 characters; at most 199)");
	ck_assert_uint_eq(lab.duration_us, 5000000); /* reading went on after it */

	memset(&diag, 0, sizeof(diag));
	lab_init(&lab, "t.lab");
	ck_assert_int_eq(lab_parse(&lab, "[lab]\nna\0me = x\n", 16, &diag), -EINVAL);
	ck_assert_uint_eq(diag.n, 1);
	ck_assert_str_eq(diag.msg[0],
			 "t.lab:2: binary data (byte 0x00 at column 3): this is not a lab file");
}
END_TEST

START_TEST(many_errors_capped)
{
	char text[4000] = "[lab]\n";

	for (int i = 0; i < 40; i++)
		strcat(text, "nope = 1\n");
	ck_assert_int_eq(parse(text), -EINVAL);
	ck_assert_uint_eq(diag.n, LAB_DIAG_MAX);
	ck_assert_uint_eq(diag.dropped, 40 - LAB_DIAG_MAX);
}
END_TEST

START_TEST(overrides)
{
	ck_assert_int_eq(parse(issue_lab), 0);
	memset(&diag, 0, sizeof(diag));
	ck_assert_int_eq(lab_set(&lab, "sysctl.net.ipv4.tcp_tw_reuse=0", &diag), 0);
	ck_assert_str_eq(lab_sysctl_get(&lab, "net.ipv4.tcp_tw_reuse"), "0");
	ck_assert_int_eq(lab_set(&lab, "sysctl.net.ipv4.tcp_fin_timeout=10", &diag), 0);
	ck_assert_str_eq(lab_sysctl_get(&lab, "net.ipv4.tcp_fin_timeout"), "10");
	ck_assert_int_eq(lab_set(&lab, "expect.ping.loss=<= 5%", &diag), 0);
	ck_assert_uint_eq(lab.n_expect, 2);
	ck_assert_str_eq(lab.expect[1].metric, "ping.loss");
	ck_assert_double_eq_tol(lab.expect[1].value, 0.05, 1e-12);
	ck_assert_int_eq(lab.expect[1].line, -1);
	ck_assert_int_eq(lab_set(&lab, "expect.established=off", &diag), 0);
	ck_assert_uint_eq(lab.n_expect, 1);
	ck_assert_int_eq(lab_set(&lab, "server.mode=echo", &diag), 0);
	ck_assert_int_eq(lab.server_mode, SERVER_ECHO);
	ck_assert_uint_eq(diag.n, 0);

	ck_assert_int_eq(lab_set(&lab, "clients.conections=5", &diag), -EINVAL);
	ck_assert_str_eq(
		diag.msg[0],
		"--set clients.conections=5: unknown key 'conections' in [clients]; did you mean 'connections'?");
	ck_assert_int_eq(lab_set(&lab, "client.connections=5", &diag), -EINVAL);
	ck_assert_str_eq(
		diag.msg[1],
		"--set client.connections=5: unknown section 'client'; did you mean 'clients'?");
	ck_assert_int_eq(lab_set(&lab, "connections=5", &diag), -EINVAL);
	ck_assert_str_eq(
		diag.msg[2],
		"--set connections=5: expected section.key=value, such as --set clients.connections=5000");
	ck_assert_int_eq(lab_set(&lab, "clients.connections", &diag), -EINVAL);
	ck_assert_int_eq(lab_set(&lab, "clients.rate=fast", &diag), -EINVAL);
	ck_assert_str_eq(
		diag.msg[4],
		"--set clients.rate=fast: 'fast' is not a rate: expected a count per second such as 500/s or 20k/s, or unlimited");
	ck_assert_int_eq(lab_set(&lab, "expect.nope=off", &diag), -EINVAL);
	ck_assert_str_eq(
		diag.msg[5],
		"--set expect.nope=off: unknown metric 'nope'; known metrics: 'connlab help metrics'");
}
END_TEST

START_TEST(references)
{
	ck_assert_int_eq(
		parse("[clients]\nconnections = 5k\n[expect]\nestablished >= clients.connections\n"),
		0);
	ck_assert_int_eq(lab_set(&lab, "clients.connections=7000", &diag), 0);
	ck_assert_int_eq(lab_validate(&lab, &diag), 0);
	ck_assert_double_eq(lab.expect[0].value, 7000);

	ck_assert_int_eq(parse("[expect]\nestablished >= clients.nope\n"), 0);
	ck_assert_int_eq(lab_validate(&lab, &diag), -EINVAL);
	ck_assert_str_eq(
		diag.msg[0],
		"t.lab:2: 'clients.nope' is not a numeric lab key (such as clients.connections)");
	ck_assert_int_eq(parse("[expect]\nping.p99 <= clients.connections\n"), 0);
	ck_assert_int_eq(lab_validate(&lab, &diag), -EINVAL);
	ck_assert_str_eq(diag.msg[0],
			 "t.lab:2: ping.p99 is a duration but clients.connections is a count");
	ck_assert_int_eq(parse("[expect]\nestablished >= clients.addresses\n"), 0);
	ck_assert_int_eq(lab_validate(&lab, &diag), -EINVAL);
	ck_assert_str_eq(
		diag.msg[0],
		"t.lab:2: clients.addresses is auto or off here; compare established with a number");
	ck_assert_int_eq(parse("[server]\nmode = close\n"), 0);
	ck_assert_int_eq(lab_validate(&lab, &diag), -EINVAL);
	ck_assert_str_eq(
		diag.msg[0],
		"t.lab:2: server.mode = close cannot hold connections: use clients.mode = churn, or a server mode that keeps them (keepalive, echo, silent)");
}
END_TEST

START_TEST(write_reads_back)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	struct lab again;

	ck_assert_int_eq(parse(issue_lab), 0);
	ck_assert_int_eq(lab_set(&lab, "clients.rate=unlimited", &diag), 0);
	f = open_memstream(&buf, &len);
	lab_write(&lab, f);
	fclose(f);
	memset(&diag, 0, sizeof(diag));
	lab_init(&again, "t.lab");
	ck_assert_msg(lab_parse(&again, buf, len, &diag) == 0, "%s", diag.msg[0]);
	ck_assert_uint_eq(again.connections, lab.connections);
	ck_assert_uint_eq(again.rate, 0);
	ck_assert_uint_eq(again.n_expect, lab.n_expect);
	ck_assert_uint_eq(again.n_sysctl, lab.n_sysctl);
	ck_assert_mem_eq(&again.ports, &lab.ports, sizeof(lab.ports));
	free(buf);
}
END_TEST

START_TEST(default_lab)
{
	memset(&diag, 0, sizeof(diag));
	ck_assert_int_eq(lab_load_default(&lab, &diag), 0);
	ck_assert_int_eq(lab_validate(&lab, &diag), 0);
	ck_assert_str_eq(lab.name, "default");
	ck_assert_uint_eq(lab.connections, 100000);
	ck_assert_int_eq(lab.client_mode, CLIENT_HOLD);
	ck_assert_uint_ge(lab.n_expect, 1);
}
END_TEST

START_TEST(file_errors)
{
	memset(&diag, 0, sizeof(diag));
	ck_assert_int_eq(lab_load_file(&lab, "/nonexistent/x.lab", &diag), -ENOENT);
	ck_assert_str_eq(diag.msg[0], "/nonexistent/x.lab: cannot open: No such file or directory");
	memset(&diag, 0, sizeof(diag));
	ck_assert_int_eq(lab_load_file(&lab, "/", &diag), -EINVAL);
	ck_assert_str_eq(diag.msg[0], "/: not a regular file");
}
END_TEST

static void add_tests(TCase *tc)
{
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, every_key);
	tcase_add_test(tc, issue_example);
	tcase_add_test(tc, whitespace_crlf_bom_comments);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, several_errors_reported);
	tcase_add_test(tc, long_lines_and_binary);
	tcase_add_test(tc, many_errors_capped);
	tcase_add_test(tc, overrides);
	tcase_add_test(tc, references);
	tcase_add_test(tc, write_reads_back);
	tcase_add_test(tc, default_lab);
	tcase_add_test(tc, file_errors);
}

int main(void)
{
	return check_main("labfile", add_tests);
}
