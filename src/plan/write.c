/* SPDX-License-Identifier: MIT */
/* write.c - a plan as `connlab plan` prints it: the lab, its namespaces,
 * how the connections spread, IPv6, the memory estimate, why and what to
 * watch; and what a number of connections needs of this machine. */
#include <stdio.h>
#include <string.h>

#include "engine/budget.h"
#include "plan/plan.h"
#include "util/text.h"

/* the namespaces: the server's, the probe's, each client namespace's */
static void write_namespaces(const struct plan *p, const struct lab *lab, FILE *out)
{
	char a[16], b[16], c[32], d[32], ports[256];

	units_fmt_ports(&lab->ports, ports, sizeof(ports));
	fprintf(out, "Namespaces (named connlab-%s-NS with --keep or 'connlab up')\n", lab->name);
	if (p->server_command)
		fprintf(out,
			"  %-6s %s on lo, port %u: the server command, one process of yours (open-file limit %llu)\n",
			"srv", addr_fmt_ipv4(p->service_addr, a, sizeof(a)), lab->ports.port[0],
			(unsigned long long)p->fd_limit);
	else
		fprintf(out, "  %-6s %s on lo, ports %s, %u server %s, up to %llu sockets each\n",
			"srv", addr_fmt_ipv4(p->service_addr, a, sizeof(a)), ports,
			p->server_workers, text_plural(p->server_workers, "worker", "workers"),
			(unsigned long long)p->server_per_worker);
	fprintf(out, "  %-6s %s/30, link to srv %s; ping every %s, connect every %s\n", "probe",
		addr_fmt_ipv4(p->probe_addr, a, sizeof(a)),
		addr_fmt_ipv4(p->probe_srv, b, sizeof(b)),
		lab->ping_interval_us ? units_fmt_duration(lab->ping_interval_us, c, sizeof(c))
				      : "(off)",
		lab->connect_interval_us
			? units_fmt_duration(lab->connect_interval_us, d, sizeof(d))
			: "(off)");
	for (unsigned i = 0; i < p->namespaces; i++) {
		const struct plan_netns *netns = &p->netns[i];
		char name[16], first[16], last[16];

		snprintf(name, sizeof(name), "c%u", i);
		addr_fmt_ipv4(netns->first_addr, first, sizeof(first));
		addr_fmt_ipv4(netns->first_addr + netns->n_addr - 1, last, sizeof(last));
		fprintf(out, "  %-6s %s/30, %u %s %s%s%s, %llu %s, %u flood %s of up to %llu\n",
			name, addr_fmt_ipv4(netns->link_peer, a, sizeof(a)), netns->n_addr,
			text_plural(netns->n_addr, "address", "addresses"), first,
			netns->n_addr > 1 ? "-" : "", netns->n_addr > 1 ? last : "",
			(unsigned long long)netns->connections,
			text_plural(netns->connections, "connection", "connections"),
			netns->workers, text_plural(netns->workers, "process", "processes"),
			(unsigned long long)netns->per_worker_max);
	}
}

/* a lab over IPv6: the plan mirrored, and each family's share */
static void write_ipv6(const struct plan *p, const struct lab *lab, FILE *out)
{
	int hold = lab->client_mode == CLIENT_HOLD;
	struct addr6 s6 = plan_addr6(lab, p->service_addr),
		     c6 = plan_addr6(lab, p->netns[0].first_addr);
	char a6[64], b6[64], p6[64];
	uint64_t c6n = plan_connections6(lab, p->connections);

	fprintf(out, "\nIPv6 (lab.family = %s)\n", lab->family == FAMILY_DUAL ? "dual" : "ipv6");
	fprintf(out,
		"  the plan above, mirrored into %s/%u address for address: service %s, c0's first client address %s\n",
		addr_fmt_ipv6(&lab->pool6.addr, p6, sizeof(p6)), lab->pool6.len,
		addr_fmt_ipv6(&s6, a6, sizeof(a6)), addr_fmt_ipv6(&c6, b6, sizeof(b6)));
	fprintf(out,
		"  each link a /126, each client address a /128 routed via its link (one neighbour entry per link: the IPv6 table is global too); no duplicate address detection; no route out\n");
	fprintf(out,
		"  %llu of the %llu connections over IPv6%s; one port range (net.ipv4.ip_local_port_range) serves both families, per (source address, destination): an IPv6 pair and an IPv4 pair do not share ports\n",
		(unsigned long long)c6n, (unsigned long long)p->connections,
		lab->family == FAMILY_DUAL ? " (clients.ipv6_share), the others over IPv4" : "");
	if (lab->family == FAMILY_DUAL && hold)
		fprintf(out,
			"  so each family's pairs carry its share: at most %llu IPv6 and %llu IPv4 connections per pair\n",
			(unsigned long long)((p->per_pair_max * lab->ipv6_permille + 999) / 1000),
			(unsigned long long)((p->per_pair_max * (1000 - lab->ipv6_permille) + 999) /
					     1000));
}

void plan_write(const struct plan *p, const struct lab *lab, FILE *out)
{
	char a[16], c[32], d[32];
	int hold = lab->client_mode == CLIENT_HOLD;

	fprintf(out, "Plan for lab '%s' (%s)\n", lab->name, lab->source);
	if (hold)
		fprintf(out, "  %s connections held for %s, opened at %s, %s%s\n\n",
			units_fmt_count(p->connections, c, sizeof(c)),
			units_fmt_duration(lab->duration_us, d, sizeof(d)),
			units_fmt_rate(lab->rate, a, sizeof(a)),
			p->server_command ? "server: " : "server mode ",
			p->server_command ? lab->server_command
					  : server_mode_name(lab->server_mode));
	else
		fprintf(out,
			"  churn: %s short connections at %s for at most %s, closed first by the %s, server mode %s\n\n",
			units_fmt_count(p->connections, c, sizeof(c)),
			units_fmt_rate(lab->rate, a, sizeof(a)),
			units_fmt_duration(lab->duration_us, d, sizeof(d)),
			lab->closer == CLOSER_CLIENT ? "client" : "server",
			server_mode_name(lab->server_mode));

	write_namespaces(p, lab, out);
	fprintf(out, "\nSpread\n");
	fprintf(out, "  %u client %s x %u server %s; local ports %u-%u (%u per pair)\n",
		p->addresses, text_plural(p->addresses, "address", "addresses"), p->nports,
		text_plural(p->nports, "port", "ports"), p->port_lo, p->port_hi, p->port_range);
	if (hold)
		fprintf(out,
			"  at most %llu connections per (source address, server port) pair (fast below %d)\n",
			(unsigned long long)p->per_pair_max, BUDGET_PAIR_FAST);
	fprintf(out,
		"  %u processes: %u server%s, %u flood, 1 probe; open-file limit %llu (%llu usable per process)\n",
		p->server_workers + p->flood_workers + 1, p->server_workers,
		p->server_command ? " (your command, and what it starts)" : "", p->flood_workers,
		(unsigned long long)p->fd_limit, (unsigned long long)p->fd_usable);
	fprintf(out, "  pool %s/%u: %llu of %llu addresses used\n",
		addr_fmt_ipv4(lab->pool.addr, a, sizeof(a)), lab->pool.len,
		(unsigned long long)p->pool_used, (unsigned long long)p->pool_size);

	if (lab->family != FAMILY_IPV4)
		write_ipv6(p, lab, out);
	fprintf(out, "\nMemory estimate (measured figures come with the run)\n");
	fprintf(out,
		"  kernel %s (%.0f bytes per socket, %s; two sockets per connection in the box)\n",
		units_fmt_size(p->kernel_bytes, c, sizeof(c)), p->cost.socket_bytes,
		p->cost.measured ? "from this host's slab object sizes"
				 : "estimated: /proc/slabinfo is not readable");
	fprintf(out, "  user   %s (%d bytes per connection and %d KiB per process, measured)\n",
		units_fmt_size(p->user_bytes, c, sizeof(c)), PLAN_USER_PER_CONN,
		PLAN_USER_PER_PROCESS / 1024);
	if (p->mem_available)
		fprintf(out, "  available on this machine: %s\n",
			units_fmt_size(p->mem_available, c, sizeof(c)));

	fprintf(out, "\nWhy\n");
	for (unsigned i = 0; i < p->n_why; i++)
		fprintf(out, "  - %s\n", p->why[i]);
	if (p->n_warn)
		fprintf(out, "\nWarnings\n");
	for (unsigned i = 0; i < p->n_warn; i++)
		fprintf(out, "  ! %s\n", p->warn[i]);
}

void plan_write_needs(const struct plan *p, const struct lab *lab, FILE *out)
{
	char c[32], k[32], u[32], m[32], ports[256];
	uint64_t total = p->kernel_bytes + p->user_bytes;

	units_fmt_ports(&lab->ports, ports, sizeof(ports));
	fprintf(out, "What %s connections need on this machine (both ends on it):\n\n",
		units_fmt_count(p->connections, c, sizeof(c)));
	fprintf(out,
		"  Addresses: %u client %s and %u server %s (%s). A client address can hold\n"
		"    %u connections to each server port (local ports %u-%u); the plan keeps at most\n"
		"    %llu on each (address, port) pair, below the %d where connect() stays fast.\n",
		p->addresses, text_plural(p->addresses, "address", "addresses"), p->nports,
		text_plural(p->nports, "port", "ports"), ports, p->port_range, p->port_lo,
		p->port_hi, (unsigned long long)p->per_pair_max, BUDGET_PAIR_FAST);
	fprintf(out, "  Namespaces: %u for the clients, one for the server, one for the probe.\n",
		p->namespaces);
	fprintf(out,
		"  Processes: %u flood and %u server %s, because one process may open only\n"
		"    %llu files here (%llu usable for sockets); more files per process\n"
		"    (ulimit -Hn, LimitNOFILE=) means fewer processes.\n",
		p->flood_workers, p->server_workers,
		text_plural(p->server_workers, "process", "processes"),
		(unsigned long long)p->fd_limit, (unsigned long long)p->fd_usable);
	fprintf(out, "  Memory: about %s in the kernel and %s in the programs",
		units_fmt_size(p->kernel_bytes, k, sizeof(k)),
		units_fmt_size(p->user_bytes, u, sizeof(u)));
	if (p->mem_available)
		fprintf(out, "; %s available: %s", units_fmt_size(p->mem_available, m, sizeof(m)),
			total <= p->mem_available * 9 / 10 ? "fits" : "does NOT fit");
	fprintf(out, ".\n");
	fprintf(out, "  Sysctls, set inside the lab's namespaces only:\n");
	for (unsigned i = 0; i < lab->n_sysctl; i++)
		fprintf(out, "    %s = %s\n", lab->sysctl[i].name, lab->sysctl[i].value);
	fprintf(out,
		"  Global limits it relies on (not changed by connlab): fs.file-max, fs.nr_open\n"
		"    (at least the open-file limit above), and kernel memory for TCP (net.ipv4.tcp_mem).\n");
	for (unsigned i = 0; i < p->n_warn; i++)
		fprintf(out, "  Note: %s\n", p->warn[i]);
	fprintf(out,
		"\nThe full plan: connlab plan --set clients.connections=%s --set clients.addresses=auto\n",
		units_fmt_count(p->connections, c, sizeof(c)));
}
