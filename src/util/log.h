/* SPDX-License-Identifier: MIT */
/* log.h - the one logging call; only command entry points print. */
#ifndef CONNLAB_LOG_H
#define CONNLAB_LOG_H

enum log_level { LOGL_ERROR, LOGL_WARN, LOGL_INFO, LOGL_DEBUG };

extern enum log_level log_threshold;

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
