/* SPDX-License-Identifier: MIT */
/* charts.c - report.html's charts, one function each: sockets by state,
 * the fleet's hosts, the families, connection and error rates, ping and
 * the probe's connects (per family), replies, messages and memory; drawn
 * by the chart engine (chart.c) with their data-to-pixel mapping. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/chart.h"

static void chart_states(FILE *f, struct rundata *runs, int n)
{
	struct chart c;

	chart_init(&c, runs, n);
	c.id = "states";
	c.title = "Sockets by TCP state";
	c.desc = n > 1 ? "Every lab namespace, both runs: A solid, B dashed."
		       : "Every lab namespace, stacked. ESTABLISHED and TIME_WAIT are read every "
			 "sample; the other states come from sock_diag dumps, which are spaced out "
			 "at large scale (timeline states_age_s says how old).";
	c.yunit = "sockets";
	c.stacked = n == 1;
	for (size_t k = 0; k < NSTATES; k++) {
		int any = k == 0; /* ESTABLISHED always, at 0 too */

		for (int r = 0; r < n; r++) {
			double *y = chart_column(
				json_object_get(json_object_get(runs[r].res, "timeline"), "states"),
				state_cols[k].col, runs[r].n);

			any |= y && chart_has_any(y, runs[r].n);
			free(y);
		}
		for (int r = 0; any && r < n; r++) {
			char label[64];

			snprintf(label, sizeof(label), "%s%s", n > 1 ? (r ? "B " : "A ") : "",
				 state_cols[k].label);
			chart_add_series(&c, state_cols[k].col, label,
					 chart_column(json_object_get(json_object_get(runs[r].res,
										      "timeline"),
								      "states"),
						      state_cols[k].col, runs[r].n),
					 r, (int)k);
		}
	}
	chart_write(f, &c);
}

static void chart_rate(FILE *f, struct rundata *runs, int n)
{
	static const int err_colors[] = { 1, 4, 3, 6, 8, 7 };
	struct chart c;

	chart_init(&c, runs, n);
	c.id = "rate";
	c.title = "New connections and errors per second";
	c.desc = "Connects that succeeded per second (the floods' counts) and socket errors per "
		 "second by errno.";
	c.yunit = "per second";
	for (int r = 0; r < n; r++) {
		json_t *tl = json_object_get(runs[r].res, "timeline"), *errs;
		double *conn = chart_column(tl, "connected", runs[r].n);
		const char *k;
		json_t *v;
		int color = 0;
		char label[64];

		snprintf(label, sizeof(label), "%sconnections/s", n > 1 ? (r ? "B " : "A ") : "");
		chart_add_series(&c, "connected", label, chart_rise(&runs[r], conn), r, 0);
		free(conn);
		errs = json_object_get(tl, "errors");
		json_object_foreach(errs, k, v)
		{
			double *e = chart_column(errs, k, runs[r].n);

			snprintf(label, sizeof(label), "%s%s/s", n > 1 ? (r ? "B " : "A ") : "", k);
			chart_add_series(&c, k, label, chart_rise(&runs[r], e), r,
					 err_colors[color++ % 6]);
			free(e);
		}
	}
	chart_write(f, &c);
}

/* A timeline column of run r as a series, labelled "A label" / "B label"
 * when two runs are compared. */
static void add_column(struct chart *c, int r, const char *col, const char *label, int color)
{
	json_t *tl = json_object_get(c->runs[r].res, "timeline");
	char l[64];

	if (!json_object_get(tl, col))
		return; /* a run from before the column */
	snprintf(l, sizeof(l), "%s%s", c->nruns > 1 ? (r ? "B " : "A ") : "", label);
	chart_add_series(c, col, l, chart_column(tl, col, c->runs[r].n), r, color);
}

/* Some run's timeline has column col. */
static int any_column(const struct rundata *runs, int n, const char *col)
{
	for (int r = 0; r < n; r++)
		if (json_object_get(json_object_get(runs[r].res, "timeline"), col))
			return 1;
	return 0;
}

/* The probe's charts: its pings and its new connections; [1] the IPv6
 * probe of a dual-stack lab, charted after the IPv4 probe's when its
 * columns are there. */
static const struct probe_charts {
	const char *ping_id, *ping_title, *ping_desc, *p50, *max, *lost, *sent;
	const char *conn_id, *conn_title, *conn_desc, *conn, *fail;
} probe_charts[2] = {
	{ "ping", "Ping round-trip time",
	  "ICMP echo from the probe namespace to the server: the median and the slowest answer of "
	  "each interval; a red triangle marks an interval with lost pings.",
	  "ping_p50_ms", "ping_max_ms", "pings_lost", "pings_sent", "probe",
	  "Time to open a new TCP connection",
	  "The slowest TCP connect from the probe namespace to the server in each interval; a red "
	  "triangle marks an interval with failed connects.",
	  "probe_connect_ms", "probe_connect_failures" },
	{ "ping6", "IPv6 ping round-trip time",
	  "ICMPv6 echo from the probe namespace to the server's IPv6 address (the dual-stack lab's "
	  "second probe): the median and the slowest answer of each interval; a red triangle marks "
	  "an interval with lost pings.",
	  "ping6_p50_ms", "ping6_max_ms", "pings6_lost", "pings6_sent", "probe6",
	  "Time to open a new TCP connection over IPv6",
	  "The slowest IPv6 connect from the probe namespace to the server in each interval (the "
	  "dual-stack lab's second probe); a red triangle marks an interval with failed connects.",
	  "probe_connect6_ms", "probe_connect6_failures" },
};

static void chart_ping(FILE *f, struct rundata *runs, int n, const struct probe_charts *p)
{
	struct chart c;

	if (!any_column(runs, n, p->max))
		return;
	chart_init(&c, runs, n);
	c.id = p->ping_id;
	c.title = p->ping_title;
	c.desc = p->ping_desc;
	c.yunit = "ms";
	c.ylog = 1;
	c.mark_col = p->lost;
	c.mark_of = p->sent;
	c.mark_what = "pings lost";
	for (int r = 0; r < n; r++) {
		add_column(&c, r, p->p50, "median", 0);
		add_column(&c, r, p->max, "max", 1);
	}
	chart_write(f, &c);
}

static void chart_probe(FILE *f, struct rundata *runs, int n, const struct probe_charts *p)
{
	struct chart c;

	if (!any_column(runs, n, p->conn))
		return;
	chart_init(&c, runs, n);
	c.id = p->conn_id;
	c.title = p->conn_title;
	c.desc = p->conn_desc;
	c.yunit = "ms";
	c.ylog = 1;
	c.mark_col = p->fail;
	c.mark_what = "connects failed";
	for (int r = 0; r < n; r++)
		add_column(&c, r, p->conn, "connect time", 2);
	chart_write(f, &c);
}

/* A lab with IPv6: the clients' TCP sockets in use by family, as the kernel
 * counts them (sockstat, sockstat6). */
static void chart_families(FILE *f, struct rundata *runs, int n)
{
	struct chart c;

	if (!any_column(runs, n, "inuse_ipv6_clients"))
		return;
	chart_init(&c, runs, n);
	c.id = "families";
	c.title = "Client sockets by address family";
	c.desc = "TCP sockets in use in the client namespaces by the kernel's count: sockstat "
		 "for IPv4, sockstat6 for IPv6 (TIME_WAIT sockets are not in these counts).";
	c.yunit = "sockets";
	for (int r = 0; r < n; r++) {
		add_column(&c, r, "inuse_ipv4_clients", "IPv4", 0);
		add_column(&c, r, "inuse_ipv6_clients", "IPv6", 2);
	}
	chart_write(f, &c);
}

/* Some run sent messages on its connections. */
static int any_messages(const struct rundata *runs, int n)
{
	for (int r = 0; r < n; r++)
		if (json_is_object(json_object_get(runs[r].res, "messages")))
			return 1;
	return 0;
}

/* Messages on held connections: reply latency of each interval (every
 * flood merged), missing replies marked; only for runs with messages. */
static void chart_replies(FILE *f, struct rundata *runs, int n)
{
	struct chart c;

	if (!any_messages(runs, n))
		return;
	chart_init(&c, runs, n);
	c.id = "replies";
	c.title = "Reply latency of messages on the connections";
	c.desc = "From when a message was due to its reply complete, over every message of the "
		 "interval (every flood process merged): the median and the 99th percentile; "
		 "beside them the probe's median, the same message sent one at a time on a "
		 "connection of its own (the server's own time); a red triangle marks an "
		 "interval with missing replies.";
	c.yunit = "ms";
	c.ylog = 1;
	c.mark_col = "replies_missing_interval";
	c.mark_what = "replies missing";
	for (int r = 0; r < n; r++) {
		add_column(&c, r, "reply_p50_ms", "median", 0);
		add_column(&c, r, "reply_p99_ms", "p99", 1);
		if (any_column(runs, n, "probe_reply_ms"))
			add_column(&c, r, "probe_reply_ms", "probe, lock-step", 2);
	}
	chart_write(f, &c);
}

static void chart_messages(FILE *f, struct rundata *runs, int n)
{
	struct chart c;

	if (!any_messages(runs, n))
		return;
	chart_init(&c, runs, n);
	c.id = "messages";
	c.title = "Messages sent per second";
	c.desc = "Messages the floods sent, and replies they got, per second.";
	c.yunit = "/s";
	for (int r = 0; r < n; r++) {
		json_t *tl = json_object_get(runs[r].res, "timeline");
		char l1[32], l2[32];

		snprintf(l1, sizeof(l1), "%ssent", n > 1 ? (r ? "B " : "A ") : "");
		snprintf(l2, sizeof(l2), "%sreplies", n > 1 ? (r ? "B " : "A ") : "");
		double *sent = chart_column(tl, "messages_sent", runs[r].n),
		       *got = chart_column(tl, "replies", runs[r].n);

		if (sent)
			chart_add_series(&c, "messages_sent", l1, chart_rise(&runs[r], sent), r, 0);
		if (got)
			chart_add_series(&c, "replies", l2, chart_rise(&runs[r], got), r, 2);
		free(sent);
		free(got);
	}
	chart_write(f, &c);
}

/* TLS: handshakes and failures a second (the floods' counts), where some
 * run spoke TLS */
static void chart_tls(FILE *f, struct rundata *runs, int n)
{
	struct chart c;
	int any = 0;

	for (int r = 0; r < n; r++)
		any |= json_is_object(json_object_get(runs[r].res, "tls"));
	if (!any || !any_column(runs, n, "tls_handshakes"))
		return;
	chart_init(&c, runs, n);
	c.id = "tls";
	c.title = "TLS handshakes per second";
	c.desc = "Handshakes the floods completed (full and resumed) and TLS failures, per second.";
	c.yunit = "/s";
	for (int r = 0; r < n; r++) {
		json_t *tl = json_object_get(runs[r].res, "timeline");
		double *hs = chart_column(tl, "tls_handshakes", runs[r].n),
		       *bad = chart_column(tl, "tls_failed", runs[r].n);
		char l1[32], l2[32];

		snprintf(l1, sizeof(l1), "%shandshakes/s", n > 1 ? (r ? "B " : "A ") : "");
		snprintf(l2, sizeof(l2), "%sfailures/s", n > 1 ? (r ? "B " : "A ") : "");
		if (hs)
			chart_add_series(&c, "tls_handshakes", l1, chart_rise(&runs[r], hs), r, 0);
		if (bad && chart_has_any(bad, runs[r].n))
			chart_add_series(&c, "tls_failed", l2, chart_rise(&runs[r], bad), r, 1);
		free(hs);
		free(bad);
	}
	chart_write(f, &c);
}

/* lab.memory_floor across the chart, where the first run judged one */
static void memory_floor_line(struct chart *c, struct rundata *runs)
{
	double fl = report_lookup(runs[0].res, "memory.floor_bytes"), *y;

	if (!(fl > 0) ||
	    !json_object_get(json_object_get(runs[0].res, "timeline"), "mem_usable_bytes") ||
	    !(y = calloc(runs[0].n ? runs[0].n : 1, sizeof(*y))))
		return;
	for (size_t i = 0; i < runs[0].n; i++)
		y[i] = fl;
	chart_add_series(c, "floor", c->nruns > 1 ? "A floor" : "floor", y, 0, 6);
}

static void chart_memory(FILE *f, struct rundata *runs, int n)
{
	struct chart c;

	chart_init(&c, runs, n);
	c.id = "memory";
	c.title = "Memory";
	c.desc = "From /proc/meminfo: Slab (the host's kernel objects, where socket memory goes), "
		 "MemFree, MemAvailable, and what can be had: MemAvailable less the reclaimable "
		 "slab the lab's sockets pin, the figure lab.memory_floor is judged on.";
	c.yunit = "bytes";
	if (n == 1 && !strcmp(chart_str(runs[0].res, "kind"), "fleet")) {
		/* the hosts report sockstat, not their slab */
		c.title = "TCP memory of every host";
		c.desc =
			"sockstat's mem, summed over the fleet's hosts (connlab watch on each), in "
			"pages of the hosts.";
		c.yunit = "pages";
		add_column(&c, 0, "tcp_mem_pages", "TCP memory", 3);
		chart_write(f, &c);
		return;
	}
	for (int r = 0; r < n; r++) {
		add_column(&c, r, "slab_bytes", "Slab", 3);
		add_column(&c, r, "mem_usable_bytes", "can be had", 1);
		if (n > 1)
			continue;
		add_column(&c, r, "mem_available_bytes", "MemAvailable", 2);
		add_column(&c, r, "mem_free_bytes", "MemFree", 4);
	}
	memory_floor_line(&c, runs);
	chart_write(f, &c);
}

/* A fleet: connections on each load host over time (its flood's open
 * count), one line a host (at most SERIES_MAX). */
static void chart_fleet_hosts(FILE *f, struct rundata *runs, int n)
{
	json_t *hosts = json_object_get(json_object_get(runs[0].res, "timeline"), "hosts"), *h;
	const char *name;
	struct chart c;
	int k = 0;

	if (n != 1 || !json_object_size(hosts))
		return;
	chart_init(&c, runs, n);
	c.id = "hosts";
	c.title = "Connections open on each load host";
	c.desc = "Each host's flood, as its stats lines said (connlab flood through pdsh).";
	c.yunit = "connections";
	json_object_foreach(hosts, name, h)
	{
		if (k == SERIES_MAX)
			break;
		chart_add_series(&c, name, name, chart_column(h, "open", runs[0].n), 0, k++);
	}
	chart_write(f, &c);
}

void html_charts(FILE *f, struct rundata *runs, int n)
{
	chart_states(f, runs, n);
	chart_fleet_hosts(f, runs, n);
	chart_families(f, runs, n);
	chart_rate(f, runs, n);
	chart_tls(f, runs, n);
	for (int k = 0; k < 2; k++) {
		chart_ping(f, runs, n, &probe_charts[k]);
		chart_probe(f, runs, n, &probe_charts[k]);
	}
	chart_replies(f, runs, n);
	chart_messages(f, runs, n);
	chart_memory(f, runs, n);
}
