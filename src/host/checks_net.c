/* SPDX-License-Identifier: MIT */
/* checks_net.c - the host checks of the network: the conntrack table,
 * the neighbour tables, IPv6, local ports and TIME_WAIT, epoll watches,
 * and the lab's own sysctls against the kernel. Pure over the facts. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/budget.h"
#include "host/check.h"
#include "util/procfs.h"
#include "util/status.h"
#include "util/units.h"

static void check_conntrack(struct host_report *r, const struct host_facts *f,
			    const struct lab *lab, const struct host_needs *n)
{
	uint64_t need = lab->client_mode == CLIENT_HOLD ? lab->connections : lab->inflight;
	struct host_check *c;

	if (!f->conntrack) {
		c = host_check_add(r, "conntrack", "conntrack", LEVEL_OK);
		SET(found, "nf_conntrack is not loaded");
		SET(needed, "%s",
		    n->stateful ? "the lab's stateful rules will load it"
				: "nothing: no stateful rules");
		if (n->stateful)
			SET(why,
			    "%s; the table's maximum is computed from memory when the module loads",
			    n->stateful_why);
		return;
	}
	if (!n->stateful) {
		c = host_check_add(r, "conntrack", "conntrack", LEVEL_OK);
		SET(found, "loaded, nf_conntrack_max %llu", (unsigned long long)f->ct_max);
		SET(needed, "no entries: %s",
		    *n->stateful_why ? n->stateful_why
				     : "no stateful firewall rule sees the lab's connections");
		return;
	}
	c = host_check_add(r, "conntrack", "conntrack", need > f->ct_max ? LEVEL_WARN : LEVEL_OK);
	SET(found,
	    "loaded, nf_conntrack_max %llu (host-wide; each namespace counts its own entries against it)",
	    (unsigned long long)f->ct_max);
	SET(needed, "%llu entries, one per connection: %s", (unsigned long long)need,
	    n->stateful_why);
	if (need > f->ct_max) {
		SET(why,
		    "the table fills at %llu entries: then the first packet of every new connection is dropped (\"nf_conntrack: table full, dropping packet\") and connects time out",
		    (unsigned long long)f->ct_max);
		SET(fix,
		    "sysctl -w net.netfilter.nf_conntrack_max=%llu on the host, or notrack rules for the lab's ports (lab/conntrack-notrack.nft)",
		    (unsigned long long)(need + need / 4));
	}
}

/* A neighbour table (ARP's or NDP's, each one for all namespaces) that
 * needs need entries: past gc_thresh3 new ones fail, past gc_thresh2 the
 * table is cleaned */
static enum level neigh_level(const uint64_t gc[3], uint64_t need)
{
	return gc[2] && need > gc[2] ? LEVEL_BLOCKS : gc[1] && need > gc[1] ? LEVEL_WARN : LEVEL_OK;
}

static void check_neigh(struct host_report *r, const struct host_facts *f,
			const struct host_needs *n)
{
	uint64_t need = n->neighbours + f->neigh_entries;
	enum level lv = neigh_level(f->gc_thresh, need);
	struct host_check *c = host_check_add(r, "neighbours", "neighbour table", lv);

	SET(found, "gc_thresh1-3 %llu %llu %llu; %llu entries now",
	    (unsigned long long)f->gc_thresh[0], (unsigned long long)f->gc_thresh[1],
	    (unsigned long long)f->gc_thresh[2], (unsigned long long)f->neigh_entries);
	SET(needed, "%u more: one per link end, however many client addresses", n->neighbours);
	SET(why,
	    "the neighbour (ARP) table is one for all namespaces; past gc_thresh3 new neighbours fail and their packets are dropped");
	if (lv != LEVEL_OK)
		SET(fix,
		    "sysctl -w net.ipv4.neigh.default.gc_thresh3=%llu (and gc_thresh2) on the host",
		    (unsigned long long)(need * 2));
}

/* lab.family = ipv6 or dual: the kernel's IPv6, and its neighbour table
 * (one for all namespaces, as IPv4's) */
static void check_ipv6(struct host_report *r, const struct host_facts *f, const struct lab *lab,
		       const struct host_needs *n)
{
	uint64_t need = n->neighbours + f->neigh6_entries;
	enum level lv = f->ipv6 ? neigh_level(f->gc_thresh6, need) : LEVEL_BLOCKS;
	struct host_check *c;

	if (lab->family == FAMILY_IPV4)
		return;
	c = host_check_add(r, "ipv6", "IPv6", lv);
	if (!f->ipv6) {
		SET(found, "no IPv6 in this kernel (no /proc/sys/net/ipv6)");
		SET(needed, "IPv6, for lab.family = %s",
		    lab->family == FAMILY_DUAL ? "dual" : "ipv6");
		SET(why, "the lab's addresses, listeners and connections are IPv6");
		SET(fix,
		    "boot without ipv6.disable=1 (or load the ipv6 module), or set lab.family = ipv4");
		return;
	}
	SET(found, "IPv6 neighbour table gc_thresh1-3 %llu %llu %llu; %llu entries now",
	    (unsigned long long)f->gc_thresh6[0], (unsigned long long)f->gc_thresh6[1],
	    (unsigned long long)f->gc_thresh6[2], (unsigned long long)f->neigh6_entries);
	SET(needed, "%u more: one per link end (client addresses are routed via the link)",
	    n->neighbours);
	SET(why,
	    "the IPv6 neighbour (NDP) table is one for all namespaces, like ARP's; past gc_thresh3 new neighbours fail");
	if (lv != LEVEL_OK)
		SET(fix,
		    "sysctl -w net.ipv6.neigh.default.gc_thresh3=%llu (and gc_thresh2) on the host",
		    (unsigned long long)(need * 2));
}

static void check_ports(struct host_report *r, const struct lab *lab, const struct plan *p,
			const struct host_facts *f)
{
	int hold = lab->client_mode == CLIENT_HOLD;
	struct host_check *c;

	if (hold) {
		enum level lv = p->per_pair_max > p->port_range
					? (lab->beyond_ports ? LEVEL_WARN : LEVEL_BLOCKS)
				: p->per_pair_max > BUDGET_PAIR_FAST ? LEVEL_WARN
								     : LEVEL_OK;

		c = host_check_add(r, "ports", "local ports", lv);
		SET(found,
		    "%u-%u in the lab's namespaces (%u per source address and server port; the host's own range does not apply)",
		    p->port_lo, p->port_hi, p->port_range);
		SET(needed,
		    "at most %llu per pair: %llu connections over %u client %s and %u server %s",
		    (unsigned long long)p->per_pair_max, (unsigned long long)p->connections,
		    p->addresses, p->addresses == 1 ? "address" : "addresses", p->nports,
		    p->nports == 1 ? "port" : "ports");
		if (lv == LEVEL_BLOCKS || (lv == LEVEL_WARN && p->per_pair_max > p->port_range)) {
			SET(why,
			    "a connection needs a free local port for its (source address, server address and port): past the range connect() fails with EADDRNOTAVAIL");
			SET(fix, "--set clients.addresses=%llu (or more server.ports)",
			    (unsigned long long)budget_ports_sources(p->connections, p->nports,
								     p->port_range));
		} else if (lv == LEVEL_WARN) {
			SET(why,
			    "past about 30k connections per pair the kernel's search for a free port makes connect() crawl (measured: 15k/s down to a few hundred per second)");
			SET(fix, "more clients.addresses or server.ports");
		}
		return;
	}
	{
		const char *set = lab_sysctl_get(lab, "net.ipv4.tcp_tw_reuse");
		int reuse = set ? atoi(set) : f->fresh_tw_reuse;
		uint64_t tuples = (uint64_t)p->addresses * p->nports * p->port_range;
		uint64_t tw = lab->rate ? lab->rate * 60 : 0;
		int short_ = reuse != 1 && (!lab->rate || tw > tuples);

		c = host_check_add(r, "ports", "local ports and TIME_WAIT",
				   short_ ? LEVEL_WARN : LEVEL_OK);
		SET(found,
		    "%llu local (address, port) pairs; tcp_tw_reuse %d in the lab's namespaces%s",
		    (unsigned long long)tuples, reuse,
		    reuse == 2	? " (2 is loopback only: no reuse between namespaces)"
		    : reuse < 0 ? " (unknown)"
				: "");
		if (lab->rate)
			SET(needed, "%llu in TIME_WAIT at %llu/s (60 s each) at the closing side",
			    (unsigned long long)tw, (unsigned long long)lab->rate);
		else
			SET(needed, "unbounded: churn at an unlimited rate");
		if (short_) {
			SET(why,
			    "each closed connection keeps its port in TIME_WAIT for 60 s at the side that closed first; when the pairs run out connect() slows down and fails with EADDRNOTAVAIL");
			SET(fix,
			    "--set sysctl.net.ipv4.tcp_tw_reuse=1, --set clients.closer=server, or more clients.addresses");
		}
	}
}

static void check_epoll(struct host_report *r, const struct host_facts *f, const struct lab *lab)
{
	const struct forecast *fc = &r->forecast;
	uint64_t need = 2 * fc->asked, raise = forecast_epoll_raise(fc);
	int over = f->epoll_watches && need > f->epoll_watches;
	/* past the cap, unless memory stops the ramp first */
	enum level lv = over && raise ? LEVEL_WARN : LEVEL_OK;
	struct host_check *c = host_check_add(r, "epoll", "fs.epoll.max_user_watches", lv);
	const struct forecast_row *m = &fc->row[FC_MEMORY];
	char held[80] = "";

	(void)lab;
	if (m->applies)
		snprintf(held, sizeof(held), "; memory above the floor holds about %llu",
			 (unsigned long long)m->connections);
	SET(found, "%llu", (unsigned long long)f->epoll_watches);
	SET(needed, "%llu: both ends of every connection, watched by processes of one user",
	    (unsigned long long)need);
	if (!over)
		return;
	SET(why, "past it epoll_ctl fails with ENOSPC: connects fail near %llu connections%s%s",
	    (unsigned long long)(f->epoll_watches / 2), held,
	    raise ? "" : ": the floor stops the ramp first, and a higher cap would not hold more");
	if (raise)
		SET(fix,
		    "sysctl -w fs.epoll.max_user_watches=%llu on the host: the watches of %s, no more",
		    (unsigned long long)raise,
		    m->applies && m->connections < fc->asked ? "what memory above the floor holds"
							     : "the connections asked");
}

void host_check_lab_sysctls(struct host_report *r, const struct kernel_view *kv,
			    const struct lab *lab, const struct plan *p)
{
	struct tuning_scale sc;
	struct tuning *t = &r->sysctls;
	char buf[LAB_SYSCTL_NAME_MAX + LAB_SYSCTL_VALUE_MAX + 8];
	struct host_check *c;
	unsigned worst = 0;

	host_tuning_scale(lab, p, &sc);
	for (unsigned i = 0; i < lab->n_sysctl; i++) {
		const struct sysctl_setting *s = &lab->sysctl[i];
		int n = snprintf(buf, sizeof(buf), "%s%s = %s\n", s->optional ? "-" : "", s->name,
				 s->value);

		if (tuning_parse(t, lab->source, buf, (size_t)n))
			break;
		t->line[t->n - 1].line = s->line;
		if (s->line <= 0)
			snprintf(t->line[t->n - 1].file, sizeof(t->line[0].file), "%s",
				 s->line ? "--set" : "(every lab)");
	}
	tuning_classify(t, kv, &sc);
	/* a lab writes its sysctls in its own namespaces: a host-wide one
	 * cannot be set there, whatever it would do on the host */
	for (unsigned i = 0; i < t->n; i++) {
		struct tuning_line *l = &t->line[i];
		char was[sizeof(l->text)];

		if (l->dash && l->level == LEVEL_BLOCKS) {
			snprintf(was, sizeof(was), "%s", l->text);
			snprintf(
				l->text, sizeof(l->text),
				"Optional (-%.80s in the lab): skipped where it cannot be set. %.700s",
				l->name, was);
			l->level = LEVEL_WARN;
			continue;
		}
		if (l->level == LEVEL_BLOCKS || l->scope < 0 || l->scope == KSCOPE_NETNS)
			continue;
		snprintf(was, sizeof(was), "%s", l->text);
		snprintf(
			l->text, sizeof(l->text),
			"%sA lab can set only per-namespace sysctls, and this one is %s: set it on the host (sysctl -w %.80s=%.64s, as root), not in the lab. %.400s",
			l->dash ? "Optional, skipped: " : "",
			kernel_scope_name((enum kscope)l->scope), l->name, l->value, was);
		l->level = l->dash ? LEVEL_WARN : LEVEL_BLOCKS;
		l->verdict = TV_GLOBAL;
	}
	for (unsigned i = 0; i < t->n; i++)
		if (t->line[i].level > t->line[worst].level)
			worst = i;
	if (!t->n) {
		c = host_check_add(r, "lab-sysctls", "the lab's sysctls", LEVEL_OK);
		SET(found, "none");
		return;
	}
	{
		const struct tuning_line *l = &t->line[worst];
		enum level lv = l->level == LEVEL_BLOCKS ? LEVEL_BLOCKS
				: l->level == LEVEL_WARN ? LEVEL_WARN
							 : LEVEL_OK;

		c = host_check_add(r, "lab-sysctls", "the lab's sysctls", lv);
		SET(found, "%u set in every lab namespace%s", t->n,
		    kv->probed ? ", each tried in a fresh namespace"
			       : " (not tried: no fresh namespace)");
		SET(needed, "each per network namespace and taken by this kernel");
		if (lv != LEVEL_OK) {
			if (l->line > 0)
				SET(why, "%.150s:%d: %.80s = %.64s: %s: %.900s", l->file, l->line,
				    l->name, l->value, tuning_verdict_name(l->verdict), l->text);
			else
				SET(why, "%s sysctl.%.80s=%.64s: %s: %.900s",
				    l->line < 0 ? "--set" : "(every lab)", l->name, l->value,
				    tuning_verdict_name(l->verdict), l->text);
			if (lv == LEVEL_BLOCKS && l->line < 0)
				SET(fix, "drop --set sysctl.%s", l->name);
			else if (lv == LEVEL_BLOCKS)
				SET(fix, "remove or correct that line of the lab's [sysctl]");
		}
	}
}

void host_check_net(struct host_report *r, const struct host_facts *f, const struct lab *lab,
		    const struct plan *p, const struct host_needs *n)
{
	check_epoll(r, f, lab);
	check_conntrack(r, f, lab, n);
	check_neigh(r, f, n);
	check_ipv6(r, f, lab, n);
	check_ports(r, lab, p, f);
}
