/* SPDX-License-Identifier: MIT */
/* write.c - a run directory's files from its result: expectations judged,
 * the outcome and exit status set, then timeline.csv, junit.xml,
 * result.json and report.html written (each atomically) and the summary
 * printed. The same for a run that just ended and for one judged again
 * (whose timeline.csv stays as the run wrote it: verdicts do not change
 * it, and a result.json of an older connlab may lack some of its columns). */
#include <stdio.h>

#include "report/report.h"
#include "util/status.h"

static void write_json(FILE *f, void *arg)
{
	json_dumpf(arg, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
	fputc('\n', f);
}

static void write_html(FILE *f, void *arg)
{
	json_t *j = arg;
	const char *dir = json_string_value(json_object_get(j, "outdir"));

	report_html(&j, &dir, 1, f);
}

int report_finish(json_t *res, const char *dir, const struct expectation *e, unsigned n, int status,
		  int csv)
{
	unsigned failed = report_judge(res, e, n);
	int bad = 0;

	/* a run that could not run judged nothing: its expectations were not
	 * run, not failed (holds null, verdict "not run") */
	if (status == EXIT_CANNOT_RUN && !report_reached_ramp(res)) {
		json_t *v;
		size_t i;

		json_array_foreach(json_object_get(res, "expectations"), i, v)
		{
			json_object_set_new(v, "holds", json_null());
			json_object_set_new(v, "verdict", json_string("not run"));
		}
		failed = 0;
	}
	/* EXIT_EXPECT_FAILED from the launcher itself: a fleet's host did not
	 * hold (its outcome says so) */
	if (status == EXIT_OK || (status == EXIT_EXPECT_FAILED && failed)) {
		status = failed ? EXIT_EXPECT_FAILED : EXIT_OK;
		json_object_set_new(res, "outcome",
				    json_string(failed ? "expectations failed" : "completed"));
	}
	json_object_set_new(res, "exit_status", json_integer(status));
	/* from the judged result: a failed expectation is a missed target */
	json_object_set_new(res, "findings", report_findings(res, dir));
	if (csv)
		bad |= report_write_atomic(dir, "timeline.csv", report_csv, res);
	bad |= report_write_atomic(dir, "junit.xml", report_junit, res);
	bad |= report_write_atomic(dir, "result.json", write_json, res);
	bad |= report_write_atomic(dir, "report.html", write_html, res);
	report_summary(res, stdout);
	if (bad && !status)
		status = EXIT_CANNOT_RUN;
	return status;
}
