/* SPDX-License-Identifier: MIT */
/* sources.c - whether this host can run a flood: its source addresses are
 * here (a bind to each), the connections fit the local ports and the
 * open-file limit (host.h). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/budget.h"
#include "host/host.h"
#include "util/procfs.h"
#include "util/units.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

static int local_port_range(unsigned *lo, unsigned *hi)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "%u %u", lo, hi);
	fclose(f);
	return n == 2 ? 0 : -1;
}

int host_flood_fits(struct flood_cfg *cfg, int beyond, uint64_t *workersp, char *err, size_t errlen)
{
	uint64_t workers = *workersp, usable;
	unsigned lo, hi;

	/* each family has its own pairs of (source address, server port),
	 * from the one port range (net.ipv4.ip_local_port_range holds for
	 * IPv6 too) */
	for (int six = 0; six < 2; six++) {
		size_t nsrc = six ? cfg->nsrc6 : cfg->nsrc;
		uint64_t conns =
			!cfg->has4 || !cfg->has6
				? cfg->connections
				: (six ? cfg->connections * cfg->ipv6_permille / 1000
				       : cfg->connections -
						   cfg->connections * cfg->ipv6_permille / 1000);

		if (!(six ? cfg->has6 : cfg->has4))
			continue;
		if (cfg->mode == CLIENT_HOLD && !beyond && local_port_range(&lo, &hi) == 0 &&
		    !budget_ports_fit(conns, nsrc, cfg->ports.n, hi - lo + 1)) {
			snprintf(
				err, errlen,
				"%llu connections over %zu %ssource %s and %u server %s need more local ports than the %u of %u-%u: use at least %llu source addresses",
				(unsigned long long)conns, nsrc, six ? "IPv6 " : "",
				nsrc == 1 ? "address" : "addresses", cfg->ports.n,
				cfg->ports.n == 1 ? "port" : "ports", hi - lo + 1, lo, hi,
				(unsigned long long)budget_ports_sources(conns, cfg->ports.n,
									 hi - lo + 1));
			return -1;
		}
	}
	cfg->fd_limit = procfs_nofile_raise();
	usable = budget_fd_usable(cfg->fd_limit);
	if (!workers) {
		uint64_t sockets = cfg->mode == CLIENT_HOLD ? cfg->connections : cfg->inflight;

		workers = (sockets + usable - 1) / usable;
	} else if (cfg->mode == CLIENT_HOLD &&
		   (cfg->connections + workers - 1) / workers > usable) {
		snprintf(
			err, errlen,
			"%llu connections need at least %llu flood workers with an open-file limit of %llu; use --workers %llu or auto",
			(unsigned long long)cfg->connections,
			(unsigned long long)((cfg->connections + usable - 1) / usable),
			(unsigned long long)cfg->fd_limit,
			(unsigned long long)((cfg->connections + usable - 1) / usable));
		return -1;
	}
	*workersp = workers;
	return 0;
}

/* sa is not on this host: a bind to it (port 0, as the flood binds)
 * fails with EADDRNOTAVAIL */
static int absent(const struct sockaddr *sa, socklen_t len)
{
	int one = 1, gone = 0, fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0) {
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		gone = bind(fd, sa, len) < 0 && errno == EADDRNOTAVAIL;
		close(fd);
	}
	return gone;
}

size_t host_sources_missing(const struct flood_cfg *cfg, char *buf, size_t len)
{
	size_t missing = 0, o = 0;
	uint32_t run_lo = 0, run_hi = 0;
	int in_run = 0;

	buf[0] = 0;
	for (size_t i = 0; i <= cfg->nsrc; i++) {
		int gone = 0;

		if (i < cfg->nsrc && cfg->src[i]) {
			struct sockaddr_in sa = { .sin_family = AF_INET,
						  .sin_addr.s_addr = htonl(cfg->src[i]) };

			gone = absent((struct sockaddr *)&sa, sizeof(sa));
		}
		if (gone) {
			missing++;
			if (in_run && cfg->src[i] == run_hi + 1) {
				run_hi = cfg->src[i];
				continue;
			}
		}
		if (in_run && o < len) { /* the run before this address ends */
			char a[16], b[16];

			o += (size_t)snprintf(
				buf + o, len - o, "%s%s%s%s", o ? "," : "",
				addr_fmt_ipv4(run_lo, a, sizeof(a)), run_hi != run_lo ? "-" : "",
				run_hi != run_lo ? addr_fmt_ipv4(run_hi, b, sizeof(b)) : "");
			in_run = 0;
		}
		if (gone) {
			run_lo = run_hi = cfg->src[i];
			in_run = 1;
		}
	}
	for (size_t i = 0; i < cfg->nsrc6 && cfg->has6; i++) {
		struct sockaddr_in6 sa = { .sin6_family = AF_INET6 };

		memcpy(&sa.sin6_addr, cfg->src6[i].b, 16);
		if (absent((struct sockaddr *)&sa, sizeof(sa))) {
			char a[INET6_ADDRSTRLEN];

			if (missing++ < 8 && o < len)
				o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? "," : "",
						      addr_fmt_ipv6(&cfg->src6[i], a, sizeof(a)));
		}
	}
	if (o >= len && len > 4)
		strcpy(buf + len - 4, "...");
	return missing;
}
