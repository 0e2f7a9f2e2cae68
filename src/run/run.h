/* SPDX-License-Identifier: MIT */
/* run.h - one experiment: a lab and its plan in, a result out. The
 * launcher builds the lab, starts the servers, floods and probes, samples
 * the kernel, moves through the phases and tears everything down; its
 * state stays inside src/run/ (launcher.h). */
#ifndef CONNLAB_RUN_RUN_H
#define CONNLAB_RUN_RUN_H

#include <jansson.h>
#include <stddef.h>

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

#endif
