/* SPDX-License-Identifier: MIT */
/* rules_queues.c - findings of the kernel's queues: the SYN queue, the
 * accept queue, and the retransmissions that follow what they drop
 * (docs/findings.md). */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/report.h"
#include "report/rules.h"

static void judge_syn_queue(struct fctx *x)
{
	const char *ns1, *ns2, *ns3;
	double full = counter_max(x, "TCPReqQFullDrop", &ns1),
	       cookies = counter_max(x, "SyncookiesSent", &ns2);
	double docook = counter_max(x, "TCPReqQFullDoCookies", &ns3);
	char a[32], b[32];
	struct draft *d;

	if (!full && !cookies && !docook) /* the log's line alone: maybe not ours */
		return;
	d = finding(x, severity(x), NAN,
		    "The SYN queue overflowed: %s SYNs dropped, %s answered with SYN cookies",
		    fmt_n(full, a, sizeof(a)), fmt_n(cookies, b, sizeof(b)));
	if (ns1)
		cite(x, d, EV_COUNTER, "TCPReqQFullDrop", ns1);
	if (ns2)
		cite(x, d, EV_COUNTER, "SyncookiesSent", ns2);
	if (ns3)
		cite(x, d, EV_COUNTER, "TCPReqQFullDoCookies", ns3);
	cite_klog(x, d, "Possible SYN flooding");
	cite(x, d, EV_SYN_RECV);
	cite(x, d, EV_BACKLOG);
}

static void judge_accept_queue(struct fctx *x)
{
	double over = num(x, "counters.srv.ListenOverflows"),
	       drops = num(x, "counters.srv.ListenDrops");
	long first = tl_first(x, "listen_overflows", 0), peak = tl_max(x, "accept_queue");
	int stuck = rule_found(x, "fd-limit", "server");
	char a[32];
	struct draft *d;

	if (!(over > 0) && !(drops > 0))
		return;
	d = finding(x, severity(x), tl_t(x, first),
		    "The server's accept queue overflowed %s times: %s", fmt_n(over, a, sizeof(a)),
		    stuck ? "the server had stopped accepting at its open-file limit (fd-limit)"
			  : "it did not accept() as fast as connections arrived");
	cite(x, d, EV_SRV_OVERFLOWS);
	cite(x, d, EV_SRV_DROPS);
	if (peak >= 0 && tl(x, "accept_queue", (size_t)peak) > 0)
		cite(x, d, EV_TL_ACCEPT_QUEUE, peak);
	cite(x, d, EV_BACKLOG);
	cite(x, d, EV_ETIMEDOUT);
	cite(x, d, EV_PROBE_FAILURES);
	d->fix = stuck;
}

static void judge_retrans(struct fctx *x)
{
	json_t *v;
	const char *ns, *worst = NULL, *dropns = NULL;
	double best = 0, drops = 0;
	char a[32], b[32];
	struct draft *d;

	json_object_foreach(json_object_get(x->res, "counters"), ns, v)
	{
		double r = json_number_value(json_object_get(v, "RetransSegs")),
		       o = json_number_value(json_object_get(v, "OutSegs")),
		       l = json_number_value(json_object_get(v, "link_drops"));

		if (r > 100 && r > 0.01 * o && r > best) {
			best = r;
			worst = ns;
		}
		if (l > drops) {
			drops = l;
			dropns = ns;
		}
	}
	if (!worst && !dropns)
		return;
	d = finding(
		x, "warning", tl_t(x, tl_first(x, "link_drops", 0)),
		"Segments were lost and sent again: %s retransmitted%s%s, %s dropped on the links",
		fmt_n(best, a, sizeof(a)), worst ? " in " : "", worst ? worst : "",
		fmt_n(drops, b, sizeof(b)));
	if (worst) {
		cite(x, d, EV_COUNTER, "RetransSegs", worst);
		cite(x, d, EV_COUNTER, "OutSegs", worst);
	}
	if (dropns)
		cite(x, d, EV_LINK_DROPS, dropns);
	d->why = rule_found(x, "accept-queue", NULL) || rule_found(x, "syn-queue", NULL) ||
		 rule_found(x, "conntrack-full", NULL);
}

const struct rule rules_queues[] = {
	{
		.id = "syn-queue",
		.family = "queues",
		.summary = "the SYN queue overflowed: SYNs dropped or answered with cookies",
		.where = RULE_BOX | RULE_HOLD | RULE_CHURN,
		.may = MAY_CAUSE | MAY_WARNING,
		.rank = 70,
		.why = { "A SYN that arrives makes a request socket (SYN_RECV) until the client's ACK completes the handshake. Their number per listener is capped by the backlog and net.ipv4.tcp_max_syn_backlog; past it the kernel drops the SYN (TCPReqQFullDrop) or, with net.ipv4.tcp_syncookies, answers with a cookie and keeps no state (SyncookiesSent, and the kernel's \"Possible SYN flooding\" line). A SYN that is dropped is sent again after 1 s, then 3 s, 7 s: connect times jump by whole seconds." },
		.fix = { "A longer queue: --set server.backlog=N with net.core.somaxconn and net.ipv4.tcp_max_syn_backlog at least N in the server namespace; or fewer SYNs at once: --set clients.rate=N/s or a smaller clients.inflight." },
		.try_ = { "--set server.backlog=65535 --set sysctl.net.core.somaxconn=65535 --set sysctl.net.ipv4.tcp_max_syn_backlog=65535" },
		.judge = judge_syn_queue,
	},
	{
		.id = "accept-queue",
		.family = "queues",
		.summary = "the server's accept queue overflowed (ListenOverflows)",
		.where = RULE_BOX | RULE_HOLD | RULE_CHURN,
		.may = MAY_CAUSE | MAY_WARNING,
		.rank = 80,
		.after = { "fd-limit" },
		.why = { "A completed handshake waits in its listener's accept queue until the program calls accept(). The queue holds the backlog given to listen(), capped by net.core.somaxconn; when it is full the kernel drops the client's final ACK (ListenOverflows, ListenDrops), the client thinks it is connected while the server retries its SYN-ACK, and new SYNs are dropped: connects time out. A server that stopped accepting (see fd-limit) or accepts too slowly looks like this." },
		.fix = { "Make the server accept faster (more processes on the port with SO_REUSEPORT: --set server.workers=N for the built-in one) and give it the limits it needs; a longer queue only absorbs bursts: --set server.backlog=65535 with --set sysctl.net.core.somaxconn=65535.",
			 "Fix fd-limit first: a server that cannot accept fills any queue." },
		.try_ = { "--set server.backlog=65535 --set sysctl.net.core.somaxconn=65535" },
		.judge = judge_accept_queue,
	},
	{
		.id = "retransmissions",
		.family = "queues",
		.summary = "segments were lost and sent again, or dropped on the links",
		.where = RULE_BOX | RULE_HOLD | RULE_CHURN,
		.may = MAY_WARNING,
		.rank = 160,
		.after = { "accept-queue", "syn-queue", "conntrack-full" },
		.why = { "A segment that is not acknowledged in time is sent again after the retransmission timeout (at least 200 ms, doubling each time): a connect or request that meets one takes hundreds of milliseconds more. Drops on a veth link come from a full queue (a burst larger than the receiving side's backlog, net.core.netdev_max_backlog) or from the other side being gone.",
			 "A segment that is not acknowledged in time is sent again after the retransmission timeout (at least 200 ms, doubling each time): a connect or request that meets one takes hundreds of milliseconds more. Drops on a veth link come from a full queue (a burst larger than the receiving side's backlog, net.core.netdev_max_backlog) or from the other side being gone. Here the kernel itself dropped handshakes (see the findings above): every SYN or ACK it dropped was sent again, so most of these retransmissions follow from them." },
		.fix = { "Smooth the bursts: a lower clients.rate or clients.inflight; on the host, a larger net.core.netdev_max_backlog." },
		.judge = judge_retrans,
	},
};
const size_t rules_queues_n = sizeof(rules_queues) / sizeof(rules_queues[0]);
