/* SPDX-License-Identifier: MIT */
/* rules_ports.c - findings of the four-tuple's ports: local ports that
 * ran out, the TIME_WAIT table, and connect()'s port search as each pair
 * fills up (docs/findings.md). */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/report.h"
#include "report/rules.h"

static void judge_ports(struct fctx *x)
{
	double e = count(x, "errors.EADDRNOTAVAIL"), tw = num(x, "peaks.time_wait");
	double addrs = num(x, "plan.client_addresses"), sports = num(x, "plan.server_ports");
	double range = num(x, "plan.local_ports"), cap = addrs * sports * range;
	char a[32], b[32], c[32], g[32], h[32];
	struct draft *d;

	if (!(e > 0))
		return;
	d = finding(
		x, severity(x), tl_t(x, tl_first(x, "errors.EADDRNOTAVAIL", 0)),
		"Local ports ran out: %s connects failed with EADDRNOTAVAIL; %s address x %s server port x %s local ports give %s connections at once",
		fmt_n(e, a, sizeof(a)), fmt_n(addrs, b, sizeof(b)), fmt_n(sports, c, sizeof(c)),
		fmt_n(range, g, sizeof(g)), fmt_n(cap, h, sizeof(h)));
	cite(x, d, EV_EADDRNOTAVAIL);
	cite(x, d, EV_TIME_WAIT);
	cite(x, d, EV_ADDRESSES);
	cite(x, d, EV_SERVER_PORTS);
	cite(x, d, EV_LOCAL_PORTS);
	cite(x, d, EV_PORT_FIRST);
	cite(x, d, EV_PORT_LAST);
	slot(d, "tw", "%s", fmt_n(tw, a, sizeof(a)));
	slot(d, "cap", "%s", fmt_n(cap, a, sizeof(a)));
	slot(d, "range", "%s", fmt_n(range, a, sizeof(a)));
	if (x->churn) {
		double rate = num(x, "connections.ramp_rate");

		slot(d, "rate", "%s", fmt_n(round(rate), a, sizeof(a)));
		slot(d, "need", "%s",
		     fmt_n(isnan(rate) ? NAN : ceil(rate * 60 / (sports * range)), a, sizeof(a)));
	} else {
		double need = ceil(x->target / (sports * range) * 1.05);

		d->fix = 1;
		slot(d, "addresses", "%s", fmt_n(need > addrs ? need : addrs + 1, a, sizeof(a)));
	}
}

static void judge_tw_overflow(struct fctx *x)
{
	const char *ns;
	double o = counter_max(x, "TCPTimeWaitOverflow", &ns);
	char a[32];
	struct draft *d;

	/* holding, TIME_WAIT comes only with the drain and the teardown,
	 * where the cap distorts nothing: the rule is for churn only */
	if (!o) /* the kernel log's line alone may be another namespace's */
		return;
	d = finding(x, "warning", NAN,
		    "The TIME_WAIT table was full: %s closing connections skipped TIME_WAIT",
		    fmt_n(o, a, sizeof(a)));
	if (ns)
		cite(x, d, EV_COUNTER, "TCPTimeWaitOverflow", ns);
	cite_klog(x, d, "time wait bucket table overflow");
	cite(x, d, EV_TIME_WAIT);
}

static void judge_port_search(struct fctx *x)
{
	double addrs = num(x, "plan.client_addresses"), sports = num(x, "plan.server_ports");
	double range = num(x, "plan.local_ports"), per_pair = x->target / (addrs * sports);
	long lo, hi;
	char a[32], b[32];
	struct draft *d;

	if (num(x, "errors_total") > 0 || !(per_pair >= 0.1 * range))
		return;
	/* the first and the last interval of the ramp with connects */
	if (tl_span(x, "ramp", "connect_mean_us", &lo, &hi) || hi <= lo ||
	    !(tl(x, "connect_mean_us", (size_t)hi) >= 1000) ||
	    !(tl(x, "connect_mean_us", (size_t)hi) >= 4 * tl(x, "connect_mean_us", (size_t)lo)))
		return;
	d = finding(
		x, "warning", tl_t(x, hi),
		"connect() slowed from %s us to %s us as each source address and server port filled up, without errors",
		fmt_n(tl(x, "connect_mean_us", (size_t)lo), a, sizeof(a)),
		fmt_n(tl(x, "connect_mean_us", (size_t)hi), b, sizeof(b)));
	cite(x, d, EV_TL_CONNECT_EARLY, lo);
	cite(x, d, EV_TL_CONNECT_LATE, hi);
	cite(x, d, EV_ADDRESSES);
	cite(x, d, EV_SERVER_PORTS);
	cite(x, d, EV_LOCAL_PORTS);
	cite(x, d, EV_TARGET);
	slot(d, "per_pair", "%s", fmt_n(round(per_pair), a, sizeof(a)));
	slot(d, "range", "%s", fmt_n(range, a, sizeof(a)));
	slot(d, "addresses", "%s", fmt_n(ceil(x->target / (sports * range * 0.05)), a, sizeof(a)));
}

const struct rule rules_ports[] = {
	{
		.id = "ports",
		.family = "ports",
		.summary = "local ports ran out (EADDRNOTAVAIL): the four-tuples of the plan",
		.where = RULE_BOX | RULE_HOLD | RULE_CHURN,
		.may = MAY_CAUSE | MAY_WARNING,
		.rank = 90,
		.why = { "A TCP connection is named by its four-tuple: source address and port, destination address and port. For one source address and one server address and port, the client has only the ports of net.ipv4.ip_local_port_range, and a port stays taken while its socket is open or in TIME_WAIT (60 s after the side that closed first). When none is free connect() fails with EADDRNOTAVAIL, \"Cannot assign requested address\". TIME_WAIT at the peak here: {tw} of {cap}." },
		.fix = { "Ranked: 1. let a new connect reuse a TIME_WAIT port after 1 s: --set sysctl.net.ipv4.tcp_tw_reuse=1 (safe with TCP timestamps; covers {range} connections a second per address and server port); 2. let the server close first, so that TIME_WAIT stays on its side, where it costs no port: --set clients.closer=server; 3. more source addresses: at {rate} connections a second TIME_WAIT needs {need} addresses (--set clients.addresses=N); 4. a wider port range: --set \"sysctl.net.ipv4.ip_local_port_range=1024 65535\".",
			 "Ranked: 1. more source addresses, each with its own {range} ports: --set clients.addresses={addresses}; 2. more server ports (each multiplies the pairs): --set server.ports=8081-8088; 3. a wider port range: --set \"sysctl.net.ipv4.ip_local_port_range=1024 65535\" (64512 ports). Without clients.beyond_ports = try, connlab refuses such a plan and says so before it starts." },
		.try_ = { "--set sysctl.net.ipv4.tcp_tw_reuse=1",
			  "--set clients.addresses={addresses}" },
		.judge = judge_ports,
	},
	{
		.id = "time-wait-overflow",
		.family = "ports",
		.summary = "the TIME_WAIT table was full (tcp_max_tw_buckets)",
		.where = RULE_BOX | RULE_CHURN,
		.may = MAY_WARNING,
		.rank = 100,
		.why = { "Each namespace keeps at most net.ipv4.tcp_max_tw_buckets sockets in TIME_WAIT. Past it a closing socket is destroyed at once (\"time wait bucket table overflow\"): its port is free again, but a late segment of the old connection could reach a new one. The TIME_WAIT figures of this run are capped by that limit, not by the rate." },
		.fix = { "Raise it in the lab: --set sysctl.net.ipv4.tcp_max_tw_buckets=1048576, or let fewer connections close per second." },
		.try_ = { "--set sysctl.net.ipv4.tcp_max_tw_buckets=1048576" },
		.judge = judge_tw_overflow,
	},
	{
		.id = "connect-port-search",
		.family = "ports",
		.summary = "connect() slowed as each (address, port) pair filled up",
		.where = RULE_BOX | RULE_HOLD,
		.may = MAY_WARNING,
		.rank = 150,
		.why = { "connect() without a bound port makes the kernel search ip_local_port_range for a port that is free for this destination; when most ports of a (source address, server address, server port) are taken, the search walks more and more of them (it also takes a lock per port), and each connect costs more CPU in the kernel. Here {per_pair} connections share each pair of {range} ports." },
		.fix = { "Spread the connections over more pairs so that each pair uses a small part of the range: more source addresses (--set clients.addresses=N) or server ports." },
		.try_ = { "--set clients.addresses={addresses}" },
		.judge = judge_port_search,
	},
};
const size_t rules_ports_n = sizeof(rules_ports) / sizeof(rules_ports[0]);
