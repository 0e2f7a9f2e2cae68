/* SPDX-License-Identifier: MIT */
/* rules_closes.c - findings of connections that ended: closed by the
 * server, reset, refused, and those left in CLOSE_WAIT (docs/findings.md).
 * What follows from a server's death is not a cause of its own: the
 * table's demoted_by says so, and the driver applies it. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/report.h"
#include "report/rules.h"

static void judge_closed_by_server(struct fctx *x)
{
	double n = num(x, "connections.closed_by_server.count");
	const char *bytes = str(x, "connections.closed_by_server.first_bytes");
	char a[32];
	struct draft *d;

	if (!(n > 0) || (x->churn && !strcmp(str(x, "plan.closer") ?: "", "server")))
		return;
	if (rule_found(x, "server-limit", NULL))
		return; /* the server's own limit, in its own words */
	d = finding(x, severity(x), tl_t(x, tl_first(x, "closed_by_server", 0)),
		    "The server closed %s connections%s%s%s", fmt_n(n, a, sizeof(a)),
		    bytes ? " after sending \"" : "", bytes ? bytes : "", bytes ? "\"" : "");
	cite(x, d, EV_CLOSED_COUNT);
	cite(x, d, EV_CLOSED_BYTES);
	cite(x, d, EV_CLOSED_LIFE);
	cite(x, d, EV_LINES);
	cite(x, d, EV_ERRORS);
}

static void judge_reset(struct fctx *x)
{
	double rst = count(x, "errors.ECONNRESET");
	char a[32];
	struct draft *d;

	if (!(rst > 0))
		return;
	d = finding(x, severity(x), tl_t(x, tl_first(x, "errors.ECONNRESET", 0)),
		    "%s connections were reset by the other side", fmt_n(rst, a, sizeof(a)));
	cite(x, d, EV_ECONNRESET);
	cite(x, d, EV_SRV_RSTS);
	cite(x, d, EV_SRV_ESTAB_RESETS);
}

static void judge_refused(struct fctx *x)
{
	double ref = count(x, "errors.ECONNREFUSED");
	char a[32];
	struct draft *d;

	if (!(ref > 0))
		return;
	d = finding(x, severity(x), tl_t(x, tl_first(x, "errors.ECONNREFUSED", 0)),
		    "%s connects were refused: nothing listened on the address and port",
		    fmt_n(ref, a, sizeof(a)));
	cite(x, d, EV_ECONNREFUSED);
	cite(x, d, EV_SERVER_PORTS);
}

/* The last sample of the load (ramp, hold or churn), or -1. */
static long last_of_load(const struct fctx *x)
{
	json_t *ph = jpath(x->res, "timeline.phase");
	long last = -1;

	for (size_t i = 0, n = tl_len(x); i < n; i++) {
		const char *p = json_string_value(json_array_get(ph, i)) ?: "";

		if (!strcmp(p, "hold") || !strcmp(p, "ramp") || !strcmp(p, "churn"))
			last = (long)i;
	}
	return last;
}

static void judge_close_wait(struct fctx *x)
{
	double peak = num(x, "peaks.close_wait"), best = 0;
	json_t *v;
	const char *ns, *side = NULL;
	long last;
	char a[32];
	struct draft *d;

	if (!(peak >= 100) || peak < 0.01 * x->target)
		return;
	/* piling up, not passing through: still there in the last sample of
	 * the load (a program that closes at once shows a few in passing) */
	last = last_of_load(x);
	if (last < 0 || !(tl(x, "states.close_wait", (size_t)last) >= 0.5 * peak))
		return;
	json_object_foreach(json_object_get(x->res, "states"), ns, v)
	{
		double c = json_number_value(jpath(v, "peak.CLOSE_WAIT"));

		if (c > best) {
			best = c;
			side = ns;
		}
	}
	d = finding(
		x, severity(x), tl_t(x, tl_first(x, "states.close_wait", 0)),
		"%s connections sat in CLOSE_WAIT%s%s: the program there got the FIN and never closed its socket",
		fmt_n(peak, a, sizeof(a)), side ? " in namespace " : "", side ? side : "");
	cite(x, d, EV_CLOSE_WAIT);
	cite(x, d, EV_TL_CLOSE_WAIT, last);
	if (side)
		cite(x, d, EV_NS_CLOSE_WAIT, side);
	cite(x, d, EV_NS_FIN_WAIT2, side && !strcmp(side, "srv") ? "c0" : "srv");
}

#define AFTER_DEATH                                                                                \
	{                                                                                          \
		{ "process-died", "server", ", as the server died (process-died)" },               \
			{ "epoll-watches", NULL, ", those it could not watch (epoll-watches)" },   \
			{ "storm-recovered", NULL, ", in the lab's events (storm-recovered)" },    \
			{ "tls-failures", NULL, ", whose TLS failed (tls-failures)" },             \
	}

const struct rule rules_closes[] = {
	{
		.id = "closed-by-server",
		.family = "closes",
		.summary =
			"the server closed connections itself (read of 0 bytes), often at its own limit",
		.where = RULE_BOX | RULE_HOLD | RULE_CHURN,
		.may = MAY_CAUSE | MAY_WARNING,
		.rank = 110,
		.after = { "server-limit" },
		.demoted_by = AFTER_DEATH,
		.why = { "The server accepted these connections and then closed them itself: the flood read its FIN (a read of 0 bytes), not an error, so they count as \"closed by the server\" and not under errors. A server at its own connection limit often does this, with a message or without a word. Half their lives were shorter than the median cited." },
		.fix = { "Read the server's answer above and look for its own connection limit (`connlab help findings` lists the servers connlab knows by name); raise it, or spread the connections over more server processes." },
		.judge = judge_closed_by_server,
	},
	{
		.id = "connection-reset",
		.family = "closes",
		.summary = "connections were reset by the other side (ECONNRESET)",
		.where = RULE_BOX | RULE_HOLD | RULE_CHURN,
		.may = MAY_CAUSE | MAY_WARNING,
		.rank = 120,
		.demoted_by = AFTER_DEATH,
		.why = { "A reset (RST) ends a connection at once, without the orderly FIN exchange. The kernel sends one for a socket that was closed with unread data, one aborted for lack of memory, a connection closed with SO_LINGER 0, or a segment for a connection it does not know (one it dropped from a full queue)." },
		.fix = { "Look for the cause in the other findings (memory, queues) and in the server's log; a server that closes with unread input sends resets." },
		.judge = judge_reset,
	},
	{
		.id = "connection-refused",
		.family = "closes",
		.summary = "connects were refused: nothing listened (ECONNREFUSED)",
		.where = RULE_BOX | RULE_HOLD | RULE_CHURN,
		.may = MAY_CAUSE | MAY_WARNING,
		.rank = 125,
		.demoted_by = AFTER_DEATH,
		.why = { "The server's kernel answers a SYN with a reset when no socket listens on that address and port: connect() fails with ECONNREFUSED. The server was not listening (yet, any more, or on another port or address)." },
		.fix = { "Check that the server listens on every port of server.ports and on the address connlab gives it ({address} in server.command); a server that died shows as process-died." },
		.judge = judge_refused,
	},
	{
		.id = "close-wait",
		.family = "closes",
		.summary = "connections piled up in CLOSE_WAIT: a program never closed its sockets",
		.where = RULE_BOX | RULE_HOLD | RULE_CHURN,
		.may = MAY_CAUSE | MAY_WARNING,
		.rank = 130,
		.why = { "CLOSE_WAIT means the peer has closed its side (its FIN arrived) and the kernel waits for this program to call close(). The kernel never times it out: a program that does not notice the end of a connection (a read of 0 bytes) leaks one socket and one file descriptor per connection until it runs out of files. The other side waits in FIN_WAIT2, which does time out (net.ipv4.tcp_fin_timeout)." },
		.fix = { "Fix the program: close the socket when a read returns 0 (or on EPOLLRDHUP). In this lab the built-in server's silent mode never closes on purpose; keepalive mode does: --set server.mode=keepalive." },
		.try_ = { "--set server.mode=keepalive" },
		.judge = judge_close_wait,
	},
};
const size_t rules_closes_n = sizeof(rules_closes) / sizeof(rules_closes[0]);
