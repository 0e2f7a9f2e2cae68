/* log.c - messages to stderr, prefixed with the program name and level. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

enum log_level log_threshold = LOG_INFO;

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const prefix[] = {
		[LOG_ERROR] = "connlab: error: ",
		[LOG_WARN] = "connlab: warning: ",
		[LOG_INFO] = "connlab: ",
		[LOG_DEBUG] = "connlab: debug: ",
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
