/* SPDX-License-Identifier: MIT */
/* openmetrics.c - a run's figures as OpenMetrics text (what Prometheus
 * scrapes, docs/results.md): the newest sample of each timeline column
 * named in one table with its family, type, scale and help; the socket
 * states and the errors by name as labels; the latency histograms merged
 * from every flood's buckets; the kernel's counters by namespace and
 * side. Every sample carries the lab's name (lab="..."), so that the runs
 * of several labs in one Prometheus stay apart. Only what result.json
 * holds: a column without a value is left out, never 0. */
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
	const char *side; /* a family of two sides: this row's (rows adjacent) */
} om_cols[] = {
	{ "connected", "connlab_connects", OM_COUNTER, 1, "connections the floods opened", NULL },
	{ "closed_by_server", "connlab_closed_by_server", OM_COUNTER, 1,
	  "connections the server closed (the floods read 0 bytes)", NULL },
	{ "tls_handshakes", "connlab_tls_handshakes", OM_COUNTER, 1,
	  "TLS handshakes the floods finished", NULL },
	{ "tls_failed", "connlab_tls_failures", OM_COUNTER, 1, "TLS handshakes that failed", NULL },
	{ "messages_sent", "connlab_messages_sent", OM_COUNTER, 1, "messages the floods sent",
	  NULL },
	{ "replies", "connlab_replies", OM_COUNTER, 1, "replies the floods read", NULL },
	{ "listen_overflows", "connlab_listen_overflows", OM_COUNTER, 1,
	  "the server's accept queue overflows (ListenOverflows) since the start", NULL },
	{ "link_drops", "connlab_link_drops", OM_COUNTER, 1,
	  "packets dropped on the server's links since the start", NULL },
	{ "conntrack_drops", "connlab_conntrack_drops", OM_COUNTER, 1,
	  "packets conntrack dropped since the start", NULL },
	{ "pings_sent", "connlab_pings_sent", OM_INTERVAL, 1, "pings the probe sent", NULL },
	{ "pings_lost", "connlab_pings_lost", OM_INTERVAL, 1, "pings the probe got no answer to",
	  NULL },
	{ "probe_connect_failures", "connlab_probe_connect_failures", OM_INTERVAL, 1,
	  "the probe's new connections that failed", NULL },
	{ "established_clients", "connlab_established", OM_GAUGE, 1,
	  "ESTABLISHED sockets of a side (the client namespaces, or the server's)", "client" },
	{ "established_server", "connlab_established", OM_GAUGE, 1,
	  "ESTABLISHED sockets of a side (the client namespaces, or the server's)", "server" },
	{ "orphans_host", "connlab_orphan_sockets", OM_GAUGE, 1, "orphaned TCP sockets", NULL },
	{ "tcp_mem_pages", "connlab_tcp_memory_pages", OM_GAUGE, 1,
	  "pages of TCP memory (tcp_mem's unit)", NULL },
	{ "slab_bytes", "connlab_socket_slab_bytes", OM_GAUGE, 1,
	  "kernel slab memory of the sockets", NULL },
	{ "accept_queue", "connlab_accept_queue", OM_GAUGE, 1,
	  "connections waiting in the server's accept queues", NULL },
	{ "syn_recv_server", "connlab_syn_recv", OM_GAUGE, 1, "SYN_RECV sockets of the server",
	  NULL },
	{ "flood_open", "connlab_open_files", OM_GAUGE, 1,
	  "files a side holds open (the floods, or the server)", "client" },
	{ "server_open", "connlab_open_files", OM_GAUGE, 1,
	  "files a side holds open (the floods, or the server)", "server" },
	{ "mem_available_bytes", "connlab_memory_available_bytes", OM_GAUGE, 1,
	  "MemAvailable of the host", NULL },
	{ "mem_pinned_bytes", "connlab_memory_pinned_bytes", OM_GAUGE, 1,
	  "memory the lab pinned (the memory floor)", NULL },
	{ "ping_p50_ms", "connlab_ping_rtt_p50_seconds", OM_GAUGE, 1e-3,
	  "the probe's ping round trip, median of the last interval", NULL },
	{ "ping_max_ms", "connlab_ping_rtt_max_seconds", OM_GAUGE, 1e-3,
	  "the probe's ping round trip, worst of the last interval", NULL },
	{ "probe_connect_ms", "connlab_probe_connect_seconds", OM_GAUGE, 1e-3,
	  "the probe's time to open a new connection, worst of the last interval", NULL },
	{ "probe_reply_ms", "connlab_probe_reply_seconds", OM_GAUGE, 1e-3,
	  "the lock-step probe's reply time in the last interval", NULL },
	{ "reply_p50_ms", "connlab_reply_p50_seconds", OM_GAUGE, 1e-3,
	  "the floods' reply time, median of the last interval", NULL },
	{ "reply_p99_ms", "connlab_reply_p99_seconds", OM_GAUGE, 1e-3,
	  "the floods' reply time, 99th percentile of the last interval", NULL },
	{ "sample_lag_ms", "connlab_sample_lag_seconds", OM_GAUGE, 1e-3,
	  "how late the sampler took its last sample", NULL },
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

/* Where the text goes, and what every sample carries. */
struct om {
	FILE *f;
	const char *lab;    /* the lab's name, a label of every sample */
	const char *family; /* the family whose header was written last */
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

/* A family's header, once for the rows of one family. */
static void header(struct om *o, const char *family, const char *type, const char *help)
{
	if (o->family && !strcmp(o->family, family))
		return;
	o->family = family;
	fprintf(o->f, "# TYPE %s %s\n# HELP %s %s\n", family, type, family, help);
}

/* A sample: open_sample(family, suffix) with the lab's label and a
 * fleet's host's (or none: NULL), then more labels, then its value. */
static void open_sample(struct om *o, const char *family, const char *suffix, const char *host)
{
	fprintf(o->f, "%s%s{lab=", family, suffix);
	label(o->f, o->lab);
	if (host) {
		fputs(",host=", o->f);
		label(o->f, host);
	}
}

static void add_label(struct om *o, const char *name, const char *value)
{
	fprintf(o->f, ",%s=", name);
	label(o->f, value);
}

static void close_sample(struct om *o, double v)
{
	fprintf(o->f, "} %.15g\n", v);
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

static void write_columns(struct om *o, json_t *tl)
{
	for (size_t i = 0; i < sizeof(om_cols) / sizeof(om_cols[0]); i++) {
		const struct om_col *c = &om_cols[i];
		double v = column_value(json_object_get(tl, c->column), c->kind);

		if (isnan(v))
			continue;
		header(o, c->family, c->kind == OM_GAUGE ? "gauge" : "counter", c->help);
		open_sample(o, c->family, c->kind == OM_GAUGE ? "" : "_total", NULL);
		if (c->side)
			add_label(o, "side", c->side);
		close_sample(o, v * c->scale);
	}
}

/* A column family of the timeline under one label (states by state,
 * errors by errno): the newest value of each. */
static void write_labelled(struct om *o, json_t *obj, const char *family, const char *type,
			   const char *lname, const char *help)
{
	const char *k;
	json_t *col, *v;

	if (!json_object_size(obj))
		return;
	header(o, family, type, help);
	json_object_foreach(obj, k, col)
	{
		if (!json_is_number(v = last_of(col)))
			continue;
		open_sample(o, family, strcmp(type, "counter") ? "" : "_total", NULL);
		add_label(o, lname, k);
		close_sample(o, json_number_value(v));
	}
}

/* A fleet's hosts (timeline.hosts.NAME.open, .established): the newest
 * value of each, labelled by host. */
static void write_hosts(struct om *o, json_t *hosts)
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
		header(o, fam[k].family, "gauge", fam[k].help);
		json_object_foreach(hosts, name, h)
		{
			if (!json_is_number(v = last_of(json_object_get(h, fam[k].col))))
				continue;
			open_sample(o, fam[k].family, "", name);
			close_sample(o, json_number_value(v));
		}
	}
}

/* The histogram key of a flood's stats line (a run's last_stats, a fleet
 * host's flood.hists; "tls." names one in its tls) added into h; 0 when
 * the line has none. */
static int add_from(json_t *line, const char *key, struct hist *h)
{
	const char *sub = !strncmp(key, "tls.", 4) ? key + 4 : NULL;
	const char *t = json_string_value(sub ? json_object_get(json_object_get(line, "tls"), sub)
					      : json_object_get(line, key));

	return t && !hist_parse_add(h, t);
}

/* The histogram oh names in a run: the floods' merged, or the probe's; 0
 * when there is none. */
static int merged(json_t *res, const struct om_hist *oh, struct hist *h)
{
	json_t *c;
	size_t i;
	int any = 0;

	memset(h, 0, sizeof(*h));
	if (oh->path) {
		const char *t = json_string_value(jpath(res, oh->path));

		return t && !hist_parse_add(h, t);
	}
	json_array_foreach(json_object_get(res, "children"), i, c) any |=
		add_from(json_object_get(c, "last_stats"), oh->key, h);
	return any;
}

/* A fleet's host's name (hosts[]), a host label. */
static const char *name_of(json_t *host)
{
	return json_string_value(json_object_get(host, "name")) ?: "";
}

/* A histogram's samples; a fleet's load host's with its host label. */
static void emit_hist(struct om *o, const struct om_hist *oh, const struct hist *h,
		      const char *host)
{
	char le[32];

	header(o, oh->family, "histogram", oh->help);
	for (size_t b = 0; b < sizeof(om_le) / sizeof(om_le[0]); b++) {
		snprintf(le, sizeof(le), "%g", om_le[b] / 1e6);
		open_sample(o, oh->family, "_bucket", host);
		add_label(o, "le", le);
		close_sample(o, (double)(h->count - hist_at_least(h, om_le[b] + 1)));
	}
	open_sample(o, oh->family, "_bucket", host);
	add_label(o, "le", "+Inf");
	close_sample(o, (double)h->count);
	open_sample(o, oh->family, "_count", host);
	close_sample(o, (double)h->count);
	open_sample(o, oh->family, "_sum", host);
	close_sample(o, h->sum / 1e6);
}

/* A run's histogram, merged; a fleet's, one for each load host (its
 * flood's own; sum by (le) gives the fleet's). */
static void write_hist(struct om *o, json_t *res, const struct om_hist *oh)
{
	struct hist *h = calloc(1, sizeof(*h)); /* 4 KiB: not on a thread's stack */
	json_t *x;
	size_t i;

	if (h && merged(res, oh, h))
		emit_hist(o, oh, h, NULL);
	else if (h && oh->key)
		json_array_foreach(json_object_get(res, "hosts"), i, x)
		{
			memset(h, 0, sizeof(*h));
			if (add_from(jpath(x, "flood.hists"), oh->key, h))
				emit_hist(o, oh, h, name_of(x));
		}
	free(h);
}

/* A fleet's load hosts' floods' counts since their start (hosts[].flood),
 * labelled by host; their errors by errno. */
static void write_host_counts(struct om *o, json_t *hosts)
{
	static const struct {
		const char *key, *family, *help;
	} fam[] = {
		{ "opened", "connlab_host_opened", "connections a load host's flood opened" },
		{ "closed_by_peer", "connlab_host_closed_by_server",
		  "connections the server closed on a load host's flood" },
		{ "lost", "connlab_host_lost", "connections a load host's flood lost" },
		{ "reconnects", "connlab_host_reconnects",
		  "connections a load host's flood opened again after losing them" },
	};
	const char *errno_name;
	json_t *h, *v, *fl;
	size_t i;

	for (size_t k = 0; k < sizeof(fam) / sizeof(fam[0]); k++)
		json_array_foreach(hosts, i, h)
		{
			fl = json_object_get(h, "flood");
			if (!json_is_integer(v = json_object_get(fl, fam[k].key)))
				continue;
			header(o, fam[k].family, "counter", fam[k].help);
			open_sample(o, fam[k].family, "_total", name_of(h));
			close_sample(o, (double)json_integer_value(v));
		}
	json_array_foreach(hosts, i, h)
	{
		fl = json_object_get(h, "flood");
		json_object_foreach(json_object_get(fl, "errors"), errno_name, v)
		{
			header(o, "connlab_host_errors", "counter",
			       "a load host's flood's failed connects and closes by errno");
			open_sample(o, "connlab_host_errors", "_total", name_of(h));
			add_label(o, "errno", errno_name);
			close_sample(o, json_is_number(v) ? json_number_value(v) : 0);
		}
	}
}

/* The side a namespace of the lab is on (plan/topology.c names them). */
static const char *side_of(const char *ns)
{
	static const char *const named[][2] = { { "srv", "server" }, { "probe", "probe" } };

	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (!strcmp(ns, named[i][0]))
			return named[i][1];
	return "client";
}

/* One namespace's (ns) or fleet host's (host) kernel counters, by side. */
static void netstat_set(struct om *o, json_t *set, const char *ns, const char *host,
			const char *side)
{
	const char *name;
	json_t *v;

	json_object_foreach(set, name, v)
	{
		if (!json_is_integer(v))
			continue;
		header(o, "connlab_netstat", "counter",
		       "the kernel's TCP counters (nstat) of a namespace or a fleet's host over the "
		       "run");
		open_sample(o, "connlab_netstat", "_total", host);
		if (ns)
			add_label(o, "namespace", ns);
		add_label(o, "side", side);
		add_label(o, "counter", name);
		close_sample(o, (double)json_integer_value(v));
	}
}

/* A run's counters by namespace (result.json counters); a fleet's by host
 * (hosts[].kernel.last.counters: its watch's, since its start). */
static void write_netstat(struct om *o, json_t *res)
{
	const char *ns, *role;
	json_t *set, *h;
	size_t i;

	json_object_foreach(json_object_get(res, "counters"), ns, set)
		netstat_set(o, set, ns, NULL, side_of(ns));
	json_array_foreach(json_object_get(res, "hosts"), i, h)
	{
		role = json_string_value(json_object_get(h, "role"));
		netstat_set(o, jpath(h, "kernel.last.counters"), NULL, name_of(h),
			    role && !strcmp(role, "server") ? "server" : "client");
	}
}

void openmetrics_write(FILE *f, json_t *res)
{
	json_t *tl = json_object_get(res, "timeline");
	struct om o = { f, json_string_value(jpath(res, "lab.name")) ?: "", NULL };

	header(&o, "connlab_run", "info", "the lab, its phase and outcome");
	open_sample(&o, "connlab_run", "_info", NULL);
	add_label(&o, "phase", json_string_value(last_of(json_object_get(tl, "phase"))) ?: "");
	add_label(&o, "outcome", json_string_value(json_object_get(res, "outcome")) ?: "running");
	close_sample(&o, 1);
	write_columns(&o, tl);
	write_labelled(&o, json_object_get(tl, "states"), "connlab_sockets", "gauge", "state",
		       "TCP sockets of the lab by state");
	write_labelled(&o, json_object_get(tl, "errors"), "connlab_errors", "counter", "errno",
		       "the floods' failed connects and closes by errno");
	write_hosts(&o, json_object_get(tl, "hosts"));
	for (size_t i = 0; i < sizeof(om_hists) / sizeof(om_hists[0]); i++)
		write_hist(&o, res, &om_hists[i]);
	write_host_counts(&o, json_object_get(res, "hosts"));
	write_netstat(&o, res);
	fputs("# EOF\n", f);
}
