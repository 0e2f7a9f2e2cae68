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

int budget_ports_fit(uint64_t conns, uint64_t nsrc, unsigned nports, uint64_t range)
{
	return conns <= nsrc * nports * range;
}

uint64_t budget_ports_sources(uint64_t conns, unsigned nports, uint64_t per_pair)
{
	uint64_t pair = (uint64_t)nports * per_pair;
	uint64_t n = pair ? (conns + pair - 1) / pair : 1;

	return n ? n : 1;
}

uint64_t budget_share(uint64_t total, unsigned i, unsigned n)
{
	return n ? total / n + (i < total % n) : total;
}

uint64_t budget_share_cap(uint64_t total, unsigned i, unsigned n)
{
	uint64_t s = budget_share(total, i, n);

	return s ? s : 1;
}
