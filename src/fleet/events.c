/* SPDX-License-Identifier: MIT */
/* events.c - a fleet's restart events. At its time into the hold (from
 * the moment every host held; into the churn from the floods' start) the
 * server host's shell is told to restart the server (ROUND_EVENT: SIGUSR1,
 * script.c); the event's window stays open until the server host's
 * kernel holds as many established connections as before it (a second
 * later, for the hosts' lines to catch up), the next event or the hold's
 * end. What the floods and the kernels counted in it comes from the
 * hosts' lines: the server host's watch (its CurrEstab each lab.interval,
 * the recovery's resolution), the load hosts' floods and watches. */
#define _GNU_SOURCE
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/coord.h"
#include "util/jpath.h"

#define SETTLE_S 1.0

static uint64_t ctr(json_t *w, const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), "counters.%s", name);
	return jpath_u(w, path);
}

/* the floods' failed attempts so far, by errno name, summed over hosts */
static json_t *flood_errors(struct fleet *f)
{
	json_t *sum = json_object(), *byphase, *n;
	const char *k, *ph;

	for (unsigned i = 0; i < f->nload; i++)
		json_object_foreach(json_object_get(f->h[i].last, "errors"), k, byphase)
		{
			uint64_t v = jpath_u(sum, k);

			json_object_foreach(byphase, ph, n) v += (uint64_t)json_integer_value(n);
			json_object_set_new(sum, k, json_integer((json_int_t)v));
		}
	return sum;
}

static void snap(struct fleet *f, struct fsnap *s)
{
	json_t *w = f->srv ? f->srv->watch : NULL;

	json_decref(s->errors);
	memset(s, 0, sizeof(*s));
	s->t = fleet_now_s(f);
	s->estab = jpath_u(w, "curr_estab");
	s->cookies_sent = ctr(w, "SyncookiesSent");
	s->cookies_recv = ctr(w, "SyncookiesRecv");
	s->overflows = ctr(w, "ListenOverflows");
	s->passive_opens = ctr(w, "PassiveOpens");
	s->probe_opens = f->srv ? f->srv->probe_opens_at_watch : 0;
	for (unsigned i = 0; i < f->nload; i++) {
		json_t *l = f->h[i].last;
		const char *t = json_string_value(json_object_get(l, "connect_hist"));

		s->open += jpath_u(l, "open");
		s->lost += jpath_u(l, "lost");
		s->reconnects += jpath_u(l, "reconnects");
		s->reset_at_connect += jpath_u(l, "errors.ECONNRESET.connect");
		s->syn_retrans += ctr(f->h[i].watch, "TCPSynRetrans");
		if (t)
			(void)hist_parse_add(&s->connect, t);
	}
	s->errors = flood_errors(f);
}

/* Where the events' times count from: the hold every host held (its end
 * less lab.duration), or the churn's start; -1 before it is known. */
static double events_base(const struct fleet *f)
{
	if (f->lab->client_mode == CLIENT_HOLD)
		return f->end_at_s >= 0 ? f->end_at_s - (double)f->lab->duration_us / 1e6 : -1;
	return f->ph.seen[PH_RAMP] ? f->ph.t[PH_RAMP][0] : -1;
}

static void close_window(struct fleet *f, struct fevent *e, const char *cut)
{
	if (!e->open)
		return;
	e->open = 0;
	if (e->recovered_s < 0 && cut)
		snprintf(e->cut, sizeof(e->cut), "%s", cut);
	snap(f, &e->at[1]);
	json_decref(e->accepted);
	e->accepted = json_incref(json_object_get(f->srv->last, "accepted_by_worker"));
}

/* The event's start: what the hosts had counted, the server's pid. */
static void start(struct fleet *f, struct fevent *e)
{
	e->t_s = fleet_now_s(f);
	e->fired = 1;
	snap(f, &e->at[0]);
	e->target = e->min_estab = e->at[0].estab;
	e->old_pid = (long)jpath_u(f->srv->last, "pid");
	f->event_now = e;
	if (f->srv_shell <= 0)
		snprintf(e->failed, sizeof(e->failed),
			 "the server host's shell did not say its pid: nothing restarted");
}

void fleet_events_told(struct fleet *f, struct fevent *e, int err)
{
	if (err) {
		snprintf(e->failed, sizeof(e->failed), "pdsh could not be started to reach %s",
			 f->srv->name);
		return;
	}
	e->open = 1;
	fprintf(stderr, "connlab fleet: %s at %.1f s into the hold (%.1f s)\n",
		event_kinds[e->lab->kind].name, (double)e->lab->at_us / 1e6, e->t_s);
}

/* the server host's count, each time its watch says it: back at the
 * target, at 99%; the fastest it grew over a second */
static void watch_window(struct fleet *f, struct fevent *e)
{
	double now = f->srv->watch_seen_s;
	uint64_t estab = jpath_u(f->srv->watch, "curr_estab"), need99 = (e->target * 99 + 99) / 100;
	uint64_t tw = jpath_u(f->srv->watch, "sockstat.tw");

	if (now <= e->seen_s)
		return;
	if (e->seen_s > 0 && estab > e->last_estab && now - e->seen_s >= 0.5 &&
	    (double)(estab - e->last_estab) / (now - e->seen_s) > e->rate_max)
		e->rate_max = (double)(estab - e->last_estab) / (now - e->seen_s);
	e->seen_s = now;
	e->last_estab = estab;
	if (tw > e->tw_peak)
		e->tw_peak = tw;
	if (estab < e->min_estab)
		e->min_estab = estab;
	if (e->end_s < 0)
		return;
	if (e->min_estab >= e->target) { /* nothing was lost */
		if (now - e->end_s >= SETTLE_S)
			e->recovered_s = e->recovered99_s = e->end_s;
		return;
	}
	if (e->recovered99_s < 0 && estab >= need99)
		e->recovered99_s = now;
	if (e->recovered_s < 0 && estab >= e->target)
		e->recovered_s = now;
}

struct fevent *fleet_events_tick(struct fleet *f)
{
	double base = events_base(f), now = fleet_now_s(f);
	double settle = SETTLE_S + (double)f->lab->interval_us / 1e6;

	for (unsigned i = 0; i < f->nev; i++) {
		struct fevent *e = &f->ev[i];

		if (e->open) {
			watch_window(f, e);
			if (e->recovered_s >= 0 && now - e->recovered_s >= settle)
				close_window(f, e, NULL);
		}
	}
	if (f->end_at_s >= 0 && now >= f->end_at_s) /* the floods' last lines of the hold */
		for (unsigned i = 0; i < f->nev; i++)
			close_window(f, &f->ev[i], "the hold ended");
	if (base < 0 || f->ending || f->interrupted || f->ph.now >= PH_DRAIN)
		return NULL;
	for (unsigned i = 0; i < f->nev; i++) { /* in time order: the script's gaps' */
		struct fevent *e = &f->ev[i];
		char cut[80];

		if (e->fired)
			continue;
		if (base + (double)e->lab->at_us / 1e6 > now)
			return NULL;
		snprintf(cut, sizeof(cut), "the %s at %.0f s", event_kinds[e->lab->kind].name,
			 (double)e->lab->at_us / 1e6);
		for (unsigned k = 0; k < f->nev; k++)
			close_window(f, &f->ev[k], cut);
		start(f, e);
		return e->failed[0] ? NULL : e; /* one a tick */
	}
	return NULL;
}

void fleet_events_end(struct fleet *f)
{
	for (unsigned i = 0; i < f->nev; i++)
		close_window(f, &f->ev[i], "the hold ended");
}

void fleet_events_line(struct fleet *f, const char *role, json_t *j)
{
	struct fevent *e = f->event_now;

	if (!strcmp(role, "shell")) {
		f->srv_shell = (long)jpath_u(j, "pid");
		return;
	}
	if (!e || !e->open)
		return;
	if (!strcmp(role, "restart") && e->exit_s < 0) {
		e->exit_s = fleet_now_s(f);
		e->exit_status = (int)json_integer_value(json_object_get(j, "status"));
	} else if (!strcmp(role, "server") && e->exit_s >= 0 && e->end_s < 0 &&
		   (long)jpath_u(j, "pid") != e->old_pid &&
		   jpath_u(j, "listening") >= f->lab->ports.n) {
		e->end_s = fleet_now_s(f); /* started again, and listening */
	}
}

/* The event round's words: the restart script's why it could not, or
 * pdsh's word on reaching the host; the event did not happen. Anything
 * else the host printed (a login shell's profile, say) is only logged. */
void fleet_events_said(struct fleet *f, const char *text, int from_pdsh)
{
	struct fevent *e = f->event_now;
	int code = from_pdsh ? fleet_pdsh_exit(text) : -1;

	if (f->log)
		fprintf(f->log, "%.3f event: %s\n", fleet_now_s(f), text);
	if (!e || e->failed[0] || code == 0 || !text[0])
		return;
	if (!from_pdsh && strncmp(text, FLEET_SCRIPT_SAYS, strlen(FLEET_SCRIPT_SAYS)))
		return;
	if (code > 0)
		snprintf(e->failed, sizeof(e->failed),
			 "the restart's command on %s exited with status %d", f->srv->name, code);
	else
		snprintf(e->failed, sizeof(e->failed), "%s", text);
	e->open = 0;
}

int fleet_events_init(struct fleet *f)
{
	unsigned order[LAB_EVENTS_MAX];

	f->nev = f->lab->n_event;
	f->ev = f->nev ? calloc(f->nev, sizeof(*f->ev)) : NULL;
	if (f->nev && !f->ev)
		return -1;
	event_order(f->lab->event, f->nev, order);
	for (unsigned i = 0; i < f->nev; i++) {
		struct fevent *e = &f->ev[i];

		e->lab = &f->lab->event[order[i]];
		e->t_s = e->exit_s = e->end_s = e->recovered_s = e->recovered99_s = -1;
		e->exit_status = -1;
	}
	return 0;
}

void fleet_events_free(struct fleet *f)
{
	for (unsigned i = 0; i < f->nev; i++) {
		json_decref(f->ev[i].at[0].errors);
		json_decref(f->ev[i].at[1].errors);
		json_decref(f->ev[i].accepted);
	}
	free(f->ev);
	f->ev = NULL;
}

static json_t *secs_or_null(double from, double to)
{
	return to >= 0 && from >= 0 ? json_real(to - from) : json_null();
}

#define D(x) (json_int_t)(e->at[1].x - e->at[0].x)

static json_t *failures_json(const struct fevent *e)
{
	json_t *out = json_object(), *v;
	const char *k;

	json_object_foreach(e->at[1].errors, k, v)
	{
		json_int_t d = json_integer_value(v) -
			       json_integer_value(json_object_get(e->at[0].errors, k));

		if (d > 0)
			json_object_set_new(out, k, json_integer(d));
	}
	return out;
}

/* The handshakes the server host completed in the window, less the
 * coordinator's probe connects and the restart's own ssh; connections lost
 * by the kernel's count: those handshakes made up for them, and what is
 * still missing at the window's close. */
static json_t *kernel_json(const struct fleet *f, const struct fevent *e)
{
	json_int_t ssh = f->lab->fleet.transport == FLEET_SSH;
	json_int_t hs = D(passive_opens) - D(probe_opens) - ssh;
	json_int_t lost = hs + (json_int_t)e->target - (json_int_t)e->at[1].estab;

	if (hs < 0)
		hs = 0;
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "lost",
			 lost < 0 ? 0 : lost, "established_min", (json_int_t)e->min_estab,
			 "established_end", (json_int_t)e->at[1].estab, "handshakes", hs,
			 "syn_retransmits", D(syn_retrans), "syncookies_sent", D(cookies_sent),
			 "syncookies_recv", D(cookies_recv), "listen_overflows", D(overflows),
			 "server_time_wait_peak", (json_int_t)e->tw_peak);
}

static uint64_t cell(const struct fleet *f, const char *col, size_t i)
{
	json_int_t v = json_integer_value(json_array_get(json_object_get(f->tl, col), i));

	return v > 0 ? (uint64_t)v : 0;
}

/* the coordinator's pings and connects in the window, from its timeline */
static json_t *probe_json(const struct fleet *f, double from, double to)
{
	json_t *t = json_object_get(f->tl, "t_s");
	uint64_t sent = 0, lost = 0, fail = 0;
	double ping_max = -1, conn_max = -1, iv = (double)f->lab->interval_us / 1e6;
	size_t i;
	json_t *v;

	json_array_foreach(t, i, v)
	{
		double at = json_number_value(v);
		json_t *p = json_array_get(json_object_get(f->tl, "ping_max_ms"), i),
		       *c = json_array_get(json_object_get(f->tl, "probe_connect_ms"), i);

		if (at <= from || at > to + iv)
			continue;
		sent += cell(f, "pings_sent", i);
		lost += cell(f, "pings_lost", i);
		fail += cell(f, "probe_connect_failures", i);
		if (json_is_number(p) && json_number_value(p) > ping_max)
			ping_max = json_number_value(p);
		if (json_is_number(c) && json_number_value(c) > conn_max)
			conn_max = json_number_value(c);
	}
	return json_pack("{s:I, s:I, s:o, s:o, s:I}", "pings_sent", (json_int_t)sent, "pings_lost",
			 (json_int_t)lost, "ping_max_ms",
			 ping_max >= 0 ? json_real(ping_max) : json_null(), "probe_connect_max_ms",
			 conn_max >= 0 ? json_real(conn_max) : json_null(),
			 "probe_connect_failures", (json_int_t)fail);
}

static json_t *event_json(const struct fleet *f, const struct fevent *e)
{
	char what[64];
	json_t *j = json_pack("{s:s, s:s, s:f, s:s}", "kind", event_kinds[e->lab->kind].name,
			      "event", event_fmt(e->lab, what, sizeof(what)), "at_s",
			      (double)e->lab->at_us / 1e6, "where", f->srv->name);

	json_object_set_new(j, "happened", json_boolean(e->fired && !e->failed[0]));
	if (!e->fired)
		return j;
	json_object_set_new(j, "failed", e->failed[0] ? json_string(e->failed) : json_null());
	json_object_set_new(j, "t_s", json_real(e->t_s));
	if (e->failed[0])
		return j;
	json_object_set_new(j, "disturbed_s", secs_or_null(e->t_s, e->end_s));
	json_object_set_new(j, "server_exit_s", secs_or_null(e->t_s, e->exit_s));
	json_object_set_new(j, "server_exit_status",
			    e->exit_status >= 0 ? json_integer(e->exit_status) : json_null());
	json_object_set_new(j, "target", json_integer((json_int_t)e->target));
	json_object_set_new(j, "recovered_s", secs_or_null(e->t_s, e->recovered_s));
	json_object_set_new(j, "recovered99_s", secs_or_null(e->t_s, e->recovered99_s));
	json_object_set_new(j, "resolution_s", json_real((double)f->lab->interval_us / 1e6));
	json_object_set_new(j, "cut_by", e->cut[0] ? json_string(e->cut) : json_null());
	json_object_set_new(j, "window_s", json_real(e->at[1].t - e->t_s));
	json_object_set_new(j, "regain_rate_per_s",
			    e->rate_max > 0 ? json_real(round(e->rate_max)) : json_null());
	json_object_set_new(j, "floods",
			    json_pack("{s:I, s:I, s:I, s:I, s:o, s:o}", "open_end",
				      (json_int_t)e->at[1].open, "lost", D(lost),
				      "reset_at_connect", D(reset_at_connect), "reconnects",
				      D(reconnects), "failures", failures_json(e), "connect",
				      run_hist_window_json(&e->at[1].connect, &e->at[0].connect)));
	json_object_set_new(j, "kernel", kernel_json(f, e));
	json_object_set_new(j, "accepted_by_worker",
			    json_is_array(e->accepted) ? json_incref(e->accepted) : json_null());
	json_object_set_new(j, "probe", probe_json(f, e->t_s, e->at[1].t));
	return j;
}

json_t *fleet_events_json(const struct fleet *f)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < f->nev; i++)
		json_array_append_new(a, event_json(f, &f->ev[i]));
	return a;
}
