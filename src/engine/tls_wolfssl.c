/* SPDX-License-Identifier: MIT */
/* tls_wolfssl.c - wolfSSL behind tls.h, built when its package is present
 * (HAVE_WOLFSSL). wolfSSL keeps no idle buffers in any case: its I/O
 * buffers grow for a record and shrink back after it, so keep_buffers
 * changes nothing here. */
#ifdef HAVE_WOLFSSL
#define _GNU_SOURCE
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/error-ssl.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/tls.h"

struct tls_ctx {
	WOLFSSL_CTX *ctx;
	WOLFSSL_SESSION *last; /* client: the newest session to offer */
	char sni[256];
};

static const char *wolf_version(void)
{
	static char v[64];

	snprintf(v, sizeof(v), "wolfSSL %s", wolfSSL_lib_version());
	return v;
}

static int new_session(WOLFSSL *s, WOLFSSL_SESSION *sess)
{
	struct tls_ctx *x = wolfSSL_CTX_get_ex_data(wolfSSL_get_SSL_CTX(s), 0);

	if (x->last)
		wolfSSL_SESSION_free(x->last);
	x->last = sess;
	return 1;
}

static WOLFSSL_METHOD *method(enum tls_version v, int server)
{
	if (v == TLS_VERSION_12)
		return server ? wolfTLSv1_2_server_method() : wolfTLSv1_2_client_method();
	if (v == TLS_VERSION_13)
		return server ? wolfTLSv1_3_server_method() : wolfTLSv1_3_client_method();
	return server ? wolfTLS_server_method() : wolfTLS_client_method();
}

static void say(char *err, size_t len, const char *what, int code)
{
	char text[WOLFSSL_MAX_ERROR_SZ];

	snprintf(err, len, "wolfSSL: %s: %s", what,
		 code ? wolfSSL_ERR_error_string((unsigned long)code, text) : "failed");
}

/* the run's ticket keys: name, two keys, and expiries that never come.
 * wolfSSL writes the index of the key it used into the name's last bit and
 * refuses every ticket of a name whose last bit is set: it is cleared (with
 * a random name, half the runs resumed nothing). */
static int ticket_keys(WOLFSSL_CTX *c, const struct tls_cfg *cfg)
{
	unsigned char k[WOLFSSL_TICKET_KEYS_SZ];

	memset(k, 0xff, sizeof(k));
	memcpy(k, cfg->ticket_key, TLS_TICKET_KEY_LEN < sizeof(k) ? TLS_TICKET_KEY_LEN : sizeof(k));
	k[WOLFSSL_TICKET_NAME_SZ - 1] &= 0xfe;
	return wolfSSL_CTX_set_tlsext_ticket_keys(c, k, (int)sizeof(k)) == WOLFSSL_SUCCESS;
}

static int server_side(WOLFSSL_CTX *c, const struct tls_cfg *cfg, const struct tls_pem *pem)
{
	static const unsigned char sid[] = "connlab";

	if (wolfSSL_CTX_use_certificate_chain_buffer_format(
		    c, (const unsigned char *)pem->cert, (long)pem->cert_len,
		    WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS ||
	    wolfSSL_CTX_use_PrivateKey_buffer(c, (const unsigned char *)pem->key,
					      (long)pem->key_len,
					      WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS)
		return -1;
	switch (cfg->resume) {
	case TLS_RESUME_OFF:
		wolfSSL_CTX_NoTicketTLSv12(c);
		wolfSSL_CTX_no_ticket_TLSv13(c);
		wolfSSL_CTX_set_session_cache_mode(c, WOLFSSL_SESS_CACHE_OFF);
		return 0;
	case TLS_RESUME_TICKETS:
		wolfSSL_CTX_set_session_cache_mode(c, WOLFSSL_SESS_CACHE_OFF);
		if (cfg->has_ticket_key && !ticket_keys(c, cfg))
			return -2;
		return wolfSSL_CTX_set_num_tickets(c, 1) == WOLFSSL_SUCCESS ? 0 : -2;
	case TLS_RESUME_IDS:
		wolfSSL_CTX_NoTicketTLSv12(c);
		return wolfSSL_CTX_set_session_id_context(c, sid, sizeof(sid) - 1) ==
				       WOLFSSL_SUCCESS
			       ? 0
			       : -2;
	}
	return -2;
}

static int client_side(struct tls_ctx *x, const struct tls_cfg *cfg, char *err, size_t len)
{
	int r;

	if (cfg->sni)
		snprintf(x->sni, sizeof(x->sni), "%s", cfg->sni);
	if (cfg->ca_file) {
		r = wolfSSL_CTX_load_verify_locations(x->ctx, cfg->ca_file, NULL);
		if (r != WOLFSSL_SUCCESS) {
			char what[300];

			snprintf(what, sizeof(what), "cannot load the CA file %s", cfg->ca_file);
			say(err, len, what, r);
			return 0;
		}
		wolfSSL_CTX_set_verify(x->ctx, WOLFSSL_VERIFY_PEER, NULL);
	} else {
		wolfSSL_CTX_set_verify(x->ctx, WOLFSSL_VERIFY_NONE, NULL);
	}
	if (cfg->resume == TLS_RESUME_OFF) {
		wolfSSL_CTX_set_session_cache_mode(x->ctx, WOLFSSL_SESS_CACHE_OFF);
		return 1;
	}
	if (cfg->resume == TLS_RESUME_TICKETS)
		wolfSSL_CTX_UseSessionTicket(x->ctx);
	wolfSSL_CTX_set_session_cache_mode(x->ctx, WOLFSSL_SESS_CACHE_CLIENT |
							   WOLFSSL_SESS_CACHE_NO_INTERNAL_STORE);
	wolfSSL_CTX_sess_set_new_cb(x->ctx, new_session);
	return 1;
}

static void wolf_ctx_free(struct tls_ctx *x)
{
	if (!x)
		return;
	if (x->last)
		wolfSSL_SESSION_free(x->last);
	wolfSSL_CTX_free(x->ctx);
	free(x);
}

static struct tls_ctx *wolf_ctx_new(const struct tls_cfg *cfg, int server,
				    const struct tls_pem *pem, char *err, size_t len)
{
	struct tls_ctx *x = calloc(1, sizeof(*x));
	int r;

	wolfSSL_Init();
	if (!x || !(x->ctx = wolfSSL_CTX_new(method(cfg->version, server)))) {
		say(err, len, "cannot make a context", 0);
		free(x);
		return NULL;
	}
	wolfSSL_CTX_set_ex_data(x->ctx, 0, x);
	if (cfg->version == TLS_VERSION_ANY)
		wolfSSL_CTX_SetMinVersion(x->ctx, WOLFSSL_TLSV1_2);
	if (cfg->group[0] &&
	    wolfSSL_CTX_set1_groups_list(x->ctx, (char *)cfg->group) != WOLFSSL_SUCCESS) {
		snprintf(err, len, "wolfSSL does not know the group '%s' (P-256, P-384, P-521...)",
			 cfg->group);
		goto fail;
	}
	if (server && (r = server_side(x->ctx, cfg, pem))) {
		say(err, len,
		    r == -1 ? "cannot use the certificate and key" : "cannot set up resumption", 0);
		goto fail;
	}
	if (!server && !client_side(x, cfg, err, len))
		goto fail;
	return x;
fail:
	wolf_ctx_free(x);
	return NULL;
}

static struct tls_conn *wolf_conn_new(struct tls_ctx *x, int fd, void *session, int *offer)
{
	WOLFSSL *s = wolfSSL_new(x->ctx);

	if (!s || wolfSSL_set_fd(s, fd) != WOLFSSL_SUCCESS ||
	    (x->sni[0] && wolfSSL_UseSNI(s, WOLFSSL_SNI_HOST_NAME, x->sni,
					 (unsigned short)strlen(x->sni)) != WOLFSSL_SUCCESS)) {
		wolfSSL_free(s);
		return NULL;
	}
	if (session) {
		*offer = wolfSSL_SESSION_is_resumable(session) &&
			 wolfSSL_set_session(s, session) == WOLFSSL_SUCCESS;
		return (struct tls_conn *)s;
	}
	*offer = *offer && x->last && wolfSSL_SESSION_is_resumable(x->last) &&
		 wolfSSL_set_session(s, x->last) == WOLFSSL_SUCCESS;
	return (struct tls_conn *)s;
}

static enum tls_status status_of(WOLFSSL *s, int r)
{
	int e = wolfSSL_get_error(s, r), se = errno;

	switch (e) {
	case WOLFSSL_ERROR_WANT_READ:
		return TLS_WANT_READ;
	case WOLFSSL_ERROR_WANT_WRITE:
		return TLS_WANT_WRITE;
	case WOLFSSL_ERROR_ZERO_RETURN:
	case SOCKET_PEER_CLOSED_E:
		return TLS_EOF;
	case SOCKET_ERROR_E:
		errno = se ? se : ECONNRESET;
		return TLS_FAILED;
	default:
		errno = 0;
		return TLS_FAILED;
	}
}

static enum tls_status wolf_handshake(struct tls_conn *t, int *resumed)
{
	WOLFSSL *s = (WOLFSSL *)t;
	int r;

	errno = 0;
	r = wolfSSL_negotiate(s);
	if (r == WOLFSSL_SUCCESS) {
		*resumed = wolfSSL_session_reused(s);
		return TLS_OK;
	}
	return status_of(s, r);
}

static size_t wolf_read(struct tls_conn *t, void *buf, size_t len, enum tls_status *st)
{
	WOLFSSL *s = (WOLFSSL *)t;
	int r;

	errno = 0;
	r = wolfSSL_read(s, buf, (int)len);
	if (r > 0) {
		*st = TLS_OK;
		return (size_t)r;
	}
	*st = status_of(s, r);
	return 0;
}

static size_t wolf_write(struct tls_conn *t, const void *buf, size_t len, enum tls_status *st)
{
	WOLFSSL *s = (WOLFSSL *)t;
	int r;

	errno = 0;
	r = wolfSSL_write(s, buf, (int)len);
	if (r > 0) {
		*st = TLS_OK;
		return (size_t)r;
	}
	*st = status_of(s, r);
	return 0;
}

static const struct {
	int code;
	enum tls_reason cls;
} reasons[] = {
	{ ASN_NO_SIGNER_E, TLS_R_CERTIFICATE },
	{ ASN_SELF_SIGNED_E, TLS_R_CERTIFICATE },
	{ ASN_AFTER_DATE_E, TLS_R_CERTIFICATE },
	{ ASN_BEFORE_DATE_E, TLS_R_CERTIFICATE },
	{ ASN_SIG_CONFIRM_E, TLS_R_CERTIFICATE },
	{ VERIFY_CERT_ERROR, TLS_R_CERTIFICATE },
	{ DOMAIN_NAME_MISMATCH, TLS_R_CERTIFICATE },
	{ NO_PEER_CERT, TLS_R_CERTIFICATE },
	{ VERSION_ERROR, TLS_R_VERSION },
	{ UNSUPPORTED_PROTO_VERSION, TLS_R_VERSION },
	{ MATCH_SUITE_ERROR, TLS_R_GROUP },
	{ ECC_CURVE_ERROR, TLS_R_GROUP },
	{ BAD_KEY_SHARE_DATA, TLS_R_GROUP },
	{ UNKNOWN_RECORD_TYPE, TLS_R_NOT_TLS },
	{ PARSE_ERROR, TLS_R_NOT_TLS },
	{ LENGTH_ERROR, TLS_R_NOT_TLS },
};

static enum tls_reason wolf_reason(struct tls_conn *t, char *text, size_t len)
{
	WOLFSSL *s = (WOLFSSL *)t;
	int e = wolfSSL_get_error(s, 0);
	char buf[WOLFSSL_MAX_ERROR_SZ];

	/* an alert from the peer: by its description, as for every library */
	if (e == FATAL_ERROR) {
		WOLFSSL_ALERT_HISTORY h;

		if (wolfSSL_get_alert_history(s, &h) == WOLFSSL_SUCCESS && h.last_rx.code > 0)
			return tls_alert_reason(h.last_rx.code, text, len);
	}
	snprintf(text, len, "%s", wolfSSL_ERR_error_string((unsigned long)e, buf));
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].code == e)
			return reasons[i].cls;
	return TLS_R_OTHER;
}

static void *wolf_session_get(struct tls_conn *t)
{
	WOLFSSL_SESSION *s = wolfSSL_get1_session((WOLFSSL *)t);

	if (s && !wolfSSL_SESSION_is_resumable(s)) {
		wolfSSL_SESSION_free(s);
		s = NULL;
	}
	return s;
}

static void wolf_session_free(void *s)
{
	wolfSSL_SESSION_free(s);
}

static void wolf_conn_free(struct tls_conn *t)
{
	wolfSSL_free((WOLFSSL *)t);
}

const struct tls_lib tls_wolfssl = {
	.name = "wolfssl",
	.version = wolf_version,
	.ctx_new = wolf_ctx_new,
	.ctx_free = wolf_ctx_free,
	.conn_new = wolf_conn_new,
	.handshake = wolf_handshake,
	.read = wolf_read,
	.write = wolf_write,
	.reason = wolf_reason,
	.session_get = wolf_session_get,
	.session_free = wolf_session_free,
	.conn_free = wolf_conn_free,
};
#endif
