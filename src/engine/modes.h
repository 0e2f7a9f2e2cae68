/* SPDX-License-Identifier: MIT */
/* modes.h - what the engines can be asked to do: the server's modes, the
 * flood's modes and who closes first in churn. The lab file and the
 * engines' options share these names and parsers. */
#ifndef CONNLAB_ENGINE_MODES_H
#define CONNLAB_ENGINE_MODES_H

#include <stddef.h>
#include <stdint.h>

#include "util/compiler.h"

enum server_mode { SERVER_KEEPALIVE, SERVER_ECHO, SERVER_CLOSE, SERVER_SILENT, SERVER_NOACCEPT };
enum client_mode { CLIENT_HOLD, CLIENT_CHURN };
enum closer { CLOSER_CLIENT, CLOSER_SERVER };

/* The names, indexed by the enums. */
extern const char *const server_mode_names[5];
extern const char *const client_mode_names[2];
extern const char *const closer_names[2];

const char *server_mode_name(enum server_mode m);
const char *client_mode_name(enum client_mode m);
const char *closer_name(enum closer c);
/* 0, or -EINVAL with "'x' is not one of ... (did you mean ...?)" in err. */
WUR int server_mode_parse(const char *v, enum server_mode *m, char *err, size_t errlen);
WUR int client_mode_parse(const char *v, enum client_mode *m, char *err, size_t errlen);
WUR int closer_parse(const char *v, enum closer *c, char *err, size_t errlen);

/* What ends a reply to a message. */
enum reply_kind {
	REPLY_NONE,  /* fire and forget */
	REPLY_LINE,  /* a newline */
	REPLY_BYTES, /* a number of bytes */
	REPLY_CLOSE, /* the server closes */
};

/* "line", "bytes:N", "close" or "none"; N in *bytes. */
WUR int flood_reply_parse(const char *v, enum reply_kind *r, uint64_t *bytes, char *err,
			  size_t errlen);
/* The same as text, for a lab's resolved form: buf. */
const char *flood_reply_name(enum reply_kind r, uint64_t bytes, char *buf, size_t len);

#endif
