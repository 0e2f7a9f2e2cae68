/* SPDX-License-Identifier: MIT */
/* junit.c - junit.xml from result.json: "run completes", then one test
 * case per expectation, for CI systems. */
#include <stdio.h>
#include <string.h>

#include "report/report.h"
#include "util/status.h"

static const char *str(json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));

	return s ? s : "";
}

static void testcase_open(FILE *f, const char *lab)
{
	fprintf(f, "  <testcase classname=\"connlab.");
	report_xml_escape(f, lab);
	fprintf(f, "\" name=\"");
}

void report_junit(FILE *f, void *arg)
{
	json_t *res = arg, *ex = json_object_get(res, "expectations"), *e;
	const char *lab = str(json_object_get(res, "lab"), "name");
	int status = (int)json_integer_value(json_object_get(res, "exit_status"));
	unsigned failures = 0;
	size_t i;

	json_array_foreach(ex, i, e) failures += json_is_false(json_object_get(e, "holds"));
	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n<testsuite name=\"connlab.");
	report_xml_escape(f, lab);
	fprintf(f, "\" tests=\"%zu\" failures=\"%u\" errors=\"%d\">\n", json_array_size(ex) + 1,
		failures, status == EXIT_CANNOT_RUN);
	testcase_open(f, lab);
	fprintf(f, "run completes\">");
	if (status == EXIT_CANNOT_RUN || status == EXIT_INTERRUPTED) {
		fprintf(f, "<error message=\"");
		report_xml_escape(f, str(res, "reason"));
		fprintf(f, "\"/>");
	}
	fprintf(f, "</testcase>\n");
	json_array_foreach(ex, i, e)
	{
		testcase_open(f, lab);
		report_expectation_xml(f, e);
		fprintf(f, "\">");
		if (!strcmp(report_verdict(e), "not run")) {
			fprintf(f, "<skipped message=\"not run: ");
			report_xml_escape(f, str(res, "reason"));
			fprintf(f, "\"/>");
		} else if (!json_is_true(json_object_get(e, "holds"))) {
			json_t *why = report_first_cause(res);

			fprintf(f, "<failure message=\"actual: ");
			report_xml_escape(f, str(e, "actual_text"));
			if (why) {
				fprintf(f, "; finding %s: ", str(why, "id"));
				report_xml_escape(f, str(why, "title"));
				fprintf(f, " (fix: ");
				report_xml_escape(f, str(why, "fix"));
				fprintf(f, ")");
			}
			fprintf(f, "\"/>");
		}
		fprintf(f, "</testcase>\n");
	}
	fprintf(f, "</testsuite>\n</testsuites>\n");
}
