/* SPDX-License-Identifier: MIT */
/* events.c - the kinds of lab events and their parser (events.h). */
#include "lab/events.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/suggest.h"
#include "util/units.h"

const struct event_kind_row event_kinds[EVENT_KINDS] = {
	[EVENT_RESTART] = { "restart", "restart [GAP]",
			    "the server (every worker, or server.command's process group) gets SIGTERM and is started again GAP (default 1s) after it exited" },
	[EVENT_RELOAD] = { "reload", "reload",
			   "server.command's main process (the parent of its workers, such as nginx's master) gets SIGHUP: a server that reloads on it (nginx -s reload) starts new workers and lets the old ones finish" },
	[EVENT_KILL] = { "kill", "kill [N]",
			 "N server workers (default 1) get SIGKILL; the rest of the SO_REUSEPORT group takes their new connections" },
	[EVENT_PAUSE] = { "pause", "pause D",
			  "the server is stopped (SIGSTOP) for D and then continued: it accepts and reads nothing, the kernel queues handshakes until the backlog is full" },
	[EVENT_LINK_DOWN] = { "link-down", "link-down [cN] D",
			      "client namespace N's link (default c0) is down for D and then up again" },
};

#define GAP_DEFAULT_US 1000000ULL

static int kind_parse(const char *word, enum event_kind *k, char *err, size_t errlen)
{
	const char *names[EVENT_KINDS];
	int i;

	for (i = 0; i < EVENT_KINDS; i++)
		names[i] = event_kinds[i].name;
	if (suggest_choice(word, names, EVENT_KINDS, &i, err, errlen))
		return -EINVAL;
	*k = (enum event_kind)i;
	return 0;
}

/* "cN" */
static int netns_parse(const char *w, unsigned *n)
{
	char *end;
	unsigned long v;

	if (w[0] != 'c' || w[1] < '0' || w[1] > '9')
		return -EINVAL;
	v = strtoul(w + 1, &end, 10);
	if (*end || v > 255)
		return -EINVAL;
	*n = (unsigned)v;
	return 0;
}

/* The words after the kind: arg[0..n). */
static int args_parse(struct lab_event *e, char **arg, int n, char *err, size_t errlen)
{
	const char *usage = event_kinds[e->kind].usage;
	char why[160];

	if (e->kind == EVENT_LINK_DOWN && n == 2) {
		if (netns_parse(arg[0], &e->netns)) {
			snprintf(err, errlen, "'%s' is not a client namespace: c0, c1, ... (%s)",
				 arg[0], usage);
			return -EINVAL;
		}
		arg++, n--;
	}
	if (n > 1 || (n == 0 && (e->kind == EVENT_PAUSE || e->kind == EVENT_LINK_DOWN))) {
		snprintf(err, errlen, "%s: expected %s", event_kinds[e->kind].name, usage);
		return -EINVAL;
	}
	if (e->kind == EVENT_RELOAD) {
		if (n) {
			snprintf(err, errlen, "reload takes nothing: expected reload");
			return -EINVAL;
		}
		return 0;
	}
	if (e->kind == EVENT_KILL) {
		e->count = 1;
		if (n && (units_parse_count(arg[0], &e->count, why, sizeof(why)) || !e->count)) {
			snprintf(err, errlen, "kill: '%s' is not a number of workers (%s)", arg[0],
				 usage);
			return -EINVAL;
		}
		return 0;
	}
	e->for_us = GAP_DEFAULT_US;
	if (n && (units_parse_duration(arg[0], &e->for_us, why, sizeof(why)) || !e->for_us)) {
		snprintf(err, errlen, "%s: '%s' is not a duration such as 2s (%s)",
			 event_kinds[e->kind].name, arg[0], usage);
		return -EINVAL;
	}
	return 0;
}

int event_parse(const char *at, const char *what, struct lab_event *e, char *err, size_t errlen)
{
	char buf[128], *word[4], *save = NULL, *w, why[160];
	int n = 0;

	memset(e, 0, sizeof(*e));
	if (units_parse_duration(at, &e->at_us, why, sizeof(why))) {
		snprintf(err, errlen, "'%s' is not a time into the run such as 20s: %s", at, why);
		return -EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", what);
	for (w = strtok_r(buf, " \t", &save); w && n < 4; w = strtok_r(NULL, " \t", &save))
		word[n++] = w;
	if (!n) {
		snprintf(err, errlen,
			 "no event: expected restart, reload, kill, pause or link-down");
		return -EINVAL;
	}
	if (w) {
		snprintf(err, errlen, "too many words in '%s'", what);
		return -EINVAL;
	}
	if (kind_parse(word[0], &e->kind, err, errlen))
		return -EINVAL;
	return args_parse(e, word + 1, n - 1, err, errlen);
}

int event_parse_arg(const char *arg, struct lab_event *e, char *err, size_t errlen)
{
	char at[32], what[128];
	const char *colon = strchr(arg, ':');

	if (!colon || (size_t)(colon - arg) >= sizeof(at)) {
		snprintf(
			err, errlen,
			"'%s': expected TIME:EVENT, such as 20s:restart, 30s:kill:2, 30s:pause:5s or 30s:link-down:c0:3s",
			arg);
		return -EINVAL;
	}
	snprintf(at, sizeof(at), "%.*s", (int)(colon - arg), arg);
	snprintf(what, sizeof(what), "%s", colon + 1);
	for (char *p = what; *p; p++)
		if (*p == ':')
			*p = ' ';
	return event_parse(at, what, e, err, errlen);
}

const char *event_fmt(const struct lab_event *e, char *buf, size_t len)
{
	char d[32];

	switch (e->kind) {
	case EVENT_KILL:
		snprintf(buf, len, "kill %llu", (unsigned long long)e->count);
		break;
	case EVENT_RELOAD:
		snprintf(buf, len, "reload");
		break;
	case EVENT_LINK_DOWN:
		snprintf(buf, len, "link-down c%u %s", e->netns,
			 units_fmt_duration(e->for_us, d, sizeof(d)));
		break;
	default:
		snprintf(buf, len, "%s %s", event_kinds[e->kind].name,
			 units_fmt_duration(e->for_us, d, sizeof(d)));
	}
	return buf;
}

void event_order(const struct lab_event *ev, unsigned n, unsigned *order)
{
	for (unsigned i = 0; i < n; i++) { /* insertion: at most 16, stable */
		unsigned k = i;

		while (k && ev[order[k - 1]].at_us > ev[i].at_us) {
			order[k] = order[k - 1];
			k--;
		}
		order[k] = i;
	}
}
