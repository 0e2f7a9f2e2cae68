/* SPDX-License-Identifier: MIT */
/* budget.h - how many sockets a process may hold under its open-file limit,
 * and how many server workers a number of sockets takes. The planner and
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

#endif
