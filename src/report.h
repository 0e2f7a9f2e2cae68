/* report.h - what a run's result.json becomes for people: the terminal
 * summary (summary.c) and report.html, one run or two side by side
 * (html.c). Both read only result.json, so `connlab report RUNDIR`
 * regenerates them from a run directory. */
#ifndef CONNLAB_REPORT_H
#define CONNLAB_REPORT_H

#include <jansson.h>
#include <stdio.h>

/* The number at a dotted path of result.json ("ping.all.p50_ms"); a "*"
 * step sums over an object's members; NAN when absent. */
double report_lookup(json_t *v, const char *path);

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

/* The terminal summary of a run. */
void report_summary(json_t *res, FILE *out);

/* report.html: one run (n == 1) or two compared (n == 2; the first is the
 * "before"). Self-contained XHTML with inline SVG, no scripts. */
void report_html(json_t *const *res, const char *const *dirs, int n, FILE *out);

/* Writes what fn prints to DIR/NAME through a temporary file and a rename:
 * the file is complete or absent. 0, or -errno (and a message). */
int report_write_atomic(const char *dir, const char *name, void (*fn)(FILE *, void *), void *arg);

#endif
