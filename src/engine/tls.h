/* SPDX-License-Identifier: MIT */
/* tls.h - TLS in the built-in server and flood: what a lab asks for
 * (struct tls_cfg), and the libraries behind one small table of actions
 * (struct tls_lib), one file each: tls_openssl.c, tls_wolfssl.c. The
 * engines keep one library object per connection, by fd, and nothing
 * else; a context is made once before the workers fork, so that they
 * share its certificate and its session-ticket keys. */
#ifndef CONNLAB_ENGINE_TLS_H
#define CONNLAB_ENGINE_TLS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/compiler.h"

enum tls_version { TLS_VERSION_ANY, TLS_VERSION_12, TLS_VERSION_13 };
enum tls_resume { TLS_RESUME_OFF, TLS_RESUME_TICKETS, TLS_RESUME_IDS };
enum tls_key_type { TLS_KEY_ECDSA, TLS_KEY_RSA };

/* Why a handshake or a TLS connection failed, as a class that findings
 * explain; each library maps its own reasons to one, with its text. */
enum tls_reason {
	TLS_R_CERTIFICATE, /* the peer's certificate was rejected */
	TLS_R_VERSION,	   /* no version both ends accept */
	TLS_R_GROUP,	   /* no key-exchange group or cipher in common */
	TLS_R_NOT_TLS,	   /* the peer does not speak TLS (plain TCP) */
	TLS_R_ALERT,	   /* another alert from the peer */
	TLS_R_CLOSED,	   /* the peer closed or reset during the handshake */
	TLS_R_NO_HELLO,	   /* the peer closed having sent nothing: a TCP check */
	TLS_R_TIMEOUT,	   /* the handshake did not finish in time */
	TLS_R_OTHER,
	TLS_R_COUNT
};
extern const char *const tls_reason_names[TLS_R_COUNT];

/* An alert the peer sent (RFC 8446 6.2's description code): its class,
 * and "the server sent alert NAME (CODE)" in text. */
enum tls_reason tls_alert_reason(int code, char *text, size_t len);

#define TLS_TICKET_KEY_LEN 80 /* a run's ticket keys: name, HMAC and AES */

struct tls_lib;

struct tls_cfg {
	int on;
	const struct tls_lib *lib;
	enum tls_version version;
	enum tls_key_type key_type; /* the certificate made at start */
	const char *cert_file;	    /* server: the user's certificate and key */
	const char *key_file;
	const char *ca_file; /* flood: verify the server against it (else no check) */
	const char *sni;     /* flood: the server name sent */
	char group[32];	     /* the key-exchange group ("": the library's) */
	enum tls_resume resume;
	unsigned resume_permille; /* flood: the share of connects that offer a session */
	int keep_buffers;	  /* 1: idle connections keep their buffers */
	/* server: ticket keys shared by every start of the server in a run
	 * (the launcher's, from the environment), so that a ticket made
	 * before a restart resumes after it */
	uint8_t ticket_key[TLS_TICKET_KEY_LEN];
	int has_ticket_key;
};

/* What a step of a connection came to. */
enum tls_status { TLS_OK, TLS_WANT_READ, TLS_WANT_WRITE, TLS_EOF, TLS_FAILED };

struct tls_ctx;
struct tls_conn;

/* A certificate and its key, PEM, made in memory (tlscert.c) or read. */
struct tls_pem {
	char *cert, *key;
	size_t cert_len, key_len;
};

/* One library's actions. Every function that can fail says why in err
 * (ctx_new) or by its status and tls_lib.reason (the connection's). */
struct tls_lib {
	const char *name;
	/* the library's own version text */
	const char *(*version)(void);
	/* a context for one side (server: with pem); NULL, err said */
	struct tls_ctx *(*ctx_new)(const struct tls_cfg *c, int server, const struct tls_pem *pem,
				   char *err, size_t len);
	void (*ctx_free)(struct tls_ctx *x);
	/* a connection on fd; a client offers session (a reconnect's own), or
	 * else the context's newest when *offer, which says on return whether
	 * it had one to offer; NULL when the library cannot make one */
	struct tls_conn *(*conn_new)(struct tls_ctx *x, int fd, void *session, int *offer);
	/* a reference to t's session while the library takes it as
	 * resumable, or NULL; and its release */
	void *(*session_get)(struct tls_conn *t);
	void (*session_free)(void *session);
	/* a step of the handshake; *resumed set when it is done */
	enum tls_status (*handshake)(struct tls_conn *t, int *resumed);
	/* as recv and send: bytes, or 0 with the status in *st */
	size_t (*read)(struct tls_conn *t, void *buf, size_t len, enum tls_status *st);
	size_t (*write)(struct tls_conn *t, const void *buf, size_t len, enum tls_status *st);
	/* after TLS_FAILED: the class, and the library's words in text */
	enum tls_reason (*reason)(struct tls_conn *t, char *text, size_t len);
	/* frees it (no close_notify: the socket is the caller's to close) */
	void (*conn_free)(struct tls_conn *t);
};

/* The libraries built in, the default first; NULL-terminated. */
extern const struct tls_lib *const tls_libs[];
const struct tls_lib *tls_lib_find(const char *name);

/* The parsers the lab file and the engines' options share: 0, or -EINVAL
 * with what was expected in err. */
WUR int tls_version_parse(const char *v, enum tls_version *out, char *err, size_t len);
WUR int tls_resume_parse(const char *v, enum tls_resume *out, char *err, size_t len);
WUR int tls_key_type_parse(const char *v, enum tls_key_type *out, char *err, size_t len);
WUR int tls_lib_parse(const char *v, const struct tls_lib **out, char *err, size_t len);
/* The ticket keys as 160 hex digits (CONNLAB_TLS_TICKET_KEY). */
WUR int tls_ticket_key_parse(const char *hex, uint8_t key[TLS_TICKET_KEY_LEN]);
const char *tls_version_name(enum tls_version v);
const char *tls_resume_name(enum tls_resume r);
const char *tls_key_type_name(enum tls_key_type k);

/* A context for the side the engine plays: the server's certificate made
 * in memory or read from cfg's files. NULL, with why in err. */
struct tls_ctx *tls_ctx_open(const struct tls_cfg *c, int server, char *err, size_t len);

/* A certificate made in memory (self-signed, CN connlab, valid a day):
 * ECDSA P-256 or RSA-2048. 0, or -1 with why in err. */
int tls_pem_make(enum tls_key_type k, struct tls_pem *p, char *err, size_t len);
/* Reads the user's PEM files; 0, or -1 with why in err. */
int tls_pem_read(const char *cert, const char *key, struct tls_pem *p, char *err, size_t len);
void tls_pem_free(struct tls_pem *p);

#endif
