/* SPDX-License-Identifier: MIT */
/* evidence.c - the findings' evidence kit: the one vocabulary of places in
 * result.json that findings cite (each path with its label, written once),
 * and the readers a rule's judge uses (numbers at paths, the timeline,
 * counters, children.log and the kernel's log).
 *
 * Evidence values are copied from result.json itself, never computed
 * here: a finding cites what stands at its place. */
#define _GNU_SOURCE
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "report/rules.h"

static const struct evidence evidence_vocabulary[EV_COUNT] = {
	[EV_TLS_RATE] = { "tls.clients.handshakes_per_s", "TLS handshakes a second in the ramp" },
	[EV_TLS_SRV_CPU] = { "tls.server.cpu_per_handshake_us",
			     "the server's CPU per handshake, us" },
	[EV_TLS_CLI_CPU] = { "tls.clients.cpu_per_handshake_us",
			     "the clients' CPU per handshake, us" },
	[EV_TLS_HANDSHAKES] = { "tls.clients.handshakes", "TLS handshakes, the clients' count" },
	[EV_TLS_SRV_HANDSHAKES] = { "tls.server.handshakes", "TLS handshakes, the server's count" },
	[EV_TLS_OFFERED] = { "tls.clients.offered", "handshakes that offered a session" },
	[EV_TLS_RESUMED] = { "tls.clients.resumed", "handshakes resumed, the clients' count" },
	[EV_TLS_SRV_RESUMED] = { "tls.server.resumed", "handshakes resumed, the server's count" },
	[EV_TLS_LIBRARY] = { "tls.library_version", "the TLS library" },
	[EV_TLS_RESUME] = { "tls.resume", "tls.resume" },
	[EV_TLS_MEM_SRV] = { "tls.memory.server_per_conn_bytes",
			     "the server side's user memory per connection, bytes" },
	[EV_TLS_MEM_CLI] = { "tls.memory.clients_per_conn_bytes",
			     "the clients' user memory per connection, bytes" },
	[EV_TLS_CLI_ERR] = { "tls.clients.errors.%s", "the clients' TLS failures: %s" },
	[EV_TLS_CLI_ERR_TEXT] = { "tls.clients.error_text.%s", "the clients' library said (%s)" },
	[EV_TLS_SRV_ERR] = { "tls.server.errors.%s", "the server's TLS failures: %s" },
	[EV_TLS_SRV_ERR_TEXT] = { "tls.server.error_text.%s", "the server's library said (%s)" },
	[EV_CLIENT_RATE] = { "plan.client_rate_per_s", "clients.rate, a second" },
	[EV_SERVER_WORKERS] = { "plan.server_workers", "server workers" },
	[EV_RAMP_RATE] = { "connections.ramp_rate", "connections a second in the ramp" },
	[EV_PEAK] = { "connections.established_peak", "connections established at the peak" },
	[EV_TARGET] = { "connections.target", "connections asked" },
	[EV_ERRORS] = { "errors_total", "errors" },
	[EV_ENOSPC] = { "errors.ENOSPC", "connects that failed with ENOSPC" },
	[EV_EMFILE] = { "errors.EMFILE", "the floods' EMFILE errors" },
	[EV_ENFILE] = { "errors.ENFILE", "the floods' ENFILE errors" },
	[EV_ETIMEDOUT] = { "errors.ETIMEDOUT", "connects that timed out" },
	[EV_EADDRNOTAVAIL] = { "errors.EADDRNOTAVAIL", "connects that failed with EADDRNOTAVAIL" },
	[EV_ECONNRESET] = { "errors.ECONNRESET", "ECONNRESET" },
	[EV_ECONNREFUSED] = { "errors.ECONNREFUSED", "ECONNREFUSED" },
	[EV_EPOLL_MAX] = { "host.epoll_max_user_watches", "fs.epoll.max_user_watches" },
	[EV_HOST_FD_LIMIT] = { "host.fd_limit", "the hard limit of this machine" },
	[EV_CLOSED_COUNT] = { "connections.closed_by_server.count",
			      "connections the server closed" },
	[EV_CLOSED_BYTES] = { "connections.closed_by_server.first_bytes",
			      "the first bytes it sent before closing one" },
	[EV_CLOSED_LIFE] = { "connections.closed_by_server.life_p50_ms",
			     "their median life from connect(), ms" },
	[EV_LINES] = { "connections.lines_received", "lines received in all" },
	[EV_REASON] = { "reason", "why the run stopped" },
	[EV_MEM_AT_FLOOR] = { "memory.available_at_floor_bytes",
			      "MemAvailable when the ramp stopped, bytes" },
	[EV_MEM_FLOOR] = { "memory.floor_bytes", "lab.memory_floor, bytes" },
	[EV_MEM_TOTAL] = { "memory.total_bytes", "the machine's memory, bytes" },
	[EV_MEM_MIN] = { "memory.available_min_bytes", "MemAvailable at its lowest, bytes" },
	[EV_USABLE_AT_FLOOR] = { "memory.usable_at_floor_bytes",
				 "memory that could be had when the ramp stopped, bytes" },
	[EV_PINNED_AT_FLOOR] = { "memory.pinned_at_floor_bytes",
				 "reclaimable slab the lab's sockets pinned then, bytes" },
	[EV_FREE_AT_FLOOR] = { "memory.free_at_floor_bytes",
			       "MemFree when the ramp stopped, bytes" },
	[EV_USABLE_MIN] = { "memory.usable_min_bytes",
			    "memory that could be had at its lowest, bytes" },
	[EV_FORECAST_HOLDS] = { "forecast.holds", "connections the forecast said this host holds" },
	[EV_FORECAST_MEMORY] = { "forecast.limits.memory.connections",
				 "connections memory above the floor holds, by the forecast" },
	[EV_EPOLL_FIX] = { "forecast.epoll_fix_watches",
			   "epoll watches of what memory above the floor holds" },
	[EV_SLAB_PER_CONN] = { "memory.kernel_slab_per_conn_bytes",
			       "kernel slab per connection, bytes" },
	[EV_SLAB_BEFORE] = { "memory.slab_before_bytes", "Slab before the ramp, bytes" },
	[EV_SLAB_HOLD] = { "memory.slab_hold_bytes", "Slab during the hold, bytes" },
	[EV_MEASURED] = { "memory.connections_measured", "connections measured" },
	[EV_SLAB_CACHE] = { "memory.slab_caches.%s.per_conn_bytes", "%s" },
	[EV_SLAB_OTHER] = { "memory.slab_other_growth_bytes",
			    "slab growth in no cache above, bytes" },
	[EV_USER_PSS] = { "memory.user_pss_per_conn_bytes",
			  "user memory per connection (Pss), bytes" },
	[EV_LAUNCHER_CPU] = { "memory.launcher_cpu_hold_percent",
			      "the launcher's CPU during the hold, percent of a core" },
	[EV_CPUS] = { "host.cpus", "the host's CPUs" },
	[EV_RAMP_STALLED] = { "connections.ramp_stalled_s", "when it stalled, s" },
	[EV_PHASE_START] = { "phases[%ld].start_s", "the ramp's start, s" },
	[EV_PHASE_END] = { "phases[%ld].end_s", "the ramp's end, s" },
	[EV_TL_EST_EARLY] = { "timeline.established_clients[%ld]",
			      "established early in the ramp" },
	[EV_TL_EST_END] = { "timeline.established_clients[%ld]", "established at the ramp's end" },
	[EV_TL_CONNECT_EARLY] = { "timeline.connect_mean_us[%ld]",
				  "mean connect time early in the ramp, us" },
	[EV_TL_CONNECT_LATE] = { "timeline.connect_mean_us[%ld]",
				 "mean connect time late in the ramp, us" },
	[EV_TL_TCP_MEM] = { "timeline.tcp_mem_pages[%ld]",
			    "the first sample above the pressure mark, pages" },
	[EV_TL_PHASE] = { "timeline.phase[%ld]", "its phase" },
	[EV_TL_CONNTRACK] = { "timeline.conntrack_drops[%ld]",
			      "drops by the first sample with any" },
	[EV_TL_ACCEPT_QUEUE] = { "timeline.accept_queue[%ld]",
				 "connections waiting in the accept queue at its peak" },
	[EV_TL_CLOSE_WAIT] = { "timeline.states.close_wait[%ld]",
			       "CLOSE_WAIT still at the end of the load" },
	[EV_TL_PINGS_LOST] = { "timeline.pings_lost[%ld]",
			       "pings lost in the first interval with a loss" },
	[EV_TL_SAMPLE_LAG] = { "timeline.sample_lag_ms[%ld]", "the latest sample, ms late" },
	[EV_PROC_SIGNAL] = { "processes[%ld].exit.signal", "signal" },
	[EV_PROC_CODE] = { "processes[%ld].exit.code", "exit status" },
	[EV_PROC_PHASE] = { "processes[%ld].exit.phase", "phase" },
	[EV_PROC_RSS] = { "processes[%ld].peak_rss_bytes", "its peak resident memory, bytes" },
	[EV_PROC_FDS] = { "processes[%ld].peak_fds", "its most open files" },
	[EV_PROC_FD_LIMIT] = { "processes[%ld].fd_limit", "its RLIMIT_NOFILE" },
	[EV_PROC_STOPPED] = { "processes[%ld].stopped.t_s", "first seen stopped at, s" },
	[EV_PROC_STOPPED_PHASE] = { "processes[%ld].stopped.phase", "in the phase" },
	[EV_COUNTER] = { "counters.%2$s.%1$s", "%s" },
	[EV_SRV_OVERFLOWS] = { "counters.srv.ListenOverflows",
			       "ListenOverflows in the server namespace" },
	[EV_SRV_DROPS] = { "counters.srv.ListenDrops", "ListenDrops in the server namespace" },
	[EV_SRV_RSTS] = { "counters.srv.OutRsts", "resets sent by the server namespace (OutRsts)" },
	[EV_SRV_ESTAB_RESETS] = { "counters.srv.EstabResets",
				  "resets received while established (EstabResets)" },
	[EV_TCP_MEM_PEAK] = { "peaks.tcp_mem_pages", "TCP memory of the host at the peak, pages" },
	[EV_TCP_MEM_MARKS] = { "host.tcp_mem_pages",
			       "net.ipv4.tcp_mem (low, pressure, hard mark), pages" },
	[EV_ORPHANS] = { "peaks.orphans_host", "orphan sockets at the peak (host)" },
	[EV_CT_PEAK] = { "conntrack.%s.peak_count", "entries at the peak" },
	[EV_CT_MAX] = { "conntrack.max_host", "nf_conntrack_max (the whole host)" },
	[EV_CT_DROPS] = { "conntrack.drops_total", "drops (drop, early_drop, insert_failed)" },
	[EV_PINGS_LOST] = { "ping.all.lost", "pings lost in all" },
	[EV_PINGS_SENT] = { "ping.all.sent", "pings sent in all" },
	[EV_PING_HOLD_LOST] = { "ping.hold.lost", "pings lost under the load" },
	[EV_PING_RAMP_LOST] = { "ping.ramp.lost", "pings lost under the load" },
	[EV_PING_HOLD_SENT] = { "ping.hold.sent", "pings sent under the load" },
	[EV_PING_RAMP_SENT] = { "ping.ramp.sent", "pings sent under the load" },
	[EV_PING_BEFORE_P99] = { "ping.before.p99_ms", "RTT p99 before the load, ms" },
	[EV_PING_QUIET_P99] = { "ping.quiet.p99_ms",
				"RTT p99 with the network quiet (before any lab process), ms" },
	[EV_PING_HOLD_P99] = { "ping.hold.p99_ms", "RTT p99 under the load, ms" },
	[EV_PING_RAMP_P99] = { "ping.ramp.p99_ms", "RTT p99 under the load, ms" },
	[EV_PING_BEFORE_P50] = { "ping.before.p50_ms", "RTT median before the load, ms" },
	[EV_PING_HOLD_P50] = { "ping.hold.p50_ms", "RTT median under the load, ms" },
	[EV_PING_RAMP_P50] = { "ping.ramp.p50_ms", "RTT median under the load, ms" },
	[EV_PING_HOLD_P90] = { "ping.hold.p90_ms", "RTT p90 under the load, ms" },
	[EV_PING_RAMP_P90] = { "ping.ramp.p90_ms", "RTT p90 under the load, ms" },
	[EV_PROBE_FAILURES] = { "probe_connect.all.failures", "probe connects that failed in all" },
	[EV_SYN_RECV] = { "peaks.syn_recv", "SYN_RECV at the peak" },
	[EV_BACKLOG] = { "plan.server_backlog", "the listen backlog asked" },
	[EV_TIME_WAIT] = { "peaks.time_wait", "TIME_WAIT at the peak" },
	[EV_CLOSE_WAIT] = { "peaks.close_wait", "CLOSE_WAIT at the peak" },
	[EV_NS_CLOSE_WAIT] = { "states.%s.peak.CLOSE_WAIT",
			       "CLOSE_WAIT at the peak in that namespace" },
	[EV_NS_FIN_WAIT2] = { "states.%s.peak.FIN_WAIT2",
			      "sockets in FIN_WAIT2 on the other side" },
	[EV_ADDRESSES] = { "plan.client_addresses", "client source addresses" },
	[EV_SERVER_PORTS] = { "plan.server_ports", "server ports" },
	[EV_LOCAL_PORTS] = { "plan.local_ports", "local ports (ip_local_port_range)" },
	[EV_PORT_FIRST] = { "plan.local_port_first", "first local port" },
	[EV_PORT_LAST] = { "plan.local_port_last", "last local port" },
	[EV_LINK_DROPS] = { "counters.%s.link_drops", "packets dropped on that namespace's link" },
	[EV_KLOG] = { "kernel_log[%ld]", "the kernel's log" },
	[EV_HOST_STATE] = { "hosts[%ld].state", "the host's state" },
	[EV_HOST_WHY] = { "hosts[%ld].why", "why" },
	[EV_HOST_SHARE] = { "hosts[%ld].share.connections", "its share of the connections" },
	[EV_HOST_EXIT] = { "hosts[%ld].exit_code", "its command's exit status" },
	[EV_HOST_ESTABLISHED] = { "hosts[%ld].flood.established", "connections established on it" },
	[EV_HOST_ENDED] = { "hosts[%ld].ended_s", "its command ended at, s" },
	[EV_HOST_HELD] = { "hosts[%ld].flood.held_s", "it held its connections for, s" },
	[EV_HOST_EADDRNOTAVAIL] = { "hosts[%ld].flood.errors.EADDRNOTAVAIL",
				    "connects that failed with EADDRNOTAVAIL there" },
	[EV_HOST_SOURCES] = { "hosts[%ld].share.source_addresses", "its source addresses" },
	[EV_HOST_TIME_WAIT] = { "hosts[%ld].kernel.service_peak.TIME_WAIT",
				"TIME_WAIT to the service there at the peak" },
	[EV_HOST_OVERFLOWS] = { "hosts[%ld].kernel.last.counters.ListenOverflows",
				"ListenOverflows on the server host" },
	[EV_HOST_DROPS] = { "hosts[%ld].kernel.last.counters.ListenDrops",
			    "ListenDrops on the server host" },
	[EV_HOST_ACCEPT_PEAK] = { "hosts[%ld].kernel.accept_queue_peak",
				  "connections waiting in the accept queues at the peak" },
	[EV_PROG_VALUE] = { "server_program.value", "the setting in force" },
	[EV_PROG_WHERE] = { "server_program.set_in", "where it was set" },
	[EV_PROG_CONFIG] = { "server_program.config.text", "the line of its config file" },
	[EV_CHANGE_FROM] = { "lab.changes[%ld].from", "the value before --set" },
	[EV_CHANGE_TO] = { "lab.changes[%ld].to", "the value --set gave" },
	[EV_EXPECT_ACTUAL] = { "expectations[%ld].actual", "the value measured" },
	[EV_PROBE_REPLY_P50] = { "probe_reply.hold.p50_ms", "the probe's lock-step reply p50, ms" },
	[EV_FLOOD_REPLY_P50] = { "messages.reply_hold.p50_us",
				 "the flood's reply p50 in the hold, us" },
	[EV_SEND_LAG_P99] = { "messages.send_lag.p99_us", "how late the flood sent, p99, us" },
	[EV_RECONNECT] = { "plan.reconnect", "clients.reconnect" },
	[EV_EVT_LOST] = { "events[%ld].floods.lost",
			  "connections the floods lost in the event's window" },
	[EV_EVT_KLOST] = { "events[%ld].kernel.lost", "connections lost, by the kernel's count" },
	[EV_EVT_RESET_AT_CONNECT] = { "events[%ld].floods.reset_at_connect",
				      "established by the kernel, reset before the flood saw them" },
	[EV_EVT_RECONNECTS] = { "events[%ld].floods.reconnects",
				"reconnect attempts in the window" },
	[EV_EVT_WAIT_P90] = { "events[%ld].floods.reconnect_wait.p90_us",
			      "how long a reconnect waited after its loss, p90, us" },
	[EV_EVT_OVERFLOWS] = { "events[%ld].kernel.listen_overflows",
			       "ListenOverflows in the server namespace in the window" },
	[EV_EVT_COOKIES] = { "events[%ld].kernel.syncookies_sent",
			     "SYN cookies sent in the window" },
	[EV_EVT_SYN_RETRANS] = { "events[%ld].kernel.syn_retransmits",
				 "SYNs the clients' kernels sent again (TCPSynRetrans)" },
	[EV_EVT_RATE] = { "events[%ld].regain_rate_per_s",
			  "the fastest the established count grew back, a second" },
	[EV_EVT_CONNECT_P99] = { "events[%ld].floods.connect.p99_us",
				 "connect p99 in the window, us" },
	[EV_EVT_CONNECT_1S] = { "events[%ld].floods.connect.at_least_1s",
				"connects of the window that took 1 s or more" },
	[EV_EVT_CONNECT_3S] = { "events[%ld].floods.connect.at_least_3s",
				"connects of the window that took 3 s or more" },
	[EV_EVT_TW] = { "events[%ld].kernel.server_time_wait_peak",
			"TIME_WAIT in the server namespace at its peak in the window" },
	[EV_EVT_ACCEPTS] = { "events[%ld].accepted_by_worker",
			     "accepts by server worker in the window" },
	[EV_EVT_TARGET] = { "events[%ld].target",
			    "established before the event (the kernel's count)" },
	[EV_EVT_ESTAB_MIN] = { "events[%ld].kernel.established_min", "established at the lowest" },
	[EV_EVT_RECOVERED] = { "events[%ld].recovered_s", "all back after, s" },
	[EV_EVT_RECOVERED99] = { "events[%ld].recovered99_s", "99 percent back after, s" },
	[EV_EVT_DISTURBED] = { "events[%ld].disturbed_s",
			       "until the server was started again (or went on), s" },
};

/* ---- citing ---- */

void cite(const struct fctx *x, struct draft *d, enum ev e, ...)
{
	const struct evidence *w = &evidence_vocabulary[e];
	char path[256], label[160];
	va_list ap, aq;
	json_t *v;

	va_start(ap, e);
	va_copy(aq, ap);
	vsnprintf(path, sizeof(path), w->path, ap);
	vsnprintf(label, sizeof(label), w->label, aq);
	va_end(aq);
	va_end(ap);
	v = jpath(x->res, path);
	if (!v || json_is_null(v))
		return;
	json_array_append_new(
		json_object_get(d->f, "evidence"),
		json_pack("{s:s, s:O, s:s}", "what", label, "value", v, "path", path));
}

void cite_line(struct draft *d, const char *what, const struct hit *h)
{
	json_t *e = json_pack("{s:s, s:s, s:s, s:i, s:i}", "what", what, "value", h->text, "file",
			      h->log->file, "line", (int)h->line, "lines_like_it", (int)h->count);

	if (h->log->process)
		json_object_set_new(e, "process", json_string(h->log->process));
	json_array_append_new(json_object_get(d->f, "evidence"), e);
}

void cite_klog(const struct fctx *x, struct draft *d, const char *needle)
{
	int k = klog_find(x, needle);

	if (k >= 0)
		cite(x, d, EV_KLOG, (long)k);
}

/* ---- reading the run ---- */

double num(const struct fctx *x, const char *fmt, ...)
{
	char path[256];
	va_list ap;
	json_t *v;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	v = jpath(x->res, path);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

const char *str(const struct fctx *x, const char *path)
{
	return json_string_value(jpath(x->res, path));
}

double count(const struct fctx *x, const char *path)
{
	double v = report_lookup_count(x->res, path);

	return isnan(v) ? 0 : v;
}

const char *fmt_n(double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else if (fabs(v - round(v)) < 1e-9 || fabs(v) >= 1000)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.3g", v);
	return buf;
}

static void hit_text(struct hit *h, const char *p, size_t n)
{
	size_t k = 0;

	/* a line as text: no control characters, no trailing blank */
	for (size_t i = 0; i < n && k + 1 < sizeof(h->text); i++)
		h->text[k++] = (unsigned char)p[i] < 32 ? ' ' : p[i];
	while (k && h->text[k - 1] == ' ')
		k--;
	h->text[k] = 0;
}

unsigned log_find(const struct fctx *x, const char *process, const char *needle, struct hit *h)
{
	memset(h, 0, sizeof(*h));
	for (size_t i = 0; i < x->nlogs; i++) {
		const char *p = x->logs[i].text;
		unsigned line = 1;

		if (process && x->logs[i].process && strcmp(process, x->logs[i].process))
			continue;
		while (p && *p) {
			const char *eol = strchr(p, '\n');
			size_t n = eol ? (size_t)(eol - p) : strlen(p);

			if (memmem(p, n, needle, strlen(needle))) {
				if (!h->line) {
					h->log = &x->logs[i];
					h->line = line;
					hit_text(h, p, n);
				}
				h->count += h->log == &x->logs[i];
			}
			p = eol ? eol + 1 : NULL;
			line++;
		}
	}
	return h->line;
}

unsigned log_tail(const struct fctx *x, const char *process, unsigned n, struct hit *h)
{
	unsigned got = 0;

	for (size_t i = 0; i < x->nlogs && !got; i++) {
		const char *t = x->logs[i].text, *end, *s;
		unsigned line = 1;

		if (!t || !process || !x->logs[i].process || strcmp(process, x->logs[i].process))
			continue;
		for (end = t; *end; end++)
			line += *end == '\n';
		/* from the end back: the lines with text, last first */
		while (end > t && got < n) {
			if (end[-1] == '\n') {
				end--;
				line--;
				continue;
			}
			for (s = end; s > t && s[-1] != '\n'; s--)
				;
			hit_text(&h[got], s, (size_t)(end - s));
			if (h[got].text[0]) {
				h[got].log = &x->logs[i];
				h[got].line = line;
				h[got].count = 1;
				got++;
			}
			end = s;
		}
	}
	for (unsigned a = 0, b = got ? got - 1 : 0; a < b; a++, b--) {
		struct hit tmp = h[a];

		h[a] = h[b];
		h[b] = tmp;
	}
	return got;
}

int klog_find(const struct fctx *x, const char *needle)
{
	json_t *a = json_object_get(x->res, "kernel_log"), *l;
	size_t i;

	json_array_foreach(a, i, l)
	{
		const char *s = json_string_value(l);

		if (s && strstr(s, needle))
			return (int)i;
	}
	return -1;
}

double counter_max(const struct fctx *x, const char *name, const char **ns)
{
	json_t *c = json_object_get(x->res, "counters"), *v;
	const char *k;
	double best = 0;

	*ns = NULL;
	json_object_foreach(c, k, v)
	{
		double d = json_number_value(json_object_get(v, name));

		if (d > best) {
			best = d;
			*ns = k;
		}
	}
	return best;
}

size_t tl_len(const struct fctx *x)
{
	return json_array_size(jpath(x->res, "timeline.t_s"));
}

double tl(const struct fctx *x, const char *col, size_t i)
{
	return num(x, "timeline.%s[%zu]", col, i);
}

long tl_first(const struct fctx *x, const char *col, double above)
{
	for (size_t i = 0, n = tl_len(x); i < n; i++)
		if (tl(x, col, i) > above)
			return (long)i;
	return -1;
}

long tl_max(const struct fctx *x, const char *col)
{
	long best = -1;
	double v = -INFINITY;

	for (size_t i = 0, n = tl_len(x); i < n; i++)
		if (tl(x, col, i) > v) {
			v = tl(x, col, i);
			best = (long)i;
		}
	return best;
}

double tl_t(const struct fctx *x, long i)
{
	return i < 0 ? NAN : tl(x, "t_s", (size_t)i);
}

int tl_span(const struct fctx *x, const char *phase, const char *col, long *lo, long *hi)
{
	json_t *ph = jpath(x->res, "timeline.phase");

	*lo = *hi = -1;
	for (size_t i = 0, n = tl_len(x); i < n; i++) {
		if (strcmp(json_string_value(json_array_get(ph, i)) ?: "", phase) ||
		    isnan(tl(x, col, i)))
			continue;
		if (*lo < 0)
			*lo = (long)i;
		*hi = (long)i;
	}
	return *lo < 0 ? -1 : 0;
}

int phase_index(const struct fctx *x, const char *name)
{
	json_t *p;
	size_t i;

	json_array_foreach(jpath(x->res, "phases"), i, p)
	{
		if (!strcmp(json_string_value(json_object_get(p, "name")) ?: "", name))
			return (int)i;
	}
	return -1;
}

const char *role_of(json_t *p)
{
	const char *r = json_string_value(json_object_get(p, "role"));

	return r ? r : "";
}
