/* SPDX-License-Identifier: MIT */
/* rounds.c - the rounds before the floods: every host checked (reached,
 * its sources there, its share fits), and the server started where the
 * lab starts it. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/coord.h"
#include "util/clock.h"
#include "util/jpath.h"

char *fleet_host_csv(struct fleet *f, int loads, int only_ready)
{
	size_t len = 0;
	char *s = NULL;
	FILE *m = open_memstream(&s, &len);
	int first = 1;

	if (!m)
		return NULL;
	for (unsigned i = 0; i < f->nh; i++) {
		struct fhost *h = &f->h[i];

		if ((h == f->srv) == loads)
			continue;
		if (only_ready && strcmp(h->state, "ready"))
			continue;
		fprintf(m, "%s%s", first ? "" : ",", h->name);
		first = 0;
	}
	fclose(m);
	if (first) {
		free(s);
		return NULL;
	}
	return s;
}

/* The check round: every host reached, its connlab asked whether its share
 * would run there. The number of load hosts ready. */
unsigned fleet_check_round(struct fleet *f)
{
	char *all = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&all, &len);
	unsigned ready = 0;

	for (unsigned i = 0; i < f->nh; i++)
		fprintf(m, "%s%s", i ? "," : "", f->h[i].name);
	fclose(m);
	if (fleet_spawn_pdsh(f, ROUND_CHECK, all, f->nh,
			     (unsigned)(f->lab->fleet.start_timeout_us / 1000000))) {
		free(all);
		/* nothing ran on any host: they are not started, not failed */
		for (unsigned i = 0; i < f->nh; i++) {
			f->h[i].state = "not started";
			snprintf(f->h[i].why, sizeof(f->h[i].why), "%s could not be run here",
				 f->o->pdsh ? f->o->pdsh : "pdsh");
		}
		f->pdsh_failed = 1;
		return 0;
	}
	free(all);
	fleet_wait_round(f, ROUND_CHECK, f->lab->fleet.start_timeout_us + 5000000);
	fleet_end_round(f, ROUND_CHECK);
	for (unsigned i = 0; i < f->nh; i++) {
		struct fhost *h = &f->h[i];
		const char *v;

		if (h == f->srv) {
			if (h->watch) {
				h->state = "ready";
			} else {
				h->state = "unreached";
				if (!h->why[0])
					snprintf(h->why, sizeof(h->why),
						 "no answer from connlab watch there");
			}
			continue;
		}
		if (!h->check) {
			h->state = "unreached";
			if (!h->why[0])
				snprintf(h->why, sizeof(h->why), "no answer from connlab there");
			continue;
		}
		v = json_string_value(json_object_get(h->check, "connlab"));
		if (v && strcmp(v, CONNLAB_VERSION) && json_array_size(h->msgs) < MSGS_MAX)
			json_array_append_new(h->msgs, json_sprintf("connlab %s there, %s here", v,
								    CONNLAB_VERSION));
		if (!json_is_true(json_object_get(h->check, "ok"))) {
			h->state = "not ready";
			if (jpath_u(h->check, "sources_missing"))
				snprintf(
					h->why, sizeof(h->why),
					"%llu of its %llu source addresses are not on the host: %s",
					(unsigned long long)jpath_u(h->check, "sources_missing"),
					(unsigned long long)jpath_u(h->check, "sources"),
					json_string_value(
						json_object_get(h->check, "sources_missing_list")));
			continue;
		}
		h->state = "ready";
		h->why[0] = 0;
		ready++;
	}
	return ready;
}

static int server_listening(const struct fleet *f)
{
	if (!f->srv)
		return 1;
	if (f->lab->fleet.server == FLEET_SERVER_RUNNING)
		return f->srv->watch != NULL;
	return f->srv->last && jpath_u(f->srv->last, "listening") >= f->lab->ports.n;
}

int fleet_server_round(struct fleet *f)
{
	uint64_t until;

	f->srv->hold_from_s = -1;
	f->srv->ended_s = -1;
	if (fleet_spawn_pdsh(f, ROUND_SERVER, f->srv->name, 1, 0))
		return -1;
	until = clock_now_ns() + f->lab->fleet.start_timeout_us * 1000;
	while (!server_listening(f) && !f->interrupted && !fleet_round_done(&f->pr[ROUND_SERVER]) &&
	       clock_now_ns() < until) {
		struct timeval tv = { 0, 100000 };

		event_base_loopexit(f->base, &tv);
		event_base_dispatch(f->base);
	}
	if (!server_listening(f)) {
		f->srv->state = "failed";
		snprintf(f->reason, sizeof(f->reason),
			 "the server on %s did not listen on %s within fleet.start_timeout%s%s",
			 f->srv->name, f->lab->fleet.target, f->srv->why[0] ? ": " : "",
			 f->srv->why);
		return -1;
	}
	f->srv->state = "running";
	return 0;
}
