/* SPDX-License-Identifier: MIT */
/* summary.c - the terminal summary of a run, and the key figures two runs
 * are compared by, from result.json. */
#include <math.h>
#include <string.h>

#include "report/report.h"
#include "util/units.h"

const struct report_row report_rows[] = {
	{ "established (peak, kernel)", "connections.established_peak", "%.0f" },
	{ "connections made (floods)", "connections.made", "%.0f" },
	{ "ramp, s", "connections.ramp_s", "%.2f" },
	{ "rate, conn/s (ramp, or churn)", "connections.ramp_rate", "%.0f" },
	{ "errors", "errors_total", "%.0f" },
	{ "EADDRNOTAVAIL", "errors.EADDRNOTAVAIL", "%.0f" },
	{ "ETIMEDOUT", "errors.ETIMEDOUT", "%.0f" },
	{ "ECONNRESET", "errors.ECONNRESET", "%.0f" },
	{ "TIME_WAIT (peak, all namespaces)", "peaks.time_wait", "%.0f" },
	{ "CLOSE_WAIT (peak, all namespaces)", "peaks.close_wait", "%.0f" },
	{ "SYN_RECV (peak, server)", "states.srv.peak.SYN_RECV", "%.0f" },
	{ "ping loss", "ping.all.loss", "%.4f" },
	{ "ping p50, ms", "ping.all.p50_ms", "%.3f" },
	{ "ping p99, ms", "ping.all.p99_ms", "%.3f" },
	{ "new connection p99, ms", "probe_connect.all.p99_ms", "%.3f" },
	{ "new connection failures", "probe_connect.all.failures", "%.0f" },
	{ "ListenOverflows (server)", "counters.srv.ListenOverflows", "%.0f" },
	{ "TWRecycled (all namespaces)", "counters.*.TWRecycled", "%.0f" },
	{ "TCPTimeWaitOverflow (all)", "counters.*.TCPTimeWaitOverflow", "%.0f" },
	{ "RetransSegs (all namespaces)", "counters.*.RetransSegs", "%.0f" },
	{ "event 1: all back after, s", "events[0].recovered_s", "%.2f" },
	{ "event 1: 99% back after, s", "events[0].recovered99_s", "%.2f" },
	{ "event 1: connections lost (floods)", "events[0].floods.lost", "%.0f" },
	{ "event 1: reconnect attempts", "events[0].floods.reconnects", "%.0f" },
	{ "event 1: SYN retransmits", "events[0].kernel.syn_retransmits", "%.0f" },
	{ "event 1: listen overflows", "events[0].kernel.listen_overflows", "%.0f" },
	{ "event 1: SYN cookies sent", "events[0].kernel.syncookies_sent", "%.0f" },
	{ "event 1: connect p99, us", "events[0].floods.connect.p99_us", "%.0f" },
	{ "kernel bytes per connection", "memory.kernel_slab_per_conn_bytes", "%.0f" },
	{ "user bytes per connection", "memory.user_pss_per_conn_bytes", "%.0f" },
};
const size_t report_rows_count = sizeof(report_rows) / sizeof(report_rows[0]);

char *report_cell(char *buf, size_t len, const char *fmt, double v)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, fmt, v);
	return buf;
}

char *report_change(char *buf, size_t len, double a, double b)
{
	if (!isnan(a) && !isnan(b) && a != 0)
		snprintf(buf, len, "%+.0f%%", 100 * (b - a) / fabs(a));
	else
		snprintf(buf, len, "%s", !isnan(a) && !isnan(b) && b != a ? "(was 0)" : "");
	return buf;
}

double report_row_value(json_t *res, const struct report_row *row)
{
	/* an errno that never happened is not in "errors": zero, not unknown */
	return !strncmp(row->path, "errors.", 7) ? report_lookup_count(res, row->path)
						 : report_lookup(res, row->path);
}

/* Figures of one line: each formatted with fmt, or "not measured". */
struct figs {
	char b[8][48];
	int n;
};

static const char *fig(struct figs *f, const char *fmt, double v)
{
	char *b = f->b[f->n++ & 7];

	if (isnan(v) || isinf(v))
		snprintf(b, sizeof(f->b[0]), "not measured");
	else
		snprintf(b, sizeof(f->b[0]), fmt, v);
	return b;
}

static double num(json_t *j, const char *path)
{
	return report_lookup(j, path);
}

static const char *str(json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));

	return s ? s : "";
}

/* Best and last second of a churn: the rise of "connected" per row. */
static void churn_rates(json_t *tl, double *best, double *last)
{
	json_t *t = json_object_get(tl, "t_s"), *c = json_object_get(tl, "connected");
	json_t *ph = json_object_get(tl, "phase");

	*best = *last = 0;
	for (size_t i = 1; i < json_array_size(t); i++) {
		double dt = json_number_value(json_array_get(t, i)) -
			    json_number_value(json_array_get(t, i - 1));
		double d = json_number_value(json_array_get(c, i)) -
			   json_number_value(json_array_get(c, i - 1));
		const char *p = json_string_value(json_array_get(ph, i));

		if (!p || strcmp(p, PHASE_CHURN_NAME) || dt <= 0)
			continue;
		*last = d / dt;
		if (*last > *best)
			*best = *last;
	}
}

/* The findings, a line each (notes too: they answer the classic
 * questions), the fix of each cause; `connlab explain` has the rest. */
static void why(json_t *j, FILE *out)
{
	json_t *fs = json_object_get(j, "findings"), *f;
	size_t i;

	if (!json_array_size(fs))
		return;
	fprintf(out, "  why\n");
	json_array_foreach(fs, i, f)
	{
		const char *sev = str(f, "severity");

		fprintf(out, "    %-7s %s: %s\n", sev, str(f, "id"), str(f, "title"));
		if (!strcmp(sev, "cause") && json_is_string(json_object_get(f, "try")))
			fprintf(out, "            try: %s\n", str(f, "try"));
	}
	fprintf(out, "    (evidence, explanation and fix: connlab explain %s)\n", str(j, "outdir"));
}

/* A fleet: each host's line, and the server host's kernel. */
static void fleet_hosts(json_t *j, FILE *out)
{
	json_t *hosts = json_object_get(j, "hosts"), *h;
	struct figs g = { .n = 0 };
	size_t i;

	json_array_foreach(hosts, i, h)
	{
		const char *why = str(h, "why");
		struct figs f = { .n = 0 };

		if (!strcmp(str(h, "role"), "server")) {
			fprintf(out,
				"  server host   %s %s: kernel: ESTABLISHED on the service peak %s, accept queue peak %s%s%s\n",
				str(h, "name"), str(h, "state"),
				fig(&f, "%.0f", num(h, "kernel.service_peak.ESTABLISHED")),
				fig(&f, "%.0f", num(h, "kernel.accept_queue_peak")),
				why[0] ? "; " : "", why);
			continue;
		}
		if (isnan(num(h, "flood.established"))) {
			fprintf(out, "  host %-8s %s: none of its %.0f connections; %s\n",
				str(h, "name"), str(h, "state"), num(h, "share.connections"), why);
			continue;
		}
		if (num(h, "flood.lost") > 0 || num(h, "flood.reconnects") > 0)
			fprintf(out,
				"  host %-8s %s: %.0f connects for its %.0f (%.0f lost, %.0f reconnect attempts), %.0f errors",
				str(h, "name"), str(h, "state"), num(h, "flood.established"),
				num(h, "share.connections"), num(h, "flood.lost"),
				num(h, "flood.reconnects"), num(h, "flood.errors_total"));
		else
			fprintf(out, "  host %-8s %s: %.0f of %.0f established, %.0f errors",
				str(h, "name"), str(h, "state"), num(h, "flood.established"),
				num(h, "share.connections"), num(h, "flood.errors_total"));
		if (!isnan(num(h, "flood.held_s")))
			fprintf(out, ", held %.1f s", num(h, "flood.held_s"));
		if (!isnan(num(h, "kernel.service_peak.ESTABLISHED")))
			fprintf(out,
				"; kernel: ESTABLISHED to the service peak %.0f, TIME_WAIT %.0f",
				num(h, "kernel.service_peak.ESTABLISHED"),
				num(h, "kernel.service_peak.TIME_WAIT"));
		fprintf(out, "%s%s\n", why[0] ? "; " : "", why);
	}
	if (!isnan(num(j, "hold.duration_s")))
		fprintf(out, "  hold          the hosts held together %s of %.0f s%s\n",
			fig(&g, "%.1f s", num(j, "hold.together_s")), num(j, "hold.duration_s"),
			isnan(num(j, "hold.end_told_s"))
				? " (no end was told: each ended by its bound)"
				: " (one end, told by the coordinator)");
	fprintf(out, "  sockets       peak TIME_WAIT %.0f (a host's), CLOSE_WAIT %.0f\n",
		num(j, "peaks.time_wait"), num(j, "peaks.close_wait"));
}

/* what was made: held connections and the ramp, or churn's rates */
static void summary_connections(json_t *j, FILE *out)
{
	double a;
	size_t i;

	json_t *ph = json_object_get(json_object_get(j, "timeline"), "phase");
	int churn = 0;

	for (i = 0; i < json_array_size(ph); i++)
		churn |= !strcmp(json_string_value(json_array_get(ph, i)) ?: "", PHASE_CHURN_NAME);
	if (churn) {
		double best, last;

		churn_rates(json_object_get(j, "timeline"), &best, &last);
		fprintf(out,
			"  connections   %.0f of %.0f short connections made; best second %.0f/s, last %.0f/s\n",
			num(j, "connections.made"), num(j, "connections.target"), best, last);
	} else {
		struct figs f = { .n = 0 };

		fprintf(out, "  connections   %s of %s established (kernel, client side)",
			fig(&f, "%.0f", num(j, "peaks.established_clients")),
			fig(&f, "%.0f", num(j, "connections.target")));
		a = num(j, "connections.ramp_s");
		if (!isnan(a))
			fprintf(out, ", ramp %.2f s (%s)", a,
				fig(&f, "%.0f/s", num(j, "connections.ramp_rate")));
		fprintf(out, "\n");
	}
}

/* the floods' errors, and what the server closed */
static void summary_errors(json_t *j, FILE *out)
{
	json_t *v;
	const char *k;
	double a;

	fprintf(out, "  errors        %.0f", num(j, "errors_total"));
	json_object_foreach(json_object_get(j, "errors"), k, v)
	{
		if (json_integer_value(v))
			fprintf(out, ", %s %lld", k, (long long)json_integer_value(v));
	}
	fprintf(out, "\n");
	a = num(j, "connections.closed_by_server.count");
	if (a > 0) {
		fprintf(out, "  closed        %.0f by the server", a);
		if (json_is_string(jpath(j, "connections.closed_by_server.first_bytes")))
			fprintf(out, ", which first sent \"%s\"",
				json_string_value(
					jpath(j, "connections.closed_by_server.first_bytes")));
		fprintf(out, "; %.0f lines received\n", num(j, "connections.lines_received"));
	}
}

/* TLS: the handshakes by the clients' count, their latency and CPU, and
 * what a held connection took on each side */
static void summary_tls(json_t *j, FILE *out)
{
	struct figs f = { .n = 0 };

	if (!json_is_object(json_object_get(j, "tls")))
		return;
	fprintf(out,
		"  tls           %s handshakes (%s resumed of %s that offered a session), %s failed; p50 %s, p99 %s\n",
		fig(&f, "%.0f", num(j, "tls.clients.handshakes")),
		fig(&f, "%.0f", num(j, "tls.clients.resumed")),
		fig(&f, "%.0f", num(j, "tls.clients.offered")),
		fig(&f, "%.0f", num(j, "tls.clients.failed")),
		fig(&f, "%.3f ms", num(j, "tls.clients.handshake.p50_us") / 1e3),
		fig(&f, "%.3f ms", num(j, "tls.clients.handshake.p99_us") / 1e3));
	fprintf(out,
		"  tls cost      CPU a handshake: server %s, clients %s; user memory a held connection: server %s, clients %s (%s)\n",
		fig(&f, "%.0f us", num(j, "tls.server.cpu_per_handshake_us")),
		fig(&f, "%.0f us", num(j, "tls.clients.cpu_per_handshake_us")),
		fig(&f, "%.0f B", num(j, "tls.memory.server_per_conn_bytes")),
		fig(&f, "%.0f B", num(j, "tls.memory.clients_per_conn_bytes")),
		json_string_value(jpath(j, "tls.library_version")) ?: "?");
}

/* the probe's own message, in lock-step on a connection of its own */
static void summary_probe_reply(json_t *j, FILE *out)
{
	struct figs f = { .n = 0 };
	double n = num(j, "probe_reply.all.count"), miss = num(j, "probe_reply.all.missing");

	if (!(n > 0) && !(miss > 0))
		return;
	fprintf(out,
		"  reply probe   %s replies, %s missing (lock-step, one connection); p50 %s, p99 %s\n",
		fig(&f, "%.0f", n), fig(&f, "%.0f", miss),
		fig(&f, "%.3f ms", num(j, "probe_reply.all.p50_ms")),
		fig(&f, "%.3f ms", num(j, "probe_reply.all.p99_ms")));
}

/* ping, the new connections, the messages */
static void summary_probes(json_t *j, FILE *out)
{
	double sent = num(j, "ping.all.sent"), a;
	struct figs f = { .n = 0 };

	if (sent > 0)
		fprintf(out, "  ping          %.0f sent, %s lost; RTT p50 %s, p99 %s, max %s\n",
			sent, fig(&f, "%.2f%%", 100 * num(j, "ping.all.loss")),
			fig(&f, "%.3f ms", num(j, "ping.all.p50_ms")),
			fig(&f, "%.3f ms", num(j, "ping.all.p99_ms")),
			fig(&f, "%.3f ms", num(j, "ping.all.max_ms")));
	if (num(j, "ping6.all.sent") > 0)
		fprintf(out,
			"  ping6         %.0f sent, %s lost; RTT p50 %s, p99 %s (and %s new IPv6 connections, p99 %s)\n",
			num(j, "ping6.all.sent"), fig(&f, "%.2f%%", 100 * num(j, "ping6.all.loss")),
			fig(&f, "%.3f ms", num(j, "ping6.all.p50_ms")),
			fig(&f, "%.3f ms", num(j, "ping6.all.p99_ms")),
			fig(&f, "%.0f", num(j, "probe_connect6.all.count")),
			fig(&f, "%.3f ms", num(j, "probe_connect6.all.p99_ms")));
	if (num(j, "ping.hold.sent") > 0)
		fprintf(out, "  ping (hold)   %s lost; RTT p50 %s, p99 %s\n",
			fig(&f, "%.2f%%", 100 * num(j, "ping.hold.loss")),
			fig(&f, "%.3f ms", num(j, "ping.hold.p50_ms")),
			fig(&f, "%.3f ms", num(j, "ping.hold.p99_ms")));
	a = num(j, "probe_connect.all.count") + num(j, "probe_connect.all.failures");
	if (a > 0)
		fprintf(out, "  new conn      %.0f probes, %s failed; p50 %s, p99 %s\n", a,
			fig(&f, "%.0f", num(j, "probe_connect.all.failures")),
			fig(&f, "%.3f ms", num(j, "probe_connect.all.p50_ms")),
			fig(&f, "%.3f ms", num(j, "probe_connect.all.p99_ms")));
	if (!isnan(num(j, "messages.sent")))
		fprintf(out,
			"  messages      %.0f sent (%s in the hold), %s replies, %s missing; reply p50 %s, p99 %s, max %s\n",
			num(j, "messages.sent"),
			fig(&f, "%.0f/s", num(j, "messages.rate_hold_per_s")),
			fig(&f, "%.0f", num(j, "messages.replies")),
			fig(&f, "%.0f", num(j, "messages.missing")),
			fig(&f, "%.3f ms", num(j, "messages.reply.p50_us") / 1e3),
			fig(&f, "%.3f ms", num(j, "messages.reply.p99_us") / 1e3),
			fig(&f, "%.3f ms", num(j, "messages.reply.max_us") / 1e3));
	summary_probe_reply(j, out);
}

/* conntrack, the kernel's log, memory, what a rootless run lacks */
/* The floor's figure at its lowest, and the forecast beside what was held. */
static void summary_floor(json_t *j, FILE *out)
{
	double low = num(j, "memory.usable_min_bytes"), fc = num(j, "forecast.holds");
	const char *from = json_string_value(jpath(j, "memory.pinned_from"));
	const char *first = json_string_value(jpath(j, "forecast.first"));
	char a[32], b[32], c[32], path[64];

	if (!isnan(low) && num(j, "memory.floor_bytes") > 0)
		fprintf(out,
			"  floor         memory that can be had at its lowest %s (MemAvailable less the slab the sockets pin: at most %s, %s), floor %s\n",
			units_fmt_size((uint64_t)low, a, sizeof(a)),
			units_fmt_size(units_u64(num(j, "memory.pinned_max_bytes")), b, sizeof(b)),
			from && !strcmp(from, "estimate") ? "estimated: slabinfo is not readable"
							  : "counted from slabinfo",
			units_fmt_size(units_u64(num(j, "memory.floor_bytes")), c, sizeof(c)));
	if (isnan(fc) || !first)
		return;
	snprintf(path, sizeof(path), "forecast.limits.%s.connections", first);
	fprintf(out,
		"  forecast      %.0f of %.0f connections (the nearest limit: %s, at %.0f); held %.0f\n",
		fc, num(j, "forecast.asked"), first, num(j, path),
		num(j, "connections.established_peak"));
}

static void summary_kernel(json_t *j, FILE *out)
{
	json_t *v;
	double a;

	if (num(j, "conntrack.srv.peak_count") > 0 || num(j, "conntrack.drops_total") > 0)
		fprintf(out,
			"  conntrack     server table peak %.0f of %.0f (host-wide limit), %.0f packets dropped\n",
			num(j, "conntrack.srv.peak_count"), num(j, "conntrack.max_host"),
			num(j, "conntrack.drops_total"));
	v = json_object_get(j, "kernel_log");
	if (json_array_size(v))
		fprintf(out, "  kernel log    %.0f lines, first: %s\n",
			(double)json_array_size(v) + num(j, "kernel_log_dropped"),
			json_string_value(json_array_get(v, 0)) ?: "");
	a = num(j, "memory.kernel_slab_per_conn_bytes");
	if (!(num(j, "memory.connections_measured") >= 1000))
		; /* a few hundred connections: the processes' own memory, not theirs */
	else if (!isnan(a) && a >= 0)
		fprintf(out,
			"  memory        kernel %.0f B per connection (slab, both ends), user %.0f B (Pss of the lab's processes)\n",
			a, num(j, "memory.user_pss_per_conn_bytes"));
	else if (!isnan(num(j, "memory.user_pss_per_conn_bytes")))
		fprintf(out,
			"  memory        kernel not measured (Slab shrank meanwhile), user %.0f B per connection (Pss of the lab's processes)\n",
			num(j, "memory.user_pss_per_conn_bytes"));
	summary_floor(j, out);
	if (json_is_true(json_object_get(j, "rootless"))) {
		json_t *un = json_object_get(j, "unavailable"), *u;
		const char *key;
		int first = 1;

		fprintf(out, "  rootless      in a user namespace of its own; unavailable:");
		json_object_foreach(un, key, u)
		{
			fprintf(out, "%s %s", first ? "" : ",", key);
			first = 0;
		}
		fprintf(out, "%s (result.json \"unavailable\" says why)\n",
			first ? " nothing" : "");
	}
}

/* each expectation's verdict */
static void summary_expectations(json_t *j, FILE *out)
{
	json_t *ex, *v;
	size_t i;
	int failed = 0;

	ex = json_object_get(j, "expectations");
	json_array_foreach(ex, i, v)
	{
		const char *verdict = report_verdict(v);

		if (!strcmp(verdict, "not run")) {
			fprintf(out, "  %-4s %s %s %s (the run could not run)\n", "not run",
				str(v, "metric"), str(v, "op"), str(v, "text"));
			continue;
		}
		failed += !strcmp(verdict, "FAIL");
		fprintf(out, "  %-4s %s %s %s (actual %s)\n", verdict, str(v, "metric"),
			str(v, "op"), str(v, "text"), str(v, "actual_text"));
	}
	if (failed)
		fprintf(out, "  %d of %zu expectations failed\n", failed, json_array_size(ex));
}

void report_summary(json_t *j, FILE *out)
{
	const char *reason = str(j, "reason");
	int fleet = !strcmp(str(j, "kind"), "fleet");

	fprintf(out, "\nconnlab %s of lab '%s': %s%s%s\n", fleet ? "fleet" : "run",
		str(json_object_get(j, "lab"), "name"), str(j, "outcome"), reason[0] ? ": " : "",
		reason);
	summary_connections(j, out);
	if (fleet)
		fleet_hosts(j, out);
	else
		fprintf(out,
			"  sockets       peak TIME_WAIT %.0f, CLOSE_WAIT %.0f, SYN_RECV %.0f, orphans %.0f\n",
			num(j, "peaks.time_wait"), num(j, "peaks.close_wait"),
			num(j, "peaks.syn_recv"), num(j, "peaks.orphans_host"));
	summary_errors(j, out);
	summary_tls(j, out);
	summary_probes(j, out);
	summary_kernel(j, out);
	summary_expectations(j, out);
	why(j, out);
	fprintf(out, "  results in %s/\n", str(j, "outdir"));
	fflush(out);
}
