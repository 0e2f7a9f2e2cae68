/* SPDX-License-Identifier: MIT */
/* timeline.c - the coordinator's probes of the service and its timeline:
 * every interval, the sums of the hosts' latest lines, the service's
 * sockets by state, and the probe's interval; the phases moved by what the
 * hosts say. */
#define _GNU_SOURCE
#include <math.h>
#include <string.h>

#include "fleet/coord.h"
#include "util/jpath.h"

void fleet_on_probe(void *arg, int is_ping, int64_t us, int err)
{
	struct fleet *f = arg;

	(void)err;
	if (!is_ping && us >= 0)
		f->probe_opens++;   /* a handshake of the server's that is not the fleet's */
	if (f->ph.now >= PH_BEFORE) /* the coordinator probes from the before phase */
		probe_tally_add(&f->tally, f->ph.now, is_ping, us);
}

static void col_add(struct fleet *f, const char *col, json_t *v)
{
	json_t *a = json_object_get(f->tl, col);

	if (!a) {
		a = json_array();
		json_object_set_new(f->tl, col, a);
	}
	json_array_append_new(a, v);
}

static json_t *num(double v)
{
	return isnan(v) || v < 0 ? json_null() : json_real(v);
}

/* A host's watch, while its lines come (one an interval; three missed and
 * two seconds more: silent, and its kernel's figures leave the sums). */
static json_t *live_watch(const struct fleet *f, struct fhost *h)
{
	double late = fleet_now_s(f) - h->watch_seen_s;

	if (!h->watch)
		return NULL;
	if (h->final_seen) /* its flood ended: the watch beside it ends too */
		return h->watch;
	if (late <= 3 * (double)f->lab->interval_us / 1e6 + 2 && h->watch_silent_s < 0)
		return h->watch;
	if (h->watch_silent_s < 0)
		h->watch_silent_s = h->watch_seen_s;
	return NULL;
}

void fleet_tick(struct fleet *f)
{
	json_t *states = json_object_get(f->tl, "states");
	uint64_t estab = 0, connected = 0, open = 0, errs = 0, mem = 0, sent = 0, replies = 0,
		 missing = 0;
	uint64_t state[ST_MAX] = { 0 };
	struct probe_interval iv = probe_tally_interval(&f->tally);
	/* the server host, while its processes run; its kernel, while its
	 * watch's lines come */
	struct fhost *srv = f->srv && !fleet_host_gone(f->srv) ? f->srv : NULL;
	json_t *srv_w = srv ? live_watch(f, srv) : NULL;

	for (unsigned i = 0; i < f->nh; i++) {
		struct fhost *h = &f->h[i];
		json_t *w = h == srv ? srv_w : live_watch(f, h), *ws = json_object_get(w, "states");

		if (fleet_host_gone(h)) {
			/* its processes are gone and their sockets with them: its
			 * last figures no longer hold, and nothing new comes */
			if (h->tl_open) {
				json_array_append_new(h->tl_open, json_null());
				json_array_append_new(h->tl_estab, json_null());
			}
			continue;
		}
		if (w)
			mem += jpath_u(w, "sockstat.mem_pages");
		if (ws) {
			for (int s = 1; s < ST_MAX; s++)
				state[s] += jpath_u(ws, sampler_state_name(s));
		} else if (w) {
			state[ST_ESTABLISHED] += jpath_u(w, "curr_estab");
			state[ST_TIME_WAIT] += jpath_u(w, "sockstat.tw");
		}
		if (h == f->srv)
			continue;
		if (w)
			estab += h->have_svc ? h->svc_estab : jpath_u(w, "curr_estab");
		connected += jpath_u(h->last, "established");
		open += jpath_u(h->last, "open");
		errs += jpath_u(h->last, "errors_total");
		sent += jpath_u(h->last, "messages.sent");
		replies += jpath_u(h->last, "messages.replies");
		missing += jpath_u(h->last, "messages.missing");
		if (h->tl_open) {
			json_array_append_new(h->tl_open,
					      json_integer((json_int_t)jpath_u(h->last, "open")));
			json_array_append_new(h->tl_estab,
					      w && h->have_svc
						      ? json_integer((json_int_t)h->svc_estab)
						      : json_null());
		}
	}
	if (estab > f->peak_sum_estab)
		f->peak_sum_estab = estab;
	if (srv_w && srv->have_svc && srv->svc_estab > f->peak_srv_estab)
		f->peak_srv_estab = srv->svc_estab;
	col_add(f, "t_s", json_real(round(fleet_now_s(f) * 1000) / 1000));
	col_add(f, "phase", json_string(phase_name(f->ph.now, f->lab->client_mode)));
	col_add(f, "connected", json_integer((json_int_t)connected));
	col_add(f, "flood_open", json_integer((json_int_t)open));
	col_add(f, "established_clients", json_integer((json_int_t)estab));
	col_add(f, "established_server",
		srv_w && srv->have_svc ? json_integer((json_int_t)srv->svc_estab) : json_null());
	col_add(f, "server_open",
		srv && srv->last ? json_integer((json_int_t)jpath_u(srv->last, "open"))
				 : json_null());
	col_add(f, "accept_queue", srv_w ? json_integer((json_int_t)srv->aq_last) : json_null());
	col_add(f, "listen_overflows",
		srv_w ? json_integer((json_int_t)jpath_u(srv_w, "counters.ListenOverflows"))
		      : json_null());
	col_add(f, "errors_total", json_integer((json_int_t)errs));
	col_add(f, "tcp_mem_pages", json_integer((json_int_t)mem));
	col_add(f, "messages_sent", json_integer((json_int_t)sent));
	col_add(f, "replies", json_integer((json_int_t)replies));
	col_add(f, "replies_missing", json_integer((json_int_t)missing));
	for (size_t k = 0; k < STATE_COLS; k++) {
		json_t *a = json_object_get(states, state_cols[k].col);

		/* before the hosts' first dumps: 0 (the watches dump at once) */
		json_array_append_new(
			a,
			json_integer((json_int_t)state[sampler_state_index(state_cols[k].label)]));
	}
	col_add(f, "ping_p50_ms", num(iv.ping_p50_ms));
	col_add(f, "ping_max_ms", num(iv.ping_max_ms));
	col_add(f, "pings_sent", json_integer(iv.sent));
	col_add(f, "pings_lost", json_integer(iv.lost));
	col_add(f, "probe_connect_ms", num(iv.conn_max_ms));
	col_add(f, "probe_connect_failures", json_integer(iv.fail));
	f->final_sum_estab = estab;
}

/* Moves the flood round through ramp, hold and drain by what the hosts
 * say. */
static void advance(struct fleet *f)
{
	unsigned running = 0, holding = 0, ended = 0;

	for (unsigned i = 0; i < f->nload; i++) {
		struct fhost *h = &f->h[i];

		if (strcmp(h->state, "running") || fleet_host_gone(h))
			continue;
		running++;
		holding += h->hold_from_s >= 0;
		ended += h->final_seen;
	}
	if (f->ph.now == PH_RAMP && running && f->lab->client_mode == CLIENT_HOLD &&
	    holding == running)
		fleet_enter_phase(f, PH_HOLD);
	if ((f->ph.now == PH_HOLD ||
	     (f->ph.now == PH_RAMP && f->lab->client_mode == CLIENT_CHURN)) &&
	    ended)
		fleet_enter_phase(f, PH_DRAIN);
}

void fleet_on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct fleet *f = arg;

	(void)fd;
	(void)what;
	advance(f);
	fleet_end_check(f);
	fleet_tick(f);
	fleet_publish(f);
}

json_t *fleet_timeline_new(struct fleet *f)
{
	json_t *tl = json_object(), *states = json_object(), *hosts = json_object();

	json_object_set_new(tl, "interval_s", json_real((double)f->lab->interval_us / 1e6));
	for (size_t k = 0; k < STATE_COLS; k++)
		json_object_set_new(states, state_cols[k].col, json_array());
	json_object_set_new(tl, "states", states);
	for (unsigned i = 0; i < f->nload; i++) {
		f->h[i].tl_open = json_array();
		f->h[i].tl_estab = json_array();
		json_object_set_new(hosts, f->h[i].name,
				    json_pack("{s:o, s:o}", "open", f->h[i].tl_open, "established",
					      f->h[i].tl_estab));
	}
	json_object_set_new(tl, "hosts", hosts);
	return tl;
}
