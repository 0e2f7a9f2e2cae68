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
