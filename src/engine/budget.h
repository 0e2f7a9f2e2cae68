/* SPDX-License-Identifier: MIT */
/* budget.h - how many sockets a process may hold under its open-file limit,
 * how many server workers a number of sockets takes, and how a total is
 * shared. The planner and
 * the engines apply the same rules, so a plan is what the engines do. */
#ifndef CONNLAB_ENGINE_BUDGET_H
#define CONNLAB_ENGINE_BUDGET_H

#include <stdint.h>

/* Sockets one process may hold under an open-file limit, leaving
 * headroom (5%, at least 32) for pipes, listeners and the event loop. */
uint64_t budget_fd_usable(uint64_t fd_limit);
/* Connections one server worker takes: its usable limit less its
 * listeners, with 10% spare since SO_REUSEPORT spreads by hash. */
uint64_t budget_server_per_worker(uint64_t fd_usable, unsigned nports);
/* Server workers for a number of sockets. */
unsigned budget_server_workers(uint64_t sockets, uint64_t fd_usable, unsigned nports);

/* Connections per (source address, server port) pair that stay fast: past
 * ~30k the kernel's search for a free local port makes connect() crawl
 * (measured here: 15k/s down to a few hundred per second). */
#define BUDGET_PAIR_FAST 16000
/* The port budget, in one place for the planner, the doctor and the
 * flood: do conns fit nsrc source addresses x nports server ports x range
 * local ports (one connection a local port per pair)? */
int budget_ports_fit(uint64_t conns, uint64_t nsrc, unsigned nports, uint64_t range);
/* The source addresses conns need over nports server ports at per_pair
 * connections a pair (the range, or BUDGET_PAIR_FAST), at least 1. */
uint64_t budget_ports_sources(uint64_t conns, unsigned nports, uint64_t per_pair);

/* The one rule for sharing a total over n parts (connections, rate and
 * addresses over namespaces, hosts, processes and workers): part i of n
 * gets total / n, and the first total % n one more, so the parts add up
 * to the total. */
uint64_t budget_share(uint64_t total, unsigned i, unsigned n);
/* A cap shared the same way (connects in flight), at least 1 a part: a
 * part with none could never connect. */
uint64_t budget_share_cap(uint64_t total, unsigned i, unsigned n);

#endif
