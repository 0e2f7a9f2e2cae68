/* SPDX-License-Identifier: MIT */
/* eventcheck.c - a lab's events put in and checked against the rest of
 * the lab (inside the run, namespaces that exist), with the reconnect
 * keys they go with (labfile.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine/backoff.h"
#include "lab/events.h"
#include "lab/labfile.h"
#include "util/units.h"

int event_put(struct lab *lab, const char *at, const char *what, int line, char *err, size_t errlen)
{
	struct lab_event e;

	if (lab->n_event == LAB_EVENTS_MAX) {
		snprintf(err, errlen, "more than %d events", LAB_EVENTS_MAX);
		return -EINVAL;
	}
	if (event_parse(at, what, &e, err, errlen))
		return -EINVAL;
	e.line = line;
	lab->event[lab->n_event++] = e;
	return 0;
}

/* What connlab fleet cannot do to a server on another host, by kind; NULL
 * where it can (docs/fleet.md). */
static const char *const fleet_cannot[EVENT_KINDS] = {
	[EVENT_RELOAD] = "the fleet's server is connlab server, which does not reload; use restart",
	[EVENT_KILL] =
		"connlab fleet does not kill single workers on the server host; use restart, or run the lab on one machine with connlab run",
	[EVENT_PAUSE] =
		"connlab fleet does not pause the server on the server host; use restart, or run the lab on one machine with connlab run",
	[EVENT_LINK_DOWN] =
		"a fleet's hosts are machines of their own and connlab fleet leaves their links alone; run the lab on one machine with connlab run to flap a link",
};

/* A fleet restarts the server it started on fleet.server_host, and does
 * nothing else to another host. */
static void fleet_event_check(const struct lab *lab, const struct lab_event *e, const char *at,
			      struct lab_diag *diag)
{
	if (fleet_cannot[e->kind])
		diag_add(diag, "%s: %s in a fleet: %s", at, event_kinds[e->kind].name,
			 fleet_cannot[e->kind]);
	else if (!lab->fleet.server_host[0] || lab->fleet.server != FLEET_SERVER_START)
		diag_add(
			diag,
			"%s: restart in a fleet: connlab fleet restarts only the server it starts (fleet.server_host with fleet.server = start); a server of your own is not its to stop",
			at);
}

/* One event against the lab: inside the run, a namespace that exists. */
static void event_check(const struct lab *lab, const struct lab_event *e, struct lab_diag *diag)
{
	const char *run = lab->client_mode == CLIENT_HOLD ? "the hold" : "the churn";
	char at[300], a[32], d[32], ev[64];
	uint64_t end = e->at_us + e->for_us; /* kill and reload: 0 */

	lab_where(lab, e->line, at, sizeof(at));
	event_fmt(e, ev, sizeof(ev));
	units_fmt_duration(lab->duration_us, d, sizeof(d));
	units_fmt_duration(e->at_us, a, sizeof(a));
	if (e->at_us >= lab->duration_us)
		diag_add(
			diag,
			"%s: the event at %s (%s) falls outside the run: %s lasts lab.duration = %s; give a time below it, or a longer lab.duration",
			at, a, ev, run, d);
	else if (end >= lab->duration_us)
		diag_add(
			diag,
			"%s: '%s' at %s ends after %s (lab.duration = %s): its recovery could not be seen; start it earlier or lengthen lab.duration",
			at, ev, a, run, d);
	if (lab_is_fleet(lab)) {
		fleet_event_check(lab, e, at, diag);
		return;
	}
	if (e->kind == EVENT_RELOAD && !lab->server_command[0])
		diag_add(
			diag,
			"%s: reload: the built-in server does not reload; use restart, or a server.command that reloads on SIGHUP (nginx)",
			at);
	if (e->kind == EVENT_LINK_DOWN && e->netns >= lab->namespaces)
		diag_add(diag, "%s: link-down c%u: the lab has %llu client %s (c0 to c%llu)", at,
			 e->netns, (unsigned long long)lab->namespaces,
			 lab->namespaces == 1 ? "namespace" : "namespaces",
			 (unsigned long long)lab->namespaces - 1);
}

void events_validate(const struct lab *lab, struct lab_diag *diag)
{
	int rline = lab->key_line[key_find("clients", "reconnect") - keys];
	char at[300];

	for (unsigned i = 0; i < lab->n_event; i++)
		event_check(lab, &lab->event[i], diag);
	if (rline && lab->client_mode == CLIENT_CHURN && lab->reconnect) {
		lab_where(lab, rline, at, sizeof(at));
		diag_add(
			diag,
			"%s: clients.reconnect applies to held connections: churn opens a new connection after each one anyway; leave it out or use clients.mode = hold",
			at);
	}
	if (lab->reconnect == RECONNECT_BACKOFF && lab->backoff_base_us > lab->backoff_max_us) {
		lab_where(lab, lab->key_line[key_find("clients", "backoff_base") - keys], at,
			  sizeof(at));
		diag_add(
			diag,
			"%s: clients.backoff_base is above clients.backoff_max: the first window must be the smallest",
			at);
	}
}
