/* SPDX-License-Identifier: MIT */
/* status.h - exit statuses of every command and engine (docs/connlab.1),
 * the levels of connlab doctor's checks, and the capability bits connlab needs (linux/capability.h
 * numbers them; that header is not needed for two constants). */
#ifndef CONNLAB_UTIL_STATUS_H
#define CONNLAB_UTIL_STATUS_H

enum {
	EXIT_OK = 0,
	EXIT_EXPECT_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_CANNOT_RUN = 3,
	EXIT_INTERRUPTED = 130,
};

/* How much a check or a line of a tuning file stands in the way: the one
 * scale of connlab doctor (host checks and tuning verdicts alike). */
enum level { LEVEL_OK, LEVEL_WARN, LEVEL_BLOCKS };

static inline const char *level_name(enum level l)
{
	return l == LEVEL_BLOCKS ? "blocks" : l == LEVEL_WARN ? "warn" : "ok";
}

#define CAP_BIT_NET_ADMIN 12
#define CAP_BIT_SYS_ADMIN 21

#endif
