/* SPDX-License-Identifier: MIT */
/* plan.c - the planner: processes, addresses and spreading for a lab.
 *
 * Address layout inside the pool (198.18.0.0/15 by default):
 *   pool+1            the service address, on the server namespace's lo
 *   pool+4k .. +4k+3  a /30 per link: k = 1 the probe, k = 2.. the client
 *                     namespaces; server end +1, other end +2
 *   then one block per client namespace (a power of two, aligned) holding
 *   its client addresses from block+1 on. The server routes each block via
 *   the client end of its link, so the server keeps one neighbour entry
 *   per link however many client addresses there are. */
#include "plan/plan.h"
#include "lab/labfile.h"
#include "util/text.h"

#include "engine/budget.h"
#include "lab/programs.h"
#include "util/procfs.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static uint64_t div_up(uint64_t a, uint64_t b)
{
	return (a + b - 1) / b;
}

static uint64_t pow2_at_least(uint64_t v)
{
	uint64_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

static void plan_why(struct plan *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void plan_warn(struct plan *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void plan_why(struct plan *p, const char *fmt, ...)
{
	va_list ap;

	if (p->n_why == sizeof(p->why) / sizeof(p->why[0]))
		return;
	va_start(ap, fmt);
	vsnprintf(p->why[p->n_why++], sizeof(p->why[0]), fmt, ap);
	va_end(ap);
}

static void plan_warn(struct plan *p, const char *fmt, ...)
{
	va_list ap;

	if (p->n_warn == sizeof(p->warn) / sizeof(p->warn[0]))
		return;
	va_start(ap, fmt);
	vsnprintf(p->warn[p->n_warn++], sizeof(p->warn[0]), fmt, ap);
	va_end(ap);
}

struct addr6 plan_addr6(const struct lab *lab, uint32_t v4)
{
	return addr6_add(&lab->pool6.addr, v4 - lab->pool.addr);
}

uint64_t plan_connections6(const struct lab *lab, uint64_t connections)
{
	return lab->family == FAMILY_IPV6   ? connections
	       : lab->family == FAMILY_DUAL ? connections * lab->ipv6_permille / 1000
					    : 0;
}

void plan_env_read(struct plan_env *env)
{
	env->fd_limit = procfs_nofile_hard();
	env->mem_available = procfs_meminfo_kb("MemAvailable") * 1024;
	env->epoll_watches = procfs_read_u64("/proc/sys/fs/epoll/max_user_watches");
	mem_cost_read(&env->cost);
}

static int addresses_plan(const struct lab *lab, struct plan *p, char *err, size_t errlen)
{
	uint64_t C = lab->connections, P = p->nports, R = p->port_range;
	int hold = lab->client_mode == CLIENT_HOLD && lab->server_mode != SERVER_CLOSE;

	if (lab->addresses == 0) {
		uint64_t need = hold ? budget_ports_sources(C, (unsigned)P, BUDGET_PAIR_FAST) : 1;

		if (need < lab->namespaces)
			need = lab->namespaces;
		if (need > 16384) {
			snprintf(
				err, errlen,
				"%llu connections to %llu server %s would need %llu client addresses (at most 16384): add server ports (server.ports)",
				(unsigned long long)C, (unsigned long long)P,
				text_plural(P, "port", "ports"), (unsigned long long)need);
			return -EINVAL;
		}
		p->addresses = (unsigned)need;
		if (hold)
			plan_why(
				p,
				"%u client %s (auto): %llu connections / %llu server %s / %d per (address, port) pair, at least one per namespace",
				p->addresses, text_plural(p->addresses, "address", "addresses"),
				(unsigned long long)C, (unsigned long long)P,
				text_plural(P, "port", "ports"), BUDGET_PAIR_FAST);
		else
			plan_why(
				p,
				"%u client %s (auto): one per namespace; churn reuses ports as TIME_WAIT allows",
				p->addresses, text_plural(p->addresses, "address", "addresses"));
	} else {
		p->addresses = (unsigned)lab->addresses;
		if (p->addresses < lab->namespaces) {
			snprintf(
				err, errlen,
				"%u client %s cannot be spread over %llu namespaces: every namespace needs one; set clients.addresses = %llu or more, or fewer clients.namespaces",
				p->addresses, text_plural(p->addresses, "address", "addresses"),
				(unsigned long long)lab->namespaces,
				(unsigned long long)lab->namespaces);
			return -EINVAL;
		}
	}
	if (hold && !budget_ports_fit(C, p->addresses, (unsigned)P, R) && lab->beyond_ports) {
		plan_warn(
			p,
			"%llu connections but only %llu local (address, port) pairs: past them every connect() fails with EADDRNOTAVAIL (clients.beyond_ports = try)",
			(unsigned long long)C, (unsigned long long)p->addresses * P * R);
	} else if (hold && !budget_ports_fit(C, p->addresses, (unsigned)P, R)) {
		uint64_t need = budget_ports_sources(C, (unsigned)P, R);

		if (need < lab->namespaces)
			need = lab->namespaces;
		snprintf(
			err, errlen,
			"%llu connections to %llu server %s need at least %llu client %s with ports %u-%u; you have %u: set clients.addresses = %llu or more",
			(unsigned long long)C, (unsigned long long)P,
			text_plural(P, "port", "ports"), (unsigned long long)need,
			text_plural(need, "address", "addresses"), p->port_lo, p->port_hi,
			p->addresses, (unsigned long long)need);
		return -EINVAL;
	}
	return 0;
}

static int layout(const struct lab *lab, struct plan *p, char *err, size_t errlen)
{
	uint32_t base = lab->pool.addr, maxn = 0;
	uint64_t link_end, start;
	unsigned N = p->namespaces;
	char a[16];

	p->pool_size = 1ULL << (32 - lab->pool.len);
	p->service_addr = base + 1;
	p->probe_srv = base + 4 + 1;
	p->probe_addr = base + 4 + 2;
	for (unsigned i = 0; i < N; i++) {
		p->netns[i].n_addr = (uint32_t)budget_share(p->addresses, i, N);
		if (p->netns[i].n_addr > maxn)
			maxn = p->netns[i].n_addr;
	}
	p->block_size = (uint32_t)pow2_at_least(maxn + 1ULL);
	link_end = 4ULL * (N + 2);
	start = div_up(link_end, p->block_size) * p->block_size;
	p->pool_used = start + (uint64_t)N * p->block_size;
	if (p->pool_used > p->pool_size) {
		unsigned len = 32;

		while ((1ULL << (32 - len)) < p->pool_used)
			len--;
		snprintf(
			err, errlen,
			"pool %s/%u has %llu addresses; this lab needs %llu (%u client namespaces of %u addresses, links and the service address): set lab.pool to a /%u or larger",
			addr_fmt_ipv4(base, a, sizeof(a)), lab->pool.len,
			(unsigned long long)p->pool_size, (unsigned long long)p->pool_used, N,
			p->block_size, len);
		return -EINVAL;
	}
	for (unsigned i = 0; i < N; i++) {
		p->netns[i].link_srv = base + 4 * (i + 2) + 1;
		p->netns[i].link_peer = base + 4 * (i + 2) + 2;
		p->netns[i].first_addr = base + (uint32_t)start + i * p->block_size + 1;
	}
	return 0;
}

static int floods_plan(const struct lab *lab, struct plan *p, char *err, size_t errlen)
{
	unsigned N = p->namespaces;
	int hold = lab->client_mode == CLIENT_HOLD;
	uint64_t need_total = 0;

	for (unsigned i = 0; i < N; i++) {
		struct plan_netns *netns = &p->netns[i];
		uint64_t share = hold ? netns->connections : netns->inflight;

		need_total += div_up(share ? share : 1, p->fd_usable);
	}
	if (lab->client_workers == 0) {
		p->flood_workers = 0;
		for (unsigned i = 0; i < N; i++) {
			uint64_t share = hold ? p->netns[i].connections : p->netns[i].inflight;

			p->netns[i].workers = (uint32_t)div_up(share ? share : 1, p->fd_usable);
			p->flood_workers += p->netns[i].workers;
		}
		plan_why(
			p,
			"%u flood %s (auto): %s / %llu sockets per process (open-file limit %llu less headroom), at least one per namespace",
			p->flood_workers, text_plural(p->flood_workers, "process", "processes"),
			hold ? "connections per namespace" : "connects in flight",
			(unsigned long long)p->fd_usable, (unsigned long long)p->fd_limit);
	} else {
		if (lab->client_workers < N) {
			snprintf(
				err, errlen,
				"%llu flood %s for %u client namespaces: every namespace needs one; set clients.workers = %u or more, or auto",
				(unsigned long long)lab->client_workers,
				text_plural(lab->client_workers, "process", "processes"), N, N);
			return -EINVAL;
		}
		p->flood_workers = (unsigned)lab->client_workers;
		for (unsigned i = 0; i < N; i++)
			p->netns[i].workers = (uint32_t)budget_share(p->flood_workers, i, N);
	}
	for (unsigned i = 0; i < N; i++) {
		uint64_t share = hold ? p->netns[i].connections : p->netns[i].inflight;

		p->netns[i].per_worker_max = div_up(share, p->netns[i].workers);
		if (p->netns[i].per_worker_max > p->fd_usable) {
			uint64_t need = need_total;

			snprintf(
				err, errlen,
				"%llu connections need at least %llu flood processes with an open-file limit of %llu (%llu sockets each after headroom); set clients.workers = %llu or more, or auto",
				(unsigned long long)(hold ? lab->connections : lab->inflight),
				(unsigned long long)need, (unsigned long long)p->fd_limit,
				(unsigned long long)p->fd_usable, (unsigned long long)need);
			return -EINVAL;
		}
	}
	return 0;
}

/* A user's server command: what it runs and its own limit, read from the
 * command ({labdir} as the lab file's folder, for a config it names). */
static void command_plan(const struct lab *lab, struct plan *p, uint64_t sockets)
{
	char cmd[LAB_COMMAND_MAX + 300], dir[300];
	const char *at = strstr(lab->server_command, "{labdir}");
	struct prog_setting s;

	p->server_command = 1;
	p->server_workers = 1;
	p->server_per_worker = sockets;
	lab_dir(lab, dir, sizeof(dir));
	if (at)
		snprintf(cmd, sizeof(cmd), "%.*s%s%s", (int)(at - lab->server_command),
			 lab->server_command, dir, at + 8);
	else
		snprintf(cmd, sizeof(cmd), "%s", lab->server_command);
	if (programs_read(cmd, sysconf(_SC_NPROCESSORS_ONLN), &s)) {
		plan_why(
			p,
			"the server is a command: one process of yours, given the open-file limit %llu; its own limits are its own (connlab does not know this program's)",
			(unsigned long long)p->fd_limit);
		return;
	}
	if (s.where == 2)
		snprintf(p->server_program, sizeof(p->server_program),
			 "%s, whose %s is %ld (%s:%u)", s.prog->name, s.prog->setting, s.value,
			 s.file, s.line);
	else if (s.value >= 0)
		snprintf(p->server_program, sizeof(p->server_program), "%s, whose %s is %ld (%s)",
			 s.prog->name, s.prog->setting, s.value, programs_where(&s));
	else
		snprintf(p->server_program, sizeof(p->server_program),
			 "%s, whose %s is set where connlab cannot read it", s.prog->name,
			 s.prog->setting);
	plan_why(
		p,
		"the server is a command: one process of yours (%s), given the open-file limit %llu; its own limit is its own: %s",
		s.prog->name, (unsigned long long)p->fd_limit, p->server_program);
	p->server_need = s.prog->runtime ? 0 : programs_need(&s, (double)sockets);
	p->server_short = s.value >= 0 && (double)s.value * (double)s.workers < (double)sockets;
	if (p->server_short)
		plan_warn(
			p,
			"%s's %s is %ld%s, below the %llu connections asked: it will turn the rest away (set it to %ld or more)",
			s.prog->name, s.prog->setting, s.value, s.workers > 1 ? " per worker" : "",
			(unsigned long long)sockets, p->server_need);
}

static int servers_plan(const struct lab *lab, struct plan *p, char *err, size_t errlen)
{
	/* a silent server never closes: it holds every connection, churned or not */
	int holds = (lab->client_mode == CLIENT_HOLD && lab->server_mode != SERVER_NOACCEPT) ||
		    lab->server_mode == SERVER_SILENT;
	uint64_t sockets = holds ? lab->connections : lab->inflight;
	uint64_t per = budget_server_per_worker(p->fd_usable, p->nports);
	uint64_t need = budget_server_workers(sockets, p->fd_usable, p->nports);

	if (lab->server_command[0]) {
		command_plan(lab, p, sockets);
		return 0;
	}
	if (lab->server_mode == SERVER_NOACCEPT)
		need = 1;
	if (lab->server_workers == 0) {
		p->server_workers = (unsigned)need;
		plan_why(
			p,
			"%u server %s (auto): %llu sockets / %llu per worker (open-file limit %llu less headroom and %u %s, 10%% spare for SO_REUSEPORT's uneven spreading)",
			p->server_workers, text_plural(p->server_workers, "worker", "workers"),
			(unsigned long long)sockets, (unsigned long long)per,
			(unsigned long long)p->fd_limit, p->nports,
			text_plural(p->nports, "listener", "listeners"));
	} else {
		if (div_up(sockets, lab->server_workers) > p->fd_usable - p->nports) {
			snprintf(
				err, errlen,
				"%llu connections need at least %llu server workers with an open-file limit of %llu; set server.workers = %llu or more, or auto",
				(unsigned long long)sockets, (unsigned long long)need,
				(unsigned long long)p->fd_limit, (unsigned long long)need);
			return -EINVAL;
		}
		p->server_workers = (unsigned)lab->server_workers;
	}
	p->server_per_worker = div_up(sockets, p->server_workers);
	return 0;
}

/* A kill event leaves at least one worker of the built-in server. */
static int kills_plan(const struct lab *lab, const struct plan *p, char *err, size_t errlen)
{
	char at[300];

	for (unsigned i = 0; i < lab->n_event; i++) {
		const struct lab_event *e = &lab->event[i];

		if (e->kind != EVENT_KILL || lab->server_command[0] || e->count < p->server_workers)
			continue;
		lab_where(lab, e->line, at, sizeof(at));
		snprintf(
			err, errlen,
			"%s: kill %llu: the server has %u %s, and one at least must be left to take the reconnects; kill fewer, set server.workers = %llu or more, or use restart to stop them all",
			at, (unsigned long long)e->count, p->server_workers,
			p->server_workers == 1 ? "worker" : "workers",
			(unsigned long long)e->count + 1);
		return -EINVAL;
	}
	return 0;
}

static int tw_reuse(const struct lab *lab)
{
	const char *v = lab_sysctl_get(lab, "net.ipv4.tcp_tw_reuse");

	return v && !strcmp(v, "1");
}

/* churn: TIME_WAIT against the local (address, port) pairs */
static void churn_warnings(const struct lab *lab, struct plan *p)
{
	uint64_t tuples = (uint64_t)p->addresses * p->nports * p->port_range;
	uint64_t tw = lab->rate ? lab->rate * 60 : 0;

	if (!tw_reuse(lab) && lab->rate && tw > tuples)
		plan_warn(
			p,
			"churn at %llu/s leaves %llu sockets in TIME_WAIT (60 s each) but %u %s x %u %s x %u local ports give %llu: expect connect() to slow down and then fail with EADDRNOTAVAIL after about %.1f s, unless net.ipv4.tcp_tw_reuse = 1, more addresses or ports",
			(unsigned long long)lab->rate, (unsigned long long)tw, p->addresses,
			text_plural(p->addresses, "address", "addresses"), p->nports,
			text_plural(p->nports, "port", "ports"), p->port_range,
			(unsigned long long)tuples, (double)tuples / (double)lab->rate);
	else if (!lab->rate && !tw_reuse(lab))
		plan_warn(
			p,
			"churn at an unlimited rate without net.ipv4.tcp_tw_reuse = 1: TIME_WAIT will use up the %llu local (address, port) pairs",
			(unsigned long long)tuples);
}

/* What the plan warns of (slow pairs, TIME_WAIT in churn) and its memory
 * estimate. */
static void plan_estimates(const struct lab *lab, const struct plan_env *env, struct plan *p)
{
	int hold = lab->client_mode == CLIENT_HOLD;
	uint64_t sockets;

	if (hold && p->per_pair_max > BUDGET_PAIR_FAST)
		plan_warn(
			p,
			"%llu connections per (source address, server port) pair: past about 30k the kernel's search for a free port makes connect() crawl (measured here: from 15k/s to a few hundred per second); more clients.addresses or server.ports keep it fast",
			(unsigned long long)p->per_pair_max);
	if (!hold)
		churn_warnings(lab, p);
	if (lab->rate)
		plan_why(p, "ramp: %llu connections at %llu/s take at least %.1f s",
			 (unsigned long long)lab->connections, (unsigned long long)lab->rate,
			 (double)lab->connections / (double)lab->rate);

	sockets = hold ? 2 * lab->connections : 2 * lab->inflight;
	p->cost = env->cost;
	if (!(p->cost.socket_bytes > 0))
		mem_cost_of(NULL, &p->cost);
	p->kernel_bytes = sockets / 2 * mem_conn_bytes(&p->cost);
	p->user_bytes =
		sockets / 2 * PLAN_USER_PER_CONN +
		(uint64_t)(p->flood_workers + p->server_workers + 2) * PLAN_USER_PER_PROCESS;
	/* epoll watches and memory: the forecast (host/forecast.c) */
}

int plan_build(const struct lab *lab, const struct plan_env *env, struct plan *p, char *err,
	       size_t errlen)
{
	const char *range = lab_sysctl_get(lab, "net.ipv4.ip_local_port_range");
	int hold = lab->client_mode == CLIENT_HOLD;
	unsigned N = (unsigned)lab->namespaces;

	memset(p, 0, sizeof(*p));
	p->connections = lab->connections;
	p->nports = lab->ports.n;
	p->namespaces = N;
	p->fd_limit = env->fd_limit;
	p->mem_available = env->mem_available;
	p->epoll_watches = env->epoll_watches;
	if (!range || sscanf(range, "%u %u", &p->port_lo, &p->port_hi) != 2) {
		p->port_lo = 32768; /* the kernel's default */
		p->port_hi = 60999;
	}
	p->port_range = p->port_hi - p->port_lo + 1;
	if (p->fd_limit < 256) {
		snprintf(
			err, errlen,
			"the open-file limit is %llu: connlab needs at least 256 per process; raise it with ulimit -Hn or in limits.conf",
			(unsigned long long)p->fd_limit);
		return -EINVAL;
	}
	p->fd_usable = budget_fd_usable(p->fd_limit);

	if (addresses_plan(lab, p, err, errlen) || layout(lab, p, err, errlen))
		return -EINVAL;
	for (unsigned i = 0; i < N; i++) {
		struct plan_netns *netns = &p->netns[i];

		netns->connections = budget_share(lab->connections, i, N);
		netns->rate = lab->rate ? budget_share_cap(lab->rate, i, N) : 0;
		netns->inflight = budget_share_cap(lab->inflight, i, N);
		netns->per_pair_max =
			div_up(netns->connections, (uint64_t)netns->n_addr * p->nports);
		if (netns->per_pair_max > p->per_pair_max)
			p->per_pair_max = netns->per_pair_max;
	}
	if (hold && p->per_pair_max > p->port_range && !lab->beyond_ports) {
		/* uneven spreading over namespaces: ask for one address more */
		snprintf(
			err, errlen,
			"client namespace c0 would carry %llu connections per (address, server port) pair, more than the %u ports of %u-%u; set clients.addresses = %u or more",
			(unsigned long long)p->per_pair_max, p->port_range, p->port_lo, p->port_hi,
			p->addresses + N);
		return -EINVAL;
	}
	if (floods_plan(lab, p, err, errlen) || servers_plan(lab, p, err, errlen) ||
	    kills_plan(lab, p, err, errlen))
		return -EINVAL;

	plan_estimates(lab, env, p);
	return 0;
}
