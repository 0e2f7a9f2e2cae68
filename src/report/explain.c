/* SPDX-License-Identifier: MIT */
/* explain.c - the findings of a run in full, as `connlab explain` prints
 * them: each with its evidence (a value at its place in result.json, or a
 * line of children.log), why, the fix and the --set line to try. */
#include <stdio.h>
#include <stdlib.h>

#include "report/report.h"
#include "util/text.h"

static void evidence_line(json_t *e, FILE *out)
{
	json_t *v = json_object_get(e, "value");
	char *val = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(6));

	fprintf(out, "      %s: %s", json_string_value(json_object_get(e, "what")),
		val ? val : "?");
	if (json_object_get(e, "path"))
		fprintf(out, "  (%s)\n", json_string_value(json_object_get(e, "path")));
	else
		fprintf(out, "  (%s:%lld, %lld lines like it)\n",
			json_string_value(json_object_get(e, "file")),
			(long long)json_integer_value(json_object_get(e, "line")),
			(long long)json_integer_value(json_object_get(e, "lines_like_it")));
	free(val);
}

static void finding_write(json_t *f, FILE *out)
{
	json_t *since = json_object_get(f, "since_s"), *e;
	size_t k;

	fprintf(out, "\n%s %s", json_string_value(json_object_get(f, "severity")),
		json_string_value(json_object_get(f, "id")));
	if (json_is_number(since))
		fprintf(out, " (from %.1f s)", json_number_value(since));
	fprintf(out, "\n");
	text_wrap(out, json_string_value(json_object_get(f, "title")), 2, 78);
	fprintf(out, "  evidence:\n");
	json_array_foreach(json_object_get(f, "evidence"), k, e) evidence_line(e, out);
	fprintf(out, "  why:\n");
	text_wrap(out, json_string_value(json_object_get(f, "explanation")), 4, 78);
	fprintf(out, "  fix:\n");
	text_wrap(out, json_string_value(json_object_get(f, "fix")), 4, 78);
	if (json_is_string(json_object_get(f, "try")))
		fprintf(out, "    try: connlab run LAB %s\n",
			json_string_value(json_object_get(f, "try")));
}

void report_explain(json_t *res, FILE *out)
{
	json_t *fs = json_object_get(res, "findings"), *f;
	size_t i;

	fprintf(out, "connlab explain: lab '%s', %s\n",
		json_string_value(jpath(res, "lab.name")) ?: "?",
		json_string_value(json_object_get(res, "outcome")) ?: "?");
	if (!json_array_size(fs))
		fprintf(out, "\nNo findings.\n");
	json_array_foreach(fs, i, f) finding_write(f, out);
}
