/* SPDX-License-Identifier: MIT */
/* memory.h - what a held connection costs the kernel, and the memory the
 * lab's floor is judged on. A held TCP socket is one object in each of the
 * per-socket slab caches (its sock, inode, dentry, file and epoll entry).
 * Two of them, the inode and the dentry, are reclaimable slab: the kernel
 * counts them in MemAvailable, but no reclaim can free them while the
 * socket is open. At a million connections that is over 2 GiB that
 * MemAvailable offers and the host cannot have: the floor is judged on
 * MemAvailable less what the lab's sockets pin. */
#ifndef CONNLAB_KERNEL_MEMORY_H
#define CONNLAB_KERNEL_MEMORY_H

#include <stdint.h>

#include "util/procfs.h"

enum {
	MC_SOCKET = 1, /* one object for each open socket */
	MC_PINNED = 2, /* reclaimable, counted as available, held by open sockets */
	MC_MAYBE = 4,  /* not on every kernel: its estimate stands in */
};

struct mem_cache {
	const char *name; /* "kmalloc-*": every cache of that prefix */
	unsigned flags;
	double estimate; /* one object's share of its slab where slabinfo is not readable */
};

#define MEM_CACHES 18
extern const struct mem_cache mem_caches[MEM_CACHES];

/* The index of a slab cache in mem_caches, or -1. */
int mem_cache_index(const char *name);

/* What one socket costs, from this host's object sizes or the estimates. */
struct mem_cost {
	double socket_bytes; /* kernel memory of one held socket */
	double pinned_bytes; /* of that, reclaimable slab it pins */
	int measured;	     /* from /proc/slabinfo's object sizes */
	/* free objects in the per-socket caches (left by an earlier run, not
	 * yet given back): sockets take them before MemAvailable falls */
	double spare_bytes;
};

/* The cost from each cache's object size (0: not known, the estimate
 * stands); measured when every per-socket cache was known. */
void mem_cost_of(const double object_bytes[MEM_CACHES], struct mem_cost *c);
/* The same from /proc/slabinfo, or the estimates where it cannot be read
 * (rootless). */
void mem_cost_read(struct mem_cost *c);

/* The kernel memory of one lab process beyond its own pages: the
 * anon_vma_chain of its mappings (measured: 25.6 MB for the 24 processes
 * of 200k held, 128 B a connection), bytes. */
#define MEM_KERNEL_PER_PROCESS (1024 * 1024)

/* One socket's kernel memory by the estimates (another host's), bytes. */
uint64_t mem_socket_estimate(void);

/* Kernel memory per connection with both ends on this host, bytes. */
static inline uint64_t mem_conn_bytes(const struct mem_cost *c)
{
	return (uint64_t)(2 * c->socket_bytes + 0.5);
}

/* The figure the floor is judged on: MemAvailable less the slab the
 * lab's sockets pin (never below 0). */
static inline uint64_t mem_usable(uint64_t available, uint64_t pinned)
{
	return available > pinned ? available - pinned : 0;
}

#endif
