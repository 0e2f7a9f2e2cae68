/* SPDX-License-Identifier: MIT */
/* programs.c - the table of servers users bring (programs.h) and the
 * reading of a server command: which program, its connection setting in
 * force, and the command with the setting raised. */
#define _GNU_SOURCE
#include "lab/programs.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct program programs[] = {
	{
		.name = "nginx",
		.names = { "nginx" },
		.setting = "worker_connections",
		.conf_opt = "-c",
		.conf_default = "/etc/nginx/nginx.conf",
		.conf_key = "worker_connections",
		.conf_workers = "worker_processes",
		.conf_end = ";",
		.dflt = 512,
		.extra = 16,
		.at_limit =
			"closes idle keep-alive connections to make room for new ones (\"reusing connections\"), and past them stops accepting",
		.lines = { { "worker_connections are not enough", PA_REUSES, PS_LOG },
			   { "accept4() failed (24: Too many open files)", PA_STOPS, PS_LOG },
			   { "setrlimit(RLIMIT_NOFILE", PA_LOWERS, PS_LOG } },
	},
	{
		.name = "redis",
		.names = { "redis-server", "redis" },
		.setting = "maxclients",
		.opts = { "--maxclients" },
		.conf_key = "maxclients",
		.dflt = 10000,
		.extra = 32,
		.at_limit =
			"accepts the connection, answers \"-ERR max number of clients reached\" and closes it",
		.lines = { { "max number of clients reached", PA_CLOSES, PS_REPLY | PS_LOG },
			   { "maxclients has been reduced to", PA_LOWERS, PS_LOG },
			   { "Server can't set maximum open files", PA_LOWERS, PS_LOG } },
	},
	{
		.name = "memcached",
		.names = { "memcached" },
		.setting = "-c",
		.opts = { "-c", "--conn-limit=", "--conn-limit" },
		.dflt = 1024,
		.extra = 32,
		.lowers_own = 1,
		.at_limit =
			"accepts the connection, answers \"ERROR Too many open connections\" and closes it; it sets its own open-file limit from -c",
		.lines = { { "Too many open connections", PA_CLOSES, PS_REPLY | PS_LOG },
			   { "failed to set rlimit for open files", PA_EXITS, PS_LOG } },
	},
	{
		.name = "HAProxy",
		.names = { "haproxy" },
		.setting = "maxconn",
		.opts = { "-n" },
		.conf_opt = "-f",
		.conf_key = "maxconn",
		.extra = 32,
		.at_limit =
			"stops accepting: new connections wait in the kernel's accept queue and, past it, their SYNs are dropped",
		.lines = { { "reached the configured maximum connection limit", PA_STOPS, PS_LOG },
			   { "reached process FD limit", PA_STOPS, PS_LOG },
			   { "too low for maxconn", PA_LOWERS, PS_LOG } },
	},
	{
		.name = "PostgreSQL",
		.names = { "postgres", "postmaster", "pg_ctl" },
		.setting = "max_connections",
		.opts = { "-N", "max_connections=" },
		.dflt = 100,
		.extra = 0,
		.at_limit =
			"accepts the connection, answers FATAL \"sorry, too many clients already\" and closes it",
		.lines = { { "sorry, too many clients already", PA_CLOSES, PS_REPLY | PS_LOG },
			   { "remaining connection slots are reserved", PA_CLOSES,
			     PS_REPLY | PS_LOG } },
	},
	{
		.name = "MariaDB",
		.names = { "mariadbd", "mysqld", "mariadb", "mysqld_safe" },
		.setting = "max_connections",
		.opts = { "--max-connections=", "--max_connections=" },
		.dflt = 151,
		.extra = 0,
		.at_limit =
			"accepts the connection, answers error 1040 \"Too many connections\" and closes it",
		.lines = { { "Too many connections", PA_CLOSES, PS_REPLY | PS_LOG } },
	},
	{
		.name = "Python",
		.names = { "python3", "python", "gunicorn", "uvicorn" },
		.setting = "RLIMIT_NOFILE",
		.runtime = 1,
		.at_limit = "fails in accept() with OSError [Errno 24]",
		.lines = { { "Too many open files", PA_STOPS, PS_LOG } },
	},
	{
		.name = "Node.js",
		.names = { "node", "nodejs" },
		.setting = "RLIMIT_NOFILE",
		.runtime = 1,
		.at_limit = "fails in accept() with EMFILE",
		.lines = { { "EMFILE", PA_STOPS, PS_LOG } },
	},
	{
		.name = "Java",
		.names = { "java" },
		.setting = "RLIMIT_NOFILE",
		.runtime = 1,
		.at_limit = "fails in accept() with java.net.SocketException",
		.lines = { { "Too many open files", PA_STOPS, PS_LOG } },
	},
	{
		/* a Go program has no name of its own: only its line tells */
		.name = "Go",
		.setting = "RLIMIT_NOFILE",
		.runtime = 1,
		.at_limit = "fails in accept4() and retries",
		.lines = { { "accept4: too many open files", PA_STOPS, PS_LOG } },
	},
};
const size_t programs_count = sizeof(programs) / sizeof(programs[0]);

const struct program *program_find(const char *name)
{
	for (size_t i = 0; name && i < programs_count; i++) {
		if (!strcasecmp(programs[i].name, name))
			return &programs[i];
		for (int k = 0; k < 4 && programs[i].names[k]; k++)
			if (!strcmp(programs[i].names[k], name))
				return &programs[i];
	}
	return NULL;
}

/* ---- a command's words ---- */

#define WORDS_MAX 96
struct words {
	unsigned n;
	struct {
		const char *s;
		size_t len;
	} w[WORDS_MAX];
};

/* Words as a shell would see them, quotes and separators flattened: the
 * program inside `sh -c '...'` is a word like the others. */
static void split(const char *cmd, struct words *ws)
{
	const char *p = cmd;

	ws->n = 0;
	while (*p && ws->n < WORDS_MAX) {
		size_t n;

		p += strspn(p, " \t\n'\";&|()`");
		n = strcspn(p, " \t\n'\";&|()`");
		if (!n)
			break;
		ws->w[ws->n].s = p;
		ws->w[ws->n++].len = n;
		p += n;
	}
}

static int word_is(const struct words *ws, unsigned i, const char *s)
{
	return ws->w[i].len == strlen(s) && !strncmp(ws->w[i].s, s, ws->w[i].len);
}

static int word_starts(const struct words *ws, unsigned i, const char *s)
{
	return ws->w[i].len > strlen(s) && !strncmp(ws->w[i].s, s, strlen(s));
}

static const struct program *word_program(const struct words *ws, unsigned i)
{
	char b[64];
	const char *base = memrchr(ws->w[i].s, '/', ws->w[i].len);
	size_t off = base ? (size_t)(base + 1 - ws->w[i].s) : 0;

	if (ws->w[i].len - off >= sizeof(b))
		return NULL;
	snprintf(b, sizeof(b), "%.*s", (int)(ws->w[i].len - off), ws->w[i].s + off);
	for (size_t k = 0; k < programs_count; k++)
		for (int j = 0; j < 4 && programs[k].names[j]; j++)
			if (!strcmp(programs[k].names[j], b))
				return &programs[k];
	return NULL;
}

/* The setting's value among the words after the program's: where its
 * number starts and ends in the command, or NULL. */
static const char *opt_value(const struct program *p, const struct words *ws, unsigned from,
			     size_t *len)
{
	for (unsigned i = from; i < ws->n; i++)
		for (int k = 0; k < 3 && p->opts[k]; k++) {
			const char *o = p->opts[k];
			size_t ol = strlen(o);

			if (o[ol - 1] == '=' && word_starts(ws, i, o)) {
				*len = ws->w[i].len - ol;
				return ws->w[i].s + ol;
			}
			if (word_is(ws, i, o) && i + 1 < ws->n) {
				*len = ws->w[i + 1].len;
				return ws->w[i + 1].s;
			}
			if (ol == 2 && word_starts(ws, i, o) &&
			    isdigit((unsigned char)ws->w[i].s[2])) {
				*len = ws->w[i].len - 2;
				return ws->w[i].s + 2;
			}
		}
	return NULL;
}

/* ---- a config file ---- */

/* The first uncommented line whose first word is key: its value (words
 * "auto" as cpus), and its number and text when line is not NULL; -1
 * when none. */
static long conf_find(const char *file, const char *key, long cpus, unsigned *line, char *text,
		      size_t tlen)
{
	FILE *fp = fopen(file, "re");
	char buf[512];
	unsigned n = 0;
	long v = -1;

	if (!fp)
		return -1;
	while (v < 0 && fgets(buf, sizeof(buf), fp)) {
		char *s = buf + strspn(buf, " \t"), *e;
		size_t kl = strlen(key);

		n++;
		if (strncmp(s, key, kl) || !isspace((unsigned char)s[kl]))
			continue;
		e = s + kl + strspn(s + kl, " \t");
		v = !strncmp(e, "auto", 4) ? cpus : isdigit((unsigned char)*e) ? atol(e) : -1;
		if (v >= 0 && line) {
			s[strcspn(s, "\r\n")] = 0;
			snprintf(text, tlen, "%s", s);
			*line = n;
		}
	}
	fclose(fp);
	return v;
}

static void read_config(const struct program *p, const struct words *ws, unsigned from, long cpus,
			struct prog_setting *s)
{
	const char *file = p->conf_default;
	char path[256];

	for (unsigned i = from; p->conf_opt && i + 1 < ws->n; i++)
		if (word_is(ws, i, p->conf_opt)) {
			snprintf(path, sizeof(path), "%.*s", (int)ws->w[i + 1].len, ws->w[i + 1].s);
			file = path;
		}
	if (!file || file[0] != '/' || !p->conf_key)
		return;
	if (p->conf_workers) {
		long w = conf_find(file, p->conf_workers, cpus, NULL, NULL, 0);

		s->workers = w > 0 ? w : 1;
	}
	s->value = conf_find(file, p->conf_key, cpus, &s->line, s->text, sizeof(s->text));
	if (s->value >= 0) {
		s->where = 2;
		snprintf(s->file, sizeof(s->file), "%s", file);
	}
}

int programs_read(const char *command, long cpus, struct prog_setting *s)
{
	struct words ws;
	unsigned i;
	const char *v;
	size_t vl;

	memset(s, 0, sizeof(*s));
	s->value = -1;
	s->workers = 1;
	split(command ? command : "", &ws);
	for (i = 0; i < ws.n && !s->prog; i++)
		s->prog = word_program(&ws, i);
	if (!s->prog)
		return -1;
	if ((v = opt_value(s->prog, &ws, i, &vl)) && isdigit((unsigned char)*v)) {
		s->value = atol(v);
		s->where = 1;
		return 0;
	}
	read_config(s->prog, &ws, i, cpus, s);
	if (s->value < 0 && s->prog->dflt) {
		s->value = s->prog->dflt;
		s->where = 3;
	}
	return 0;
}

const char *programs_where(const struct prog_setting *s)
{
	static const char *const where[] = { "", "command line", "config file", "its default" };

	return where[s->where >= 0 && s->where <= 3 ? s->where : 0];
}

int programs_fix_command(const struct prog_setting *s, const char *command, long value, char *out,
			 size_t len)
{
	struct words ws;
	const char *v = NULL;
	size_t vl = 0;
	unsigned i = 0;
	int n;

	if (!s->prog || !s->prog->opts[0] || s->where == 2)
		return -1;
	split(command, &ws);
	while (i < ws.n && word_program(&ws, i) != s->prog)
		i++;
	if (i == ws.n)
		return -1;
	v = opt_value(s->prog, &ws, i + 1, &vl);
	if (v) /* replaced where it stands */
		n = snprintf(out, len, "%.*s%ld%s", (int)(v - command), command, value, v + vl);
	else { /* added after the program's word */
		const char *at = ws.w[i].s + ws.w[i].len, *o = s->prog->opts[0];

		n = snprintf(out, len, "%.*s %s%s%ld%s", (int)(at - command), command, o,
			     o[strlen(o) - 1] == '=' ? "" : " ", value, at);
	}
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

long programs_need(const struct prog_setting *s, double target)
{
	double per = ceil(target / (double)(s->workers > 0 ? s->workers : 1));
	double v = per * 1.1 + (s->prog ? (double)s->prog->extra : 0);
	double step = v < 1000 ? 10 : v < 10000 ? 100 : 1000;

	return (long)(ceil(v / step) * step);
}
