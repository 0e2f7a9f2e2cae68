/* SPDX-License-Identifier: MIT */
/* fleet.c - planning a fleet of load hosts. */
#include "plan/fleet.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/budget.h"
#include "plan/plan.h"
#include "util/units.h"

/* The hosts' local port range is theirs; the planner assumes a widened
 * one (1024-65535), as docs/fleet.md asks, and each flood checks its own. */
#define HOST_PORTS (65535 - 1024 + 1)

unsigned fleet_hosts_needed(uint64_t connections, unsigned nports, uint64_t fd_limit,
			    uint64_t mem_available, char *why, size_t whylen)
{
	/* a load host holds client ends only: kernel memory per socket,
	 * user memory per connection and per process, and it keeps half of
	 * what is available for everything else */
	uint64_t usable = budget_fd_usable(fd_limit);
	uint64_t per_conn = mem_socket_estimate() + PLAN_USER_PER_CONN +
			    PLAN_USER_PER_PROCESS / (usable ? usable : 1);
	uint64_t fit = mem_available ? mem_available / 2 / per_conn : 0;
	unsigned hosts;
	char a[32], b[32];

	(void)nports;
	if (!fit) {
		snprintf(why, whylen, "this machine's available memory is unknown");
		return 1;
	}
	hosts = (unsigned)((connections + fit - 1) / fit);
	if (!hosts)
		hosts = 1;
	snprintf(
		why, whylen,
		"a host like this one holds about %s connections in half of its %s available (%u bytes of kernel and user memory each)",
		units_fmt_count(fit, a, sizeof(a)), units_fmt_size(mem_available, b, sizeof(b)),
		(unsigned)per_conn);
	return hosts;
}

void fleet_plan_free(struct fleet_plan *fp)
{
	free(fp->host);
	fp->host = NULL;
	fp->nhosts = 0;
}

/* A host's sources: how many, of the target's family. */
static int sources_parse(const char *s, int six, size_t *n, char *why, size_t len)
{
	int s6;

	if (addr_count_list(s, 65536, &s6, n, why, len))
		return -EINVAL;
	if (s6 != six) {
		snprintf(
			why, len,
			"%s addresses for an %s fleet.target: the sources must be of the target's family",
			s6 ? "IPv6" : "IPv4", six ? "IPv6" : "IPv4");
		return -EINVAL;
	}
	return 0;
}

/* Host i's share: its connections and rate, its sources, the processes
 * its limits take and its memory; 0, or -EINVAL with why in err. */
static int host_plan(const struct lab *lab, struct fleet_plan *fp, unsigned i, const char *name,
		     int paper, uint64_t usable, char *err, size_t errlen)
{
	struct fleet_host_plan *h = &fp->host[i];
	uint64_t pairs, sockets;
	size_t n = 1;
	char why[200];

	snprintf(h->name, sizeof(h->name), "%s", name);
	h->rank = i;
	h->connections = budget_share(lab->connections, i, fp->nhosts);
	h->rate = lab->rate ? budget_share_cap(lab->rate, i, fp->nhosts) : 0;
	if (lab->fleet.sources[0] &&
	    (hostlist_subst(lab->fleet.sources, h->name, i, h->sources, sizeof(h->sources)) ||
	     sources_parse(h->sources, fp->six, &n, why, sizeof(why)))) {
		snprintf(err, errlen, "fleet.sources for host %s (rank %u): %s", h->name, i, why);
		return -EINVAL;
	}
	h->nsrc = n;
	pairs = (uint64_t)n * lab->ports.n;
	h->per_pair_max = (h->connections + pairs - 1) / pairs;
	h->sources_needed = budget_ports_sources(h->connections, lab->ports.n, BUDGET_PAIR_FAST);
	if (!paper && lab->client_mode == CLIENT_HOLD && !lab->beyond_ports &&
	    !budget_ports_fit(h->connections, n, lab->ports.n, HOST_PORTS)) {
		snprintf(
			err, errlen,
			"host %s: %llu connections over %zu source %s and %u server %s need more local ports than 1024-65535 give: give it at least %llu source addresses in fleet.sources (such as %s)",
			h->name, (unsigned long long)h->connections, n,
			n == 1 ? "address" : "addresses", lab->ports.n,
			lab->ports.n == 1 ? "port" : "ports",
			(unsigned long long)budget_ports_sources(h->connections, lab->ports.n,
								 HOST_PORTS),
			fp->six ? "2001:db8:%n::1-2001:db8:%n::8" : "10.1.%n.0/24");
		return -EINVAL;
	}
	sockets = lab->client_mode == CLIENT_HOLD ? h->connections
						  : budget_share_cap(lab->inflight, i, fp->nhosts);
	h->floods = (unsigned)((sockets + usable - 1) / usable);
	if (lab->client_workers && lab->client_workers > h->floods)
		h->floods = (unsigned)lab->client_workers;
	h->kernel_bytes = h->connections * mem_socket_estimate();
	h->user_bytes = h->connections * PLAN_USER_PER_CONN + h->floods * PLAN_USER_PER_PROCESS;
	if (!paper && h->per_pair_max > BUDGET_PAIR_FAST && fp->n_warn < 4)
		snprintf(
			fp->warn[fp->n_warn++], sizeof(fp->warn[0]),
			"host %s: %llu connections per (source address, server port) pair: past ~30k connect() crawls; give it %llu or more source addresses",
			h->name, (unsigned long long)h->per_pair_max,
			(unsigned long long)h->sources_needed);
	return 0;
}

int fleet_plan_build(const struct lab *lab, uint64_t fd_limit, int paper, struct fleet_plan *fp,
		     char *err, size_t errlen)
{
	struct hostlist hl;
	uint64_t usable = budget_fd_usable(fd_limit);
	char why[200];

	memset(fp, 0, sizeof(*fp));
	if (!lab_is_fleet(lab)) {
		snprintf(
			err, errlen,
			"%s has no [fleet] hosts: name the load hosts with fleet.hosts (docs/fleet.md)",
			lab->source);
		return -EINVAL;
	}
	if (hostlist_expand(lab->fleet.hosts, &hl, why, sizeof(why))) {
		snprintf(err, errlen, "fleet.hosts: %s", why);
		return -EINVAL;
	}
	if (addr_parse(lab->fleet.target, &fp->six, &fp->target, &fp->target6, why, sizeof(why))) {
		hostlist_free(&hl);
		snprintf(err, errlen, "fleet.target: %s", why);
		return -EINVAL;
	}
	if (fp->six)
		addr_fmt_ipv6(&fp->target6, fp->target_text, sizeof(fp->target_text));
	else
		addr_fmt_ipv4(fp->target, fp->target_text, sizeof(fp->target_text));
	if (hl.n > lab->connections) {
		snprintf(
			err, errlen,
			"%zu hosts for %llu connections leave some hosts none: name at most %llu hosts, or set clients.connections = %zu or more",
			hl.n, (unsigned long long)lab->connections,
			(unsigned long long)lab->connections, hl.n);
		hostlist_free(&hl);
		return -EINVAL;
	}
	fp->host = calloc(hl.n, sizeof(*fp->host));
	if (!fp->host) {
		hostlist_free(&hl);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	fp->nhosts = (unsigned)hl.n;
	fp->connections = lab->connections;
	fp->fd_limit = fd_limit;
	for (unsigned i = 0; i < fp->nhosts; i++)
		if (host_plan(lab, fp, i, hl.name[i], paper, usable, err, errlen)) {
			hostlist_free(&hl);
			fleet_plan_free(fp);
			return -EINVAL;
		}
	fp->server_kernel_bytes = lab->connections * mem_socket_estimate();
	hostlist_free(&hl);
	return 0;
}

void fleet_plan_write(const struct fleet_plan *fp, const struct lab *lab, FILE *out)
{
	char a[32], b[32], c[32];
	unsigned shown = fp->nhosts > 12 ? 10 : fp->nhosts;

	fprintf(out, "\nFleet: %s connections from %u load %s to %s port%s ",
		units_fmt_count(fp->connections, a, sizeof(a)), fp->nhosts,
		fp->nhosts == 1 ? "host" : "hosts", fp->target_text, lab->ports.n > 1 ? "s" : "");
	units_fmt_ports(&lab->ports, a, sizeof(a));
	fprintf(out, "%s over pdsh -R %s%s%s\n", a,
		lab->fleet.transport == FLEET_EXEC ? "exec" : "ssh",
		lab->fleet.transport == FLEET_EXEC ? " with: " : "",
		lab->fleet.transport == FLEET_EXEC ? lab->fleet.exec : "");
	fprintf(out, "  %-16s %4s %11s %10s %8s %8s %9s %7s %10s %10s\n", "host", "rank",
		"connections", "rate", "sources", "needed", "per pair", "floods", "kernel", "user");
	for (unsigned i = 0; i < fp->nhosts; i++) {
		const struct fleet_host_plan *h = &fp->host[i];
		char r[32], k[32], u[32];

		if (i == shown && shown < fp->nhosts) {
			fprintf(out, "  ... %u more, alike\n", fp->nhosts - shown - 1);
			i = fp->nhosts - 1;
			h = &fp->host[i];
		}
		fprintf(out, "  %-16s %4u %11llu %10s %8llu %8llu %9llu %7u %10s %10s\n", h->name,
			h->rank, (unsigned long long)h->connections,
			h->rate ? units_fmt_rate(h->rate, r, sizeof(r)) : "unlimited",
			(unsigned long long)h->nsrc, (unsigned long long)h->sources_needed,
			(unsigned long long)h->per_pair_max, h->floods,
			units_fmt_size(h->kernel_bytes, k, sizeof(k)),
			units_fmt_size(h->user_bytes, u, sizeof(u)));
		if (h->sources[0] && (i < 3 || i == fp->nhosts - 1))
			fprintf(out, "  %-16s      sources %s\n", "", h->sources);
	}
	fprintf(out,
		"  needed: source addresses for at most %d connections per (source address, server port) pair\n"
		"  floods per host for an open-file limit of %llu (each host's own is checked before the run);\n"
		"  kernel: %llu bytes per client socket (slab object sizes of Linux 6.x); the server host holds the other ends\n",
		BUDGET_PAIR_FAST, (unsigned long long)fp->fd_limit,
		(unsigned long long)mem_socket_estimate());
	if (lab->fleet.server_host[0])
		fprintf(out, "  server host %s: %s, about %s of kernel memory for %s connections\n",
			lab->fleet.server_host,
			lab->fleet.server == FLEET_SERVER_START ? "connlab server started there"
								: "your server, running",
			units_fmt_size(fp->server_kernel_bytes, b, sizeof(b)),
			units_fmt_count(fp->connections, c, sizeof(c)));
	else
		fprintf(out,
			"  the service at %s is yours; name fleet.server_host to sample its kernel too\n",
			fp->target_text);
	for (unsigned i = 0; i < fp->n_warn; i++)
		fprintf(out, "  warning: %s\n", fp->warn[i]);
}
