/* SPDX-License-Identifier: MIT */
/* rules_servers.c - findings about the server a user brings, in its own
 * words (lab/programs.h: its setting, its lines, what it does at its
 * limit); a problem an expectation asserted that a --set removed; and
 * reply latency that parts from the probe's (docs/findings.md). */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kernel/knowledge.h"
#include "lab/programs.h"
#include "report/report.h"
#include "report/rules.h"
#include "util/units.h"

static const char *str_of(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k)) ?: "";
}

long server_process(const struct fctx *x)
{
	json_t *p;
	size_t i;

	json_array_foreach(json_object_get(x->res, "processes"), i, p)
	{
		if (!strcmp(role_of(p), "command") && json_is_true(json_object_get(p, "main")) &&
		    !strncmp(json_string_value(json_object_get(p, "name")) ?: "", "server", 6))
			return (long)i;
	}
	return -1;
}

/* The program of the run's server command and its setting, as result.json
 * has them; NULL when none of the table. */
static const struct program *run_program(const struct fctx *x, struct prog_setting *s)
{
	json_t *sp = json_object_get(x->res, "server_program");
	const char *in = json_string_value(json_object_get(sp, "set_in")) ?: "";
	json_t *v = json_object_get(sp, "value");

	memset(s, 0, sizeof(*s));
	s->prog = program_find(json_string_value(json_object_get(sp, "name")));
	s->value = json_is_integer(v) ? (long)json_integer_value(v) : -1;
	s->workers = json_is_integer(json_object_get(sp, "workers"))
			     ? (long)json_integer_value(json_object_get(sp, "workers"))
			     : 1;
	s->where = !strcmp(in, "command line") ? 1 : !strcmp(in, "config file") ? 2 : 3;
	snprintf(s->file, sizeof(s->file), "%s", str(x, "server_program.config.file") ?: "");
	s->line = (unsigned)units_u64(num(x, "server_program.config.line"));
	snprintf(s->text, sizeof(s->text), "%s", str(x, "server_program.config.text") ?: "");
	return s->prog;
}

/* The first of the program's lines in its output or in what it sent a
 * client; its index, or -1. */
static int line_found(const struct fctx *x, const struct program *p, struct hit *h, int *in_log)
{
	const char *bytes = str(x, "connections.closed_by_server.first_bytes");

	for (int k = 0; k < PROG_LINES && p->lines[k].text; k++) {
		if ((p->lines[k].seen & PS_LOG) &&
		    log_find(x, "server command", p->lines[k].text, h)) {
			*in_log = 1;
			return k;
		}
		if ((p->lines[k].seen & PS_REPLY) && bytes && strstr(bytes, p->lines[k].text)) {
			*in_log = 0;
			return k;
		}
	}
	return -1;
}

void mechanism(const struct fctx *x, char *buf, size_t len)
{
	double closed = num(x, "connections.closed_by_server.count");
	double over = count(x, "counters.srv.ListenOverflows");
	double rst = count(x, "errors.ECONNRESET"), tmo = count(x, "errors.ETIMEDOUT");
	size_t o = 0;
	char a[32];

	buf[0] = 0;
	if (closed > 0)
		o += (size_t)snprintf(buf + o, len - o,
				      "%s connections were accepted and then closed by it",
				      fmt_n(closed, a, sizeof(a)));
	if (over > 0 && o < len)
		o += (size_t)snprintf(buf + o, len - o, "%sthe accept queue overflowed %s times",
				      o ? "; " : "", fmt_n(over, a, sizeof(a)));
	if (rst > 0 && o < len)
		o += (size_t)snprintf(buf + o, len - o, "%s%s connections were reset",
				      o ? "; " : "", fmt_n(rst, a, sizeof(a)));
	if (tmo > 0 && o < len)
		snprintf(buf + o, len - o, "%s%s connects timed out", o ? "; " : "",
			 fmt_n(tmo, a, sizeof(a)));
	if (!buf[0])
		snprintf(buf, len, "no connection was closed, reset or timed out on the way");
}

/* The fix: the command with the setting raised, the config line to
 * change, or why one process of it cannot hold the target here. */
static void limit_fix(const struct fctx *x, struct draft *d, const struct prog_setting *s)
{
	long need = programs_need(s, x->target);
	double hard = num(x, "host.fd_limit");
	char cmd[1100], a[32];
	const char *tmpl = str(x, "server_program.command");

	slot(d, "need", "%ld", need);
	slot(d, "setting", "%s", s->prog->setting);
	if (!isnan(hard) && (double)(need + s->prog->extra) > hard) {
		d->fix = 2;
		slot(d, "hard", "%s", fmt_n(hard, a, sizeof(a)));
		return;
	}
	if (s->where == 2) {
		d->fix = 1;
		slot(d, "file", "%s:%u", s->file, s->line);
		slot(d, "from", "%s", s->text);
		slot(d, "to", "%s %ld%s", s->prog->conf_key, need, s->prog->conf_end ?: "");
		json_object_set_new(d->f, "edit",
				    json_pack("{s:s, s:i, s:s, s:s}", "file", s->file, "line",
					      (int)s->line, "from", s->text, "to",
					      d->slot[d->nslots - 1].value));
		return;
	}
	if (!tmpl || programs_fix_command(s, tmpl, need, cmd, sizeof(cmd))) {
		d->fix = 3;
		return;
	}
	d->fix = 0;
	{ /* for a shell: in single quotes, a quote as '\'' */
		char q[1200];
		size_t o = 0;

		for (const char *p = cmd; *p && o + 5 < sizeof(q); p++)
			o += (size_t)snprintf(q + o, sizeof(q) - o, "%s",
					      *p == '\'' ? "'\\''" : (char[2]){ *p, 0 });
		q[o] = 0;
		slot(d, "command", "%s", q);
	}
}

static void judge_server_limit(struct fctx *x)
{
	struct prog_setting s;
	const struct program *p = run_program(x, &s);
	long sp = server_process(x);
	struct hit h;
	int in_log = 0, k;
	char val[32], how[400];
	struct draft *d;
	enum prog_act act;

	if (!p || p->runtime)
		return;
	k = line_found(x, p, &h, &in_log);
	if (k < 0 &&
	    !(s.value >= 0 && (double)s.value * (double)s.workers < x->target && x->missed &&
	      (num(x, "connections.closed_by_server.count") > 0 ||
	       count(x, "counters.srv.ListenOverflows") > 0)))
		return;
	act = k >= 0						 ? p->lines[k].act
	      : num(x, "connections.closed_by_server.count") > 0 ? PA_CLOSES
								 : PA_STOPS;
	snprintf(val, sizeof(val), s.value >= 0 ? "%ld" : "(not read)", s.value);
	mechanism(x, how, sizeof(how));
	d = finding(x,
		    act == PA_LOWERS		   ? "warning"
		    : x->missed || act == PA_EXITS ? "cause"
						   : "warning",
		    tl_t(x, tl_first(x, "closed_by_server", 0)), "%s %s, %s %s%s%s%s%s", p->name,
		    act == PA_EXITS    ? "would not start with its own limit"
		    : act == PA_LOWERS ? "lowered its own limit at start"
		    : act == PA_STOPS  ? "stopped accepting at its own limit"
		    : act == PA_REUSES ? "ran out of connections at its own limit and closed some"
				       : "turned connections away at its own limit",
		    p->setting, val, s.workers > 1 ? " per worker" : "", k >= 0 ? ": \"" : "",
		    k >= 0 ? (in_log ? h.text : p->lines[k].text) : "", k >= 0 ? "\"" : "");
	cite(x, d, EV_PROG_VALUE);
	cite(x, d, EV_PROG_WHERE);
	cite(x, d, EV_PROG_CONFIG);
	if (k >= 0 && in_log)
		cite_line(d, "its own words", &h);
	if (k >= 0 && !in_log)
		cite(x, d, EV_CLOSED_BYTES);
	cite(x, d, EV_CLOSED_COUNT);
	cite(x, d, EV_SRV_OVERFLOWS);
	cite(x, d, EV_PEAK);
	cite(x, d, EV_TARGET);
	if (sp >= 0) {
		cite(x, d, EV_PROC_FD_LIMIT, sp);
		cite(x, d, EV_PROC_CODE, sp);
	}
	if (p->lowers_own)
		cite(x, d, EV_HOST_FD_LIMIT);
	slot(d, "program", "%s", p->name);
	slot(d, "at_limit", "%s", p->at_limit);
	slot(d, "how", "%s", how);
	d->why = act == PA_EXITS;
	limit_fix(x, d, &s);
}

/* A metric that counts something going wrong: an expectation that it
 * is above a bound asserts that the problem happens. */
static int asserts_problem(const char *metric)
{
	static const char *const words[] = { "errors",	 "time_wait", "close_wait", "syn_recv",
					     "orphans",	 "loss",      "missing",    "failures",
					     "drops",	 "overflows", "conntrack",  "closed",
					     "Overflow", "Drop",      "Retrans",    "Abort" };

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(metric, words[i]))
			return 1;
	return 0;
}

/* The changes that changed something, sysctls first: their indexes in
 * pick (at most 4); how many. */
static size_t changes_that_matter(json_t *ch, size_t *pick)
{
	size_t n = 0;

	for (int sysctls = 1; sysctls >= 0; sysctls--)
		for (size_t c = 0; c < json_array_size(ch) && n < 4; c++) {
			json_t *one = json_array_get(ch, c);

			if (!strcmp(str_of(one, "from"), str_of(one, "to")) ||
			    (strncmp(str_of(one, "key"), "sysctl.", 7) == 0) != sysctls)
				continue;
			pick[n++] = c;
		}
	return n;
}

/* What the sysctls changed do, from the kernel's table. */
static void what_changed(json_t *ch, size_t nch, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = 0;
	for (size_t c = 0; c < nch && c < 4 && o < len; c++) {
		const char *key = str_of(json_array_get(ch, c), "key");
		const struct ksysctl *k =
			!strncmp(key, "sysctl.", 7) ? kernel_sysctl_find(key + 7) : NULL;

		if (k && k->does)
			o += (size_t)snprintf(buf + o, len - o, " %s %s.", key + 7, k->does);
	}
}

/* An expectation that asserts a problem (metric > N, metric >= N) failed
 * in a run that --set changed: the change removed the problem. */
static void judge_problem_removed(struct fctx *x)
{
	json_t *e, *ch = jpath(x->res, "lab.changes");
	size_t i, nch = json_array_size(ch);
	char list[700], a[32];

	if (!nch)
		return;
	json_array_foreach(json_object_get(x->res, "expectations"), i, e)
	{
		const char *op = json_string_value(json_object_get(e, "op")) ?: "";
		size_t o = 0, n, pick[4];
		struct draft *d;

		if (!json_is_false(json_object_get(e, "holds")) || op[0] != '>' ||
		    !asserts_problem(str_of(e, "metric")))
			continue;
		n = changes_that_matter(ch, pick);
		list[0] = 0;
		for (size_t c = 0; c < n && o < sizeof(list); c++) {
			json_t *one = json_array_get(ch, pick[c]);

			o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s from %s to %s",
					      c ? ", " : "", str_of(one, "key"),
					      *str_of(one, "from") ? str_of(one, "from")
								   : "(unset)",
					      str_of(one, "to"));
		}
		if (!n)
			continue;
		d = finding(
			x, "cause", NAN,
			"The problem the lab asserts did not happen: %s %s %s failed (%s), after --set changed %s",
			str_of(e, "metric"), op, str_of(e, "text"),
			fmt_n(json_number_value(json_object_get(e, "actual")), a, sizeof(a)), list);
		cite(x, d, EV_EXPECT_ACTUAL, (long)i);
		for (size_t c = 0; c < n; c++) {
			cite(x, d, EV_CHANGE_FROM, (long)pick[c]);
			cite(x, d, EV_CHANGE_TO, (long)pick[c]);
		}
		slot(d, "metric", "%s", str_of(e, "metric"));
		slot(d, "changes", "%s", list);
		what_changed(ch, nch, list, sizeof(list));
		slot(d, "what", "%s", list);
	}
}

/* The flood's reply latency against the probe's, in the hold: far apart
 * means one of them measures something else than the server. */
static void judge_reply_parted(struct fctx *x)
{
	double flood = num(x, "messages.reply_hold.p50_us") / 1000,
	       probe = num(x, "probe_reply.hold.p50_ms"), lag = num(x, "messages.send_lag.p99_us");
	char a[32], b[32];
	struct draft *d;

	if (!(flood > 0) || !(probe > 0) || !(flood > 2 * probe && flood - probe > 0.2))
		return;
	d = finding(
		x, "warning", NAN,
		"The flood's replies took %s ms at the median in the hold, the probe's %s ms: they part ways",
		fmt_n(flood, a, sizeof(a)), fmt_n(probe, b, sizeof(b)));
	cite(x, d, EV_FLOOD_REPLY_P50);
	cite(x, d, EV_PROBE_REPLY_P50);
	cite(x, d, EV_SEND_LAG_P99);
	cite(x, d, EV_LAUNCHER_CPU);
	cite(x, d, EV_CPUS);
	/* the flood sent late (its own loop starved): its figure counts that
	 * wait; otherwise the server's queue holds the flood's messages */
	d->why = d->fix = lag / 1000 > flood / 2;
}

const struct rule rules_servers[] = {
	{
		.id = "server-limit",
		.family = "servers",
		.summary =
			"a known server (nginx, redis, memcached, HAProxy, PostgreSQL, MariaDB) met its own connection limit",
		.where = RULE_BOX | RULE_HOLD | RULE_CHURN,
		.may = MAY_CAUSE | MAY_WARNING,
		.rank = 15,
		.why = { "{program} caps its connections with its own setting, {setting}, whatever the kernel and the open-file limit allow; at the cap it {at_limit}. In this run: {how}.",
			 "{program} caps its connections with its own setting, {setting}, and at start makes room for them: here it could not (it exited, its last words cited), since the setting asks more than this machine lets one process have. At the cap it {at_limit}." },
		.fix = { "Set {setting} on {program}'s command line to {need} (the connections this lab asks, with room for its own files): the --set line below.",
			 "In {file}, change `{from}` to `{to}` ({program} reads it at start; the finding's \"edit\" in result.json says the same).",
			 "{program} would need {need} for this lab, more open files than this machine's hard limit ({hard}) lets one process have: spread the connections over more {program} processes on the port (SO_REUSEPORT, or more workers), or ask fewer connections.",
			 "Raise {setting} to {need} where {program} reads it." },
		.try_ = { "--set 'server.command={command}'" },
		.judge = judge_server_limit,
	},
	{
		.id = "problem-removed",
		.family = "servers",
		.summary =
			"an expectation that asserts a problem failed because a --set removed the problem",
		.where = RULE_BOX | RULE_HOLD | RULE_CHURN,
		.may = MAY_CAUSE,
		.rank = 16,
		.why = { "The lab expects a problem to happen ({metric} above a bound: the lab reproduces it), and the run changed the lab with --set: {changes}. With that change the problem did not happen, so the expectation failed: the change is a fix for what the lab reproduces.{what}" },
		.fix = { "If the change is the fix you meant to try, it works: the lab's own expectation says so. To see the problem again, run the lab without the --set." },
		.judge = judge_problem_removed,
	},
	{
		.id = "reply-parted",
		.family = "servers",
		.summary = "the flood's reply latency and the probe's lock-step one part ways",
		.where = RULE_BOX | RULE_HOLD,
		.may = MAY_WARNING,
		.rank = 160,
		.why = { "The probe sends the lab's message on a connection of its own, one at a time, so its reply time is the server's alone. The flood's is counted from when each message was due; it was well above the probe's while the flood sent on time, so the server answers the flood's many connections slower than one: its queue (one event loop, one core) holds them.",
			 "The probe sends the lab's message on a connection of its own, one at a time, so its reply time is the server's alone. The flood's is counted from when each message was due, and the flood itself sent late (its loop was starved of CPU: see how late it sent), so its figure counts its own wait as well as the server's." },
		.fix = { "Give the server more cores or processes, or send fewer messages a second (clients.message_interval).",
			 "Give the flood more CPU: more flood processes (clients.workers), fewer other processes on the cores, or fewer messages a second." },
		.judge = judge_reply_parted,
	},
};
const size_t rules_servers_n = sizeof(rules_servers) / sizeof(rules_servers[0]);
