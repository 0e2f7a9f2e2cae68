/* cmd_report.c - `connlab report`: a run's summary from its result.json,
 * or two runs side by side (the before and after of a fix). */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "report.h"

static json_t *load(const char *dir)
{
	char path[1024];
	json_error_t e;
	json_t *j;

	snprintf(path, sizeof(path), "%s/result.json", dir);
	j = json_load_file(path, 0, &e);
	if (!j)
		fprintf(stderr, "connlab: %s: %s (line %d)\n", path, e.text, e.line);
	else if (json_integer_value(json_object_get(j, "schema")) != 1) {
		fprintf(stderr, "connlab: %s: not a connlab result of schema 1\n", path);
		json_decref(j);
		j = NULL;
	}
	return j;
}

struct html_job {
	json_t *const *res;
	const char *const *dirs;
	int n;
};

static void write_page(FILE *f, void *arg)
{
	const struct html_job *h = arg;

	report_html(h->res, h->dirs, h->n, f);
}

/* Splits PATH into a directory and a file name for report_write_atomic. */
static int write_page_at(const char *path, struct html_job *h)
{
	char dir[1024];
	const char *slash = strrchr(path, '/');

	if (slash && slash != path)
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	else
		snprintf(dir, sizeof(dir), "%s", slash ? "/" : ".");
	return report_write_atomic(dir, slash ? slash + 1 : path, write_page, h);
}

int cmd_report(int argc, char **argv)
{
	json_t *run[2] = { NULL, NULL };
	const char *dirs[2] = { NULL, NULL }, *outpath = NULL;
	char page[1100];
	int n = 0, status = EXIT_OK;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return cmd_help(2, (char *[]){ "help", "report", NULL });
		if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) {
			if (i + 1 == argc)
				return cli_usage_error("report", "%s needs a file name", argv[i]);
			outpath = argv[++i];
		} else if (argv[i][0] == '-') {
			return cli_usage_error("report", "unknown option '%s'", argv[i]);
		} else if (n == 2) {
			return cli_usage_error("report",
					       "give one run directory, or two to compare");
		} else {
			dirs[n++] = argv[i];
		}
	}
	if (n < 1)
		return cli_usage_error("report", "give one run directory, or two to compare");
	if (n == 1 && outpath)
		return cli_usage_error(
			"report", "-o is for a comparison; one run's page is RUNDIR/report.html");
	for (int i = 0; i < n; i++) {
		run[i] = load(dirs[i]);
		if (!run[i]) {
			status = EXIT_USAGE;
			goto out;
		}
		json_object_set_new(run[i], "outdir", json_string(dirs[i]));
		if (!json_object_get(run[i], "timeline"))
			fprintf(stderr,
				"connlab: %s/result.json has no timeline (written by connlab before 0.2): the page will have tables but empty charts\n",
				dirs[i]);
	}
	if (n == 1) {
		struct html_job h = { run, dirs, 1 };

		report_summary(run[0], stdout);
		if (report_write_atomic(dirs[0], "report.html", write_page, &h))
			status = EXIT_CANNOT_RUN;
		else
			printf("  report        %s/report.html\n", dirs[0]);
		goto out;
	}
	printf("%-34s", "");
	for (int i = 0; i < 2; i++)
		printf(" %-18.18s",
		       json_string_value(json_object_get(json_object_get(run[i], "lab"), "name")));
	printf(" change\n%-34s", "outcome");
	for (int i = 0; i < 2; i++)
		printf(" %-18.18s", json_string_value(json_object_get(run[i], "outcome")));
	printf("\n");
	for (size_t r = 0; r < report_rows_count; r++) {
		double v[2] = { report_row_value(run[0], &report_rows[r]),
				report_row_value(run[1], &report_rows[r]) };
		char a[32], b[32], c[32];

		if (isnan(v[0]) && isnan(v[1]))
			continue;
		printf("%-34s %-18s %-18s %s\n", report_rows[r].label,
		       report_cell(a, sizeof(a), report_rows[r].fmt, v[0]),
		       report_cell(b, sizeof(b), report_rows[r].fmt, v[1]),
		       report_change(c, sizeof(c), v[0], v[1]));
	}
	for (int i = 0; i < 2; i++) {
		json_t *ex = json_object_get(run[i], "expectations"), *e;
		size_t k;

		printf("\n%s: %s\n", i ? "B" : "A", dirs[i]);
		json_array_foreach(ex, k, e)
		{
			printf("  %-4s %s %s %s\n",
			       json_is_true(json_object_get(e, "holds")) ? "ok" : "FAIL",
			       json_string_value(json_object_get(e, "metric")),
			       json_string_value(json_object_get(e, "op")),
			       json_string_value(json_object_get(e, "text")));
		}
	}
	if (!outpath) {
		snprintf(page, sizeof(page), "%s/compare.html", dirs[1]);
		outpath = page;
	}
	{
		struct html_job h = { run, dirs, 2 };

		if (write_page_at(outpath, &h))
			status = EXIT_CANNOT_RUN;
		else
			printf("\ncomparison page: %s\n", outpath);
	}
out:
	json_decref(run[0]);
	json_decref(run[1]);
	return status;
}
