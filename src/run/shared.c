/* SPDX-License-Identifier: MIT */
/* shared.c - what both launchers (a run of one box, and connlab fleet)
 * write the same way: the phases they went through, result.json's head and
 * tail of facts, and the flood processes' histograms merged. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "run/run.h"

#ifndef CONNLAB_VERSION
#define CONNLAB_VERSION "0.0.0"
#endif

void phase_log_enter(struct phase_log *l, enum phase p, double t)
{
	if (l->seen[l->now])
		l->t[l->now][1] = t;
	l->now = p;
	l->seen[p] = 1;
	l->t[p][0] = t;
	l->t[p][1] = t;
}

void run_result_open(json_t *j, const struct lab *lab, const char *kind)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	if (m) {
		lab_write(lab, m);
		fclose(m);
	}
	json_object_set_new(j, "schema", json_integer(1));
	json_object_set_new(j, "connlab", json_string(CONNLAB_VERSION));
	if (kind)
		json_object_set_new(j, "kind", json_string(kind));
	json_object_set_new(j, "lab",
			    json_pack("{s:s, s:s, s:s}", "name", lab->name, "source", lab->source,
				      "resolved", text ? text : ""));
	free(text);
	{
		json_t *ch = json_array();

		for (unsigned i = 0; i < lab->n_changes; i++) {
			const struct lab_change *c = &lab->changes[i];

			json_array_append_new(ch, json_pack("{s:s, s:s, s:s, s:s}", "key", c->key,
							    "from", c->from, "from_where",
							    c->from_line > 0   ? "lab file"
							    : c->from_line < 0 ? "--set"
									       : "default",
							    "to", c->to));
		}
		json_object_set_new(json_object_get(j, "lab"), "changes", ch);
	}
}

json_t *run_host_json(uint64_t fd_limit)
{
	struct utsname u;

	uname(&u);
	return json_pack("{s:s, s:s, s:I, s:I, s:I}", "kernel", u.release, "machine", u.machine,
			 "cpus", (json_int_t)sysconf(_SC_NPROCESSORS_ONLN), "memory_bytes",
			 (json_int_t)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE), "fd_limit",
			 (json_int_t)fd_limit);
}

void run_result_close(json_t *j, time_t started, const char *outcome, const char *reason,
		      const struct phase_log *l, enum client_mode mode)
{
	json_t *phases = json_array();
	char when[32];
	struct tm tm;

	gmtime_r(&started, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(j, "started", json_string(when));
	json_object_set_new(j, "outcome", json_string(outcome));
	json_object_set_new(j, "reason", json_string(reason));
	for (int p = 0; p < PH_COUNT; p++)
		if (l->seen[p])
			json_array_append_new(phases, json_pack("{s:s, s:f, s:f}", "name",
								phase_name(p, mode), "start_s",
								l->t[p][0], "end_s", l->t[p][1]));
	json_object_set_new(j, "phases", phases);
}

json_t *run_hist_json(const struct hist *h)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "count", (json_int_t)h->count,
			 "p50_us", (json_int_t)hist_quantile(h, 0.5), "p90_us",
			 (json_int_t)hist_quantile(h, 0.9), "p99_us",
			 (json_int_t)hist_quantile(h, 0.99), "p999_us",
			 (json_int_t)hist_quantile(h, 0.999), "max_us", (json_int_t)h->max,
			 "mean_us", (json_int_t)(h->count ? h->sum / h->count : 0));
}

json_t *run_merged_hist(json_t *const *lines, size_t n, const char *key)
{
	struct hist *h = calloc(1, sizeof(*h));
	unsigned had = 0;
	json_t *out = NULL;

	if (!h)
		return json_null();
	for (size_t i = 0; i < n; i++) {
		const char *t = lines[i] ? json_string_value(json_object_get(lines[i], key)) : NULL;

		if (t && hist_parse_add(h, t) == 0)
			had++;
	}
	if (had) {
		out = run_hist_json(h);
		json_object_set_new(out, "floods", json_integer(had));
	}
	free(h);
	return out ? out : json_null();
}

/* The window's connects by the kernel's SYN retransmit steps (a connect
 * whose first SYN went unanswered takes 1 s or more, then 3 s, 7 s, 15 s):
 * from_ms, to_ms (null: no bound) and count of each. */
static json_t *steps_json(const struct hist *h)
{
	static const uint64_t edge_us[] = { 0,	     1000,    10000,   100000,
					    1000000, 3000000, 7000000, 15000000 };
	const size_t n = sizeof(edge_us) / sizeof(edge_us[0]);
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		uint64_t from = hist_at_least(h, edge_us[i]),
			 to = i + 1 < n ? hist_at_least(h, edge_us[i + 1]) : 0;

		json_array_append_new(a,
				      json_pack("{s:f, s:o, s:I}", "from_ms",
						(double)edge_us[i] / 1000, "to_ms",
						i + 1 < n ? json_real((double)edge_us[i + 1] / 1000)
							  : json_null(),
						"count", (json_int_t)(from - to)));
	}
	return a;
}

json_t *run_hist_window_json(const struct hist *later, const struct hist *earlier)
{
	struct hist *h = malloc(sizeof(*h));
	json_t *j;

	if (!h)
		return json_null();
	hist_since(h, later, earlier);
	j = h->count ? run_hist_json(h) : json_null();
	if (h->count) { /* the kernel's SYN retransmits at 1 s, 3 s, 7 s */
		json_object_set_new(j, "at_least_1s",
				    json_integer((json_int_t)hist_at_least(h, 1000000)));
		json_object_set_new(j, "at_least_3s",
				    json_integer((json_int_t)hist_at_least(h, 3000000)));
		json_object_set_new(j, "steps", steps_json(h));
	}
	free(h);
	return j;
}
