/* SPDX-License-Identifier: MIT */
/* cli.h - what the command entry points share: the command record (name,
 * usage and help kept in each command's own file), loading a lab from the
 * command line, and printing diagnostics. Only commands print and exit. */
#ifndef CONNLAB_CMD_CLI_H
#define CONNLAB_CMD_CLI_H

#include "engine/engine.h"
#include "lab/lab.h"
#include "plan/plan.h"
#include "util/status.h"

struct command {
	const char *name;
	const char *summary;
	const char *usage;
	const char *help; /* the full help text */
	int (*run)(int argc, char **argv);
	int fleet_labs; /* takes a lab whose [fleet] names hosts (plan, fleet) */
};

/* Every command, each defined in its own file (cmd/NAME.c). */
extern const struct command command_run, command_report, command_plan, command_up, command_down,
	command_ls, command_server, command_flood, command_explain, command_doctor, command_watch,
	command_fleet;

/* reportserve.c: `connlab report RUNDIR --serve SPEC`: the run's page,
 * result.json and OpenMetrics over HTTP until SIGINT or SIGTERM; the exit
 * status. res (a json_t *) has "outdir". */
int report_serve(void *res, const char *dir, const char *spec);

struct cli_sets {
	int n;
	const char *item[128];
};

/* Adds a --set; EXIT_USAGE when there are too many. */
int cli_sets_add(struct cli_sets *sets, const char *assignment);

/* --event TIME:EVENT (20s:restart) as an [events] line given with --set;
 * EXIT_USAGE, said, when it does not parse. */
int cli_sets_event(struct cli_sets *sets, const char *arg);

/* -c N of plan and doctor: --set clients.connections=N with the client
 * addresses worked out (clients.addresses=auto). Once per command. */
int cli_sets_connections(struct cli_sets *sets, const char *n);

/* After a lab was read (bad: it had errors, in diag): the --set items,
 * then the checks; prints every problem. EXIT_OK or EXIT_USAGE. */
int cli_lab_finish(struct lab *lab, int bad, struct lab_diag *diag, const struct cli_sets *sets);

/* Loads path (or the built-in default lab when NULL), applies the --set
 * items and validates. Prints every problem; returns EXIT_OK or
 * EXIT_USAGE. */
int cli_lab_load(struct lab *lab, const char *path, const struct cli_sets *sets);

/* What every lab command does after its options: at most one lab file in
 * argv[first..], loaded (the built-in lab without one) with the --set
 * items, and planned for env. Prints every problem (the file and line, or
 * "cannot work" with the fix); EXIT_OK or EXIT_USAGE. */
int cli_lab_plan(const struct command *c, int argc, char **argv, int first,
		 const struct cli_sets *sets, struct lab *lab, const struct plan_env *env,
		 struct plan *plan);

/* What run and fleet do after their options: the run directory checked
 * (--out, NULL: the default), then cli_lab_plan for this host. */
int cli_lab_run_plan(const struct command *c, int argc, char **argv, int first, const char *out,
		     const struct cli_sets *sets, struct lab *lab, struct plan *plan);

/* An address option given once per family (--target, --address): into
 * *v4 or *v6 by its form, setting *has4 or *has6. EXIT_OK, or EXIT_USAGE
 * after saying what is wrong. */
int cli_addr_option(const struct command *c, const char *opt, const char *arg, uint32_t *v4,
		    int *has4, struct addr6 *v6, int *has6);
/* The same without printing: 0, or -1 with what is wrong in err. */
int cli_addr_parse(const char *arg, uint32_t *v4, int *has4, struct addr6 *v6, int *has6, char *err,
		   size_t len);

/* Prints "connlab: unknown option ..." style usage errors and the
 * command's usage line (c may be NULL: the general usage); returns
 * EXIT_USAGE. */
int cli_usage_error(const struct command *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* getopt's word on an option (optstring begun with ':'): a missing value
 * (':') or an unknown option, said with the command's usage; EXIT_USAGE. */
int cli_option_error(const struct command *c, int opt, char **argv);

/* Prints a command's usage and help to stdout; returns EXIT_OK. */
int cli_help(const struct command *c);

/* The options every engine command has: -s/--stats-interval and
 * -f/--stats-fd. Returns 0 when opt was one of them and is fine,
 * EXIT_USAGE (after saying why) when its value is wrong, -1 when opt is
 * not one of them. */
int cli_engine_option(const struct command *c, int opt, const char *arg, struct engine_opts *eo);
/* The value of -s or -f into eo without printing: 0, or -1 with what is
 * wrong in err. */
int cli_engine_parse(int opt, const char *arg, struct engine_opts *eo, char *err, size_t len);

/* The lab's sysctls against the knowledge table: one that is host-wide or
 * removed (and not optional) is refused, with its place and the fix.
 * plan, run and up; doctor reports it as a check instead. */
int cli_lab_sysctls(const struct lab *lab);
/* clients.message = @FILE: the file's bytes (relative to the lab file)
 * put in the lab, escaped; EXIT_OK, or EXIT_USAGE with the reason. */
int cli_lab_message(struct lab *lab);

/* Before building a lab: CAP_SYS_ADMIN and CAP_NET_ADMIN, or else a user
 * namespace of its own (*rootless = 1: an ordinary user's lab), or a
 * message naming each capability missing, the docker flag that adds it
 * and why a rootless lab is not possible either; and /proc/sys writable
 * (netns_sysctl_writable). Before any thread is created. 0, or
 * EXIT_USAGE. */
int cli_need_privileges(int *rootless);

#endif
