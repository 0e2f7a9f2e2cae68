/* SPDX-License-Identifier: MIT */
/* sample.c - every interval, the kernel of every lab namespace (constant
 * time sources), the floods' and servers' stats and the probes: one row
 * of the timeline, the peaks, the progress line; sock_diag state dumps on
 * their own thread within a CPU budget. */
#define _GNU_SOURCE
#include "run/launcher.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run/dumper.h"

#include "netns/netns.h"

/* ---- memory ---- */

/* ---- sampling ---- */

static size_t counter_index(const char *name)
{
	for (size_t i = 0; i < kcounters_count; i++)
		if (!strcmp(kcounters[i], name))
			return i;
	return 0;
}

/* ---- state dumps, on their own thread (dumper.h) ---- */

static uint64_t sockets_now(const struct run *r)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < r->topo.n; i++)
		n += r->now[i].inuse + r->now[i].tw;
	return n;
}

/* sock_diag walks every socket of a hash: keep the dumps under 1% of a
 * core (the launcher's whole budget at 1M is 2%; its probes and sampling
 * take about 0.4%). The next dump's cost is predicted from the last one's
 * per socket, so a ramp from thousands to a million sockets does not start
 * a dump of seconds on the strength of one that took milliseconds. */
#define DUMP_BUDGET 0.01

/* What the next dump will cost: the sockets there are now at the last
 * dump's cost per socket, once a dump has walked enough of them (100k) to
 * tell; before that 0.5 us per socket, about what an empty filtered dump of
 * two million sockets cost here (0.58 s). A small dump's own time is mostly
 * its fixed cost and the packet processing charged to its thread, and
 * scaling it up would put the next dump off for minutes. */
static double dump_predicted(const struct run *r)
{
	double now = (double)sockets_now(r), then = (double)r->dump_sockets;
	double p = now * (then >= 100000 ? r->dump_cost_s / then : 0.5e-6);

	return now <= then && r->dump_cost_s > p ? r->dump_cost_s : p;
}

static void dumped(struct run *r)
{
	double cpu, wall, iv = (double)r->lab->interval_us / 1e6;

	if (!dumper_collect(&r->dumper, r->now, r->topo.n, &cpu, &wall))
		return;
	for (unsigned i = 0; i < r->topo.n; i++)
		for (int st = 0; st < ST_MAX; st++)
			if (r->now[i].state[st] > r->peak_state[i][st])
				r->peak_state[i][st] = r->now[i].state[st];
	/* the thread's CPU time includes the softirqs (packet processing) that
	 * ran on its CPU meanwhile, and its wall time the waits for a CPU: the
	 * smaller of the two is the nearer to the dump's own cost */
	r->dump_cost_s = cpu < wall ? cpu : wall;
	r->dump_wall_s = wall;
	r->ndumps++;
	r->last_dump_s = r->dump_started_s; /* the counts are as of the dump */
	/* a little early: samples come every interval, give or take */
	cpu = r->dump_cost_s;
	r->next_dump_s =
		r->dump_started_s + (cpu / DUMP_BUDGET > iv ? cpu / DUMP_BUDGET : iv) - iv / 10;
}

static void dump_maybe(struct run *r, double t)
{
	double gap = dump_predicted(r) / DUMP_BUDGET;

	if (!r->dumper.started || t < r->next_dump_s)
		return;
	if (t - r->dump_started_s < gap) {
		r->next_dump_s = r->dump_started_s + gap;
		return;
	}
	if (dumper_request(&r->dumper) == 0) {
		r->dump_started_s = t;
		r->dump_sockets = sockets_now(r);
		/* a dump of milliseconds: wait for it, so this sample has it */
		if (dump_predicted(r) < 0.005) {
			dumper_wait(&r->dumper);
			dumped(r);
		}
	}
}

void run_on_dumped(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	dumped(arg);
}

/* The end: one more dump when it is cheap (under half a second), so the
 * final counts are the final state; then the thread stops. */
void run_dump_final(struct run *r)
{
	if (!r->dumper.started)
		return;
	if (dump_predicted(r) < 0.5 && dumper_request(&r->dumper) == 0) {
		r->dump_started_s = run_elapsed(r);
		r->dump_sockets = sockets_now(r);
	}
	dumper_wait(&r->dumper);
	dumped(r);
	dumper_stop(&r->dumper);
}

/* The progress line: rewritten in place on a terminal, every fifth sample
 * otherwise. */
static void progress(const struct run *r, const struct row *row, double t)
{
	char line[256], ping[32] = "-";

	if (row->probe[0].ping_max_ms >= 0) /* no ping answered in the interval: "-" */
		snprintf(ping, sizeof(ping), "%.2f", row->probe[0].ping_max_ms);
	snprintf(
		line, sizeof(line),
		"[%7.1fs] %-8s established %llu/%llu  TIME_WAIT %llu  ping max %s ms  lost %u  errors %llu",
		t, run_phase_label(r, r->ph.now), (unsigned long long)row->estab_clients,
		(unsigned long long)r->plan->connections, (unsigned long long)row->time_wait, ping,
		row->probe[0].lost, (unsigned long long)row->flood_errors);
	for (unsigned i = 0; i < r->nevents; i++) { /* the event under way, by name */
		const struct run_event *e = &r->events[i];
		size_t n = strlen(line);

		if (e->state == RE_ACTIVE || e->state == RE_RECOVERING)
			snprintf(line + n, sizeof(line) - n, "  event %s %s",
				 event_kinds[e->lab->kind].name,
				 e->state == RE_ACTIVE ? "under way" : "recovering");
	}
	if (r->tty)
		printf("\r%-140s", line);
	else
		printf("%s\n", line);
	fflush(stdout);
}

/* The mean time of the floods' connects that finished since the last
 * sample, from their running counts and means; -1 when none did. */
static double connect_mean(struct run *r)
{
	double sum = 0, count = 0, d;

	for (unsigned i = 0; i < r->nchild; i++) {
		json_t *h = r->child[i].is_flood && r->child[i].last
				    ? json_object_get(r->child[i].last, "connect_us")
				    : NULL;
		double n = json_number_value(json_object_get(h, "count"));

		count += n;
		sum += n * json_number_value(json_object_get(h, "mean"));
	}
	d = count - r->connect_prev_count;
	sum -= r->connect_prev_sum;
	r->connect_prev_count = count;
	r->connect_prev_sum += sum;
	return d > 0 ? round(sum / d * 10) / 10 : -1;
}

/* The replies of the interval: the floods' reply histograms merged now,
 * less what they held at the last sample, bucket by bucket. */
/* What came into now since prev: counts by bucket; the max, the top of
 * the highest bucket that grew. */
static void hist_between(struct hist *iv, const struct hist *now, const struct hist *prev)
{
	memset(iv, 0, sizeof(*iv));
	for (unsigned b = 0; b < HIST_BUCKETS; b++)
		iv->bucket[b] =
			now->bucket[b] >= prev->bucket[b] ? now->bucket[b] - prev->bucket[b] : 0;
	iv->count = now->count >= prev->count ? now->count - prev->count : 0;
	for (unsigned b = HIST_BUCKETS; b-- > 0;)
		if (iv->bucket[b]) {
			iv->max = hist_bucket_upper(b);
			break;
		}
}

static void reply_interval(struct run *r, struct row *row)
{
	static struct hist now, iv;

	row->reply_p50_ms = row->reply_p99_ms = -1;
	if (!r->lab->message[0])
		return;
	memset(&now, 0, sizeof(now));
	for (unsigned i = 0; i < r->nchild; i++) {
		const char *t =
			r->child[i].is_flood && r->child[i].last
				? json_string_value(json_object_get(r->child[i].last, "reply_hist"))
				: NULL;

		if (t && hist_parse_add(&now, t))
			return; /* a line that is not one: no figure rather than a wrong one */
	}
	hist_between(&iv, &now, &r->reply_prev);
	/* the hold's own: from the sample before it to its last */
	if (r->ph.now == PH_HOLD) {
		if (!r->reply_in_hold)
			r->reply_hold0 = r->reply_prev;
		r->reply_in_hold = 1;
		r->reply_hold1 = now;
	}
	r->reply_prev = now;
	if (iv.count) {
		row->reply_p50_ms = (double)hist_quantile(&iv, 0.5) / 1e3;
		row->reply_p99_ms = (double)hist_quantile(&iv, 0.99) / 1e3;
	}
}

json_t *run_reply_hold_json(const struct run *r)
{
	static struct hist h;

	if (!r->reply_in_hold)
		return json_null();
	hist_between(&h, &r->reply_hold1, &r->reply_hold0);
	if (!h.count)
		return json_null();
	return json_pack("{s:I, s:I, s:I, s:I}", "count", (json_int_t)h.count, "p50_us",
			 (json_int_t)hist_quantile(&h, 0.5), "p99_us",
			 (json_int_t)hist_quantile(&h, 0.99), "max_us", (json_int_t)h.max);
}

/* Every lab namespace's kernel: the sums of the row, and the peaks per
 * namespace. */
static void sample_namespaces(struct run *r, struct row *row)
{
	size_t lo = counter_index("ListenOverflows");

	for (unsigned i = 0; i < r->topo.n; i++) {
		struct netns_sample *s = &r->now[i];

		if (sampler_read(&r->samp[i], s))
			continue;
		if (s->tw > r->peak_tw[i])
			r->peak_tw[i] = s->tw;
		if (s->curr_estab > r->peak_estab[i])
			r->peak_estab[i] = s->curr_estab;
		row->time_wait += s->tw;
		for (int st = 0; st < ST_MAX; st++)
			row->state[st] += st == ST_ESTABLISHED ? s->curr_estab
					  : st == ST_TIME_WAIT ? s->tw
							       : s->state[st];
		row->close_wait += s->state[ST_CLOSE_WAIT];
		if (s->ct_count > r->ct_peak[i])
			r->ct_peak[i] = s->ct_count;
		row->conntrack_drops += (s->ct_drop - r->first[i].ct_drop) +
					(s->ct_early_drop - r->first[i].ct_early_drop) +
					(s->ct_insert_failed - r->first[i].ct_insert_failed);
		if (i == TOPO_SRV) {
			/* the kernel counts these two for the whole host */
			row->orphans = s->orphan;
			row->tcp_pages = s->mem_pages;
			row->inuse4_srv = s->inuse;
			row->inuse6_srv = s->inuse6;
			row->conntrack_srv = s->ct_count;
			row->estab_srv = s->curr_estab;
			row->syn_recv = s->state[ST_SYN_RECV];
			row->accept_queue = s->accept_queue;
			row->listen_overflows = s->counter[lo] - r->first[i].counter[lo];
		} else if (i >= TOPO_CLIENT0) {
			row->estab_clients += s->curr_estab;
			row->inuse4_clients += s->inuse;
			row->inuse6_clients += s->inuse6;
		}
	}
}

/* drops on the server's side of every veth since the start */
static void sample_links(struct run *r, struct row *row)
{
	for (unsigned k = TOPO_PROBE; r->srv_nl && k < r->topo.n; k++) {
		struct rtnl_link_stats64 st;

		if (nl_link_stats(r->srv_nl, TOPO_SRV_IFINDEX0 + (int)k, &st, NULL) == 0)
			r->drops_now[k] = st.rx_dropped + st.tx_dropped;
		row->link_drops += r->drops_now[k] - r->drops_first[k];
	}
}

/* what the lab's processes said, and the host's memory */
static void sample_processes(struct run *r, struct row *row, double t)
{
	row->flood_open = run_child_sum(r, 1, "open");
	row->flood_connected = run_child_sum(r, 1, "established");
	row->messages_sent = run_flood_messages(r, "sent");
	row->tls_handshakes = run_child_sum(r, 1, "tls.handshakes");
	row->tls_failed = run_tls_failed(r);
	row->replies = run_flood_messages(r, "replies");
	row->replies_missing = run_flood_messages(r, "missing");
	reply_interval(r, row);
	row->flood_errors = run_child_sum(r, 1, "errors_total");
	row->server_open = run_child_sum(r, 0, "open");
	run_read_meminfo(r);
	run_measure_pinned(r, row->estab_clients + row->estab_srv);
	row->slab_kb = r->mem.slab;
	row->mem_available_kb = r->mem.avail;
	row->mem_free_kb = r->mem.free;
	row->mem_pinned_kb = run_pinned_kb(r);
	row->mem_usable_kb = run_usable_kb(r);
	row->closed_by_peer = run_child_sum(r, 1, "closed_by_peer");
	row->connect_mean_us = connect_mean(r);
	row->sample_lag_ms = 0;
	if (r->nrows && r->ph.now < PH_TEARDOWN) {
		double lag = t - r->rows[r->nrows - 1].t - (double)r->lab->interval_us / 1e6;

		row->sample_lag_ms = lag > 0 ? round(lag * 1e4) / 10 : 0;
	}
	run_watch_procs(r);
	run_flood_errors(r, row->err);
}

static void peak(uint64_t *p, uint64_t v)
{
	if (v > *p)
		*p = v;
}

static void note_peaks(struct run *r, const struct row *row)
{
	const uint64_t v[4] = { row->inuse4_clients, row->inuse6_clients, row->inuse4_srv,
				row->inuse6_srv };

	peak(&r->peak_estab_clients, row->estab_clients);
	for (int k = 0; k < 4; k++)
		peak(&r->peak_inuse[k], v[k]);
	peak(&r->peak_tw_total, row->time_wait);
	peak(&r->peak_close_wait, row->close_wait);
	peak(&r->peak_syn_recv, row->syn_recv);
	peak(&r->peak_orphans, row->orphans);
	peak(&r->peak_tcp_pages, row->tcp_pages);
	if (r->ph.now <= PH_HOLD)
		r->final_estab_clients = row->estab_clients;
	r->now_estab_clients = row->estab_clients;
}

static void keep_row(struct run *r, const struct row *row)
{
	if (r->nrows == r->cap_rows) {
		size_t cap = r->cap_rows ? r->cap_rows * 2 : 256;
		struct row *n = realloc(r->rows, cap * sizeof(*n));

		if (n) {
			r->rows = n;
			r->cap_rows = cap;
		}
	}
	if (r->nrows < r->cap_rows)
		r->rows[r->nrows++] = *row;
}

void run_sample(struct run *r)
{
	double t = run_elapsed(r);
	struct row row = { .t = t,
			   .phase = r->ph.now,
			   .probe = { probe_tally_interval(&r->tally[0]),
				      probe_tally_interval(&r->tally[1]) },
			   .probe_reply_ms = probe_tally_reply_interval(&r->tally[0]) };

	dump_maybe(r, t); /* before the sums: a quick dump is in this row */
	sample_namespaces(r, &row);
	row.states_age_s = t - r->last_dump_s;
	sample_links(r, &row);
	sample_processes(r, &row, t);
	note_peaks(r, &row);
	keep_row(r, &row);
	if (r->tty || (r->nrows % 5) == 0)
		progress(r, &row, t);
}

void run_on_probe(void *arg, int is_ping, int64_t us, int err)
{
	struct run *r = arg;

	(void)err;
	probe_tally_add(&r->tally[0], r->ph.now, is_ping, us);
}

/* dual stack: the IPv6 probe's answers, apart from the IPv4 probe's (which
 * drive the ping metrics) */
void run_on_probe6(void *arg, int is_ping, int64_t us, int err)
{
	struct run *r = arg;

	(void)err;
	probe_tally_add(&r->tally[1], r->ph.now, is_ping, us);
}
