/* SPDX-License-Identifier: MIT */
/* tls_openssl.c - OpenSSL 3 behind tls.h. A connection is the SSL object
 * itself; a client context keeps the last session a server gave it (for
 * the connects that offer one), which each forked worker keeps apart. */
#define _GNU_SOURCE
#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/tls.h"

struct tls_ctx {
	SSL_CTX *ctx;
	SSL_SESSION *last; /* client: the newest session to offer */
	char sni[256];	   /* client: the server name sent ("": none) */
};

static const char *ossl_version(void)
{
	return OpenSSL_version(OPENSSL_VERSION);
}

static void say(char *err, size_t len, const char *what)
{
	unsigned long e = ERR_peek_last_error();

	snprintf(err, len, "OpenSSL: %s%s%s", what, e ? ": " : "",
		 e ? ERR_reason_error_string(e) ?: "?" : "");
	ERR_clear_error();
}

/* client: a server gave a session (TLS 1.3: a ticket after the handshake).
 * The context keeps a copy to share: OpenSSL takes a TLS 1.3 session as
 * spent once a connection resumed with it, and the connection's own must
 * stay resumable for its reconnect. */
static int new_session(SSL *s, SSL_SESSION *sess)
{
	struct tls_ctx *x = SSL_CTX_get_app_data(SSL_get_SSL_CTX(s));
	SSL_SESSION *copy = SSL_SESSION_dup(sess);

	SSL_SESSION_free(sess); /* the callback's reference */
	if (!copy)
		return 1; /* the last one stays to be offered */
	if (x->last)
		SSL_SESSION_free(x->last);
	x->last = copy;
	return 1;
}

static int versions(SSL_CTX *c, enum tls_version v)
{
	int lo = v == TLS_VERSION_13 ? TLS1_3_VERSION : TLS1_2_VERSION;
	int hi = v == TLS_VERSION_12 ? TLS1_2_VERSION : TLS1_3_VERSION;

	return SSL_CTX_set_min_proto_version(c, lo) && SSL_CTX_set_max_proto_version(c, hi);
}

static int server_cert(SSL_CTX *c, const struct tls_pem *pem)
{
	BIO *bc = BIO_new_mem_buf(pem->cert, (int)pem->cert_len);
	BIO *bk = BIO_new_mem_buf(pem->key, (int)pem->key_len);
	X509 *x = bc ? PEM_read_bio_X509(bc, NULL, NULL, NULL) : NULL, *chain;
	EVP_PKEY *k = bk ? PEM_read_bio_PrivateKey(bk, NULL, NULL, NULL) : NULL;
	int ok = x && k && SSL_CTX_use_certificate(c, x) && SSL_CTX_use_PrivateKey(c, k) &&
		 SSL_CTX_check_private_key(c);

	/* what follows the certificate in its file is its chain */
	while (ok && (chain = PEM_read_bio_X509(bc, NULL, NULL, NULL)))
		if (!SSL_CTX_add0_chain_cert(c, chain)) {
			X509_free(chain);
			ok = 0;
		}
	if (ok)
		ERR_clear_error(); /* the end of the chain */
	X509_free(x);
	EVP_PKEY_free(k);
	BIO_free(bc);
	BIO_free(bk);
	return ok;
}

static int server_resume(SSL_CTX *c, const struct tls_cfg *cfg)
{
	static const unsigned char sid[] = "connlab";

	switch (cfg->resume) {
	case TLS_RESUME_OFF:
		SSL_CTX_set_options(c, SSL_OP_NO_TICKET);
		SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
		return SSL_CTX_set_num_tickets(c, 0);
	case TLS_RESUME_TICKETS:
		SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
		if (cfg->has_ticket_key &&
		    SSL_CTX_set_tlsext_ticket_keys(c, (void *)cfg->ticket_key,
						   TLS_TICKET_KEY_LEN) != 1)
			return 0;
		return SSL_CTX_set_num_tickets(c, 1);
	case TLS_RESUME_IDS: /* TLS 1.3: tickets that name a session in the cache */
		SSL_CTX_set_options(c, SSL_OP_NO_TICKET);
		SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_SERVER);
		return SSL_CTX_set_session_id_context(c, sid, sizeof(sid) - 1) &&
		       SSL_CTX_set_num_tickets(c, 1);
	}
	return 0;
}

static int client_side(struct tls_ctx *x, const struct tls_cfg *cfg, char *err, size_t len)
{
	if (cfg->sni)
		snprintf(x->sni, sizeof(x->sni), "%s", cfg->sni);
	if (cfg->ca_file) {
		if (SSL_CTX_load_verify_locations(x->ctx, cfg->ca_file, NULL) != 1) {
			char what[300];

			snprintf(what, sizeof(what), "cannot load the CA file %s", cfg->ca_file);
			say(err, len, what);
			return 0;
		}
		SSL_CTX_set_verify(x->ctx, SSL_VERIFY_PEER, NULL);
	} else {
		SSL_CTX_set_verify(x->ctx, SSL_VERIFY_NONE, NULL);
	}
	if (cfg->resume == TLS_RESUME_OFF) {
		SSL_CTX_set_options(x->ctx, SSL_OP_NO_TICKET);
		SSL_CTX_set_session_cache_mode(x->ctx, SSL_SESS_CACHE_OFF);
		return 1;
	}
	if (cfg->resume == TLS_RESUME_IDS)
		SSL_CTX_set_options(x->ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_session_cache_mode(x->ctx,
				       SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(x->ctx, new_session);
	return 1;
}

static void ossl_ctx_free(struct tls_ctx *x)
{
	if (!x)
		return;
	if (x->last)
		SSL_SESSION_free(x->last);
	SSL_CTX_free(x->ctx);
	free(x);
}

static struct tls_ctx *ossl_ctx_new(const struct tls_cfg *cfg, int server,
				    const struct tls_pem *pem, char *err, size_t len)
{
	struct tls_ctx *x = calloc(1, sizeof(*x));
	long mode = SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
		    (cfg->keep_buffers ? 0 : SSL_MODE_RELEASE_BUFFERS);

	if (!x || !(x->ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method()))) {
		say(err, len, "cannot make a context");
		free(x);
		return NULL;
	}
	SSL_CTX_set_app_data(x->ctx, x);
	SSL_CTX_set_mode(x->ctx, mode);
	/* a peer that closes without close_notify has closed (none of ours
	 * sends one either): EOF, not an error */
	SSL_CTX_set_options(x->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	if (!versions(x->ctx, cfg->version)) {
		say(err, len, "cannot set the TLS version");
		goto fail;
	}
	if (cfg->group[0] && SSL_CTX_set1_groups_list(x->ctx, cfg->group) != 1) {
		snprintf(
			err, len,
			"OpenSSL does not know the group '%s' (X25519, P-256, P-384, X448, ffdhe2048...)",
			cfg->group);
		ERR_clear_error();
		goto fail;
	}
	if (server && !server_cert(x->ctx, pem)) {
		say(err, len, "cannot use the certificate and key");
		goto fail;
	}
	if (server && !server_resume(x->ctx, cfg)) {
		say(err, len, "cannot set up resumption");
		goto fail;
	}
	if (!server && !client_side(x, cfg, err, len))
		goto fail;
	return x;
fail:
	ossl_ctx_free(x);
	return NULL;
}

static struct tls_conn *ossl_conn_new(struct tls_ctx *x, int fd, void *session, int *offer)
{
	SSL *s = SSL_new(x->ctx);

	if (!s || !SSL_set_fd(s, fd)) {
		SSL_free(s);
		ERR_clear_error();
		return NULL;
	}
	if (SSL_is_server(s)) {
		SSL_set_accept_state(s);
		return (struct tls_conn *)s;
	}
	SSL_set_connect_state(s);
	if (x->sni[0] && !SSL_set_tlsext_host_name(s, x->sni)) {
		SSL_free(s);
		ERR_clear_error();
		return NULL;
	}
	/* the newest session, while the library still takes it as resumable
	 * (it stops taking some, used by other connections, in TLS 1.3) */
	if (session) {
		*offer = SSL_SESSION_is_resumable(session) && SSL_set_session(s, session);
		return (struct tls_conn *)s;
	}
	*offer = *offer && x->last && SSL_SESSION_is_resumable(x->last) &&
		 SSL_set_session(s, x->last);
	return (struct tls_conn *)s;
}

/* a step's outcome; errno is 0 for the library's own errors, the
 * socket's otherwise */
static enum tls_status status_of(SSL *s, int r)
{
	int e = SSL_get_error(s, r), se = errno;

	switch (e) {
	case SSL_ERROR_WANT_READ:
		return TLS_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return TLS_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		return TLS_EOF;
	case SSL_ERROR_SYSCALL:
		if (ERR_peek_error() == 0 && se == 0)
			return TLS_EOF;
		errno = ERR_peek_error() ? 0 : se;
		return TLS_FAILED;
	default:
		errno = 0;
		return TLS_FAILED;
	}
}

static enum tls_status ossl_handshake(struct tls_conn *t, int *resumed)
{
	SSL *s = (SSL *)t;
	int r;

	ERR_clear_error();
	errno = 0;
	r = SSL_do_handshake(s);
	if (r == 1) {
		*resumed = SSL_session_reused(s);
		return TLS_OK;
	}
	return status_of(s, r);
}

static size_t ossl_read(struct tls_conn *t, void *buf, size_t len, enum tls_status *st)
{
	SSL *s = (SSL *)t;
	int r;

	ERR_clear_error();
	errno = 0;
	r = SSL_read(s, buf, (int)len);
	if (r > 0) {
		*st = TLS_OK;
		return (size_t)r;
	}
	*st = status_of(s, r);
	return 0;
}

static size_t ossl_write(struct tls_conn *t, const void *buf, size_t len, enum tls_status *st)
{
	SSL *s = (SSL *)t;
	int r;

	ERR_clear_error();
	errno = 0;
	r = SSL_write(s, buf, (int)len);
	if (r > 0) {
		*st = TLS_OK;
		return (size_t)r;
	}
	*st = status_of(s, r);
	return 0;
}

/* OpenSSL's reasons by class; the rest is TLS_R_ALERT when the peer sent
 * an alert, TLS_R_OTHER otherwise */
static const struct {
	int reason;
	enum tls_reason cls;
} reasons[] = {
	{ SSL_R_CERTIFICATE_VERIFY_FAILED, TLS_R_CERTIFICATE },
	{ SSL_R_TLSV1_ALERT_UNKNOWN_CA, TLS_R_CERTIFICATE },
	{ SSL_R_SSLV3_ALERT_BAD_CERTIFICATE, TLS_R_CERTIFICATE },
	{ SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN, TLS_R_CERTIFICATE },
	{ SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED, TLS_R_CERTIFICATE },
	{ SSL_R_UNSUPPORTED_PROTOCOL, TLS_R_VERSION },
	{ SSL_R_TLSV1_ALERT_PROTOCOL_VERSION, TLS_R_VERSION },
	{ SSL_R_NO_PROTOCOLS_AVAILABLE, TLS_R_VERSION },
	{ SSL_R_UNSUPPORTED_SSL_VERSION, TLS_R_VERSION },
	{ SSL_R_NO_SHARED_GROUPS, TLS_R_GROUP },
	{ SSL_R_NO_SUITABLE_KEY_SHARE, TLS_R_GROUP },
	{ SSL_R_NO_SHARED_CIPHER, TLS_R_GROUP },
	{ SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE, TLS_R_GROUP },
	{ SSL_R_WRONG_VERSION_NUMBER, TLS_R_NOT_TLS },
	{ SSL_R_HTTP_REQUEST, TLS_R_NOT_TLS },
	{ SSL_R_PACKET_LENGTH_TOO_LONG, TLS_R_NOT_TLS },
	{ SSL_R_UNEXPECTED_EOF_WHILE_READING, TLS_R_CLOSED },
};

static enum tls_reason ossl_reason(struct tls_conn *t, char *text, size_t len)
{
	unsigned long e = ERR_peek_last_error();
	int r = ERR_GET_REASON(e);
	const char *what = ERR_reason_error_string(e);

	(void)t;
	snprintf(text, len, "%s", what ? what : e ? "unknown OpenSSL error" : "no reason given");
	ERR_clear_error();
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].reason == r)
			return reasons[i].cls;
	return what && strstr(what, "alert") ? TLS_R_ALERT : TLS_R_OTHER;
}

static void *ossl_session_get(struct tls_conn *t)
{
	SSL_SESSION *s = SSL_get1_session((SSL *)t);

	if (s && !SSL_SESSION_is_resumable(s)) {
		SSL_SESSION_free(s);
		s = NULL;
	}
	return s;
}

static void ossl_session_free(void *s)
{
	SSL_SESSION_free(s);
}

static void ossl_conn_free(struct tls_conn *t)
{
	SSL *s = (SSL *)t;

	/* closed as if shut down, so that its session stays resumable (no
	 * close_notify is sent: the caller closes the socket) */
	SSL_set_shutdown(s, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	SSL_free(s);
}

const struct tls_lib tls_openssl = {
	.name = "openssl",
	.version = ossl_version,
	.ctx_new = ossl_ctx_new,
	.ctx_free = ossl_ctx_free,
	.conn_new = ossl_conn_new,
	.handshake = ossl_handshake,
	.read = ossl_read,
	.write = ossl_write,
	.reason = ossl_reason,
	.session_get = ossl_session_get,
	.session_free = ossl_session_free,
	.conn_free = ossl_conn_free,
};
