/* SPDX-License-Identifier: MIT */
/* tally.c - a probe's answers, by phase and by interval (run.h). */
#include <stdlib.h>
#include <string.h>

#include "run/run.h"

void probe_tally_init(struct probe_tally *t)
{
	memset(t, 0, sizeof(*t));
	t->iv_ping_max = t->iv_conn_max = -1;
}

void probe_tally_add(struct probe_tally *t, enum phase p, int is_ping, int64_t us)
{
	double ms = (double)us / 1e3;

	if (p >= PH_TEARDOWN)
		return;
	if (!is_ping) {
		if (us < 0) {
			t->fail[p]++;
			t->iv_fail++;
			return;
		}
		hist_add(&t->conn[p], (uint64_t)us);
		if (ms > t->iv_conn_max)
			t->iv_conn_max = ms;
		return;
	}
	t->sent[p]++;
	t->iv_sent++;
	if (us < 0) {
		t->lost[p]++;
		t->iv_lost++;
		return;
	}
	hist_add(&t->ping[p], (uint64_t)us);
	if (ms > t->iv_ping_max)
		t->iv_ping_max = ms;
	if (t->iv_n < sizeof(t->iv_ms) / sizeof(t->iv_ms[0]))
		t->iv_ms[t->iv_n++] = ms;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void probe_tally_reply(struct probe_tally *t, enum phase p, int64_t us)
{
	if (p >= PH_TEARDOWN)
		return;
	if (us < 0) {
		t->reply_missing[p]++;
		return;
	}
	hist_add(&t->reply[p], (uint64_t)us);
	if (t->iv_reply_n < sizeof(t->iv_reply_ms) / sizeof(t->iv_reply_ms[0]))
		t->iv_reply_ms[t->iv_reply_n++] = (double)us / 1e3;
}

double probe_tally_reply_interval(struct probe_tally *t)
{
	double m = -1;

	if (t->iv_reply_n) {
		qsort(t->iv_reply_ms, t->iv_reply_n, sizeof(double), cmp_double);
		m = t->iv_reply_ms[t->iv_reply_n / 2];
	}
	t->iv_reply_n = 0;
	return m;
}

struct probe_interval probe_tally_interval(struct probe_tally *t)
{
	struct probe_interval iv = { .ping_p50_ms = -1,
				     .ping_max_ms = t->iv_ping_max,
				     .conn_max_ms = t->iv_conn_max,
				     .sent = t->iv_sent,
				     .lost = t->iv_lost,
				     .fail = t->iv_fail };

	if (t->iv_n) {
		qsort(t->iv_ms, t->iv_n, sizeof(double), cmp_double);
		iv.ping_p50_ms = t->iv_ms[t->iv_n / 2];
	}
	t->iv_ping_max = t->iv_conn_max = -1;
	t->iv_n = t->iv_sent = t->iv_lost = t->iv_fail = 0;
	return iv;
}

static json_t *hist_json(const struct hist *h)
{
	return json_pack("{s:I, s:f, s:f, s:f, s:f, s:f}", "count", (json_int_t)h->count, "p50_ms",
			 (double)hist_quantile(h, 0.5) / 1e3, "p90_ms",
			 (double)hist_quantile(h, 0.9) / 1e3, "p99_ms",
			 (double)hist_quantile(h, 0.99) / 1e3, "max_ms", (double)h->max / 1e3,
			 "mean_ms", h->count ? (double)h->sum / (double)h->count / 1e3 : 0.0);
}

/* The histogram's buckets as text (hist_text), for what merges or
 * re-buckets them (OpenMetrics); null when it is empty. */
static json_t *buckets_json(const struct hist *h)
{
	size_t len = 24 * HIST_BUCKETS + 64;
	char *buf = h->count ? malloc(len) : NULL;
	json_t *j = buf && hist_text(h, buf, len) ? json_string(buf) : json_null();

	free(buf);
	return j;
}

void run_probes_json(const int *seen, const struct probe_tally *t, json_t **ping_out,
		     json_t **probe_out)
{
	const struct hist *pings = t->ping, *conn = t->conn;
	const uint64_t *sent = t->sent, *lost = t->lost, *fail = t->fail;
	json_t *ping = json_object(), *probe = json_object(), *all;
	struct hist h, c;
	uint64_t s = 0, l = 0, pf = 0;

	memset(&h, 0, sizeof(h));
	memset(&c, 0, sizeof(c));
	for (int p = PH_BEFORE; p <= PH_DRAIN; p++) {
		json_t *ph;

		if (!seen[p])
			continue;
		ph = hist_json(&pings[p]);
		json_object_set_new(ph, "sent", json_integer((json_int_t)sent[p]));
		json_object_set_new(ph, "lost", json_integer((json_int_t)lost[p]));
		json_object_set_new(ph, "loss",
				    sent[p] ? json_real((double)lost[p] / (double)sent[p])
					    : json_null());
		json_object_set_new(ping, phase_name(p, CLIENT_HOLD), ph);
		ph = hist_json(&conn[p]);
		json_object_set_new(ph, "failures", json_integer((json_int_t)fail[p]));
		json_object_set_new(probe, phase_name(p, CLIENT_HOLD), ph);
	}
	/* "quiet": the pings before any lab process started (in the servers
	 * phase, before the servers: run_quiet_start) */
	if (sent[PH_SERVERS]) {
		json_t *q = hist_json(&pings[PH_SERVERS]);

		json_object_set_new(q, "sent", json_integer((json_int_t)sent[PH_SERVERS]));
		json_object_set_new(q, "lost", json_integer((json_int_t)lost[PH_SERVERS]));
		json_object_set_new(q, "loss",
				    json_real((double)lost[PH_SERVERS] / (double)sent[PH_SERVERS]));
		json_object_set_new(ping, "quiet", q);
	}
	/* "all": every phase from before to the drain, seen or not (the
	 * counts of a phase not seen are 0) */
	for (int p = PH_BEFORE; p <= PH_DRAIN; p++) {
		hist_merge(&h, &pings[p]);
		hist_merge(&c, &conn[p]);
		s += sent[p];
		l += lost[p];
		pf += fail[p];
	}
	all = hist_json(&h);
	json_object_set_new(all, "sent", json_integer((json_int_t)s));
	json_object_set_new(all, "lost", json_integer((json_int_t)l));
	json_object_set_new(all, "loss", s ? json_real((double)l / (double)s) : json_null());
	json_object_set_new(all, "buckets", buckets_json(&h));
	json_object_set_new(ping, "all", all);
	all = hist_json(&c);
	json_object_set_new(all, "failures", json_integer((json_int_t)pf));
	json_object_set_new(all, "buckets", buckets_json(&c));
	json_object_set_new(probe, "all", all);
	*ping_out = ping;
	*probe_out = probe;
}

json_t *run_reply_probe_json(const int *seen, const struct probe_tally *t)
{
	json_t *o = json_object(), *all;
	struct hist h;
	uint64_t miss = 0;

	memset(&h, 0, sizeof(h));
	for (int p = PH_BEFORE; p <= PH_DRAIN; p++) {
		json_t *ph;

		hist_merge(&h, &t->reply[p]);
		miss += t->reply_missing[p];
		if (!seen[p])
			continue;
		ph = t->reply[p].count ? hist_json(&t->reply[p]) : json_object();
		json_object_set_new(ph, "count", json_integer((json_int_t)t->reply[p].count));
		json_object_set_new(ph, "missing", json_integer((json_int_t)t->reply_missing[p]));
		json_object_set_new(o, phase_name(p, CLIENT_HOLD), ph);
	}
	if (!h.count && !miss) {
		json_decref(o);
		return json_null();
	}
	all = h.count ? hist_json(&h) : json_object();
	json_object_set_new(all, "count", json_integer((json_int_t)h.count));
	json_object_set_new(all, "missing", json_integer((json_int_t)miss));
	json_object_set_new(o, "all", all);
	return o;
}
