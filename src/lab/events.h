/* SPDX-License-Identifier: MIT */
/* events.h - what happens to a lab while it runs: the [events] of a lab
 * file ("20s = restart") and --event ("20s:restart"), each at a time
 * into the hold (or the churn): the server restarted, some of its
 * workers killed, the server paused (it accepts nothing), a client
 * namespace's link down. Parsed and checked here; the launcher carries
 * them out (src/run/events.c). */
#ifndef CONNLAB_LAB_EVENTS_H
#define CONNLAB_LAB_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "util/compiler.h"

#define LAB_EVENTS_MAX 16
#define LAB_LINE_EVENT (-2) /* given with --event */

enum event_kind {
	EVENT_RESTART,
	EVENT_RELOAD,
	EVENT_KILL,
	EVENT_PAUSE,
	EVENT_LINK_DOWN,
	EVENT_KINDS
};

struct lab_event {
	enum event_kind kind;
	uint64_t at_us;	 /* into the hold, or the churn */
	uint64_t for_us; /* restart: the gap before it starts again; pause, link-down: how long */
	uint64_t count;	 /* kill: server workers */
	unsigned netns;	 /* link-down: the client namespace (c0 = 0) */
	int line;	 /* in the lab file; LAB_LINE_EVENT: --event */
};

/* What each kind is called and takes, in a table (events.c). */
struct event_kind_row {
	const char *name;
	const char *usage; /* the value's form, for messages and the reference */
	const char *help;
};
extern const struct event_kind_row event_kinds[EVENT_KINDS];

/* One event: at ("20s") and what ("restart 2s", "kill 2", "pause 5s",
 * "link-down c1 3s"); 0, or -EINVAL with why in err. */
WUR int event_parse(const char *at, const char *what, struct lab_event *e, char *err,
		    size_t errlen);
/* --event's form, "20s:restart", "30s:link-down:c1:3s": the same as
 * event_parse with ':' for the spaces. */
WUR int event_parse_arg(const char *arg, struct lab_event *e, char *err, size_t errlen);
/* The events' indexes in the order of their times (two at one time in
 * the order given) into order[n]. */
void event_order(const struct lab_event *ev, unsigned n, unsigned *order);
/* The event as the lab file would give it: "restart 2s" into buf. */
const char *event_fmt(const struct lab_event *e, char *buf, size_t len);

#endif
