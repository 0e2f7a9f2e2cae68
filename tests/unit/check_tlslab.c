/* SPDX-License-Identifier: MIT */
/* check_tlslab.c - a lab's [tls]: its keys, what they become on connlab
 * server's and connlab flood's command lines, and every message that
 * refuses a combination, with its line. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/tls.h"
#include "lab/lab.h"
#include "plan/floodopts.h"

#include "check_main.h"

static struct lab lab;
static struct lab_diag diag;

/* parsed and validated, as a run takes it */
static int parse(const char *text)
{
	int r;

	memset(&diag, 0, sizeof(diag));
	lab_init(&lab, "/labs/t.lab");
	r = lab_parse(&lab, text, strlen(text), &diag);
	return r ? r : lab_validate(&lab, &diag);
}

static void expect_error(const char *text, const char *msg)
{
	ck_assert_int_eq(parse(text), -EINVAL);
	ck_assert_msg(diag.n == 1, "%s: %u messages: %s | %s", text, diag.n, diag.msg[0],
		      diag.n > 1 ? diag.msg[1] : "");
	ck_assert_str_eq(diag.msg[0], msg);
}

/* the options as one line: "--tls --tls-resume tickets" */
static const char *line_of(int server)
{
	static struct flood_opts o;
	static char buf[2048];
	size_t at = 0;

	memset(&o, 0, sizeof(o));
	tls_opts_add(&lab, server, &o);
	buf[0] = 0;
	for (unsigned i = 0; i < o.n; i++)
		at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%s%s%s%s", i ? " " : "",
				       o.o[i].name, o.o[i].value ? " " : "",
				       o.o[i].value ? o.o[i].value : "");
	return buf;
}

START_TEST(keys_to_options)
{
	ck_assert_int_eq(parse("[tls]\nenable = on\nresume = tickets\nresume_share = 50%\n"
			       "version = 1.3\ngroup = X25519\nrelease_buffers = off\n"
			       "sni = lab.example\nkey_type = rsa\n"),
			 0);
	ck_assert_str_eq(line_of(1), "--tls --tls-version 1.3 --tls-group X25519 --tls-resume "
				     "tickets --tls-keep-buffers --tls-key-type rsa");
	ck_assert_str_eq(line_of(0), "--tls --tls-version 1.3 --tls-group X25519 --tls-resume "
				     "tickets --tls-keep-buffers --tls-resume-share 50% --tls-sni "
				     "lab.example");
	/* one end only */
	ck_assert_int_eq(parse("[tls]\nenable = server\n"), 0);
	ck_assert_str_eq(line_of(1), "--tls");
	ck_assert_str_eq(line_of(0), "");
	ck_assert_int_eq(parse("[tls]\nenable = clients\n"), 0);
	ck_assert_str_eq(line_of(1), "");
	ck_assert_str_eq(line_of(0), "--tls");
	/* off: nothing, and the lab's resolved form has no [tls] */
	ck_assert_int_eq(parse("[lab]\nduration = 1s\n"), 0);
	ck_assert_str_eq(line_of(1), "");
	ck_assert_str_eq(line_of(0), "");
}
END_TEST

START_TEST(paths_from_the_lab)
{
	/* /etc/hostname stands for a PEM file that exists: absolute stays */
	ck_assert_int_eq(parse("[tls]\nenable = on\ncert = /etc/hostname\nca = /etc/hostname\n"),
			 0);
	ck_assert_str_eq(line_of(1), "--tls --tls-cert /etc/hostname");
	ck_assert_str_eq(line_of(0), "--tls --tls-ca /etc/hostname");
	/* relative: to the lab file's directory, and refused when missing */
	expect_error(
		"[tls]\nenable = on\ncert = srv.pem\n",
		"/labs/t.lab:3: tls.cert: cannot read /labs/srv.pem: No such file or directory (a PEM file, relative to the lab file)");
}
END_TEST

START_TEST(refused)
{
	expect_error(
		"[tls]\nresume = tickets\n",
		"/labs/t.lab:2: tls.resume is set but tls.enable = off: set tls.enable = on (or server, or clients)");
	expect_error(
		"[tls]\nenable = clients\nkey_type = rsa\n",
		"/labs/t.lab:3: tls.key_type is the built-in server's, and tls.enable = clients leaves it plain");
	expect_error(
		"[server]\ncommand = nginx\n[tls]\nenable = on\nkey_type = rsa\n",
		"/labs/t.lab:5: tls.key_type is the built-in server's, and server.command runs your own server (its TLS is its own)");
	expect_error(
		"[tls]\nenable = server\nsni = x\n",
		"/labs/t.lab:3: tls.sni is the clients', and tls.enable = server leaves them plain TCP");
	expect_error(
		"[server]\ncommand = nginx\n[tls]\nenable = server\n",
		"/labs/t.lab:4: tls.enable = server is the built-in server's; with server.command your server's TLS is its own: use on (the clients speak TLS to it) or off");
	expect_error(
		"[clients]\ncommand = ./c\n[tls]\nenable = on\n",
		"/labs/t.lab:4: tls.enable: clients.command runs your own clients: the built-in flood's TLS does not apply (set tls.enable = server or off)");
	expect_error(
		"[tls]\nenable = on\nresume_share = 10%\n",
		"/labs/t.lab:3: tls.resume_share needs tls.resume = tickets or ids (with resume off no handshake resumes)");
	expect_error(
		"[tls]\nenable = on\ncert = /etc/hostname\nkey_type = rsa\n",
		"/labs/t.lab:4: tls.key_type: tls.cert gives the certificate (and so its key's type)");
	expect_error("[tls]\nenable = on\nkey = /etc/hostname\n",
		     "/labs/t.lab:3: tls.key needs tls.cert (the certificate it is the key of)");
	expect_error(
		"[tls]\nenable = on\nversion = 1.1\n",
		"/labs/t.lab:3: tls.version: '1.1' is not one of any, 1.2, 1.3 (did you mean 1.2?)");
	expect_error(
		"[fleet]\nhosts = h[1-2]\ntarget = 10.0.0.1\n[tls]\nenable = on\n",
		"/labs/t.lab:5: tls.enable: TLS is for labs on one machine; connlab fleet's hosts speak plain TCP (run the lab with connlab run, or set tls.enable = off)");
#ifndef HAVE_WOLFSSL
	expect_error(
		"[tls]\nenable = on\nlibrary = wolfssl\n",
		"/labs/t.lab:3: tls.library = wolfssl: not built into this connlab (connlab doctor lists the libraries it has): apt-get install libwolfssl-dev and build again, or use openssl");
#else
	ck_assert_int_eq(parse("[tls]\nenable = on\nlibrary = wolfssl\n"), 0);
	ck_assert_str_eq(line_of(0), "--tls --tls-library wolfssl");
#endif
}
END_TEST

static void add_tests(TCase *tc)
{
	tcase_add_test(tc, keys_to_options);
	tcase_add_test(tc, paths_from_the_lab);
	tcase_add_test(tc, refused);
}

int main(void)
{
	return check_main("tlslab", add_tests);
}
