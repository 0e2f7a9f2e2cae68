/* SPDX-License-Identifier: MIT */
/* metrics.c - the metric table, name checks and formatting of values. */
#include "lab/metrics.h"

#include <errno.h>
#include <string.h>

#include "util/errnames.h"
#include "kernel/counters.h"
#include "util/suggest.h"
#include "util/units.h"

#define MS_TO_US 1e3
#define S_TO_US 1e6

const struct metric metrics[] = {
	{ "established", MU_COUNT,
	  "peak ESTABLISHED connections, counted by the kernel in the client namespaces",
	  "peaks.established_clients", 1, NULL, 0 },
	{ "established.final", MU_COUNT, "ESTABLISHED connections at the end of the hold phase",
	  "connections.established_final", 1, NULL, 0 },
	{ "time_wait", MU_COUNT, "peak TIME_WAIT sockets in any lab namespace", "peaks.time_wait",
	  1, NULL, 0 },
	{ "close_wait", MU_COUNT, "peak CLOSE_WAIT sockets in any lab namespace",
	  "peaks.close_wait", 1, NULL, 0 },
	{ "syn_recv", MU_COUNT, "peak SYN_RECV sockets in the server namespace", "peaks.syn_recv",
	  1, NULL, 0 },
	{ "orphans", MU_COUNT,
	  "peak orphaned sockets (/proc/net/sockstat; the kernel counts them for the whole host)",
	  "peaks.orphans_host", 1, NULL, 0 },
	{ "ramp.time", MU_DURATION, "time from the first connect to the target count",
	  "connections.ramp_s", S_TO_US, NULL, 0 },
	{ "ramp.rate", MU_RATE, "connections opened per second during the ramp",
	  "connections.ramp_rate", 1, NULL, 0 },
	{ "connect.p50", MU_DURATION,
	  "median connect latency of the flood, all its processes merged",
	  "connect.p50_us | connect_worst_namespace.p50_us", 1, NULL, 0 },
	{ "connect.p90", MU_DURATION, "90th percentile connect latency",
	  "connect.p90_us | connect_worst_namespace.p90_us", 1, NULL, 0 },
	{ "connect.p99", MU_DURATION, "99th percentile connect latency",
	  "connect.p99_us | connect_worst_namespace.p99_us", 1, NULL, 0 },
	{ "connect.p999", MU_DURATION, "99.9th percentile connect latency",
	  "connect.p999_us | connect_worst_namespace.p999_us", 1, NULL, 0 },
	{ "connect.max", MU_DURATION, "slowest connect",
	  "connect.max_us | connect_worst_namespace.max_us", 1, NULL, 0 },
	{ "reply.p50", MU_DURATION,
	  "median reply latency: message due to reply complete, all floods merged",
	  "messages.reply.p50_us", 1, NULL, 0 },
	{ "reply.p99", MU_DURATION, "99th percentile reply latency", "messages.reply.p99_us", 1,
	  NULL, 0 },
	{ "reply.max", MU_DURATION, "slowest reply", "messages.reply.max_us", 1, NULL, 0 },
	{ "probe.reply.p50", MU_DURATION,
	  "median reply time of the lab's message sent by the probe, one at a time on a connection of its own (the server's own time)",
	  "probe_reply.all.p50_ms", MS_TO_US, "probe_reply.all.count", 0 },
	{ "probe.reply.p99", MU_DURATION, "99th percentile reply time of the probe's message",
	  "probe_reply.all.p99_ms", MS_TO_US, "probe_reply.all.count", 0 },
	{ "reply.missing", MU_COUNT,
	  "messages whose reply did not come within clients.reply_timeout", "messages.missing", 1,
	  NULL, 0 },
	{ "messages.rate", MU_RATE, "messages sent per second during the hold (churn: the churn)",
	  "messages.rate_hold_per_s", 1, NULL, 0 },
	{ "first_byte.p99", MU_DURATION,
	  "99th percentile time from connect() to the server's first byte", "first_byte.p99_us", 1,
	  NULL, 0 },
	{ "ping.loss", MU_PERCENT, "share of probe pings without an answer", "ping.all.loss", 1,
	  NULL, 0 },
	{ "ping.p50", MU_DURATION, "median ping RTT from the probe namespace", "ping.all.p50_ms",
	  MS_TO_US, "ping.all.count", 0 },
	{ "ping.p90", MU_DURATION, "90th percentile ping RTT", "ping.all.p90_ms", MS_TO_US,
	  "ping.all.count", 0 },
	{ "ping.p99", MU_DURATION, "99th percentile ping RTT", "ping.all.p99_ms", MS_TO_US,
	  "ping.all.count", 0 },
	{ "ping.max", MU_DURATION, "slowest ping", "ping.all.max_ms", MS_TO_US, "ping.all.count",
	  0 },
	{ "ping6.loss", MU_PERCENT,
	  "lab.family = dual: share of the IPv6 probe's pings without an answer", "ping6.all.loss",
	  1, NULL, 0 },
	{ "ping6.p99", MU_DURATION, "lab.family = dual: 99th percentile IPv6 ping RTT",
	  "ping6.all.p99_ms", MS_TO_US, "ping6.all.count", 0 },
	{ "probe6.connect.p99", MU_DURATION,
	  "lab.family = dual: 99th percentile time for the probe to open a new IPv6 connection",
	  "probe_connect6.all.p99_ms", MS_TO_US, "probe_connect6.all.count", 0 },
	{ "probe.connect.p50", MU_DURATION, "median time for the probe to open a new connection",
	  "probe_connect.all.p50_ms", MS_TO_US, "probe_connect.all.count", 0 },
	{ "probe.connect.p90", MU_DURATION, "90th percentile probe connect time",
	  "probe_connect.all.p90_ms", MS_TO_US, "probe_connect.all.count", 0 },
	{ "probe.connect.p99", MU_DURATION, "99th percentile probe connect time",
	  "probe_connect.all.p99_ms", MS_TO_US, "probe_connect.all.count", 0 },
	{ "probe.connect.max", MU_DURATION, "slowest probe connect", "probe_connect.all.max_ms",
	  MS_TO_US, "probe_connect.all.count", 0 },
	{ "probe.connect.failures", MU_COUNT, "probe connects that failed or timed out",
	  "probe_connect.all.failures", 1, NULL, 0 },
	{ "errors.total", MU_COUNT, "socket errors of all kinds in the flood", "errors_total", 1,
	  NULL, 0 },
	{ "conntrack.count", MU_COUNT,
	  "peak entries in the server namespace's connection tracking table",
	  "conntrack.srv.peak_count", 1, NULL, 0 },
	{ "conntrack.drops", MU_COUNT,
	  "packets dropped by connection tracking in all lab namespaces (table full: drop, early_drop, insert_failed)",
	  "conntrack.drops_total", 1, NULL, 0 },
	{ "kernel_log.lines", MU_COUNT,
	  "kernel log lines printed during the run (such as 'nf_conntrack: table full')",
	  "kernel_log.# + kernel_log_dropped", 1, NULL, 0 },
	{ "memory.kernel_per_conn", MU_SIZE, "kernel memory (slab) per connection, both ends",
	  "memory.kernel_slab_per_conn_bytes", 1, NULL, 0 },
	{ "memory.user_per_conn", MU_SIZE,
	  "user memory (Pss of all connlab processes) per connection",
	  "memory.user_pss_per_conn_bytes", 1, NULL, 0 },
	{ "tls.handshakes", MU_COUNT, "TLS handshakes the clients completed (full and resumed)",
	  "tls.clients.handshakes", 1, NULL, 0 },
	{ "tls.resumed", MU_COUNT, "TLS handshakes the clients resumed", "tls.clients.resumed", 1,
	  NULL, 0 },
	{ "tls.server.resumed", MU_COUNT, "TLS handshakes connlab server resumed (its own count)",
	  "tls.server.resumed", 1, NULL, 0 },
	{ "tls.failed", MU_COUNT,
	  "TLS handshakes and connections that failed, by the clients' count", "tls.clients.failed",
	  1, NULL, 0 },
	{ "tls.rate", MU_RATE, "TLS handshakes a second during the ramp",
	  "tls.clients.handshakes_per_s", 1, NULL, 0 },
	{ "tls.handshake.p50", MU_DURATION, "median TLS handshake latency: connect() to done",
	  "tls.clients.handshake.p50_us", 1, NULL, 0 },
	{ "tls.handshake.p99", MU_DURATION, "99th percentile TLS handshake latency",
	  "tls.clients.handshake.p99_us", 1, NULL, 0 },
	{ "tls.server.cpu_per_handshake", MU_DURATION,
	  "connlab server's CPU time over its TLS handshakes", "tls.server.cpu_per_handshake_us", 1,
	  NULL, 0 },
	{ "tls.memory.server", MU_SIZE, "the server side's user memory per held connection",
	  "tls.memory.server_per_conn_bytes", 1, NULL, 0 },
	{ "tls.memory.clients", MU_SIZE, "the clients' user memory per held connection",
	  "tls.memory.clients_per_conn_bytes", 1, NULL, 0 },
	{ "errors.NAME", MU_COUNT,
	  "socket errors of one kind in the flood, NAME one of:", "errors.NAME", 1, NULL, 1 },
	{ "counters.NS.NAME", MU_COUNT,
	  "increase of a kernel counter during the run; NS is srv, clients, probe or c0, c1, ...; NAME one of:",
	  "counters.NS.NAME", 1, NULL, 0 },
};
const size_t metrics_count = ARRAY_LEN(metrics);

#define PATTERN_ERRORS (&metrics[metrics_count - 2])
#define PATTERN_COUNTERS (&metrics[metrics_count - 1])

static int valid_netns(const char *netns, size_t len)
{
	static const char *const fixed[] = { "srv", "clients", "probe" };

	for (size_t i = 0; i < ARRAY_LEN(fixed); i++)
		if (strlen(fixed[i]) == len && !strncmp(netns, fixed[i], len))
			return 1;
	if (len < 2 || len > 4 || netns[0] != 'c')
		return 0;
	for (size_t i = 1; i < len; i++)
		if (netns[i] < '0' || netns[i] > '9')
			return 0;
	return 1;
}

const struct metric *metric_check(const char *name, char *err, size_t errlen)
{
	const char *names[ARRAY_LEN(metrics)];
	const char *hint;
	size_t n = 0;

	for (size_t i = 0; i < metrics_count; i++) {
		if (strchr(metrics[i].name, 'N'))
			continue; /* a pattern */
		if (!strcmp(name, metrics[i].name))
			return &metrics[i];
		names[n++] = metrics[i].name;
	}
	if (!strncmp(name, "errors.", 7)) {
		size_t off;

		if (errname_by_name(name + 7))
			return PATTERN_ERRORS;
		off = (size_t)snprintf(
			err, errlen, "unknown error name in '%s': errors.NAME takes one of ", name);
		for (size_t i = 0; i < errnames_count && off < errlen; i++)
			off += (size_t)snprintf(err + off, errlen - off, "%s%s", i ? ", " : "",
						errnames[i].name);
		return NULL;
	}
	if (!strncmp(name, "counters.", 9)) {
		const char *netns = name + 9, *dot = strchr(netns, '.');

		if (!dot || !valid_netns(netns, (size_t)(dot - netns))) {
			snprintf(
				err, errlen,
				"'%s': counters.NS.NAME takes a namespace srv, clients (all client namespaces), probe or c0, c1, ...",
				name);
			return NULL;
		}
		if (kcounter_index(dot + 1) >= 0)
			return PATTERN_COUNTERS;
		hint = suggest_closest(dot + 1, kcounters, kcounters_count);
		snprintf(err, errlen,
			 "unknown kernel counter '%s'%s%s%s; 'connlab help metrics' lists them",
			 dot + 1, hint ? " (did you mean " : "", hint ? hint : "",
			 hint ? "?)" : "");
		return NULL;
	}
	hint = suggest_closest(name, names, n);
	snprintf(err, errlen, "unknown metric '%s'%s%s%s; known metrics: 'connlab help metrics'",
		 name, hint ? " (did you mean " : "", hint ? hint : "", hint ? "?)" : "");
	return NULL;
}

const struct metric *metric_find(const char *name)
{
	char err[512];

	return metric_check(name, err, sizeof(err));
}

int metric_path(const struct metric *m, const char *name, char *buf, size_t len)
{
	int n;

	if (m == PATTERN_ERRORS)
		n = snprintf(buf, len, "errors.%s", name + 7);
	else if (m == PATTERN_COUNTERS) {
		const char *netns = name + 9, *dot = strchr(netns, '.');
		int nl = (int)(dot - netns);

		/* clients: every client namespace, c0, c1, ... */
		n = snprintf(buf, len, "counters.%.*s.%s", nl == 7 ? 2 : nl, nl == 7 ? "c*" : netns,
			     dot + 1);
	} else
		n = snprintf(buf, len, "%s", m->path);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

const char *metric_unit_name(enum metric_unit u)
{
	static const char *const names[] = { "count", "duration", "percentage", "size", "rate" };

	return names[u];
}

char *metric_fmt_value(enum metric_unit u, double v, char *buf, size_t len)
{
	switch (u) {
	case MU_COUNT:
		snprintf(buf, len, "%.0f", v);
		break;
	case MU_DURATION:
		if (v >= 1e6)
			snprintf(buf, len, "%.3gs", v / 1e6);
		else if (v >= 1e3)
			snprintf(buf, len, "%.3gms", v / 1e3);
		else
			snprintf(buf, len, "%.3gus", v);
		break;
	case MU_PERCENT:
		snprintf(buf, len, "%.4g%%", v * 100);
		break;
	case MU_SIZE:
		units_fmt_size((uint64_t)v, buf, len);
		break;
	case MU_RATE:
		snprintf(buf, len, "%.0f/s", v);
		break;
	}
	return buf;
}

void metrics_write(FILE *out)
{
	for (size_t i = 0; i < metrics_count; i++) {
		const struct metric *m = &metrics[i];

		fprintf(out, "  %-24s %-10s %s\n", m->name, metric_unit_name(m->unit), m->help);
		if (m == PATTERN_ERRORS)
			for (size_t e = 0; e < errnames_count; e++)
				fprintf(out, "  %26s%s\n", "", errnames[e].name);
		if (m == PATTERN_COUNTERS)
			for (size_t c = 0; c < kcounters_count; c++)
				fprintf(out, "  %26s%s\n", "", kcounters[c]);
		fprintf(out, "  %26s%s result.json: %s%s\n", "", "", m->path,
			m == PATTERN_COUNTERS ? " (clients: the sum over c0, c1, ...)" : "");
	}
}

const struct state_col state_cols[STATE_COLS] = {
	{ "established", "ESTABLISHED" }, { "time_wait", "TIME_WAIT" },
	{ "close_wait", "CLOSE_WAIT" },	  { "syn_sent", "SYN_SENT" },
	{ "syn_recv", "SYN_RECV" },	  { "fin_wait1", "FIN_WAIT1" },
	{ "fin_wait2", "FIN_WAIT2" },	  { "last_ack", "LAST_ACK" },
	{ "closing", "CLOSING" },
};
