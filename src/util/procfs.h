/* SPDX-License-Identifier: MIT */
/* procfs.h - what connlab reads of /proc and of its own limits: one reader
 * for /proc/meminfo, one for the open-file limit, one for Pss. */
#ifndef CONNLAB_UTIL_PROCFS_H
#define CONNLAB_UTIL_PROCFS_H

#include <stdint.h>
#include <sys/types.h>

/* The start of a small file (at most len - 1 bytes, NUL-terminated): its
 * length, or -errno. */
long procfs_read_text(const char *path, char *buf, size_t len);

/* A /proc/meminfo field ("MemAvailable", "Slab") in kB; 0 when absent. */
uint64_t procfs_meminfo_kb(const char *key);
/* The field of a /proc/meminfo text, for tests; 0 when absent. */
uint64_t procfs_meminfo_parse(const char *text, const char *key);

/* A number from a /proc file such as /proc/sys/fs/epoll/max_user_watches;
 * 0 when it cannot be read. */
uint64_t procfs_read_u64(const char *path);

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

/* Another process, as the launcher watches the lab's processes: its
 * open files (-1 when it cannot be read), its soft RLIMIT_NOFILE
 * (/proc/PID/limits; 0 unknown, RLIM_INFINITY as UINT64_MAX), its peak
 * resident memory in bytes (VmHWM), its command name. */
int64_t procfs_fds(pid_t pid);
uint64_t procfs_nofile_of(pid_t pid);
uint64_t procfs_hwm(pid_t pid);
int procfs_comm(pid_t pid, char *buf, size_t len);
/* The process's state letter from /proc/PID/stat (R, S, D, T stopped, t
 * traced, Z...), 0 when it cannot be read. */
char procfs_state(pid_t pid);
/* pid's children (not deeper): up to max into out; their number. */
unsigned procfs_children(pid_t pid, pid_t *out, unsigned max);

/* /proc/slabinfo (root only): for each cache, its name, objects in use,
 * the memory of its slabs in bytes and what one object takes of a slab
 * (its slab's bytes over the objects it holds); fn's non-zero return
 * stops. The text parser is separate for tests. 0, or -errno when it
 * cannot be read. */
struct procfs_slab {
	const char *name;
	uint64_t objects, bytes;
	double object_bytes;
	uint64_t spare; /* objects allocated and free: room without new slabs */
};
typedef int (*procfs_slab_fn)(const struct procfs_slab *s, void *arg);
int procfs_slabinfo(procfs_slab_fn fn, void *arg);
int procfs_slabinfo_parse(const char *text, procfs_slab_fn fn, void *arg);

#endif
