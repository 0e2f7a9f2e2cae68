/* SPDX-License-Identifier: MIT */
/* rules_notes.c - findings about the measurement itself and what the run
 * teaches: a launcher that ran late, ping under the load, the kernel's
 * memory per connection, and the run that missed with no cause found
 * (docs/findings.md). */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/report.h"
#include "report/rules.h"

static void judge_launcher(struct fctx *x)
{
	long i = tl_max(x, "sample_lag_ms");
	double lag = i >= 0 ? tl(x, "sample_lag_ms", (size_t)i) : NAN;
	unsigned late = 0;
	char a[32];
	struct draft *d;

	if (!(lag >= 100) || !(lag >= 200 * num(x, "timeline.interval_s")))
		return;
	for (size_t k = 0, n = tl_len(x); k < n; k++)
		late += tl(x, "sample_lag_ms", k) >= 100;
	d = finding(
		x, "warning", tl_t(x, tl_first(x, "sample_lag_ms", 99.999)),
		"The launcher itself ran late (up to %s ms in %u samples): latency figures of those intervals are upper bounds",
		fmt_n(lag, a, sizeof(a)), late);
	cite(x, d, EV_TL_SAMPLE_LAG, i);
	cite(x, d, EV_LAUNCHER_CPU);
	cite(x, d, EV_CPUS);
}

/* The load's phase for ping: the ramp when churning, the hold otherwise. */
static double ping_num(const struct fctx *x, const char *what)
{
	return num(x, "ping.%s.%s", x->churn ? "ramp" : "hold", what);
}

/* What ping under the load is compared with: the network quiet, before any
 * lab process started (ping.quiet), or, in runs without it, the seconds
 * before the load with the servers up. */
static double base_p99(const struct fctx *x, int *quiet)
{
	double q = num(x, "ping.quiet.p99_ms");

	*quiet = !isnan(q);
	return *quiet ? q : num(x, "ping.before.p99_ms");
}

/* The tail of the pings under the load: their p99, or with fewer than 100
 * answered their p90 (by nearest rank the p99 of fewer is the single worst
 * ping, which a shared machine's scheduler alone can slow); with fewer than
 * ten there is no tail to judge. */
struct tail {
	double ms;
	const char *name;
	enum ev ev;
};

static int ping_tail(const struct fctx *x, struct tail *t)
{
	double n = ping_num(x, "count");
	int p99 = n >= 100;

	if (!(n >= 10))
		return 0;
	t->ms = ping_num(x, p99 ? "p99_ms" : "p90_ms");
	t->name = p99 ? "p99" : "p90";
	t->ev = x->churn ? (p99 ? EV_PING_RAMP_P99 : EV_PING_RAMP_P90)
			 : (p99 ? EV_PING_HOLD_P99 : EV_PING_HOLD_P90);
	return !isnan(t->ms);
}

/* The median moving is the load; the tail on a shared machine moves by
 * itself, so it counts only when it moves a lot. The stated bound: a ping
 * lost, a median three times the one before (and 1 ms or more), or a tail
 * five times the quiet p99 and 5 ms above it. */
static int ping_affected(const struct fctx *x)
{
	int quiet;
	struct tail t;
	double b99 = base_p99(x, &quiet);
	double b50 = num(x, "ping.before.p50_ms"), h50 = ping_num(x, "p50_ms");

	return num(x, "ping.all.lost") > 0 || (h50 > 3 * b50 && h50 >= 1) ||
	       (ping_tail(x, &t) && t.ms > 5 * b99 && t.ms >= b99 + 5);
}

/* no ping under the load: nothing to say */
static int ping_measured(const struct fctx *x)
{
	return num(x, "ping.all.sent") > 0 && ping_num(x, "sent") > 0;
}

static void judge_ping_affected(struct fctx *x)
{
	long first = tl_first(x, "pings_lost", 0);
	double t = first >= 0 ? tl_t(x, first) : NAN, answered = ping_num(x, "count");
	char a[32], b[32], c[32], rtt[128], act[200];
	struct draft *d;
	struct tail tail;
	int quiet;
	double b99 = base_p99(x, &quiet);

	if (!ping_measured(x) || !ping_affected(x))
		return;
	if (ping_tail(x, &tail))
		snprintf(rtt, sizeof(rtt), "RTT %s %s ms against a p99 of %s ms %s", tail.name,
			 fmt_n(tail.ms, a, sizeof(a)), fmt_n(b99, b, sizeof(b)),
			 quiet ? "with the network quiet" : "before the load");
	else
		snprintf(rtt, sizeof(rtt), "%s answered", fmt_n(answered, a, sizeof(a)));
	d = finding(
		x, "warning", t,
		"Ping suffered under the load: %s of %s pings lost during the %s, %s (%s lost in all)",
		fmt_n(ping_num(x, "lost"), a, sizeof(a)), fmt_n(ping_num(x, "sent"), b, sizeof(b)),
		x->churn ? "churn" : "hold", rtt, fmt_n(num(x, "ping.all.lost"), c, sizeof(c)));
	cite(x, d, EV_PINGS_LOST);
	cite(x, d, EV_PINGS_SENT);
	cite(x, d, x->churn ? EV_PING_RAMP_LOST : EV_PING_HOLD_LOST);
	cite(x, d, x->churn ? EV_PING_RAMP_SENT : EV_PING_HOLD_SENT);
	cite(x, d, quiet ? EV_PING_QUIET_P99 : EV_PING_BEFORE_P99);
	if (ping_tail(x, &tail))
		cite(x, d, tail.ev);
	if (first >= 0)
		cite(x, d, EV_TL_PINGS_LOST, first);
	rule_active_at(x, isnan(t) ? 1e18 : t, act, sizeof(act));
	slot(d, "active", "%s", act);
	d->why = !act[0];
}

/* What the note says of the RTT, and the evidence for it: the tail against
 * the quiet p99, or with fewer than ten pings answered under the load the
 * median against the one before it (a tail of so few would be one ping). */
static void ping_rtt_words(const struct fctx *x, char *buf, size_t len, enum ev ev[2])
{
	char a[32], b[32];
	struct tail t;
	int quiet;
	double b99 = base_p99(x, &quiet);

	if (ping_tail(x, &t)) {
		snprintf(buf, len, "RTT %s was %s ms (p99 %s ms %s)", t.name,
			 fmt_n(t.ms, a, sizeof(a)), fmt_n(b99, b, sizeof(b)),
			 quiet ? "with the network quiet" : "before the load");
		ev[0] = quiet ? EV_PING_QUIET_P99 : EV_PING_BEFORE_P99;
		ev[1] = t.ev;
		return;
	}
	snprintf(buf, len, "RTT median was %s ms (%s ms before the load; too few pings for a tail)",
		 fmt_n(ping_num(x, "p50_ms"), a, sizeof(a)),
		 fmt_n(num(x, "ping.before.p50_ms"), b, sizeof(b)));
	ev[0] = EV_PING_BEFORE_P50;
	ev[1] = x->churn ? EV_PING_RAMP_P50 : EV_PING_HOLD_P50;
}

static void judge_ping_unaffected(struct fctx *x)
{
	char a[32], b[32], c[32], rtt[160];
	enum ev ev[2];
	struct draft *d;

	if (!ping_measured(x) || ping_affected(x) || !(ping_num(x, "count") > 0))
		return;
	if (!(x->peak >= 1000) || !(x->peak >= 0.5 * x->target))
		return; /* too little load to answer the question */
	ping_rtt_words(x, rtt, sizeof(rtt), ev);
	d = finding(x, "note", NAN,
		    "Ping was unaffected: with %s connections %s, %s of %s pings were lost and %s",
		    fmt_n(x->peak, a, sizeof(a)), x->churn ? "churned" : "held",
		    fmt_n(num(x, "ping.all.lost"), b, sizeof(b)),
		    fmt_n(num(x, "ping.all.sent"), c, sizeof(c)), rtt);
	cite(x, d, EV_PEAK);
	cite(x, d, EV_PINGS_SENT);
	cite(x, d, EV_PINGS_LOST);
	cite(x, d, ev[0]);
	cite(x, d, ev[1]);
	cite(x, d, x->churn ? EV_PING_RAMP_SENT : EV_PING_HOLD_SENT);
}

static int slab_shrank(const struct fctx *x)
{
	double per = num(x, "memory.kernel_slab_per_conn_bytes");

	return num(x, "memory.connections_measured") >= 1000 && (isnan(per) || per < 0) &&
	       num(x, "memory.slab_hold_bytes") < num(x, "memory.slab_before_bytes");
}

static void judge_memory_not_measured(struct fctx *x)
{
	char a[32], b[32], c[32];
	struct draft *d;

	if (!slab_shrank(x))
		return;
	d = finding(
		x, "warning", NAN,
		"The kernel's memory per connection could not be measured: Slab shrank from %s MiB to %s MiB while %s connections opened",
		fmt_n(round(num(x, "memory.slab_before_bytes") / 1048576), a, sizeof(a)),
		fmt_n(round(num(x, "memory.slab_hold_bytes") / 1048576), b, sizeof(b)),
		fmt_n(num(x, "memory.connections_measured"), c, sizeof(c)));
	cite(x, d, EV_SLAB_BEFORE);
	cite(x, d, EV_SLAB_HOLD);
	cite(x, d, EV_MEASURED);
}

static void judge_memory_per_connection(struct fctx *x)
{
	json_t *caches = jpath(x->res, "memory.slab_caches"), *c;
	double per = num(x, "memory.kernel_slab_per_conn_bytes");
	const char *name;
	char a[32], list[600] = "";
	size_t o = 0;
	struct draft *d;

	if (slab_shrank(x) || !json_is_object(caches) ||
	    !(num(x, "memory.connections_measured") >= 1000) || isnan(per))
		return;
	json_object_foreach(caches, name, c)
	{
		double p = json_number_value(json_object_get(c, "per_conn_bytes"));

		if (p >= 20 && o < sizeof(list) - 40)
			o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s %.0f B",
					      o ? ", " : "", name, p);
	}
	d = finding(
		x, "note", NAN,
		"Each connection cost %s bytes of kernel memory here (both ends in this box): %s",
		fmt_n(round(per), a, sizeof(a)), list);
	cite(x, d, EV_SLAB_PER_CONN);
	cite(x, d, EV_MEASURED);
	json_object_foreach(caches, name, c)
	{
		if (json_number_value(json_object_get(c, "per_conn_bytes")) >= 20)
			cite(x, d, EV_SLAB_CACHE, name);
	}
	cite(x, d, EV_SLAB_OTHER);
	cite(x, d, EV_USER_PSS);
	slot(d, "million", "%s", fmt_n(round(per * 1e6 / 1048576), a, sizeof(a)));
}

static void judge_no_cause(struct fctx *x)
{
	static const char *const watch[] = {
		"ListenOverflows", "TCPReqQFullDrop", "TCPAbortOnTimeout", "TCPAbortOnData",
		"TCPAbortOnClose", "TCPBacklogDrop",  "PruneCalled",	   "AttemptFails",
		"EstabResets",	   "InErrs",	      "RetransSegs"
	};
	json_t *v;
	const char *ns;
	char moved[600] = "";
	size_t o = 0;
	struct draft *d;

	if (rule_any_cause(x) || !x->missed)
		return;
	/* a run that could not run says why itself (result.json's reason) */
	if (!strcmp(str(x, "outcome") ?: "", "cannot run") && str(x, "reason"))
		return;
	d = finding(x, "cause", NAN,
		    "The run missed its target or an expectation, and no rule found why");
	json_object_foreach(json_object_get(x->res, "counters"), ns, v)
	{
		for (size_t k = 0; k < sizeof(watch) / sizeof(watch[0]); k++) {
			if (!(json_number_value(json_object_get(v, watch[k])) > 0))
				continue;
			if (o < sizeof(moved) - 60)
				o += (size_t)snprintf(moved + o, sizeof(moved) - o, "%s%s %s",
						      o ? ", " : "", ns, watch[k]);
			cite(x, d, EV_COUNTER, watch[k], ns);
		}
	}
	cite(x, d, EV_ERRORS);
	cite(x, d, EV_PEAK);
	cite(x, d, EV_TARGET);
	cite(x, d, EV_REASON);
	slot(d, "moved", "%s", moved[0] ? moved : "no counter connlab watches");
}

const struct rule rules_notes[] = {
	{
		.id = "launcher-delayed",
		.family = "notes",
		.summary = "the launcher's own loop ran late: latency figures are upper bounds",
		.where = RULE_BOX | RULE_HOLD | RULE_CHURN,
		.may = MAY_WARNING,
		.rank = 180,
		.why = { "The launcher reads ping answers and probe connects in its own event loop. When that loop waits for a CPU (every core busy with the ramp) an answer that came back in time is read late and counted late, so ping and probe times of those intervals measure the wait as well: what the kernel did is at most what they say." },
		.fix = { "Leave a core free: a lower clients.rate, fewer flood processes (clients.workers) than cores, or a bigger machine." },
		.judge = judge_launcher,
	},
	{
		.id = "ping-affected",
		.family = "notes",
		.summary = "ping lost packets or slowed under the load, with what was active then",
		.where = RULE_ANYWHERE,
		.may = MAY_WARNING,
		.rank = 190,
		.after = { "*cause", "*warning", "ramp" },
		.why = { "The ping goes from a namespace of its own, through the same server kernel, so it shows what any other user of this host would have felt. Affected means: a ping lost, a median three times the one before the load (and 1 ms or more), or a tail five times the p99 with the network quiet (pings every 20 ms for a second before any lab process starts) and 5 ms above it. The tail is the p99 of the pings under the load, or their p90 when fewer than 100 were answered: one slow ping is never the tail, since a shared machine's scheduler alone can make one. Active when the first ping was lost or slow: {active}",
			 "The ping goes from a namespace of its own, through the same server kernel, so it shows what any other user of this host would have felt. Affected means: a ping lost, a median three times the one before the load (and 1 ms or more), or a tail five times the p99 with the network quiet (pings every 20 ms for a second before any lab process starts) and 5 ms above it. The tail is the p99 of the pings under the load, or their p90 when fewer than 100 were answered: one slow ping is never the tail, since a shared machine's scheduler alone can make one. No other finding was active then: the cause is not one connlab knows." },
		.fix = { "See the findings named; each has its fix." },
		.judge = judge_ping_affected,
	},
	{
		.id = "ping-unaffected",
		.family = "notes",
		.summary = "ping was unaffected by the connections held or churned",
		.where = RULE_ANYWHERE,
		.may = MAY_NOTE,
		.rank = 191,
		.why = { "Idle connections cost memory, not time: the kernel looks a packet's socket up in a hash table, whose cost does not grow with the number of connections, and an established connection that sends nothing makes no work at all. So a host with many quiet connections answers ping as fast as an idle one. What does hurt is what connections do: many new ones a second, full queues, a full conntrack table, memory pressure. Unaffected means: no ping lost, and neither the median nor the tail beyond the bounds of ping-affected (the tail at most five times the quiet p99, or less than 5 ms above it; with fewer than ten pings answered under the load there is no tail, and the median is compared instead)." },
		.fix = { "Nothing to fix. To see ping suffer, try a lab that fills a queue or a table: lab/syn-backlog.lab or lab/conntrack-full.lab." },
		.judge = judge_ping_unaffected,
	},
	{
		.id = "memory-not-measured",
		.family = "notes",
		.summary = "Slab shrank during the run: memory per connection not measured",
		.where = RULE_BOX | RULE_HOLD | RULE_CHURN,
		.may = MAY_WARNING,
		.rank = 200,
		.why = { "connlab measures the kernel's memory per connection as the growth of Slab (/proc/meminfo) from before the ramp to the hold. Here the kernel was freeing more than the lab allocated meanwhile: the sockets of an earlier run are freed in the background (RCU, the TIME_WAIT timers) for a minute or more after it ends, so the difference says nothing about this run." },
		.fix = { "Run again when the host is quiet: after a large run, wait until Slab in /proc/meminfo stops falling." },
		.judge = judge_memory_not_measured,
	},
	{
		.id = "memory-per-connection",
		.family = "notes",
		.summary = "what one connection cost in kernel memory, cache by cache",
		.where = RULE_BOX | RULE_HOLD | RULE_CHURN,
		.may = MAY_NOTE,
		.rank = 201,
		.why = { "Both ends of every connection live in this kernel, so a connection is two sockets. Each socket is a struct tcp_sock (the TCP cache, about 2.3 KB), a socket inode (sock_inode_cache, about 0.8 KB) with its dentry, a struct file (filp, 192 B) and, in an epoll program, an epoll entry (eventpoll_epi, 128 B): about 3.5 KB a socket, 7 KB a connection, before any buffer. That is where the often quoted \"3 KB per socket\" (the socket alone) and \"8-10 KB per connection\" (both ends, with files and epoll) come from. Buffers (skbuff_head_cache, kmalloc) grow only while data waits unread; idle connections keep none. Slab growth in no cache listed (slab_other_growth_bytes) belongs to no lab socket: other activity on the host." },
		.fix = { "Nothing to fix: this is what a connection costs. Memory for 1M connections here: about {million} MiB of kernel memory." },
		.judge = judge_memory_per_connection,
	},
	{
		.id = "no-cause-found",
		.family = "notes",
		.summary = "the run missed and no rule found why: what moved",
		.where = RULE_ANYWHERE,
		.may = MAY_CAUSE,
		.rank = 210,
		.after = { "*cause", "ramp" },
		.why = { "What moved during the run: {moved}. None of it matched a known cause." },
		.fix = { "Look at the timeline in report.html around the moment the figures changed, and at children.log; `connlab explain --json` lists the same evidence. If you find the cause, it is worth a rule: docs/findings.md says how to add one." },
		.judge = judge_no_cause,
	},
};
const size_t rules_notes_n = sizeof(rules_notes) / sizeof(rules_notes[0]);
