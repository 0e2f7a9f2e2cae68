/* SPDX-License-Identifier: MIT */
/* report.c - `connlab report`: a run judged again and its summary and files
 * from its result.json, or two runs side by side (the before and after of
 * a fix). */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "report/report.h"

static int cmd_report(int argc, char **argv);

const struct command command_report = {
	.name = "report",
	.summary = "show a run's results, or compare two runs",
	.usage =
		"connlab report RUNDIR [--set expect.METRIC=OP VALUE]... | connlab report RUNDIR --openmetrics | --serve [ADDR:]PORT | connlab report [-o FILE] RUNDIR_A RUNDIR_B",
	.help = "With one run directory: judges the run's expectations again from result.json,\n"
		"prints its summary and writes RUNDIR/result.json, junit.xml and report.html\n"
		"again (and timeline.csv if it is missing), all from result.json alone (every\n"
		"run writes them; this is for a run directory copied elsewhere, a page lost,\n"
		"or new expectations). With\n"
		"--set 'expect.METRIC=OP VALUE' (or expect.METRIC=off) the run is judged against\n"
		"other expectations, as --set does for connlab run; the verdicts of the run\n"
		"itself stay in result.json as expectations_at_run. The exit status is as for\n"
		"connlab run: 0 every expectation holds, 1 one failed, 2 usage or a directory\n"
		"that is not a run, 3 the run could not run, 130 it was interrupted.\n"
		"\n"
		"With two: the key figures side by side with the change from A to B, and a\n"
		"comparison page with the charts of both runs overlaid (A solid, B dashed),\n"
		"written to RUNDIR_B/compare.html or to FILE with -o. For the before and after\n"
		"of a fix:\n"
		"\n"
		"  connlab run lab/time-wait.lab --out runs/before\n"
		"  connlab run lab/time-wait.lab --set sysctl.net.ipv4.tcp_tw_reuse=1 --out runs/after\n"
		"  connlab report runs/before runs/after\n"
		"\n"
		"  -s, --set expect.METRIC=OP VALUE  judge one run against this expectation\n"
		"                                    (repeatable; expect.METRIC=off drops one)\n"
		"  -o, --output FILE   where to write the comparison page (a directory: FILE/compare.html)\n"
		"  --openmetrics       print one run's figures as OpenMetrics text (Prometheus's\n"
		"                      format: a node_exporter textfile, promtool) and nothing else\n"
		"  --serve [ADDR:]PORT serve one run over HTTP until Ctrl-C: its page at /,\n"
		"                      /result.json, and /metrics (OpenMetrics) for a Prometheus\n"
		"                      scrape; on 127.0.0.1 unless ADDR is given (port 0: the\n"
		"                      kernel picks one, printed)\n"
		"\n"
		"report.html is one file with no scripts and no links out: open it from disk\n"
		"or keep it as a CI artifact.\n",
	.run = cmd_report,
};

static json_t *load(const char *dir)
{
	char err[1200];
	json_t *j = report_load(dir, err, sizeof(err));

	if (!j)
		fprintf(stderr, "connlab: %s\n", err);
	return j;
}

/* The run's lab again, from the resolved lab file in its result.json, with
 * the --set items on top: its expectations are what a re-judge uses. Only
 * expect.* can be set: any other key would be another run. */
static int run_lab_load(json_t *res, const char *dir, struct lab *lab, const struct cli_sets *sets)
{
	const char *text =
		json_string_value(json_object_get(json_object_get(res, "lab"), "resolved"));
	struct lab_diag diag = { 0 };
	char source[600];
	int bad;

	for (int i = 0; i < sets->n; i++)
		if (strncmp(sets->item[i], "expect.", 7)) {
			fprintf(stderr,
				"connlab: --set %s: a past run is judged again against expectations only (--set 'expect.METRIC=OP VALUE' or expect.METRIC=off); other keys make another run: connlab run --set ...\n",
				sets->item[i]);
			return EXIT_USAGE;
		}
	if (!text) {
		fprintf(stderr,
			"connlab: %s/result.json has no resolved lab (lab.resolved): its expectations cannot be judged again\n",
			dir);
		return EXIT_USAGE;
	}
	snprintf(source, sizeof(source), "%s/result.json (lab.resolved)", dir);
	lab_init(lab, source);
	bad = lab_parse(lab, text, strlen(text), &diag);
	return cli_lab_finish(lab, bad, &diag, sets);
}

/* One run: judged again (against --set expectations too), its files
 * written again, the summary printed; the exit status as for `run`. */
static int report_one(json_t *res, const char *dir, const struct cli_sets *sets)
{
	static struct lab lab;
	char csv[1100];
	int st = run_lab_load(res, dir, &lab, sets);
	int was = (int)json_integer_value(json_object_get(res, "exit_status"));

	if (st)
		return st;
	if (sets->n && !json_object_get(res, "expectations_at_run"))
		/* the verdicts of the run itself stay on record */
		json_object_set(res, "expectations_at_run", json_object_get(res, "expectations"));
	snprintf(csv, sizeof(csv), "%s/timeline.csv", dir);
	st = report_finish(res, dir, lab.expect, lab.n_expect,
			   was == EXIT_CANNOT_RUN || was == EXIT_INTERRUPTED ? was : EXIT_OK,
			   access(csv, F_OK) != 0);
	printf("  report        %s/report.html\n", dir);
	return st;
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

/* A string of result.json as text: "-" where the run has none (an old or
 * edited result.json), never "(null)". */
static const char *text_or(const json_t *v)
{
	return json_is_string(v) ? json_string_value(v) : "-";
}

static int is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* Two runs: the key figures side by side, their expectations, and the
 * comparison page. */
static int report_two(json_t *const *run, const char *const *dirs, const char *outpath)
{
	char page[1100];
	int status = EXIT_OK;

	printf("%-34s", "");
	for (int i = 0; i < 2; i++)
		printf(" %-19.19s",
		       text_or(json_object_get(json_object_get(run[i], "lab"), "name")));
	/* outcomes in full ("expectations failed" is 19 characters) */
	printf(" change\n%-34s", "outcome");
	for (int i = 0; i < 2; i++)
		printf(" %-19s", text_or(json_object_get(run[i], "outcome")));
	printf("\n");
	for (size_t r = 0; r < report_rows_count; r++) {
		double v[2] = { report_row_value(run[0], &report_rows[r]),
				report_row_value(run[1], &report_rows[r]) };
		char a[32], b[32], c[32];

		if (isnan(v[0]) && isnan(v[1]))
			continue;
		printf("%-34s %-19s %-19s %s\n", report_rows[r].label,
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
			       text_or(json_object_get(e, "metric")),
			       text_or(json_object_get(e, "op")),
			       text_or(json_object_get(e, "text")));
		}
	}
	if (!outpath || is_dir(outpath)) { /* -o DIR: the page in it */
		snprintf(page, sizeof(page), "%s/compare.html", outpath ? outpath : dirs[1]);
		outpath = page;
	}
	{
		struct html_job h = { run, dirs, 2 };

		if (write_page_at(outpath, &h))
			status = EXIT_CANNOT_RUN;
		else
			printf("\ncomparison page: %s\n", outpath);
	}
	return status;
}

static int cmd_report(int argc, char **argv)
{
	json_t *run[2] = { NULL, NULL };
	const char *dirs[2] = { NULL, NULL }, *outpath = NULL;
	struct cli_sets sets = { 0 };
	const char *serve = NULL;
	int n = 0, status = EXIT_OK, om = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return cli_help(&command_report);
		if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) {
			if (i + 1 == argc)
				return cli_usage_error(&command_report, "%s needs a file name",
						       argv[i]);
			outpath = argv[++i];
		} else if (!strcmp(argv[i], "-s") || !strcmp(argv[i], "--set")) {
			if (i + 1 == argc)
				return cli_usage_error(&command_report,
						       "%s needs expect.METRIC=OP VALUE", argv[i]);
			if (cli_sets_add(&sets, argv[++i]))
				return EXIT_USAGE;
		} else if (!strcmp(argv[i], "--openmetrics")) {
			om = 1;
		} else if (!strcmp(argv[i], "--serve")) {
			if (i + 1 == argc)
				return cli_usage_error(&command_report,
						       "--serve needs [ADDR:]PORT");
			serve = argv[++i];
		} else if (!strncmp(argv[i], "--set=", 6)) {
			if (cli_sets_add(&sets, argv[i] + 6))
				return EXIT_USAGE;
		} else if (argv[i][0] == '-') {
			return cli_usage_error(&command_report, "unknown option '%s'", argv[i]);
		} else if (n == 2) {
			return cli_usage_error(&command_report,
					       "give one run directory, or two to compare");
		} else {
			dirs[n++] = argv[i];
		}
	}
	if (n < 1)
		return cli_usage_error(&command_report,
				       "give one run directory, or two to compare");
	if (n == 1 && outpath)
		return cli_usage_error(
			&command_report,
			"-o is for a comparison; one run's page is RUNDIR/report.html");
	if ((om || serve) && (n == 2 || sets.n || outpath || (om && serve)))
		return cli_usage_error(&command_report, "%s shows one run, with no other option",
				       om ? "--openmetrics" : "--serve");
	if (n == 2 && sets.n)
		return cli_usage_error(&command_report,
				       "--set judges one run again; compare runs without it");
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
	if (om || serve) {
		if (om)
			openmetrics_write(stdout, run[0]);
		else
			status = report_serve(run[0], dirs[0], serve);
		goto out;
	}
	if (n == 1) {
		status = report_one(run[0], dirs[0], &sets);
		goto out;
	}
	status = report_two(run, dirs, outpath);
out:
	json_decref(run[0]);
	json_decref(run[1]);
	return status;
}
