/* SPDX-License-Identifier: MIT */
/* fleet.h - connlab fleet: a lab's load spread over hosts reached through
 * pdsh (ssh, or exec with a command template), each running connlab flood
 * and connlab watch, the service's host running connlab watch (and
 * connlab server when the lab starts it), the coordinator probing the
 * service from its own host; everything merged into one result. This
 * leaves the sealed lab: traffic goes to fleet.target only. */
#ifndef CONNLAB_FLEET_H
#define CONNLAB_FLEET_H

#include <jansson.h>
#include <stddef.h>

#include "lab/lab.h"
#include "plan/fleet.h"

struct fleet_opts {
	const struct lab *lab;
	const struct fleet_plan *fp;
	const char *out;  /* the run directory, NULL: runs/<UTC time>-<lab> */
	const char *pdsh; /* the pdsh program (default "pdsh") */
	/* NULL, or called after each interval's row with result.json so far
	 * (outcome "running"), its timeline only the rows since the call
	 * before, nothing in it shared with the fleet; the callee takes it */
	void (*on_sample)(void *arg, json_t *partial);
	void *sample_arg;
};

/* Runs the fleet. Returns EXIT_OK (it ran; the caller judges), or
 * EXIT_CANNOT_RUN / EXIT_INTERRUPTED with the reason in the result, or
 * EXIT_CANNOT_RUN with *result NULL when nothing ran (the message is
 * printed). outdir gets the run directory. */
int fleet_run(const struct fleet_opts *o, json_t **result, char *outdir, size_t len);

/* ---- script.c: what goes to the hosts, and what comes back ---- */

/* ROUND_END: the coordinator tells every holding host's flood to end its
 * hold, at one end for all (connlab flood --end RUN-RANK); ROUND_EVENT:
 * it tells the server host's shell to restart the server (a restart
 * event) */
enum fleet_round { ROUND_CHECK, ROUND_SERVER, ROUND_FLOOD, ROUND_END, ROUND_EVENT, ROUNDS };

/* The shell script one pdsh command runs on every host of a round (a
 * case on pdsh's %h picks each host's rank), into a malloc'd string; NULL
 * when out of memory. run_id names this run's end sockets (RUN-RANK);
 * end_at: ROUND_END's time of the end by each rank's clock (seconds since
 * 1970), NULL for the other rounds. */
char *fleet_script(const struct lab *lab, const struct fleet_plan *fp, enum fleet_round round,
		   const char *run_id, const double *end_at);

/* How the restart script's own words begin (the event round takes only
 * these, and pdsh's, as the restart's failure). */
#define FLEET_SCRIPT_SAYS "connlab fleet: "

/* The script of a restart event on the server host: SIGUSR1 to the shell
 * of the server round (shell_pid, from its first line), once /proc shows
 * it is this run's (RUN=run_id); malloc'd, NULL when out of memory. The
 * server round's script, with restart events, stops the server then and
 * starts it again after the event's gap. */
char *fleet_restart_script(long shell_pid, const char *run_id);

/* The longest a host holds when the coordinator's end never reaches it:
 * the hold, and the ramp's timeout (the most the other hosts' ramps can
 * lag its own), and 10 s for the word to come; its --hold. */
uint64_t fleet_hold_bound_us(const struct lab *lab);

/* How long past the end a host's flood may take before connlab flood
 * --end ends it by signal: three intervals (its lines), at least 5 s. */
uint64_t fleet_end_grace_us(const struct lab *lab);

/* The longest a flood runs on its host: the ramp's timeout, the hold's
 * bound and the drain (churn: the churn and the drain); its --duration. */
uint64_t fleet_flood_bound_us(const struct lab *lab);

/* Quotes s for a POSIX shell ('...'), and doubles every % for pdsh; into
 * a malloc'd string. */
char *fleet_quote(const char *s);

/* The argument vector of a pdsh command for a round over hosts (a comma
 * list): pdsh, its options, then the command; freed with
 * fleet_argv_free. timeout_s bounds each host's command (pdsh -u). */
char **fleet_pdsh_argv(const struct lab *lab, const char *pdsh, const char *hosts, unsigned fanout,
		       unsigned timeout_s, const char *script, const char *labdir);
void fleet_argv_free(char **argv);

/* A line pdsh printed: "HOST: TEXT" (from a host) gives host and text;
 * "pdsh@NODE: HOST: TEXT" (pdsh's own word on a host) the same with
 * *from_pdsh 1. -1 when it is neither. */
int fleet_parse_line(const char *line, char *host, size_t hostlen, const char **text,
		     int *from_pdsh);

/* pdsh's words on a host's command: its exit code ("exited with exit
 * code N"), a signal ("killed by signal N", as 128 + N), or -1. */
int fleet_pdsh_exit(const char *text);

#endif
