/* SPDX-License-Identifier: MIT */
/* html.c - report.html: a run (or two, overlaid) as one self-contained
 * page: inline SVG charts over time with the phases marked, and tables.
 * Everything comes from result.json. The page is well-formed XHTML (it
 * parses as XML and as HTML), has no scripts, fonts or links out, and takes
 * its colours from CSS custom properties so it reads on light and dark
 * screens and in print.
 *
 * Each chart's <svg> carries its mapping from data to pixels (data-x0,
 * data-x1, data-px0, data-px1, data-y0, data-y1, data-py0, data-py1,
 * data-yscale) and each line its series (data-series, data-run), so a test
 * can read the plotted points back and compare them with result.json. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/chart.h"

/* ---- tables ---- */

static void cards(FILE *f, json_t *j)
{
	char a[48], b[48], c[48];
	double made = report_lookup(j, "connections.made"),
	       target = report_lookup(j, "connections.target");
	double loss = report_lookup(j, "ping.all.loss");

	fprintf(f, "<div class=\"cards\">\n");
	fprintf(f,
		"<div class=\"card\"><div class=\"k\">established (peak)</div><div class=\"v\">%s</div><div class=\"s\">of %s planned; %s made by the floods</div></div>\n",
		chart_fig(report_lookup(j, "peaks.established_clients"), 0, a, sizeof(a)),
		chart_fig(target, 0, b, sizeof(b)), chart_fig(made, 0, c, sizeof(c)));
	fprintf(f,
		"<div class=\"card\"><div class=\"k\">ramp</div><div class=\"v\">%s s</div><div class=\"s\">%s connections/s</div></div>\n",
		chart_fig(report_lookup(j, "connections.ramp_s"), 2, a, sizeof(a)),
		chart_fig(report_lookup(j, "connections.ramp_rate"), 0, b, sizeof(b)));
	fprintf(f,
		"<div class=\"card\"><div class=\"k\">ping</div><div class=\"v\">%s ms</div><div class=\"s\">median; %s%% of %s lost</div></div>\n",
		chart_fig(report_lookup(j, "ping.all.p50_ms"), 3, a, sizeof(a)),
		chart_fig(isnan(loss) ? NAN : 100 * loss, 2, b, sizeof(b)),
		chart_fig(report_lookup(j, "ping.all.sent"), 0, c, sizeof(c)));
	if (json_is_object(json_object_get(j, "ping6"))) { /* dual stack: the IPv6 probe */
		double loss6 = report_lookup(j, "ping6.all.loss");

		fprintf(f,
			"<div class=\"card\"><div class=\"k\">ping6</div><div class=\"v\">%s ms</div><div class=\"s\">median; %s%% of %s lost</div></div>\n",
			chart_fig(report_lookup(j, "ping6.all.p50_ms"), 3, a, sizeof(a)),
			chart_fig(isnan(loss6) ? NAN : 100 * loss6, 2, b, sizeof(b)),
			chart_fig(report_lookup(j, "ping6.all.sent"), 0, c, sizeof(c)));
	}
	fprintf(f,
		"<div class=\"card\"><div class=\"k\">new connection</div><div class=\"v\">%s ms</div><div class=\"s\">p99; %s failed</div></div>\n",
		chart_fig(report_lookup(j, "probe_connect.all.p99_ms"), 3, a, sizeof(a)),
		chart_fig(report_lookup(j, "probe_connect.all.failures"), 0, b, sizeof(b)));
	fprintf(f,
		"<div class=\"card\"><div class=\"k\">errors</div><div class=\"v\">%s</div><div class=\"s\">peak TIME_WAIT %s</div></div>\n",
		chart_fig(report_lookup(j, "errors_total"), 0, a, sizeof(a)),
		chart_fig(report_lookup(j, "peaks.time_wait"), 0, b, sizeof(b)));
	fprintf(f,
		"<div class=\"card\"><div class=\"k\">memory per connection</div><div class=\"v\">%s B</div><div class=\"s\">kernel; %s B user</div></div>\n",
		chart_fig(report_lookup(j, "memory.kernel_slab_per_conn_bytes"), 0, a, sizeof(a)),
		chart_fig(report_lookup(j, "memory.user_pss_per_conn_bytes"), 0, b, sizeof(b)));
	fprintf(f, "</div>\n");
}

static void expectations(FILE *f, json_t *j, const char *who)
{
	json_t *ex = json_object_get(j, "expectations"), *e;
	size_t i;

	fprintf(f, "<h2>Expectations%s%s</h2>\n", who ? " of " : "", who ? who : "");
	if (!json_array_size(ex)) {
		fprintf(f, "<p>The lab has no [expect] lines.</p>\n");
		return;
	}
	fprintf(f,
		"<table id=\"expectations%s%s\"><thead><tr><th>verdict</th><th>expectation</th><th>actual</th></tr></thead><tbody>\n",
		who ? "-" : "", who ? who : "");
	json_array_foreach(ex, i, e)
	{
		const char *verdict = report_verdict(e);

		fprintf(f, "<tr><td class=\"%s\">%s</td><td><code>",
			!strcmp(verdict, "ok")	   ? "ok"
			: !strcmp(verdict, "FAIL") ? "fail"
						   : "notrun",
			verdict);
		report_expectation_xml(f, e);
		fprintf(f, "</code></td><td>");
		report_xml_escape(f, chart_str(e, "actual_text"));
		fprintf(f, "</td></tr>\n");
	}
	fprintf(f, "</tbody></table>\n");
}

static void figures(FILE *f, json_t *const *res, int n)
{
	fprintf(f, "<h2>%s</h2>\n<table id=\"%s\"><thead><tr><th></th>",
		n > 1 ? "Differences" : "Key figures", n > 1 ? "differences" : "figures");
	for (int r = 0; r < n; r++)
		fprintf(f, "<th class=\"num\">%s</th>",
			n > 1 ? (r ? "B (after)" : "A (before)") : "");
	fprintf(f, "%s</tr></thead><tbody>\n", n > 1 ? "<th class=\"num\">change</th>" : "");
	for (size_t k = 0; k < report_rows_count; k++) {
		double v[2] = { report_row_value(res[0], &report_rows[k]),
				n > 1 ? report_row_value(res[1], &report_rows[k]) : NAN };
		char b[64];

		if (isnan(v[0]) && isnan(v[1]))
			continue;
		fprintf(f, "<tr><td>");
		report_xml_escape(f, report_rows[k].label);
		fprintf(f, "</td>");
		for (int r = 0; r < n; r++)
			fprintf(f, "<td class=\"num\">%s</td>",
				report_cell(b, sizeof(b), report_rows[k].fmt, v[r]));
		if (n > 1)
			fprintf(f, "<td class=\"num\">%s</td>",
				report_change(b, sizeof(b), v[0], v[1]));
		fprintf(f, "</tr>\n");
	}
	fprintf(f, "</tbody></table>\n");
}

/* Counter increases: server, probe and the client namespaces together;
 * only counters that moved. */
static void counters(FILE *f, json_t *j)
{
	json_t *c = json_object_get(j, "counters"), *srv = json_object_get(c, "srv");
	json_t *probe = json_object_get(c, "probe"), *v;
	const char *k;
	int any = 0;

	fprintf(f, "<h2>Kernel counters</h2>\n<p>Increase during the run (TcpExt and Tcp of "
		   "/proc/net/netstat and snmp; link_drops from rtnetlink), counters that did "
		   "not move left out.</p>\n");
	fprintf(f,
		"<table><thead><tr><th>counter</th><th class=\"num\">server</th><th class=\"num\">probe</th><th class=\"num\">clients</th></tr></thead><tbody>\n");
	/* the probe's counters: the server's and link_drops */
	json_object_foreach(probe ? probe : srv, k, v)
	{
		double x = json_number_value(json_object_get(srv, k)),
		       y = json_number_value(json_object_get(probe, k)), z = 0;
		char a[48], b[48], d[48];
		const char *netns;
		json_t *m;

		json_object_foreach(c, netns, m)
		{
			if (netns[0] == 'c' && netns[1] >= '0' && netns[1] <= '9') /* c0, c1, ... */
				z += json_number_value(json_object_get(m, k));
		}
		if (x == 0 && y == 0 && z == 0)
			continue;
		any = 1;
		fprintf(f, "<tr><td>");
		report_xml_escape(f, k);
		fprintf(f,
			"</td><td class=\"num\">%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td></tr>\n",
			chart_fig(x, 0, a, sizeof(a)), chart_fig(y, 0, b, sizeof(b)),
			chart_fig(z, 0, d, sizeof(d)));
	}
	if (!any)
		fprintf(f, "<tr><td colspan=\"4\">no counter moved</td></tr>\n");
	fprintf(f, "</tbody></table>\n");
}

/* A fleet: one row a host, what it did and what its kernel said. */
static void fleet_hosts(FILE *f, json_t *j)
{
	json_t *hosts = json_object_get(j, "hosts"), *h;
	size_t i;
	char a[48], b[48], c[48], d[48], e[48], g[48];

	if (!json_array_size(hosts))
		return;
	fprintf(f,
		"<h2>Hosts</h2>\n<p class=\"muted\">Each host as it reported through pdsh: "
		"its flood's figures, and its kernel's (connlab watch there; ESTABLISHED "
		"counts the sockets to or from the service only).</p>\n"
		"<table id=\"hosts\"><thead><tr><th>host</th><th>role</th><th>state</th>"
		"<th>share</th><th>established</th><th>held s</th><th>errors</th><th>connect p99</th>"
		"<th>kernel ESTABLISHED peak</th><th>TIME_WAIT peak</th><th>why</th>"
		"</tr></thead><tbody>\n");
	json_array_foreach(hosts, i, h)
	{
		fprintf(f, "<tr><td>");
		report_xml_escape(f, chart_str(h, "name"));
		fprintf(f, "</td><td>");
		report_xml_escape(f, chart_str(h, "role"));
		fprintf(f, "</td><td>");
		report_xml_escape(f, chart_str(h, "state"));
		fprintf(f,
			"</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>",
			chart_fig(report_lookup(h, "share.connections"), 0, a, sizeof(a)),
			chart_fig(report_lookup(h, "flood.established"), 0, b, sizeof(b)),
			chart_fig(report_lookup(h, "flood.held_s"), 1, g, sizeof(g)),
			chart_fig(report_lookup(h, "flood.errors_total"), 0, c, sizeof(c)),
			isnan(report_lookup(h, "flood.connect_us.p99"))
				? "-"
				: chart_fig(report_lookup(h, "flood.connect_us.p99") / 1e3, 2, d,
					    sizeof(d)),
			chart_fig(report_lookup(h, "kernel.service_peak.ESTABLISHED"), 0, e,
				  sizeof(e)),
			chart_fig(report_lookup(h, "kernel.service_peak.TIME_WAIT"), 0, a,
				  sizeof(a)));
		report_xml_escape(f, chart_str(h, "why"));
		fprintf(f, "</td></tr>\n");
	}
	fprintf(f, "</tbody></table>\n<p class=\"muted\">connect p99 in ms; held: each host's "
		   "hold by its own clock. ");
	if (!isnan(report_lookup(j, "hold.together_s")))
		fprintf(f,
			"The hosts held together %s s of %s s (one end, set by the coordinator). ",
			chart_fig(report_lookup(j, "hold.together_s"), 1, a, sizeof(a)),
			chart_fig(report_lookup(j, "hold.duration_s"), 0, b, sizeof(b)));
	fprintf(f, "What each host printed is in hosts.log.</p>\n");
}

static void host(FILE *f, json_t *j)
{
	json_t *h = json_object_get(j, "host"), *p = json_object_get(j, "plan");
	char a[48];

	fprintf(f, "<h2>Host and plan</h2>\n<table><tbody>\n<tr><td>kernel</td><td>");
	report_xml_escape(f, chart_str(h, "kernel"));
	fprintf(f, " (");
	report_xml_escape(f, chart_str(h, "machine"));
	fprintf(f, ")</td></tr>\n<tr><td>CPUs, memory</td><td>%lld, %s GiB</td></tr>\n",
		(long long)json_integer_value(json_object_get(h, "cpus")),
		chart_fig((double)json_integer_value(json_object_get(h, "memory_bytes")) /
				  1073741824.0,
			  1, a, sizeof(a)));
	fprintf(f, "<tr><td>open files per process</td><td>%s</td></tr>\n",
		chart_fig((double)json_integer_value(json_object_get(h, "fd_limit")), 0, a,
			  sizeof(a)));
	fprintf(f, "<tr><td>connlab</td><td>");
	report_xml_escape(f, chart_str(j, "connlab"));
	fprintf(f, "</td></tr>\n<tr><td>started</td><td>");
	report_xml_escape(f, chart_str(j, "started"));
	fprintf(f, "</td></tr>\n");
	{
		const char *k;
		json_t *v;

		json_object_foreach(p, k, v)
		{
			fprintf(f, "<tr><td>plan: ");
			report_xml_escape(f, k);
			fprintf(f, "</td><td>%s</td></tr>\n",
				chart_fig(json_number_value(v), 0, a, sizeof(a)));
		}
	}
	fprintf(f, "</tbody></table>\n");
}

static void resolved(FILE *f, json_t *j, const char *who)
{
	fprintf(f,
		"<details><summary>The lab as run%s%s (every key, with where its value came from)</summary>\n<pre>",
		who ? ": " : "", who ? who : "");
	report_xml_escape(f, chart_str(json_object_get(j, "lab"), "resolved"));
	fprintf(f, "</pre></details>\n");
}

static const char css[] =
	":root{--fg:#1b1f24;--bg:#ffffff;--muted:#59636e;--grid:#d8dee4;--band0:#eef3f8;"
	"--band1:#f7f9fb;--ok:#1a7f37;--fail:#cf222e;--card:#f6f8fa;"
	"--c0:#0072b2;--c1:#d55e00;--c2:#009e73;--c3:#cc79a7;--c4:#e69f00;--c5:#56b4e9;"
	"--c6:#8c564b;--c7:#7f7f7f;--c8:#332288;}\n"
	"@media (prefers-color-scheme: dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9198a1;"
	"--grid:#30363d;--band0:#161b22;--band1:#10151c;--ok:#3fb950;--fail:#f85149;"
	"--card:#161b22;--c0:#58a6ff;--c1:#ff8c42;--c2:#3fd9a2;--c3:#e899c8;--c4:#f2c14e;"
	"--c5:#9ad4f5;--c6:#c49a8a;--c7:#b0b0b0;--c8:#a99cff;}}\n"
	"@media print{:root{--fg:#000;--bg:#fff;--muted:#444;--grid:#ccc;--band0:#eee;"
	"--band1:#f8f8f8;--card:#fff;}figure{break-inside:avoid}details{display:block}}\n"
	"body{font:15px/1.45 system-ui,sans-serif;color:var(--fg);background:var(--bg);"
	"max-width:1100px;margin:0 auto;padding:1em}\n"
	"h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.15em;margin-top:1.6em}\n"
	".muted{color:var(--muted)}.ok{color:var(--ok);font-weight:600}"
	".bar{display:inline-block;height:.8em;background:var(--c1)}"
	".fail{color:var(--fail);font-weight:600}.notrun{color:var(--muted);font-weight:600}\n"
	".badge{display:inline-block;padding:.1em .6em;border-radius:1em;border:2px solid}\n"
	".cards{display:flex;flex-wrap:wrap;gap:.6em}.card{background:var(--card);"
	"border:1px solid var(--grid);border-radius:6px;padding:.5em .8em;min-width:10em}\n"
	".card .k{color:var(--muted);font-size:.85em}.card .v{font-size:1.4em;font-weight:600}"
	".card .s{color:var(--muted);font-size:.85em}\n"
	"table{border-collapse:collapse;margin:.4em 0}td,th{padding:.2em .7em;"
	"border-bottom:1px solid var(--grid);text-align:left}.num{text-align:right;"
	"font-variant-numeric:tabular-nums}\n"
	"figure{margin:1em 0}figcaption{color:var(--muted);font-size:.85em}\n"
	"svg{max-width:100%;height:auto;font:11px system-ui,sans-serif}\n"
	"svg .grid{stroke:var(--grid);stroke-width:1}svg .axis{stroke:var(--muted);"
	"stroke-width:1}\n"
	"svg .tick,svg .label,svg .legend,svg .phase{fill:var(--fg)}svg .phase{font-size:10px;"
	"fill:var(--muted)}\n"
	"svg .phase0{fill:var(--band0)}svg .phase1{fill:var(--band1)}svg .phaseb{stroke:var(--muted);"
	"stroke-dasharray:3 3}\n"
	"svg .line{fill:none;stroke-width:2}svg .dash{stroke-dasharray:6 4}"
	"svg .area{stroke:none;opacity:.35}svg .lost{fill:var(--fail)}\n"
	".c0{stroke:var(--c0);fill:var(--c0)}.c1{stroke:var(--c1);fill:var(--c1)}"
	".c2{stroke:var(--c2);fill:var(--c2)}.c3{stroke:var(--c3);fill:var(--c3)}"
	".c4{stroke:var(--c4);fill:var(--c4)}.c5{stroke:var(--c5);fill:var(--c5)}"
	".c6{stroke:var(--c6);fill:var(--c6)}.c7{stroke:var(--c7);fill:var(--c7)}"
	".c8{stroke:var(--c8);fill:var(--c8)}svg path.line{fill:none}\n"
	"pre{background:var(--card);padding:.6em;overflow-x:auto;font-size:.85em}\n"
	"svg .finding line{stroke:var(--fail);stroke-width:1.5;stroke-dasharray:2 2}"
	"svg .finding text{fill:var(--fail);font-size:10px}\n"
	"svg .event rect{fill:var(--c4);opacity:.12}svg .event line{stroke:var(--c4);stroke-width:1.5}"
	"svg .event text{fill:var(--c4);font-size:10px;font-weight:bold}\n"
	".findings .cause{border-left:4px solid var(--fail)}.findings .warning{border-left:4px solid var(--c4)}"
	".findings .note{border-left:4px solid var(--c0)}.findings section{padding:.1em .8em;margin:.5em 0;"
	"background:var(--card)}.findings h3{font-size:1em;margin:.4em 0}\n";

/* The findings: what happened, its evidence, why, and the fix. */
static void findings(FILE *f, json_t *j)
{
	json_t *fs = json_object_get(j, "findings"), *fd, *e;
	size_t i, k;

	if (!json_array_size(fs))
		return;
	fprintf(f, "<div class=\"findings\"><h2>Why</h2>\n");
	json_array_foreach(fs, i, fd)
	{
		json_t *since = json_object_get(fd, "since_s");
		const char *sev = chart_str(fd, "severity");

		/* causes and warnings open, notes folded */
		fprintf(f,
			"<section class=\"%s\" id=\"finding-%s\"><details%s><summary><b>%s: ", sev,
			chart_str(fd, "id"), strcmp(sev, "note") ? " open=\"open\"" : "", sev);
		report_xml_escape(f, chart_str(fd, "title"));
		fprintf(f, "</b>");
		if (json_is_number(since))
			fprintf(f, " <span class=\"muted\">(from %.1f s)</span>",
				json_number_value(since));
		fprintf(f, "</summary>\n<table>");
		json_array_foreach(json_object_get(fd, "evidence"), k, e)
		{
			char *v = json_dumps(json_object_get(e, "value"),
					     JSON_ENCODE_ANY | JSON_REAL_PRECISION(6));

			fprintf(f, "<tr><td>");
			report_xml_escape(f, chart_str(e, "what"));
			fprintf(f, "</td><td class=\"num\">");
			report_xml_escape(f, v ? v : "");
			fprintf(f, "</td><td class=\"muted\"><code>");
			if (json_object_get(e, "path"))
				report_xml_escape(f, chart_str(e, "path"));
			else
				fprintf(f, "%s:%lld", chart_str(e, "file"),
					(long long)json_integer_value(json_object_get(e, "line")));
			fprintf(f, "</code></td></tr>");
			free(v);
		}
		fprintf(f, "</table>\n<p>");
		report_xml_escape(f, chart_str(fd, "explanation"));
		fprintf(f, "</p>\n<p><b>Fix:</b> ");
		report_xml_escape(f, chart_str(fd, "fix"));
		if (json_is_string(json_object_get(fd, "try"))) {
			fprintf(f, " Try: <code>");
			report_xml_escape(f, chart_str(fd, "try"));
			fprintf(f, "</code>");
		}
		fprintf(f, "</p></details></section>\n");
	}
	fprintf(f, "</div>\n");
}

static void head(FILE *f, const char *title)
{
	fprintf(f, "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n"
		   "<head>\n<meta charset=\"utf-8\"/>\n"
		   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
		   "<meta name=\"color-scheme\" content=\"light dark\"/>\n<title>");
	report_xml_escape(f, title);
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", css);
}

static void outcome(FILE *f, json_t *j)
{
	int ok = json_integer_value(json_object_get(j, "exit_status")) == 0;
	const char *reason = chart_str(j, "reason");

	fprintf(f, "<span class=\"badge %s\">", ok ? "ok" : "fail");
	report_xml_escape(f, chart_str(j, "outcome"));
	fprintf(f, "</span>");
	if (reason[0]) {
		fprintf(f, " ");
		report_xml_escape(f, reason);
	}
}

void report_html(json_t *const *res, const char *const *dirs, int n, FILE *f)
{
	struct rundata runs[2];
	char title[256];

	for (int r = 0; r < n; r++)
		chart_rundata_load(&runs[r], res[r], dirs[r]);
	if (n == 1)
		snprintf(title, sizeof(title), "connlab: %s",
			 chart_str(json_object_get(res[0], "lab"), "name"));
	else
		snprintf(title, sizeof(title), "connlab: %s and %s compared",
			 chart_str(json_object_get(res[0], "lab"), "name"),
			 chart_str(json_object_get(res[1], "lab"), "name"));
	head(f, title);
	fprintf(f, "<h1>");
	report_xml_escape(f, title);
	fprintf(f, "</h1>\n");
	for (int r = 0; r < n; r++) {
		fprintf(f, "<p>%s",
			n > 1 ? (r ? "<b>B</b> (after, dashed): " : "<b>A</b> (before, solid): ")
			      : "");
		fprintf(f, "lab <b>");
		report_xml_escape(f, chart_str(json_object_get(res[r], "lab"), "name"));
		fprintf(f, "</b> from <code>");
		report_xml_escape(f, chart_str(json_object_get(res[r], "lab"), "source"));
		fprintf(f, "</code>, started ");
		report_xml_escape(f, chart_str(res[r], "started"));
		fprintf(f, ", run directory <code>");
		report_xml_escape(f, dirs[r]);
		fprintf(f, "</code>: ");
		outcome(f, res[r]);
		fprintf(f, "</p>\n");
	}
	if (n == 1)
		findings(f, res[0]);
	if (n == 1)
		cards(f, res[0]);
	if (n == 1)
		fleet_hosts(f, res[0]);
	if (n == 1)
		expectations(f, res[0], NULL);
	else
		figures(f, res, n);
	fprintf(f,
		"<h2>Over time</h2>\n<p class=\"muted\">Shaded bands are the phases: before "
		"(probes without load), ramp (or churn), hold, drain.%s</p>\n",
		n > 1 ? " Bands are run A's; run B's phase starts are dashed lines." : "");
	html_charts(f, runs, n);
	html_events(f, res, n);
	html_tls(f, res, n);
	if (n == 1) {
		figures(f, res, 1);
		counters(f, res[0]);
		host(f, res[0]);
		resolved(f, res[0], NULL);
	} else {
		for (int r = 0; r < n; r++)
			expectations(f, res[r], r ? "B" : "A");
		host(f, res[1]);
		for (int r = 0; r < n; r++)
			resolved(f, res[r], r ? "B" : "A");
	}
	fprintf(f,
		"<p class=\"muted\">Written by connlab from result.json; "
		"<code>connlab report DIR</code> writes this page again.</p>\n</body>\n</html>\n");
	for (int r = 0; r < n; r++)
		free(runs[r].t);
}
