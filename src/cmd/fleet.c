/* SPDX-License-Identifier: MIT */
/* fleet.c - `connlab fleet LAB`: the lab's [fleet] planned, run over pdsh
 * (fleet/), and its result judged and written like a run's (report/). */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/live.h"
#include "fleet/fleet.h"
#include "plan/fleet.h"
#include "plan/plan.h"
#include "run/run.h"
#include "util/procfs.h"

static int cmd_fleet(int argc, char **argv);

const struct command command_fleet = {
	.name = "fleet",
	.summary = "run a lab's load from many hosts over pdsh (ssh or exec), merged",
	.usage =
		"connlab fleet LAB [--set SECTION.KEY=VALUE]... [--event TIME:restart[:GAP]]... [--out DIR] [--pdsh PROGRAM] [--serve [ADDR:]PORT [--serve-after[=DURATION]]]",
	.help = "Runs the load of LAB from the hosts its [fleet] section names, through pdsh\n"
		"(ssh, or exec with a command template), against the service at\n"
		"fleet.target. This leaves the sealed lab: traffic goes to real networks,\n"
		"to fleet.target and server.ports only (never scanned); no host's network\n"
		"or sysctls are changed, and nothing is written on a host.\n"
		"\n"
		"  1. check: every host is reached; its connlab checks that its source\n"
		"     addresses (fleet.sources) are there and its share fits its limits\n"
		"  2. server: on fleet.server_host, connlab watch samples the kernel, and\n"
		"     connlab server runs when fleet.server = start\n"
		"  3. probes: ping and new connections to the service, from this host\n"
		"  4. floods: every load host runs connlab flood with its share, holds for\n"
		"     lab.duration (or churns), and connlab watch beside it; their lines\n"
		"     come back through pdsh; at each restart event's time into the hold,\n"
		"     the server on fleet.server_host is stopped (SIGTERM) and started again\n"
		"Results go to runs/<UTC time>-<lab>/ as for connlab run, with \"hosts\" (each\n"
		"host's figures, kernel and what went wrong) and \"totals\"; hosts.log holds\n"
		"what every host printed. A host that cannot be reached or fails is named;\n"
		"the others go on unless fleet.on_failure = stop.\n"
		"\n"
		"Options:\n"
		"  -s, --set SECTION.KEY=VALUE  override a key of the lab file (repeatable)\n"
		"  -e, --event TIME:restart[:GAP]  one more [events] line (a fleet restarts\n"
		"                               the server it starts; none: leave out the\n"
		"                               lab file's events)\n"
		"  -o, --out DIR                the run directory (it must not hold a run)\n"
		"      --pdsh PROGRAM           the pdsh to run (default: pdsh on PATH)\n"
		"      --serve [ADDR:]PORT      watch the fleet live: its page (every host) and\n"
		"                               /metrics, as connlab run --serve (docs/live.md)\n"
		"      --serve-after[=DURATION] and serve the finished run on until Ctrl-C, or\n"
		"                               for DURATION\n"
		"\n"
		"Ctrl-C or SIGTERM stops every host's processes (their ssh or exec ends;\n"
		"a flood whose reader is gone stops at its next line) and still writes\n"
		"the results. Each host's command is bounded by pdsh -u and its own\n"
		"--duration, also when this program dies.\n"
		"\n"
		"Exit status: 0 every expectation holds and every host ran to the end; 1 an\n"
		"expectation failed or a host did not run to the end; 2 usage or lab error;\n"
		"3 the fleet could not run; 130 interrupted.\n",
	.run = cmd_fleet,
	.fleet_labs = 1,
};

static int go(void *arg, json_t **res, char *outdir, size_t len)
{
	return fleet_run(arg, res, outdir, len);
}

static int cmd_fleet(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "set", required_argument, NULL, 's' },
		{ "event", required_argument, NULL, 'e' },
		{ "out", required_argument, NULL, 'o' },
		{ "pdsh", required_argument, NULL, 'P' },
		{ "serve", required_argument, NULL, 'S' },
		{ "serve-after", optional_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static struct lab lab;
	static struct plan plan;
	struct fleet_plan fp;
	struct fleet_opts fo = { .lab = &lab, .fp = &fp };
	struct cli_sets sets = { 0 };
	struct live_opts so = { 0 };
	char err[768];
	int opt, st;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":s:e:o:h", opts, NULL)) != -1) {
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
			fo.out = optarg;
			break;
		case 'P':
			fo.pdsh = optarg;
			break;
		case 'S':
			so.spec = optarg;
			break;
		case 'A':
			if (live_opts_after(&so, optarg))
				return EXIT_USAGE;
			break;
		case 'h':
			return cli_help(&command_fleet);
		default:
			return cli_option_error(&command_fleet, opt, argv);
		}
	}
	if (live_opts_check(&so))
		return EXIT_USAGE;
	if (optind >= argc)
		return cli_usage_error(&command_fleet,
				       "name the lab file: its [fleet] section names the hosts");
	st = cli_lab_run_plan(&command_fleet, argc, argv, optind, fo.out, &sets, &lab, &plan);
	if (st)
		return st;
	if (!lab_is_fleet(&lab)) {
		fprintf(stderr,
			"connlab: %s has no [fleet] hosts: name the load hosts with fleet.hosts and the service with fleet.target (docs/fleet.md), or run it on this machine with 'connlab run'\n",
			lab.source);
		return EXIT_USAGE;
	}
	st = cli_lab_message(&lab);
	if (st)
		return st;
	for (unsigned i = 0; i < lab.n_sysctl; i++)
		if (lab.sysctl[i].line) {
			fprintf(stderr,
				"connlab: %s: [sysctl] %s is not applied: connlab fleet never changes a host; set it on the hosts (connlab doctor --sysctl FILE checks a tuning file there)\n",
				lab.source, lab.sysctl[i].name);
		}
	if (fleet_plan_build(&lab, procfs_nofile_hard(), 0, &fp, err, sizeof(err))) {
		fprintf(stderr, "connlab: %s: cannot work: %s\n", lab.source, err);
		return EXIT_USAGE;
	}
	fleet_plan_write(&fp, &lab, stderr);
	st = live_run(&so, &lab, &fo.on_sample, &fo.sample_arg, go, &fo);
	fleet_plan_free(&fp);
	return st;
}
