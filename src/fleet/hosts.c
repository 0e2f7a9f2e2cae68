/* SPDX-License-Identifier: MIT */
/* hosts.c - the coordinator reads every host's lines as pdsh passes them
 * on: JSON stats lines (connlab flood, server, watch, flood --check) kept
 * as the host's latest, and its own words kept for result.json. */
#define _GNU_SOURCE
#include <event2/buffer.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/coord.h"
#include "util/clock.h"
#include "util/jpath.h"

static void host_says(struct fleet *f, struct fhost *h, const char *text, int from_pdsh)
{
	int code;

	if (f->log)
		fprintf(f->log, "%.3f %s%s: %s\n", fleet_now_s(f), from_pdsh ? "pdsh on " : "",
			h->name, text);
	if (from_pdsh && (code = fleet_pdsh_exit(text)) >= 0) {
		h->exit_code = code;
		if (h->ended_s < 0 && !f->ending && !f->interrupted && !strcmp(h->state, "running"))
			h->ended_s = fleet_now_s(f);
		return;
	}
	if (json_array_size(h->msgs) < MSGS_MAX)
		json_array_append_new(h->msgs, json_string(text));
	/* the latest word that is not pdsh's exit report says why */
	if (!from_pdsh || !strstr(text, "exit code"))
		snprintf(h->why, sizeof(h->why), "%s", text);
}

static void take_watch(struct fhost *h, json_t *j)
{
	json_t *st = json_object_get(j, "states");
	uint64_t estab = jpath_u(j, "curr_estab");
	uint64_t tw = jpath_u(j, "sockstat.tw"), mem = jpath_u(j, "sockstat.mem_pages");

	if (estab > h->peak_estab)
		h->peak_estab = estab;
	if (tw > h->peak_tw)
		h->peak_tw = tw;
	if (mem > h->peak_mem_pages)
		h->peak_mem_pages = mem;
	if (json_object_get(j, "accept_queue"))
		h->aq_last = jpath_u(j, "accept_queue");
	if (h->aq_last > h->peak_aq)
		h->peak_aq = h->aq_last;
	if (st)
		for (int s = 1; s < ST_MAX; s++) {
			uint64_t v = jpath_u(st, sampler_state_name(s));

			if (v > h->peak_state[s])
				h->peak_state[s] = v;
		}
	if ((st = json_object_get(j, "service"))) {
		h->have_svc = 1;
		h->svc_estab = jpath_u(st, "ESTABLISHED");
		for (int s = 1; s < ST_MAX; s++) {
			uint64_t v = jpath_u(st, sampler_state_name(s));

			if (v > h->peak_svc[s])
				h->peak_svc[s] = v;
		}
	}
	json_decref(h->watch);
	h->watch = json_incref(j);
}

/* When the host's time key (its hold's beginning or end) was, by the
 * coordinator's clock: now, less how long before the line (its "t") it
 * was by the host's own clock. -1 when the line has no such time. */
static double seen_at(const struct fleet *f, json_t *j, const char *key)
{
	json_t *k = json_object_get(j, key), *t = json_object_get(j, "t");
	double ago;

	if (!json_is_number(k) || !json_is_number(t))
		return -1;
	ago = json_number_value(t) - json_number_value(k);
	return fleet_now_s(f) - (ago > 0 ? ago : 0);
}

static void host_line(struct fleet *f, const char *line)
{
	char name[HOSTNAME_MAX];
	const char *text;
	int from_pdsh;
	struct fhost *h;
	json_t *j;
	const char *role;

	if (fleet_parse_line(line, name, sizeof(name), &text, &from_pdsh) ||
	    !(h = fleet_host_by_name(f, name))) {
		if (f->log)
			fprintf(f->log, "%.3f pdsh: %s\n", fleet_now_s(f), line);
		if (!strncmp(line, "pdsh@", 5) && !strstr(line, "interrupt"))
			fprintf(stderr, "connlab fleet: %s\n", line);
		return;
	}
	if (from_pdsh || text[0] != '{' || !(j = json_loads(text, 0, NULL))) {
		host_says(f, h, text, from_pdsh);
		return;
	}
	role = json_string_value(json_object_get(j, "role"));
	if (h == f->srv && role)
		fleet_events_line(f, role, j); /* the server's restarts */
	if (!role) {
		host_says(f, h, text, 0);
	} else if (!strcmp(role, "shell") || !strcmp(role, "restart")) {
		/* the server round's shell: its pid, and the restarts */
	} else if (!strcmp(role, "watch")) {
		h->watch_seen_s = fleet_now_s(f);
		h->probe_opens_at_watch = f->probe_opens;
		take_watch(h, j);
	} else if (!strcmp(role, "check")) {
		json_decref(h->check);
		h->check = json_incref(j);
		if (json_is_number(json_object_get(j, "wall_s")))
			h->clock_offset_s = json_number_value(json_object_get(j, "wall_s")) -
					    clock_of_s(CLOCK_REALTIME);
	} else if (!strcmp(role, "flood") || !strcmp(role, "server")) {
		json_decref(h->last);
		h->last = json_incref(j);
		if (jpath_u(j, "open") > h->peak_open)
			h->peak_open = jpath_u(j, "open");
		if (h->hold_from_s < 0)
			h->hold_from_s = seen_at(f, j, "hold_from_s");
		if (h->hold_end_s < 0)
			h->hold_end_s = seen_at(f, j, "hold_end_s");
		if (json_is_true(json_object_get(j, "final")) && !h->final_seen) {
			h->final_seen = 1;
			h->final_s = fleet_now_s(f);
		}
	}
	json_decref(j);
}

/* A line of the end round: connlab flood --end's words there, or pdsh's
 * exit code for it. */
static void fleet_end_line(struct fleet *f, const char *line)
{
	char name[HOSTNAME_MAX];
	const char *text;
	int from_pdsh, code;
	struct fhost *h;

	if (f->log)
		fprintf(f->log, "%.3f end: %s\n", fleet_now_s(f), line);
	if (fleet_parse_line(line, name, sizeof(name), &text, &from_pdsh) ||
	    !(h = fleet_host_by_name(f, name)))
		return;
	if (from_pdsh && (code = fleet_pdsh_exit(text)) >= 0)
		h->end_exit = code;
	else if (!from_pdsh || !strstr(text, "exit code"))
		snprintf(h->end_said, sizeof(h->end_said), "%s",
			 strncmp(text, "connlab: error: ", 16) ? text : text + 16);
}

/* A line of the event round: the restart's words there, or pdsh's. */
static void event_line(struct fleet *f, const char *line)
{
	char name[HOSTNAME_MAX];
	const char *text;
	int from_pdsh;

	if (fleet_parse_line(line, name, sizeof(name), &text, &from_pdsh))
		fleet_events_said(f, line, 1);
	else
		fleet_events_said(f, text, from_pdsh);
}

void fleet_on_read(struct bufferevent *bev, void *arg)
{
	struct fleet *f = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char *line;
	size_t n;

	int end = 0, event = 0;

	for (int k = 0; k < 2; k++) {
		end |= f->pr[ROUND_END].bev[k] == bev;
		event |= f->pr[ROUND_EVENT].bev[k] == bev;
	}
	while ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF))) {
		while (n && (line[n - 1] == '\r' || line[n - 1] == ' '))
			line[--n] = 0; /* ssh's words end in \r */
		if (end)
			fleet_end_line(f, line);
		else if (event)
			event_line(f, line);
		else
			host_line(f, line);
		free(line);
	}
}

void fleet_on_event(struct bufferevent *bev, short what, void *arg)
{
	struct fleet *f = arg;

	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
		return;
	fleet_on_read(bev, f);
	for (int i = 0; i < ROUNDS; i++)
		for (int k = 0; k < 2; k++)
			if (f->pr[i].bev[k] == bev) {
				f->pr[i].eof[k] = 1;
				bufferevent_free(bev);
				f->pr[i].bev[k] = NULL;
			}
	fleet_check_done(f);
}
