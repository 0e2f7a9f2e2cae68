/* SPDX-License-Identifier: MIT */
/* state.c - the coordinator's clock and phases, its hosts by name, and
 * whether the round it waits for is done: what every other file of the
 * fleet reads. */
#include <string.h>

#include "fleet/coord.h"
#include "util/clock.h"

double fleet_now_s(const struct fleet *f)
{
	return (double)(clock_now_ns() - f->t0) / 1e9;
}

void fleet_enter_phase(struct fleet *f, enum phase p)
{
	double t = fleet_now_s(f);

	phase_log_enter(&f->ph, p, t);
	fprintf(stderr, "connlab fleet: %s (%.1f s)\n", phase_name(p, f->lab->client_mode), t);
}

struct fhost *fleet_host_by_name(struct fleet *f, const char *name)
{
	for (unsigned i = 0; i < f->nh; i++)
		if (!strcmp(f->h[i].name, name))
			return &f->h[i];
	return NULL;
}

int fleet_host_gone(const struct fhost *h)
{
	return h->ended_s >= 0 && !h->final_seen;
}

int fleet_round_done(const struct pdsh_proc *p)
{
	return !p->running && p->eof[0] && p->eof[1];
}

void fleet_check_done(struct fleet *f)
{
	if (f->waiting >= 0 && fleet_round_done(&f->pr[f->waiting]))
		event_base_loopbreak(f->base);
}
