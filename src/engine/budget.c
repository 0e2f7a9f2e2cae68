/* SPDX-License-Identifier: MIT */
/* budget.c - the fd-budget rules of the engines and the planner. */
#include "engine/budget.h"

uint64_t budget_fd_usable(uint64_t fd_limit)
{
	return fd_limit - (fd_limit / 20 > 32 ? fd_limit / 20 : 32);
}

uint64_t budget_server_per_worker(uint64_t fd_usable, unsigned nports)
{
	return (fd_usable - nports) * 9 / 10;
}

unsigned budget_server_workers(uint64_t sockets, uint64_t fd_usable, unsigned nports)
{
	uint64_t per = budget_server_per_worker(fd_usable, nports);

	return (unsigned)(((sockets ? sockets : 1) + per - 1) / per);
}
