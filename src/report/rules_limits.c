/* SPDX-License-Identifier: MIT */
/* rules_limits.c - findings of the limits a run met: the memory floor, a
 * process that died, the open-file limit, epoll watches, TCP memory and
 * the conntrack table (docs/findings.md). */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kernel/knowledge.h"
#include "report/report.h"
#include "report/rules.h"
#include "util/units.h"

static void judge_memory_floor(struct fctx *x)
{
	double hit = num(x, "memory.floor_hit_s"), usable = num(x, "memory.usable_at_floor_bytes");
	const char *from = json_string_value(jpath(x->res, "memory.pinned_from"));
	char a[32], b[32], c[32], e[32];
	struct draft *d;

	if (isnan(hit))
		return;
	if (isnan(usable)) { /* before the floor was judged on what can be had */
		d = finding(
			x, "cause", hit,
			"The ramp stopped at the memory floor: MemAvailable fell to %s MiB, below lab.memory_floor (%s MiB)",
			fmt_n(round(num(x, "memory.available_at_floor_bytes") / 1048576), a,
			      sizeof(a)),
			fmt_n(round(num(x, "memory.floor_bytes") / 1048576), b, sizeof(b)));
	} else {
		d = finding(
			x, "cause", hit,
			"The ramp stopped at the memory floor: memory that can be had fell to %s MiB (MemAvailable %s MiB less %s MiB of slab the sockets pin%s), at lab.memory_floor (%s MiB)",
			fmt_n(round(usable / 1048576), a, sizeof(a)),
			fmt_n(round(num(x, "memory.available_at_floor_bytes") / 1048576), b,
			      sizeof(b)),
			fmt_n(round(num(x, "memory.pinned_at_floor_bytes") / 1048576), c,
			      sizeof(c)),
			from && !strcmp(from, "estimate") ? ", estimated" : "",
			fmt_n(round(num(x, "memory.floor_bytes") / 1048576), e, sizeof(e)));
		cite(x, d, EV_USABLE_AT_FLOOR);
		cite(x, d, EV_PINNED_AT_FLOOR);
		cite(x, d, EV_FREE_AT_FLOOR);
	}
	cite(x, d, EV_MEM_AT_FLOOR);
	cite(x, d, EV_MEM_FLOOR);
	cite(x, d, EV_MEM_TOTAL);
	cite(x, d, EV_PEAK);
	cite(x, d, EV_FORECAST_MEMORY);
	cite(x, d, EV_SLAB_PER_CONN);
}

/* A process that ended before the run did (not at its end, and not a
 * churning flood that finished its work). */
static int died_early(const struct fctx *x, json_t *p)
{
	json_t *e = json_object_get(p, "exit");
	const char *sig = json_string_value(json_object_get(e, "signal"));
	const char *phase = json_string_value(json_object_get(e, "phase"));
	double code = json_number_value(json_object_get(e, "code"));
	int late = phase && (!strcmp(phase, "teardown") || !strcmp(phase, "drain"));

	if (!json_is_object(e) || json_is_string(json_object_get(e, "by_event")))
		return 0; /* a restart event stopped it: the events' findings tell */
	if (phase && x->churn && json_is_integer(json_object_get(e, "code")) && code == 0 &&
	    !strcmp(role_of(p), "flood"))
		return 0;
	return !(late && (!sig || !strcmp(sig, "SIGTERM") || !strcmp(sig, "SIGKILL")) &&
		 (sig || code == 0));
}

/* Exit statuses and signals in words (sysexits.h, the shell's own). */
static const struct {
	int code;
	const char *sig, *words;
} endings[] = {
	{ 1, NULL, "a general error" },
	{ 2, NULL, "a usage error" },
	{ 64, NULL, "EX_USAGE: a command-line usage error" },
	{ 65, NULL, "EX_DATAERR: bad input data" },
	{ 66, NULL, "EX_NOINPUT: an input file it could not open" },
	{ 67, NULL, "EX_NOUSER: an unknown user" },
	{ 69, NULL, "EX_UNAVAILABLE: a service it needs is unavailable" },
	{ 70, NULL, "EX_SOFTWARE: an internal error" },
	{ 71, NULL,
	  "EX_OSERR: an error of the operating system, such as a failed fork or setrlimit" },
	{ 72, NULL, "EX_OSFILE: a system file missing" },
	{ 73, NULL, "EX_CANTCREAT: a file it could not create" },
	{ 74, NULL, "EX_IOERR: an input or output error" },
	{ 75, NULL, "EX_TEMPFAIL: a temporary failure" },
	{ 77, NULL, "EX_NOPERM: permission denied" },
	{ 78, NULL, "EX_CONFIG: a configuration error" },
	{ 126, NULL, "the command could not be executed" },
	{ 127, NULL, "the command was not found" },
	{ 0, "SIGKILL", "killed: kill -9, or the kernel's OOM killer" },
	{ 0, "SIGSEGV", "a crash: an invalid memory access" },
	{ 0, "SIGABRT", "a crash: the program aborted itself" },
	{ 0, "SIGBUS", "a crash: a bad memory access" },
	{ 0, "SIGFPE", "a crash: an arithmetic error" },
	{ 0, "SIGILL", "a crash: an illegal instruction" },
	{ 0, "SIGTERM", "asked to end" },
	{ 0, "SIGPIPE", "it wrote to a pipe or socket nobody read" },
};

static const char *ending_words(const char *sig, double code)
{
	for (size_t i = 0; i < sizeof(endings) / sizeof(endings[0]); i++)
		if (sig ? endings[i].sig && !strcmp(endings[i].sig, sig)
			: !endings[i].sig && endings[i].code == (int)code)
			return endings[i].words;
	return !sig && code > 128
		       ? "128 + a signal's number: the shell's way of saying it died of that signal"
		       : NULL;
}

static void judge_process_died(struct fctx *x)
{
	json_t *p;
	size_t i;

	json_array_foreach(json_object_get(x->res, "processes"), i, p)
	{
		json_t *e = json_object_get(p, "exit");
		const char *sig = json_string_value(json_object_get(e, "signal"));
		const char *phase = json_string_value(json_object_get(e, "phase"));
		const char *comm = json_string_value(json_object_get(p, "comm"));
		const char *name = json_string_value(json_object_get(p, "name"));
		double code = json_number_value(json_object_get(e, "code"));
		const char *words = ending_words(sig, code);
		char line[32], oom[48];
		struct hit h, tail[3];
		unsigned nt;
		struct draft *d;

		if (!died_early(x, p))
			continue;
		d = finding(x, "cause", json_number_value(json_object_get(e, "t_s")),
			    "%s (pid %d%s%s) %s %s%s%s%s during the %s phase", name,
			    (int)json_integer_value(json_object_get(p, "pid")), comm ? ", " : "",
			    comm ? comm : "", sig ? "died of" : "exited with status",
			    sig ? sig : fmt_n(code, line, sizeof(line)), words ? " (" : "",
			    words ? words : "", words ? ")" : "", phase ? phase : "?");
		cite(x, d, EV_PROC_SIGNAL, (long)i);
		cite(x, d, EV_PROC_CODE, (long)i);
		cite(x, d, EV_PROC_PHASE, (long)i);
		cite(x, d, EV_PROC_RSS, (long)i);
		/* the OOM killer's lines of this process, not of another one */
		snprintf(oom, sizeof(oom), "Killed process %d ",
			 (int)json_integer_value(json_object_get(p, "pid")));
		cite_klog(x, d, oom);
		snprintf(oom, sizeof(oom), ",pid=%d,",
			 (int)json_integer_value(json_object_get(p, "pid")));
		cite_klog(x, d, oom);
		nt = log_tail(x, name, 3, tail);
		for (unsigned k = 0; k < nt; k++)
			cite_line(d, "its last words", &tail[k]);
		if (!nt && (log_find(x, NULL, "Traceback", &h) ||
			    log_find(x, NULL, "Segmentation fault", &h) ||
			    log_find(x, NULL, "died of signal", &h)))
			cite_line(d, "its output", &h);
		snprintf(oom, sizeof(oom), "Killed process %d ",
			 (int)json_integer_value(json_object_get(p, "pid")));
		d->why = sig && !strcmp(sig, "SIGKILL") && klog_find(x, oom) >= 0;
	}
}

/* The fix for a process at its limit: by its role, and for a user's
 * command by whether its limit is already the machine's hard one. */
static void fd_fix(const struct fctx *x, struct draft *d, json_t *p)
{
	double lim = (double)json_integer_value(json_object_get(p, "fd_limit"));
	double need = ceil(x->target / (0.9 * lim)), each = ceil(x->target / lim);
	const char *role = role_of(p);
	char a[32];

	if (!strcmp(role, "command") && lim >= num(x, "host.fd_limit")) {
		d->fix = 0;
		slot(d, "processes", "%s", fmt_n(need < 2 ? 2 : need, a, sizeof(a)));
	} else if (!strcmp(role, "command")) {
		d->fix = 1;
		slot(d, "hard", "%s", fmt_n(num(x, "host.fd_limit"), a, sizeof(a)));
		slot(d, "processes", "%s", fmt_n(each < 2 ? 2 : each, a, sizeof(a)));
	} else {
		d->fix = !strcmp(role, "server") ? 2 : 3;
		slot(d, "workers", "%s", fmt_n(need, a, sizeof(a)));
	}
}

static void judge_fd_limit(struct fctx *x)
{
	char a[32], b[32], c[32], how[400];
	struct hit h;
	unsigned l = log_find(x, NULL, "Too many open files", &h);
	double emfile = count(x, "errors.EMFILE") + count(x, "errors.ENFILE");
	double given = num(x, "host.fd_limit");
	json_t *p;
	size_t i;
	int any = 0;
	struct draft *d;

	mechanism(x, how, sizeof(how));
	json_array_foreach(json_object_get(x->res, "processes"), i, p)
	{
		double peak = json_number_value(json_object_get(p, "peak_fds"));
		json_t *lim = json_object_get(p, "fd_limit");
		double lv = (double)json_integer_value(lim);
		int cmd = !strcmp(role_of(p), "command"), lowered = cmd && lv < given;

		if (!json_is_integer(lim) || !(peak >= 0.95 * lv))
			continue;
		any = 1;
		if (cmd && rule_found(x, "server-limit", NULL))
			continue; /* the program's own limit, in its own words */
		d = finding(
			x, severity(x), json_number_value(json_object_get(p, "peak_fds_s")),
			"%s (pid %d, %s) reached its open-file limit: %s files open of %s allowed%s%s%s",
			json_string_value(json_object_get(p, "name")),
			(int)json_integer_value(json_object_get(p, "pid")),
			json_string_value(json_object_get(p, "comm")) ?: "?",
			fmt_n(peak, a, sizeof(a)), fmt_n(lv, b, sizeof(b)),
			lowered ? "; it lowered its own limit (the lab gave it " : "",
			lowered ? fmt_n(given, c, sizeof(c)) : "", lowered ? ")" : "");
		cite(x, d, EV_PROC_FDS, (long)i);
		cite(x, d, EV_PROC_FD_LIMIT, (long)i);
		cite(x, d, EV_HOST_FD_LIMIT);
		if (emfile) {
			cite(x, d, EV_EMFILE);
			cite(x, d, EV_ENFILE);
		}
		if (l)
			cite_line(d, "its output", &h);
		cite(x, d, EV_SRV_OVERFLOWS);
		cite(x, d, EV_ETIMEDOUT);
		slot(d, "how", "%s", how);
		fd_fix(x, d, p);
		if (lowered)
			d->fix = 5;
	}
	if (any || !(l || emfile))
		return;
	d = finding(x, severity(x), NAN,
		    "A lab process ran out of file descriptors (EMFILE, \"Too many open files\")");
	cite(x, d, EV_EMFILE);
	cite(x, d, EV_ENFILE);
	if (l)
		cite_line(d, "a process's output", &h);
	d->why = d->fix = 4;
}

/* The user's epoll watches at fs.epoll.max_user_watches: every
 * epoll_ctl(ADD) of every process of that user fails with ENOSPC. */
static void judge_epoll(struct fctx *x)
{
	double e = count(x, "errors.ENOSPC"), max = num(x, "host.epoll_max_user_watches"), fix, mem;
	char a[32], b[32], c[32];
	struct hit h;
	unsigned l = log_find(x, NULL, "ENOSPC", &h);
	struct draft *d;

	if (!(e > 0) && !l)
		return;
	d = finding(
		x, severity(x), tl_t(x, tl_first(x, "errors.ENOSPC", 0)),
		"The lab's processes ran out of epoll watches: %s connects failed with ENOSPC at %s connections%s%s%s",
		fmt_n(e, a, sizeof(a)), fmt_n(x->peak, c, sizeof(c)),
		isnan(max) ? "" : " (fs.epoll.max_user_watches is ",
		isnan(max) ? "" : fmt_n(max, b, sizeof(b)), isnan(max) ? "" : ")");
	cite(x, d, EV_ENOSPC);
	cite(x, d, EV_EPOLL_MAX);
	cite(x, d, EV_PEAK);
	cite(x, d, EV_CLOSED_COUNT);
	if (l)
		cite_line(d, "a process's output", &h);
	cite(x, d, EV_FORECAST_MEMORY);
	cite(x, d, EV_EPOLL_FIX);
	fix = num(x, "forecast.epoll_fix_watches");
	mem = num(x, "forecast.limits.memory.connections");
	if (!isnan(fix)) { /* as many as memory above the floor holds, no more */
		slot(d, "watches", "%s", fmt_n(fix, a, sizeof(a)));
		slot(d, "held", "%s", fmt_n(mem < x->target ? mem : x->target, b, sizeof(b)));
		d->fix = 1;
	} else if (!isnan(mem) && !isnan(num(x, "forecast.asked"))) {
		slot(d, "held", "%s", fmt_n(mem, b, sizeof(b)));
		d->fix = 2;
	} else { /* a run before the forecast */
		slot(d, "watches", "%s", fmt_n(ceil(x->target * 2.2 / 1e6) * 1e6, a, sizeof(a)));
	}
}

/* Where the host's TCP memory crossed the pressure mark: the title's
 * tail, and whether it was only at the end. */
static long tcp_mem_over(const struct fctx *x, char *where, size_t len, int *late, double abort_)
{
	double peak = num(x, "peaks.tcp_mem_pages"), mark = num(x, "host.tcp_mem_pages[1]");
	double page = num(x, "host.page_size");
	long over = isnan(mark) ? -1 : tl_first(x, "tcp_mem_pages", mark);
	const char *when = NULL;
	char path[64], b[32], c[32], s[32];

	where[0] = 0;
	if (over >= 0) {
		snprintf(path, sizeof(path), "timeline.phase[%ld]", over);
		when = str(x, path);
	}
	*late = when && (!strcmp(when, "drain") || !strcmp(when, "teardown")) && !abort_;
	if (when && !isnan(peak))
		snprintf(
			where, len,
			"; it peaked at %s pages (%s) and crossed the pressure mark (%s) in the %s",
			fmt_n(peak, c, sizeof(c)),
			units_fmt_size((uint64_t)(peak * (isnan(page) ? 4096 : page)), s,
				       sizeof(s)),
			fmt_n(mark, b, sizeof(b)), when);
	return over;
}

static void judge_tcp_memory(struct fctx *x)
{
	const char *ns1, *ns2;
	double press = counter_max(x, "TCPMemoryPressures", &ns1);
	double abort_ = counter_max(x, "TCPAbortOnMemory", &ns2);
	int k1 = klog_find(x, "consider tuning tcp_mem"),
	    k2 = klog_find(x, "too many orphaned sockets");
	double peak = num(x, "peaks.tcp_mem_pages"), mark = num(x, "host.tcp_mem_pages[1]");
	char a[32], b[32], how[160], v[96], where[200];
	int late;
	long over;
	struct draft *d;

	if (!press && !abort_ && k1 < 0 && k2 < 0)
		return;
	over = tcp_mem_over(x, where, sizeof(where), &late, abort_);
	d = finding(
		x, abort_ > 0 || k1 >= 0 || k2 >= 0 ? severity(x) : "warning",
		over >= 0 ? tl_t(x, over) : NAN,
		"TCP ran short of socket memory: %s memory-pressure episodes, %s connections aborted%s",
		fmt_n(press, a, sizeof(a)), fmt_n(abort_, b, sizeof(b)), where);
	if (ns1)
		cite(x, d, EV_COUNTER, "TCPMemoryPressures", ns1);
	if (ns2)
		cite(x, d, EV_COUNTER, "TCPAbortOnMemory", ns2);
	cite(x, d, EV_TCP_MEM_PEAK);
	cite(x, d, EV_TCP_MEM_MARKS);
	if (over >= 0) {
		cite(x, d, EV_TL_TCP_MEM, over);
		cite(x, d, EV_TL_PHASE, over);
	}
	cite_klog(x, d, "consider tuning tcp_mem");
	cite_klog(x, d, "too many orphaned sockets");
	cite(x, d, EV_ORPHANS);
	d->why = late;
	d->fix = isnan(peak) || isnan(mark);
	if (!d->fix) {
		double lo = num(x, "host.tcp_mem_pages[0]");

		snprintf(v, sizeof(v), "%.0f %.0f %.0f", isnan(lo) ? peak / 2 : lo, peak * 1.2,
			 peak * 2);
		kernel_sysctl_how("net.ipv4.tcp_mem", v, how, sizeof(how));
		slot(d, "how", "%s", how);
	}
}

static void judge_conntrack(struct fctx *x)
{
	double drops = num(x, "conntrack.drops_total"), max = num(x, "conntrack.max_host");
	json_t *v;
	const char *ns, *full = NULL;
	long first = tl_first(x, "conntrack_drops", 0);
	unsigned lost_in = 0, lost_all = 0, fail_in = 0, fail_all = 0;
	char a[32];
	struct draft *d;

	json_object_foreach(json_object_get(x->res, "conntrack"), ns, v)
	{
		if (json_is_object(v) && max > 0 &&
		    json_number_value(json_object_get(v, "peak_count")) >= 0.95 * max)
			full = ns;
	}
	/* the kernel log is the host's: its line alone may be another
	 * namespace's table; the lab's own counts decide, the line is cited */
	if (!(drops > 0) && !full)
		return;
	for (size_t i = 0, n = tl_len(x); i < n; i++) {
		int dropping = i && tl(x, "conntrack_drops", i) > tl(x, "conntrack_drops", i - 1);
		unsigned lost = (unsigned)units_u64(tl(x, "pings_lost", i)),
			 fail = (unsigned)units_u64(tl(x, "probe_connect_failures", i));

		lost_all += lost;
		fail_all += fail;
		lost_in += dropping ? lost : 0;
		fail_in += dropping ? fail : 0;
	}
	d = finding(
		x, severity(x), tl_t(x, first),
		"The connection tracking table was full: %s packets dropped for want of an entry",
		fmt_n(drops, a, sizeof(a)));
	if (full)
		cite(x, d, EV_CT_PEAK, full);
	cite(x, d, EV_CT_MAX);
	cite(x, d, EV_CT_DROPS);
	cite_klog(x, d, "table full");
	if (first >= 0)
		cite(x, d, EV_TL_CONNTRACK, first);
	cite(x, d, EV_PINGS_LOST);
	cite(x, d, EV_PROBE_FAILURES);
	slot(d, "lost", "%u of %u", lost_in, lost_all);
	slot(d, "failed", "%u of %u", fail_in, fail_all);
	slot(d, "entries", "%s",
	     fmt_n(full ? num(x, "conntrack.%s.peak_count", full) : NAN, a, sizeof(a)));
	slot(d, "max", "%s", fmt_n(max, a, sizeof(a)));
}

static void judge_memory_low(struct fctx *x)
{
	double min = num(x, "memory.available_min_bytes"), total = num(x, "memory.total_bytes");
	double usable = num(x, "memory.usable_min_bytes");
	int judged = !isnan(usable); /* on what can be had, not MemAvailable */
	char a[32], b[32];
	struct draft *d;

	if (!isnan(num(x, "memory.floor_hit_s")) || !((judged ? usable : min) < 0.2 * total))
		return;
	d = finding(x, "warning", num(x, judged ? "memory.usable_min_s" : "memory.available_min_s"),
		    "The host ran low on memory: %s fell to %s MiB of %s MiB",
		    judged ? "memory that can be had (MemAvailable less the slab the sockets pin)"
			   : "MemAvailable",
		    fmt_n(round((judged ? usable : min) / 1048576), a, sizeof(a)),
		    fmt_n(round(total / 1048576), b, sizeof(b)));
	cite(x, d, EV_USABLE_MIN);
	cite(x, d, EV_MEM_MIN);
	cite(x, d, EV_MEM_TOTAL);
	cite(x, d, EV_MEM_FLOOR);
}

/* a lab process stopped (SIGSTOP, a debugger) while the run went on */
static void judge_process_stopped(struct fctx *x)
{
	json_t *p;
	size_t i;

	json_array_foreach(json_object_get(x->res, "processes"), i, p)
	{
		json_t *st = json_object_get(p, "stopped");
		const char *comm = json_string_value(json_object_get(p, "comm"));
		char a[32];
		struct draft *d;

		if (!json_is_object(st))
			continue;
		d = finding(
			x, "warning", json_number_value(json_object_get(st, "t_s")),
			"%s%s (pid %d%s%s) was stopped from %s s in the %s phase: it did nothing from then, and its figures stood still",
			json_string_value(json_object_get(p, "name")) ?: "?",
			json_is_true(json_object_get(p, "main")) ? "" : "'s worker",
			(int)json_integer_value(json_object_get(p, "pid")), comm ? ", " : "",
			comm ? comm : "",
			fmt_n(json_number_value(json_object_get(st, "t_s")), a, sizeof(a)),
			json_string_value(json_object_get(st, "phase")) ?: "?");
		cite(x, d, EV_PROC_STOPPED, (long)i);
		cite(x, d, EV_PROC_STOPPED_PHASE, (long)i);
	}
}

const struct rule rules_limits[] = {
	{
		.id = "memory-floor",
		.family = "limits",
		.summary = "the ramp stopped at lab.memory_floor",
		.where = RULE_BOX | RULE_HOLD | RULE_CHURN,
		.may = MAY_CAUSE,
		.rank = 10,
		.why = { "Every connection costs kernel memory (its sockets, their files and epoll entries) and a little in the programs. MemAvailable, the kernel's estimate of what can still be allocated, counts reclaimable slab as available, but a socket's inode and dentry are reclaimable slab that no reclaim can free while the connection is open: at a million connections over 2 GiB that MemAvailable offers and the host cannot have. connlab judges the floor on MemAvailable less that pinned slab (counted from the socket inodes in /proc/slabinfo, or estimated per socket where it is not readable), ten times a second and ahead of the ramp by how fast it falls, and stops opening connections at the floor, so that the run never drives the host into the OOM killer. The connections already open were held and measured as usual." },
		.fix = { "This machine holds no more connections at this memory cost. Lower the floor only on a machine that runs nothing else, or free memory; fewer bytes per connection come from smaller socket buffers (net.ipv4.tcp_rmem, tcp_wmem) and from a server that keeps no buffer per idle connection." },
		.judge = judge_memory_floor,
	},
	{
		.id = "process-died",
		.family = "limits",
		.summary =
			"a lab process ended before the run did (a crash, an exit, the OOM killer)",
		.where = RULE_BOX | RULE_HOLD | RULE_CHURN,
		.may = MAY_CAUSE,
		.rank = 20,
		.why = { "A lab process ended before the run did, so the connections it held closed with it and whatever it measured stopped. A signal such as SIGSEGV or SIGABRT is a crash in the program; an exit status is the program's own decision (its output, cited here from logs/ of the run directory, says why).",
			 "The kernel's OOM killer ended it: the host ran out of memory and the kernel killed the process with the largest badness score to free some. Every connection that process held was reset." },
		.fix = { "Read the process's last lines, cited here (its whole output is in logs/ of the run directory). A crash in connlab itself is a bug: report it with the run directory. For a user's command, run it by hand in the lab with `connlab up` to see it fail." },
		.judge = judge_process_died,
	},
	{
		.id = "process-stopped",
		.family = "limits",
		.summary = "a lab process was stopped (SIGSTOP, a debugger) while the run went on",
		.where = RULE_BOX | RULE_HOLD | RULE_CHURN,
		.may = MAY_WARNING,
		.rank = 21,
		.why = { "A stopped process keeps its sockets open but runs no code: a server that accepts nothing (its listeners' queues fill), a flood that sends and reads nothing. Its connections stay ESTABLISHED in the kernel, while its own counts, and what the run sums from them, stand still from the moment it stopped. The launcher reads each process's state every fifth sample, so the time is when it was first seen stopped." },
		.fix = { "Find who stopped it (a debugger, a job-control Ctrl-Z, a SIGSTOP from a script) and let it go on (kill -CONT PID), or run the lab again. To reproduce a hung server on purpose, stop its process and read the queue findings." },
		.judge = judge_process_stopped,
	},
	{
		.id = "fd-limit",
		.family = "limits",
		.summary = "a process reached its open-file limit (RLIMIT_NOFILE, EMFILE)",
		.where = RULE_BOX | RULE_HOLD | RULE_CHURN,
		.may = MAY_CAUSE | MAY_WARNING,
		.rank = 30,
		.after = { "server-limit" },
		.why = { "Every connection is a file descriptor in the process that holds it, and RLIMIT_NOFILE caps how many one process may hold. At the limit accept() (and socket()) fail with EMFILE, errno 24, \"Too many open files\"; a server that cannot accept leaves the kernel's finished handshakes in its accept queue, and past the backlog new SYNs are dropped. In this run: {how}.",
			 [4] = "Every connection is a file descriptor, and RLIMIT_NOFILE caps how many one process may hold (ENFILE: the whole host's fs.file-max). At the limit accept() and socket() fail; the process's own peak was not caught between two samples." },
		.fix = { "Its limit is already this machine's hard limit (host.fd_limit), which only a process with CAP_SYS_RESOURCE can raise: run {processes} or more server processes on the same port with SO_REUSEPORT, each under the limit, or hold fewer connections per process.",
			 "Give the server a higher limit, up to this machine's hard limit (host.fd_limit): start it as `sh -c 'ulimit -n {hard}; exec YOUR-SERVER'`, or LimitNOFILE= in its systemd unit. Past the hard limit, run {processes} or more server processes on the same port with SO_REUSEPORT, each under the limit.",
			 "More server processes share the ports with SO_REUSEPORT: try --set server.workers={workers}.",
			 "More flood processes: try --set clients.workers={workers}.",
			 "Raise the process's limit (ulimit -n, LimitNOFILE=) or spread the connections over more processes (server.workers, clients.workers, or SO_REUSEPORT in a server of your own).",
			 "The process runs with a lower open-file limit than the lab gave it (host.fd_limit): its command lowered it (ulimit -n: raise or remove that), or the program did from a connection setting of its own (raise that setting in its command line or config: docs/findings.md, server-limit, names those connlab knows; ulimit will not help there, the program lowers it again)." },
		.try_ = { [2] = "--set server.workers={workers}",
			  [3] = "--set clients.workers={workers}" },
		.judge = judge_fd_limit,
	},
	{
		.id = "epoll-watches",
		.family = "limits",
		.summary = "the user's epoll watches ran out (fs.epoll.max_user_watches, ENOSPC)",
		.where = RULE_BOX | RULE_HOLD | RULE_CHURN,
		.may = MAY_CAUSE | MAY_WARNING,
		.rank = 40,
		.why = { "An epoll program registers every socket it watches (epoll_ctl ADD), and the kernel caps the registrations of one user, in all its processes together, at fs.epoll.max_user_watches (by default 4% of low memory divided by the cost of one, about 5.5 million on 24 GiB). Both ends of every connection run here as the same user, so the lab holds half of that: at the cap, epoll_ctl fails with ENOSPC (\"No space left on device\"); the flood counts the connect as failed and the server closes the connection it cannot watch." },
		.fix = { "On the host: sysctl -w fs.epoll.max_user_watches={watches} (each watch costs about 160 bytes of kernel memory, only when used); or run the server as another user (the cap is per user). It is not a network sysctl: a lab cannot set it in its namespaces.",
			 "On the host: sysctl -w fs.epoll.max_user_watches={watches}, the watches of {held} connections: as many as memory above the floor holds by the forecast, so the floor, not an allocation failure, ends a longer ramp (each watch costs about 160 bytes of kernel memory, only when used). A higher cap holds no more; it is not a network sysctl: a lab cannot set it in its namespaces.",
			 "Raising the cap would not hold more here: by the forecast, memory above lab.memory_floor holds about {held} connections, no more than the cap allows; the floor comes first. Fewer bytes per connection, or a host with more memory, hold more." },
		.judge = judge_epoll,
	},
	{
		.id = "tcp-memory",
		.family = "limits",
		.summary = "TCP ran short of socket memory (net.ipv4.tcp_mem)",
		.where = RULE_BOX | RULE_HOLD | RULE_CHURN,
		.may = MAY_CAUSE | MAY_WARNING,
		.rank = 50,
		.why = { "The kernel caps the memory of all TCP buffers together (net.ipv4.tcp_mem, in pages, for the whole host). Above its pressure mark every socket's buffers are trimmed; above the hard mark new data is dropped and, for sockets nobody owns any more (orphans: closed by the program, still sending), the connection is aborted with a reset: \"out of memory -- consider tuning tcp_mem\" or \"too many orphaned sockets\" (net.ipv4.tcp_max_orphans).",
			 "The kernel caps the memory of all TCP buffers together (net.ipv4.tcp_mem, in pages, for the whole host). Above its pressure mark every socket's buffers are trimmed; above the hard mark new data is dropped and, for sockets nobody owns any more (orphans: closed by the program, still sending), the connection is aborted with a reset: \"out of memory -- consider tuning tcp_mem\" or \"too many orphaned sockets\" (net.ipv4.tcp_max_orphans). Here it happened at the end, when every connection closed at once (a closing socket keeps its buffers until its FIN is acknowledged): after the hold's measurements, so no figure of the hold changed (held idle connections keep almost no TCP memory)." },
		.fix = { "Room for this run's peak: {how} (pages; `connlab doctor` says what a lab needs before it runs). Or smaller buffers, per namespace: --set \"sysctl.net.ipv4.tcp_rmem=4096 16384 65536\".",
			 "On the host: raise net.ipv4.tcp_mem (three numbers, pages) or tcp_max_orphans, or make the buffers smaller (net.ipv4.tcp_rmem and tcp_wmem, per namespace: --set \"sysctl.net.ipv4.tcp_rmem=4096 16384 65536\")." },
		.judge = judge_tcp_memory,
	},
	{
		.id = "conntrack-full",
		.family = "limits",
		.summary = "the connection tracking table was full (nf_conntrack_max)",
		.where = RULE_BOX | RULE_HOLD | RULE_CHURN,
		.may = MAY_CAUSE | MAY_WARNING,
		.rank = 60,
		.why = { "With netfilter's connection tracking loaded, every new flow needs an entry in one table for the whole host (net.netfilter.nf_conntrack_max). When it is full the kernel drops the packet that would need a new entry (\"nf_conntrack: table full, dropping packet\"): new connections, and also a ping or a probe's SYN from a machine that had nothing to do with the load. Of the pings lost, {lost} fell in the intervals where the table dropped packets; of the failed probe connects, {failed}." },
		.fix = { "Do not track flows that need no NAT or state: a notrack rule in the raw table for the service port (lab/conntrack-notrack.nft; try it with --set \"server.setup=nft -f {labdir}/conntrack-notrack.nft\"), or raise nf_conntrack_max on the host (about 300 bytes an entry), or lower nf_conntrack_tcp_timeout_established. Now {entries} entries of {max}." },
		.try_ = { "--set \"server.setup=nft -f {labdir}/conntrack-notrack.nft\"" },
		.judge = judge_conntrack,
	},
	{
		.id = "memory-low",
		.family = "limits",
		.summary = "MemAvailable fell below a fifth of memory",
		.where = RULE_BOX | RULE_HOLD | RULE_CHURN,
		.may = MAY_WARNING,
		.rank = 170,
		.why = { "Below about a fifth of memory available the kernel reclaims caches harder, which costs time in every process that allocates, and latency figures grow for reasons that have nothing to do with the network." },
		.fix = { "Run fewer connections or on a machine with more memory; lab.memory_floor stops a ramp before it is too late." },
		.judge = judge_memory_low,
	},
};
const size_t rules_limits_n = sizeof(rules_limits) / sizeof(rules_limits[0]);
