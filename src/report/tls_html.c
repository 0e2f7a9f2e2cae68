/* SPDX-License-Identifier: MIT */
/* tls_html.c - report.html's TLS section: what each side counted (full and
 * resumed handshakes, failures), what a handshake cost it in CPU, the user
 * memory of a held connection on each side, the clients' handshake
 * latency as bars, and each failure's reason in the library's words. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/chart.h"
#include "report/report.h"
#include "util/jpath.h"

/* a row of the table: its heading and the value's path under tls */
static const struct {
	const char *head, *path;
	int decimals;
} rows[] = {
	{ "handshakes (clients)", "clients.handshakes", 0 },
	{ "of them resumed", "clients.resumed", 0 },
	{ "handshakes (server)", "server.handshakes", 0 },
	{ "of them resumed (server's count)", "server.resumed", 0 },
	{ "failed (clients)", "clients.failed", 0 },
	{ "failed (server)", "server.failed", 0 },
	{ "handshakes a second, ramp", "clients.handshakes_per_s", 0 },
	{ "CPU per handshake, server, us", "server.cpu_per_handshake_us", 0 },
	{ "CPU per handshake, clients, us", "clients.cpu_per_handshake_us", 0 },
	{ "user memory per connection, server, bytes", "memory.server_per_conn_bytes", 0 },
	{ "user memory per connection, clients, bytes", "memory.clients_per_conn_bytes", 0 },
};

static void figures(FILE *f, json_t *const *res, int n)
{
	char v[48];

	fprintf(f, "<table id=\"tls\"><thead><tr><th></th>");
	for (int r = 0; r < n; r++)
		fprintf(f, "<th class=\"num\">%s</th>", n > 1 ? (r ? "B" : "A") : "");
	fprintf(f, "</tr></thead><tbody>\n<tr><td>library, version, resumption</td>");
	for (int r = 0; r < n; r++) {
		json_t *t = json_object_get(res[r], "tls");

		fprintf(f, "<td class=\"num\">");
		if (json_is_object(t)) {
			report_xml_escape(f, chart_str(t, "library_version"));
			fprintf(f, ", TLS %s, resume %s%s", chart_str(t, "version"),
				chart_str(t, "resume"),
				json_is_true(json_object_get(t, "release_buffers"))
					? ""
					: ", buffers kept");
		} else {
			fprintf(f, "plain TCP");
		}
		fprintf(f, "</td>");
	}
	fprintf(f, "</tr>\n");
	for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
		fprintf(f, "<tr><td>%s</td>", rows[k].head);
		for (int r = 0; r < n; r++)
			fprintf(f, "<td class=\"num\">%s</td>",
				chart_fig(
					report_lookup(json_object_get(res[r], "tls"), rows[k].path),
					rows[k].decimals, v, sizeof(v)));
		fprintf(f, "</tr>\n");
	}
	fprintf(f, "</tbody></table>\n");
}

/* the clients' handshake latency: percentiles as bars of max's width */
static void latency(FILE *f, json_t *t, const char *who)
{
	static const char *const q[] = { "p50", "p90", "p99", "p999", "max" };
	json_t *h = jpath(t, "clients.handshake");
	double most = report_lookup(h, "max_us");
	char path[16], a[32];

	if (!json_is_object(h) || !(most > 0))
		return;
	fprintf(f,
		"<table class=\"steps\" id=\"tls-latency%s\"><caption>TLS handshake latency%s: "
		"connect() to handshake done, every flood merged</caption>\n<thead><tr><th></th>"
		"<th class=\"num\">ms</th><th></th></tr></thead><tbody>\n",
		who[0] ? (who[2] == 'A' ? "-A" : "-B") : "", who);
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		double us;

		snprintf(path, sizeof(path), "%s_us", q[i]);
		us = report_lookup(h, path);
		fprintf(f,
			"<tr><td>%s</td><td class=\"num\">%s</td><td><span class=\"bar\" "
			"style=\"width:%.1fem\"></span></td></tr>\n",
			q[i], chart_fig(us / 1e3, 2, a, sizeof(a)), 20 * us / most);
	}
	fprintf(f, "</tbody></table>\n");
}

/* each failure's reason and the library's words, by side */
static void failures(FILE *f, json_t *t, const char *who)
{
	static const char *const sides[] = { "clients", "server" };

	for (int s = 0; s < 2; s++) {
		json_t *e = jpath(t, sides[s]), *errs = json_object_get(e, "errors"), *v;
		const char *k;

		if (!json_object_size(errs))
			continue;
		fprintf(f, "<p>TLS failures, %s%s:</p>\n<ul>\n", sides[s], who);
		json_object_foreach(errs, k, v)
		{
			fprintf(f, "<li>%s: %lld (", k, (long long)json_integer_value(v));
			report_xml_escape(f, chart_str(json_object_get(e, "error_text"), k));
			fprintf(f, ")</li>\n");
		}
		fprintf(f, "</ul>\n");
	}
}

void html_tls(FILE *f, json_t *const *res, int n)
{
	int any = 0;

	for (int r = 0; r < n; r++)
		any |= json_is_object(json_object_get(res[r], "tls"));
	if (!any)
		return;
	fprintf(f, "<h2>TLS</h2>\n<p class=\"muted\">Each side's own counts (docs/tls.md): "
		   "CPU per handshake is the side's CPU time over its handshakes; user memory "
		   "per connection, what the side's processes grew by for each connection "
		   "held.</p>\n");
	figures(f, res, n);
	for (int r = 0; r < n; r++) {
		const char *who = n > 1 ? (r ? " (B)" : " (A)") : "";

		latency(f, json_object_get(res[r], "tls"), who);
		failures(f, json_object_get(res[r], "tls"), who);
	}
}
