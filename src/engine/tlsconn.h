/* SPDX-License-Identifier: MIT */
/* tlsconn.h - what the server and the flood share to speak TLS on their
 * sockets: the library's object by fd (nothing else per connection), and
 * reads, writes and handshake steps that answer as recv and send do, with
 * TLS failures counted by their reason. A side without TLS has no array:
 * every call goes straight to the socket. */
#ifndef CONNLAB_ENGINE_TLSCONN_H
#define CONNLAB_ENGINE_TLSCONN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine/engine.h"
#include "engine/tls.h"

struct tls_side {
	const struct tls_lib *lib; /* NULL: plain TCP */
	struct tls_ctx *ctx;
	struct tls_conn **conn; /* by fd */
	size_t n;
	struct engine_stats *st;
	int server; /* the side: a server counts a peer silent to the end apart */
};

/* 0, or -ENOMEM; nothing to do when lib is NULL. */
int tls_side_init(struct tls_side *t, const struct tls_lib *lib, struct tls_ctx *ctx, size_t n,
		  struct engine_stats *st, int server);

/* Starts TLS on fd: a client offers session (a reconnect's own, released
 * here), or else its newest when offer. 1 when it offers one, 0 when not,
 * -1 when the library could not (counted). The offer is counted by
 * tls_side_offered when the hello goes: a reconnect's TLS begins at its
 * connect, which may fail and be tried again. */
int tls_side_start(struct tls_side *t, int fd, int offer, void *session);
static inline void tls_side_offered(struct tls_side *t)
{
	STAT_ADD(t->st->tls_offered, 1);
}
/* fd's session while the library takes it as resumable (a reference the
 * caller releases with tls_side_session_free), or NULL. */
void *tls_side_session(struct tls_side *t, int fd);
void tls_side_session_free(struct tls_side *t, void *session);
/* Whether fd has its TLS object already (a reconnect's, made at connect). */
static inline int tls_side_has(const struct tls_side *t, int fd)
{
	return t->lib && t->conn[fd] != NULL;
}

/* A step of fd's handshake: 1 done (counted, resumed or not), 0 not yet
 * (*want_write: it waits to write), -1 failed (counted by reason or
 * errno, in phase). */
int tls_side_step(struct tls_side *t, int fd, int *want_write);

/* As recv and send (-1 with errno EAGAIN when the library waits; 0 at the
 * peer's close); a TLS failure is counted and reads as -1 with EPROTO. */
ssize_t tls_side_recv(struct tls_side *t, int fd, void *buf, size_t len);
ssize_t tls_side_send(struct tls_side *t, int fd, const void *buf, size_t len);

/* Counts a failure of fd's TLS of class r (a timeout, say). */
void tls_side_fail(struct tls_side *t, enum tls_reason r, const char *text);

/* Frees fd's TLS object, if any (the caller closes the socket);
 * handshaking: it had not finished its handshake. */
void tls_side_drop(struct tls_side *t, int fd, int handshaking);

static inline int tls_side_on(const struct tls_side *t)
{
	return t->lib != NULL;
}

#endif
