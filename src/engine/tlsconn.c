/* SPDX-License-Identifier: MIT */
/* tlsconn.c - see tlsconn.h. */
#define _GNU_SOURCE
#include "engine/tlsconn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/tcp.h>
#include <stddef.h>
#include <sys/socket.h>

int tls_side_init(struct tls_side *t, const struct tls_lib *lib, struct tls_ctx *ctx, size_t n,
		  struct engine_stats *st, int server)
{
	memset(t, 0, sizeof(*t));
	t->st = st;
	t->server = server;
	if (!lib)
		return 0;
	t->conn = calloc(n, sizeof(*t->conn));
	if (!t->conn)
		return -ENOMEM;
	t->lib = lib;
	t->ctx = ctx;
	t->n = n;
	return 0;
}

void tls_side_fail(struct tls_side *t, enum tls_reason r, const char *text)
{
	struct engine_stats *st = t->st;

	STAT_ADD(st->tls_errors[r], 1);
	if (!__atomic_load_n(&st->tls_error_len[r], __ATOMIC_RELAXED) && text[0]) {
		size_t n = strnlen(text, sizeof(st->tls_error_text[r]) - 1);

		memcpy(st->tls_error_text[r], text, n);
		__atomic_store_n(&st->tls_error_len[r], (uint32_t)n, __ATOMIC_RELEASE);
	}
}

/* a failed step of fd's TLS: by the socket's errno, or the library's reason */
static void failed(struct tls_side *t, int fd, enum engine_phase phase)
{
	char text[128];

	if (errno) {
		engine_error(t->st, errno, phase);
		return;
	}
	tls_side_fail(t, t->lib->reason(t->conn[fd], text, sizeof(text)), text);
}

/* the kernel's word: not a byte came from the peer on fd (its FIN counts
 * one in tcpi_bytes_received) */
static int sent_nothing(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	return getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
	       len >= offsetof(struct tcp_info, tcpi_bytes_received) + 8 &&
	       ti.tcpi_bytes_received <= 1;
}

void *tls_side_session(struct tls_side *t, int fd)
{
	return t->lib && (size_t)fd < t->n && t->conn[fd] ? t->lib->session_get(t->conn[fd]) : NULL;
}

void tls_side_session_free(struct tls_side *t, void *session)
{
	if (session && t->lib)
		t->lib->session_free(session);
}

int tls_side_start(struct tls_side *t, int fd, int offer, void *session)
{
	t->conn[fd] = t->lib->conn_new(t->ctx, fd, session, &offer);
	tls_side_session_free(t, session); /* the connection holds its own reference */
	if (!t->conn[fd]) {
		tls_side_fail(t, TLS_R_OTHER, "the library could not make a connection");
		return -1;
	}
	STAT_ADD(t->st->tls_handshaking, 1);
	return offer;
}

int tls_side_step(struct tls_side *t, int fd, int *want_write)
{
	int resumed = 0;
	enum tls_status s = t->lib->handshake(t->conn[fd], &resumed);

	*want_write = s == TLS_WANT_WRITE;
	if (s == TLS_WANT_READ || s == TLS_WANT_WRITE)
		return 0;
	STAT_SUB(t->st->tls_handshaking, 1);
	if (s == TLS_OK) {
		STAT_ADD(t->st->tls_handshakes, 1);
		if (resumed)
			STAT_ADD(t->st->tls_resumed, 1);
		return 1;
	}
	if (s == TLS_EOF && t->server && sent_nothing(fd))
		tls_side_fail(t, TLS_R_NO_HELLO,
			      "closed having sent nothing (a TCP check or a plain client)");
	else if (s == TLS_EOF && sent_nothing(fd))
		tls_side_fail(t, TLS_R_CLOSED, "the server closed without answering the hello");
	else if (s == TLS_EOF)
		tls_side_fail(t, TLS_R_CLOSED, "the peer closed the connection in the handshake");
	else
		failed(t, fd, PHASE_HANDSHAKE);
	return -1;
}

/* a read or write's status as recv's answer */
static ssize_t as_socket(struct tls_side *t, int fd, size_t n, enum tls_status s)
{
	switch (s) {
	case TLS_OK:
		return (ssize_t)n;
	case TLS_WANT_READ:
	case TLS_WANT_WRITE:
		errno = EAGAIN;
		return -1;
	case TLS_EOF:
		return 0;
	case TLS_FAILED:
		break;
	}
	if (errno) /* the socket's own error: the caller counts it */
		return -1;
	failed(t, fd, PHASE_ESTABLISHED);
	errno = EPROTO;
	return -1;
}

ssize_t tls_side_recv(struct tls_side *t, int fd, void *buf, size_t len)
{
	enum tls_status s;
	size_t n;

	if (!t->lib)
		return recv(fd, buf, len, 0);
	n = t->lib->read(t->conn[fd], buf, len, &s);
	return as_socket(t, fd, n, s);
}

ssize_t tls_side_send(struct tls_side *t, int fd, const void *buf, size_t len)
{
	enum tls_status s;
	size_t n;

	if (!t->lib)
		return send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	n = t->lib->write(t->conn[fd], buf, len, &s);
	return as_socket(t, fd, n, s);
}

void tls_side_drop(struct tls_side *t, int fd, int handshaking)
{
	if (!t->lib || (size_t)fd >= t->n || !t->conn[fd])
		return;
	if (handshaking)
		STAT_SUB(t->st->tls_handshaking, 1);
	t->lib->conn_free(t->conn[fd]);
	t->conn[fd] = NULL;
}
