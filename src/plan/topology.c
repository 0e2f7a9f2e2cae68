/* SPDX-License-Identifier: MIT */
/* topology.c - building a lab's star topology through netns/.
 *
 * Every namespace is created from inside a throw-away "creator" namespace
 * in which net.ipv4.tcp_child_ehash_entries is set before each creation,
 * so each lab namespace gets a TCP hash table of its own, sized for its
 * sockets: a sock_diag dump then walks only the lab's sockets, and the
 * host's hash is not shared. Veth pairs are made by a netlink socket in
 * the server namespace with the peer placed directly in the other
 * namespace: nothing ever appears in the namespace connlab started in. */
#include "plan/topology.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "netns/netns.h"
#include "util/log.h"

void topo_netns_path_name(const char *lab, const char *netns, char *buf, size_t len)
{
	snprintf(buf, len, "connlab-%s-%s", lab, netns);
}

void topo_close(struct topology *t)
{
	for (unsigned i = 0; i < t->n; i++) {
		if (t->netns[i].fd >= 0)
			close(t->netns[i].fd);
		t->netns[i].fd = -1;
	}
}

static void unname_all(struct topology *t, unsigned upto)
{
	char name[64];

	for (unsigned i = 0; i < upto; i++) {
		topo_netns_path_name(t->lab, t->netns[i].name, name, sizeof(name));
		if (netns_unname(name))
			continue; /* best effort: it may not have been named yet */
	}
}

static uint64_t ehash_entries(uint64_t sockets)
{
	uint64_t v = 1024;

	while (v < sockets && v < (1u << 24))
		v <<= 1;
	return v;
}

static const char *cap_hint(int r)
{
	return r == -EPERM || r == -EACCES
		       ? " (needs root, or CAP_SYS_ADMIN and CAP_NET_ADMIN; in Docker: --cap-add SYS_ADMIN --cap-add NET_ADMIN)"
		       : "";
}

static int create_namespaces(const struct lab *lab, const struct plan *plan, struct topology *t,
			     char *err, size_t errlen)
{
	int creator, saved, r, r2 = 0, ehash_ok = 1;
	uint64_t sockets, last = 0, churn;
	char v[32];

	r = netns_new(&creator);
	if (r) {
		snprintf(err, errlen, "cannot create a network namespace: %s%s", strerror(-r),
			 cap_hint(r));
		return r;
	}
	r = netns_enter(creator, &saved);
	if (r) {
		snprintf(err, errlen, "cannot enter a new network namespace: %s%s", strerror(-r),
			 cap_hint(r));
		close(creator);
		return r;
	}
	/* churn: sockets linger in TIME_WAIT for 60 s */
	churn = lab->client_mode == CLIENT_CHURN ? (lab->rate ? lab->rate * 60 : plan->connections)
						 : 0;
	if (churn > plan->connections)
		churn = plan->connections;
	for (unsigned i = 0; i < t->n && !r; i++) {
		if (i == TOPO_SRV)
			sockets = churn ? churn : plan->connections;
		else if (i == TOPO_PROBE)
			sockets = 0;
		else
			sockets = churn ? churn / plan->namespaces
					: plan->netns[i - TOPO_CLIENT0].connections;
		snprintf(v, sizeof(v), "%llu", (unsigned long long)ehash_entries(sockets));
		/* older kernels (before 6.1) have no per-namespace hash: go on */
		if (ehash_ok && ehash_entries(sockets) != last &&
		    netns_sysctl_write(-1, "net.ipv4.tcp_child_ehash_entries", v))
			ehash_ok = 0;
		last = ehash_entries(sockets);
		r = netns_new(&t->netns[i].fd);
		if (r)
			snprintf(err, errlen, "cannot create network namespace %u of %u: %s%s",
				 i + 1, t->n, strerror(-r),
				 r == -ENOSPC ? " (user.max_net_namespaces is reached)" : "");
		else
			r = netns_inode(t->netns[i].fd, &t->netns[i].ino);
	}
	r2 = netns_leave(saved);
	close(creator);
	if (!r && r2) {
		snprintf(err, errlen, "cannot return to the starting namespace: %s", strerror(-r2));
		r = r2;
	}
	return r;
}

/* A namespace with a hash of its own caps TIME_WAIT sockets at half its
 * size (tcp_max_tw_buckets): a small lab would drop TIME_WAIT sockets long
 * before the host does. Every lab namespace gets the host's cap instead,
 * unless the lab sets one. Read in the starting namespace. */
static char host_tw_buckets[32];

static void read_host_tw_buckets(void)
{
	if (netns_sysctl_read(-1, "net.ipv4.tcp_max_tw_buckets", host_tw_buckets,
			      sizeof(host_tw_buckets)))
		host_tw_buckets[0] = 0;
}

/* Writes the lab's sysctls in the calling thread's namespace; on failure
 * *failed is the index of the sysctl that failed. */
static int apply_sysctls(const struct lab *lab, unsigned *failed)
{
	if (host_tw_buckets[0] && !lab_sysctl_get(lab, "net.ipv4.tcp_max_tw_buckets") &&
	    netns_sysctl_write(-1, "net.ipv4.tcp_max_tw_buckets", host_tw_buckets))
		host_tw_buckets[0] = 0; /* best effort: the lab still works */

	for (unsigned i = 0; i < lab->n_sysctl; i++) {
		int r = netns_sysctl_write(-1, lab->sysctl[i].name, lab->sysctl[i].value);

		if (r && lab->sysctl[i].optional) {
			log_msg(LOGL_DEBUG, "optional sysctl %s skipped: %s", lab->sysctl[i].name,
				strerror(-r));
			continue;
		}
		if (r) {
			*failed = i;
			return r;
		}
	}
	return 0;
}

/* Explains a failed sysctl; runs in the starting namespace, so that
 * /proc/sys shows the host's sysctls. */
static int sysctl_fail(const struct lab *lab, unsigned i, int r, char *err, size_t errlen)
{
	const struct sysctl_setting *ss = &lab->sysctl[i];
	char where[300], path[256];
	struct stat st;
	struct utsname u;

	if (ss->line > 0)
		snprintf(where, sizeof(where), "%s:%d: ", lab->source, ss->line);
	else if (ss->line < 0)
		snprintf(where, sizeof(where), "--set sysctl.%s: ", ss->name);
	else
		where[0] = 0;
	snprintf(path, sizeof(path), "/proc/sys/%s", ss->name);
	for (char *p = path + 10; *p; p++)
		if (*p == '.')
			*p = '/';
	if (r == -ENOENT && stat(path, &st) == 0)
		snprintf(
			err, errlen,
			"%ssysctl %s is not per network namespace (it exists only on the host, where connlab does not change it): remove it from the lab",
			where, ss->name);
	else if (r == -ENOENT)
		snprintf(err, errlen, "%ssysctl %s does not exist on this kernel (%s)", where,
			 ss->name, uname(&u) ? "?" : u.release);
	else if (r == -EACCES || r == -EPERM)
		snprintf(
			err, errlen,
			"%ssysctl %s is read-only inside a network namespace: remove it from the lab",
			where, ss->name);
	else
		snprintf(err, errlen, "%ssysctl %s = %s refused by the kernel: %s", where, ss->name,
			 ss->value, strerror(-r));
	return -EINVAL; /* the lab asks for what cannot be */
}

/* Enters namespace k once: its sysctls, and a netlink socket bound in it. */
static int ns_prepare(const struct lab *lab, struct topology *t, unsigned k, struct nl **nl,
		      char *err, size_t errlen)
{
	int saved, r, r2, sysctl_r = 0, v6_r = 0;
	unsigned failed = 0;

	r = netns_enter(t->netns[k].fd, &saved);
	if (r) {
		snprintf(err, errlen, "cannot enter namespace %s: %s", t->netns[k].name,
			 strerror(-r));
		return r;
	}
	r = apply_sysctls(lab, &failed);
	/* a server worker that leaves its SO_REUSEPORT group near its fd limit
	 * hands its queued connections to the others instead of resetting
	 * them (Linux 5.14 and later; best effort) */
	/* IPv6: the lab's addresses come without duplicate address detection
	 * (IFA_F_NODAD); the links' own link-local ones skip it too, so that
	 * building never waits for it */
	for (int i = 0; i < 2 && !r && !v6_r && lab->family != FAMILY_IPV4; i++)
		v6_r = netns_sysctl_write(
			-1, i ? "net.ipv6.conf.default.accept_dad" : "net.ipv6.conf.all.accept_dad",
			"0");
	if (v6_r)
		r = v6_r;
	if (!r && k == TOPO_SRV && !lab_sysctl_get(lab, "net.ipv4.tcp_migrate_req") &&
	    netns_sysctl_write(-1, "net.ipv4.tcp_migrate_req", "1"))
		log_msg(LOGL_DEBUG, "net.ipv4.tcp_migrate_req is not available");
	if (!r) {
		r = nl_open(-1, nl);
		if (r)
			snprintf(err, errlen, "cannot open netlink in namespace %s: %s",
				 t->netns[k].name, strerror(-r));
	} else if (!v6_r) {
		sysctl_r = r;
	}
	r2 = netns_leave(saved);
	if (r2) {
		if (!r)
			nl_close(*nl);
		snprintf(err, errlen, "cannot return to the starting namespace: %s", strerror(-r2));
		return r2;
	}
	if (sysctl_r)
		return sysctl_fail(lab, failed, sysctl_r, err, errlen);
	if (v6_r)
		snprintf(
			err, errlen,
			"namespace %s has no IPv6 (net.ipv6.conf.all.accept_dad: %s): lab.family = %s needs a kernel with IPv6, or set lab.family = ipv4",
			t->netns[k].name, strerror(-v6_r),
			lab->family == FAMILY_DUAL ? "dual" : "ipv6");
	return r;
}

static unsigned prefix_len(uint32_t block_size)
{
	unsigned len = 32;

	while ((1u << (32 - len)) < block_size)
		len--;
	return len;
}

#define ADD(b, call)                                                                               \
	do {                                                                                       \
		uint32_t seq_;                                                                     \
		void *m_ = nl_batch_next(b, &seq_);                                                \
		call;                                                                              \
		if ((r = nl_batch_add(b)))                                                         \
			goto out_batch;                                                            \
	} while (0)

/* An address and a route, and their IPv6 twins when the lab has IPv6
 * (plan_addr6: the same offsets in lab.pool6, the prefix 96 bits longer). */
#define ADDR(b, idx, a, len)                                                                       \
	do {                                                                                       \
		ADD(b, nl_msg_addr(m_, seq_, idx, a, len));                                        \
		if (lab->family != FAMILY_IPV4) {                                                  \
			struct addr6 a6_ = plan_addr6(lab, a);                                     \
			ADD(b, nl_msg_addr6(m_, seq_, idx, a6_.b, (len) + 96, (len) == 32));       \
		}                                                                                  \
	} while (0)
#define ROUTE(b, dst, len, gw, idx)                                                                \
	do {                                                                                       \
		ADD(b, nl_msg_route(m_, seq_, dst, len, gw, idx, RTN_UNICAST));                    \
		if (lab->family != FAMILY_IPV4) {                                                  \
			struct addr6 d6_ = plan_addr6(lab, dst), g6_ = plan_addr6(lab, gw);        \
			ADD(b,                                                                     \
			    nl_msg_route6(m_, seq_, d6_.b, (len) + 96, g6_.b, idx, RTN_UNICAST));  \
		}                                                                                  \
	} while (0)

static int nl_fail(const char *what, int r, const struct nl_err *e, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s%s%s%s", what, strerror(-r), e->msg[0] ? " (kernel: " : "",
		 e->msg, e->msg[0] ? ")" : "");
	if (r == -EPERM)
		snprintf(err + strlen(err), errlen - strlen(err), "%s", cap_hint(r));
	return r;
}

/* What one namespace's batch holds, after its loopback is up: its
 * links, addresses and routes. 0, or -errno (from ADD). */
typedef int (*batch_fill)(const struct lab *lab, const struct plan *p, struct topology *t,
			  unsigned k, struct nl_batch *b);

static int fill_server_side(const struct lab *lab, const struct plan *p, struct topology *t,
			    unsigned k0, struct nl_batch *b)
{
	int r = 0;

	(void)k0;
	ADDR(b, 1, p->service_addr, 32);
	for (unsigned k = TOPO_PROBE; k < t->n; k++) {
		int idx = TOPO_SRV_IFINDEX0 + (int)k;

		ADD(b, nl_msg_veth(m_, seq_, t->netns[k].name, idx, -1, "srv", TOPO_PEER_IFINDEX,
				   t->netns[k].fd));
		ADD(b, nl_msg_link_set(m_, seq_, idx, 1, 0));
		if (k == TOPO_PROBE) {
			ADDR(b, idx, p->probe_srv, 30);
		} else {
			const struct plan_netns *netns = &p->netns[k - TOPO_CLIENT0];

			ADDR(b, idx, netns->link_srv, 30);
			ROUTE(b, netns->first_addr - 1, prefix_len(p->block_size), netns->link_peer,
			      idx);
		}
	}
out_batch:
	return r;
}

static int fill_peer(const struct lab *lab, const struct plan *p, struct topology *t, unsigned k,
		     struct nl_batch *b)
{
	int r = 0;

	(void)t;
	ADD(b, nl_msg_link_set(m_, seq_, TOPO_PEER_IFINDEX, 1, 0));
	if (k == TOPO_PROBE) {
		ADDR(b, TOPO_PEER_IFINDEX, p->probe_addr, 30);
		ROUTE(b, p->service_addr, 32, p->probe_srv, TOPO_PEER_IFINDEX);
	} else {
		const struct plan_netns *netns = &p->netns[k - TOPO_CLIENT0];

		ADDR(b, TOPO_PEER_IFINDEX, netns->link_peer, 30);
		for (uint32_t a = 0; a < netns->n_addr; a++)
			ADDR(b, TOPO_PEER_IFINDEX, netns->first_addr + a, 32);
		ROUTE(b, p->service_addr, 32, netns->link_srv, TOPO_PEER_IFINDEX);
	}
out_batch:
	return r;
}

/* Namespace k prepared, and one netlink batch sent into it: its loopback
 * up, then what fill adds; failures said as what failed. */
static int build_netns(const struct lab *lab, const struct plan *p, struct topology *t, unsigned k,
		       batch_fill fill, const char *what, char *err, size_t errlen)
{
	struct nl *nl;
	struct nl_batch *b;
	struct nl_err e = { 0 };
	int r, r2;

	r = ns_prepare(lab, t, k, &nl, err, errlen);
	if (r)
		return r;
	r = nl_batch_begin(nl, &b);
	if (r)
		goto out_nl;
	ADD(b, nl_msg_link_set(m_, seq_, 1, 1, 0));
	r = fill(lab, p, t, k, b);
out_batch:
	r2 = nl_batch_end(b, &e);
	if (!r)
		r = r2;
	if (r)
		nl_fail(what, r, &e, err, errlen);
out_nl:
	nl_close(nl);
	return r;
}

static int build_server_side(const struct lab *lab, const struct plan *p, struct topology *t,
			     char *err, size_t errlen)
{
	return build_netns(lab, p, t, TOPO_SRV, fill_server_side,
			   "building the server side of the lab", err, errlen);
}

static int build_peer(const struct lab *lab, const struct plan *p, struct topology *t, unsigned k,
		      char *err, size_t errlen)
{
	char what[64];

	snprintf(what, sizeof(what), "building namespace %s", t->netns[k].name);
	return build_netns(lab, p, t, k, fill_peer, what, err, errlen);
}

/* One step of bringing a link back (what its going down took away): a
 * batch of one message; one that is there already counts as done. */
enum relink { RELINK_UP, RELINK_DOWN, RELINK_ROUTE, RELINK_ADDR6, RELINK_ROUTE6 };

static int relink_one(const struct lab *lab, const struct plan *p, struct nl *nl, unsigned k,
		      enum relink what)
{
	const struct plan_netns *netns = &p->netns[k - TOPO_CLIENT0];
	int idx = TOPO_SRV_IFINDEX0 + (int)k, r = 0, r2;
	uint32_t dst = netns->first_addr - 1;
	unsigned len = prefix_len(p->block_size);
	struct addr6 d6 = plan_addr6(lab, dst), g6 = plan_addr6(lab, netns->link_peer),
		     a6 = plan_addr6(lab, netns->link_srv);
	struct nl_batch *b;
	struct nl_err e = { 0 };

	r = nl_batch_begin(nl, &b);
	if (r)
		return r;
	if (what == RELINK_UP || what == RELINK_DOWN)
		ADD(b, nl_msg_link_set(m_, seq_, idx, what == RELINK_UP, 0));
	else if (what == RELINK_ROUTE)
		ADD(b, nl_msg_route(m_, seq_, dst, len, netns->link_peer, idx, RTN_UNICAST));
	else if (what == RELINK_ADDR6)
		ADD(b, nl_msg_addr6(m_, seq_, idx, a6.b, 30 + 96, 0));
	else
		ADD(b, nl_msg_route6(m_, seq_, d6.b, len + 96, g6.b, idx, RTN_UNICAST));
out_batch:
	r2 = nl_batch_end(b, &e);
	if (!r)
		r = r2;
	return r == -EEXIST ? 0 : r;
}

int topo_link_set(const struct lab *lab, const struct plan *p, const struct topology *t, unsigned k,
		  int up, char *err, size_t errlen)
{
	static const enum relink again[] = { RELINK_UP, RELINK_ROUTE, RELINK_ADDR6, RELINK_ROUTE6 };
	unsigned steps = !up ? 1 : lab->family == FAMILY_IPV4 ? 2 : 4;
	struct nl *nl = NULL;
	int r = nl_open(t->netns[TOPO_SRV].fd, &nl);

	for (unsigned i = 0; !r && i < steps; i++)
		r = relink_one(lab, p, nl, k, up ? again[i] : RELINK_DOWN);
	if (r)
		snprintf(err, errlen, "setting the link to %s %s: %s", t->netns[k].name,
			 up ? "up" : "down", strerror(-r));
	if (nl)
		nl_close(nl);
	return r;
}

int topo_build(const struct lab *lab, const struct plan *plan, int named, struct topology *t,
	       char *err, size_t errlen)
{
	unsigned named_upto = 0;
	char name[64];
	int r;

	memset(t, 0, sizeof(*t));
	snprintf(t->lab, sizeof(t->lab), "%s", lab->name);
	t->named = named;
	t->n = TOPO_CLIENT0 + plan->namespaces;
	for (unsigned i = 0; i < t->n; i++) {
		t->netns[i].fd = -1;
		if (i == TOPO_SRV)
			snprintf(t->netns[i].name, sizeof(t->netns[i].name), "srv");
		else if (i == TOPO_PROBE)
			snprintf(t->netns[i].name, sizeof(t->netns[i].name), "probe");
		else
			snprintf(t->netns[i].name, sizeof(t->netns[i].name), "c%u",
				 i - TOPO_CLIENT0);
	}
	if (named) {
		for (unsigned i = 0; i < t->n; i++) {
			struct stat st;
			char path[300];

			topo_netns_path_name(t->lab, t->netns[i].name, name, sizeof(name));
			snprintf(path, sizeof(path), "/run/netns/%s", name);
			if (stat(path, &st) == 0) {
				snprintf(
					err, errlen,
					"already up (%s exists): run 'connlab down %s' first, or choose another lab.name",
					path, t->lab);
				return -EEXIST;
			}
		}
	}
	read_host_tw_buckets();
	r = create_namespaces(lab, plan, t, err, errlen);
	if (!r)
		r = build_server_side(lab, plan, t, err, errlen);
	for (unsigned k = TOPO_PROBE; !r && k < t->n; k++)
		r = build_peer(lab, plan, t, k, err, errlen);
	for (; named && !r && named_upto < t->n; named_upto++) {
		topo_netns_path_name(t->lab, t->netns[named_upto].name, name, sizeof(name));
		r = netns_name(t->netns[named_upto].fd, name);
		if (r)
			snprintf(err, errlen, "cannot name namespace /run/netns/%s: %s%s", name,
				 strerror(-r), cap_hint(r));
	}
	if (r) {
		unname_all(t, named_upto);
		topo_close(t);
	}
	return r;
}

int topo_name_split(const char *name, char *lab, size_t len)
{
	const char *dash = strrchr(name, '-'), *netns;
	size_t n;

	if (strncmp(name, "connlab-", 8) || !dash || dash <= name + 8)
		return -EINVAL;
	netns = dash + 1;
	if (strcmp(netns, "srv") && strcmp(netns, "probe")) {
		if (netns[0] != 'c' || !netns[1] ||
		    strspn(netns + 1, "0123456789") != strlen(netns + 1))
			return -EINVAL;
	}
	n = (size_t)(dash - (name + 8));
	if (n >= len)
		return -EINVAL;
	memcpy(lab, name + 8, n);
	lab[n] = 0;
	return 0;
}
