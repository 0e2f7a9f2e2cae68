/* SPDX-License-Identifier: MIT */
/* memory.c - the slab caches a connection's kernel memory goes to, which
 * of them a socket pins, and what one socket costs. */
#include <string.h>

#include "kernel/memory.h"

/* The estimates are one object's share of its slab on Linux 6.1 to 6.18,
 * x86_64 (a slab of 8 pages holds 13 TCP sockets: 2,520 B each): 4,176 B
 * a socket, 8,352 B a connection with both ends here. */
const struct mem_cache mem_caches[MEM_CACHES] = {
	{ "TCP", MC_SOCKET, 2520 },
	{ "tw_sock_TCP", 0, 0 },
	{ "request_sock_TCP", 0, 0 },
	{ "TCPv6", 0, 0 }, /* an IPv6 socket is a struct tcp6_sock */
	{ "tw_sock_TCPv6", 0, 0 },
	{ "request_sock_TCPv6", 0, 0 },
	{ "sock_inode_cache", MC_SOCKET | MC_PINNED, 862 },
	{ "dentry", MC_SOCKET | MC_PINNED, 195 },
	/* what anything reading /proc/PID/fd leaves, an inode and a dentry
	 * a file: reclaimable for real, nothing holds them */
	{ "proc_inode_cache", 0, 0 },
	{ "filp", MC_SOCKET, 195 },
	{ "eventpoll_epi", MC_SOCKET, 128 },
	/* where the kernel has them (Linux 5.11 and later, with an LSM) */
	{ "ep_head", MC_SOCKET | MC_MAYBE, 24 },
	{ "lsm_file_cache", MC_SOCKET | MC_MAYBE, 24 },
	{ "lsm_inode_cache", MC_SOCKET | MC_MAYBE, 32 },
	{ "skbuff_head_cache", 0, 0 },
	{ "skbuff_small_head", 0, 0 },
	{ "nf_conntrack", 0, 0 },
	{ "kmalloc-*", 0, 0 },
};

/* What a socket takes besides those objects, measured with 100k
 * connections held (slabinfo before and during the hold): kmalloc'd parts
 * (162 B a connection) and its epoll wait entry (eventpoll_pwq, merged
 * into another cache on most kernels: the 186 B a connection that
 * eventpoll_epi grew beyond its objects), bytes a socket. */
#define MEM_OTHER_PER_SOCKET 175

int mem_cache_index(const char *name)
{
	for (int i = 0; i < MEM_CACHES; i++) {
		const char *want = mem_caches[i].name;
		size_t n = strlen(want);

		if (want[n - 1] == '*' ? !strncmp(name, want, n - 1) : !strcmp(name, want))
			return i;
	}
	return -1;
}

void mem_cost_of(const double object_bytes[MEM_CACHES], struct mem_cost *c)
{
	c->spare_bytes = 0;
	c->socket_bytes = MEM_OTHER_PER_SOCKET;
	c->pinned_bytes = 0;
	c->measured = 1;
	for (int i = 0; i < MEM_CACHES; i++) {
		const struct mem_cache *m = &mem_caches[i];
		double b = object_bytes && object_bytes[i] > 0 ? object_bytes[i] : m->estimate;

		if (!(m->flags & MC_SOCKET))
			continue;
		if ((!object_bytes || !(object_bytes[i] > 0)) && !(m->flags & MC_MAYBE))
			c->measured = 0;
		c->socket_bytes += b;
		if (m->flags & MC_PINNED)
			c->pinned_bytes += b;
	}
}

struct slab_read {
	double obj[MEM_CACHES];
	double spare;
};

static int on_object(const struct procfs_slab *s, void *arg)
{
	struct slab_read *sr = arg;
	int i = mem_cache_index(s->name);

	if (i >= 0 && !(sr->obj[i] > 0))
		sr->obj[i] = s->object_bytes;
	if (i >= 0 && (mem_caches[i].flags & MC_SOCKET))
		sr->spare += (double)s->spare * s->object_bytes;
	return 0;
}

void mem_cost_read(struct mem_cost *c)
{
	struct slab_read sr = { { 0 }, 0 };
	int bad = procfs_slabinfo(on_object, &sr);

	mem_cost_of(bad ? NULL : sr.obj, c);
	c->spare_bytes = bad ? 0 : sr.spare;
}

uint64_t mem_socket_estimate(void)
{
	struct mem_cost c;

	mem_cost_of(NULL, &c);
	return (uint64_t)(c.socket_bytes + 0.5);
}
