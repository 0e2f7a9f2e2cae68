/* SPDX-License-Identifier: MIT */
/* procfs.h - what connlab reads of /proc and of its own limits: one reader
 * for /proc/meminfo, one for the open-file limit, one for Pss. */
#ifndef CONNLAB_UTIL_PROCFS_H
#define CONNLAB_UTIL_PROCFS_H

#include <stdint.h>
#include <sys/types.h>

/* A /proc/meminfo field ("MemAvailable", "Slab") in kB; 0 when absent. */
uint64_t procfs_meminfo_kb(const char *key);
/* The field of a /proc/meminfo text, for tests; 0 when absent. */
uint64_t procfs_meminfo_parse(const char *text, const char *key);

/* RLIMIT_NOFILE: the hard limit (RLIM_INFINITY as 1048576, 1024 when it
 * cannot be read) and the soft limit. */
uint64_t procfs_nofile_hard(void);
uint64_t procfs_nofile_soft(void);
/* Raises the soft limit to the hard limit; returns the limit now in force. */
uint64_t procfs_nofile_raise(void);

/* Resident memory of the calling process (statm), in bytes. */
uint64_t procfs_rss_self(void);
/* Pss (smaps_rollup) of pid, and of pid with all its descendants. */
uint64_t procfs_pss(pid_t pid);
uint64_t procfs_pss_tree(pid_t pid);

#endif
