/* SPDX-License-Identifier: MIT */
/* openmetrics.c - a run's figures as OpenMetrics text (what Prometheus
 * scrapes, docs/results.md): the newest sample of each timeline column
 * named in one table with its family, type, scale and help; the socket
 * states and the errors by name as labels; the latency histograms merged
 * from every flood's buckets; the kernel's counters by namespace. Only
 * what result.json holds: a column without a value is left out, never 0. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "util/hist.h"
#include "util/jpath.h"

/* How a timeline column becomes a sample. */
enum om_kind {
	OM_GAUGE,    /* its newest value */
	OM_COUNTER,  /* its newest value: a count since the start */
	OM_INTERVAL, /* a count of each interval: their sum, a counter */
};

static const struct om_col {
	const char *column;
	const char *family; /* a counter's samples end in _total */
	enum om_kind kind;
	double scale; /* to the family's unit (ms to seconds: 1e-3) */
	const char *help;
} om_cols[] = {
	{ "connected", "connlab_connects", OM_COUNTER, 1, "connections the floods opened" },
	{ "closed_by_server", "connlab_closed_by_server", OM_COUNTER, 1,
	  "connections the server closed (the floods read 0 bytes)" },
	{ "tls_handshakes", "connlab_tls_handshakes", OM_COUNTER, 1,
	  "TLS handshakes the floods finished" },
	{ "tls_failed", "connlab_tls_failures", OM_COUNTER, 1, "TLS handshakes that failed" },
	{ "messages_sent", "connlab_messages_sent", OM_COUNTER, 1, "messages the floods sent" },
	{ "replies", "connlab_replies", OM_COUNTER, 1, "replies the floods read" },
	{ "listen_overflows", "connlab_listen_overflows", OM_COUNTER, 1,
	  "the server's accept queue overflows (ListenOverflows) since the start" },
	{ "link_drops", "connlab_link_drops", OM_COUNTER, 1,
	  "packets dropped on the server's links since the start" },
	{ "conntrack_drops", "connlab_conntrack_drops", OM_COUNTER, 1,
	  "packets conntrack dropped since the start" },
	{ "pings_sent", "connlab_pings_sent", OM_INTERVAL, 1, "pings the probe sent" },
	{ "pings_lost", "connlab_pings_lost", OM_INTERVAL, 1, "pings the probe got no answer to" },
	{ "probe_connect_failures", "connlab_probe_connect_failures", OM_INTERVAL, 1,
	  "the probe's new connections that failed" },
	{ "established_clients", "connlab_established_clients", OM_GAUGE, 1,
	  "ESTABLISHED sockets in the client namespaces" },
	{ "established_server", "connlab_established_server", OM_GAUGE, 1,
	  "ESTABLISHED sockets in the server namespace" },
	{ "orphans_host", "connlab_orphan_sockets", OM_GAUGE, 1, "orphaned TCP sockets" },
	{ "tcp_mem_pages", "connlab_tcp_memory_pages", OM_GAUGE, 1,
	  "pages of TCP memory (tcp_mem's unit)" },
	{ "slab_bytes", "connlab_socket_slab_bytes", OM_GAUGE, 1,
	  "kernel slab memory of the sockets" },
	{ "accept_queue", "connlab_accept_queue", OM_GAUGE, 1,
	  "connections waiting in the server's accept queues" },
	{ "syn_recv_server", "connlab_syn_recv", OM_GAUGE, 1, "SYN_RECV sockets of the server" },
	{ "flood_open", "connlab_flood_open_files", OM_GAUGE, 1, "files the floods hold open" },
	{ "server_open", "connlab_server_open_files", OM_GAUGE, 1, "files the server holds open" },
	{ "mem_available_bytes", "connlab_memory_available_bytes", OM_GAUGE, 1,
	  "MemAvailable of the host" },
	{ "mem_pinned_bytes", "connlab_memory_pinned_bytes", OM_GAUGE, 1,
	  "memory the lab pinned (the memory floor)" },
	{ "ping_p50_ms", "connlab_ping_rtt_p50_seconds", OM_GAUGE, 1e-3,
	  "the probe's ping round trip, median of the last interval" },
	{ "ping_max_ms", "connlab_ping_rtt_max_seconds", OM_GAUGE, 1e-3,
	  "the probe's ping round trip, worst of the last interval" },
	{ "probe_connect_ms", "connlab_probe_connect_seconds", OM_GAUGE, 1e-3,
	  "the probe's time to open a new connection, worst of the last interval" },
	{ "probe_reply_ms", "connlab_probe_reply_seconds", OM_GAUGE, 1e-3,
	  "the lock-step probe's reply time in the last interval" },
	{ "reply_p50_ms", "connlab_reply_p50_seconds", OM_GAUGE, 1e-3,
	  "the floods' reply time, median of the last interval" },
	{ "reply_p99_ms", "connlab_reply_p99_seconds", OM_GAUGE, 1e-3,
	  "the floods' reply time, 99th percentile of the last interval" },
	{ "sample_lag_ms", "connlab_sample_lag_seconds", OM_GAUGE, 1e-3,
	  "how late the sampler took its last sample" },
};

/* The histograms: the floods', merged over their last stats lines, and
 * the probe's, whose buckets result.json keeps. */
static const struct om_hist {
	const char *key; /* in last_stats, a "tls." prefix in its tls */
	const char *family;
	const char *help;
	const char *path; /* or the buckets at this path of result.json */
} om_hists[] = {
	{ "connect_hist", "connlab_connect_seconds", "time to connect (SYN to ESTABLISHED)", NULL },
	{ "first_byte_hist", "connlab_first_byte_seconds", "time from connect to the first byte",
	  NULL },
	{ "reply_hist", "connlab_reply_seconds", "time from a message to its reply", NULL },
	{ "reconnect_wait_hist", "connlab_reconnect_wait_seconds",
	  "time a lost connection waited before it reconnected", NULL },
	{ "tls.handshake_hist", "connlab_tls_handshake_seconds", "time of a TLS handshake", NULL },
	{ NULL, "connlab_ping_seconds", "the probe's ping round trips, before to drain",
	  "ping.all.buckets" },
	{ NULL, "connlab_probe_connect_latency_seconds",
	  "the probe's new connections: time to connect, before to drain",
	  "probe_connect.all.buckets" },
};

/* Bucket bounds, microseconds (the histogram's own are finer). */
static const uint64_t om_le[] = {
	100,   250,    500,    1000,   2500,	5000,	 10000,	  25000,
	50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000
};

/* A label value as OpenMetrics quotes it. */
static void label(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void header(FILE *f, const char *family, const char *type, const char *help)
{
	fprintf(f, "# TYPE %s %s\n# HELP %s %s\n", family, type, family, help);
}

static json_t *last_of(json_t *col)
{
	size_t n = json_array_size(col);

	return n ? json_array_get(col, n - 1) : NULL;
}

/* A gauge's value in the newest sample (none when that sample measured
 * none: an old value would pass for a new one); a counter's newest
 * number; the sum of an interval column. NAN when there is none. */
static double column_value(json_t *col, enum om_kind kind)
{
	double sum = 0, last = NAN;
	json_t *v;
	size_t i;

	if (kind == OM_GAUGE)
		return json_is_number(v = last_of(col)) ? json_number_value(v) : NAN;
	json_array_foreach(col, i, v)
	{
		if (!json_is_number(v))
			continue;
		sum += json_number_value(v);
		last = json_number_value(v);
	}
	return kind == OM_INTERVAL && !isnan(last) ? sum : last;
}

static void write_columns(FILE *f, json_t *tl)
{
	for (size_t i = 0; i < sizeof(om_cols) / sizeof(om_cols[0]); i++) {
		const struct om_col *c = &om_cols[i];
		double v = column_value(json_object_get(tl, c->column), c->kind);

		if (isnan(v))
			continue;
		header(f, c->family, c->kind == OM_GAUGE ? "gauge" : "counter", c->help);
		fprintf(f, "%s%s %.15g\n", c->family, c->kind == OM_GAUGE ? "" : "_total",
			v * c->scale);
	}
}

/* A column family of the timeline under one label (states by state,
 * errors by errno): the newest value of each. */
static void write_labelled(FILE *f, json_t *obj, const char *family, const char *type,
			   const char *lname, const char *help)
{
	const char *k;
	json_t *col, *v;

	if (!json_object_size(obj))
		return;
	header(f, family, type, help);
	json_object_foreach(obj, k, col)
	{
		if (!json_is_number(v = last_of(col)))
			continue;
		fprintf(f, "%s%s{%s=", family, strcmp(type, "counter") ? "" : "_total", lname);
		label(f, k);
		fprintf(f, "} %.15g\n", json_number_value(v));
	}
}

/* A fleet's hosts (timeline.hosts.NAME.open, .established): the newest
 * value of each, labelled by host. */
static void write_hosts(FILE *f, json_t *hosts)
{
	static const struct {
		const char *col, *family, *help;
	} fam[] = {
		{ "established", "connlab_host_established",
		  "a load host's connections to the service that its kernel holds established" },
		{ "open", "connlab_host_flood_open", "connections a load host's flood holds open" },
	};
	const char *name;
	json_t *h, *v;

	for (size_t k = 0; k < sizeof(fam) / sizeof(fam[0]) && json_object_size(hosts); k++) {
		header(f, fam[k].family, "gauge", fam[k].help);
		json_object_foreach(hosts, name, h)
		{
			if (!json_is_number(v = last_of(json_object_get(h, fam[k].col))))
				continue;
			fprintf(f, "%s{host=", fam[k].family);
			label(f, name);
			fprintf(f, "} %.15g\n", json_number_value(v));
		}
	}
}

/* The histogram o names: the floods' merged, or the probe's; 0 when there
 * is none. */
static int merged(json_t *res, const struct om_hist *o, struct hist *h)
{
	const char *key = o->key, *sub;
	json_t *c;
	size_t i;
	int any = 0;

	memset(h, 0, sizeof(*h));
	if (o->path) {
		const char *t = json_string_value(jpath(res, o->path));

		return t && !hist_parse_add(h, t);
	}
	sub = !strncmp(key, "tls.", 4) ? key + 4 : NULL;
	json_array_foreach(json_object_get(res, "children"), i, c)
	{
		json_t *ls = json_object_get(c, "last_stats");
		const char *t =
			json_string_value(sub ? json_object_get(json_object_get(ls, "tls"), sub)
					      : json_object_get(ls, key));

		any |= t && !hist_parse_add(h, t);
	}
	return any;
}

static void write_hist(FILE *f, json_t *res, const struct om_hist *o)
{
	struct hist *h = calloc(1, sizeof(*h)); /* 4 KiB: not on a thread's stack */

	if (!h || !merged(res, o, h)) {
		free(h);
		return;
	}
	header(f, o->family, "histogram", o->help);
	for (size_t b = 0; b < sizeof(om_le) / sizeof(om_le[0]); b++)
		fprintf(f, "%s_bucket{le=\"%g\"} %llu\n", o->family, om_le[b] / 1e6,
			(unsigned long long)(h->count - hist_at_least(h, om_le[b] + 1)));
	fprintf(f, "%s_bucket{le=\"+Inf\"} %llu\n%s_count %llu\n%s_sum %.15g\n", o->family,
		(unsigned long long)h->count, o->family, (unsigned long long)h->count, o->family,
		h->sum / 1e6);
	free(h);
}

static void write_netstat(FILE *f, json_t *counters)
{
	const char *ns, *name;
	json_t *set, *v;

	if (!json_object_size(counters))
		return;
	header(f, "connlab_netstat", "counter",
	       "the kernel's TCP counters (nstat) of each namespace over the run");
	json_object_foreach(counters, ns, set)
	{
		json_object_foreach(set, name, v)
		{
			if (!json_is_integer(v))
				continue;
			fputs("connlab_netstat_total{namespace=", f);
			label(f, ns);
			fputs(",counter=", f);
			label(f, name);
			fprintf(f, "} %lld\n", (long long)json_integer_value(v));
		}
	}
}

void openmetrics_write(FILE *f, json_t *res)
{
	json_t *tl = json_object_get(res, "timeline");
	const char *lab = json_string_value(jpath(res, "lab.name"));

	header(f, "connlab_run", "info", "the lab, its phase and outcome");
	fputs("connlab_run_info{lab=", f);
	label(f, lab ? lab : "");
	fputs(",phase=", f);
	label(f, json_string_value(last_of(json_object_get(tl, "phase"))) ?: "");
	fputs(",outcome=", f);
	label(f, json_string_value(json_object_get(res, "outcome")) ?: "running");
	fputs("} 1\n", f);
	write_columns(f, tl);
	write_labelled(f, json_object_get(tl, "states"), "connlab_sockets", "gauge", "state",
		       "TCP sockets of the lab by state");
	write_labelled(f, json_object_get(tl, "errors"), "connlab_errors", "counter", "errno",
		       "the floods' failed connects and closes by errno");
	write_hosts(f, json_object_get(tl, "hosts"));
	for (size_t i = 0; i < sizeof(om_hists) / sizeof(om_hists[0]); i++)
		write_hist(f, res, &om_hists[i]);
	write_netstat(f, json_object_get(res, "counters"));
	fputs("# EOF\n", f);
}
