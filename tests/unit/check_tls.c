/* SPDX-License-Identifier: MIT */
/* check_tls.c - TLS's names and parsers, the alerts' classes, the
 * certificate made in memory, and real handshakes between every pair of
 * the libraries built in, over a socketpair: full and resumed, and the
 * failures findings explain (version, certificate, a peer that does not
 * speak TLS). */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/tls.h"
#include "check_main.h"

START_TEST(names_parse)
{
	enum tls_version v;
	enum tls_resume r;
	enum tls_key_type k;
	const struct tls_lib *l;
	char err[300];

	ck_assert_int_eq(tls_version_parse("1.3", &v, err, sizeof(err)), 0);
	ck_assert_int_eq(v, TLS_VERSION_13);
	ck_assert_int_eq(tls_version_parse("1.4", &v, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "TLS version '1.4' is not one of any, 1.2, 1.3 (did you mean 1.2?)");
	ck_assert_int_eq(tls_resume_parse("ids", &r, err, sizeof(err)), 0);
	ck_assert_int_eq(r, TLS_RESUME_IDS);
	ck_assert_int_eq(tls_key_type_parse("rsa", &k, err, sizeof(err)), 0);
	ck_assert_int_eq(k, TLS_KEY_RSA);
	ck_assert_int_eq(tls_lib_parse("openssl", &l, err, sizeof(err)), 0);
	ck_assert_str_eq(l->name, "openssl");
	ck_assert_ptr_eq(tls_libs[0], l); /* the default */
	ck_assert_int_eq(tls_lib_parse("gnutls", &l, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "'gnutls' is not one of openssl"), "%s", err);
#ifdef HAVE_WOLFSSL
	ck_assert_int_eq(tls_lib_parse("wolfssl", &l, err, sizeof(err)), 0);
	ck_assert_str_eq(l->name, "wolfssl");
#else
	ck_assert_int_eq(tls_lib_parse("wolfssl", &l, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "not built into"), "%s", err);
#endif
}
END_TEST

START_TEST(ticket_keys)
{
	uint8_t key[TLS_TICKET_KEY_LEN];
	char hex[2 * TLS_TICKET_KEY_LEN + 2];

	for (int i = 0; i < TLS_TICKET_KEY_LEN; i++)
		sprintf(hex + 2 * i, "%02x", (unsigned)(i * 3));
	ck_assert_int_eq(tls_ticket_key_parse(hex, key), 0);
	ck_assert_int_eq(key[5], 15);
	hex[7] = 'g';
	ck_assert_int_eq(tls_ticket_key_parse(hex, key), -EINVAL);
	hex[7] = '0';
	hex[2 * TLS_TICKET_KEY_LEN - 1] = 0;
	ck_assert_int_eq(tls_ticket_key_parse(hex, key), -EINVAL);
}
END_TEST

START_TEST(alerts)
{
	char text[100];

	ck_assert_int_eq(tls_alert_reason(70, text, sizeof(text)), TLS_R_VERSION);
	ck_assert_str_eq(text, "the peer sent alert protocol_version (70)");
	ck_assert_int_eq(tls_alert_reason(48, text, sizeof(text)), TLS_R_CERTIFICATE);
	ck_assert_int_eq(tls_alert_reason(40, text, sizeof(text)), TLS_R_GROUP);
	ck_assert_int_eq(tls_alert_reason(80, text, sizeof(text)), TLS_R_ALERT);
	ck_assert_int_eq(tls_alert_reason(199, text, sizeof(text)), TLS_R_ALERT);
	ck_assert_str_eq(text, "the peer sent alert 199");
}
END_TEST

START_TEST(certificates)
{
	struct tls_pem p;
	char err[200];

	for (int k = TLS_KEY_ECDSA; k <= TLS_KEY_RSA; k++) {
		ck_assert_int_eq(tls_pem_make((enum tls_key_type)k, &p, err, sizeof(err)), 0);
		ck_assert(strstr(p.cert, "-----BEGIN CERTIFICATE-----"));
		ck_assert(strstr(p.key, "PRIVATE KEY-----"));
		ck_assert_uint_eq(strlen(p.cert), p.cert_len);
		tls_pem_free(&p);
	}
	ck_assert_int_eq(tls_pem_read("/nonexistent.pem", NULL, &p, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "/nonexistent.pem"), "%s", err);
}
END_TEST

/* one side of a connection over a socketpair */
struct end {
	const struct tls_lib *lib;
	struct tls_ctx *ctx;
	struct tls_conn *conn;
	int fd, done, resumed, offered;
	enum tls_status st;
};

/* steps both ends' handshakes until each is done or failed (bounded) */
static void handshake(struct end *s, struct end *c)
{
	for (int i = 0; i < 200 && (!s->done || !c->done); i++) {
		struct end *e[2] = { c, s };

		for (int k = 0; k < 2; k++) {
			if (e[k]->done)
				continue;
			e[k]->st = e[k]->lib->handshake(e[k]->conn, &e[k]->resumed);
			if (e[k]->st == TLS_OK || e[k]->st == TLS_FAILED || e[k]->st == TLS_EOF)
				e[k]->done = 1;
		}
	}
}

static void ends_open(struct end *s, struct end *c, int offer)
{
	int sv[2], none = 0;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	s->fd = sv[0];
	c->fd = sv[1];
	s->done = c->done = s->resumed = c->resumed = 0;

	s->conn = s->lib->conn_new(s->ctx, s->fd, NULL, &none);
	c->conn = c->lib->conn_new(c->ctx, c->fd, NULL, &offer);
	c->offered = offer;
	ck_assert(s->conn && c->conn);
}

static void ends_close(struct end *s, struct end *c)
{
	s->lib->conn_free(s->conn);
	c->lib->conn_free(c->conn);
	close(s->fd);
	close(c->fd);
}

/* the server says hello; the client reads it (and, TLS 1.3, its ticket) */
static void hello(struct end *s, struct end *c)
{
	char buf[64] = { 0 };
	enum tls_status st;
	size_t n = s->lib->write(s->conn, "hello\n", 6, &st);

	ck_assert_uint_eq(n, 6);
	n = c->lib->read(c->conn, buf, sizeof(buf) - 1, &st);
	ck_assert_str_eq(buf, "hello\n");
	ck_assert_uint_eq(n, 6);
}

static void ctxs(struct end *s, struct end *c, const struct tls_cfg *sc, const struct tls_cfg *cc)
{
	char err[300];

	s->lib = sc->lib;
	c->lib = cc->lib;
	s->ctx = tls_ctx_open(sc, 1, err, sizeof(err));
	ck_assert_msg(s->ctx, "%s: %s", sc->lib->name, err);
	c->ctx = tls_ctx_open(cc, 0, err, sizeof(err));
	ck_assert_msg(c->ctx, "%s: %s", cc->lib->name, err);
}

static void ctxs_free(struct end *s, struct end *c)
{
	s->lib->ctx_free(s->ctx);
	c->lib->ctx_free(c->ctx);
}

/* every pair of libraries: a full handshake, data, then one that resumes
 * the session the first gave (tickets), counted so on both sides */
START_TEST(pairs_resume)
{
	for (int a = 0; tls_libs[a]; a++)
		for (int b = 0; tls_libs[b]; b++) {
			struct tls_cfg sc = { .on = 1,
					      .lib = tls_libs[a],
					      .resume = TLS_RESUME_TICKETS };
			struct tls_cfg cc = { .on = 1,
					      .lib = tls_libs[b],
					      .resume = TLS_RESUME_TICKETS };
			struct end s, c;

			ctxs(&s, &c, &sc, &cc);
			ends_open(&s, &c, 1);
			ck_assert(!c.offered); /* no session yet */
			handshake(&s, &c);
			ck_assert_msg(s.st == TLS_OK && c.st == TLS_OK, "%s -> %s: %d %d",
				      tls_libs[b]->name, tls_libs[a]->name, c.st, s.st);
			ck_assert(!s.resumed && !c.resumed);
			hello(&s, &c);
			ends_close(&s, &c);
			ends_open(&s, &c, 1);
			ck_assert(c.offered);
			handshake(&s, &c);
			ck_assert(s.st == TLS_OK && c.st == TLS_OK);
			ck_assert_msg(s.resumed && c.resumed, "%s -> %s: resumed %d %d",
				      tls_libs[b]->name, tls_libs[a]->name, c.resumed, s.resumed);
			/* a reconnect offers its own connection's session (as a
			 * lost client does), not the context's newest */
			hello(&s, &c);
			{
				void *own = c.lib->session_get(c.conn);
				int sv[2], offer = 1, none = 0;

				ck_assert_msg(own, "%s: no session to take", tls_libs[b]->name);
				ends_close(&s, &c);
				ck_assert_int_eq(
					socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
				s.fd = sv[0];
				c.fd = sv[1];
				s.done = c.done = s.resumed = c.resumed = 0;
				s.conn = s.lib->conn_new(s.ctx, s.fd, NULL, &none);
				c.conn = c.lib->conn_new(c.ctx, c.fd, own, &offer);
				c.lib->session_free(own);
				ck_assert(offer);
				handshake(&s, &c);
				ck_assert_msg(s.resumed && c.resumed,
					      "%s -> %s: own session not resumed",
					      tls_libs[b]->name, tls_libs[a]->name);
			}
			ends_close(&s, &c);
			ctxs_free(&s, &c);
		}
}
END_TEST

/* a failure's class on the client's side */
static enum tls_reason client_fails(const struct tls_cfg *sc, const struct tls_cfg *cc, char *text,
				    size_t len)
{
	struct end s, c;
	enum tls_reason r;

	ctxs(&s, &c, sc, cc);
	ends_open(&s, &c, 0);
	handshake(&s, &c);
	ck_assert_msg(c.st == TLS_FAILED, "%s: status %d", cc->lib->name, c.st);
	r = c.lib->reason(c.conn, text, len);
	ends_close(&s, &c);
	ctxs_free(&s, &c);
	return r;
}

START_TEST(failures)
{
	for (int a = 0; tls_libs[a]; a++) {
		struct tls_cfg sc = { .on = 1, .lib = tls_libs[a], .version = TLS_VERSION_13 };
		struct tls_cfg cc = { .on = 1, .lib = tls_libs[a], .version = TLS_VERSION_12 };
		char text[200];

		ck_assert_int_eq(client_fails(&sc, &cc, text, sizeof(text)), TLS_R_VERSION);
		sc.version = cc.version = TLS_VERSION_ANY;
		cc.ca_file = "/etc/ssl/certs/ca-certificates.crt"; /* not our CA */
		ck_assert_msg(client_fails(&sc, &cc, text, sizeof(text)) == TLS_R_CERTIFICATE,
			      "%s: %s", tls_libs[a]->name, text);
	}
}
END_TEST

/* a server that writes plain text: the client says it is not TLS */
START_TEST(not_tls)
{
	for (int a = 0; tls_libs[a]; a++) {
		struct tls_cfg cc = { .on = 1, .lib = tls_libs[a] };
		char err[300], text[200];
		struct tls_ctx *x = tls_ctx_open(&cc, 0, err, sizeof(err));
		int sv[2], resumed;
		struct tls_conn *t;
		enum tls_status st;

		ck_assert(x);
		ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
		ck_assert_int_eq(write(sv[0], "connlab keepalive\nok\nok\n", 24), 24);
		resumed = 0;
		t = tls_libs[a]->conn_new(x, sv[1], NULL, &resumed);
		st = tls_libs[a]->handshake(t, &resumed);
		ck_assert_int_eq(st, TLS_FAILED);
		ck_assert_msg(tls_libs[a]->reason(t, text, sizeof(text)) == TLS_R_NOT_TLS, "%s: %s",
			      tls_libs[a]->name, text);
		tls_libs[a]->conn_free(t);
		tls_libs[a]->ctx_free(x);
		close(sv[0]);
		close(sv[1]);
	}
}
END_TEST

/* each library: the run's ticket keys outlive a restart (a new server
 * context takes the old one's tickets), whatever the key name's last bit
 * (wolfSSL keeps its key index there); and a connection's own session
 * stays resumable after another connection resumed with the context's
 * newest (OpenSSL takes a TLS 1.3 session as spent once resumed) */
START_TEST(keys_outlive_restart)
{
	for (int a = 0; tls_libs[a]; a++) {
		struct tls_cfg sc = { .on = 1, .lib = tls_libs[a], .resume = TLS_RESUME_TICKETS };
		struct tls_cfg cc = sc;
		struct end s, c, s2;
		void *own;
		int sv[2], offer = 1, none = 0;

		memset(sc.ticket_key, 0x5b, sizeof(sc.ticket_key)); /* the name ends odd */
		sc.has_ticket_key = 1;
		ctxs(&s, &c, &sc, &cc);
		ends_open(&s, &c, 1);
		handshake(&s, &c);
		hello(&s, &c); /* the first connection, and its ticket */
		struct end s1 = s, c1 = c;

		ends_open(&s, &c, 1); /* a second resumes with the newest */
		handshake(&s, &c);
		ck_assert_msg(s.resumed && c.resumed, "%s: not resumed", tls_libs[a]->name);
		hello(&s, &c);
		ends_close(&s, &c);
		own = c1.lib->session_get(c1.conn);
		ck_assert_msg(own, "%s: the first connection's session is spent",
			      tls_libs[a]->name);
		ends_close(&s1, &c1);
		s.lib->ctx_free(s.ctx); /* the restart: a new server, the same keys */
		s2 = s;
		s2.ctx = tls_ctx_open(&sc, 1, (char[300]){ 0 }, 300);
		ck_assert(s2.ctx);
		ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
		s2.fd = sv[0];
		c.fd = sv[1];
		s2.done = c.done = s2.resumed = c.resumed = 0;
		s2.conn = s2.lib->conn_new(s2.ctx, s2.fd, NULL, &none);
		c.conn = c.lib->conn_new(c.ctx, c.fd, own, &offer);
		c.lib->session_free(own);
		handshake(&s2, &c);
		ck_assert_msg(s2.st == TLS_OK && s2.resumed && c.resumed,
			      "%s: the new server refused the old one's ticket", tls_libs[a]->name);
		ends_close(&s2, &c);
		ctxs_free(&s2, &c);
	}
}
END_TEST

static void add_tests(TCase *tc)
{
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, names_parse);
	tcase_add_test(tc, ticket_keys);
	tcase_add_test(tc, alerts);
	tcase_add_test(tc, certificates);
	tcase_add_test(tc, pairs_resume);
	tcase_add_test(tc, keys_outlive_restart);
	tcase_add_test(tc, failures);
	tcase_add_test(tc, not_tls);
}

int main(void)
{
	return check_main("tls", add_tests);
}
