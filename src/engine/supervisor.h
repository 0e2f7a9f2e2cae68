/* SPDX-License-Identifier: MIT */
/* supervisor.h - private to the engine (engine.c, statsline.c): the
 * supervisor of a server's or a flood's workers. */
#ifndef CONNLAB_ENGINE_SUPERVISOR_H
#define CONNLAB_ENGINE_SUPERVISOR_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "engine/engine.h"

struct supervisor {
	const struct engine_opts *o;
	struct engine_stats *stats;
	pid_t *pids;
	int *status;
	unsigned running;
	int stopping;
	int failed;
	uint64_t start_ns;
	uint64_t seen_errors[ENGINE_ERR_SLOTS];
	int seen_other;
	FILE *out;
	struct event_base *base;
	struct event *hold_check, *hold_end;
	uint64_t hold_from_ns; /* when the hold began (0: not yet) */
	uint64_t hold_end_ns;  /* when it ended (0: not yet) */
	int ramp_timed_out;
	struct endsock *end;	/* the coordinator's word (end_name) */
	struct event *told_end; /* the end that word set */
	int told;		/* the hold ended by that word */
	unsigned lost_workers;	/* keep_going: workers a signal ended */
};

/* When the last worker's share was up, or 0 while one's is not. */
uint64_t reached_ns(const struct supervisor *s);
/* The stats line now (final: the last one); the caller owns it. */
json_t *stats_line(struct supervisor *s, int final);

#endif
