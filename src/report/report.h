/* SPDX-License-Identifier: MIT */
/* report.h - what a run's result.json becomes: expectations judged, the
 * run directory's files (timeline.csv, junit.xml, result.json,
 * report.html), the terminal summary, and two runs side by side. All of
 * it reads result.json only, never the launcher's state, so `connlab
 * report RUNDIR` judges and writes them again from a run directory. */
#ifndef CONNLAB_REPORT_H
#define CONNLAB_REPORT_H

#include <jansson.h>
#include <stdio.h>

#include "lab/expect.h"
#include "lab/phase.h"
#include "util/jpath.h"

/* result.c: DIR/result.json, or NULL with why in err ("not a run
 * directory", the file and line of a JSON error, another schema). */
json_t *report_load(const char *dir, char *err, size_t errlen);

/* The number at a dotted path of result.json ("ping.all.p50_ms"). A "*"
 * step sums over an object's members, "c*" over those named c and a
 * number; a "#" step is an array's length; "A + B" sums two paths. NAN
 * when absent. */
double report_lookup(json_t *v, const char *path);

/* The same for a count in an object that lists only what happened
 * ("errors.ECONNRESET"): 0 when the object is there and the member is
 * not; NAN when the object is absent (an older result.json). */
double report_lookup_count(json_t *v, const char *path);

/* Writes what fn prints to DIR/NAME through a temporary file and a rename:
 * the file is complete or absent. 0, or -errno (and a message). */
int report_write_atomic(const char *dir, const char *name, void (*fn)(FILE *, void *), void *arg);

/* judge.c: the value of a metric in a result (its base unit: counts,
 * microseconds, fractions, bytes, per second), NAN when not measured. */
double report_metric_value(json_t *res, const char *metric);
/* Judges n expectations on res, sets res's "expectations"; the number that
 * failed. */
unsigned report_judge(json_t *res, const struct expectation *e, unsigned n);
/* The run got as far as its ramp (or churn): it measured something. */
int report_reached_ramp(json_t *res);
/* An expectation's verdict as people read it: "ok", "FAIL" or "not run"
 * (holds null: the run could not run). */
const char *report_verdict(json_t *expectation);

/* write.c: judges, sets "outcome" and "exit_status" (status is the run's:
 * EXIT_OK, or EXIT_CANNOT_RUN or EXIT_INTERRUPTED, which stand), writes
 * the run directory's files into dir (timeline.csv only when csv) and
 * prints the summary. Returns the exit status. */
int report_finish(json_t *res, const char *dir, const struct expectation *e, unsigned n, int status,
		  int csv);

/* csv.c, junit.c: timeline.csv and junit.xml of a result (arg: json_t *),
 * for report_write_atomic. */
void report_csv(FILE *f, void *res);
void report_junit(FILE *f, void *res);

/* openmetrics.c: a result's figures as OpenMetrics text, "# EOF" last
 * (docs/results.md); a result.json of a run still going works too. */
void openmetrics_write(FILE *f, json_t *res);

/* The key figures two runs are compared by: label, path, printf format. */
struct report_row {
	const char *label;
	const char *path;
	const char *fmt;
};
extern const struct report_row report_rows[];
extern const size_t report_rows_count;

/* A value as fmt prints it, "-" when not measured. */
char *report_cell(char *buf, size_t len, const char *fmt, double v);
/* The change from a to b: "+12%", "(was 0)", or "" when there is none. */
char *report_change(char *buf, size_t len, double a, double b);

/* A row's value in a run (NAN: not measured). */
double report_row_value(json_t *res, const struct report_row *row);

/* Text for XML and XHTML: <, >, &, " escaped, control characters left out
 * (XML 1.0 forbids them). */
void report_xml_escape(FILE *f, const char *s);

/* An expectation of result.json as written ("ping.p99 <= 5ms"), escaped
 * for XML. */
void report_expectation_xml(FILE *f, json_t *e);

/* The findings of a run (docs/findings.md) from its result and, when dir
 * is given, its children.log: a new JSON array. */
json_t *report_findings(json_t *res, const char *dir);
/* The first finding of res's "findings" that is a cause, or NULL. */
json_t *report_first_cause(json_t *res);
/* Every rule of the table by family, for `connlab help findings`. */
void report_rules_write(FILE *out);
/* The id of the i-th rule of the table, NULL past the last. */
const char *report_rule_id(size_t i);
/* The table's own consistency (ids once, what after[] names exists, no
 * cycle): 0, or -1 with the breach in err. */
int report_rules_check(char *err, size_t len);
/* explain.c: the findings in full, as `connlab explain` prints them. */
void report_explain(json_t *res, FILE *out);

/* The terminal summary of a run. */
void report_summary(json_t *res, FILE *out);

/* report.html: one run (n == 1) or two compared (n == 2; the first is the
 * "before"). Self-contained XHTML with inline SVG, no scripts. */
void report_html(json_t *const *res, const char *const *dirs, int n, FILE *out);

#endif
