/* SPDX-License-Identifier: MIT */
/* run.h - one experiment: a lab and its plan in, a result out. The
 * launcher builds the lab, starts the servers, floods and probes, samples
 * the kernel, moves through the phases and tears everything down; its
 * state stays inside src/run/ (launcher.h). */
#ifndef CONNLAB_RUN_RUN_H
#define CONNLAB_RUN_RUN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "lab/lab.h"
#include "plan/plan.h"

struct run_opts {
	const struct lab *lab;
	const struct plan *plan;
	const char *out; /* the run directory, NULL: runs/<UTC time>-<lab> */
	int keep;	 /* named namespaces that stay (connlab down removes them) */
	int rootless;	 /* built inside a user namespace of its own (an ordinary user) */
};

/* Runs the lab. Returns the run's status: EXIT_OK (it ran; expectations
 * are judged by the caller), EXIT_CANNOT_RUN or EXIT_INTERRUPTED (the
 * reason is in the result), or EXIT_USAGE / EXIT_CANNOT_RUN with *result
 * NULL when nothing ran (preflight, privileges or the run directory
 * refused; the message is printed). *result is result.json's tree, which
 * the caller owns; outdir gets the run directory. */
int run_lab(const struct run_opts *o, json_t **result, char *outdir, size_t len);

/* What a run and a fleet share. */

/* The run directory: out, or runs/<UTC time of started>-<name> (made
 * unique); it must hold no result yet. 0, or -errno after saying why. */
int run_outdir_make(const char *out, time_t started, const char *name, char *dir, size_t len);

/* The probes' figures by phase, PH_BEFORE to PH_DRAIN where seen[p]:
 * result.json's "ping" (with sent, lost, loss) and "probe_connect" (with
 * failures), each with "all" over the phases. */
struct hist;
void run_probes_json(const int *seen, const struct hist *ping, const uint64_t *sent,
		     const uint64_t *lost, const struct hist *conn, const uint64_t *fail,
		     json_t **ping_out, json_t **probe_out);

#endif
