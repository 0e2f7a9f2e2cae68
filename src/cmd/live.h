/* SPDX-License-Identifier: MIT */
/* live.h - `connlab run --serve`: a run's page and metrics while it goes
 * (live.c), served by httpd.h. */
#ifndef CONNLAB_CMD_LIVE_H
#define CONNLAB_CMD_LIVE_H

#include <jansson.h>

#include "lab/lab.h"

struct live;

/* --serve and --serve-after of run and fleet */
struct live_opts {
	const char *spec; /* --serve [ADDR:]PORT, NULL: none */
	double after_s;	  /* --serve-after: 0 none, -1 until Ctrl-C, or seconds */
};

/* --serve-after[=DURATION] (arg NULL: until Ctrl-C). EXIT_OK, or
 * EXIT_USAGE said. */
int live_opts_after(struct live_opts *o, const char *arg);
/* After the options: --serve-after needs --serve. EXIT_OK, or EXIT_USAGE
 * said. */
int live_opts_check(const struct live_opts *o);
/* A run or a fleet (go(arg, ...): run_lab or fleet_run), served live
 * with --serve (*on_sample and *sample_arg are its options' hook), then
 * judged against lab's expectations and written, and served on with
 * --serve-after. The exit status. */
int live_run(const struct live_opts *o, const struct lab *lab,
	     void (**on_sample)(void *arg, json_t *partial), void **sample_arg,
	     int (*go)(void *arg, json_t **res, char *outdir, size_t len), void *arg);

/* Listens at SPEC ([ADDR:]PORT) now, before the lab is built (a rootless
 * launcher leaves the host's network namespace for good); the page is
 * fetched again every interval_s (at least 1 s). NULL after saying why,
 * with the exit status in *status. */
struct live *live_open(const char *spec, double interval_s, int *status);

/* "http://127.0.0.1:8080/" */
const char *live_url(const struct live *l);

/* run_opts.on_sample: takes partial; starts the server's thread at the
 * first sample. */
void live_on_sample(void *arg, json_t *partial);

/* The run has ended (res and dir NULL: nothing ran): the page is its
 * report.html, /result.json its result.json. With stay_s, served on until
 * SIGINT or SIGTERM, for stay_s seconds when above 0. The exit status of
 * that serving (EXIT_OK without). */
int live_finish(struct live *l, json_t *res, const char *dir, double stay_s);

/* Adds chunk, the timeline of rows from row `before` on, to timeline:
 * each column extended; a column new in the chunk gets null for the rows
 * before (0 under "errors": those counts only grow), one it lacks null. */
void live_merge(json_t *timeline, json_t *chunk, size_t before);

/* Ends the server and frees. */
void live_close(struct live *l);

#endif
