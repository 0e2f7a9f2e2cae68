/* SPDX-License-Identifier: MIT */
/* topology.h - a lab's namespaces, links, addresses, routes and sysctls,
 * built from its plan: a star around the server namespace. Owns the order
 * of building and tearing down. */
#ifndef CONNLAB_TOPOLOGY_H
#define CONNLAB_TOPOLOGY_H

#include <stdint.h>

#include "lab/lab.h"
#include "plan/plan.h"
#include "util/compiler.h"

#define TOPO_NETNS_MAX (2 + PLAN_NETNS_MAX)
#define TOPO_SRV 0
#define TOPO_PROBE 1
#define TOPO_CLIENT0 2
/* Fixed interface indexes (namespaces are new, so every index is free):
 * in the server namespace the link to namespace k is TOPO_SRV_IFINDEX0 + k,
 * in the other namespaces the link to the server is TOPO_PEER_IFINDEX. */
#define TOPO_SRV_IFINDEX0 10
#define TOPO_PEER_IFINDEX 2

struct topo_netns {
	char name[12]; /* srv, probe, c0, c1, ... */
	int fd;	       /* holds the namespace; -1 when closed */
	uint64_t ino;
};

struct topology {
	char lab[LAB_NAME_MAX + 1];
	unsigned n;
	int named; /* bind-mounted as connlab-LAB-NAME */
	struct topo_netns netns[TOPO_NETNS_MAX];
};

/* Builds the lab. Named: each namespace also gets /run/netns/connlab-LAB-NS.
 * On failure nothing is left: namespaces closed, names removed; err says
 * what failed and what to do. */
WUR int topo_build(const struct lab *lab, const struct plan *plan, int named, struct topology *t,
		   char *err, size_t errlen);

/* Closes the descriptors (anonymous namespaces die with the last one). */
void topo_close(struct topology *t);
/* The server's link to client namespace k (a topology index) down, or up
 * again with the routes and IPv6 address its going down removed; 0, or
 * -errno with why in err. */
WUR int topo_link_set(const struct lab *lab, const struct plan *p, const struct topology *t,
		      unsigned k, int up, char *err, size_t errlen);

/* The name of namespace i as mounted: connlab-LAB-NAME. */
void topo_netns_path_name(const char *lab, const char *netns, char *buf, size_t len);
/* The reverse: the LAB of connlab-LAB-NS (NS one of srv, probe, cN) into
 * lab; 0, or -EINVAL for a name that is not a lab namespace's. */
int topo_name_split(const char *name, char *lab, size_t len);

#endif
