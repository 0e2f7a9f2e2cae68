/* SPDX-License-Identifier: MIT */
/* run.c - `connlab run`: the options, the lab and its plan; the launcher
 * (run/) runs it and hands back result.json, the report side (report/)
 * judges the expectations and writes the run directory. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>

#include "cmd/cli.h"
#include "cmd/live.h"
#include "plan/plan.h"
#include "run/run.h"

static int cmd_run(int argc, char **argv);

const struct command command_run = {
	.name = "run",
	.summary = "run a lab: build it, load it, measure, tear down, write the results",
	.usage =
		"connlab run [LAB] [--set SECTION.KEY=VALUE]... [--event TIME:EVENT]... [--out DIR] [--keep] [--serve [ADDR:]PORT [--serve-after[=DURATION]]]",
	.help = "Runs LAB (the built-in default lab without one): preflight, build the\n"
		"namespaces, start the servers and wait until they listen, ping and probe\n"
		"from the probe namespace, start the floods (ramp), hold for lab.duration\n"
		"(or churn), drain, tear down. The kernel of every lab namespace is sampled\n"
		"each lab.interval. Results go to runs/<UTC time>-<lab>/: result.json,\n"
		"timeline.csv, junit.xml, report.html (the run in charts, one file) and\n"
		"children.log (what the lab's processes printed); the summary is printed. The\n"
		"progress line shows the slowest ping of the last interval (ping max).\n"
		"\n"
		"Options:\n"
		"  -s, --set SECTION.KEY=VALUE  override a key of the lab file (repeatable)\n"
		"  -e, --event TIME:EVENT       one more [events] line: at TIME into the hold,\n"
		"                               restart[:GAP], reload, kill[:N], pause:D or\n"
		"                               link-down[:cN]:D (20s:restart; repeatable);\n"
		"                               none: leave out the lab file's events\n"
		"  -o, --out DIR                the run directory (it must not hold a run)\n"
		"  -k, --keep                   name the namespaces (connlab-LAB-*) so that they\n"
		"                               can be entered with ip netns exec; they stay\n"
		"                               until 'connlab down LAB'\n"
		"  --serve [ADDR:]PORT          watch the run live: its page (report.html's charts,\n"
		"                               growing each sample) at http://ADDR:PORT/, and\n"
		"                               /metrics (OpenMetrics) for Prometheus; on\n"
		"                               127.0.0.1 unless ADDR is given (port 0: the\n"
		"                               kernel picks one, printed); it ends with the run\n"
		"  --serve-after[=DURATION]     and serve the finished run on (its report.html,\n"
		"                               result.json) until Ctrl-C, or for DURATION\n"
		"\n"
		"Ctrl-C or SIGTERM drains and tears down, and still writes the results; a\n"
		"second Ctrl-C stops at once. kill -9 leaves nothing behind either.\n"
		"\n"
		"Exit status: 0 every expectation holds; 1 an expectation failed; 2 usage or\n"
		"lab error; 3 the lab could not run (the reason is printed and in\n"
		"result.json); 130 interrupted.\n",
	.run = cmd_run,
};

static int go(void *arg, json_t **res, char *outdir, size_t len)
{
	return run_lab(arg, res, outdir, len);
}

static int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "set", required_argument, NULL, 's' },
		{ "event", required_argument, NULL, 'e' },
		{ "out", required_argument, NULL, 'o' },
		{ "keep", no_argument, NULL, 'k' },
		{ "serve", required_argument, NULL, 'S' },
		{ "serve-after", optional_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static struct lab lab;
	static struct plan plan;
	struct run_opts ro = { .lab = &lab, .plan = &plan };
	struct live_opts so = { 0 };
	struct cli_sets sets = { 0 };
	int opt, st;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":s:e:o:kh", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (cli_sets_add(&sets, optarg))
				return EXIT_USAGE;
			break;
		case 'e':
			if (cli_sets_event(&sets, optarg))
				return EXIT_USAGE;
			break;
		case 'o':
			ro.out = optarg;
			break;
		case 'k':
			ro.keep = 1;
			break;
		case 'S':
			so.spec = optarg;
			break;
		case 'A':
			if (live_opts_after(&so, optarg))
				return EXIT_USAGE;
			break;
		case 'h':
			return cli_help(&command_run);
		default:
			return cli_option_error(&command_run, opt, argv);
		}
	}
	if (live_opts_check(&so))
		return EXIT_USAGE;
	st = cli_lab_run_plan(&command_run, argc, argv, optind, ro.out, &sets, &lab, &plan);
	if (st)
		return st;
	st = cli_lab_sysctls(&lab);
	if (!st)
		st = cli_lab_message(&lab);
	if (st)
		return st;
	st = cli_need_privileges(&ro.rootless);
	if (st)
		return st;
	if (ro.rootless && ro.keep) {
		fprintf(stderr,
			"connlab: --keep names the namespaces under /run/netns, which only root may write; without root, 'connlab up' keeps a lab (a holder process keeps its namespaces)\n");
		return EXIT_USAGE;
	}
	return live_run(&so, &lab, &ro.on_sample, &ro.sample_arg, go, &ro);
}
