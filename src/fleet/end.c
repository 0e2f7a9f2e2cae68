/* SPDX-License-Identifier: MIT */
/* end.c - one end for the fleet's hold. Every host ramps at its own pace;
 * once each running host's hold has begun, the coordinator sets the end at
 * the last hold's beginning plus lab.duration and tells every flood at once
 * (connlab flood --end RUN-RANK --end-at T over pdsh), ahead of time: ssh
 * to a loaded host takes seconds, so the word carries the end by the
 * host's own clock (the coordinator's, plus the offset its check line
 * showed). The hosts' loads overlap for the lab's duration. A flood the
 * word does not reach ends by its own bound (fleet_hold_bound_us). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "fleet/coord.h"
#include "util/clock.h"
#include "util/log.h"

static int holding(const struct fhost *h)
{
	return !strcmp(h->state, "running") && !fleet_host_gone(h) && !h->final_seen;
}

/* the word to every host still holding: the end by its clock */
static void tell(struct fleet *f)
{
	double wall_at = clock_of_s(CLOCK_REALTIME) + (f->end_at_s - fleet_now_s(f));
	size_t len = 0;
	char *csv = NULL;
	FILE *m = open_memstream(&csv, &len);
	unsigned n = 0;

	if (!m)
		return;
	for (unsigned i = 0; i < f->nload; i++) {
		f->end_wall[i] = wall_at + f->h[i].clock_offset_s;
		if (!holding(&f->h[i]))
			continue;
		f->h[i].end_sent = 1;
		fprintf(m, "%s%s", n++ ? "," : "", f->h[i].name);
	}
	fclose(m);
	f->told_s = fleet_now_s(f);
	if (f->log)
		fprintf(f->log, "%.3f coordinator: the hold ends at %.3f s, told to %s\n",
			f->told_s, f->end_at_s, n ? csv : "no host");
	/* --end waits for the end, the grace, 5 s for SIGKILL; ssh 30 s */
	if (n && fleet_spawn_pdsh(f, ROUND_END, csv, n,
				  (unsigned)(f->end_at_s - f->told_s +
					     (double)fleet_end_grace_us(f->lab) / 1e6 + 35)))
		log_msg(LOGL_WARN,
			"cannot start pdsh to end the hosts' hold: each ends by its bound");
	free(csv);
}

void fleet_end_check(struct fleet *f)
{
	double last = -1;
	unsigned running = 0, held = 0;

	if (f->end_at_s >= 0 || !f->hold_wait || f->interrupted || f->ending)
		return;
	for (unsigned i = 0; i < f->nload; i++) {
		const struct fhost *h = &f->h[i];

		if (!holding(h))
			continue;
		running++;
		if (h->hold_from_s < 0)
			continue;
		held++;
		if (h->hold_from_s > last)
			last = h->hold_from_s;
	}
	/* a host still ramping holds the end back, until the wait is over */
	if (!held || (held < running && evtimer_pending(f->hold_wait, NULL)))
		return;
	f->end_at_s = last + (double)f->lab->duration_us / 1e6;
	tell(f);
}

static void on_hold_wait(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	fleet_end_check(arg);
}

void fleet_end_start(struct fleet *f)
{
	/* a flood's hold begins by its ramp's timeout at the latest, and says
	 * so in its next line */
	struct timeval tv = clock_tv(f->lab->ramp_timeout_us + 2 * f->lab->interval_us + 5000000);

	if (f->lab->client_mode != CLIENT_HOLD)
		return;
	f->end_wall = calloc(f->nload, sizeof(*f->end_wall));
	f->hold_wait = f->end_wall ? evtimer_new(f->base, on_hold_wait, f) : NULL;
	if (f->hold_wait)
		event_add(f->hold_wait, &tv);
}

double fleet_held_together_s(const struct fleet *f)
{
	double from = -1, to = -1;

	/* the hosts whose hold began: until the first of them ended (a host
	 * that never held fails the run on its own) */
	for (unsigned i = 0; i < f->nload; i++) {
		const struct fhost *h = &f->h[i];
		double end = h->hold_end_s >= 0 ? h->hold_end_s
			     : h->ended_s >= 0	? h->ended_s
						: h->final_s;

		if (h->hold_from_s < 0 || end < 0)
			continue;
		if (h->hold_from_s > from)
			from = h->hold_from_s;
		if (to < 0 || end < to)
			to = end;
	}
	if (from < 0)
		return -1;
	return to > from ? to - from : 0;
}

void fleet_end_free(struct fleet *f)
{
	if (f->hold_wait)
		event_free(f->hold_wait);
	f->hold_wait = NULL;
	free(f->end_wall);
	f->end_wall = NULL;
}
