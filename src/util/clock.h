/* SPDX-License-Identifier: MIT */
/* clock.h - monotonic time in the units callers count in, and timevals
 * for libevent: the one place that calls clock_gettime. */
#ifndef CONNLAB_UTIL_CLOCK_H
#define CONNLAB_UTIL_CLOCK_H

#include <stdint.h>
#include <sys/time.h>
#include <time.h>

/* CLOCK_MONOTONIC in nanoseconds and in seconds. */
uint64_t clock_now_ns(void);
double clock_now_s(void);
/* Any clock (CLOCK_THREAD_CPUTIME_ID, ...) in seconds. */
double clock_of_s(clockid_t clock);
/* A timeval of microseconds. */
struct timeval clock_tv(uint64_t us);

#endif
