/* SPDX-License-Identifier: MIT */
/* modes.c - names and parsers of the engines' modes. */
#include "engine/modes.h"

#include <errno.h>

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
