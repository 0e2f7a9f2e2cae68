/* cli.h - what the command entry points share: loading a lab from the
 * command line, printing diagnostics, exit codes. */
#ifndef CONNLAB_CLI_H
#define CONNLAB_CLI_H

#include "lab.h"

/* Exit statuses of every command (documented in docs/usage.md). */
enum {
	EXIT_OK = 0,
	EXIT_EXPECT_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_CANNOT_RUN = 3,
	EXIT_INTERRUPTED = 130,
};

struct cli_sets {
	int n;
	const char *item[128];
};

/* Adds a --set; EXIT_USAGE when there are too many. */
int cli_sets_add(struct cli_sets *sets, const char *assignment);

/* Loads path (or the built-in default lab when NULL), applies the --set
 * items and validates. Prints every problem; returns EXIT_OK or
 * EXIT_USAGE. */
int cli_lab_load(struct lab *lab, const char *path, const struct cli_sets *sets);

/* Prints "connlab: unknown option ..." style usage errors and the
 * command's usage line; returns EXIT_USAGE. */
int cli_usage_error(const char *command, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

struct command {
	const char *name;
	const char *summary;
	const char *usage;
	const char *help; /* the full help text */
	int (*run)(int argc, char **argv);
};

extern const struct command commands[];
const struct command *command_find(const char *name);

/* Before building a lab: CAP_SYS_ADMIN and CAP_NET_ADMIN are there (or a
 * message naming each one missing and the docker flag that adds it), and
 * /proc/sys is writable (netns_sysctl_writable). 0, or EXIT_USAGE. */
int cli_need_privileges(void);

int cmd_plan(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_up(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_server(int argc, char **argv);
int cmd_flood(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif
