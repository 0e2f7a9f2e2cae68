/* SPDX-License-Identifier: MIT */
/* result.c - the fleet's result.json tree: the head both launchers write
 * (run/shared.c), every host with its share, figures and kernel, and the
 * sums over the load hosts (docs/fleet.md). */
#define _GNU_SOURCE
#include <math.h>
#include <string.h>
#include <sys/wait.h>

#include "engine/backoff.h"
#include "fleet/coord.h"
#include "util/jpath.h"
#include "util/procfs.h"

/* The load hosts' histograms under key, merged bucket by bucket. */
static json_t *merged_hist(struct fleet *f, const char *key)
{
	json_t *lines[f->nh ? f->nh : 1];

	for (unsigned i = 0; i < f->nh; i++)
		lines[i] = &f->h[i] == f->srv ? NULL : f->h[i].last;
	return run_merged_hist(lines, f->nh, key);
}

/* A stats line's errors by name, summed over the phases, into by. */
static void errors_add(json_t *by, json_t *errs)
{
	json_t *v, *c;
	const char *name, *ph;

	json_object_foreach(errs, name, v)
	{
		uint64_t n = jpath_u(by, name);

		json_object_foreach(v, ph, c) n +=
			json_is_integer(c) ? (uint64_t)json_integer_value(c) : 0;
		json_object_set_new(by, name, json_integer((json_int_t)n));
	}
}

static json_t *copy(json_t *line, const char *key)
{
	return json_incref(json_object_get(line, key)) ?: json_null();
}

/* A load host's flood's histograms as its last line gives them (util/
 * hist.h's text; the TLS handshakes' under "tls"): /metrics writes them
 * by host. */
static json_t *flood_hists(json_t *fl)
{
	json_t *o = json_object(), *v;
	json_t *tls = json_object_get(json_object_get(fl, "tls"), "handshake_hist");
	const char *k;
	size_t n;

	json_object_foreach(fl, k, v)
	{
		n = strlen(k);
		if (n > 5 && !strcmp(k + n - 5, "_hist") && json_is_string(v))
			json_object_set(o, k, v);
	}
	if (json_is_string(tls))
		json_object_set_new(o, "tls", json_pack("{s:O}", "handshake_hist", tls));
	return o;
}

/* A load host's flood: its last line's figures, and how long it held by
 * its own clock. */
static json_t *host_flood(const struct fhost *h)
{
	json_t *fl = h->last, *by = json_object(), *o, *from, *end;

	if (!fl) {
		json_decref(by);
		return json_null();
	}
	errors_add(by, json_object_get(fl, "errors"));
	o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:I, s:b, s:o, s:o}", "opened",
		      (json_int_t)jpath_u(fl, "opened"), "established",
		      (json_int_t)jpath_u(fl, "established"), "open",
		      (json_int_t)jpath_u(fl, "open"), "open_peak", (json_int_t)h->peak_open,
		      "closed", (json_int_t)jpath_u(fl, "closed"), "closed_by_peer",
		      (json_int_t)jpath_u(fl, "closed_by_peer"), "ramp_s", copy(fl, "ramp_s"),
		      "connect_us", copy(fl, "connect_us"), "errors", by, "errors_total",
		      (json_int_t)jpath_u(fl, "errors_total"), "final", h->final_seen, "workers",
		      copy(fl, "workers"), "messages", copy(fl, "messages"));
	json_object_set_new(o, "lost", json_integer((json_int_t)jpath_u(fl, "lost")));
	json_object_set_new(o, "reconnects", json_integer((json_int_t)jpath_u(fl, "reconnects")));
	from = json_object_get(fl, "hold_from_s");
	end = json_object_get(fl, "hold_end_s");
	/* by its own clock; a host gone in its hold: from when the coordinator
	 * saw its hold begin to when pdsh said its command ended */
	json_object_set_new(o, "held_s",
			    json_is_number(from) && json_is_number(end)
				    ? json_real(json_number_value(end) - json_number_value(from))
			    : fleet_host_gone(h) && h->hold_from_s >= 0
				    ? json_real(h->ended_s - h->hold_from_s)
				    : json_null());
	/* by the coordinator's clock: when its hold and its end were seen */
	json_object_set_new(o, "hold_seen_s",
			    h->hold_from_s >= 0 ? json_real(h->hold_from_s) : json_null());
	json_object_set_new(o, "hold_end_seen_s",
			    h->hold_end_s >= 0 ? json_real(h->hold_end_s) : json_null());
	json_object_set_new(o, "final_seen_s",
			    h->final_s >= 0 ? json_real(h->final_s) : json_null());
	/* whether its hold ended at the coordinator's word (or its bound) */
	json_object_set_new(o, "end_told", copy(fl, "end_told"));
	json_object_set_new(o, "hists", flood_hists(fl));
	return o;
}

static json_t *host_server(const struct fhost *h)
{
	json_t *sv = h->last;

	if (!sv)
		return json_null();
	return json_pack(
		"{s:I, s:I, s:I, s:I, s:o}", "accepted", (json_int_t)jpath_u(sv, "accepted"),
		"open", (json_int_t)jpath_u(sv, "open"), "open_peak", (json_int_t)h->peak_open,
		"listening", (json_int_t)jpath_u(sv, "listening"), "errors", copy(sv, "errors"));
}

/* Its kernel, from connlab watch there. */
static json_t *host_kernel(const struct fhost *h)
{
	json_t *k, *peak, *sp;

	if (!h->watch)
		return json_null();
	peak = json_pack("{s:I, s:I}", "ESTABLISHED", (json_int_t)h->peak_estab, "TIME_WAIT",
			 (json_int_t)h->peak_tw);
	for (int s = 1; s < ST_MAX; s++)
		if (s != ST_ESTABLISHED && s != ST_TIME_WAIT)
			json_object_set_new(peak, sampler_state_name(s),
					    json_integer((json_int_t)h->peak_state[s]));
	sp = h->have_svc ? json_object() : json_null();
	for (int s = 1; h->have_svc && s < ST_MAX; s++)
		json_object_set_new(sp, sampler_state_name(s),
				    json_integer((json_int_t)h->peak_svc[s]));
	k = json_pack("{s:o, s:o, s:O, s:I, s:I}", "peak", peak, "service_peak", sp, "last",
		      h->watch, "tcp_mem_pages_peak", (json_int_t)h->peak_mem_pages,
		      "accept_queue_peak", (json_int_t)h->peak_aq);
	return k;
}

/* The coordinator's word of the end there: null when it was not told;
 * the exit code of connlab flood --end there (pdsh names the ones that
 * were not 0; the others are 0 when pdsh ended on its own) and its words. */
static json_t *host_end(const struct fleet *f, const struct fhost *h)
{
	const struct pdsh_proc *p = &f->pr[ROUND_END];
	json_t *code = h->end_exit >= 0			    ? json_integer(h->end_exit)
		       : p->pid > 0 && WIFEXITED(p->status) ? json_integer(0)
							    : json_null();

	if (!h->end_sent) {
		json_decref(code);
		return json_null();
	}
	return json_pack("{s:b, s:o, s:o}", "told", 1, "exit_code", code, "said",
			 h->end_said[0] ? json_string(h->end_said) : json_null());
}

static json_t *host_json(struct fleet *f, struct fhost *h)
{
	const struct fleet_host_plan *hp = h->rank >= 0 ? &f->fp->host[h->rank] : NULL;
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(h->name));
	json_object_set_new(o, "role", json_string(hp ? "load" : "server"));
	json_object_set_new(o, "rank", hp ? json_integer(h->rank) : json_null());
	json_object_set_new(o, "state", json_string(h->state));
	json_object_set_new(o, "why", h->why[0] ? json_string(h->why) : json_null());
	json_object_set_new(o, "exit_code",
			    h->exit_code >= 0 ? json_integer(h->exit_code) : json_null());
	/* when its command ended before its final line (coordinator's clock) */
	json_object_set_new(o, "ended_s",
			    fleet_host_gone(h) ? json_real(round(h->ended_s * 10) / 10)
					       : json_null());
	json_object_set_new(o, "connlab", copy(h->check, "connlab"));
	if (hp) {
		json_object_set_new(
			o, "share",
			json_pack("{s:I, s:o, s:s, s:I, s:i}", "connections",
				  (json_int_t)hp->connections, "rate",
				  hp->rate ? json_integer((json_int_t)hp->rate) : json_null(),
				  "sources", hp->sources, "source_addresses", (json_int_t)hp->nsrc,
				  "floods_planned", (int)hp->floods));
		json_object_set_new(o, "flood", host_flood(h));
		json_object_set_new(o, "end", host_end(f, h));
	} else {
		json_object_set_new(o, "server", host_server(h));
	}
	json_object_set_new(o, "kernel", host_kernel(h));
	json_object_set_new(o, "messages", json_incref(h->msgs));
	return o;
}

/* The sums over the load hosts. */
struct sums {
	uint64_t made, errs, open, sent, replies, missing, blocked, tw, cw, mem;
	unsigned ran, failed;
	double ramp;
};

static void sums_add(struct sums *s, const struct fhost *h, json_t *errors)
{
	json_t *l = h->last, *r = json_object_get(l, "ramp_s");

	if (!strcmp(h->state, "done") || !strcmp(h->state, "stopped"))
		s->ran++;
	else
		s->failed++;
	s->made += jpath_u(l, "established");
	s->open += jpath_u(l, "open");
	s->errs += jpath_u(l, "errors_total");
	s->sent += jpath_u(l, "messages.sent");
	s->replies += jpath_u(l, "messages.replies");
	s->missing += jpath_u(l, "messages.missing");
	s->blocked += jpath_u(l, "messages.send_blocked");
	s->tw = h->peak_tw > s->tw ? h->peak_tw : s->tw;
	s->cw = h->peak_state[ST_CLOSE_WAIT] > s->cw ? h->peak_state[ST_CLOSE_WAIT] : s->cw;
	s->mem += h->peak_mem_pages;
	if (json_is_number(r) && json_number_value(r) > s->ramp)
		s->ramp = json_number_value(r);
	errors_add(errors, json_object_get(l, "errors"));
}

static json_t *plan_json(const struct fleet *f)
{
	const struct lab *lab = f->lab;

	return json_pack("{s:I, s:i, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s}", "connections",
			 (json_int_t)f->fp->connections, "hosts", (int)f->fp->nhosts, "transport",
			 lab->fleet.transport == FLEET_EXEC ? "exec" : "ssh", "target",
			 f->fp->target_text, "family", f->fp->six ? "ipv6" : "ipv4", "client_mode",
			 client_mode_name(lab->client_mode), "server_mode",
			 f->srv && lab->fleet.server == FLEET_SERVER_START
				 ? server_mode_name(lab->server_mode)
				 : "yours",
			 "server_ports", (int)lab->ports.n, "server_host",
			 f->srv ? f->srv->name : "", "reconnect",
			 reconnect_mode_names[lab->reconnect]);
}

static json_t *srv_peak(const struct fleet *f)
{
	return f->srv && f->srv->watch ? json_integer((json_int_t)f->peak_srv_estab) : json_null();
}

/* connections, totals, peaks */
static void figures_json(const struct fleet *f, const struct sums *s, json_t *j)
{
	json_object_set_new(
		j, "connections",
		json_pack("{s:I, s:I, s:I, s:I, s:o, s:o}", "target",
			  (json_int_t)f->fp->connections, "made", (json_int_t)s->made,
			  "established_peak", (json_int_t)f->peak_sum_estab, "established_final",
			  (json_int_t)f->final_sum_estab, "ramp_s",
			  s->ramp >= 0 ? json_real(s->ramp) : json_null(), "ramp_rate",
			  s->ramp > 0 ? json_real((double)s->made / s->ramp) : json_null()));
	json_object_set_new(
		j, "totals",
		json_pack("{s:i, s:i, s:i, s:I, s:I, s:I, s:I, s:o}", "hosts", (int)f->nload,
			  "hosts_ran", (int)s->ran, "hosts_failed", (int)s->failed, "established",
			  (json_int_t)s->made, "open_final", (json_int_t)s->open,
			  "kernel_established_peak", (json_int_t)f->peak_sum_estab, "errors_total",
			  (json_int_t)s->errs, "server_kernel_established_peak", srv_peak(f)));
	json_object_set_new(j, "peaks",
			    json_pack("{s:I, s:o, s:I, s:I, s:I}", "established_clients",
				      (json_int_t)f->peak_sum_estab, "established_server",
				      srv_peak(f), "time_wait", (json_int_t)s->tw, "close_wait",
				      (json_int_t)s->cw, "tcp_mem_pages", (json_int_t)s->mem));
	if (f->srv && f->srv->watch)
		json_object_set_new(json_object_get(j, "peaks"), "syn_recv",
				    json_integer((json_int_t)f->srv->peak_state[ST_SYN_RECV]));
}

static json_t *secs(double s)
{
	return s >= 0 ? json_real(round(s * 1000) / 1000) : json_null();
}

/* The hosts' one hold: the end set and told by the coordinator, and how
 * long every host that held held together. */
static json_t *hold_json(const struct fleet *f)
{
	if (f->lab->client_mode != CLIENT_HOLD)
		return json_null();
	return json_pack("{s:f, s:o, s:o, s:o, s:f}", "duration_s",
			 (double)f->lab->duration_us / 1e6, "together_s",
			 secs(fleet_held_together_s(f)), "end_set_s", secs(f->end_at_s),
			 "end_told_s", secs(f->told_s), "bound_s",
			 (double)fleet_hold_bound_us(f->lab) / 1e6);
}

static json_t *messages_json(struct fleet *f, const struct sums *s)
{
	json_t *m;

	if (!f->lab->message[0])
		return json_null();
	m = json_pack("{s:I, s:I, s:I, s:I, s:n}", "sent", (json_int_t)s->sent, "replies",
		      (json_int_t)s->replies, "missing", (json_int_t)s->missing, "send_blocked",
		      (json_int_t)s->blocked, "rate_hold_per_s");
	json_object_set_new(m, "reply", merged_hist(f, "reply_hist"));
	return m;
}

/* schema, lab, the coordinator's host, what a fleet cannot measure, phases */
static void head_json(struct fleet *f, json_t *j)
{
	json_t *host = run_host_json(procfs_nofile_hard()), *un;

	run_result_open(j, f->lab, "fleet");
	json_object_set_new(host, "role", json_string("coordinator: the probes run here"));
	json_object_set_new(j, "host", host);
	json_object_set_new(j, "rootless", json_false());
	un = json_pack(
		"{s:s, s:s}", "slab_caches",
		"a fleet's hosts report sockstat, not /proc/slabinfo: kernel memory per connection is not measured",
		"kernel_log", "the hosts' kernel logs are not read");
	if (f->ping_unavailable[0])
		json_object_set_new(un, "ping", json_string(f->ping_unavailable));
	json_object_set_new(j, "unavailable", un);
	run_result_close(j, f->started_wall, f->outcome, f->reason, &f->ph, f->lab->client_mode);
}

json_t *fleet_result_json(struct fleet *f)
{
	json_t *j = json_object(), *hosts = json_array(), *errors = json_object(), *ping, *probe;
	struct sums s = { .ramp = -1 };

	head_json(f, j);
	for (unsigned i = 0; i < f->nh; i++) {
		json_array_append_new(hosts, host_json(f, &f->h[i]));
		if (&f->h[i] != f->srv)
			sums_add(&s, &f->h[i], errors);
	}
	json_object_set_new(j, "hosts", hosts);
	json_object_set_new(j, "plan", plan_json(f));
	json_object_set_new(j, "hold", hold_json(f));
	figures_json(f, &s, j);
	json_object_set_new(j, "errors", errors);
	json_object_set_new(j, "errors_total", json_integer((json_int_t)s.errs));
	json_object_set_new(j, "connect", merged_hist(f, "connect_hist"));
	json_object_set_new(j, "first_byte", merged_hist(f, "first_byte_hist"));
	json_object_set_new(j, "messages", messages_json(f, &s));
	run_probes_json(f->ph.seen, &f->tally, &ping, &probe);
	json_object_set_new(j, "ping", ping);
	json_object_set_new(j, "probe_connect", probe);
	json_object_set_new(j, "timeline", json_incref(f->tl));
	if (f->nev)
		json_object_set_new(j, "events", fleet_events_json(f));
	json_object_set_new(j, "outdir", json_string(f->outdir));
	return j;
}

/* The rows of a timeline from row `from` on: every column (an array, also
 * under an object: states, hosts) cut there; the rest as it is. */
static json_t *rows_from(json_t *tl, size_t from)
{
	json_t *out = json_object(), *v;
	const char *k;

	json_object_foreach(tl, k, v)
	{
		if (json_is_array(v)) {
			json_t *a = json_array();

			for (size_t i = from; i < json_array_size(v); i++)
				json_array_append(a, json_array_get(v, i)); /* not changed again */
			json_object_set_new(out, k, a);
		} else if (json_is_object(v)) {
			json_object_set_new(out, k, rows_from(v, from));
		} else {
			json_object_set(out, k, v);
		}
	}
	return out;
}

void fleet_publish(struct fleet *f)
{
	json_t *j, *copy;

	if (!f->o->on_sample)
		return;
	j = fleet_result_json(f);
	json_object_del(j, "timeline");
	copy = json_deep_copy(j); /* the hosts' lines and messages change here */
	json_decref(j);
	json_object_set_new(copy, "timeline", rows_from(f->tl, f->live_rows));
	json_object_set_new(copy, "outcome", json_string("running"));
	f->live_rows = json_array_size(json_object_get(f->tl, "t_s"));
	f->o->on_sample(f->o->sample_arg, copy);
}
