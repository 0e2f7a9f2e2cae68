/* SPDX-License-Identifier: MIT */
/* result.c - the launcher's state at the end of a run turned into its
 * result: result.json's tree (schema 1, docs/results.md), every figure
 * from the kernel or from measured events. Judging it and writing the run
 * directory is the report side's (report/write.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run/launcher.h"
#include "util/errnames.h"
#include "engine/backoff.h"
#include "kernel/counters.h"

#ifndef CONNLAB_VERSION
#define CONNLAB_VERSION "0.0.0"
#endif

/* ---- aggregates ---- */

/* Every flood process's histogram under key, merged bucket by bucket:
 * the distribution of all the samples; null when none reported one. */
static json_t *merged_hist(const struct run *r, const char *key)
{
	json_t *lines[r->nchild ? r->nchild : 1];

	for (unsigned i = 0; i < r->nchild; i++)
		lines[i] = r->child[i].is_flood ? r->child[i].last : NULL;
	return run_merged_hist(lines, r->nchild, key);
}

/* Messages sent per second during the hold (churn: over the churn), the
 * sum of the floods' rates between their first and last stats lines in
 * it; NAN without. */
static double hold_rate(const struct run *r)
{
	double rate = 0;
	int any = 0;

	/* each flood over its own clock: the launcher's rows carry stats
	 * lines up to one stats interval old, which over a short hold is
	 * an error of several percent */
	for (unsigned i = 0; i < r->nchild; i++) {
		const struct child *c = &r->child[i];

		if (c->msg_lines < 2 || c->msg_t[1] <= c->msg_t[0])
			continue;
		rate += (double)(c->msg_sent[1] - c->msg_sent[0]) / (c->msg_t[1] - c->msg_t[0]);
		any = 1;
	}
	return any ? rate : NAN;
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

static uint64_t counter_delta(const struct run *r, unsigned netns, size_t idx)
{
	return r->now[netns].counter[idx] - r->first[netns].counter[idx];
}

static double per_conn(const struct run *r, double total)
{
	return r->estab_at_mem ? total / (double)r->estab_at_mem : NAN;
}

/* Slab grown from before the ramp to the hold, per connection */
static double kernel_per_conn(const struct run *r)
{
	/* Slab that shrank while connections opened measured something else
	 * (the kernel freeing an earlier run's sockets): not measured */
	return r->slab_hold_kb && r->slab_hold_kb > r->slab_before_kb
		       ? per_conn(r, ((double)r->slab_hold_kb - (double)r->slab_before_kb) * 1024)
		       : NAN;
}

/* ---- result.json ---- */

static json_t *num_or_null(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

/* The connections the server closed (the floods saw their FIN first), how
 * long they had lived, the first bytes a server sent before such a close. */
static json_t *closed_by_server(const struct run *r)
{
	json_t *sample = NULL;

	for (unsigned i = 0; i < r->nchild && !sample; i++) {
		json_t *v = r->child[i].is_flood && r->child[i].last
				    ? json_object_get(r->child[i].last, "closed_by_peer_sample")
				    : NULL;

		if (json_is_string(v))
			sample = v;
	}
	return json_pack(
		"{s:I, s:o, s:o, s:o}", "count", (json_int_t)run_child_sum(r, 1, "closed_by_peer"),
		"first_bytes", sample ? json_incref(sample) : json_null(), "life_p50_ms",
		num_or_null(flood_worst(r, "closed_by_peer_life_ms", "p50")), "life_max_ms",
		num_or_null(flood_worst(r, "closed_by_peer_life_ms", "max")));
}

/* what this run could not measure, and why */
static json_t *unavailable(const struct run *r)
{
	json_t *un = json_object();

	if (r->kmsg_why[0])
		json_object_set_new(un, "kernel_log", json_string(r->kmsg_why));
	if (r->have_slabinfo == 0)
		json_object_set_new(
			un, "slab_caches",
			json_string(
				r->rootless
					? "/proc/slabinfo is readable only by the host's root; this run is rootless"
					: "/proc/slabinfo cannot be read here"));
	if (r->lab->message[0] &&
	    (r->lab->tls.enable == TLS_ENABLE_ON || r->lab->tls.enable == TLS_ENABLE_SERVER))
		json_object_set_new(
			un, "probe_reply",
			json_string(
				"the reply probe speaks plain TCP and the server speaks TLS: the server's own reply time is not measured apart from the floods'"));
	if (r->rootless && !r->reniced)
		json_object_set_new(
			un, "launcher_nice",
			json_string(
				"a rootless launcher cannot raise its priority (nice -10 needs CAP_SYS_NICE of the host): its probes may read answers late on a busy box"));
	return un;
}

/* schema, lab, host, what could not be measured, phases */
static void result_head(const struct run *r, json_t *j)
{
	json_t *host = run_host_json(r->plan->fd_limit);

	run_result_open(j, r->lab, NULL);
	json_object_set_new(host, "tcp_mem_pages",
			    r->host_tcp_mem[2]
				    ? json_pack("[I,I,I]", (json_int_t)r->host_tcp_mem[0],
						(json_int_t)r->host_tcp_mem[1],
						(json_int_t)r->host_tcp_mem[2])
				    : json_null());
	json_object_set_new(host, "page_size", json_integer(sysconf(_SC_PAGESIZE)));
	json_object_set_new(host, "epoll_max_user_watches",
			    r->plan->epoll_watches
				    ? json_integer((json_int_t)r->plan->epoll_watches)
				    : json_null());
	json_object_set_new(j, "host", host);
	json_object_set_new(j, "rootless", json_boolean(r->rootless));
	json_object_set_new(j, "unavailable", unavailable(r));
	run_result_close(j, r->started_wall, r->outcome, r->reason, &r->ph, CLIENT_HOLD);
}

/* the plan and the connections */
static void result_plan(const struct run *r, json_t *j)
{
	json_object_set_new(
		j, "plan",
		json_pack("{s:I, s:i, s:i, s:i, s:i, s:I, s:i, s:i, s:i, s:i}", "connections",
			  (json_int_t)r->plan->connections, "client_addresses", r->plan->addresses,
			  "client_namespaces", r->plan->namespaces, "server_workers",
			  r->plan->server_workers, "flood_processes", r->plan->flood_workers,
			  "per_pair_max", (json_int_t)r->plan->per_pair_max, "server_ports",
			  (int)r->plan->nports, "local_port_first", (int)r->plan->port_lo,
			  "local_port_last", (int)r->plan->port_hi, "local_ports",
			  (int)r->plan->port_range));
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
	{
		json_t *pl = json_object_get(j, "plan");

		json_object_set_new(pl, "server_backlog",
				    json_integer((json_int_t)r->lab->backlog));
		json_object_set_new(pl, "client_mode",
				    json_string(r->user_clients
							? "command"
							: client_mode_name(r->lab->client_mode)));
		json_object_set_new(pl, "server_mode",
				    json_string(r->user_server
							? "command"
							: server_mode_name(r->lab->server_mode)));
		json_object_set_new(
			pl, "closer",
			json_string(r->lab->closer == CLOSER_CLIENT ? "client" : "server"));
		json_object_set_new(pl, "family",
				    json_string(r->lab->family == FAMILY_IPV6	? "ipv6"
						: r->lab->family == FAMILY_DUAL ? "dual"
										: "ipv4"));
		json_object_set_new(pl, "beyond_ports",
				    json_string(r->lab->beyond_ports ? "try" : "refuse"));
		json_object_set_new(pl, "reconnect",
				    json_string(reconnect_mode_names[r->lab->reconnect]));
		json_object_set_new(pl, "client_rate_per_s",
				    r->lab->rate ? json_integer((json_int_t)r->lab->rate)
						 : json_null());
		json_object_set_new(pl, "client_inflight",
				    json_integer((json_int_t)r->lab->inflight));
	}
	json_object_set_new(json_object_get(j, "connections"), "closed_by_server",
			    closed_by_server(r));
	json_object_set_new(json_object_get(j, "connections"), "ramp_stalled_s",
			    r->ramp_stalled_s > 0 ? json_real(round(r->ramp_stalled_s * 10) / 10)
						  : json_null());
	json_object_set_new(json_object_get(j, "connections"), "lines_received",
			    json_integer((json_int_t)run_child_sum(r, 1, "lines_in")));
}

/* sockets by state and namespace, conntrack, the kernel log, peaks and
 * counters */
static void result_sockets(const struct run *r, json_t *j)
{
	json_t *states = json_object(), *counters = json_object();

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
		json_object_set_new(states, r->topo.netns[i].name,
				    json_pack("{s:o, s:o}", "peak", peak, "final", fin));
		for (size_t c = 0; c < kcounters_count; c++)
			json_object_set_new(ctr, kcounters[c],
					    json_integer((json_int_t)counter_delta(r, i, c)));
		if (i != TOPO_SRV)
			json_object_set_new(
				ctr, "link_drops",
				json_integer((json_int_t)(r->drops_now[i] - r->drops_first[i])));
		json_object_set_new(counters, r->topo.netns[i].name, ctr);
	}
	json_object_set_new(j, "states", states);
	{
		json_t *ct = json_object(), *klog = json_array();

		for (unsigned i = 0; i < r->topo.n; i++) {
			const struct netns_sample *a = &r->first[i], *b = &r->now[i];

			if (!b->have_conntrack)
				continue;
			json_object_set_new(
				ct, r->topo.netns[i].name,
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
	json_object_set_new(json_object_get(j, "peaks"), "tcp_mem_pages",
			    json_integer((json_int_t)r->peak_tcp_pages));
	json_object_set_new(j, "counters", counters);
}

/* errors, connect latency, pings and probe connects */
static void result_probes(const struct run *r, json_t *j)
{
	json_t *ping, *probe, *errors = json_object();

	{
		uint64_t by[ERRNAMES_MAX], total = run_flood_errors(r, by);

		uint64_t named = 0;

		for (size_t e = 0; e < errnames_count; e++)
			if (by[e]) {
				json_object_set_new(errors, errnames[e].name,
						    json_integer((json_int_t)by[e]));
				named += by[e];
			}
		/* errors connlab has no name for, under the name the kernel's
		 * errno has (the floods report the last one) */
		if (total > named) {
			const char *name = NULL;

			for (unsigned i = 0; i < r->nchild && !name; i++)
				if (r->child[i].is_flood && r->child[i].last)
					name = json_string_value(
						json_object_get(r->child[i].last, "other_errno"));
			json_object_set_new(errors, name ? name : "other",
					    json_integer((json_int_t)(total - named)));
		}
		json_object_set_new(j, "errors", errors);
		json_object_set_new(j, "errors_total", json_integer((json_int_t)total));
	}
	json_object_set_new(j, "connect", merged_hist(r, "connect_hist"));
	json_object_set_new(j, "first_byte", merged_hist(r, "first_byte_hist"));
	if (r->lab->message[0]) {
		json_t *m = json_pack("{s:I, s:I, s:I, s:I}", "sent",
				      (json_int_t)run_flood_messages(r, "sent"), "replies",
				      (json_int_t)run_flood_messages(r, "replies"), "missing",
				      (json_int_t)run_flood_messages(r, "missing"), "send_blocked",
				      (json_int_t)run_flood_messages(r, "send_blocked"));

		json_object_set_new(m, "rate_hold_per_s", num_or_null(hold_rate(r)));
		json_object_set_new(m, "reply", merged_hist(r, "reply_hist"));
		json_object_set_new(m, "reply_hold", run_reply_hold_json(r));
		json_object_set_new(m, "send_lag", merged_hist(r, "send_lag_hist"));
		json_object_set_new(j, "messages", m);
	} else {
		json_object_set_new(j, "messages", json_null());
	}
	if (r->lab->family != FAMILY_IPV4) {
		/* per family, where the kernel keeps them apart: sockets in use
		 * (sockstat, sockstat6) at their peak, and the floods' counts */
		uint64_t est6 = run_child_sum(r, 1, "established_ipv6");

		json_object_set_new(
			j, "families",
			json_pack("{s:{s:I, s:I, s:I}, s:{s:I, s:I, s:I}}", "ipv4",
				  "kernel_inuse_peak_clients", (json_int_t)r->peak_inuse[0],
				  "kernel_inuse_peak_server", (json_int_t)r->peak_inuse[2],
				  "flood_established", (json_int_t)(flood_made(r) - est6), "ipv6",
				  "kernel_inuse_peak_clients", (json_int_t)r->peak_inuse[1],
				  "kernel_inuse_peak_server", (json_int_t)r->peak_inuse[3],
				  "flood_established", (json_int_t)est6));
	}
	json_object_set_new(j, "connect_worst_namespace",
			    json_pack("{s:o, s:o, s:o, s:o, s:o}", "p50_us",
				      num_or_null(flood_worst(r, "connect_us", "p50")), "p90_us",
				      num_or_null(flood_worst(r, "connect_us", "p90")), "p99_us",
				      num_or_null(flood_worst(r, "connect_us", "p99")), "p999_us",
				      num_or_null(flood_worst(r, "connect_us", "p999")), "max_us",
				      num_or_null(flood_worst(r, "connect_us", "max"))));
	run_probes_json(r->ph.seen, &r->tally[0], &ping, &probe);
	json_object_set_new(j, "ping", ping);
	json_object_set_new(j, "probe_connect", probe);
	json_object_set_new(j, "probe_reply", run_reply_probe_json(r->ph.seen, &r->tally[0]));
	if (r->lab->family == FAMILY_DUAL) {
		/* ping6, probe_connect6: the IPv6 probe beside the IPv4 one */
		run_probes_json(r->ph.seen, &r->tally[1], &ping, &probe);
		json_object_set_new(j, "ping6", ping);
		json_object_set_new(j, "probe_connect6", probe);
	}
}

static json_t *exit_json(const struct run *r, const struct child *c)
{
	char sig[16];

	if (!c->exited)
		return json_null();
	snprintf(sig, sizeof(sig), "SIG%s", sigabbrev_np(WTERMSIG(c->status)) ?: "?");
	return json_pack("{s:o, s:o, s:f, s:s, s:o}", "code",
			 WIFEXITED(c->status) ? json_integer(WEXITSTATUS(c->status)) : json_null(),
			 "signal", WIFSIGNALED(c->status) ? json_string(sig) : json_null(), "t_s",
			 round(c->exit_s * 1000) / 1000, "phase",
			 phase_name(c->exit_phase, r->lab->client_mode), "by_event",
			 c->retired ? json_string("restart") : json_null());
}

/* Every lab process watched: a child (with how it ended) or one of its
 * descendants (with its parent child's name). */
static json_t *processes_json(const struct run *r)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < r->nprocs; i++) {
		const struct proc_watch *p = &r->procs[i];
		const struct child *c = &r->child[p->child];
		int top = p->pid == c->pid;
		json_t *o = json_pack(
			"{s:s, s:s, s:i, s:s, s:o, s:o, s:o, s:I}", "name", c->name, "role",
			c->group      ? "command"
			: c->is_flood ? "flood"
				      : "server",
			"pid", (int)p->pid, "comm", p->comm, "peak_fds",
			p->peak_fds >= 0 ? json_integer(p->peak_fds) : json_null(), "peak_fds_s",
			p->peak_fds >= 0 ? json_real(round(p->peak_fds_s * 10) / 10) : json_null(),
			"fd_limit",
			!p->fd_limit		    ? json_null()
			: p->fd_limit == UINT64_MAX ? json_string("unlimited")
						    : json_integer((json_int_t)p->fd_limit),
			"peak_rss_bytes", (json_int_t)p->peak_rss);

		json_object_set_new(o, "main", json_boolean(top));
		json_object_set_new(
			o, "stopped",
			p->stopped_s < 0
				? json_null()
				: json_pack("{s:f, s:s}", "t_s", round(p->stopped_s * 10) / 10,
					    "phase",
					    phase_name(p->stopped_phase, r->lab->client_mode)));
		json_object_set_new(o, "exit", top ? exit_json(r, c) : json_null());
		json_array_append_new(a, o);
	}
	/* a child that ended before its first sample: how it ended */
	for (unsigned i = 0; i < r->nchild; i++) {
		const struct child *c = &r->child[i];
		unsigned k = 0;

		while (k < r->nprocs && r->procs[k].pid != c->pid)
			k++;
		if (k == r->nprocs)
			json_array_append_new(
				a, json_pack("{s:s, s:s, s:i, s:n, s:n, s:n, s:n, s:n, s:b, s:o}",
					     "name", c->name, "role",
					     c->group	   ? "command"
					     : c->is_flood ? "flood"
							   : "server",
					     "pid", (int)c->pid, "comm", "peak_fds", "peak_fds_s",
					     "fd_limit", "peak_rss_bytes", "main", 1, "exit",
					     exit_json(r, c)));
	}
	return a;
}

/* memory, the sampler's cost, the children's last stats lines */
static void result_memory(const struct run *r, json_t *j)
{
	json_t *children = json_array();

	json_object_set_new(
		j, "memory",
		json_pack("{s:o, s:o, s:I, s:I, s:I, s:o}", "kernel_slab_per_conn_bytes",
			  num_or_null(kernel_per_conn(r)), "user_pss_per_conn_bytes",
			  num_or_null(r->pss_hold ? per_conn(r, (double)r->pss_hold) : NAN),
			  "user_pss_bytes", (json_int_t)r->pss_hold, "user_pss_before_bytes",
			  (json_int_t)r->pss_before, "connections_measured",
			  (json_int_t)r->estab_at_mem, "launcher_cpu_hold_percent",
			  r->hold_wall_s > 0 ? json_real(100 * r->cpu_hold_s / r->hold_wall_s)
					     : json_null()));
	json_object_set_new(j, "sampler",
			    json_pack("{s:i, s:f, s:f, s:f, s:i}", "launcher_nice",
				      r->reniced ? -10 : 0, "state_dump_cost_s", r->dump_cost_s,
				      "state_dump_wall_s", r->dump_wall_s, "last_state_dump_s",
				      r->last_dump_s, "state_dumps", (int)r->ndumps));
	for (unsigned i = 0; i < r->nchild; i++) {
		const struct child *c = &r->child[i];

		json_array_append_new(children,
				      json_pack("{s:s, s:i, s:s, s:o}", "name", c->name, "pid",
						(int)c->pid, "log", c->log, "last_stats",
						c->last ? json_incref(c->last) : json_null()));
	}
	json_object_set_new(j, "children", children);
	json_object_set_new(j, "server_program", run_server_program_json(r));
	json_object_set_new(j, "processes", processes_json(r));
	run_memory_json(r, json_object_get(j, "memory"));
}

static json_t *result_rows(const struct run *r, size_t from)
{
	json_t *j = json_object();

	result_head(r, j);
	result_plan(r, j);
	result_sockets(r, j);
	result_probes(r, j);
	result_memory(r, j);
	json_object_set_new(j, "forecast",
			    r->have_forecast ? forecast_json(&r->forecast) : json_null());
	/* judged by the report side (report_finish); the place kept */
	json_object_set_new(j, "expectations", json_array());
	json_object_set_new(j, "outdir", json_string(r->outdir));
	json_object_set_new(j, "timeline", run_timeline_json(r, from));
	if (r->nevents)
		json_object_set_new(j, "events", run_events_json(r));
	json_object_set_new(j, "tls", r->lab->tls.enable ? run_tls_json(r) : json_null());
	return j;
}

json_t *run_result(const struct run *r)
{
	return result_rows(r, 0);
}

json_t *run_result_live(const struct run *r, size_t from)
{
	json_t *j = result_rows(r, from);

	json_object_set_new(j, "outcome", json_string("running"));
	return j;
}
