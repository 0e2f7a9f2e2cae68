/* SPDX-License-Identifier: MIT */
/* counters.h - the kernel's TCP counters a run records: TcpExt of
 * /proc/net/netstat and Tcp of /proc/net/snmp, by name, in one order that
 * the sampler reads them in, result.json lists them in and
 * counters.NS.NAME expectations name them by. */
#ifndef CONNLAB_KERNEL_COUNTERS_H
#define CONNLAB_KERNEL_COUNTERS_H

#include <stddef.h>

#define KCOUNTERS_MAX 32

extern const char *const kcounters[];
extern const size_t kcounters_count;

/* The index of a counter name, or -1. */
int kcounter_index(const char *name);

#endif
