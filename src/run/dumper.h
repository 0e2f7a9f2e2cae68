/* SPDX-License-Identifier: MIT */
/* dumper.h - sock_diag state dumps on a thread of their own. A dump walks
 * every socket in a namespace's TCP hash whatever its filter: at a million
 * sockets that is seconds, which on the launcher's loop would stall the
 * probes (a ping answered during a dump would be timed when the dump ends)
 * and the sampling. The thread dumps when asked, and says so on an eventfd
 * the loop watches; the loop takes the results. */
#ifndef CONNLAB_DUMPER_H
#define CONNLAB_DUMPER_H

#include <pthread.h>

#include "plan/topology.h"
#include "run/sampler.h"
#include "util/compiler.h"

struct dumper {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int started, request, busy, quit;
	struct sampler_netns *samp;
	unsigned n;
	uint32_t mask;
	int efd; /* readable when a dump has finished */
	/* results of the last dump (under mu) */
	struct netns_sample out[TOPO_NETNS_MAX];
	int ok[TOPO_NETNS_MAX];
	double cpu_s, wall_s; /* what the last dump cost: thread CPU time, wall time */
};

/* Starts the thread for the namespaces' samplers; 0 or -errno. */
WUR int dumper_start(struct dumper *d, struct sampler_netns *samp, unsigned n, uint32_t mask);
/* Asks for a dump; 0, or -EBUSY while one runs. */
int dumper_request(struct dumper *d);
/* After efd was readable: 1 and the results copied (state, accept queues)
 * into out[] where the dump of that namespace succeeded; 0 if none. */
int dumper_collect(struct dumper *d, struct netns_sample *out, unsigned n, double *cpu_s,
		   double *wall_s);
/* Waits until no dump runs. */
void dumper_wait(struct dumper *d);
/* Waits for a dump in progress, stops the thread. */
void dumper_stop(struct dumper *d);

#endif
