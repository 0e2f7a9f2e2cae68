/* SPDX-License-Identifier: MIT */
/* main.c - connlab's entry point: the table of commands, and `connlab help`
 * (which needs the table). Each command's usage and help text live in its
 * own file, beside its options. */
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include "cmd/cli.h"
#include "lab/metrics.h"
#include "report/report.h"
#include "util/compiler.h"

#ifndef CONNLAB_VERSION
#define CONNLAB_VERSION "0.0.0"
#endif

static int cmd_help(int argc, char **argv);

static const struct command command_help = {
	.name = "help",
	.summary = "show help for a command, the lab file keys, the metrics or the findings",
	.usage = "connlab help [COMMAND | labfile | metrics | findings]",
	.help = "connlab help COMMAND   the options of a command\n"
		"connlab help labfile   every lab file key with its type, default and range\n"
		"connlab help metrics   the metric names that [expect] lines can use, and\n"
		"                       where each one's value stands in result.json\n"
		"connlab help findings  every rule that explains a run, by family: its id,\n"
		"                       what it may be (cause, warning, note) and where it\n"
		"                       applies (docs/findings.md tells each in full)\n",
	.run = cmd_help,
};

static const struct command *const commands[] = {
	&command_run,	&command_report, &command_explain, &command_plan,  &command_doctor,
	&command_up,	&command_down,	 &command_ls,	   &command_fleet, &command_server,
	&command_flood, &command_watch,	 &command_help,
};

static const struct command *command_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

static void usage(FILE *out)
{
	fprintf(out,
		"connlab %s - a one-machine lab for connection-scale experiments on Linux\n"
		"\n"
		"usage: connlab <command> [options]\n"
		"       connlab --help | --version\n"
		"\n"
		"Commands:\n",
		CONNLAB_VERSION);
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		fprintf(out, "  %-8s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(out, "\n'connlab help COMMAND' tells more; lab files: 'connlab help labfile'.\n");
}

static int cmd_help(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2) {
		usage(stdout);
		return EXIT_OK;
	}
	if (argc > 2)
		return cli_usage_error(&command_help, "one topic at a time");
	if (!strcmp(argv[1], "labfile")) {
		printf("Lab file keys (INI; values with units: 500ms 30s 2m, 100k 1M, 20k/s, 0.1%%):\n");
		lab_keys_write_reference(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "metrics")) {
		printf("Metrics for [expect] lines (METRIC OP VALUE):\n");
		metrics_write(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "findings")) {
		printf("Findings: the rules that explain a run (connlab explain RUNDIR), by family:\n");
		report_rules_write(stdout);
		return EXIT_OK;
	}
	c = command_find(argv[1]);
	if (!c)
		return cli_usage_error(
			&command_help,
			"no help for '%s': try a command, labfile, metrics or findings", argv[1]);
	return cli_help(c);
}

/* A lab's processes are this binary run again through /proc/self/exe, which
 * the kernel names "exe": they take their role's name ("connlab-server",
 * "connlab-flood") where ps, pgrep -x and result.json's processes see it. */
static void name_role(const char *command)
{
	char comm[16] = "", name[16];

	if (prctl(PR_GET_NAME, comm) || strcmp(comm, "exe"))
		return; /* run by its own name: it keeps it */
	snprintf(name, sizeof(name), "connlab-%s", command);
	prctl(PR_SET_NAME, name);
}

int main(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("connlab %s\n", CONNLAB_VERSION);
		return EXIT_OK;
	}
	c = command_find(argv[1]);
	if (!c) {
		if (argv[1][0] == '-')
			return cli_usage_error(NULL, "unknown option '%s'", argv[1]);
		return cli_usage_error(NULL, "unknown command '%s'", argv[1]);
	}
	name_role(c->name);
	return c->run(argc - 1, argv + 1);
}
