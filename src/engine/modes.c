/* SPDX-License-Identifier: MIT */
/* modes.c - names and parsers of the engines' modes. */
#include "engine/modes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/suggest.h"

const char *const server_mode_names[5] = { "keepalive", "echo", "close", "silent", "noaccept" };
const char *const client_mode_names[2] = { "hold", "churn" };
const char *const closer_names[2] = { "client", "server" };

const char *server_mode_name(enum server_mode m)
{
	return server_mode_names[m];
}

const char *client_mode_name(enum client_mode m)
{
	return client_mode_names[m];
}

const char *closer_name(enum closer c)
{
	return closer_names[c];
}

#define CHOICE_PARSE(fn, type, names)                                                              \
	int fn(const char *v, type *out, char *err, size_t errlen)                                 \
	{                                                                                          \
		int i;                                                                             \
                                                                                                   \
		if (suggest_choice(v, names, ARRAY_LEN(names), &i, err, errlen))                   \
			return -EINVAL;                                                            \
		*out = (type)i;                                                                    \
		return 0;                                                                          \
	}

CHOICE_PARSE(server_mode_parse, enum server_mode, server_mode_names)
CHOICE_PARSE(client_mode_parse, enum client_mode, client_mode_names)
CHOICE_PARSE(closer_parse, enum closer, closer_names)

int flood_reply_parse(const char *v, enum reply_kind *r, uint64_t *bytes, char *err, size_t errlen)
{
	char *end;

	*bytes = 0;
	if (!strcmp(v, "line"))
		*r = REPLY_LINE;
	else if (!strcmp(v, "close"))
		*r = REPLY_CLOSE;
	else if (!strcmp(v, "none"))
		*r = REPLY_NONE;
	else if (!strncmp(v, "bytes:", 6) && v[6] >= '1' && v[6] <= '9' &&
		 (*bytes = strtoull(v + 6, &end, 10)) > 0 && !*end && *bytes <= 1U << 30)
		*r = REPLY_BYTES;
	else {
		snprintf(
			err, errlen,
			"'%s' is not a reply: line (a newline ends it), bytes:N (N bytes), close (the server closes) or none",
			v);
		return -EINVAL;
	}
	return 0;
}

const char *flood_reply_name(enum reply_kind r, uint64_t bytes, char *buf, size_t len)
{
	if (r == REPLY_BYTES)
		snprintf(buf, len, "bytes:%llu", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%s",
			 r == REPLY_LINE    ? "line"
			 : r == REPLY_CLOSE ? "close"
					    : "none");
	return buf;
}
