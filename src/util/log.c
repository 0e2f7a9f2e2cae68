/* SPDX-License-Identifier: MIT */
/* log.c - messages to stderr, prefixed with the program name and level. */
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>

enum log_level log_threshold = LOGL_INFO;

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const prefix[] = {
		[LOGL_ERROR] = "connlab: error: ",
		[LOGL_WARN] = "connlab: warning: ",
		[LOGL_INFO] = "connlab: ",
		[LOGL_DEBUG] = "connlab: debug: ",
	};
	va_list ap;

	if (level > log_threshold)
		return;
	fputs(prefix[level], stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
