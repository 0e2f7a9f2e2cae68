/* SPDX-License-Identifier: MIT */
/* timeline.c - result.json's timeline, column by column: what report.html
 * plots (docs/results.md). Most columns are a field of every sample row,
 * named in one table with how it is written; the states, the errors by
 * name, the probes' columns and the families' are built beside it. */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "run/launcher.h"
#include "util/errnames.h"

static json_t *ms_or_null(double ms)
{
	return ms >= 0 ? json_real(ms) : json_null();
}

/* A probe's interval columns: k 0, the probe of the lab's family; k 1, the
 * IPv6 probe of a dual-stack lab (its names with a 6). */
static void probe_columns(json_t *tl, const struct run *r, size_t from, int k)
{
	static const char *const name[2][6] = {
		{ "ping_p50_ms", "ping_max_ms", "pings_sent", "pings_lost", "probe_connect_ms",
		  "probe_connect_failures" },
		{ "ping6_p50_ms", "ping6_max_ms", "pings6_sent", "pings6_lost", "probe_connect6_ms",
		  "probe_connect6_failures" },
	};
	json_t *col[6];

	for (int c = 0; c < 6; c++) {
		col[c] = json_array();
		json_object_set_new(tl, name[k][c], col[c]);
	}
	for (size_t i = from; i < r->nrows; i++) {
		const struct probe_interval *p = &r->rows[i].probe[k];

		json_array_append_new(col[0], ms_or_null(p->ping_p50_ms));
		json_array_append_new(col[1], ms_or_null(p->ping_max_ms));
		json_array_append_new(col[2], json_integer(p->sent));
		json_array_append_new(col[3], json_integer(p->lost));
		json_array_append_new(col[4], ms_or_null(p->conn_max_ms));
		json_array_append_new(col[5], json_integer(p->fail));
	}
}

/* How a row's field goes into its column. */
enum col_kind {
	COL_U64,   /* a count */
	COL_KB,	   /* kilobytes, written as bytes */
	COL_MS,	   /* milliseconds, null when negative (none) */
	COL_US,	   /* microseconds, null when negative (none) */
	COL_MS3,   /* milliseconds as they are */
	COL_AGE_S, /* seconds, to a tenth */
	COL_T,	   /* seconds, to a millisecond */
};

static const struct col {
	const char *name;
	size_t off;
	enum col_kind kind;
} cols[] = {
	{ "established_server", offsetof(struct row, estab_srv), COL_U64 },
	{ "orphans_host", offsetof(struct row, orphans), COL_U64 },
	{ "tcp_mem_pages", offsetof(struct row, tcp_pages), COL_U64 },
	{ "connected", offsetof(struct row, flood_connected), COL_U64 },
	{ "messages_sent", offsetof(struct row, messages_sent), COL_U64 },
	{ "tls_handshakes", offsetof(struct row, tls_handshakes), COL_U64 },
	{ "tls_failed", offsetof(struct row, tls_failed), COL_U64 },
	{ "replies", offsetof(struct row, replies), COL_U64 },
	{ "replies_missing", offsetof(struct row, replies_missing), COL_U64 },
	{ "reply_p50_ms", offsetof(struct row, reply_p50_ms), COL_MS },
	{ "reply_p99_ms", offsetof(struct row, reply_p99_ms), COL_MS },
	{ "probe_reply_ms", offsetof(struct row, probe_reply_ms), COL_MS },
	{ "errors_total", offsetof(struct row, flood_errors), COL_U64 },
	{ "slab_bytes", offsetof(struct row, slab_kb), COL_KB },
	{ "listen_overflows", offsetof(struct row, listen_overflows), COL_U64 },
	{ "accept_queue", offsetof(struct row, accept_queue), COL_U64 },
	{ "link_drops", offsetof(struct row, link_drops), COL_U64 },
	{ "conntrack_srv", offsetof(struct row, conntrack_srv), COL_U64 },
	{ "conntrack_drops", offsetof(struct row, conntrack_drops), COL_U64 },
	{ "syn_recv_server", offsetof(struct row, syn_recv), COL_U64 },
	{ "flood_open", offsetof(struct row, flood_open), COL_U64 },
	{ "server_open", offsetof(struct row, server_open), COL_U64 },
	{ "mem_available_bytes", offsetof(struct row, mem_available_kb), COL_KB },
	{ "mem_free_bytes", offsetof(struct row, mem_free_kb), COL_KB },
	{ "mem_pinned_bytes", offsetof(struct row, mem_pinned_kb), COL_KB },
	{ "mem_usable_bytes", offsetof(struct row, mem_usable_kb), COL_KB },
	{ "closed_by_server", offsetof(struct row, closed_by_peer), COL_U64 },
	{ "connect_mean_us", offsetof(struct row, connect_mean_us), COL_US },
	{ "sample_lag_ms", offsetof(struct row, sample_lag_ms), COL_MS3 },
};

static json_t *cell(const struct row *w, const struct col *c)
{
	const char *p = (const char *)w + c->off;
	uint64_t u;
	double d;

	switch (c->kind) {
	case COL_U64:
	case COL_KB:
		memcpy(&u, p, sizeof(u));
		return json_integer((json_int_t)(c->kind == COL_KB ? u * 1024 : u));
	default:
		memcpy(&d, p, sizeof(d));
		if (c->kind == COL_MS)
			return ms_or_null(d);
		if (c->kind == COL_US)
			return d >= 0 ? json_real(d) : json_null();
		if (c->kind == COL_T)
			return json_real(round(d * 1000) / 1000);
		return json_real(c->kind == COL_AGE_S ? round(d * 10) / 10 : d);
	}
}

static json_t *column(const struct run *r, size_t from, const struct col *c)
{
	json_t *a = json_array();

	for (size_t i = from; i < r->nrows; i++)
		json_array_append_new(a, cell(&r->rows[i], c));
	return a;
}

/* the states' columns (every lab namespace) */
static json_t *states_json(const struct run *r, size_t from)
{
	json_t *states = json_object();

	for (size_t k = 0; k < STATE_COLS; k++) {
		json_t *a = json_array();
		int s = sampler_state_index(state_cols[k].label);

		for (size_t i = from; i < r->nrows; i++)
			json_array_append_new(a, json_integer((json_int_t)r->rows[i].state[s]));
		json_object_set_new(states, state_cols[k].col, a);
	}
	return states;
}

/* the floods' errors by name: the names that happened (by the last row:
 * the counts only grow, so a name absent from rows before was 0 there) */
static json_t *errors_json(const struct run *r, size_t from)
{
	json_t *errs = json_object();

	for (size_t e = 0; e < errnames_count; e++) {
		json_t *a;

		if (!r->nrows || !r->rows[r->nrows - 1].err[e])
			continue;
		a = json_array();
		for (size_t i = from; i < r->nrows; i++)
			json_array_append_new(a, json_integer((json_int_t)r->rows[i].err[e]));
		json_object_set_new(errs, errnames[e].name, a);
	}
	return errs;
}

/* replies counted missing in each interval */
static json_t *missing_per_interval(const struct run *r, size_t from)
{
	json_t *a = json_array();

	for (size_t i = from; i < r->nrows; i++) {
		const struct row *w = &r->rows[i];
		uint64_t before = i ? w[-1].replies_missing : 0;

		json_array_append_new(
			a, json_integer((json_int_t)(w->replies_missing >= before
							     ? w->replies_missing - before
							     : 0)));
	}
	return a;
}

/* the TCP sockets in use by family, on the client side */
static void families_json(const struct run *r, size_t from, json_t *tl)
{
	json_t *i4 = json_array(), *i6 = json_array();

	for (size_t k = from; k < r->nrows; k++) {
		json_array_append_new(i4, json_integer((json_int_t)r->rows[k].inuse4_clients));
		json_array_append_new(i6, json_integer((json_int_t)r->rows[k].inuse6_clients));
	}
	json_object_set_new(tl, "inuse_ipv4_clients", i4);
	json_object_set_new(tl, "inuse_ipv6_clients", i6);
}

json_t *run_timeline_json(const struct run *r, size_t from)
{
	static const struct col t = { "t_s", offsetof(struct row, t), COL_T },
				age = { "states_age_s", offsetof(struct row, states_age_s),
					COL_AGE_S },
				estab = { "established_clients",
					  offsetof(struct row, estab_clients), COL_U64 };
	json_t *tl = json_object(), *ph = json_array(), *ts = column(r, from, &t);

	for (size_t i = from; i < r->nrows; i++)
		json_array_append_new(
			ph, json_string(phase_name(r->rows[i].phase, r->lab->client_mode)));
	json_object_set_new(tl, "interval_s", json_real((double)r->lab->interval_us / 1e6));
	json_object_set_new(tl, "t_s", ts);
	json_object_set_new(tl, "phase", ph);
	json_object_set_new(tl, "states", states_json(r, from));
	json_object_set_new(tl, "states_age_s", column(r, from, &age));
	json_object_set_new(tl, "established_clients", column(r, from, &estab));
	if (r->lab->family != FAMILY_IPV4)
		families_json(r, from, tl);
	if (r->lab->family == FAMILY_DUAL) /* the IPv6 probe's, as the IPv4 one's */
		probe_columns(tl, r, from, 1);
	for (size_t k = 0; k < sizeof(cols) / sizeof(cols[0]); k++) {
		json_object_set_new(tl, cols[k].name, column(r, from, &cols[k]));
		if (!strcmp(cols[k].name, "replies_missing"))
			json_object_set_new(tl, "replies_missing_interval",
					    missing_per_interval(r, from));
		if (!strcmp(cols[k].name, "errors_total")) {
			json_object_set_new(tl, "errors", errors_json(r, from));
			probe_columns(tl, r, from, 0);
		}
	}
	return tl;
}
