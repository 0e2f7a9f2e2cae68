/* report.c - the run directory: result.json (schema 1, docs/results.md),
 * timeline.csv, junit.xml, each written to a temporary file and renamed;
 * the expectations judged; the summary on the terminal. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cli.h"
#include "errnames.h"
#include "log.h"
#include "report.h"
#include "run.h"

#ifndef CONNLAB_VERSION
#define CONNLAB_VERSION "0.0.0"
#endif

static const char *const phase_names[PH_COUNT] = {
	"preflight", "build", "servers", "before", "ramp", "hold", "drain", "teardown",
};

/* report.h */
int report_write_atomic(const char *dir, const char *name, void (*fn)(FILE *, void *), void *arg)
{
	char tmp[700], path[700];
	FILE *f;
	int fd, r = 0;

	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		r = -errno;
		log_msg(LOG_ERROR, "cannot write %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return r;
	}
	fn(f, arg);
	if (fflush(f) || fsync(fileno(f)))
		r = -errno;
	if (fclose(f) && !r)
		r = -errno;
	if (!r && rename(tmp, path))
		r = -errno;
	if (r) {
		log_msg(LOG_ERROR, "cannot write %s: %s (disk full?)", path, strerror(-r));
		unlink(tmp);
	}
	return r;
}

/* ---- aggregates ---- */

static struct hist *merged(const struct hist *h, int from, int to)
{
	static struct hist m;

	memset(&m, 0, sizeof(m));
	for (int p = from; p <= to; p++)
		hist_merge(&m, &h[p]);
	return &m;
}

static uint64_t sum_u(const uint64_t *v, int from, int to)
{
	uint64_t s = 0;

	for (int p = from; p <= to; p++)
		s += v[p];
	return s;
}

/* the worst value of key.sub over the flood children (percentiles of
 * several processes cannot be merged from their summaries) */
static double flood_worst(const struct run *r, const char *key, const char *sub)
{
	double worst = NAN;

	for (unsigned i = 0; i < r->nchild; i++) {
		json_t *o = r->child[i].is_flood && r->child[i].last
				    ? json_object_get(r->child[i].last, key)
				    : NULL;
		json_t *v = sub ? json_object_get(o, sub) : o;

		if (json_is_number(v) && (isnan(worst) || json_number_value(v) > worst))
			worst = json_number_value(v);
	}
	return worst;
}

/* Connects that succeeded, by the floods' final counts. */
static uint64_t flood_made(const struct run *r)
{
	uint64_t done = 0;

	for (unsigned i = 0; i < r->nchild; i++) {
		json_t *est = r->child[i].is_flood && r->child[i].last
				      ? json_object_get(r->child[i].last, "established")
				      : NULL;

		done += json_is_integer(est) ? (uint64_t)json_integer_value(est) : 0;
	}
	return done;
}

static uint64_t conntrack_drops(const struct run *r)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < r->topo.n; i++)
		sum += (r->now[i].ct_drop - r->first[i].ct_drop) +
		       (r->now[i].ct_early_drop - r->first[i].ct_early_drop) +
		       (r->now[i].ct_insert_failed - r->first[i].ct_insert_failed);
	return sum;
}

static uint64_t counter_delta(const struct run *r, unsigned ns, size_t idx)
{
	return r->now[ns].counter[idx] - r->first[ns].counter[idx];
}

static double per_conn(const struct run *r, double total)
{
	return r->estab_at_mem ? total / (double)r->estab_at_mem : NAN;
}

/* The measured value of a metric, NAN when the run has none. */
static double actual(const struct run *r, const char *m)
{
	struct hist *ping = merged(r->ping, PH_BEFORE, PH_DRAIN);
	struct hist *pc = merged(r->probe_conn, PH_BEFORE, PH_DRAIN);
	uint64_t sent = sum_u(r->ping_sent, PH_BEFORE, PH_DRAIN);

	if (!strcmp(m, "established"))
		return (double)r->peak_estab_clients;
	if (!strcmp(m, "established.final"))
		return (double)r->final_estab_clients;
	if (!strcmp(m, "time_wait"))
		return (double)r->peak_tw_total;
	if (!strcmp(m, "close_wait"))
		return (double)r->peak_close_wait;
	if (!strcmp(m, "syn_recv"))
		return (double)r->peak_syn_recv;
	if (!strcmp(m, "orphans"))
		return (double)r->peak_orphans;
	if (!strcmp(m, "ramp.time"))
		return r->ramp_s >= 0 ? r->ramp_s * 1e6 : NAN;
	if (!strcmp(m, "ramp.rate"))
		return r->ramp_s > 0 ? (double)(r->lab->client_mode == CLIENT_CHURN
							? flood_made(r)
							: r->plan->connections) /
					       r->ramp_s
				     : NAN;
	if (!strncmp(m, "connect.", 8))
		return flood_worst(r, "connect_us", m + 8);
	if (!strcmp(m, "ping.loss"))
		return sent ? (double)sum_u(r->ping_lost, PH_BEFORE, PH_DRAIN) / (double)sent : NAN;
	if (!strncmp(m, "ping.", 5) && ping->count) {
		const char *q = m + 5;

		return !strcmp(q, "max")
			       ? (double)ping->max
			       : (double)hist_quantile(
					 ping,
					 atof(q + 1) /
						 (q[1] == '9' && q[2] == '9' && q[3] ? 1000 : 100));
	}
	if (!strcmp(m, "probe.connect.failures"))
		return (double)sum_u(r->probe_fail, PH_BEFORE, PH_DRAIN);
	if (!strncmp(m, "probe.connect.", 14) && pc->count) {
		const char *q = m + 14;

		return !strcmp(q, "max") ? (double)pc->max
					 : (double)hist_quantile(pc, atof(q + 1) / 100);
	}
	if (!strcmp(m, "conntrack.count"))
		return (double)r->ct_peak[TOPO_SRV];
	if (!strcmp(m, "conntrack.drops"))
		return (double)conntrack_drops(r);
	if (!strcmp(m, "kernel_log.lines"))
		return (double)(r->nklog + r->klog_dropped);
	if (!strcmp(m, "errors.total"))
		return (double)run_flood_errors(r, NULL);
	if (!strncmp(m, "errors.", 7)) {
		const struct errname *en = errname_by_name(m + 7);
		uint64_t by[ERRNAMES_MAX];

		run_flood_errors(r, by);
		return en ? (double)by[en - errnames] : 0;
	}
	if (!strcmp(m, "memory.kernel_per_conn"))
		return r->slab_hold_kb
			       ? per_conn(r, ((double)r->slab_hold_kb - (double)r->slab_before_kb) *
						     1024)
			       : NAN;
	if (!strcmp(m, "memory.user_per_conn"))
		return r->pss_hold ? per_conn(r, (double)r->pss_hold) : NAN;
	if (!strncmp(m, "counters.", 9)) {
		const char *ns = m + 9, *dot = strchr(ns, '.');
		size_t idx = 0, nl = (size_t)(dot - ns);
		double v = 0;

		for (size_t i = 0; i < expect_counters_count; i++)
			if (!strcmp(expect_counters[i], dot + 1))
				idx = i;
		if (nl == 3 && !strncmp(ns, "srv", 3))
			return (double)counter_delta(r, TOPO_SRV, idx);
		if (nl == 5 && !strncmp(ns, "probe", 5))
			return (double)counter_delta(r, TOPO_PROBE, idx);
		if (nl == 7 && !strncmp(ns, "clients", 7)) {
			for (unsigned i = TOPO_CLIENT0; i < r->topo.n; i++)
				v += (double)counter_delta(r, i, idx);
			return v;
		}
		if (ns[0] == 'c') {
			unsigned k = (unsigned)atoi(ns + 1);

			return TOPO_CLIENT0 + k < r->topo.n
				       ? (double)counter_delta(r, TOPO_CLIENT0 + k, idx)
				       : NAN;
		}
	}
	return NAN;
}

/* ---- result.json ---- */

static json_t *hist_json(const struct hist *h)
{
	return json_pack("{s:I, s:f, s:f, s:f, s:f, s:f}", "count", (json_int_t)h->count, "p50_ms",
			 (double)hist_quantile(h, 0.5) / 1e3, "p90_ms",
			 (double)hist_quantile(h, 0.9) / 1e3, "p99_ms",
			 (double)hist_quantile(h, 0.99) / 1e3, "max_ms", (double)h->max / 1e3,
			 "mean_ms", h->count ? (double)h->sum / (double)h->count / 1e3 : 0.0);
}

static json_t *num_or_null(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

/* The timeline, column by column: what report.html plots (docs/results.md). */
static json_t *timeline_json(const struct run *r)
{
	static const struct {
		const char *name;
		int state;
	} st[] = {
		{ "established", ST_ESTABLISHED }, { "time_wait", ST_TIME_WAIT },
		{ "close_wait", ST_CLOSE_WAIT },   { "syn_sent", ST_SYN_SENT },
		{ "syn_recv", ST_SYN_RECV },	   { "fin_wait1", ST_FIN_WAIT1 },
		{ "fin_wait2", ST_FIN_WAIT2 },	   { "last_ack", ST_LAST_ACK },
		{ "closing", ST_CLOSING },
	};
	json_t *tl = json_object(), *states = json_object(), *errs = json_object();
	json_t *t = json_array(), *ph = json_array(), *ec = json_array(), *es = json_array();
	json_t *conn = json_array(), *etot = json_array(), *pmed = json_array(),
	       *pmax = json_array(), *psent = json_array(), *plost = json_array(),
	       *pc = json_array(), *pcf = json_array(), *slab = json_array(), *lo = json_array(),
	       *aq = json_array(), *ld = json_array(), *ct = json_array(), *ctd = json_array(),
	       *age = json_array(), *orph = json_array();
	json_t *stcol[sizeof(st) / sizeof(st[0])], *ecol[ERRNAMES_MAX] = { NULL };

	for (size_t k = 0; k < sizeof(st) / sizeof(st[0]); k++) {
		stcol[k] = json_array();
		json_object_set_new(states, st[k].name, stcol[k]);
	}
	for (size_t e = 0; e < errnames_count; e++)
		if (r->nrows && r->rows[r->nrows - 1].err[e]) {
			ecol[e] = json_array();
			json_object_set_new(errs, errnames[e].name, ecol[e]);
		}
	for (size_t i = 0; i < r->nrows; i++) {
		const struct row *w = &r->rows[i];

		json_array_append_new(t, json_real(round(w->t * 1000) / 1000));
		json_array_append_new(
			ph, json_string(w->phase == PH_RAMP && r->lab->client_mode == CLIENT_CHURN
						? "churn"
						: phase_names[w->phase]));
		for (size_t k = 0; k < sizeof(st) / sizeof(st[0]); k++)
			json_array_append_new(stcol[k],
					      json_integer((json_int_t)w->state[st[k].state]));
		json_array_append_new(ec, json_integer((json_int_t)w->estab_clients));
		json_array_append_new(es, json_integer((json_int_t)w->estab_srv));
		json_array_append_new(orph, json_integer((json_int_t)w->orphans));
		json_array_append_new(conn, json_integer((json_int_t)w->flood_connected));
		json_array_append_new(etot, json_integer((json_int_t)w->flood_errors));
		for (size_t e = 0; e < errnames_count; e++)
			if (ecol[e])
				json_array_append_new(ecol[e], json_integer((json_int_t)w->err[e]));
		json_array_append_new(pmed, w->ping_p50_ms >= 0 ? json_real(w->ping_p50_ms)
								: json_null());
		json_array_append_new(pmax, w->ping_ms >= 0 ? json_real(w->ping_ms) : json_null());
		json_array_append_new(psent, json_integer(w->ping_sent));
		json_array_append_new(plost, json_integer(w->ping_lost));
		json_array_append_new(pc, w->probe_ms >= 0 ? json_real(w->probe_ms) : json_null());
		json_array_append_new(pcf, json_integer(w->probe_fail));
		json_array_append_new(slab, json_integer((json_int_t)w->slab_kb * 1024));
		json_array_append_new(lo, json_integer((json_int_t)w->listen_overflows));
		json_array_append_new(aq, json_integer((json_int_t)w->accept_queue));
		json_array_append_new(ld, json_integer((json_int_t)w->link_drops));
		json_array_append_new(ct, json_integer((json_int_t)w->conntrack_srv));
		json_array_append_new(ctd, json_integer((json_int_t)w->conntrack_drops));
		json_array_append_new(age, json_real(round(w->states_age_s * 10) / 10));
	}
	json_object_set_new(tl, "interval_s", json_real((double)r->lab->interval_us / 1e6));
	json_object_set_new(tl, "t_s", t);
	json_object_set_new(tl, "phase", ph);
	json_object_set_new(tl, "states", states);
	json_object_set_new(tl, "states_age_s", age);
	json_object_set_new(tl, "established_clients", ec);
	json_object_set_new(tl, "established_server", es);
	json_object_set_new(tl, "orphans_host", orph);
	json_object_set_new(tl, "connected", conn);
	json_object_set_new(tl, "errors_total", etot);
	json_object_set_new(tl, "errors", errs);
	json_object_set_new(tl, "ping_p50_ms", pmed);
	json_object_set_new(tl, "ping_max_ms", pmax);
	json_object_set_new(tl, "pings_sent", psent);
	json_object_set_new(tl, "pings_lost", plost);
	json_object_set_new(tl, "probe_connect_ms", pc);
	json_object_set_new(tl, "probe_connect_failures", pcf);
	json_object_set_new(tl, "slab_bytes", slab);
	json_object_set_new(tl, "listen_overflows", lo);
	json_object_set_new(tl, "accept_queue", aq);
	json_object_set_new(tl, "link_drops", ld);
	json_object_set_new(tl, "conntrack_srv", ct);
	json_object_set_new(tl, "conntrack_drops", ctd);
	return tl;
}

static json_t *result_json(struct run *r, int *failed)
{
	json_t *j = json_object(), *phases = json_array(), *ping = json_object(),
	       *probe = json_object(), *states = json_object(), *counters = json_object(),
	       *expect = json_array(), *errors = json_object(), *host = json_object(),
	       *children = json_array();
	struct utsname u;
	char *labtext = NULL, when[32];
	size_t lablen = 0;
	FILE *mf = open_memstream(&labtext, &lablen);
	struct tm tm;

	lab_write(r->lab, mf);
	fclose(mf);
	gmtime_r(&r->started_wall, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(j, "schema", json_integer(1));
	json_object_set_new(j, "connlab", json_string(CONNLAB_VERSION));
	json_object_set_new(j, "lab",
			    json_pack("{s:s, s:s, s:s}", "name", r->lab->name, "source",
				      r->lab->source, "resolved", labtext ? labtext : ""));
	free(labtext);
	uname(&u);
	json_object_set_new(host, "kernel", json_string(u.release));
	json_object_set_new(host, "machine", json_string(u.machine));
	json_object_set_new(host, "cpus", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
	json_object_set_new(
		host, "memory_bytes",
		json_integer((json_int_t)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE)));
	json_object_set_new(host, "fd_limit", json_integer((json_int_t)r->plan->fd_limit));
	json_object_set_new(j, "host", host);
	json_object_set_new(j, "started", json_string(when));
	json_object_set_new(j, "outcome", json_string(r->outcome));
	json_object_set_new(j, "reason", json_string(r->reason));
	for (int p = 0; p < PH_COUNT; p++)
		if (r->phase_seen[p])
			json_array_append_new(phases,
					      json_pack("{s:s, s:f, s:f}", "name", phase_names[p],
							"start_s", r->phase_t[p][0], "end_s",
							r->phase_t[p][1]));
	json_object_set_new(j, "phases", phases);
	json_object_set_new(j, "plan",
			    json_pack("{s:I, s:i, s:i, s:i, s:i, s:I}", "connections",
				      (json_int_t)r->plan->connections, "client_addresses",
				      r->plan->addresses, "client_namespaces", r->plan->namespaces,
				      "server_workers", r->plan->server_workers, "flood_processes",
				      r->plan->flood_workers, "per_pair_max",
				      (json_int_t)r->plan->per_pair_max));
	json_object_set_new(
		j, "connections",
		json_pack("{s:I, s:I, s:I, s:I, s:o, s:o}", "target",
			  (json_int_t)r->plan->connections, "made", (json_int_t)flood_made(r),
			  "established_peak", (json_int_t)r->peak_estab_clients,
			  "established_final", (json_int_t)r->final_estab_clients, "ramp_s",
			  r->ramp_s >= 0 ? json_real(r->ramp_s) : json_null(), "ramp_rate",
			  r->ramp_s > 0 ? json_real((double)(r->lab->client_mode == CLIENT_CHURN
								     ? flood_made(r)
								     : r->plan->connections) /
						    r->ramp_s)
					: json_null()));
	for (unsigned i = 0; i < r->topo.n; i++) {
		json_t *peak = json_object(), *fin = json_object(), *ctr = json_object();

		json_object_set_new(peak, "ESTABLISHED",
				    json_integer((json_int_t)r->peak_estab[i]));
		json_object_set_new(peak, "TIME_WAIT", json_integer((json_int_t)r->peak_tw[i]));

		json_object_set_new(fin, "ESTABLISHED",
				    json_integer((json_int_t)r->now[i].curr_estab));
		json_object_set_new(fin, "TIME_WAIT", json_integer((json_int_t)r->now[i].tw));
		for (int st = ST_SYN_SENT; st < ST_MAX; st++) {
			if (st == ST_TIME_WAIT || st == ST_CLOSE || st == ST_LISTEN)
				continue;
			json_object_set_new(peak, sampler_state_name(st),
					    json_integer((json_int_t)r->peak_state[i][st]));
			json_object_set_new(fin, sampler_state_name(st),
					    json_integer((json_int_t)r->now[i].state[st]));
		}
		json_object_set_new(states, r->topo.ns[i].name,
				    json_pack("{s:o, s:o}", "peak", peak, "final", fin));
		for (size_t c = 0; c < expect_counters_count; c++)
			json_object_set_new(ctr, expect_counters[c],
					    json_integer((json_int_t)counter_delta(r, i, c)));
		if (i != TOPO_SRV)
			json_object_set_new(
				ctr, "link_drops",
				json_integer((json_int_t)(r->drops_now[i] - r->drops_first[i])));
		json_object_set_new(counters, r->topo.ns[i].name, ctr);
	}
	json_object_set_new(j, "states", states);
	{
		json_t *ct = json_object(), *klog = json_array();

		for (unsigned i = 0; i < r->topo.n; i++) {
			const struct ns_sample *a = &r->first[i], *b = &r->now[i];

			if (!b->have_conntrack)
				continue;
			json_object_set_new(
				ct, r->topo.ns[i].name,
				json_pack("{s:I, s:I, s:I, s:I, s:I}", "peak_count",
					  (json_int_t)r->ct_peak[i], "final_count",
					  (json_int_t)b->ct_count, "drop",
					  (json_int_t)(b->ct_drop - a->ct_drop), "early_drop",
					  (json_int_t)(b->ct_early_drop - a->ct_early_drop),
					  "insert_failed",
					  (json_int_t)(b->ct_insert_failed - a->ct_insert_failed)));
		}
		json_object_set_new(ct, "max_host", json_integer((json_int_t)r->ct_max));
		json_object_set_new(ct, "drops_total",
				    json_integer((json_int_t)conntrack_drops(r)));
		json_object_set_new(j, "conntrack", ct);
		for (unsigned i = 0; i < r->nklog; i++)
			json_array_append_new(klog, json_string(r->klog[i]));
		json_object_set_new(j, "kernel_log", klog);
		json_object_set_new(j, "kernel_log_dropped", json_integer(r->klog_dropped));
	}
	json_object_set_new(j, "orphans_host_peak", json_integer((json_int_t)r->peak_orphans));
	json_object_set_new(j, "peaks",
			    json_pack("{s:I, s:I, s:I, s:I, s:I}", "established_clients",
				      (json_int_t)r->peak_estab_clients, "time_wait",
				      (json_int_t)r->peak_tw_total, "close_wait",
				      (json_int_t)r->peak_close_wait, "syn_recv",
				      (json_int_t)r->peak_syn_recv, "orphans_host",
				      (json_int_t)r->peak_orphans));
	json_object_set_new(j, "counters", counters);
	{
		uint64_t by[ERRNAMES_MAX], total = run_flood_errors(r, by);

		for (size_t e = 0; e < errnames_count; e++)
			if (by[e])
				json_object_set_new(errors, errnames[e].name,
						    json_integer((json_int_t)by[e]));
		json_object_set_new(j, "errors", errors);
		json_object_set_new(j, "errors_total", json_integer((json_int_t)total));
	}
	json_object_set_new(j, "connect_worst_namespace",
			    json_pack("{s:o, s:o, s:o, s:o, s:o}", "p50_us",
				      num_or_null(flood_worst(r, "connect_us", "p50")), "p90_us",
				      num_or_null(flood_worst(r, "connect_us", "p90")), "p99_us",
				      num_or_null(flood_worst(r, "connect_us", "p99")), "p999_us",
				      num_or_null(flood_worst(r, "connect_us", "p999")), "max_us",
				      num_or_null(flood_worst(r, "connect_us", "max"))));
	for (int p = PH_BEFORE; p <= PH_DRAIN; p++) {
		if (!r->phase_seen[p])
			continue;
		json_t *ph = hist_json(&r->ping[p]);

		json_object_set_new(ph, "sent", json_integer((json_int_t)r->ping_sent[p]));
		json_object_set_new(ph, "lost", json_integer((json_int_t)r->ping_lost[p]));
		json_object_set_new(ph, "loss",
				    r->ping_sent[p] ? json_real((double)r->ping_lost[p] /
								(double)r->ping_sent[p])
						    : json_null());
		json_object_set_new(ping, phase_names[p], ph);
		ph = hist_json(&r->probe_conn[p]);
		json_object_set_new(ph, "failures", json_integer((json_int_t)r->probe_fail[p]));
		json_object_set_new(probe, phase_names[p], ph);
	}
	{
		json_t *all = hist_json(merged(r->ping, PH_BEFORE, PH_DRAIN));
		uint64_t sent = sum_u(r->ping_sent, PH_BEFORE, PH_DRAIN);

		json_object_set_new(all, "sent", json_integer((json_int_t)sent));
		json_object_set_new(
			all, "lost",
			json_integer((json_int_t)sum_u(r->ping_lost, PH_BEFORE, PH_DRAIN)));
		json_object_set_new(all, "loss", num_or_null(actual(r, "ping.loss")));
		json_object_set_new(ping, "all", all);
		all = hist_json(merged(r->probe_conn, PH_BEFORE, PH_DRAIN));
		json_object_set_new(
			all, "failures",
			json_integer((json_int_t)sum_u(r->probe_fail, PH_BEFORE, PH_DRAIN)));
		json_object_set_new(probe, "all", all);
	}
	json_object_set_new(j, "ping", ping);
	json_object_set_new(j, "probe_connect", probe);
	json_object_set_new(
		j, "memory",
		json_pack("{s:o, s:o, s:I, s:I, s:I, s:o}", "kernel_slab_per_conn_bytes",
			  num_or_null(actual(r, "memory.kernel_per_conn")),
			  "user_pss_per_conn_bytes", num_or_null(actual(r, "memory.user_per_conn")),
			  "user_pss_bytes", (json_int_t)r->pss_hold, "user_pss_before_bytes",
			  (json_int_t)r->pss_before, "connections_measured",
			  (json_int_t)r->estab_at_mem, "launcher_cpu_hold_percent",
			  r->hold_wall_s > 0 ? json_real(100 * r->cpu_hold_s / r->hold_wall_s)
					     : json_null()));
	json_object_set_new(j, "sampler",
			    json_pack("{s:f, s:f, s:f, s:i}", "state_dump_cost_s", r->dump_cost_s,
				      "state_dump_wall_s", r->dump_wall_s, "last_state_dump_s",
				      r->last_dump_s, "state_dumps", (int)r->ndumps));
	for (unsigned i = 0; i < r->nchild; i++) {
		const struct child *c = &r->child[i];

		json_array_append_new(children,
				      json_pack("{s:s, s:i, s:o}", "name", c->name, "pid",
						(int)c->pid, "last_stats",
						c->last ? json_incref(c->last) : json_null()));
	}
	json_object_set_new(j, "children", children);
	*failed = 0;
	for (unsigned i = 0; i < r->lab->n_expect; i++) {
		const struct expectation *e = &r->lab->expect[i];
		double a = actual(r, e->metric);
		int ok = expect_holds(e, a);

		char v[64];

		*failed += !ok;
		json_array_append_new(
			expect,
			json_pack("{s:s, s:s, s:s, s:f, s:o, s:s, s:s, s:b}", "metric", e->metric,
				  "op", expect_op_name(e->op), "text", e->text, "value", e->value,
				  "actual", num_or_null(a), "actual_text",
				  isnan(a) ? "not measured"
					   : expect_fmt_value(e->unit, a, v, sizeof(v)),
				  "unit", expect_unit_name(e->unit), "holds", ok));
	}
	json_object_set_new(j, "expectations", expect);
	json_object_set_new(j, "outdir", json_string(r->outdir));
	json_object_set_new(j, "timeline", timeline_json(r));
	return j;
}

static void write_json(FILE *f, void *arg)
{
	json_dumpf(arg, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
	fputc('\n', f);
}

static void write_html(FILE *f, void *arg)
{
	json_t *j = arg;
	const char *dir = json_string_value(json_object_get(j, "outdir"));

	report_html(&j, &dir, 1, f);
}

static void write_csv(FILE *f, void *arg)
{
	const struct run *r = arg;

	fprintf(f,
		"t_s,phase,established_clients,established_server,time_wait,close_wait,syn_recv,orphans,"
		"flood_open,flood_connected,flood_errors,server_open,accept_queue,listen_overflows,ping_max_ms,pings_sent,"
		"pings_lost,probe_connect_ms,slab_kb,link_drops,conntrack_srv,conntrack_drops,states_age_s\n");
	for (size_t i = 0; i < r->nrows; i++) {
		const struct row *w = &r->rows[i];

		fprintf(f, "%.3f,%s,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,",
			w->t,
			w->phase == PH_RAMP && r->lab->client_mode == CLIENT_CHURN
				? "churn"
				: phase_names[w->phase],
			(unsigned long long)w->estab_clients, (unsigned long long)w->estab_srv,
			(unsigned long long)w->time_wait, (unsigned long long)w->close_wait,
			(unsigned long long)w->syn_recv, (unsigned long long)w->orphans,
			(unsigned long long)w->flood_open, (unsigned long long)w->flood_connected,
			(unsigned long long)w->flood_errors, (unsigned long long)w->server_open,
			(unsigned long long)w->accept_queue,
			(unsigned long long)w->listen_overflows);
		if (w->ping_ms >= 0)
			fprintf(f, "%.3f", w->ping_ms);
		fprintf(f, ",%u,%u,", w->ping_sent, w->ping_lost);
		if (w->probe_ms >= 0)
			fprintf(f, "%.3f", w->probe_ms);
		fprintf(f, ",%llu,%llu,%llu,%llu,%.1f\n", (unsigned long long)w->slab_kb,
			(unsigned long long)w->link_drops, (unsigned long long)w->conntrack_srv,
			(unsigned long long)w->conntrack_drops, w->states_age_s);
	}
}

static void write_junit(FILE *f, void *arg)
{
	struct run *r = arg;
	unsigned failures = 0;
	char v[64];

	for (unsigned i = 0; i < r->lab->n_expect; i++)
		failures += !expect_holds(&r->lab->expect[i], actual(r, r->lab->expect[i].metric));
	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n<testsuite name=\"connlab.");
	report_xml_escape(f, r->lab->name);
	fprintf(f, "\" tests=\"%u\" failures=\"%u\" errors=\"%d\">\n", r->lab->n_expect + 1,
		failures, r->exit_status == EXIT_CANNOT_RUN);
	fprintf(f, "  <testcase classname=\"connlab.");
	report_xml_escape(f, r->lab->name);
	fprintf(f, "\" name=\"run completes\">");
	if (r->exit_status == EXIT_CANNOT_RUN || r->exit_status == EXIT_INTERRUPTED) {
		fprintf(f, "<error message=\"");
		report_xml_escape(f, r->reason);
		fprintf(f, "\"/>");
	}
	fprintf(f, "</testcase>\n");
	for (unsigned i = 0; i < r->lab->n_expect; i++) {
		const struct expectation *e = &r->lab->expect[i];
		double a = actual(r, e->metric);

		fprintf(f, "  <testcase classname=\"connlab.");
		report_xml_escape(f, r->lab->name);
		fprintf(f, "\" name=\"");
		report_xml_escape(f, e->metric);
		fputc(' ', f);
		report_xml_escape(f, expect_op_name(e->op));
		fputc(' ', f);
		report_xml_escape(f, e->text);
		fprintf(f, "\">");
		if (!expect_holds(e, a)) {
			fprintf(f, "<failure message=\"actual: ");
			report_xml_escape(f, isnan(a) ? "not measured"
						      : expect_fmt_value(e->unit, a, v, sizeof(v)));
			fprintf(f, "\"/>");
		}
		fprintf(f, "</testcase>\n");
	}
	fprintf(f, "</testsuite>\n</testsuites>\n");
}

int report_write(struct run *r)
{
	int failed = 0, bad = 0;
	json_t *j = result_json(r, &failed);

	if (!r->exit_status && failed) {
		r->exit_status = EXIT_EXPECT_FAILED;
		json_object_set_new(j, "outcome", json_string("expectations failed"));
	}
	json_object_set_new(j, "exit_status", json_integer(r->exit_status));
	bad |= report_write_atomic(r->outdir, "timeline.csv", write_csv, r);
	bad |= report_write_atomic(r->outdir, "junit.xml", write_junit, r);
	bad |= report_write_atomic(r->outdir, "result.json", write_json, j);
	bad |= report_write_atomic(r->outdir, "report.html", write_html, j);
	report_summary(j, stdout);
	json_decref(j);
	if (bad && !r->exit_status)
		r->exit_status = EXIT_CANNOT_RUN;
	return r->exit_status;
}
