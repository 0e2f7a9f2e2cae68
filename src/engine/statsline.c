/* SPDX-License-Identifier: MIT */
/* statsline.c - the stats line a supervisor prints every interval: its
 * workers' counters summed and their histograms merged (docs/engines.md
 * gives the format). */
#define _GNU_SOURCE
#include <string.h>
#include <unistd.h>

#include "engine/supervisor.h"
#include "util/clock.h"
#include "util/errnames.h"
#include "util/log.h"
#include "util/text.h"

static const char *const phase_names[PHASE_COUNT] = { "bind", "connect", "established", "accept",
						      "handshake" };

/* When the last worker's share was up, or 0 while one's is not. */
uint64_t reached_ns(const struct supervisor *s)
{
	uint64_t latest = 0;

	for (unsigned w = 0; w < s->o->workers; w++) {
		uint64_t r = __atomic_load_n(&s->stats[w].target_reached_ns, __ATOMIC_RELAXED);

		if (!r)
			return 0;
		if (r > latest)
			latest = r;
	}
	return latest;
}

/* TLS's counters; the first words given for each reason */
static void sum_tls(struct engine_stats *sum, const struct engine_stats *st)
{
	sum->tls_handshakes += st->tls_handshakes;
	sum->tls_resumed += st->tls_resumed;
	sum->tls_offered += st->tls_offered;
	sum->tls_handshaking += st->tls_handshaking;
	hist_merge(&sum->handshake_us, &st->handshake_us);
	for (unsigned r = 0; r < TLS_R_COUNT; r++) {
		uint32_t n = __atomic_load_n(&st->tls_error_len[r], __ATOMIC_ACQUIRE);

		sum->tls_errors[r] += st->tls_errors[r];
		if (!sum->tls_error_len[r] && n) {
			memcpy(sum->tls_error_text[r], st->tls_error_text[r], n);
			sum->tls_error_len[r] = n;
		}
	}
}

static void sum_stats(const struct supervisor *s, struct engine_stats *sum, uint64_t *reached)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned w = 0; w < s->o->workers; w++) {
		const struct engine_stats *st = &s->stats[w];

		sum->opened += st->opened;
		sum->established += st->established;
		sum->established6 += st->established6;
		sum->open += st->open;
		sum->connecting += st->connecting;
		sum->closed += st->closed;
		sum->closed_by_peer += st->closed_by_peer;
		sum->bytes_in += st->bytes_in;
		sum->bytes_out += st->bytes_out;
		sum->lines_in += st->lines_in;
		sum->listening += st->listening;
		sum->rss_bytes += st->rss_bytes;
		sum->rss_start_bytes += st->rss_start_bytes;
		if (st->other_errno)
			sum->other_errno = st->other_errno;
		for (unsigned e = 0; e < ENGINE_ERR_SLOTS; e++)
			for (unsigned p = 0; p < PHASE_COUNT; p++)
				sum->errors[e][p] += st->errors[e][p];
		hist_merge(&sum->connect_us, &st->connect_us);
		hist_merge(&sum->peer_close_life_us, &st->peer_close_life_us);
		hist_merge(&sum->first_byte_us, &st->first_byte_us);
		hist_merge(&sum->reply_us, &st->reply_us);
		hist_merge(&sum->send_lag_us, &st->send_lag_us);
		sum->messages_sent += st->messages_sent;
		sum->replies += st->replies;
		sum->replies_missing += st->replies_missing;
		sum->send_blocked += st->send_blocked;
		sum->lost += st->lost;
		sum->reconnects += st->reconnects;
		sum->waiting += st->waiting;
		hist_merge(&sum->reconnect_wait_us, &st->reconnect_wait_us);
		sum->cpu_ns += st->cpu_ns;
		sum_tls(sum, st);
		if (!sum->peer_sample_len) {
			uint32_t n = __atomic_load_n(&st->peer_sample_len, __ATOMIC_ACQUIRE);

			memcpy(sum->peer_sample, st->peer_sample, n);
			sum->peer_sample_len = n;
		}
	}
	*reached = reached_ns(s);
}

static json_t *hist_json(const struct hist *h)
{
	return json_pack(
		"{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "count", (json_int_t)h->count, "p50",
		(json_int_t)hist_quantile(h, 0.5), "p90", (json_int_t)hist_quantile(h, 0.9), "p99",
		(json_int_t)hist_quantile(h, 0.99), "p999", (json_int_t)hist_quantile(h, 0.999),
		"max", (json_int_t)h->max, "mean", (json_int_t)(h->count ? h->sum / h->count : 0));
}

/* the supervisor's own: time, role, the hold's times */
static void stats_head(const struct supervisor *s, json_t *j, uint64_t now)
{
	json_object_set_new(j, "t", json_real((double)(now - s->start_ns) / 1e9));
	json_object_set_new(j, "role", json_string(s->o->role));
	json_object_set_new(j, "pid", json_integer(getpid()));
	json_object_set_new(j, "workers", json_integer(s->o->workers));
	if (s->o->share)
		json_object_set_new(j, "share", json_string(s->o->share));
	if (!s->o->hold_us)
		return;
	json_object_set_new(j, "hold_s", json_real((double)s->o->hold_us / 1e6));
	json_object_set_new(j, "hold_from_s",
			    s->hold_from_ns
				    ? json_real((double)(s->hold_from_ns - s->start_ns) / 1e9)
				    : json_null());
	json_object_set_new(j, "hold_end_s",
			    s->hold_end_ns ? json_real((double)(s->hold_end_ns - s->start_ns) / 1e9)
					   : json_null());
	json_object_set_new(j, "ramp_timed_out", json_boolean(s->ramp_timed_out));
	if (s->o->end_name)
		json_object_set_new(j, "end_told", json_boolean(s->told));
}

/* the histograms' buckets themselves, so that the launcher merges the
 * flood processes exactly; and the messages */
static void stats_hists(const struct engine_stats *sum, json_t *j)
{
	static char ht[16384];

	if (hist_text(&sum->connect_us, ht, sizeof(ht)))
		json_object_set_new(j, "connect_hist", json_string(ht));
	if (sum->first_byte_us.count && hist_text(&sum->first_byte_us, ht, sizeof(ht)))
		json_object_set_new(j, "first_byte_hist", json_string(ht));
	if (sum->reconnect_wait_us.count && hist_text(&sum->reconnect_wait_us, ht, sizeof(ht)))
		json_object_set_new(j, "reconnect_wait_hist", json_string(ht));
	if (!sum->messages_sent && !sum->replies && !sum->replies_missing)
		return;
	json_object_set_new(
		j, "messages",
		json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "sent",
			  (json_int_t)sum->messages_sent, "replies", (json_int_t)sum->replies,
			  "missing", (json_int_t)sum->replies_missing, "send_blocked",
			  (json_int_t)sum->send_blocked, "reply_p50_us",
			  (json_int_t)hist_quantile(&sum->reply_us, 0.5), "reply_p99_us",
			  (json_int_t)hist_quantile(&sum->reply_us, 0.99), "reply_max_us",
			  (json_int_t)sum->reply_us.max));
	if (hist_text(&sum->reply_us, ht, sizeof(ht)))
		json_object_set_new(j, "reply_hist", json_string(ht));
	if (sum->send_lag_us.count && hist_text(&sum->send_lag_us, ht, sizeof(ht)))
		json_object_set_new(j, "send_lag_hist", json_string(ht));
}

/* TLS: handshakes (the flood's latency, its buckets for an exact merge),
 * resumption, failures by reason with the library's words */
static void stats_tls(const struct supervisor *s, const struct engine_stats *sum, json_t *j)
{
	static char ht[16384];
	json_t *t = json_object(), *errs = json_object(), *texts = json_object();
	int flood = strcmp(s->o->role, "server") != 0;

	json_object_set_new(t, "handshakes", json_integer((json_int_t)sum->tls_handshakes));
	json_object_set_new(t, "resumed", json_integer((json_int_t)sum->tls_resumed));
	if (flood)
		json_object_set_new(t, "offered", json_integer((json_int_t)sum->tls_offered));
	json_object_set_new(t, "handshaking", json_integer((json_int_t)sum->tls_handshaking));
	for (unsigned r = 0; r < TLS_R_COUNT; r++) {
		char text[sizeof(sum->tls_error_text[0]) * 4 + 1];

		if (!sum->tls_errors[r])
			continue;
		json_object_set_new(errs, tls_reason_names[r],
				    json_integer((json_int_t)sum->tls_errors[r]));
		json_object_set_new(
			texts, tls_reason_names[r],
			json_string(text_escape(sum->tls_error_text[r], sum->tls_error_len[r], text,
						sizeof(text))));
	}
	json_object_set_new(t, "errors", errs);
	json_object_set_new(t, "error_text", texts);
	if (flood) {
		json_object_set_new(t, "handshake_us", hist_json(&sum->handshake_us));
		if (hist_text(&sum->handshake_us, ht, sizeof(ht)))
			json_object_set_new(t, "handshake_hist", json_string(ht));
	}
	json_object_set_new(j, "tls", t);
}

/* a flood's: its connections, what the servers closed, connect times */
static void stats_flood(const struct supervisor *s, const struct engine_stats *sum,
			uint64_t reached, json_t *j)
{
	char sample[4 * sizeof(sum->peer_sample) + 1];

	json_object_set_new(j, "target", json_integer((json_int_t)s->o->target));
	json_object_set_new(j, "opened", json_integer((json_int_t)sum->opened));
	json_object_set_new(j, "connecting", json_integer((json_int_t)sum->connecting));
	json_object_set_new(j, "established", json_integer((json_int_t)sum->established));
	json_object_set_new(j, "established_ipv6", json_integer((json_int_t)sum->established6));
	json_object_set_new(j, "lines_in", json_integer((json_int_t)sum->lines_in));
	if (sum->closed_by_peer) {
		json_object_set_new(
			j, "closed_by_peer_life_ms",
			json_pack("{s:f, s:f}", "p50",
				  (double)hist_quantile(&sum->peer_close_life_us, 0.5) / 1e3, "max",
				  (double)sum->peer_close_life_us.max / 1e3));
		json_object_set_new(j, "closed_by_peer_sample",
				    json_string(text_escape(sum->peer_sample, sum->peer_sample_len,
							    sample, sizeof(sample))));
	}
	json_object_set_new(j, "lost", json_integer((json_int_t)sum->lost));
	json_object_set_new(j, "reconnects", json_integer((json_int_t)sum->reconnects));
	json_object_set_new(j, "waiting", json_integer((json_int_t)sum->waiting));
	json_object_set_new(j, "connect_us", hist_json(&sum->connect_us));
	stats_hists(sum, j);
	json_object_set_new(j, "ramp_s",
			    reached ? json_real((double)(reached - s->start_ns) / 1e9)
				    : json_null());
}

/* errors by name and phase; the first of each kind explained on stderr;
 * their total */
static uint64_t stats_errors(struct supervisor *s, const struct engine_stats *sum, json_t *j)
{
	json_t *errs = json_object();
	uint64_t total = 0;

	for (unsigned e = 0; e < ENGINE_ERR_SLOTS; e++) {
		json_t *by_phase = NULL;
		uint64_t n = 0;

		for (unsigned p = 0; p < PHASE_COUNT; p++) {
			if (!sum->errors[e][p])
				continue;
			if (!by_phase)
				by_phase = json_object();
			json_object_set_new(by_phase, phase_names[p],
					    json_integer((json_int_t)sum->errors[e][p]));
			n += sum->errors[e][p];
		}
		if (!by_phase)
			continue;
		total += n;
		json_object_set_new(errs, e < errnames_count ? errnames[e].name : "other",
				    by_phase);
		if (!s->seen_errors[e] && e < errnames_count)
			log_msg(LOGL_WARN, "%s: %s: %s", s->o->role, errnames[e].name,
				errnames[e].meaning);
		s->seen_errors[e] = n;
	}
	json_object_set_new(j, "errors", errs);
	if (sum->other_errno) { /* what "other" was, by name */
		const char *name = strerrorname_np(sum->other_errno);

		json_object_set_new(j, "other_errno", json_string(name ? name : "?"));
		if (!s->seen_other)
			log_msg(LOGL_WARN, "%s: %s: %s (an error connlab has no name for)",
				s->o->role, name ? name : "?", strerror(sum->other_errno));
		s->seen_other = 1;
	}
	return total;
}

/* a server's: accepts in all and by worker (how the SO_REUSEPORT group
 * shares them), listeners, workers lost to a signal */
static void stats_server(const struct supervisor *s, const struct engine_stats *sum, json_t *j)
{
	json_t *by = json_array();

	for (unsigned w = 0; w < s->o->workers; w++)
		json_array_append_new(by, json_integer((json_int_t)__atomic_load_n(
						  &s->stats[w].opened, __ATOMIC_RELAXED)));
	json_object_set_new(j, "accepted", json_integer((json_int_t)sum->opened));
	json_object_set_new(j, "accepted_by_worker", by);
	json_object_set_new(j, "listening", json_integer((json_int_t)sum->listening));
	json_object_set_new(j, "workers_lost", json_integer(s->lost_workers));
}

json_t *stats_line(struct supervisor *s, int final)
{
	static struct engine_stats sum;
	uint64_t reached, total;
	json_t *j = json_object();

	sum_stats(s, &sum, &reached);
	stats_head(s, j, clock_now_ns());
	json_object_set_new(j, "open", json_integer((json_int_t)sum.open));
	json_object_set_new(j, "closed", json_integer((json_int_t)sum.closed));
	json_object_set_new(j, "closed_by_peer", json_integer((json_int_t)sum.closed_by_peer));
	json_object_set_new(j, "bytes_in", json_integer((json_int_t)sum.bytes_in));
	json_object_set_new(j, "bytes_out", json_integer((json_int_t)sum.bytes_out));
	json_object_set_new(j, "rss_bytes", json_integer((json_int_t)sum.rss_bytes));
	json_object_set_new(j, "rss_start_bytes", json_integer((json_int_t)sum.rss_start_bytes));
	json_object_set_new(j, "cpu_s", json_real((double)sum.cpu_ns / 1e9));
	if (s->o->tls)
		stats_tls(s, &sum, j);
	if (!strcmp(s->o->role, "server"))
		stats_server(s, &sum, j);
	else
		stats_flood(s, &sum, reached, j);
	total = stats_errors(s, &sum, j);
	json_object_set_new(j, "errors_total", json_integer((json_int_t)total));
	json_object_set_new(j, "final", json_boolean(final));
	return j;
}
