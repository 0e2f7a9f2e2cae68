/* SPDX-License-Identifier: MIT */
/* findings.c - why a run went as it did: rules over the run directory
 * (result.json and children.log), each finding with its evidence (a value
 * at a named place of result.json, or a line of children.log), an
 * explanation that teaches the mechanism, and the fix (docs/findings.md).
 *
 * Evidence values are copied from result.json itself, never computed
 * here: a finding cites what stands at its place. The rules run in order,
 * the deeper causes first, so that the first cause is the one that
 * explains a failed expectation (junit.xml names it). */
#define _GNU_SOURCE
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/knowledge.h"
#include "report/report.h"
#include "util/units.h"

struct fctx {
	json_t *res, *out;
	const char *log; /* children.log, NUL-terminated, or NULL */
	int missed;	 /* a target missed, an expectation failed, or the run failed */
	int churn, user_server, user_clients;
	double target, peak;
};

/* ---- result.json by path ---- */

json_t *report_get(json_t *v, const char *path)
{
	char step[128];

	while (v && *path) {
		size_t n = strcspn(path, ".[");

		if (n) {
			snprintf(step, sizeof(step), "%.*s", (int)n, path);
			v = json_object_get(v, step);
			path += n;
		}
		if (*path == '[') {
			char *end;
			long i = strtol(path + 1, &end, 10);

			if (*end != ']' || i < 0)
				return NULL;
			v = json_array_get(v, (size_t)i);
			path = end + 1;
		}
		if (*path == '.')
			path++;
	}
	return v;
}

static double num(const struct fctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static double num(const struct fctx *x, const char *fmt, ...)
{
	char path[256];
	va_list ap;
	json_t *v;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	v = report_get(x->res, path);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *str(const struct fctx *x, const char *path)
{
	return json_string_value(report_get(x->res, path));
}

/* ---- building a finding ---- */

static json_t *finding(struct fctx *x, const char *id, const char *severity, double since,
		       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static json_t *finding(struct fctx *x, const char *id, const char *severity, double since,
		       const char *fmt, ...)
{
	char title[400];
	va_list ap;
	json_t *f;

	va_start(ap, fmt);
	vsnprintf(title, sizeof(title), fmt, ap);
	va_end(ap);
	f = json_pack("{s:s, s:s, s:s, s:o, s:[], s:s, s:s, s:n}", "id", id, "severity", severity,
		      "title", title, "since_s",
		      isnan(since) ? json_null() : json_real(round(since * 10) / 10), "evidence",
		      "explanation", "", "fix", "", "try");
	json_array_append_new(x->out, f);
	return f;
}

/* Evidence at a path of result.json; nothing when it is absent. */
static void ev(const struct fctx *x, json_t *f, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void ev(const struct fctx *x, json_t *f, const char *what, const char *fmt, ...)
{
	char path[256];
	va_list ap;
	json_t *v;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	v = report_get(x->res, path);
	if (!v || json_is_null(v))
		return;
	json_array_append_new(json_object_get(f, "evidence"),
			      json_pack("{s:s, s:O, s:s}", "what", what, "value", v, "path", path));
}

static void ev_line(json_t *f, const char *what, unsigned line, const char *text, unsigned count)
{
	json_array_append_new(json_object_get(f, "evidence"),
			      json_pack("{s:s, s:s, s:s, s:i, s:i}", "what", what, "value", text,
					"file", "children.log", "line", (int)line, "lines_like_it",
					(int)count));
}

static void text(json_t *f, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void text(json_t *f, const char *key, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	json_object_set_new(f, key, json_string(s ? s : ""));
	free(s);
}

static const char *severity(const struct fctx *x)
{
	return x->missed ? "cause" : "warning";
}

/* ---- what to look in ---- */

/* The first line of children.log holding needle: its number (from 1) and
 * text in buf, and how many lines hold it; 0 when none. */
static unsigned log_find(const struct fctx *x, const char *needle, char *buf, size_t len,
			 unsigned *count)
{
	unsigned line = 1, first = 0;
	const char *p = x->log;

	*count = 0;
	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);

		if (memmem(p, n, needle, strlen(needle))) {
			if (!first) {
				first = line;
				snprintf(buf, len, "%.*s", (int)(n < len - 1 ? n : len - 1), p);
			}
			(*count)++;
		}
		p = eol ? eol + 1 : NULL;
		line++;
	}
	return first;
}

/* The first kernel log line holding needle, its index; -1 when none. */
static int klog_find(const struct fctx *x, const char *needle)
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

static void ev_klog(const struct fctx *x, json_t *f, const char *needle)
{
	int k = klog_find(x, needle);

	if (k >= 0)
		ev(x, f, "the kernel's log", "kernel_log[%d]", k);
}

/* The namespace where counter name grew most: its name, the growth. */
static double counter_max(const struct fctx *x, const char *name, const char **ns)
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

static size_t tl_len(const struct fctx *x)
{
	return json_array_size(report_get(x->res, "timeline.t_s"));
}

static double tl(const struct fctx *x, const char *col, size_t i)
{
	return num(x, "timeline.%s[%zu]", col, i);
}

/* The first sample where col exceeds above, or -1. */
static long tl_first(const struct fctx *x, const char *col, double above)
{
	for (size_t i = 0, n = tl_len(x); i < n; i++)
		if (tl(x, col, i) > above)
			return (long)i;
	return -1;
}

/* The sample where col is largest, or -1. */
static long tl_max(const struct fctx *x, const char *col)
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

static double tl_t(const struct fctx *x, long i)
{
	return i < 0 ? NAN : tl(x, "t_s", (size_t)i);
}

static double count(const struct fctx *x, const char *path)
{
	double v = report_lookup_count(x->res, path);

	return isnan(v) ? 0 : v;
}

static const char *fmt_n(double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else if (fabs(v - round(v)) < 1e-9 || fabs(v) >= 1000)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.3g", v);
	return buf;
}

/* ---- the rules ---- */

/* Has an earlier rule found id (NULL: any) of severity (NULL: any) whose
 * title begins with prefix (NULL: any; "server" for the built-in server
 * or a user's)? */
static int found(const struct fctx *x, const char *id, const char *sev, const char *prefix)
{
	json_t *f;
	size_t i;

	json_array_foreach(x->out, i, f)
	{
		const char *fid = json_string_value(json_object_get(f, "id")) ?: "";
		const char *fsev = json_string_value(json_object_get(f, "severity")) ?: "";
		const char *title = json_string_value(json_object_get(f, "title")) ?: "";

		if ((!id || !strcmp(fid, id)) && (!sev || !strcmp(fsev, sev)) &&
		    (!prefix || !strncmp(title, prefix, strlen(prefix))))
			return 1;
	}
	return 0;
}

/* What follows from a server's death is not a cause of its own. */
static const char *after_death(const struct fctx *x)
{
	return found(x, "process-died", NULL, "server") || found(x, "epoll-watches", NULL, NULL)
		       ? "warning"
		       : severity(x);
}

static const char *death_note(const struct fctx *x)
{
	return found(x, "process-died", NULL, "server") ? ", as the server died (process-died)"
	       : found(x, "epoll-watches", NULL, NULL)
		       ? ", those it could not watch (epoll-watches)"
		       : "";
}

/* The index of phase name in "phases", or -1 when the run never entered
 * it. */
static int phase_index(const struct fctx *x, const char *name)
{
	json_t *p;
	size_t i;

	json_array_foreach(report_get(x->res, "phases"), i,
			   p) if (!strcmp(json_string_value(json_object_get(p, "name")) ?: "",
					  name)) return (int)i;
	return -1;
}

static int has_phase(const struct fctx *x, const char *name)
{
	return phase_index(x, name) >= 0;
}

/* The role of a processes[] entry: server, flood or command. */
static const char *role_of(json_t *p)
{
	const char *r = json_string_value(json_object_get(p, "role"));

	return r ? r : "";
}

static void rule_memory_floor(struct fctx *x)
{
	double hit = num(x, "memory.floor_hit_s");
	char a[32], b[32];
	json_t *f;

	if (isnan(hit))
		return;
	f = finding(
		x, "memory-floor", "cause", hit,
		"The ramp stopped at the memory floor: MemAvailable fell to %s MiB, below lab.memory_floor (%s MiB)",
		fmt_n(round(num(x, "memory.available_at_floor_bytes") / 1048576), a, sizeof(a)),
		fmt_n(round(num(x, "memory.floor_bytes") / 1048576), b, sizeof(b)));
	ev(x, f, "MemAvailable when the ramp stopped, bytes", "memory.available_at_floor_bytes");
	ev(x, f, "lab.memory_floor, bytes", "memory.floor_bytes");
	ev(x, f, "the machine's memory, bytes", "memory.total_bytes");
	ev(x, f, "connections established at the peak", "connections.established_peak");
	ev(x, f, "kernel slab per connection, bytes", "memory.kernel_slab_per_conn_bytes");
	text(f, "explanation",
	     "Every connection costs kernel memory (its sockets, their files and epoll entries) and a little in the programs. connlab watches MemAvailable, the kernel's estimate of what can still be allocated without swapping, and stops opening connections when it falls below the floor, so that the run never drives the host into the OOM killer. The connections already open were held and measured as usual.");
	text(f, "fix",
	     "This machine holds no more connections at this memory cost. Lower the floor only on a machine that runs nothing else, or free memory; fewer bytes per connection come from smaller socket buffers (net.ipv4.tcp_rmem, tcp_wmem) and from a server that keeps no buffer per idle connection.");
}

/* The user's epoll watches at fs.epoll.max_user_watches: every
 * epoll_ctl(ADD) of every process of that user fails with ENOSPC. */
static void rule_epoll(struct fctx *x)
{
	double e = count(x, "errors.ENOSPC"), max = num(x, "host.epoll_max_user_watches");
	char line[300], a[32], b[32], c[32];
	unsigned n = 0, l = log_find(x, "ENOSPC", line, sizeof(line), &n);
	long first = tl_first(x, "errors.ENOSPC", 0);
	json_t *f;

	if (!(e > 0) && !l)
		return;
	f = finding(
		x, "epoll-watches", severity(x), tl_t(x, first),
		"The lab's processes ran out of epoll watches: %s connects failed with ENOSPC at %s connections%s%s%s",
		fmt_n(e, a, sizeof(a)), fmt_n(x->peak, c, sizeof(c)),
		isnan(max) ? "" : " (fs.epoll.max_user_watches is ",
		isnan(max) ? "" : fmt_n(max, b, sizeof(b)), isnan(max) ? "" : ")");
	ev(x, f, "connects that failed with ENOSPC", "errors.ENOSPC");
	ev(x, f, "fs.epoll.max_user_watches", "host.epoll_max_user_watches");
	ev(x, f, "connections established at the peak", "connections.established_peak");
	ev(x, f, "connections the server closed", "connections.closed_by_server.count");
	if (l)
		ev_line(f, "a process's output", l, line, n);
	text(f, "explanation",
	     "An epoll program registers every socket it watches (epoll_ctl ADD), and the kernel caps the registrations of one user, in all its processes together, at fs.epoll.max_user_watches (by default 4%% of low memory divided by the cost of one, about 5.5 million on 24 GiB). Both ends of every connection run here as the same user, so the lab holds half of that: at the cap, epoll_ctl fails with ENOSPC (\"No space left on device\"); the flood counts the connect as failed and the server closes the connection it cannot watch.");
	text(f, "fix",
	     "On the host: sysctl -w fs.epoll.max_user_watches=%s (each watch costs about 160 bytes of kernel memory, only when used); or run the server as another user (the cap is per user). It is not a network sysctl: a lab cannot set it in its namespaces.",
	     fmt_n(ceil(x->target * 2.2 / 1e6) * 1e6, a, sizeof(a)));
}

/* The ramp ran out of time: how far it got, and how long connects took
 * early and late. */
static void rule_ramp_timeout(struct fctx *x)
{
	json_t *ph = report_get(x->res, "timeline.phase"), *f;
	int ri = phase_index(x, "ramp");
	double start = num(x, "phases[%d].start_s", ri), end = num(x, "phases[%d].end_s", ri);
	long lo = -1, hi = -1, early;
	char a[32], b[32], c[32], d[32];
	size_t i, n = tl_len(x);

	if (x->churn || x->user_clients || !isnan(num(x, "connections.ramp_s")) ||
	    !isnan(num(x, "memory.floor_hit_s")) || !(x->peak < x->target) || ri < 0 ||
	    !has_phase(x, "hold") || found(x, NULL, "cause", NULL))
		return; /* reached, stopped by the floor or another cause, or failed before the hold
			 */
	for (i = 0; i < n; i++)
		if (!strcmp(json_string_value(json_array_get(ph, i)) ?: "", "ramp") &&
		    !isnan(tl(x, "connect_mean_us", i))) {
			if (lo < 0)
				lo = (long)i;
			hi = (long)i;
		}
	early = lo + 1 < hi ? lo + 1 : lo;
	if (!isnan(num(x, "connections.ramp_stalled_s"))) {
		f = finding(
			x, "ramp-stalled", "cause", num(x, "connections.ramp_stalled_s"),
			"The ramp stalled at %s of %s connections: none was added for 30 s, and no rule found why",
			fmt_n(x->peak, a, sizeof(a)), fmt_n(x->target, b, sizeof(b)));
		ev(x, f, "when it stalled, s", "connections.ramp_stalled_s");
	} else {
		f = finding(
			x, "ramp-timeout", "cause", end,
			"The ramp ran out of time: %s of %s connections when lab.ramp_timeout (%s s) ended it",
			fmt_n(x->peak, a, sizeof(a)), fmt_n(x->target, b, sizeof(b)),
			fmt_n(round(end - start), c, sizeof(c)));
	}
	ev(x, f, "connections established at the peak", "connections.established_peak");
	ev(x, f, "connections asked", "connections.target");
	ev(x, f, "the ramp's start, s", "phases[%d].start_s", ri);
	ev(x, f, "the ramp's end, s", "phases[%d].end_s", ri);
	ev(x, f, "errors", "errors_total");
	if (lo >= 0 && hi > lo) {
		ev(x, f, "established early in the ramp", "timeline.established_clients[%ld]",
		   early);
		ev(x, f, "established at the ramp's end", "timeline.established_clients[%ld]", hi);
		ev(x, f, "mean connect time early in the ramp, us", "timeline.connect_mean_us[%ld]",
		   early);
		ev(x, f, "mean connect time late in the ramp, us", "timeline.connect_mean_us[%ld]",
		   hi);
	}
	if (!isnan(num(x, "connections.ramp_stalled_s"))) {
		text(f, "explanation",
		     "The connections stopped growing although the target was not reached and the floods kept trying: a limit that none of connlab's rules knows stood in the way. connlab held what was open rather than wait for lab.ramp_timeout.");
		text(f, "fix",
		     "Look at the errors and at children.log around the time cited, and at `connlab explain --json` for what moved; the kernel log (dmesg) may name the limit.");
		return;
	}
	text(f, "explanation",
	     "The flood keeps at most clients.inflight connects in progress, so the ramp's pace is inflight divided by the time one connect takes. When every core is busy (the lab's own processes, the kernel's handshakes) each connect waits longer for its turn, the pace falls, and lab.ramp_timeout ends the ramp with fewer connections than asked. The connect times cited: %s us early in the ramp, %s us at its end.",
	     fmt_n(early >= 0 ? tl(x, "connect_mean_us", (size_t)early) : NAN, a, sizeof(a)),
	     fmt_n(hi >= 0 ? tl(x, "connect_mean_us", (size_t)hi) : NAN, d, sizeof(d)));
	text(f, "fix",
	     "Give the ramp more time (--set lab.ramp_timeout=15m) or ask for fewer connections. On a small machine fewer processes help: each flood and server worker holds up to its open-file limit, so the plan's process count falls as that limit rises.");
	text(f, "try", "--set lab.ramp_timeout=15m");
}

static void rule_process_died(struct fctx *x)
{
	json_t *procs = json_object_get(x->res, "processes"), *p;
	size_t i;

	json_array_foreach(procs, i, p)
	{
		json_t *e = json_object_get(p, "exit");
		const char *sig = json_string_value(json_object_get(e, "signal"));
		const char *phase = json_string_value(json_object_get(e, "phase"));
		double code = json_number_value(json_object_get(e, "code"));
		int late = phase && (!strcmp(phase, "teardown") || !strcmp(phase, "drain"));
		int churn_done = phase && x->churn && json_is_integer(json_object_get(e, "code")) &&
				 code == 0 && !strcmp(role_of(p), "flood");
		char line[300];
		unsigned n, l;
		json_t *f;

		if (!json_is_object(e) || churn_done)
			continue;
		if (late && (!sig || !strcmp(sig, "SIGTERM") || !strcmp(sig, "SIGKILL")) &&
		    (sig || code == 0))
			continue;
		f = finding(x, "process-died", "cause",
			    json_number_value(json_object_get(e, "t_s")),
			    "%s (pid %d, %s) %s %s during the %s phase",
			    json_string_value(json_object_get(p, "name")),
			    (int)json_integer_value(json_object_get(p, "pid")),
			    json_string_value(json_object_get(p, "comm")),
			    sig ? "died of" : "exited with status",
			    sig ? sig : fmt_n(code, line, sizeof(line)), phase ? phase : "?");
		ev(x, f, "signal", "processes[%zu].exit.signal", i);
		ev(x, f, "exit status", "processes[%zu].exit.code", i);
		ev(x, f, "phase", "processes[%zu].exit.phase", i);
		ev(x, f, "its peak resident memory, bytes", "processes[%zu].peak_rss_bytes", i);
		ev_klog(x, f, "Killed process");
		ev_klog(x, f, "oom-kill");
		if ((l = log_find(x, "Traceback", line, sizeof(line), &n)) ||
		    (l = log_find(x, "Segmentation fault", line, sizeof(line), &n)) ||
		    (l = log_find(x, "died of signal", line, sizeof(line), &n)))
			ev_line(f, "its output", l, line, n);
		if (sig && !strcmp(sig, "SIGKILL") && klog_find(x, "Killed process") >= 0)
			text(f, "explanation",
			     "The kernel's OOM killer ended it: the host ran out of memory and the kernel killed the process with the largest badness score to free some. Every connection that process held was reset.");
		else
			text(f, "explanation",
			     "A lab process ended before the run did, so the connections it held closed with it and whatever it measured stopped. A signal such as SIGSEGV or SIGABRT is a crash in the program; an exit status is the program's own decision (its output in children.log says why).");
		text(f, "fix",
		     "Read the process's output in children.log (the lines cited here). A crash in connlab itself is a bug: report it with the run directory. For a user's command, run it by hand in the lab with `connlab up` to see it fail.");
	}
}

static void rule_fd_limit(struct fctx *x)
{
	json_t *procs = json_object_get(x->res, "processes"), *p;
	char line[300], a[32], b[32];
	unsigned n = 0, l = log_find(x, "Too many open files", line, sizeof(line), &n);
	double emfile = count(x, "errors.EMFILE") + count(x, "errors.ENFILE");
	size_t i;
	int any = 0;

	json_array_foreach(procs, i, p)
	{
		double peak = json_number_value(json_object_get(p, "peak_fds"));
		json_t *lim = json_object_get(p, "fd_limit");
		const char *role = role_of(p);
		json_t *f;

		if (!json_is_integer(lim) || !(peak >= 0.95 * (double)json_integer_value(lim)))
			continue;
		any = 1;
		f = finding(
			x, "fd-limit", severity(x),
			json_number_value(json_object_get(p, "peak_fds_s")),
			"%s (pid %d, %s) reached its open-file limit: %s files open of %s allowed",
			json_string_value(json_object_get(p, "name")),
			(int)json_integer_value(json_object_get(p, "pid")),
			json_string_value(json_object_get(p, "comm")), fmt_n(peak, a, sizeof(a)),
			fmt_n((double)json_integer_value(lim), b, sizeof(b)));
		ev(x, f, "its most open files", "processes[%zu].peak_fds", i);
		ev(x, f, "its RLIMIT_NOFILE", "processes[%zu].fd_limit", i);
		ev(x, f, "the hard limit of this machine", "host.fd_limit");
		if (emfile) {
			ev(x, f, "the floods' EMFILE errors", "errors.EMFILE");
			ev(x, f, "the floods' ENFILE errors", "errors.ENFILE");
		}
		if (l)
			ev_line(f, "its output", l, line, n);
		ev(x, f, "connects that timed out", "errors.ETIMEDOUT");
		text(f, "explanation",
		     "Every connection is a file descriptor in the process that holds it, and RLIMIT_NOFILE caps how many one process may hold. At the limit accept() (and socket()) fail with EMFILE, errno 24, \"Too many open files\". The kernel still completes handshakes on the listening socket, so connections pile up in its accept queue that nobody drains, and past the backlog new SYNs are dropped and clients time out.");
		if (!strcmp(role, "command") &&
		    (double)json_integer_value(lim) >= num(x, "host.fd_limit")) {
			double need = ceil(x->target / (0.9 * (double)json_integer_value(lim)));

			text(f, "fix",
			     "Its limit is already this machine's hard limit (host.fd_limit), which only a process with CAP_SYS_RESOURCE can raise: run %s or more server processes on the same port with SO_REUSEPORT, each under the limit, or hold fewer connections per process.",
			     fmt_n(need < 2 ? 2 : need, a, sizeof(a)));
		} else if (!strcmp(role, "command")) {
			double need = ceil(x->target / (double)json_integer_value(lim));

			text(f, "fix",
			     "Give the server a higher limit, up to this machine's hard limit (host.fd_limit): start it as `sh -c 'ulimit -n %s; exec YOUR-SERVER'`, or LimitNOFILE= in its systemd unit. Past the hard limit, run %s or more server processes on the same port with SO_REUSEPORT, each under the limit.",
			     fmt_n(num(x, "host.fd_limit"), a, sizeof(a)),
			     fmt_n(need < 2 ? 2 : need, b, sizeof(b)));
		} else if (!strcmp(role, "server")) {
			double need = ceil(x->target / (0.9 * (double)json_integer_value(lim)));

			text(f, "fix",
			     "More server processes share the ports with SO_REUSEPORT: try --set server.workers=%s.",
			     fmt_n(need, a, sizeof(a)));
			text(f, "try", "--set server.workers=%s", fmt_n(need, a, sizeof(a)));
		} else {
			double need = ceil(x->target / (0.9 * (double)json_integer_value(lim)));

			text(f, "fix", "More flood processes: try --set clients.workers=%s.",
			     fmt_n(need, a, sizeof(a)));
			text(f, "try", "--set clients.workers=%s", fmt_n(need, a, sizeof(a)));
		}
	}
	if (!any && (l || emfile)) {
		json_t *f = finding(
			x, "fd-limit", severity(x), NAN,
			"A lab process ran out of file descriptors (EMFILE, \"Too many open files\")");

		ev(x, f, "the floods' EMFILE errors", "errors.EMFILE");
		ev(x, f, "the floods' ENFILE errors", "errors.ENFILE");
		if (l)
			ev_line(f, "a process's output", l, line, n);
		text(f, "explanation",
		     "Every connection is a file descriptor, and RLIMIT_NOFILE caps how many one process may hold (ENFILE: the whole host's fs.file-max). At the limit accept() and socket() fail; the process's own peak was not caught between two samples.");
		text(f, "fix",
		     "Raise the process's limit (ulimit -n, LimitNOFILE=) or spread the connections over more processes (server.workers, clients.workers, or SO_REUSEPORT in a server of your own).");
	}
}

static void rule_tcp_memory(struct fctx *x)
{
	const char *ns1, *ns2;
	double press = counter_max(x, "TCPMemoryPressures", &ns1);
	double abort_ = counter_max(x, "TCPAbortOnMemory", &ns2);
	int k1 = klog_find(x, "consider tuning tcp_mem"),
	    k2 = klog_find(x, "too many orphaned sockets");
	/* the host's TCP memory (sockstat) against net.ipv4.tcp_mem's pressure
	 * mark, both in pages, where the run recorded them */
	double peak = num(x, "peaks.tcp_mem_pages"), mark = num(x, "host.tcp_mem_pages[1]");
	double page = num(x, "host.page_size");
	long over = isnan(mark) ? -1 : tl_first(x, "tcp_mem_pages", mark);
	char phase_path[64];
	const char *when = NULL;
	int late;
	char a[32], b[32], c[32], d[32], how[160], v[96], where[200] = "";
	json_t *f;

	if (!press && !abort_ && k1 < 0 && k2 < 0)
		return;
	if (over >= 0) {
		snprintf(phase_path, sizeof(phase_path), "timeline.phase[%ld]", over);
		when = str(x, phase_path);
	}
	late = when && (!strcmp(when, "drain") || !strcmp(when, "teardown")) && !abort_;
	if (when && !isnan(peak))
		snprintf(
			where, sizeof(where),
			"; it peaked at %s pages (%s) and crossed the pressure mark (%s) in the %s",
			fmt_n(peak, c, sizeof(c)),
			units_fmt_size((uint64_t)(peak * (isnan(page) ? 4096 : page)), d,
				       sizeof(d)),
			fmt_n(mark, b, sizeof(b)), when);
	f = finding(
		x, "tcp-memory", abort_ > 0 || k1 >= 0 || k2 >= 0 ? severity(x) : "warning",
		over >= 0 ? tl_t(x, over) : NAN,
		"TCP ran short of socket memory: %s memory-pressure episodes, %s connections aborted%s",
		fmt_n(press, a, sizeof(a)), fmt_n(abort_, b, sizeof(b)), where);
	if (ns1)
		ev(x, f, "TCPMemoryPressures", "counters.%s.TCPMemoryPressures", ns1);
	if (ns2)
		ev(x, f, "TCPAbortOnMemory", "counters.%s.TCPAbortOnMemory", ns2);
	ev(x, f, "TCP memory of the host at the peak, pages", "peaks.tcp_mem_pages");
	ev(x, f, "net.ipv4.tcp_mem (low, pressure, hard mark), pages", "host.tcp_mem_pages");
	if (over >= 0) {
		ev(x, f, "the first sample above the pressure mark, pages",
		   "timeline.tcp_mem_pages[%ld]", over);
		ev(x, f, "its phase", "timeline.phase[%ld]", over);
	}
	ev_klog(x, f, "consider tuning tcp_mem");
	ev_klog(x, f, "too many orphaned sockets");
	ev(x, f, "orphan sockets at the peak (host)", "peaks.orphans_host");
	text(f, "explanation",
	     "The kernel caps the memory of all TCP buffers together (net.ipv4.tcp_mem, in pages, for the whole host). Above its pressure mark every socket's buffers are trimmed; above the hard mark new data is dropped and, for sockets nobody owns any more (orphans: closed by the program, still sending), the connection is aborted with a reset: \"out of memory -- consider tuning tcp_mem\" or \"too many orphaned sockets\" (net.ipv4.tcp_max_orphans).%s",
	     late ? " Here it happened at the end, when every connection closed at once (a closing socket keeps its buffers until its FIN is acknowledged): after the hold's measurements, so no figure of the hold changed (held idle connections keep almost no TCP memory)."
		  : "");
	if (!isnan(peak) && !isnan(mark)) {
		double lo = num(x, "host.tcp_mem_pages[0]");

		snprintf(v, sizeof(v), "%.0f %.0f %.0f", isnan(lo) ? peak / 2 : lo, peak * 1.2,
			 peak * 2);
		kernel_sysctl_how("net.ipv4.tcp_mem", v, how, sizeof(how));
		text(f, "fix",
		     "Room for this run's peak: %s (pages; `connlab doctor` says what a lab needs before it runs). Or smaller buffers, per namespace: --set \"sysctl.net.ipv4.tcp_rmem=4096 16384 65536\".",
		     how);
	} else {
		text(f, "fix",
		     "On the host: raise net.ipv4.tcp_mem (three numbers, pages) or tcp_max_orphans, or make the buffers smaller (net.ipv4.tcp_rmem and tcp_wmem, per namespace: --set \"sysctl.net.ipv4.tcp_rmem=4096 16384 65536\").");
	}
}

static void rule_conntrack(struct fctx *x)
{
	double drops = num(x, "conntrack.drops_total"), max = num(x, "conntrack.max_host");
	json_t *ct = json_object_get(x->res, "conntrack"), *v;
	const char *ns, *full = NULL;
	int k = klog_find(x, "table full");
	long first = tl_first(x, "conntrack_drops", 0);
	unsigned lost_in = 0, lost_all = 0, fail_in = 0, fail_all = 0;
	char a[32], b[32];
	json_t *f;

	json_object_foreach(ct, ns, v) if (json_is_object(v) && max > 0 &&
					   json_number_value(json_object_get(v, "peak_count")) >=
						   0.95 * max) full = ns;
	if (!(drops > 0) && !full && k < 0)
		return;
	for (size_t i = 0, n = tl_len(x); i < n; i++) {
		int dropping = i && tl(x, "conntrack_drops", i) > tl(x, "conntrack_drops", i - 1);
		unsigned lost = (unsigned)tl(x, "pings_lost", i),
			 fail = (unsigned)tl(x, "probe_connect_failures", i);

		lost_all += lost;
		fail_all += fail;
		if (dropping) {
			lost_in += lost;
			fail_in += fail;
		}
	}
	f = finding(
		x, "conntrack-full", severity(x), tl_t(x, first),
		"The connection tracking table was full: %s packets dropped for want of an entry",
		fmt_n(drops, a, sizeof(a)));
	if (full)
		ev(x, f, "entries at the peak", "conntrack.%s.peak_count", full);
	ev(x, f, "nf_conntrack_max (the whole host)", "conntrack.max_host");
	ev(x, f, "drops (drop, early_drop, insert_failed)", "conntrack.drops_total");
	ev_klog(x, f, "table full");
	if (first >= 0)
		ev(x, f, "drops by the first sample with any", "timeline.conntrack_drops[%ld]",
		   first);
	ev(x, f, "pings lost in all", "ping.all.lost");
	ev(x, f, "probe connects that failed in all", "probe_connect.all.failures");
	text(f, "explanation",
	     "With netfilter's connection tracking loaded, every new flow needs an entry in one table for the whole host (net.netfilter.nf_conntrack_max). When it is full the kernel drops the packet that would need a new entry (\"nf_conntrack: table full, dropping packet\"): new connections, and also a ping or a probe's SYN from a machine that had nothing to do with the load. Of the pings lost, %u of %u fell in the intervals where the table dropped packets; of the failed probe connects, %u of %u.",
	     lost_in, lost_all, fail_in, fail_all);
	text(f, "fix",
	     "Do not track flows that need no NAT or state: a notrack rule in the raw table for the service port (lab/conntrack-notrack.nft; try it with --set \"server.setup=nft -f {labdir}/conntrack-notrack.nft\"), or raise nf_conntrack_max on the host (about 300 bytes an entry), or lower nf_conntrack_tcp_timeout_established. Now %s entries of %s.",
	     fmt_n(full ? num(x, "conntrack.%s.peak_count", full) : NAN, a, sizeof(a)),
	     fmt_n(max, b, sizeof(b)));
	text(f, "try", "--set \"server.setup=nft -f {labdir}/conntrack-notrack.nft\"");
}

static void rule_syn_queue(struct fctx *x)
{
	const char *ns1, *ns2, *ns3;
	double full = counter_max(x, "TCPReqQFullDrop", &ns1),
	       cookies = counter_max(x, "SyncookiesSent", &ns2);
	double docook = counter_max(x, "TCPReqQFullDoCookies", &ns3);
	int k = klog_find(x, "Possible SYN flooding");
	char a[32], b[32];
	json_t *f;

	if (!full && !cookies && !docook && k < 0)
		return;
	f = finding(x, "syn-queue", severity(x), NAN,
		    "The SYN queue overflowed: %s SYNs dropped, %s answered with SYN cookies",
		    fmt_n(full, a, sizeof(a)), fmt_n(cookies, b, sizeof(b)));
	if (ns1)
		ev(x, f, "TCPReqQFullDrop", "counters.%s.TCPReqQFullDrop", ns1);
	if (ns2)
		ev(x, f, "SyncookiesSent", "counters.%s.SyncookiesSent", ns2);
	if (ns3)
		ev(x, f, "TCPReqQFullDoCookies", "counters.%s.TCPReqQFullDoCookies", ns3);
	ev_klog(x, f, "Possible SYN flooding");
	ev(x, f, "SYN_RECV at the peak", "peaks.syn_recv");
	ev(x, f, "the listen backlog asked", "plan.server_backlog");
	text(f, "explanation",
	     "A SYN that arrives makes a request socket (SYN_RECV) until the client's ACK completes the handshake. Their number per listener is capped by the backlog and net.ipv4.tcp_max_syn_backlog; past it the kernel drops the SYN (TCPReqQFullDrop) or, with net.ipv4.tcp_syncookies, answers with a cookie and keeps no state (SyncookiesSent, and the kernel's \"Possible SYN flooding\" line). A SYN that is dropped is sent again after 1 s, then 3 s, 7 s: connect times jump by whole seconds.");
	text(f, "fix",
	     "A longer queue: --set server.backlog=N with net.core.somaxconn and net.ipv4.tcp_max_syn_backlog at least N in the server namespace; or fewer SYNs at once: --set clients.rate=N/s or a smaller clients.inflight.");
	text(f, "try",
	     "--set server.backlog=65535 --set sysctl.net.core.somaxconn=65535 --set sysctl.net.ipv4.tcp_max_syn_backlog=65535");
}

static void rule_accept_queue(struct fctx *x)
{
	double over = num(x, "counters.srv.ListenOverflows"),
	       drops = num(x, "counters.srv.ListenDrops");
	long first = tl_first(x, "listen_overflows", 0), peak = tl_max(x, "accept_queue");
	char a[32];
	json_t *f;

	if (!(over > 0) && !(drops > 0))
		return;
	f = finding(x, "accept-queue", severity(x), tl_t(x, first),
		    "The server's accept queue overflowed %s times: %s", fmt_n(over, a, sizeof(a)),
		    found(x, "fd-limit", NULL, "server")
			    ? "the server had stopped accepting at its open-file limit (fd-limit)"
			    : "it did not accept() as fast as connections arrived");
	ev(x, f, "ListenOverflows in the server namespace", "counters.srv.ListenOverflows");
	ev(x, f, "ListenDrops in the server namespace", "counters.srv.ListenDrops");
	if (peak >= 0 && tl(x, "accept_queue", (size_t)peak) > 0)
		ev(x, f, "connections waiting in the accept queue at its peak",
		   "timeline.accept_queue[%ld]", peak);
	ev(x, f, "the listen backlog asked", "plan.server_backlog");
	ev(x, f, "connects that timed out", "errors.ETIMEDOUT");
	ev(x, f, "probe connects that failed", "probe_connect.all.failures");
	text(f, "explanation",
	     "A completed handshake waits in its listener's accept queue until the program calls accept(). The queue holds the backlog given to listen(), capped by net.core.somaxconn; when it is full the kernel drops the client's final ACK (ListenOverflows, ListenDrops), the client thinks it is connected while the server retries its SYN-ACK, and new SYNs are dropped: connects time out. A server that stopped accepting (see fd-limit) or accepts too slowly looks like this.");
	if (found(x, "fd-limit", NULL, "server")) {
		text(f, "fix", "Fix fd-limit first: a server that cannot accept fills any queue.");
		return;
	}
	text(f, "fix",
	     "Make the server accept faster (more processes on the port with SO_REUSEPORT: --set server.workers=N for the built-in one) and give it the limits it needs; a longer queue only absorbs bursts: --set server.backlog=65535 with --set sysctl.net.core.somaxconn=65535.");
	text(f, "try", "--set server.backlog=65535 --set sysctl.net.core.somaxconn=65535");
}

static void rule_ports(struct fctx *x)
{
	double e = count(x, "errors.EADDRNOTAVAIL"), tw = num(x, "peaks.time_wait");
	double addrs = num(x, "plan.client_addresses"), sports = num(x, "plan.server_ports");
	double range = num(x, "plan.local_ports"), cap = addrs * sports * range;
	long first = tl_first(x, "errors.EADDRNOTAVAIL", 0);
	char a[32], b[32], c[32], d[32], g[32];
	json_t *f;

	if (!(e > 0))
		return;
	f = finding(
		x, "ports", severity(x), tl_t(x, first),
		"Local ports ran out: %s connects failed with EADDRNOTAVAIL; %s address x %s server port x %s local ports give %s connections at once",
		fmt_n(e, a, sizeof(a)), fmt_n(addrs, b, sizeof(b)), fmt_n(sports, c, sizeof(c)),
		fmt_n(range, d, sizeof(d)), fmt_n(cap, g, sizeof(g)));
	ev(x, f, "connects that failed with EADDRNOTAVAIL", "errors.EADDRNOTAVAIL");
	ev(x, f, "TIME_WAIT at the peak", "peaks.time_wait");
	ev(x, f, "client source addresses", "plan.client_addresses");
	ev(x, f, "server ports", "plan.server_ports");
	ev(x, f, "local ports (ip_local_port_range)", "plan.local_ports");
	ev(x, f, "first local port", "plan.local_port_first");
	ev(x, f, "last local port", "plan.local_port_last");
	text(f, "explanation",
	     "A TCP connection is named by its four-tuple: source address and port, destination address and port. For one source address and one server address and port, the client has only the ports of net.ipv4.ip_local_port_range, and a port stays taken while its socket is open or in TIME_WAIT (60 s after the side that closed first). When none is free connect() fails with EADDRNOTAVAIL, \"Cannot assign requested address\". TIME_WAIT at the peak here: %s of %s.",
	     fmt_n(tw, a, sizeof(a)), fmt_n(cap, b, sizeof(b)));
	if (x->churn) {
		double rate = num(x, "connections.ramp_rate");
		double need = isnan(rate) ? NAN : ceil(rate * 60 / (sports * range));

		text(f, "fix",
		     "Ranked: 1. let a new connect reuse a TIME_WAIT port after 1 s: --set sysctl.net.ipv4.tcp_tw_reuse=1 (safe with TCP timestamps; covers %s connections a second per address and server port); 2. let the server close first, so that TIME_WAIT stays on its side, where it costs no port: --set clients.closer=server; 3. more source addresses: at %s connections a second TIME_WAIT needs %s addresses (--set clients.addresses=N); 4. a wider port range: --set \"sysctl.net.ipv4.ip_local_port_range=1024 65535\".",
		     fmt_n(range, a, sizeof(a)), fmt_n(round(rate), b, sizeof(b)),
		     fmt_n(need, c, sizeof(c)));
		text(f, "try", "--set sysctl.net.ipv4.tcp_tw_reuse=1");
	} else {
		double need = ceil(x->target / (sports * range) * 1.05);

		text(f, "fix",
		     "Ranked: 1. more source addresses, each with its own %s ports: --set clients.addresses=%s; 2. more server ports (each multiplies the pairs): --set server.ports=8081-8088; 3. a wider port range: --set \"sysctl.net.ipv4.ip_local_port_range=1024 65535\" (%s ports). Without clients.beyond_ports = try, connlab refuses such a plan and says so before it starts.",
		     fmt_n(range, a, sizeof(a)),
		     fmt_n(need > addrs ? need : addrs + 1, b, sizeof(b)),
		     fmt_n(64512, c, sizeof(c)));
		text(f, "try", "--set clients.addresses=%s", b);
	}
}

static void rule_tw_overflow(struct fctx *x)
{
	const char *ns;
	double o = counter_max(x, "TCPTimeWaitOverflow", &ns);
	int k = klog_find(x, "time wait bucket table overflow");
	char a[32];
	json_t *f;

	/* holding, TIME_WAIT comes only with the drain and the teardown,
	 * where the cap distorts nothing */
	if ((!o && k < 0) || !x->churn)
		return;
	f = finding(x, "time-wait-overflow", "warning", NAN,
		    "The TIME_WAIT table was full: %s closing connections skipped TIME_WAIT",
		    fmt_n(o, a, sizeof(a)));
	if (ns)
		ev(x, f, "TCPTimeWaitOverflow", "counters.%s.TCPTimeWaitOverflow", ns);
	ev_klog(x, f, "time wait bucket table overflow");
	ev(x, f, "TIME_WAIT at the peak", "peaks.time_wait");
	text(f, "explanation",
	     "Each namespace keeps at most net.ipv4.tcp_max_tw_buckets sockets in TIME_WAIT. Past it a closing socket is destroyed at once (\"time wait bucket table overflow\"): its port is free again, but a late segment of the old connection could reach a new one. The TIME_WAIT figures of this run are capped by that limit, not by the rate.");
	text(f, "fix",
	     "Raise it in the lab: --set sysctl.net.ipv4.tcp_max_tw_buckets=1048576, or let fewer connections close per second.");
	text(f, "try", "--set sysctl.net.ipv4.tcp_max_tw_buckets=1048576");
}

static void rule_closed_by_server(struct fctx *x)
{
	double n = num(x, "connections.closed_by_server.count");
	const char *bytes = str(x, "connections.closed_by_server.first_bytes");
	long first = tl_first(x, "closed_by_server", 0);
	char a[32];
	json_t *f;

	if (!(n > 0) || (x->churn && !strcmp(str(x, "plan.closer") ?: "", "server")))
		return;
	f = finding(x, "closed-by-server", after_death(x), tl_t(x, first),
		    "The server closed %s connections%s%s%s%s", fmt_n(n, a, sizeof(a)),
		    bytes ? " after sending \"" : "", bytes ? bytes : "", bytes ? "\"" : "",
		    death_note(x));
	ev(x, f, "connections the server closed", "connections.closed_by_server.count");
	ev(x, f, "the first bytes it sent before closing one",
	   "connections.closed_by_server.first_bytes");
	ev(x, f, "their median life from connect(), ms",
	   "connections.closed_by_server.life_p50_ms");
	ev(x, f, "lines received in all", "connections.lines_received");
	ev(x, f, "errors", "errors_total");
	text(f, "explanation",
	     "The server accepted these connections and then closed them itself: the flood read its FIN (a read of 0 bytes), not an error, so they count as \"closed by the server\" and not under errors. A server at its own limit often does this (redis answers \"-ERR max number of clients reached\" and closes; others close without a word). Half their lives were shorter than the median cited.");
	text(f, "fix",
	     "Read the server's answer above and its own limits (redis: maxclients; nginx: worker_connections and worker_rlimit_nofile); raise them, or spread the connections over more server processes.");
}

static void rule_resets(struct fctx *x)
{
	double rst = count(x, "errors.ECONNRESET"), ref = count(x, "errors.ECONNREFUSED");
	long first;
	char a[32];
	json_t *f;

	if (rst > 0) {
		first = tl_first(x, "errors.ECONNRESET", 0);
		f = finding(x, "connection-reset", after_death(x), tl_t(x, first),
			    "%s connections were reset by the other side%s",
			    fmt_n(rst, a, sizeof(a)), death_note(x));
		ev(x, f, "ECONNRESET", "errors.ECONNRESET");
		ev(x, f, "resets sent by the server namespace (OutRsts)", "counters.srv.OutRsts");
		ev(x, f, "resets received while established (EstabResets)",
		   "counters.srv.EstabResets");
		text(f, "explanation",
		     "A reset (RST) ends a connection at once, without the orderly FIN exchange. The kernel sends one for a socket that was closed with unread data, one aborted for lack of memory, a connection closed with SO_LINGER 0, or a segment for a connection it does not know (one it dropped from a full queue).");
		text(f, "fix",
		     "Look for the cause in the other findings (memory, queues) and in the server's log; a server that closes with unread input sends resets.");
	}
	if (ref > 0) {
		first = tl_first(x, "errors.ECONNREFUSED", 0);
		f = finding(x, "connection-refused", after_death(x), tl_t(x, first),
			    "%s connects were refused: nothing listened on the address and port%s",
			    fmt_n(ref, a, sizeof(a)), death_note(x));
		ev(x, f, "ECONNREFUSED", "errors.ECONNREFUSED");
		ev(x, f, "server ports", "plan.server_ports");
		text(f, "explanation",
		     "The server's kernel answers a SYN with a reset when no socket listens on that address and port: connect() fails with ECONNREFUSED. The server was not listening (yet, any more, or on another port or address).");
		text(f, "fix",
		     "Check that the server listens on every port of server.ports and on the address connlab gives it ({address} in server.command); a server that died shows as process-died.");
	}
}

static void rule_close_wait(struct fctx *x)
{
	double peak = num(x, "peaks.close_wait"), best = 0;
	json_t *st = json_object_get(x->res, "states"), *v;
	const char *ns, *side = NULL;
	long first = tl_first(x, "states.close_wait", 0);
	char a[32];
	json_t *f;

	long last = -1;
	json_t *ph = report_get(x->res, "timeline.phase");

	if (!(peak >= 100) || peak < 0.01 * x->target)
		return;
	/* piling up, not passing through: still there in the last sample of
	 * the load (a program that closes at once shows a few in passing) */
	for (size_t i = 0, n = tl_len(x); i < n; i++) {
		const char *p = json_string_value(json_array_get(ph, i)) ?: "";

		if (!strcmp(p, "hold") || !strcmp(p, "ramp") || !strcmp(p, "churn"))
			last = (long)i;
	}
	if (last < 0 || !(tl(x, "states.close_wait", (size_t)last) >= 0.5 * peak))
		return;
	json_object_foreach(st, ns, v)
	{
		double c = json_number_value(report_get(v, "peak.CLOSE_WAIT"));

		if (c > best) {
			best = c;
			side = ns;
		}
	}
	f = finding(
		x, "close-wait", severity(x), tl_t(x, first),
		"%s connections sat in CLOSE_WAIT%s%s: the program there got the FIN and never closed its socket",
		fmt_n(peak, a, sizeof(a)), side ? " in namespace " : "", side ? side : "");
	ev(x, f, "CLOSE_WAIT at the peak", "peaks.close_wait");
	ev(x, f, "CLOSE_WAIT still at the end of the load", "timeline.states.close_wait[%ld]",
	   last);
	if (side)
		ev(x, f, "CLOSE_WAIT at the peak in that namespace", "states.%s.peak.CLOSE_WAIT",
		   side);
	ev(x, f, "sockets in FIN_WAIT2 on the other side", "states.%s.peak.FIN_WAIT2",
	   side && !strcmp(side, "srv") ? "c0" : "srv");
	text(f, "explanation",
	     "CLOSE_WAIT means the peer has closed its side (its FIN arrived) and the kernel waits for this program to call close(). The kernel never times it out: a program that does not notice the end of a connection (a read of 0 bytes) leaks one socket and one file descriptor per connection until it runs out of files. The other side waits in FIN_WAIT2, which does time out (net.ipv4.tcp_fin_timeout).");
	text(f, "fix",
	     "Fix the program: close the socket when a read returns 0 (or on EPOLLRDHUP). In this lab the built-in server's silent mode never closes on purpose; keepalive mode does: --set server.mode=keepalive.");
	text(f, "try", "--set server.mode=keepalive");
}

static void rule_port_search(struct fctx *x)
{
	double addrs = num(x, "plan.client_addresses"), sports = num(x, "plan.server_ports");
	double range = num(x, "plan.local_ports"), per_pair = x->target / (addrs * sports);
	size_t n = tl_len(x);
	long lo = -1, hi = -1;
	char a[32], b[32];
	json_t *f;

	if (x->churn || num(x, "errors_total") > 0 || !(per_pair >= 0.1 * range))
		return;
	/* the first and the last interval of the ramp with connects */
	for (size_t i = 0; i < n; i++) {
		json_t *p = report_get(x->res, "timeline.phase");

		if (strcmp(json_string_value(json_array_get(p, i)) ?: "", "ramp") ||
		    isnan(tl(x, "connect_mean_us", i)))
			continue;
		if (lo < 0)
			lo = (long)i;
		hi = (long)i;
	}
	if (lo < 0 || hi <= lo || !(tl(x, "connect_mean_us", (size_t)hi) >= 1000) ||
	    !(tl(x, "connect_mean_us", (size_t)hi) >= 4 * tl(x, "connect_mean_us", (size_t)lo)))
		return;
	f = finding(
		x, "connect-port-search", "warning", tl_t(x, hi),
		"connect() slowed from %s us to %s us as each source address and server port filled up, without errors",
		fmt_n(tl(x, "connect_mean_us", (size_t)lo), a, sizeof(a)),
		fmt_n(tl(x, "connect_mean_us", (size_t)hi), b, sizeof(b)));
	ev(x, f, "mean connect time early in the ramp, us", "timeline.connect_mean_us[%ld]", lo);
	ev(x, f, "mean connect time late in the ramp, us", "timeline.connect_mean_us[%ld]", hi);
	ev(x, f, "client source addresses", "plan.client_addresses");
	ev(x, f, "server ports", "plan.server_ports");
	ev(x, f, "local ports (ip_local_port_range)", "plan.local_ports");
	ev(x, f, "connections asked", "connections.target");
	text(f, "explanation",
	     "connect() without a bound port makes the kernel search ip_local_port_range for a port that is free for this destination; when most ports of a (source address, server address, server port) are taken, the search walks more and more of them (it also takes a lock per port), and each connect costs more CPU in the kernel. Here %s connections share each pair of %s ports.",
	     fmt_n(round(per_pair), a, sizeof(a)), fmt_n(range, b, sizeof(b)));
	text(f, "fix",
	     "Spread the connections over more pairs so that each pair uses a small part of the range: more source addresses (--set clients.addresses=N) or server ports.");
	text(f, "try", "--set clients.addresses=%s",
	     fmt_n(ceil(x->target / (sports * range * 0.05)), a, sizeof(a)));
}

static void rule_retrans(struct fctx *x)
{
	json_t *c = json_object_get(x->res, "counters"), *v;
	const char *ns, *worst = NULL, *dropns = NULL;
	double best = 0, drops = 0;
	char a[32], b[32];
	json_t *f;

	json_object_foreach(c, ns, v)
	{
		double r = json_number_value(json_object_get(v, "RetransSegs")),
		       o = json_number_value(json_object_get(v, "OutSegs")),
		       d = json_number_value(json_object_get(v, "link_drops"));

		if (r > 100 && r > 0.01 * o && r > best) {
			best = r;
			worst = ns;
		}
		if (d > drops) {
			drops = d;
			dropns = ns;
		}
	}
	if (!worst && !dropns)
		return;
	f = finding(
		x, "retransmissions", "warning", tl_t(x, tl_first(x, "link_drops", 0)),
		"Segments were lost and sent again: %s retransmitted%s%s, %s dropped on the links",
		fmt_n(best, a, sizeof(a)), worst ? " in " : "", worst ? worst : "",
		fmt_n(drops, b, sizeof(b)));
	if (worst) {
		ev(x, f, "RetransSegs", "counters.%s.RetransSegs", worst);
		ev(x, f, "OutSegs", "counters.%s.OutSegs", worst);
	}
	if (dropns)
		ev(x, f, "packets dropped on that namespace's link", "counters.%s.link_drops",
		   dropns);
	text(f, "explanation",
	     "A segment that is not acknowledged in time is sent again after the retransmission timeout (at least 200 ms, doubling each time): a connect or request that meets one takes hundreds of milliseconds more. Drops on a veth link come from a full queue (a burst larger than the receiving side's backlog, net.core.netdev_max_backlog) or from the other side being gone.%s",
	     found(x, "accept-queue", NULL, NULL) || found(x, "syn-queue", NULL, NULL) ||
			     found(x, "conntrack-full", NULL, NULL)
		     ? " Here the kernel itself dropped handshakes (see the findings above): every SYN or ACK it dropped was sent again, so most of these retransmissions follow from them."
		     : "");
	text(f, "fix",
	     "Smooth the bursts: a lower clients.rate or clients.inflight; on the host, a larger net.core.netdev_max_backlog.");
}

static void rule_memory_low(struct fctx *x)
{
	double min = num(x, "memory.available_min_bytes"), total = num(x, "memory.total_bytes");
	char a[32], b[32];
	json_t *f;

	if (!isnan(num(x, "memory.floor_hit_s")) || !(min < 0.2 * total))
		return;
	f = finding(x, "memory-low", "warning", num(x, "memory.available_min_s"),
		    "The host ran low on memory: MemAvailable fell to %s MiB of %s MiB",
		    fmt_n(round(min / 1048576), a, sizeof(a)),
		    fmt_n(round(total / 1048576), b, sizeof(b)));
	ev(x, f, "MemAvailable at its lowest, bytes", "memory.available_min_bytes");
	ev(x, f, "the machine's memory, bytes", "memory.total_bytes");
	ev(x, f, "lab.memory_floor, bytes", "memory.floor_bytes");
	text(f, "explanation",
	     "Below about a fifth of memory available the kernel reclaims caches harder, which costs time in every process that allocates, and latency figures grow for reasons that have nothing to do with the network.");
	text(f, "fix",
	     "Run fewer connections or on a machine with more memory; lab.memory_floor stops a ramp before it is too late.");
}

static void rule_launcher(struct fctx *x)
{
	long i = tl_max(x, "sample_lag_ms");
	double lag = i >= 0 ? tl(x, "sample_lag_ms", (size_t)i) : NAN;
	double iv = num(x, "timeline.interval_s");
	unsigned late = 0;
	char a[32];
	json_t *f;

	if (!(lag >= 100) || !(lag >= 200 * iv))
		return;
	for (size_t k = 0, n = tl_len(x); k < n; k++)
		late += tl(x, "sample_lag_ms", k) >= 100;
	f = finding(
		x, "launcher-delayed", "warning", tl_t(x, tl_first(x, "sample_lag_ms", 99.999)),
		"The launcher itself ran late (up to %s ms in %u samples): latency figures of those intervals are upper bounds",
		fmt_n(lag, a, sizeof(a)), late);
	ev(x, f, "the latest sample, ms late", "timeline.sample_lag_ms[%ld]", i);
	ev(x, f, "the launcher's CPU during the hold, percent of a core",
	   "memory.launcher_cpu_hold_percent");
	ev(x, f, "the host's CPUs", "host.cpus");
	text(f, "explanation",
	     "The launcher reads ping answers and probe connects in its own event loop. When that loop waits for a CPU (every core busy with the ramp) an answer that came back in time is read late and counted late, so ping and probe times of those intervals measure the wait as well: what the kernel did is at most what they say.");
	text(f, "fix",
	     "Leave a core free: a lower clients.rate, fewer flood processes (clients.workers) than cores, or a bigger machine.");
}

/* The findings active at time t (since_s at or before it). */
static void active_at(const struct fctx *x, double t, char *buf, size_t len)
{
	json_t *f;
	size_t i, o = 0;

	buf[0] = 0;
	json_array_foreach(x->out, i, f)
	{
		double s = json_number_value(json_object_get(f, "since_s"));
		const char *id = json_string_value(json_object_get(f, "id"));

		if (!json_is_number(json_object_get(f, "since_s")) || s > t + 1 ||
		    o + strlen(id) + 3 > len)
			continue;
		o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? ", " : "", id);
	}
}

static void rule_ping(struct fctx *x)
{
	double sent = num(x, "ping.all.sent"), lost = num(x, "ping.all.lost");
	double b99 = num(x, "ping.before.p99_ms"),
	       h99 = num(x, x->churn ? "ping.ramp.p99_ms" : "ping.hold.p99_ms");
	double hsent = num(x, x->churn ? "ping.ramp.sent" : "ping.hold.sent");
	double b50 = num(x, "ping.before.p50_ms"),
	       h50 = num(x, x->churn ? "ping.ramp.p50_ms" : "ping.hold.p50_ms");
	long first = tl_first(x, "pings_lost", 0);
	char a[32], b[32], c[32], d[32], act[200];
	const char *loadph = x->churn ? "churn" : "hold";
	json_t *f;

	if (!(sent > 0) || !(hsent > 0))
		return; /* no ping under the load: nothing to say */
	/* the median moving is the load; a p99 of a few pings on a shared
	 * machine moves by itself, so it counts only when it moves a lot */
	if (lost > 0 || (h50 > 3 * b50 && h50 >= 1) || (h99 > 10 * b99 && h99 >= 20)) {
		double t = first >= 0 ? tl_t(x, first) : NAN;

		double hlost = num(x, x->churn ? "ping.ramp.lost" : "ping.hold.lost");
		double hans = num(x, x->churn ? "ping.ramp.count" : "ping.hold.count");
		char rtt[96];

		if (hans > 0)
			snprintf(rtt, sizeof(rtt), "RTT p99 %s ms against %s ms before the load",
				 fmt_n(h99, c, sizeof(c)), fmt_n(b99, d, sizeof(d)));
		else
			snprintf(rtt, sizeof(rtt), "none answered");
		f = finding(
			x, "ping-affected", "warning", t,
			"Ping suffered under the load: %s of %s pings lost during the %s, %s (%s lost in all)",
			fmt_n(hlost, a, sizeof(a)), fmt_n(hsent, b, sizeof(b)), loadph, rtt,
			fmt_n(lost, act, sizeof(act)));
		active_at(x, isnan(t) ? 1e18 : t, act, sizeof(act));
		ev(x, f, "pings lost in all", "ping.all.lost");
		ev(x, f, "pings sent in all", "ping.all.sent");
		ev(x, f, "pings lost under the load",
		   x->churn ? "ping.ramp.lost" : "ping.hold.lost");
		ev(x, f, "pings sent under the load",
		   x->churn ? "ping.ramp.sent" : "ping.hold.sent");
		ev(x, f, "RTT p99 before the load, ms", "ping.before.p99_ms");
		if (hans > 0)
			ev(x, f, "RTT p99 under the load, ms",
			   x->churn ? "ping.ramp.p99_ms" : "ping.hold.p99_ms");
		if (first >= 0)
			ev(x, f, "pings lost in the first interval with a loss",
			   "timeline.pings_lost[%ld]", first);
		text(f, "explanation",
		     "The ping goes from a namespace of its own, through the same server kernel, so it shows what any other user of this host would have felt. %s%s",
		     act[0] ? "Active when the first ping was lost or slow: "
			    : "No other finding was active then: the cause is not one connlab knows.",
		     act);
		text(f, "fix", "See the findings named; each has its fix.");
		return;
	}
	if (!(x->peak >= 1000) || !(x->peak >= 0.5 * x->target))
		return; /* too little load to answer the question */
	f = finding(
		x, "ping-unaffected", "note", NAN,
		"Ping was unaffected: with %s connections %s, %s of %s pings were lost and RTT p99 was %s ms (%s ms before the load)",
		fmt_n(x->peak, a, sizeof(a)), x->churn ? "churned" : "held",
		fmt_n(lost, b, sizeof(b)), fmt_n(sent, c, sizeof(c)), fmt_n(h99, d, sizeof(d)),
		fmt_n(b99, act, sizeof(act)));
	ev(x, f, "connections established at the peak", "connections.established_peak");
	ev(x, f, "pings sent", "ping.all.sent");
	ev(x, f, "pings lost", "ping.all.lost");
	ev(x, f, "RTT p99 before the load, ms", "ping.before.p99_ms");
	ev(x, f, "RTT p99 under the load, ms", x->churn ? "ping.ramp.p99_ms" : "ping.hold.p99_ms");
	ev(x, f, "pings under the load", x->churn ? "ping.ramp.sent" : "ping.hold.sent");
	text(f, "explanation",
	     "Idle connections cost memory, not time: the kernel looks a packet's socket up in a hash table, whose cost does not grow with the number of connections, and an established connection that sends nothing makes no work at all. So a host with many quiet connections answers ping as fast as an idle one. What does hurt is what connections do: many new ones a second, full queues, a full conntrack table, memory pressure.");
	text(f, "fix",
	     "Nothing to fix. To see ping suffer, try a lab that fills a queue or a table: lab/syn-backlog.lab or lab/conntrack-full.lab.");
}

static void rule_memory_note(struct fctx *x)
{
	json_t *caches = report_get(x->res, "memory.slab_caches"), *c;
	double per = num(x, "memory.kernel_slab_per_conn_bytes"),
	       n = num(x, "memory.connections_measured");
	const char *name;
	char a[32], b[32], list[600];
	size_t o = 0;
	json_t *f;

	if (n >= 1000 && (isnan(per) || per < 0) &&
	    num(x, "memory.slab_hold_bytes") < num(x, "memory.slab_before_bytes")) {
		f = finding(
			x, "memory-not-measured", "warning", NAN,
			"The kernel's memory per connection could not be measured: Slab shrank from %s MiB to %s MiB while %s connections opened",
			fmt_n(round(num(x, "memory.slab_before_bytes") / 1048576), a, sizeof(a)),
			fmt_n(round(num(x, "memory.slab_hold_bytes") / 1048576), b, sizeof(b)),
			fmt_n(n, list, sizeof(list)));
		ev(x, f, "Slab before the ramp, bytes", "memory.slab_before_bytes");
		ev(x, f, "Slab during the hold, bytes", "memory.slab_hold_bytes");
		ev(x, f, "connections measured", "memory.connections_measured");
		text(f, "explanation",
		     "connlab measures the kernel's memory per connection as the growth of Slab (/proc/meminfo) from before the ramp to the hold. Here the kernel was freeing more than the lab allocated meanwhile: the sockets of an earlier run are freed in the background (RCU, the TIME_WAIT timers) for a minute or more after it ends, so the difference says nothing about this run.");
		text(f, "fix",
		     "Run again when the host is quiet: after a large run, wait until Slab in /proc/meminfo stops falling.");
		return;
	}
	if (!json_is_object(caches) || !(n >= 1000) || isnan(per))
		return;
	list[0] = 0;
	json_object_foreach(caches, name, c)
	{
		double p = json_number_value(json_object_get(c, "per_conn_bytes"));

		if (p >= 20 && o < sizeof(list) - 40)
			o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s %.0f B",
					      o ? ", " : "", name, p);
	}
	f = finding(
		x, "memory-per-connection", "note", NAN,
		"Each connection cost %s bytes of kernel memory here (both ends in this box): %s",
		fmt_n(round(per), a, sizeof(a)), list);
	ev(x, f, "kernel slab per connection, bytes", "memory.kernel_slab_per_conn_bytes");
	ev(x, f, "connections measured", "memory.connections_measured");
	json_object_foreach(caches, name,
			    c) if (json_number_value(json_object_get(c, "per_conn_bytes")) >= 20)
		ev(x, f, name, "memory.slab_caches.%s.per_conn_bytes", name);
	ev(x, f, "slab growth in no cache above, bytes", "memory.slab_other_growth_bytes");
	ev(x, f, "user memory per connection (Pss), bytes", "memory.user_pss_per_conn_bytes");
	text(f, "explanation",
	     "Both ends of every connection live in this kernel, so a connection is two sockets. Each socket is a struct tcp_sock (the TCP cache, about 2.3 KB), a socket inode (sock_inode_cache, about 0.8 KB) with its dentry, a struct file (filp, 192 B) and, in an epoll program, an epoll entry (eventpoll_epi, 128 B): about 3.5 KB a socket, 7 KB a connection, before any buffer. That is where the often quoted \"3 KB per socket\" (the socket alone) and \"8-10 KB per connection\" (both ends, with files and epoll) come from. Buffers (skbuff_head_cache, kmalloc) grow only while data waits unread; idle connections keep none. Slab growth in no cache listed (slab_other_growth_bytes) belongs to no lab socket: other activity on the host.");
	text(f, "fix",
	     "Nothing to fix: this is what a connection costs. Memory for 1M connections here: about %s MiB of kernel memory.",
	     fmt_n(round(per * 1e6 / 1048576), a, sizeof(a)));
}

static void rule_no_cause(struct fctx *x)
{
	json_t *f, *c = json_object_get(x->res, "counters"), *v;
	const char *ns;
	char moved[600];
	size_t o = 0, i;
	static const char *const watch[] = {
		"ListenOverflows", "TCPReqQFullDrop", "TCPAbortOnTimeout", "TCPAbortOnData",
		"TCPAbortOnClose", "TCPBacklogDrop",  "PruneCalled",	   "AttemptFails",
		"EstabResets",	   "InErrs",	      "RetransSegs"
	};

	json_array_foreach(
		x->out, i,
		f) if (!strcmp(json_string_value(json_object_get(f, "severity")), "cause")) return;
	if (!x->missed)
		return;
	f = finding(x, "no-cause-found", "cause", NAN,
		    "The run missed its target or an expectation, and no rule found why");
	moved[0] = 0;
	json_object_foreach(c, ns,
			    v) for (size_t k = 0; k < sizeof(watch) / sizeof(watch[0]);
				    k++) if (json_number_value(json_object_get(v, watch[k])) > 0)
	{
		if (o < sizeof(moved) - 60)
			o += (size_t)snprintf(moved + o, sizeof(moved) - o, "%s%s %s",
					      o ? ", " : "", ns, watch[k]);
		ev(x, f, watch[k], "counters.%s.%s", ns, watch[k]);
	}
	ev(x, f, "errors", "errors_total");
	ev(x, f, "connections established at the peak", "connections.established_peak");
	ev(x, f, "connections asked", "connections.target");
	ev(x, f, "why the run stopped", "reason");
	text(f, "explanation", "What moved during the run: %s. None of it matched a known cause.",
	     moved[0] ? moved : "no counter connlab watches");
	text(f, "fix",
	     "Look at the timeline in report.html around the moment the figures changed, and at children.log; `connlab explain --json` lists the same evidence. If you find the cause, it is worth a rule: docs/findings.md says how to add one.");
}

/* ---- a fleet's hosts (connlab fleet: result.json "hosts") ---- */

static void rule_fleet_hosts(struct fctx *x)
{
	json_t *hosts = json_object_get(x->res, "hosts"), *h;
	size_t i;
	char a[32];

	json_array_foreach(hosts, i, h)
	{
		const char *state = json_string_value(json_object_get(h, "state")) ?: "";
		const char *name = json_string_value(json_object_get(h, "name")) ?: "?";
		int server = !strcmp(json_string_value(json_object_get(h, "role")) ?: "", "server");
		json_t *f;

		if (!strcmp(state, "done") || !strcmp(state, "running") ||
		    (server && !strcmp(state, "stopped")))
			continue;
		if (!strcmp(state, "stopped") && !strcmp(str(x, "outcome") ?: "", "interrupted"))
			continue; /* the user stopped it: nothing to explain */
		if (!strcmp(state, "unreached")) {
			f = finding(x, "host-unreached", server ? "cause" : severity(x), NAN,
				    "Host %s was not reached: %s", name,
				    json_string_value(json_object_get(h, "why")) ?: "no answer");
			text(f, "explanation",
			     "connlab fleet reaches every host through pdsh before the run (the check round): with ssh, the host must accept the key without a prompt (BatchMode), be in known_hosts and have connlab on its PATH (or at fleet.connlab). A host that does not answer is left out: %s its share of the connections was not opened.",
			     server ? "without the server host there is no service, so nothing ran;"
				    : "the others ran;");
			text(f, "fix",
			     "Try the same command by hand: pdsh -R ssh -w %s connlab --version (with the options of fleet.ssh_options); docs/fleet.md lists what each host needs. To stop instead of going on without a host: --set fleet.on_failure=stop.",
			     name);
		} else if (!strcmp(state, "not ready")) {
			f = finding(x, "host-not-ready", severity(x), NAN,
				    "Host %s could not run its share: %s", name,
				    json_string_value(json_object_get(h, "why"))
					    ?: "its check failed");
			text(f, "explanation",
			     "Before the run each host's connlab flood --check binds every source address of its share (fleet.sources for its rank) and checks its ports and open-file limit. connlab never adds addresses or changes a host's network: a source address the host does not have would make every connect() from it fail.");
			text(f, "fix",
			     "Give the host its addresses (docs/fleet.md: ip addr add, or one local route for a whole range: ip route add local 10.1.%s.0/24 dev lo, and a route back on the server), or change fleet.sources.",
			     fmt_n(json_number_value(json_object_get(h, "rank")), a, sizeof(a)));
		} else {
			f = finding(x, "host-failed", server ? "cause" : severity(x), NAN,
				    "Host %s %s: %s", name, state,
				    json_string_value(json_object_get(h, "why"))
					    ?: "no reason given");
			text(f, "explanation",
			     "The host was reached and checked, but its command did not run to the end: what it printed is in hosts.log of the run directory (each line prefixed with the host), and its exit status in result.json. Its figures are those of its last stats line.");
			text(f, "fix",
			     "Read the host's lines in hosts.log; run its connlab flood by hand there with the same options (hosts.log shows the command).");
		}
		ev(x, f, "the host's state", "hosts[%zu].state", i);
		ev(x, f, "why", "hosts[%zu].why", i);
		ev(x, f, "its share of the connections", "hosts[%zu].share.connections", i);
		ev(x, f, "its command's exit status", "hosts[%zu].exit_code", i);
		ev(x, f, "connections established on it", "hosts[%zu].flood.established", i);
	}
}

static void rule_fleet_ports(struct fctx *x)
{
	json_t *hosts = json_object_get(x->res, "hosts"), *h;
	size_t i;
	char a[32], b[32];
	const char *family = str(x, "plan.family");
	int six = family && !strcmp(family, "ipv6");

	json_array_foreach(hosts, i, h)
	{
		double e = json_number_value(report_get(h, "flood.errors.EADDRNOTAVAIL"));
		double src = json_number_value(report_get(h, "share.source_addresses"));
		double ports = num(x, "plan.server_ports");
		double share = json_number_value(report_get(h, "share.connections"));
		json_t *f;

		if (!(e > 0))
			continue;
		f = finding(
			x, "host-ports", severity(x), NAN,
			"Host %s ran out of local ports: %s connects failed with EADDRNOTAVAIL over %s source %s",
			json_string_value(json_object_get(h, "name")) ?: "?",
			fmt_n(e, a, sizeof(a)), fmt_n(src, b, sizeof(b)),
			src == 1 ? "address" : "addresses");
		ev(x, f, "connects that failed with EADDRNOTAVAIL there",
		   "hosts[%zu].flood.errors.EADDRNOTAVAIL", i);
		ev(x, f, "its source addresses", "hosts[%zu].share.source_addresses", i);
		ev(x, f, "its share of the connections", "hosts[%zu].share.connections", i);
		ev(x, f, "server ports", "plan.server_ports");
		ev(x, f, "TIME_WAIT to the service there at the peak",
		   "hosts[%zu].kernel.service_peak.TIME_WAIT", i);
		text(f, "explanation",
		     "Each host has its own local ports: for one source address and one server port, the ports of its net.ipv4.ip_local_port_range, each taken while its socket is open or in TIME_WAIT. A host whose share needs more connections than its source addresses x server ports x local ports give fails with EADDRNOTAVAIL, whatever the other hosts do.");
		text(f, "fix",
		     "Give the host more source addresses (fleet.sources, such as %s with the addresses on the host, docs/fleet.md): %s connections over %s server ports need at least %s of them at 16k per pair; or widen the host's port range (sysctl net.ipv4.ip_local_port_range=\"1024 65535\" there).",
		     six ? "2001:db8:%n::1-2001:db8:%n::8" : "10.1.%n.0/24",
		     fmt_n(share, a, sizeof(a)), fmt_n(ports, b, sizeof(b)),
		     fmt_n(ceil(share / (ports * 16000)), a, sizeof(a)));
	}
}

static void rule_fleet_accept_queue(struct fctx *x)
{
	json_t *hosts = json_object_get(x->res, "hosts"), *h;
	size_t i;
	char a[32];

	json_array_foreach(hosts, i, h)
	{
		double over =
			json_number_value(report_get(h, "kernel.last.counters.ListenOverflows"));
		json_t *f;

		if (strcmp(json_string_value(json_object_get(h, "role")) ?: "", "server") ||
		    !(over > 0))
			continue;
		f = finding(x, "server-accept-queue", severity(x), NAN,
			    "The accept queue on the server host %s overflowed %s times",
			    json_string_value(json_object_get(h, "name")) ?: "?",
			    fmt_n(over, a, sizeof(a)));
		ev(x, f, "ListenOverflows on the server host",
		   "hosts[%zu].kernel.last.counters.ListenOverflows", i);
		ev(x, f, "ListenDrops on the server host",
		   "hosts[%zu].kernel.last.counters.ListenDrops", i);
		ev(x, f, "connections waiting in the accept queues at the peak",
		   "hosts[%zu].kernel.accept_queue_peak", i);
		ev(x, f, "connects that timed out", "errors.ETIMEDOUT");
		text(f, "explanation",
		     "Connections from every load host meet in the server's accept queues. A completed handshake waits there until the server calls accept(); the queue holds the listen backlog, capped by net.core.somaxconn of the server host. When it is full the kernel drops the final ACK (ListenOverflows) and new SYNs: connects time out on whichever hosts are ramping.");
		text(f, "fix",
		     "Make the server accept faster (more processes: server.workers for connlab server) or lower clients.rate; a longer queue absorbs bursts: server.backlog = 65535 and net.core.somaxconn = 65535 on the server host.");
	}
}

/* ---- the whole ---- */

static char *read_log(const char *dir)
{
	char path[700];
	FILE *fp;
	char *buf;
	long n;

	if (!dir)
		return NULL;
	snprintf(path, sizeof(path), "%s/children.log", dir);
	fp = fopen(path, "re");
	if (!fp)
		return NULL;
	/* at most its first 16 MiB: a program that loops on one error writes
	 * the same line over and over */
	if (fseek(fp, 0, SEEK_END) || (n = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET))
		n = 0;
	n = n > (16 << 20) ? (16 << 20) : n;
	buf = malloc((size_t)n + 1);
	n = buf ? (long)fread(buf, 1, (size_t)n, fp) : 0;
	fclose(fp);
	if (buf)
		buf[n] = 0;
	return buf;
}

static int missed(json_t *res)
{
	json_t *e, *ex = json_object_get(res, "expectations");
	size_t i;
	const char *out = json_string_value(json_object_get(res, "outcome"));
	double target = json_number_value(report_get(res, "connections.target"));
	double peak = json_number_value(report_get(res, "connections.established_peak"));
	double made = json_number_value(report_get(res, "connections.made"));
	int churn = !strcmp(json_string_value(report_get(res, "plan.client_mode")) ?: "", "churn");

	/* a run that could not run measured nothing to explain: its reason
	 * says why (the expectations say "not run") */
	if (!report_reached_ramp(res) && out && !strcmp(out, "failed"))
		return 0;
	json_array_foreach(ex, i, e) if (json_is_false(json_object_get(e, "holds"))) return 1;
	if (out && strcmp(out, "completed") && strcmp(out, "expectations failed"))
		return 1;
	return churn ? made < target : peak < target;
}

json_t *report_findings(json_t *res, const char *dir)
{
	struct fctx x = { .res = res, .out = json_array() };
	const char *mode = str(&x, "plan.client_mode");
	char *log = read_log(dir);
	void (*const rules[])(struct fctx *) = {
		rule_memory_floor, rule_process_died,	  rule_fd_limit,
		rule_epoll,	   rule_tcp_memory,	  rule_conntrack,
		rule_syn_queue,	   rule_accept_queue,	  rule_ports,
		rule_tw_overflow,  rule_closed_by_server, rule_resets,
		rule_close_wait,   rule_ramp_timeout,	  rule_port_search,
		rule_retrans,	   rule_memory_low,	  rule_launcher,
		rule_ping,	   rule_memory_note,	  rule_no_cause,
	};

	void (*const fleet_rules[])(struct fctx *) = {
		rule_fleet_hosts, rule_fleet_ports, rule_fleet_accept_queue,
		rule_ping,	  rule_no_cause,
	};
	int fleet = !strcmp(str(&x, "kind") ?: "", "fleet");

	x.log = log;
	x.churn = mode && !strcmp(mode, "churn");
	x.user_server = !strcmp(str(&x, "plan.server_mode") ?: "", "command");
	x.user_clients = mode && !strcmp(mode, "command");
	x.target = num(&x, "connections.target");
	x.peak = num(&x, "connections.established_peak");
	x.missed = missed(res);
	if (fleet) /* the hosts' own figures; no namespaces, no plan of one box */
		for (size_t i = 0; i < sizeof(fleet_rules) / sizeof(fleet_rules[0]); i++)
			fleet_rules[i](&x);
	else
		for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
			rules[i](&x);
	free(log);
	/* causes, then warnings, then notes; each in the rules' order */
	{
		json_t *sorted = json_array(), *f;
		static const char *const order[] = { "cause", "warning", "note" };
		size_t i;

		for (int k = 0; k < 3; k++)
			json_array_foreach(
				x.out, i,
				f) if (!strcmp(json_string_value(json_object_get(f, "severity")),
					       order[k])) json_array_append(sorted, f);
		json_decref(x.out);
		return sorted;
	}
}

json_t *report_first_cause(json_t *res)
{
	json_t *f;
	size_t i;

	json_array_foreach(json_object_get(res, "findings"), i,
			   f) if (!strcmp(json_string_value(json_object_get(f, "severity")) ?: "",
					  "cause")) return f;
	return NULL;
}

static void evidence_line(json_t *e, FILE *out)
{
	json_t *v = json_object_get(e, "value");
	char *val = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(6));

	fprintf(out, "      %s: %s", json_string_value(json_object_get(e, "what")),
		val ? val : "?");
	if (json_object_get(e, "path"))
		fprintf(out, "  (%s)\n", json_string_value(json_object_get(e, "path")));
	else
		fprintf(out, "  (%s:%lld, %lld lines like it)\n",
			json_string_value(json_object_get(e, "file")),
			(long long)json_integer_value(json_object_get(e, "line")),
			(long long)json_integer_value(json_object_get(e, "lines_like_it")));
	free(val);
}

/* Text wrapped at 78 columns, each line indented by ind spaces. */
static void wrap(FILE *out, const char *s, int ind)
{
	int col = 0;

	while (s && *s) {
		size_t w = strcspn(s, " ");

		if (col && col + 1 + (int)w > 78 - ind) {
			fputc('\n', out);
			col = 0;
		}
		if (!col)
			fprintf(out, "%*s", ind, "");
		else
			fputc(' ', out), col++;
		fprintf(out, "%.*s", (int)w, s);
		col += (int)w;
		s += w;
		while (*s == ' ')
			s++;
	}
	if (col)
		fputc('\n', out);
}

void report_explain(json_t *res, FILE *out)
{
	json_t *fs = json_object_get(res, "findings"), *f, *e;
	size_t i, k;

	fprintf(out, "connlab explain: lab '%s', %s\n",
		json_string_value(report_get(res, "lab.name")) ?: "?",
		json_string_value(json_object_get(res, "outcome")) ?: "?");
	if (!json_array_size(fs))
		fprintf(out, "\nNo findings.\n");
	json_array_foreach(fs, i, f)
	{
		json_t *since = json_object_get(f, "since_s");

		fprintf(out, "\n%s %s", json_string_value(json_object_get(f, "severity")),
			json_string_value(json_object_get(f, "id")));
		if (json_is_number(since))
			fprintf(out, " (from %.1f s)", json_number_value(since));
		fprintf(out, "\n");
		wrap(out, json_string_value(json_object_get(f, "title")), 2);
		fprintf(out, "  evidence:\n");
		json_array_foreach(json_object_get(f, "evidence"), k, e) evidence_line(e, out);
		fprintf(out, "  why:\n");
		wrap(out, json_string_value(json_object_get(f, "explanation")), 4);
		fprintf(out, "  fix:\n");
		wrap(out, json_string_value(json_object_get(f, "fix")), 4);
		if (json_is_string(json_object_get(f, "try")))
			fprintf(out, "    try: connlab run LAB %s\n",
				json_string_value(json_object_get(f, "try")));
	}
}
