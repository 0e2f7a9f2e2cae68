/* SPDX-License-Identifier: MIT */
/* script.c - the commands connlab fleet sends to its hosts through pdsh,
 * and reading what pdsh prints back. */
#include "fleet/fleet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/floodopts.h"
#include "util/units.h"

/* ---- a growing string ---- */

struct sbuf {
	char *s;
	size_t n, cap;
	int oom;
};

static void sb_add(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#include <stdarg.h>
static void sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		k = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0, fmt, ap);
		va_end(ap);
		if (k < 0) {
			b->oom = 1;
			return;
		}
		if (b->s && b->n + (size_t)k < b->cap) {
			b->n += (size_t)k;
			return;
		}
		{
			size_t nc = (b->cap ? b->cap * 2 : 1024) + (size_t)k;
			char *p = realloc(b->s, nc);

			if (!p) {
				b->oom = 1;
				return;
			}
			b->s = p;
			b->cap = nc;
		}
	}
}

static char *shell_quote(const char *s, int double_pct)
{
	struct sbuf b = { 0 };

	sb_add(&b, "'");
	for (; *s; s++) {
		if (*s == '\'')
			sb_add(&b, "'\\''");
		else if (*s == '%' && double_pct)
			sb_add(&b, "%%%%");
		else
			sb_add(&b, "%c", *s);
	}
	sb_add(&b, "'");
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

char *fleet_quote(const char *s)
{
	return shell_quote(s, 1);
}

/* fleet.sources for the shell: %n becomes the host's rank ($R), %h stays
 * for pdsh, the rest is quoted */
static void add_sources(struct sbuf *b, const char *tmpl)
{
	sb_add(b, "\"");
	for (const char *p = tmpl; *p; p++) {
		if (*p == '%' && p[1] == 'n') {
			sb_add(b, "$R");
			p++;
		} else if (*p == '%' && p[1] == 'h') {
			sb_add(b, "%%h");
			p++;
		} else if (*p == '%' && p[1] == '%') {
			sb_add(b, "%%%%");
			p++;
		} else if (strchr("\"$`\\", *p)) {
			sb_add(b, "\\%c", *p);
		} else {
			sb_add(b, "%c", *p);
		}
	}
	sb_add(b, "\"");
}

static void add_quoted(struct sbuf *b, const char *s)
{
	char *q = fleet_quote(s);

	if (!q) {
		b->oom = 1;
		return;
	}
	sb_add(b, "%s", q);
	free(q);
}

uint64_t fleet_hold_bound_us(const struct lab *lab)
{
	return lab->duration_us + lab->ramp_timeout_us + 10000000;
}

uint64_t fleet_end_grace_us(const struct lab *lab)
{
	return 3 * lab->interval_us > 5000000 ? 3 * lab->interval_us : 5000000;
}

uint64_t fleet_flood_bound_us(const struct lab *lab)
{
	return lab->client_mode == CLIENT_HOLD
		       ? lab->ramp_timeout_us + fleet_hold_bound_us(lab) + lab->drain_timeout_us
		       : lab->duration_us + lab->drain_timeout_us;
}

/* characters a shell word may have unquoted (and pdsh leaves alone) */
#define SAFE "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:,@+=-"

/* The host's connlab flood: the lab's options (plan/floodopts.c) for the
 * host's share of rank $R, its sources from fleet.sources; the check
 * round asks whether it would run, the flood round runs it. */
static void add_flood(struct sbuf *b, const struct lab *lab, const struct fleet_plan *fp,
		      enum fleet_round round, const char *run_id)
{
	char share[32], end[48];
	struct flood_share sh = {
		.target = fp->target_text,
		.source = lab->fleet.sources[0] ? lab->fleet.sources : NULL,
		.connections = lab->connections,
		.share = share,
		.rate = lab->rate,
		.inflight = lab->inflight,
		.workers = (lab->client_workers + fp->nhosts - 1) / fp->nhosts,
		.duration_us = fleet_flood_bound_us(lab),
	};
	static struct flood_opts fo;
	char v[32];

	snprintf(share, sizeof(share), "$R/%u", fp->nhosts);
	flood_opts_build(lab, &sh, &fo);
	if (round == ROUND_CHECK) {
		flood_opts_add(&fo, "--check", NULL);
	} else {
		if (lab->client_mode == CLIENT_HOLD) {
			/* the hold ends at the coordinator's word; this is its bound */
			flood_opts_add(&fo, "--hold",
				       units_fmt_duration(fleet_hold_bound_us(lab), v, sizeof(v)));
			snprintf(end, sizeof(end), "%s-$R", run_id);
			flood_opts_add(&fo, "--end-name", end);
			flood_opts_add(&fo, "--ramp-timeout",
				       units_fmt_duration(lab->ramp_timeout_us, v, sizeof(v)));
		}
		flood_opts_add(&fo, "--stats-interval",
			       units_fmt_duration(lab->interval_us, v, sizeof(v)));
	}
	sb_add(b, "\"$C\" flood");
	for (unsigned k = 0; k < fo.n; k++) {
		sb_add(b, " %s", fo.o[k].name);
		if (!fo.o[k].value)
			continue;
		sb_add(b, " ");
		if (!strcmp(fo.o[k].name, "--source"))
			add_sources(b, fo.o[k].value); /* %n is the rank, %h pdsh's */
		else if (!strcmp(fo.o[k].name, "--share") || !strcmp(fo.o[k].name, "--end-name"))
			sb_add(b, "%s", fo.o[k].value); /* $R: the shell's */
		else if (fo.o[k].value[strspn(fo.o[k].value, SAFE)] || !fo.o[k].value[0])
			add_quoted(b, fo.o[k].value);
		else
			sb_add(b, "%s", fo.o[k].value); /* a word the shell keeps as it is */
	}
	sb_add(b, "\n");
}

/* The restarts' gaps in seconds, in the order of their times: " 1 2.5". */
static void add_gaps(struct sbuf *b, const struct lab *lab)
{
	unsigned order[LAB_EVENTS_MAX];

	event_order(lab->event, lab->n_event, order);
	for (unsigned i = 0; i < lab->n_event; i++)
		if (lab->event[order[i]].kind == EVENT_RESTART)
			sb_add(b, " %.3f", (double)lab->event[order[i]].for_us / 1e6);
}

static int restarts(const struct lab *lab)
{
	for (unsigned i = 0; i < lab->n_event; i++)
		if (lab->event[i].kind == EVENT_RESTART)
			return 1;
	return 0;
}

/* The server host's connlab server. With restart events, a loop: at the
 * coordinator's word (SIGUSR1 to this shell, whose pid its first line
 * gives; fleet_restart_script) the server gets SIGTERM (SIGKILL 10 s on),
 * and the next gap later it starts again, each restart said in a line. */
static void add_server(struct sbuf *b, const struct lab *lab, const char *t, const char *ports,
		       const char *d, const char *run_id)
{
	char iv[32], workers[24];

	units_fmt_duration(lab->keepalive_us, iv, sizeof(iv));
	if (lab->server_workers)
		snprintf(workers, sizeof(workers), "%llu", (unsigned long long)lab->server_workers);
	else
		snprintf(workers, sizeof(workers), "auto");
	if (restarts(lab)) {
		sb_add(b, "\tRUN=%s\n\tX=0\n\ttrap X=1 USR1\n", run_id);
		sb_add(b, "\techo \"{\\\"role\\\":\\\"shell\\\",\\\"pid\\\":$$}\"\n\tset --");
		add_gaps(b, lab);
		sb_add(b, "\n\twhile :; do\n\t");
	}
	sb_add(b,
	       "\t\"$C\" server --address %s --ports %s --workers %s --max-connections %llu --mode %s --interval %s --backlog %llu --duration %s --stats-interval 1s%s\n",
	       t, ports, workers, (unsigned long long)(lab->connections + 1000),
	       server_mode_name(lab->server_mode), iv, (unsigned long long)lab->backlog, d,
	       restarts(lab) ? " &" : "");
	if (!restarts(lab))
		return;
	/* a word while it waits ends the wait (status > 128), and the trap
	 * says it was the word */
	sb_add(b,
	       "\t\tP=$!\n\t\t[ $X = 1 ] || wait $P\n\t\tS=$?\n\t\t[ $X = 1 ] || break\n\t\tX=0\n");
	sb_add(b, "\t\tkill -TERM $P 2>/dev/null\n\t\tK=0\n");
	sb_add(b,
	       "\t\twhile kill -0 $P 2>/dev/null && [ $K -lt 100 ]; do sleep 0.1; K=$((K + 1)); done\n");
	sb_add(b,
	       "\t\tkill -KILL $P 2>/dev/null\n\t\twait $P\n\t\tS=$?\n\t\t[ $# -gt 0 ] || break\n");
	sb_add(b,
	       "\t\techo \"{\\\"role\\\":\\\"restart\\\",\\\"status\\\":$S,\\\"gap_s\\\":$1}\"\n\t\tsleep $1\n\t\tshift\n\tdone\n\t(exit $S)\n");
}

char *fleet_restart_script(long shell_pid, const char *run_id)
{
	struct sbuf b = { 0 };

	/* the shell of this run's server, not a process that took its pid */
	sb_add(&b,
	       "if tr '\\0' '\\n' < /proc/%ld/cmdline 2>/dev/null | grep -q 'RUN=%s$'; then\n"
	       "\tkill -USR1 %ld && exit 0\nfi\n"
	       "echo \"" FLEET_SCRIPT_SAYS
	       "the server's shell (pid %ld) is not there: nothing restarted\" >&2\nexit 1\n",
	       shell_pid, run_id, shell_pid, shell_pid);
	return b.oom ? (free(b.s), NULL) : b.s;
}

char *fleet_script(const struct lab *lab, const struct fleet_plan *fp, enum fleet_round round,
		   const char *run_id, const double *end_at)
{
	struct sbuf b = { 0 };
	char d[32], svc[64], ports[256], v[64];
	uint64_t bound = fleet_flood_bound_us(lab);
	const char *srv = lab->fleet.server_host, *t = fp->target_text;

	units_fmt_ports(&lab->ports, ports, sizeof(ports));
	/* connlab watch --service: ADDRESS:PORTS, an IPv6 address in brackets */
	snprintf(svc, sizeof(svc), fp->six ? "[%s]" : "%s", t);
	sb_add(&b, "C=");
	add_quoted(&b, lab->fleet.connlab);
	sb_add(&b, "\ncase %%h in\n");
	if (srv[0] && round != ROUND_END) {
		sb_add(&b, "%s)\n", srv);
		if (round == ROUND_CHECK) {
			/* the server host answers with one sample of its kernel */
			sb_add(&b, "\texec \"$C\" watch --interval 100ms --duration 100ms\n;;\n");
		} else {
			/* its kernel, beside the server (or the user's own) */
			units_fmt_duration(bound + 60000000, d, sizeof(d));
			sb_add(&b,
			       "\t\"$C\" watch --interval %s --states-every 2s --service %s:%s --duration %s --stats-fd 2 &\n\tW=$!\n",
			       units_fmt_duration(lab->interval_us, v, sizeof(v)), svc, ports, d);
			if (lab->fleet.server == FLEET_SERVER_START) {
				add_server(&b, lab, t, ports, d, run_id);
			} else {
				sb_add(&b, "\twait $W\n");
			}
			sb_add(&b,
			       "\tS=$?\n\tkill $W 2>/dev/null\n\twait $W 2>/dev/null\n\texit $S\n;;\n");
		}
	}
	for (unsigned i = 0; i < fp->nhosts; i++)
		if (round == ROUND_END && end_at)
			sb_add(&b, "%s) R=%u T=%.3f;;\n", fp->host[i].name, fp->host[i].rank,
			       end_at[fp->host[i].rank]);
		else
			sb_add(&b, "%s) R=%u;;\n", fp->host[i].name, fp->host[i].rank);
	sb_add(&b,
	       "*) echo \"connlab fleet: host %%h is not one of this fleet's\" >&2; exit 2;;\nesac\n");
	if (round == ROUND_SERVER) {
		sb_add(&b, "exit 0\n");
		goto done;
	}
	if (round == ROUND_END) {
		/* a flood not ended within a few lines of its end is stuck */
		units_fmt_duration(fleet_end_grace_us(lab), d, sizeof(d));
		sb_add(&b, "exec \"$C\" flood --end %s-$R%s --end-grace %s\n", run_id,
		       end_at ? " --end-at $T" : "", d);
		goto done;
	}
	if (round == ROUND_FLOOD) {
		units_fmt_duration(bound + 30000000, d, sizeof(d));
		sb_add(&b,
		       "\"$C\" watch --interval %s --states-every 2s --service %s:%s --duration %s --stats-fd 2 &\nW=$!\n",
		       units_fmt_duration(lab->interval_us, v, sizeof(v)), svc, ports, d);
	}
	add_flood(&b, lab, fp, round, run_id);
	if (round == ROUND_CHECK)
		goto done;
	sb_add(&b, "S=$?\nkill $W 2>/dev/null\nwait $W 2>/dev/null\nexit $S\n");
done:
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

void fleet_argv_free(char **argv)
{
	if (!argv)
		return;
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
}

/* {labdir} in a template, replaced */
static char *with_labdir(const char *s, const char *labdir)
{
	struct sbuf b = { 0 };
	const char *p;

	while ((p = strstr(s, "{labdir}"))) {
		sb_add(&b, "%.*s%s", (int)(p - s), s, labdir);
		s = p + 8;
	}
	sb_add(&b, "%s", s);
	return b.oom ? (free(b.s), NULL) : b.s;
}

char **fleet_pdsh_argv(const struct lab *lab, const char *pdsh, const char *hosts, unsigned fanout,
		       unsigned timeout_s, const char *script, const char *labdir)
{
	char **argv = calloc(16 + LAB_COMMAND_MAX, sizeof(*argv));
	size_t n = 0;
	char num[24];
	int oom = 0;

#define ADD(x)                                                                                     \
	do {                                                                                       \
		char *x_ = (x);                                                                    \
		if (!x_)                                                                           \
			oom = 1;                                                                   \
		else                                                                               \
			argv[n++] = x_;                                                            \
	} while (0)
	if (!argv)
		return NULL;
	ADD(strdup(pdsh));
	ADD(strdup("-R"));
	ADD(strdup(lab->fleet.transport == FLEET_EXEC ? "exec" : "ssh"));
	ADD(strdup("-S"));
	ADD(strdup("-f"));
	snprintf(num, sizeof(num), "%u", fanout ? fanout : 1);
	ADD(strdup(num));
	if (timeout_s) {
		ADD(strdup("-u"));
		snprintf(num, sizeof(num), "%u", timeout_s);
		ADD(strdup(num));
	}
	ADD(strdup("-w"));
	ADD(strdup(hosts));
	if (lab->fleet.transport == FLEET_EXEC) {
		/* the template's words, then sh -c SCRIPT: pdsh's exec runs
		 * them as they are, no shell between */
		char *t = with_labdir(lab->fleet.exec, labdir), *save = NULL, *w;

		if (!t)
			oom = 1;
		for (w = t ? strtok_r(t, " \t", &save) : NULL; w && n < 12 + LAB_COMMAND_MAX;
		     w = strtok_r(NULL, " \t", &save))
			ADD(strdup(w));
		free(t);
		ADD(strdup("sh"));
		ADD(strdup("-c"));
		ADD(strdup(script));
	} else {
		/* ssh hands one string to the remote shell */
		struct sbuf b = { 0 };
		char *q = shell_quote(script, 0); /* its %s are pdsh's already */

		if (q)
			sb_add(&b, "sh -c %s", q);
		free(q);
		ADD(q && !b.oom ? b.s : (free(b.s), NULL));
	}
#undef ADD
	if (oom) {
		fleet_argv_free(argv);
		return NULL;
	}
	return argv;
}

int fleet_parse_line(const char *line, char *host, size_t hostlen, const char **text,
		     int *from_pdsh)
{
	const char *p = line, *colon;

	*from_pdsh = 0;
	if (!strncmp(p, "pdsh@", 5)) {
		colon = strstr(p, ": ");
		if (!colon)
			return -1;
		p = colon + 2;
		*from_pdsh = 1;
	}
	colon = strstr(p, ": ");
	if (!colon || colon == p || (size_t)(colon - p) >= hostlen ||
	    memchr(p, ' ', (size_t)(colon - p)))
		return -1;
	memcpy(host, p, (size_t)(colon - p));
	host[colon - p] = 0;
	*text = colon + 2;
	return 0;
}

int fleet_pdsh_exit(const char *text)
{
	const char *p;
	int v;

	if ((p = strstr(text, "exited with exit code ")) && sscanf(p + 22, "%d", &v) == 1)
		return v;
	if ((p = strstr(text, "killed by signal ")) && sscanf(p + 17, "%d", &v) == 1)
		return 128 + v;
	return -1;
}
