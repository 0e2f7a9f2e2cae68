/* SPDX-License-Identifier: MIT */
/* fleet.h - a fleet on paper: how clients.connections spread over load
 * hosts (pdsh's rank order), each host's source addresses (fleet.sources
 * with %n and %h), the processes its open-file limit needs, and what it
 * costs in memory; refused with the fix when a host's addresses cannot
 * carry its share. Used by connlab plan and by connlab fleet. */
#ifndef CONNLAB_PLAN_FLEET_H
#define CONNLAB_PLAN_FLEET_H

#include <stdint.h>
#include <stdio.h>

#include "lab/lab.h"
#include "util/compiler.h"
#include "lab/hostlist.h"
#include "util/units.h"

struct fleet_host_plan {
	char name[HOSTNAME_MAX];
	unsigned rank;
	uint64_t connections, rate;	    /* rate 0: unlimited */
	char sources[LAB_COMMAND_MAX + 16]; /* fleet.sources for this host, "" */
	uint64_t nsrc;			    /* addresses in sources (1: the kernel's) */
	uint64_t per_pair_max;		    /* connections per (source, port) pair */
	uint64_t sources_needed;	    /* for at most 16k per pair */
	unsigned floods;		    /* flood processes for the fd limit */
	uint64_t kernel_bytes, user_bytes;  /* the host's estimate */
};

struct fleet_plan {
	unsigned nhosts;
	struct fleet_host_plan *host; /* malloc'd: fleet_plan_free */
	uint32_t target;	      /* IPv4, or: */
	int six;		      /* over IPv6: fleet.target is an IPv6 address */
	struct addr6 target6;	      /* (the sources are of the same family) */
	char target_text[48];	      /* the target as the hosts are given it */
	uint64_t connections;
	uint64_t fd_limit; /* the limit assumed for every host */
	uint64_t server_kernel_bytes;
	unsigned n_warn;
	char warn[4][320];
};

/* The least number of hosts like this one (fd_limit, mem_available bytes)
 * that N connections need, with the reason in why. */
unsigned fleet_hosts_needed(uint64_t connections, unsigned nports, uint64_t fd_limit,
			    uint64_t mem_available, char *why, size_t whylen);

/* 0, or -EINVAL with the reason and the fix in err. fd_limit: the hosts'
 * hard open-file limit, as far as it is known (this machine's). paper: a
 * fleet on paper (connlab plan --hosts): too few sources are not refused,
 * the plan says how many each host needs. */
WUR int fleet_plan_build(const struct lab *lab, uint64_t fd_limit, int paper, struct fleet_plan *fp,
			 char *err, size_t errlen);
void fleet_plan_free(struct fleet_plan *fp);
void fleet_plan_write(const struct fleet_plan *fp, const struct lab *lab, FILE *out);

#endif
