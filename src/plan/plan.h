/* SPDX-License-Identifier: MIT */
/* plan.h - from a lab to a plan: how many processes on each side, which
 * addresses in which namespace, how the connections spread over source
 * addresses, server ports and namespaces, what it costs in memory, and
 * why. A plan that cannot work is refused with the computed fix. */
#ifndef CONNLAB_PLAN_H
#define CONNLAB_PLAN_H

#include <stdint.h>
#include <stdio.h>

#include "kernel/memory.h"
#include "lab/lab.h"
#include "util/compiler.h"

/* Measured costs (docs/performance.md, docs/doctor.md). Kernel memory per
 * connection: kernel/memory.h, from this host's slab object sizes where
 * slabinfo is readable. User memory: 24 bytes per
 * connection (Pss of every process at 1M), and at most about 250 KB of
 * Pss per process before its first connection (3.99 MB for the 16
 * processes of c100k-keepalive, 9.66 MB for the 121 of c1m: shared pages
 * divide). TCP memory (sockstat "mem", pages): held idle connections keep
 * almost none (25 pages for 100k, under 25k for 1M during the ramp); the
 * peak is the drain, when every connection closes at once: 29209 pages
 * for 100k, 513305 for 1M (the estimate takes the larger per connection). */
#define PLAN_USER_PER_CONN 24
#define PLAN_USER_PER_PROCESS (256 * 1024)
#define PLAN_TCP_PAGES_PER_CONN_DRAIN 0.52
#define PLAN_NETNS_MAX 256

struct plan_env {
	uint64_t fd_limit;	/* hard RLIMIT_NOFILE the children may raise to */
	uint64_t mem_available; /* bytes, 0: unknown */
	uint64_t epoll_watches; /* fs.epoll.max_user_watches, 0: unknown */
	struct mem_cost cost;	/* one socket's kernel memory; 0: the estimates */
};

struct plan_netns {
	uint32_t link_srv, link_peer; /* the /30 between it and the server */
	uint32_t first_addr, n_addr;  /* client addresses, consecutive */
	uint64_t connections;
	uint64_t rate;	   /* connects a second, 0: unlimited */
	uint64_t inflight; /* connects in progress at once */
	uint32_t workers;
	uint64_t per_worker_max;
	uint64_t per_pair_max;
};

struct plan {
	uint64_t connections;
	unsigned nports;
	unsigned port_lo, port_hi, port_range;
	uint32_t service_addr;
	uint32_t probe_srv, probe_addr;
	uint32_t block_size; /* addresses reserved per client namespace */
	uint64_t pool_used, pool_size;
	unsigned addresses, namespaces;
	unsigned flood_workers, server_workers;
	uint64_t fd_limit, fd_usable;
	uint64_t server_per_worker;
	/* a user's server command: one process of its own (the program's
	 * limits are its own); its program and setting, when connlab knows it */
	int server_command;
	char server_program[400];
	long server_need; /* its setting for the connections asked; 0: not known */
	int server_short; /* its setting is below them */
	uint64_t per_pair_max;
	uint64_t kernel_bytes, user_bytes, mem_available;
	struct mem_cost cost;	/* what one socket costs the kernel here */
	uint64_t epoll_watches; /* fs.epoll.max_user_watches, 0: unknown */
	unsigned n_why, n_warn;
	char why[8][240];
	char warn[8][320];
	struct plan_netns netns[PLAN_NETNS_MAX];
};

/* The IPv6 twin of a lab address: lab.pool6 plus the address's offset in
 * lab.pool (the IPv6 plan mirrors the IPv4 one: a /30 link is a /126, a
 * /32 a /128). */
struct addr6 plan_addr6(const struct lab *lab, uint32_t v4);
/* The lab's connections over IPv6 (dual: its share; ipv6: all). */
uint64_t plan_connections6(const struct lab *lab, uint64_t connections);

/* Reads the open-file hard limit, MemAvailable, the epoll cap and what a
 * socket costs the kernel on this machine. */
void plan_env_read(struct plan_env *env);

/* 0, or -EINVAL with the reason and the fix in err. */
WUR int plan_build(const struct lab *lab, const struct plan_env *env, struct plan *p, char *err,
		   size_t errlen);

void plan_write(const struct plan *p, const struct lab *lab, FILE *out);
/* The same in plain words: what N connections need on this machine. */
void plan_write_needs(const struct plan *p, const struct lab *lab, FILE *out);

#endif
