/* SPDX-License-Identifier: MIT */
/* eventmeasure.c - what an event did, measured: the kernel's count of
 * established connections each tick of its window (back at the target,
 * at 99%), and at its start and close what the floods and the kernel
 * had counted (snapshots), whose differences result.json's events give. */
#define _GNU_SOURCE
#include "run/launcher.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/counters.h"
#include "util/jpath.h"

#define RECOVERY_GRACE_S 1.0

/* The kernel's counters of namespace k, read now; 0 or -1. */
static int read_ns(struct run *r, unsigned k, struct netns_sample *s)
{
	return k < r->topo.n && sampler_read(&r->samp[k], s) == 0 ? 0 : -1;
}

static uint64_t counter(const struct netns_sample *s, const char *name)
{
	int i = kcounter_index(name);

	return i >= 0 ? s->counter[i] : 0;
}

/* The server namespace's established connections now (CurrEstab): the
 * connections the server's kernel holds, the truth of a recovery. The
 * clients' own count can be higher: a client whose handshake's last ACK
 * the server dropped (a full accept queue) thinks itself connected, and
 * stays so when the listener that had its request goes away. */
static uint64_t server_estab(struct run *r, uint64_t *clients)
{
	struct netns_sample s;
	uint64_t n = 0;

	*clients = 0;
	for (unsigned i = 0; i < r->plan->namespaces; i++)
		if (!read_ns(r, TOPO_CLIENT0 + i, &s))
			*clients += s.curr_estab;
	if (!read_ns(r, TOPO_SRV, &s))
		n = s.curr_estab;
	return n;
}

static void flood_hist(const struct run *r, const char *key, struct hist *h)
{
	memset(h, 0, sizeof(*h));
	for (unsigned i = 0; i < r->nchild; i++) {
		const char *t = r->child[i].is_flood && r->child[i].last
					? json_string_value(json_object_get(r->child[i].last, key))
					: NULL;

		if (t)
			(void)hist_parse_add(h, t);
	}
}

static json_t *server_accepts(const struct run *r)
{
	for (int i = (int)r->nchild - 1; i >= 0; i--) {
		const struct child *c = &r->child[i];
		json_t *a = !c->is_flood && c->last ? json_object_get(c->last, "accepted_by_worker")
						    : NULL;

		if (!c->is_flood && !c->retired)
			return json_is_array(a) ? json_incref(a) : NULL;
	}
	return NULL;
}

void run_event_snap(struct run *r, struct event_snap *s)
{
	struct netns_sample n;

	json_decref(s->accepted);
	memset(s, 0, sizeof(*s));
	s->t = run_elapsed(r);
	s->estab = server_estab(r, &s->estab_clients);
	s->open = run_child_sum(r, 1, "open");
	s->lost = run_child_sum(r, 1, "lost");
	s->reconnects = run_child_sum(r, 1, "reconnects");
	for (unsigned i = 0; i < r->nchild; i++)
		if (r->child[i].is_flood && r->child[i].last)
			s->reset_at_connect += (uint64_t)json_integer_value(
				jpath(r->child[i].last, "errors.ECONNRESET.connect"));
	run_flood_errors(r, s->errors);
	flood_hist(r, "connect_hist", &s->connect);
	flood_hist(r, "reconnect_wait_hist", &s->reconnect_wait);
	for (unsigned i = 0; i < r->plan->namespaces; i++)
		if (!read_ns(r, TOPO_CLIENT0 + i, &n))
			s->syn_retrans += counter(&n, "TCPSynRetrans");
	if (!read_ns(r, TOPO_SRV, &n)) {
		s->cookies_sent = counter(&n, "SyncookiesSent");
		s->cookies_recv = counter(&n, "SyncookiesRecv");
		s->overflows = counter(&n, "ListenOverflows");
		s->passive_opens = counter(&n, "PassiveOpens");
	}
	if (!read_ns(r, TOPO_PROBE, &n))
		s->probe_opens = counter(&n, "ActiveOpens");
	s->accepted = server_accepts(r);
}

/* The fastest growth of the count over a second (at least 0.9 s between
 * the two readings compared). */
static void note_rate(struct run_event *e, uint64_t estab, double now)
{
	unsigned k = e->ring_n % RUN_RATE_TICKS;

	for (unsigned i = 0; i < RUN_RATE_TICKS && i < e->ring_n; i++) {
		double dt = now - e->ring_t[i];

		if (dt >= 0.9 && dt <= 1.6 && estab > e->ring[i] &&
		    (double)(estab - e->ring[i]) / dt > e->rate_max)
			e->rate_max = (double)(estab - e->ring[i]) / dt;
	}
	e->ring[k] = estab;
	e->ring_t[k] = now;
	e->ring_n++;
}

void run_event_watch(struct run *r, struct run_event *e)
{
	uint64_t clients, estab = server_estab(r, &clients), need99 = (e->target * 99 + 99) / 100;
	double now = run_elapsed(r);
	struct netns_sample s;

	if (estab < e->min_estab)
		e->min_estab = estab;
	note_rate(e, estab, now);
	if (!read_ns(r, TOPO_SRV, &s) && s.tw > e->srv_tw_peak)
		e->srv_tw_peak = s.tw;
	if (e->state != RE_RECOVERING)
		return;
	/* back once the count has fallen and come back; a count that did not
	 * fall within a second of the disturbance's end lost nothing: back
	 * at its end */
	if (e->min_estab >= e->target) {
		if (now - e->end_s >= RECOVERY_GRACE_S)
			e->recovered_s = e->recovered99_s = e->end_s;
		return;
	}
	if (e->recovered99_s < 0 && estab >= need99)
		e->recovered99_s = now;
	if (e->recovered_s < 0 && estab >= e->target)
		e->recovered_s = now;
}

static json_t *secs_or_null(double from, double to)
{
	return to >= 0 ? json_real(to - from) : json_null();
}

/* the floods' failed attempts in the window, by errno */
static json_t *failures_json(const struct run_event *e)
{
	json_t *j = json_object();

	for (size_t i = 0; i < errnames_count && i < ERRNAMES_MAX; i++)
		if (e->at[1].errors[i] > e->at[0].errors[i])
			json_object_set_new(j, errnames[i].name,
					    json_integer((json_int_t)(e->at[1].errors[i] -
								      e->at[0].errors[i])));
	return j;
}

/* accepts by server worker in the window: the same server's difference,
 * or a restarted server's own counts */
static json_t *accepts_json(const struct run_event *e)
{
	const json_t *a = e->at[0].accepted, *b = e->at[1].accepted;
	json_t *out = json_array();
	size_t i;
	json_t *v;

	if (!b)
		return json_decref(out), json_null();
	json_array_foreach(b, i, v)
	{
		json_int_t was = e->lab->kind != EVENT_RESTART && a && i < json_array_size(a)
					 ? json_integer_value(json_array_get(a, i))
					 : 0;

		json_array_append_new(out, json_integer(json_integer_value(v) - was));
	}
	return out;
}

/* the probe's pings and connects in the window, from the timeline */
static json_t *probe_json(const struct run *r, double from, double to)
{
	uint64_t sent = 0, lost = 0, fail = 0;
	double ping_max = -1, conn_max = -1;

	for (size_t i = 0; i < r->nrows; i++) {
		const struct probe_interval *p = &r->rows[i].probe[0];

		if (r->rows[i].t <= from || r->rows[i].t > to + r->lab->interval_us / 1e6)
			continue;
		sent += p->sent;
		lost += p->lost;
		fail += p->fail;
		if (p->ping_max_ms > ping_max)
			ping_max = p->ping_max_ms;
		if (p->conn_max_ms > conn_max)
			conn_max = p->conn_max_ms;
	}
	return json_pack("{s:I, s:I, s:o, s:o, s:I}", "pings_sent", (json_int_t)sent, "pings_lost",
			 (json_int_t)lost, "ping_max_ms",
			 ping_max >= 0 ? json_real(ping_max) : json_null(), "probe_connect_max_ms",
			 conn_max >= 0 ? json_real(conn_max) : json_null(),
			 "probe_connect_failures", (json_int_t)fail);
}

#define D(f) (json_int_t)(e->at[1].f - e->at[0].f)

static json_t *kernel_json(const struct run_event *e)
{
	/* connections lost by the kernel's count: the handshakes the server
	 * completed in the window (less the probe's) made up for them, and
	 * what is still missing at its close */
	json_int_t lost = D(passive_opens) - D(probe_opens) + (json_int_t)e->target -
			  (json_int_t)e->at[1].estab;

	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "lost",
			 lost < 0 ? 0 : lost, "established_min", (json_int_t)e->min_estab,
			 "established_end", (json_int_t)e->at[1].estab, "clients_established_end",
			 (json_int_t)e->at[1].estab_clients, "handshakes",
			 D(passive_opens) - D(probe_opens), "syn_retransmits", D(syn_retrans),
			 "syncookies_sent", D(cookies_sent), "syncookies_recv", D(cookies_recv),
			 "listen_overflows", D(overflows), "server_time_wait_peak",
			 (json_int_t)e->srv_tw_peak);
}

static json_t *event_json(const struct run *r, const struct run_event *e)
{
	char what[64];
	json_t *j = json_pack("{s:s, s:s, s:f}", "kind", event_kinds[e->lab->kind].name, "event",
			      event_fmt(e->lab, what, sizeof(what)), "at_s",
			      (double)e->lab->at_us / 1e6);

	if (e->state == RE_WAITING) {
		json_object_set_new(j, "happened", json_false());
		return j;
	}
	json_object_set_new(j, "happened", json_boolean(!e->failed[0]));
	json_object_set_new(j, "failed", e->failed[0] ? json_string(e->failed) : json_null());
	json_object_set_new(j, "t_s", json_real(e->t_s));
	json_object_set_new(j, "disturbed_s", secs_or_null(e->t_s, e->end_s));
	if (e->lab->kind == EVENT_RESTART)
		json_object_set_new(j, "server_exit_s", secs_or_null(e->t_s, e->exit_s));
	json_object_set_new(j, "target", json_integer((json_int_t)e->target));
	json_object_set_new(j, "recovered_s", secs_or_null(e->t_s, e->recovered_s));
	json_object_set_new(j, "recovered99_s", secs_or_null(e->t_s, e->recovered99_s));
	json_object_set_new(j, "cut_by", e->cut[0] ? json_string(e->cut) : json_null());
	json_object_set_new(j, "window_s", json_real(e->at[1].t - e->t_s));
	json_object_set_new(j, "regain_rate_per_s",
			    e->rate_max > 0 ? json_real(round(e->rate_max)) : json_null());
	json_object_set_new(j, "floods",
			    json_pack("{s:I, s:I, s:I, s:I, s:o, s:o, s:o}", "open_end",
				      (json_int_t)e->at[1].open, "lost", D(lost),
				      "reset_at_connect", D(reset_at_connect), "reconnects",
				      D(reconnects), "failures", failures_json(e), "connect",
				      run_hist_window_json(&e->at[1].connect, &e->at[0].connect),
				      "reconnect_wait",
				      run_hist_window_json(&e->at[1].reconnect_wait,
							   &e->at[0].reconnect_wait)));
	json_object_set_new(j, "kernel", kernel_json(e));
	json_object_set_new(j, "accepted_by_worker", accepts_json(e));
	json_object_set_new(j, "probe", probe_json(r, e->t_s, e->at[1].t));
	return j;
}

json_t *run_events_json(const struct run *r)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < r->nevents; i++)
		json_array_append_new(a, event_json(r, &r->events[i]));
	return a;
}

void run_events_free(struct run *r)
{
	for (unsigned i = 0; i < r->nevents; i++)
		for (int k = 0; k < 2; k++) {
			json_decref(r->events[i].at[k].accepted);
			r->events[i].at[k].accepted = NULL;
		}
}
