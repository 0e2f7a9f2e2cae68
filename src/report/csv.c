/* SPDX-License-Identifier: MIT */
/* csv.c - timeline.csv from the timeline of result.json: one row per
 * sample (docs/results.md lists the columns). */
#include <stdio.h>
#include <string.h>

#include "report/report.h"
#include "util/compiler.h"

/* a column: its name, where it is in "timeline", how it is printed */
struct column {
	const char *name, *path;
	enum { C_INT, C_MS, C_STRING, C_KB, C_TENTHS } kind;
};

static const struct column columns[] = {
	{ "t_s", "t_s", C_MS },
	{ "phase", "phase", C_STRING },
	{ "established_clients", "established_clients", C_INT },
	{ "established_server", "established_server", C_INT },
	{ "time_wait", "states.time_wait", C_INT },
	{ "close_wait", "states.close_wait", C_INT },
	{ "syn_recv", "syn_recv_server", C_INT },
	{ "orphans", "orphans_host", C_INT },
	{ "flood_open", "flood_open", C_INT },
	{ "flood_connected", "connected", C_INT },
	{ "flood_errors", "errors_total", C_INT },
	{ "server_open", "server_open", C_INT },
	{ "accept_queue", "accept_queue", C_INT },
	{ "listen_overflows", "listen_overflows", C_INT },
	{ "ping_max_ms", "ping_max_ms", C_MS },
	{ "pings_sent", "pings_sent", C_INT },
	{ "pings_lost", "pings_lost", C_INT },
	{ "probe_connect_ms", "probe_connect_ms", C_MS },
	{ "slab_kb", "slab_bytes", C_KB },
	{ "link_drops", "link_drops", C_INT },
	{ "conntrack_srv", "conntrack_srv", C_INT },
	{ "conntrack_drops", "conntrack_drops", C_INT },
	{ "states_age_s", "states_age_s", C_TENTHS },
};

static json_t *column_of(json_t *tl, const char *path)
{
	const char *dot = strchr(path, '.');
	char key[32];

	if (!dot)
		return json_object_get(tl, path);
	snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
	return json_object_get(json_object_get(tl, key), dot + 1);
}

void report_csv(FILE *f, void *arg)
{
	json_t *tl = json_object_get(arg, "timeline");
	json_t *col[ARRAY_LEN(columns)];
	size_t rows = json_array_size(json_object_get(tl, "t_s"));

	for (size_t c = 0; c < ARRAY_LEN(columns); c++) {
		col[c] = column_of(tl, columns[c].path);
		fprintf(f, "%s%c", columns[c].name, c + 1 < ARRAY_LEN(columns) ? ',' : '\n');
	}
	for (size_t i = 0; i < rows; i++) {
		for (size_t c = 0; c < ARRAY_LEN(columns); c++) {
			json_t *v = json_array_get(col[c], i);

			switch (columns[c].kind) {
			case C_STRING:
				fputs(json_string_value(v) ? json_string_value(v) : "", f);
				break;
			case C_INT: /* empty: not in this result.json */
				if (v)
					fprintf(f, "%lld", (long long)json_integer_value(v));
				break;
			case C_KB:
				if (v)
					fprintf(f, "%lld", (long long)json_integer_value(v) / 1024);
				break;
			case C_MS:
				if (json_is_number(v)) /* null: nothing measured */
					fprintf(f, "%.3f", json_number_value(v));
				break;
			case C_TENTHS:
				fprintf(f, "%.1f", json_number_value(v));
				break;
			}
			fputc(c + 1 < ARRAY_LEN(columns) ? ',' : '\n', f);
		}
	}
}
