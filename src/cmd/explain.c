/* SPDX-License-Identifier: MIT */
/* explain.c - `connlab explain RUNDIR [--json]`: the findings of a run,
 * computed again from its run directory alone (result.json and
 * children.log), so that runs written before a rule existed are explained
 * too. It writes nothing. */
#include <stdio.h>
#include <string.h>

#include "cmd/cli.h"
#include "report/report.h"
#include "util/status.h"

static int cmd_explain(int argc, char **argv);

const struct command command_explain = {
	.name = "explain",
	.summary = "say why a run went as it did: findings, their evidence and the fix",
	.usage = "connlab explain RUNDIR [--json]",
	.help = "Computes the findings of a run from RUNDIR/result.json and RUNDIR/children.log\n"
		"and prints each: its severity (cause: explains a missed target or a failed\n"
		"expectation; warning: distorted the figures; note: worth knowing), what\n"
		"happened, the evidence (each value with its place in result.json or its line\n"
		"of children.log), the mechanism, and the fix with a --set line to try.\n"
		"The run's summary shows the same findings a line each. Runs of an older\n"
		"connlab are explained as far as their result.json has the evidence.\n"
		"\n"
		"  --json   the findings as a JSON array (result.json's \"findings\")\n"
		"\n"
		"Exit status: 0, 2 on a usage error, 3 when RUNDIR is not a run directory.\n"
		"The findings: docs/findings.md.\n",
	.run = cmd_explain,
};

static int cmd_explain(int argc, char **argv)
{
	const char *dir = NULL;
	char err[600];
	int as_json = 0;
	json_t *res;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return cli_help(&command_explain);
		if (!strcmp(argv[i], "--json"))
			as_json = 1;
		else if (argv[i][0] == '-')
			return cli_usage_error(&command_explain, "unknown option '%s'", argv[i]);
		else if (dir)
			return cli_usage_error(&command_explain, "give one run directory");
		else
			dir = argv[i];
	}
	if (!dir)
		return cli_usage_error(&command_explain, "give the run directory to explain");
	res = report_load(dir, err, sizeof(err));
	if (!res) {
		fprintf(stderr, "connlab explain: %s\n", err);
		return EXIT_CANNOT_RUN;
	}
	json_object_set_new(res, "findings", report_findings(res, dir));
	if (as_json) {
		json_dumpf(json_object_get(res, "findings"), stdout,
			   JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
		printf("\n");
	} else {
		report_explain(res, stdout);
	}
	json_decref(res);
	return EXIT_OK;
}
