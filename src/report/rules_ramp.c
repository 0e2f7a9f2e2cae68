/* SPDX-License-Identifier: MIT */
/* rules_ramp.c - findings of a ramp that did not reach its target and no
 * other cause explains: it ran out of time, or it stalled
 * (docs/findings.md). */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/report.h"
#include "report/rules.h"

/* The ramp missed its target and held what it had, with nothing else to
 * blame (reached, stopped by the floor or another cause, or failed before
 * the hold: not this rule's); the ramp's index in phases, or -1. */
static int ramp_missed(const struct fctx *x)
{
	int ri = phase_index(x, "ramp");

	if (x->user_clients || !isnan(num(x, "connections.ramp_s")) ||
	    !isnan(num(x, "memory.floor_hit_s")) || !(x->peak < x->target) || ri < 0 ||
	    phase_index(x, "hold") < 0 || rule_any_cause(x))
		return -1;
	return ri;
}

static void ramp_evidence(const struct fctx *x, struct draft *d, int ri)
{
	long lo, hi, early;
	char a[32];

	cite(x, d, EV_PEAK);
	cite(x, d, EV_TARGET);
	cite(x, d, EV_PHASE_START, (long)ri);
	cite(x, d, EV_PHASE_END, (long)ri);
	cite(x, d, EV_ERRORS);
	tl_span(x, "ramp", "connect_mean_us", &lo, &hi);
	early = lo + 1 < hi ? lo + 1 : lo;
	if (lo >= 0 && hi > lo) {
		cite(x, d, EV_TL_EST_EARLY, early);
		cite(x, d, EV_TL_EST_END, hi);
		cite(x, d, EV_TL_CONNECT_EARLY, early);
		cite(x, d, EV_TL_CONNECT_LATE, hi);
	}
	slot(d, "early", "%s",
	     fmt_n(early >= 0 ? tl(x, "connect_mean_us", (size_t)early) : NAN, a, sizeof(a)));
	slot(d, "late", "%s",
	     fmt_n(hi >= 0 ? tl(x, "connect_mean_us", (size_t)hi) : NAN, a, sizeof(a)));
}

static void judge_ramp_timeout(struct fctx *x)
{
	int ri = ramp_missed(x);
	double start = num(x, "phases[%d].start_s", ri), end = num(x, "phases[%d].end_s", ri);
	char a[32], b[32], c[32];
	struct draft *d;

	if (ri < 0 || !isnan(num(x, "connections.ramp_stalled_s")))
		return;
	d = finding(
		x, "cause", end,
		"The ramp ran out of time: %s of %s connections when lab.ramp_timeout (%s s) ended it",
		fmt_n(x->peak, a, sizeof(a)), fmt_n(x->target, b, sizeof(b)),
		fmt_n(round(end - start), c, sizeof(c)));
	ramp_evidence(x, d, ri);
}

static void judge_ramp_stalled(struct fctx *x)
{
	int ri = ramp_missed(x);
	char a[32], b[32];
	struct draft *d;

	if (ri < 0 || isnan(num(x, "connections.ramp_stalled_s")))
		return;
	d = finding(
		x, "cause", num(x, "connections.ramp_stalled_s"),
		"The ramp stalled at %s of %s connections: none was added for 30 s, and no rule found why",
		fmt_n(x->peak, a, sizeof(a)), fmt_n(x->target, b, sizeof(b)));
	cite(x, d, EV_RAMP_STALLED);
	ramp_evidence(x, d, ri);
}

const struct rule rules_ramp[] = {
	{
		.id = "ramp-timeout",
		.family = "ramp",
		.summary = "the ramp ran out of lab.ramp_timeout short of its target",
		.where = RULE_BOX | RULE_HOLD,
		.may = MAY_CAUSE,
		.rank = 140,
		.after = { "*cause" },
		.why = { "The flood keeps at most clients.inflight connects in progress, so the ramp's pace is inflight divided by the time one connect takes. When every core is busy (the lab's own processes, the kernel's handshakes) each connect waits longer for its turn, the pace falls, and lab.ramp_timeout ends the ramp with fewer connections than asked. The connect times cited: {early} us early in the ramp, {late} us at its end." },
		.fix = { "Give the ramp more time (--set lab.ramp_timeout=15m) or ask for fewer connections. On a small machine fewer processes help: each flood and server worker holds up to its open-file limit, so the plan's process count falls as that limit rises." },
		.try_ = { "--set lab.ramp_timeout=15m" },
		.judge = judge_ramp_timeout,
	},
	{
		.id = "ramp-stalled",
		.family = "ramp",
		.summary = "the ramp added no connection for 30 s and no rule found why",
		.where = RULE_BOX | RULE_HOLD,
		.may = MAY_CAUSE,
		.rank = 141,
		.after = { "*cause" },
		.why = { "The connections stopped growing although the target was not reached and the floods kept trying: a limit that none of connlab's rules knows stood in the way. connlab held what was open rather than wait for lab.ramp_timeout." },
		.fix = { "Look at the errors and at children.log around the time cited, and at `connlab explain --json` for what moved; the kernel log (dmesg) may name the limit." },
		.judge = judge_ramp_stalled,
	},
};
const size_t rules_ramp_n = sizeof(rules_ramp) / sizeof(rules_ramp[0]);
