/* SPDX-License-Identifier: MIT */
/* rules_storm.c - findings about the lab's events (result.json's
 * events): the reconnect herd that overran the server's queues, connects
 * that waited for the kernel's SYN retransmits, TIME_WAIT left by the side
 * that closed, uneven takeover by the workers left, a recovery that did
 * not complete, and how long it took when all went well
 * (docs/findings.md). */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/report.h"
#include "report/rules.h"
#include "util/jpath.h"

static json_t *events(const struct fctx *x)
{
	return json_object_get(x->res, "events");
}

/* an event's number at path (NAN when absent or null) */
static double ev_num(json_t *e, const char *path)
{
	json_t *v = jpath(e, path);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* what the event's title says of it: "the restart at 20 s" */
static const char *ev_title(json_t *e, char *buf, size_t len)
{
	char a[32];

	snprintf(buf, len, "the %s at %s s into the hold",
		 json_string_value(json_object_get(e, "kind")) ?: "event",
		 fmt_n(ev_num(e, "at_s"), a, sizeof(a)));
	return buf;
}

static int happened(json_t *e)
{
	return json_is_true(json_object_get(e, "happened"));
}

/* A window of seconds as a lab key gives it: 250ms, 2s, 1m. */
static const char *duration_text(double s, char *buf, size_t len)
{
	if (s < 1)
		snprintf(buf, len, "%.0fms", ceil(s * 100) * 10);
	else if (s < 60)
		snprintf(buf, len, "%.0fs", ceil(s));
	else
		snprintf(buf, len, "%.0fm", ceil(s / 60));
	return buf;
}

/* The herd: the reconnects overran the listen queue (overflows) or the
 * SYN queue (cookies), more than a stray one. The fix spreads the lost
 * connections' first attempts over a window in which they arrive at half
 * the rate the server took connections back at in this run. */
static void judge_herd(struct fctx *x)
{
	json_t *e;
	size_t i;

	json_array_foreach(events(x), i, e)
	{
		double over = ev_num(e, "kernel.listen_overflows"),
		       cookies = ev_num(e, "kernel.syncookies_sent"),
		       lost = ev_num(e, "floods.lost"),
		       slow = ev_num(e, "floods.connect.at_least_1s"),
		       rate = ev_num(e, "regain_rate_per_s"), base, maxw;
		char t[96], a[32], b[32], c[32], w[32], m[32], sl[32];
		struct draft *d;

		if (isnan(slow))
			slow = 0;
		/* the queues overran, or a tenth of the reconnects lost a SYN */
		if (!happened(e) || !(lost > 0) ||
		    !(over + cookies >= fmax(10, lost / 100) || slow >= fmax(10, lost / 10)))
			continue;
		d = finding(
			x, "warning", ev_num(e, "t_s"),
			"A reconnect herd after %s: %s lost connections came back at once; %s listen overflows, %s SYN cookies sent, and %s connects waited a second or more for a SYN sent again",
			ev_title(e, t, sizeof(t)), fmt_n(lost, a, sizeof(a)),
			fmt_n(over, b, sizeof(b)), fmt_n(cookies, c, sizeof(c)),
			fmt_n(slow, sl, sizeof(sl)));
		cite(x, d, EV_EVT_LOST, (long)i);
		cite(x, d, EV_EVT_RECONNECTS, (long)i);
		cite(x, d, EV_EVT_WAIT_P90, (long)i);
		cite(x, d, EV_EVT_OVERFLOWS, (long)i);
		cite(x, d, EV_EVT_COOKIES, (long)i);
		cite(x, d, EV_EVT_CONNECT_1S, (long)i);
		cite(x, d, EV_EVT_SYN_RETRANS, (long)i);
		cite(x, d, EV_BACKLOG);
		cite(x, d, EV_EVT_RATE, (long)i);
		if (!(rate > 0)) {
			d->why = d->fix = 1;
			continue;
		}
		base = 2 * lost / rate;
		maxw = fmax(30, 4 * base);
		slot(d, "rate", "%s", fmt_n(rate, a, sizeof(a)));
		slot(d, "base", "%s", duration_text(base, w, sizeof(w)));
		slot(d, "max", "%s", duration_text(maxw, m, sizeof(m)));
		slot(d, "lost", "%s", fmt_n(lost, b, sizeof(b)));
	}
}

/* Connects of the window that took a second or more: each waited for a
 * SYN the kernel sent again (after 1 s, then 3 s, 7 s in all). */
static void judge_syn_wait(struct fctx *x)
{
	json_t *e;
	size_t i;

	json_array_foreach(events(x), i, e)
	{
		double slow = ev_num(e, "floods.connect.at_least_1s"),
		       slow3 = ev_num(e, "floods.connect.at_least_3s"),
		       n = ev_num(e, "floods.connect.count"),
		       re = ev_num(e, "kernel.syn_retransmits");
		char t[96], a[32], b[32], c[32];
		struct draft *d;

		if (!happened(e) || !(slow > 0) || !(re > 0))
			continue;
		d = finding(
			x, "warning", ev_num(e, "t_s"),
			"After %s, %s of %s reconnects waited for a SYN retransmit: a second or more (%s three seconds or more)",
			ev_title(e, t, sizeof(t)), fmt_n(slow, a, sizeof(a)),
			fmt_n(n, b, sizeof(b)), fmt_n(slow3, c, sizeof(c)));
		cite(x, d, EV_EVT_SYN_RETRANS, (long)i);
		cite(x, d, EV_EVT_CONNECT_1S, (long)i);
		cite(x, d, EV_EVT_CONNECT_3S, (long)i);
		cite(x, d, EV_EVT_CONNECT_P99, (long)i);
		cite(x, d, EV_EVT_OVERFLOWS, (long)i);
	}
}

/* The server side closed (its process ended): its sockets wait out
 * TIME_WAIT, 60 s, in the server's namespace. */
static void judge_time_wait(struct fctx *x)
{
	json_t *e;
	size_t i;

	json_array_foreach(events(x), i, e)
	{
		double tw = ev_num(e, "kernel.server_time_wait_peak");
		char t[96], a[32];
		struct draft *d;

		if (!happened(e) || !(tw >= 100))
			continue;
		d = finding(
			x, "note", ev_num(e, "t_s"),
			"After %s the server's side held %s connections in TIME_WAIT: the side that closes first keeps it, here the server, whose process ended",
			ev_title(e, t, sizeof(t)), fmt_n(tw, a, sizeof(a)));
		cite(x, d, EV_EVT_TW, (long)i);
		cite(x, d, EV_EVT_LOST, (long)i);
	}
}

/* After workers were killed, the rest took the new connections unevenly:
 * the busiest more than twice the least busy (of 100 or more). */
static void judge_uneven(struct fctx *x)
{
	json_t *e;
	size_t i;

	json_array_foreach(events(x), i, e)
	{
		json_t *by = json_object_get(e, "accepted_by_worker"), *v;
		double lo = INFINITY, hi = 0, n = 0;
		char t[96], a[32], b[32];
		struct draft *d;
		size_t k;

		if (!happened(e) ||
		    strcmp(json_string_value(json_object_get(e, "kind")) ?: "", "kill"))
			continue;
		json_array_foreach(by, k, v)
		{
			double a1 = (double)json_integer_value(v);

			if (a1 <= 0)
				continue; /* a worker killed, or one that took nothing */
			lo = fmin(lo, a1);
			hi = fmax(hi, a1);
			n++;
		}
		if (n < 2 || !(hi >= 100) || !(hi > 2 * lo))
			continue;
		d = finding(
			x, "warning", ev_num(e, "t_s"),
			"After %s the workers left took the reconnects unevenly: from %s to %s each",
			ev_title(e, t, sizeof(t)), fmt_n(lo, a, sizeof(a)),
			fmt_n(hi, b, sizeof(b)));
		cite(x, d, EV_EVT_ACCEPTS, (long)i);
	}
}

/* The count never came back within the hold. */
static void judge_no_recovery(struct fctx *x)
{
	json_t *e;
	size_t i;

	json_array_foreach(events(x), i, e)
	{
		const char *cut = json_string_value(json_object_get(e, "cut_by"));
		double min = ev_num(e, "kernel.established_min"), target = ev_num(e, "target");
		char t[96], a[32], b[32];
		struct draft *d;

		if (!happened(e) || !json_is_null(json_object_get(e, "recovered_s")))
			continue;
		d = finding(
			x, severity(x), ev_num(e, "t_s"),
			"The connections did not come back after %s: %s of %s at the lowest, not all back before %s",
			ev_title(e, t, sizeof(t)), fmt_n(min, a, sizeof(a)),
			fmt_n(target, b, sizeof(b)), cut ? cut : "the run ended");
		cite(x, d, EV_EVT_TARGET, (long)i);
		cite(x, d, EV_EVT_ESTAB_MIN, (long)i);
		cite(x, d, EV_EVT_LOST, (long)i);
		cite(x, d, EV_EVT_RECONNECTS, (long)i);
		cite(x, d, EV_RECONNECT);
		d->why = d->fix = !strcmp(str(x, "plan.reconnect") ?: "", "off") ? 1 : 0;
	}
}

/* How long it took, when it came back. */
/* The reconnects' TLS handshakes took the CPUs: both ends on this host,
 * the lost connections' handshakes at the run's CPU a handshake need half
 * or more of the time from the server's return to all back. Only where no
 * handshake resumed: then the run's average is a full handshake's, in the
 * ramp as in the storm (with resumption the ramp's full ones would
 * overstate the storm's). */
static void judge_tls_cpu(struct fctx *x)
{
	double s = num(x, "tls.server.cpu_per_handshake_us"),
	       c = num(x, "tls.clients.cpu_per_handshake_us"), cpus = num(x, "host.cpus");
	json_t *e;
	size_t i;

	if (!(num(x, "tls.server.resumed") == 0) || !(num(x, "tls.clients.resumed") == 0))
		return;
	json_array_foreach(events(x), i, e)
	{
		double rec = ev_num(e, "recovered_s"), back = ev_num(e, "disturbed_s"),
		       lost = ev_num(e, "floods.lost"), need;
		char t[96], a[32], b[32], k[32], n[32], r[32], w[32];
		struct draft *d;

		if (!happened(e) || !(s > 0) || !(c > 0) || !(cpus > 0) || !(lost > 0) ||
		    isnan(rec))
			continue;
		need = lost * (s + c) / 1e6 / cpus;
		if (need < 0.5 * (rec - (back > 0 ? back : 0)))
			continue;
		d = finding(
			x, "warning", ev_num(e, "t_s"),
			"After %s the reconnects waited for the TLS handshakes' CPU: %s full handshakes at %s us of the server's CPU and %s us of the clients' need %s s of this host's %s CPUs; the connections were all back in %s s",
			ev_title(e, t, sizeof(t)), fmt_n(lost, a, sizeof(a)),
			fmt_n(round(s), b, sizeof(b)), fmt_n(round(c), k, sizeof(k)),
			fmt_n(round(need * 10) / 10, n, sizeof(n)), fmt_n(cpus, w, sizeof(w)),
			fmt_n(round(rec * 10) / 10, r, sizeof(r)));
		cite(x, d, EV_EVT_LOST, (long)i);
		cite(x, d, EV_EVT_RECOVERED, (long)i);
		cite(x, d, EV_EVT_DISTURBED, (long)i);
		cite(x, d, EV_TLS_SRV_CPU);
		cite(x, d, EV_TLS_CLI_CPU);
		cite(x, d, EV_CPUS);
		cite(x, d, EV_TLS_RESUME);
		cite(x, d, EV_TLS_SRV_RESUMED);
	}
}

static void judge_recovered(struct fctx *x)
{
	json_t *e;
	size_t i;

	json_array_foreach(events(x), i, e)
	{
		double rec = ev_num(e, "recovered_s"), r99 = ev_num(e, "recovered99_s"),
		       lost = ev_num(e, "floods.lost"), klost = ev_num(e, "kernel.lost");
		char t[96], a[32], b[32], c[32], k[32];
		struct draft *d;

		if (!happened(e) || isnan(rec))
			continue;
		d = finding(
			x, "note", ev_num(e, "t_s"),
			"After %s the connections were all back in %s s (99%% in %s s): %s lost by the floods' count, %s by the kernel's",
			ev_title(e, t, sizeof(t)), fmt_n(round(rec * 100) / 100, a, sizeof(a)),
			fmt_n(round(r99 * 100) / 100, b, sizeof(b)), fmt_n(lost, c, sizeof(c)),
			fmt_n(klost, k, sizeof(k)));
		cite(x, d, EV_EVT_RECOVERED, (long)i);
		cite(x, d, EV_EVT_RECOVERED99, (long)i);
		cite(x, d, EV_EVT_LOST, (long)i);
		cite(x, d, EV_EVT_KLOST, (long)i);
		cite(x, d, EV_EVT_RESET_AT_CONNECT, (long)i);
		cite(x, d, EV_EVT_RECONNECTS, (long)i);
		cite(x, d, EV_EVT_CONNECT_P99, (long)i);
	}
}

const struct rule rules_storm[] = {
	{
		.id = "storm-herd",
		.family = "storm",
		.summary =
			"the lost connections reconnected at once: the queues overran, or SYNs were lost",
		.where = RULE_BOX | RULE_FLEET | RULE_HOLD,
		.may = MAY_WARNING,
		.rank = 30,
		.why = { "When a server restarts or loses workers, every client it held finds out within a moment and, reconnecting at once (or after the same fixed delay), they arrive together: a thundering herd. A listening socket holds at most its backlog of connections that finished their handshake and wait for accept(), and the SYN queue holds the half-open ones; past that the kernel drops the final ACK (ListenOverflows) or answers with SYN cookies, and the clients wait for their SYN or ACK to be sent again, 1 s later, then 3 s, then 7 s. The herd makes the recovery slower than the restart: the server was back long before its clients were. Here the server took connections back at up to {rate} a second.",
			 "When a server restarts or loses workers, every client it held finds out within a moment and, reconnecting at once (or after the same fixed delay), they arrive together: a thundering herd. A listening socket holds at most its backlog of connections that finished their handshake and wait for accept(), and the SYN queue holds the half-open ones; past that the kernel drops the final ACK (ListenOverflows) or answers with SYN cookies, and the clients wait for their SYN or ACK to be sent again, 1 s later, then 3 s, then 7 s." },
		.fix = { "Spread the reconnects, as clients in the wild should: exponential backoff with full jitter, the first attempt within a window in which {lost} connections arrive at half the rate this server took them back at: --set clients.reconnect=backoff --set clients.backoff_base={base} --set clients.backoff_max={max}. A longer backlog only absorbs a shorter burst: --set server.backlog=N with --set sysctl.net.core.somaxconn=N.",
			 "Spread the reconnects (--set clients.reconnect=backoff, with a backoff_base long enough that the lost connections arrive slower than the server accepts), or give the server a longer backlog (--set server.backlog=N with --set sysctl.net.core.somaxconn=N). The rate the server took connections back at was not measured here." },
		.judge = judge_herd,
	},
	{
		.id = "storm-syn-wait",
		.family = "storm",
		.summary = "reconnects that waited for the kernel's SYN retransmits",
		.where = RULE_BOX | RULE_FLEET | RULE_HOLD,
		.may = MAY_WARNING,
		.rank = 31,
		.after = { "storm-herd" },
		.why = { "A connect whose SYN (or whose handshake's last ACK) was dropped is not failed: the kernel sends the SYN again after 1 s, then after 2 s more, 4 s more, and so on (net.ipv4.tcp_syn_retries times). So connect times cluster at 1 s, 3 s and 7 s: the latency histogram of the recovery shows the steps. A SYN goes unanswered when the server's SYN or accept queue is full (a herd: the overflows say so), when nothing answers (a link down) or a firewall drops it; and after a restart a reconnect can meet a TIME_WAIT socket of its own four-tuple on the server (the server closed first, and Linux tries the same local ports again for the same destination): the client answers that socket's ACK with a reset (OutRsts of the client namespaces) and sends its SYN again a second later." },
		.fix = { "Remove the drop: spread the reconnects (--set clients.reconnect=backoff; storm-herd gives the bounds when the queues overflowed), lengthen the server's backlog, or bring the link back sooner. A shorter first retransmit cannot be had from the client (it is fixed at 1 s, RFC 6298); what helps is not losing the SYN." },
		.judge = judge_syn_wait,
	},
	{
		.id = "storm-tls-cpu",
		.family = "storm",
		.summary = "reconnects that waited for the TLS handshakes' CPU",
		.where = RULE_BOX | RULE_HOLD,
		.may = MAY_WARNING,
		.rank = 31,
		.after = { "storm-herd", "storm-syn-wait" },
		.why = { "Every lost TLS connection comes back with a handshake, and a handshake costs CPU where a TCP connect costs almost none: the server signs with its key and makes a key exchange, the client makes its own and checks the signature, hundreds of microseconds each. A restart turns the lost connections into that many handshakes at once, and they come back no faster than the CPUs do them, however fast the server accepts. On one machine both ends share its CPUs; the CPU a handshake is the run's average, every handshake a full one." },
		.fix = { "Resume sessions: --set tls.resume=tickets. Each lost connection then offers its own session on its reconnect, and a resumed handshake skips the certificate, its signature and its check (a TLS 1.3 resumption still makes a key exchange). The restarted server must keep its ticket keys (connlab's server keeps the run's; nginx: ssl_session_ticket_key), or it refuses every ticket. Keep ECDSA keys, and give the server more cores." },
		.judge = judge_tls_cpu,
	},
	{
		.id = "storm-time-wait",
		.family = "storm",
		.summary = "TIME_WAIT on the side that closed, after an event",
		.where = RULE_BOX | RULE_FLEET | RULE_HOLD,
		.may = MAY_NOTE,
		.rank = 32,
		.why = { "The side of a TCP connection that closes first keeps it in TIME_WAIT for 60 s (Linux's fixed TCP_TIMEWAIT_LEN), so that late segments of the old connection cannot be taken for a new one. A server whose process ended closed every connection it held first: the TIME_WAIT sockets sit on its side, where they cost memory but no ports, since each is a different client's four-tuple. Had the clients closed first, the TIME_WAIT, and its cost in local ports, would be theirs." },
		.fix = { "Nothing to do on the server's side unless its memory is short: TIME_WAIT sockets are small (tcp_tw_bucket). For clients that must not hold TIME_WAIT, let the server close first, as it did here." },
		.judge = judge_time_wait,
	},
	{
		.id = "storm-uneven-takeover",
		.family = "storm",
		.summary = "the workers left after a kill took the reconnects unevenly",
		.where = RULE_BOX | RULE_HOLD,
		.may = MAY_WARNING,
		.rank = 33,
		.why = { "With SO_REUSEPORT each worker has a listening socket of its own and the kernel picks one per new connection by a hash of its four-tuple: even on average. A server whose workers share one listening socket leaves the choice to whichever worker wakes first (or to accept_mutex, EPOLLEXCLUSIVE), which favours the least busy or the first in line; after some workers die the rest can end up with very different shares." },
		.fix = { "Give each worker a listening socket of its own (SO_REUSEPORT: nginx's listen ... reuseport; the built-in server does it), or balance accepts in the server." },
		.judge = judge_uneven,
	},
	{
		.id = "storm-no-recovery",
		.family = "storm",
		.summary = "the connections did not come back after an event",
		.where = RULE_BOX | RULE_FLEET | RULE_HOLD,
		.may = MAY_CAUSE | MAY_WARNING,
		.rank = 34,
		.why = { "The server's kernel did not count as many established connections as before the event within the time the run gave it. The clients were still retrying (their backoff grown large), still failing (the errors by errno tell why), or the server took them back too slowly.",
			 "clients.reconnect = off: a connection the server closed or reset stays lost, as with clients that do not reconnect." },
		.fix = { "Give the recovery time (a later event, or a longer lab.duration), a smaller clients.backoff_max, or find why the reconnects failed (their errors, the server's log).",
			 "Let the clients reconnect: --set clients.reconnect=backoff (or immediate)." },
		.judge = judge_no_recovery,
	},
	{
		.id = "storm-recovered",
		.family = "storm",
		.summary = "how long the connections took to come back after an event",
		.where = RULE_BOX | RULE_FLEET | RULE_HOLD,
		.may = MAY_NOTE,
		.rank = 35,
		.after = { "storm-herd", "storm-no-recovery" },
		.why = { "The recovery is timed from the event's start until the server's kernel counts as many established connections as before it (CurrEstab of the server namespace, read every 100 ms; in a fleet, of the server host, as its watch gives it each lab.interval), and 99% of them. The floods count the connections they lost (closed or reset by the server); the kernel counts the handshakes the server completed in the window (less the probe's, and a fleet's own ssh) and what was still missing at its end. The two differ by the connections the kernel established and the server reset before the flood saw them, which the flood counts as failed connects (ECONNRESET at connect)." },
		.fix = { "Nothing: the recovery completed. Compare policies side by side with connlab report A B." },
		.judge = judge_recovered,
	},
};

const size_t rules_storm_n = sizeof(rules_storm) / sizeof(rules_storm[0]);
