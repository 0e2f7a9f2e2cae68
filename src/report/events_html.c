/* SPDX-License-Identifier: MIT */
/* events_html.c - report.html's Events section: each lab event of a run
 * (result.json's events), what it did to the connections (when the server
 * was back, when the connections were, how many were lost by the floods'
 * count and by the kernel's, the reconnects and what the kernel did with
 * them), and the connect times of its window by the kernel's SYN
 * retransmit steps, where a herd shows at 1 s and 3 s. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/chart.h"
#include "report/report.h"
#include "util/jpath.h"

/* a column of the table: its heading, the event's value, its decimals */
static const struct {
	const char *head, *path;
	int decimals;
} cols[] = {
	{ "server back after, s", "disturbed_s", 1 },
	{ "all back after, s", "recovered_s", 2 },
	{ "99% back after, s", "recovered99_s", 2 },
	{ "lost (floods)", "floods.lost", 0 },
	{ "lost (kernel)", "kernel.lost", 0 },
	{ "reconnect attempts", "floods.reconnects", 0 },
	{ "refused", "floods.failures.ECONNREFUSED", 0 },
	{ "SYN retransmits", "kernel.syn_retransmits", 0 },
	{ "listen overflows", "kernel.listen_overflows", 0 },
	{ "SYN cookies sent", "kernel.syncookies_sent", 0 },
	{ "connect p99, ms", "floods.connect.p99_us", -3 },
};

static void event_row(FILE *f, json_t *e)
{
	int happened = json_is_true(json_object_get(e, "happened"));
	char v[48];

	fprintf(f, "<tr><td>");
	report_xml_escape(f, chart_str(e, "event"));
	fprintf(f, " at %s s%s</td>", chart_fig(report_lookup(e, "at_s"), 0, v, sizeof(v)),
		happened ? "" : " (did not happen)");
	for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++) {
		double x = report_lookup(e, cols[c].path);

		/* failures by errno list only those that happened */
		if (isnan(x) && json_is_object(jpath(e, "floods.failures")) &&
		    !strncmp(cols[c].path, "floods.failures.", 16))
			x = 0;
		if (cols[c].decimals < 0)
			x /= 1e3;
		if (isnan(x) && happened && !strncmp(cols[c].path, "recovered", 9))
			fprintf(f, "<td class=\"num\">not back</td>");
		else
			fprintf(f, "<td class=\"num\">%s</td>",
				chart_fig(x, cols[c].decimals < 0 ? 2 : cols[c].decimals, v,
					  sizeof(v)));
	}
	fprintf(f, "</tr>\n");
}

/* the window's connects by step, as bars of the largest step's width */
static void steps(FILE *f, json_t *e, const char *who, size_t k)
{
	json_t *st = jpath(e, "floods.connect.steps"), *s;
	double most = 0;
	size_t i;

	if (!json_array_size(st))
		return;
	json_array_foreach(st, i, s) most = fmax(most, report_lookup(s, "count"));
	fprintf(f, "<table class=\"steps\" id=\"steps%s-%zu\" aria-label=\"connect times after ",
		who[0] ? (who[2] == 'A' ? "-A" : "-B") : "", k);
	report_xml_escape(f, chart_str(e, "event"));
	fprintf(f, "%s\"><caption>Connect times in the window of ", who);
	report_xml_escape(f, chart_str(e, "event"));
	fprintf(f,
		"%s: a connect whose first SYN went unanswered waits 1 s, then 3 s, 7 s, "
		"15 s</caption>\n<thead><tr><th>took</th><th class=\"num\">connects</th>"
		"<th></th></tr></thead><tbody>\n",
		who);
	json_array_foreach(st, i, s)
	{
		double from = report_lookup(s, "from_ms"), to = report_lookup(s, "to_ms"),
		       n = report_lookup(s, "count");
		char a[32], b[32], c[32];

		if (isnan(to))
			fprintf(f, "<tr><td>%s ms or more</td>", chart_fig(from, 0, a, sizeof(a)));
		else
			fprintf(f, "<tr><td>%s to %s ms</td>", chart_fig(from, 0, a, sizeof(a)),
				chart_fig(to, 0, b, sizeof(b)));
		fprintf(f,
			"<td class=\"num\">%s</td><td><span class=\"bar\" style=\"width:%.1fem\"></span></td></tr>\n",
			chart_fig(n, 0, c, sizeof(c)), most > 0 ? 20 * n / most : 0);
	}
	fprintf(f, "</tbody></table>\n");
}

void html_events(FILE *f, json_t *const *res, int n)
{
	for (int r = 0; r < n; r++) {
		json_t *ev = json_object_get(res[r], "events"), *e;
		const char *who = n > 1 ? (r ? " (B)" : " (A)") : "";
		size_t i;

		if (!json_array_size(ev))
			continue;
		fprintf(f,
			"<h2>Events%s</h2>\n<p class=\"muted\">Each event's window: from the event "
			"until the server's kernel counted as many established connections as "
			"before it (a second more), the next event or the hold's end; times "
			"from the event. Marked on every chart above.</p>\n<table id=\"events%s\">"
			"<thead><tr><th>event</th>",
			who, n > 1 ? (r ? "-B" : "-A") : "");
		for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
			fprintf(f, "<th class=\"num\">%s</th>", cols[c].head);
		fprintf(f, "</tr></thead><tbody>\n");
		json_array_foreach(ev, i, e) event_row(f, e);
		fprintf(f, "</tbody></table>\n");
		json_array_foreach(ev, i, e) steps(f, e, who, i);
	}
}
