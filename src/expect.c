/* expect.c - metric names, parsing of expectation right-hand sides and
 * judging. */
#include "expect.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "errnames.h"
#include "suggest.h"
#include "units.h"

struct metric {
	const char *name;
	enum metric_unit unit;
	const char *help;
};

static const struct metric metrics[] = {
	{ "established", MU_COUNT,
	  "peak ESTABLISHED connections, counted by the kernel in the client namespaces" },
	{ "established.final", MU_COUNT, "ESTABLISHED connections at the end of the hold phase" },
	{ "time_wait", MU_COUNT, "peak TIME_WAIT sockets in any lab namespace" },
	{ "close_wait", MU_COUNT, "peak CLOSE_WAIT sockets in any lab namespace" },
	{ "syn_recv", MU_COUNT, "peak SYN_RECV sockets in the server namespace" },
	{ "orphans", MU_COUNT,
	  "peak orphaned sockets (/proc/net/sockstat; the kernel counts them for the whole host)" },
	{ "ramp.time", MU_DURATION, "time from the first connect to the target count" },
	{ "ramp.rate", MU_RATE, "connections opened per second during the ramp" },
	{ "connect.p50", MU_DURATION, "median connect latency of the flood" },
	{ "connect.p90", MU_DURATION, "90th percentile connect latency" },
	{ "connect.p99", MU_DURATION, "99th percentile connect latency" },
	{ "connect.p999", MU_DURATION, "99.9th percentile connect latency" },
	{ "connect.max", MU_DURATION, "slowest connect" },
	{ "ping.loss", MU_PERCENT, "share of probe pings without an answer" },
	{ "ping.p50", MU_DURATION, "median ping RTT from the probe namespace" },
	{ "ping.p90", MU_DURATION, "90th percentile ping RTT" },
	{ "ping.p99", MU_DURATION, "99th percentile ping RTT" },
	{ "ping.max", MU_DURATION, "slowest ping" },
	{ "probe.connect.p50", MU_DURATION, "median time for the probe to open a new connection" },
	{ "probe.connect.p90", MU_DURATION, "90th percentile probe connect time" },
	{ "probe.connect.p99", MU_DURATION, "99th percentile probe connect time" },
	{ "probe.connect.max", MU_DURATION, "slowest probe connect" },
	{ "probe.connect.failures", MU_COUNT, "probe connects that failed or timed out" },
	{ "errors.total", MU_COUNT, "socket errors of all kinds in the flood" },
	{ "conntrack.count", MU_COUNT,
	  "peak entries in the server namespace's connection tracking table" },
	{ "conntrack.drops", MU_COUNT,
	  "packets dropped by connection tracking in all lab namespaces (table full: drop, early_drop, insert_failed)" },
	{ "kernel_log.lines", MU_COUNT,
	  "kernel log lines printed during the run (such as 'nf_conntrack: table full')" },
	{ "memory.kernel_per_conn", MU_SIZE, "kernel memory (slab) per connection, both ends" },
	{ "memory.user_per_conn", MU_SIZE,
	  "user memory (Pss of all connlab processes) per connection" },
};

/* Counters of /proc/net/netstat (TcpExt) and /proc/net/snmp (Tcp) that
 * can be named in counters.NS.NAME. */
const char *const expect_counters[] = {
	"ListenOverflows",
	"ListenDrops",
	"TCPTimeWaitOverflow",
	"TCPAbortOnMemory",
	"TCPAbortOnTimeout",
	"TCPAbortOnClose",
	"TCPAbortOnData",
	"TCPBacklogDrop",
	"TWRecycled",
	"TW",
	"TCPReqQFullDrop",
	"TCPReqQFullDoCookies",
	"SyncookiesSent",
	"SyncookiesRecv",
	"SyncookiesFailed",
	"PruneCalled",
	"TCPMemoryPressures",
	"ActiveOpens",
	"PassiveOpens",
	"AttemptFails",
	"EstabResets",
	"InSegs",
	"OutSegs",
	"RetransSegs",
	"InErrs",
	"OutRsts",
};

#define N_METRICS (sizeof(metrics) / sizeof(metrics[0]))
#define N_COUNTERS (sizeof(expect_counters) / sizeof(expect_counters[0]))
const size_t expect_counters_count = N_COUNTERS;

static int valid_ns(const char *ns, size_t len)
{
	static const char *const fixed[] = { "srv", "clients", "probe" };

	for (size_t i = 0; i < 3; i++)
		if (strlen(fixed[i]) == len && !strncmp(ns, fixed[i], len))
			return 1;
	if (len < 2 || len > 4 || ns[0] != 'c')
		return 0;
	for (size_t i = 1; i < len; i++)
		if (ns[i] < '0' || ns[i] > '9')
			return 0;
	return 1;
}

int expect_metric_unit(const char *name, enum metric_unit *unit, char *err, size_t errlen)
{
	const char *names[N_METRICS + 2];
	const char *hint;

	for (size_t i = 0; i < N_METRICS; i++) {
		if (!strcmp(name, metrics[i].name)) {
			*unit = metrics[i].unit;
			return 0;
		}
		names[i] = metrics[i].name;
	}
	if (!strncmp(name, "errors.", 7)) {
		if (errname_by_name(name + 7)) {
			*unit = MU_COUNT;
			return 0;
		}
		snprintf(
			err, errlen,
			"unknown error name in '%s': errors.NAME takes one of EADDRNOTAVAIL, EADDRINUSE, ECONNREFUSED, ETIMEDOUT, ECONNRESET, EMFILE, ENFILE, ENOBUFS, ENOMEM, EHOSTUNREACH, ENETUNREACH, EPIPE, EINPROGRESS",
			name);
		return -EINVAL;
	}
	if (!strncmp(name, "counters.", 9)) {
		const char *ns = name + 9, *dot = strchr(ns, '.');

		if (!dot || !valid_ns(ns, (size_t)(dot - ns))) {
			snprintf(
				err, errlen,
				"'%s': counters.NS.NAME takes a namespace srv, clients (all client namespaces), probe or c0, c1, ...",
				name);
			return -EINVAL;
		}
		for (size_t i = 0; i < N_COUNTERS; i++) {
			if (!strcmp(dot + 1, expect_counters[i])) {
				*unit = MU_COUNT;
				return 0;
			}
		}
		hint = suggest_closest(dot + 1, expect_counters, N_COUNTERS);
		snprintf(err, errlen,
			 "unknown kernel counter '%s'%s%s%s; 'connlab help metrics' lists them",
			 dot + 1, hint ? " (did you mean " : "", hint ? hint : "",
			 hint ? "?)" : "");
		return -EINVAL;
	}
	hint = suggest_closest(name, names, N_METRICS);
	snprintf(err, errlen, "unknown metric '%s'%s%s%s; known metrics: 'connlab help metrics'",
		 name, hint ? " (did you mean " : "", hint ? hint : "", hint ? "?)" : "");
	return -EINVAL;
}

static int parse_op(const char **s, enum expect_op *op)
{
	static const struct {
		const char *text;
		enum expect_op op;
	} ops[] = {
		{ ">=", OP_GE }, { "<=", OP_LE }, { "==", OP_EQ },
		{ "!=", OP_NE }, { ">", OP_GT },  { "<", OP_LT },
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i].text);

		if (!strncmp(*s, ops[i].text, n)) {
			*op = ops[i].op;
			*s += n;
			return 0;
		}
	}
	return -EINVAL;
}

static int is_key_ref(const char *s)
{
	return !strncmp(s, "lab.", 4) || !strncmp(s, "server.", 7) || !strncmp(s, "clients.", 8) ||
	       !strncmp(s, "probe.", 6);
}

int expect_parse(const char *metric, const char *rhs, struct expectation *e, char *err,
		 size_t errlen)
{
	const char *p = rhs;
	char verr[200];
	uint64_t u;
	int r = 0;

	memset(e, 0, sizeof(*e));
	if (strlen(metric) >= sizeof(e->metric)) {
		snprintf(err, errlen, "metric name '%.40s...' is too long", metric);
		return -EINVAL;
	}
	if (expect_metric_unit(metric, &e->unit, err, errlen))
		return -EINVAL;
	snprintf(e->metric, sizeof(e->metric), "%s", metric);
	while (*p == ' ' || *p == '\t')
		p++;
	if (parse_op(&p, &e->op)) {
		snprintf(
			err, errlen,
			"expected a comparison after '%s': one of >=, <=, ==, !=, >, < and a value, such as '%s >= 100k'",
			metric, metric);
		return -EINVAL;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p) {
		snprintf(err, errlen, "'%s %s' has no value to compare with", metric,
			 expect_op_name(e->op));
		return -EINVAL;
	}
	if (strlen(p) >= sizeof(e->text)) {
		snprintf(err, errlen, "the value of '%s' is too long", metric);
		return -EINVAL;
	}
	snprintf(e->text, sizeof(e->text), "%s", p);
	if (is_key_ref(p)) {
		if (strlen(p) >= sizeof(e->ref)) {
			snprintf(err, errlen, "'%s' is not a lab key", p);
			return -EINVAL;
		}
		snprintf(e->ref, sizeof(e->ref), "%s", p);
		return 0; /* resolved against the lab by the caller */
	}
	switch (e->unit) {
	case MU_COUNT:
		r = units_parse_count(p, &u, verr, sizeof(verr));
		e->value = (double)u;
		break;
	case MU_DURATION:
		r = units_parse_duration(p, &u, verr, sizeof(verr));
		e->value = (double)u;
		break;
	case MU_PERCENT:
		r = units_parse_percent(p, &e->value, verr, sizeof(verr));
		break;
	case MU_SIZE:
		r = units_parse_size(p, &u, verr, sizeof(verr));
		e->value = (double)u;
		break;
	case MU_RATE:
		r = units_parse_rate(p, &u, verr, sizeof(verr));
		e->value = (double)u;
		break;
	}
	if (r) {
		snprintf(err, errlen, "%s is a %s: %s", metric, expect_unit_name(e->unit), verr);
		return -EINVAL;
	}
	return 0;
}

int expect_holds(const struct expectation *e, double actual)
{
	if (isnan(actual))
		return 0;
	switch (e->op) {
	case OP_GE:
		return actual >= e->value;
	case OP_LE:
		return actual <= e->value;
	case OP_EQ:
		return actual == e->value;
	case OP_NE:
		return actual != e->value;
	case OP_GT:
		return actual > e->value;
	case OP_LT:
		return actual < e->value;
	}
	return 0;
}

const char *expect_op_name(enum expect_op op)
{
	static const char *const names[] = { ">=", "<=", "==", "!=", ">", "<" };

	return names[op];
}

const char *expect_unit_name(enum metric_unit u)
{
	static const char *const names[] = { "count", "duration", "percentage", "size", "rate" };

	return names[u];
}

char *expect_fmt_value(enum metric_unit u, double v, char *buf, size_t len)
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

void expect_metrics_write(FILE *out)
{
	for (size_t i = 0; i < N_METRICS; i++)
		fprintf(out, "  %-24s %-10s %s\n", metrics[i].name,
			expect_unit_name(metrics[i].unit), metrics[i].help);
	fprintf(out, "  %-24s %-10s %s\n", "errors.NAME", "count",
		"socket errors of one kind in the flood, NAME one of:");
	for (size_t i = 0; i < errnames_count; i++)
		fprintf(out, "  %26s%s\n", "", errnames[i].name);
	fprintf(out, "  %-24s %-10s %s\n", "counters.NS.NAME", "count",
		"increase of a kernel counter during the run; NS is srv, clients, probe or c0, c1, ...; NAME one of:");
	for (size_t i = 0; i < N_COUNTERS; i++)
		fprintf(out, "  %26s%s\n", "", expect_counters[i]);
}
