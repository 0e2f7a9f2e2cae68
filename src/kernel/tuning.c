/* SPDX-License-Identifier: MIT */
/* tuning.c - a tuning file read into lines, the knowledge table as a
 * kernel (for tests), and the verdicts written out; classify.c gives each
 * line its verdict and sentence (docs/doctor.md lists the verdicts). */
#define _GNU_SOURCE
#include "kernel/tuning.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/compiler.h"
#include "util/suggest.h"
#include "util/text.h"
#include "util/units.h"

void tuning_init(struct tuning *t)
{
	memset(t, 0, sizeof(*t));
}

void tuning_free(struct tuning *t)
{
	free(t->line);
	memset(t, 0, sizeof(*t));
}

const char *tuning_verdict_name(enum tverdict v)
{
	static const char *const names[TV_COUNT] = {
		[TV_NETNS] = "netns",
		[TV_GLOBAL] = "global",
		[TV_REMOVED] = "removed",
		[TV_UNKNOWN] = "unknown",
		[TV_READONLY] = "read-only",
		[TV_REFUSED] = "refused",
		[TV_INCONSISTENT] = "inconsistent",
		[TV_RISKY] = "risky",
		[TV_UNIT_TRAP] = "unit-trap",
		[TV_NO_EFFECT] = "no-effect",
		[TV_REPEATED] = "repeated",
		[TV_MALFORMED] = "malformed",
	};

	return (unsigned)v < TV_COUNT ? names[v] : "?";
}

/* ---- parsing ---- */

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = 0;
	return s;
}

static struct tuning_line *add_line(struct tuning *t, const char *file, int line)
{
	struct tuning_line *l;

	if (t->n == t->cap) {
		unsigned cap = t->cap ? t->cap * 2 : 64;
		struct tuning_line *nl = realloc(t->line, cap * sizeof(*nl));

		if (!nl)
			return NULL;
		t->line = nl;
		t->cap = cap;
	}
	l = &t->line[t->n++];
	memset(l, 0, sizeof(*l));
	snprintf(l->file, sizeof(l->file), "%s", file);
	l->line = line;
	return l;
}

static void malformed(struct tuning_line *l, const char *raw, const char *why)
{
	l->verdict = TV_MALFORMED;
	snprintf(l->value, sizeof(l->value), "%.*s", (int)sizeof(l->value) - 1, raw);
	snprintf(l->text, sizeof(l->text), "%s", why);
}

static void parse_one(struct tuning_line *l, char *s)
{
	char *eq = strchr(s, '=');

	if (eq) {
		char *name, *value;

		*eq = 0;
		name = trim(s);
		value = trim(eq + 1);
		if (*name == '-') {
			l->dash = 1;
			name = trim(name + 1);
		}
		l->kind = TK_SYSCTL;
		if (kernel_sysctl_normalize(name, l->name, sizeof(l->name))) {
			*eq = '=';
			malformed(
				l, s,
				"Not a sysctl name: names are words joined by dots, such as net.ipv4.tcp_tw_reuse.");
			return;
		}
		if (!*value) {
			malformed(l, name, "No value after '=': write name = value.");
			return;
		}
		snprintf(l->value, sizeof(l->value), "%s", value);
		/* the kernel reads any run of blanks as one separator */
		for (char *p = l->value; *p; p++)
			if (*p == '\t')
				*p = ' ';
		return;
	}
	{
		char *tok[5], *save = NULL, raw[400];
		int n = 0;

		snprintf(raw, sizeof(raw), "%s", s);
		for (char *p = strtok_r(s, " \t", &save); p && n < 5;
		     p = strtok_r(NULL, " \t", &save))
			tok[n++] = p;
		l->kind = TK_LIMIT;
		if (n != 4) {
			l->kind = TK_SYSCTL;
			malformed(
				l, raw,
				"Neither a sysctl line (name = value) nor a limits.conf line (domain type item value).");
			return;
		}
		if (strcmp(tok[1], "soft") && strcmp(tok[1], "hard") && strcmp(tok[1], "-")) {
			malformed(
				l, raw,
				"A limits.conf line's second word is soft, hard or - (both): domain type item value, such as '* soft nofile 65536'.");
			return;
		}
		snprintf(l->domain, sizeof(l->domain), "%s", tok[0]);
		snprintf(l->type, sizeof(l->type), "%s", tok[1]);
		snprintf(l->name, sizeof(l->name), "%s", tok[2]);
		snprintf(l->value, sizeof(l->value), "%s", tok[3]);
	}
}

int tuning_parse(struct tuning *t, const char *file, const char *text, size_t len)
{
	size_t i = 0;
	int lineno = 0;

	while (i < len) {
		size_t j = i;
		char buf[600], *s;
		struct tuning_line *l;

		while (j < len && text[j] != '\n')
			j++;
		lineno++;
		snprintf(buf, sizeof(buf), "%.*s",
			 (int)(j - i < sizeof(buf) - 1 ? j - i : sizeof(buf) - 1), text + i);
		i = j + 1;
		s = trim(buf);
		if (!*s || *s == '#' || *s == ';')
			continue;
		l = add_line(t, file, lineno);
		if (!l)
			return -ENOMEM;
		parse_one(l, s);
	}
	return 0;
}

/* ---- the table as a kernel (tests) ---- */

static int table_lookup(void *arg, const char *name, struct kname *out)
{
	const struct ksysctl *k = kernel_sysctl_find(name);
	unsigned version = *(unsigned *)arg;

	memset(out, 0, sizeof(*out));
	if (!k || k->scope == KSCOPE_REMOVED ||
	    (k->since && version < kernel_version_code(k->since)))
		return 0;
	out->host = 1;
	out->host_rw = k->scope != KSCOPE_READONLY;
	out->netns = k->scope == KSCOPE_NETNS || k->scope == KSCOPE_NETNS_RO ||
		     k->scope == KSCOPE_GLOBAL ||
		     (k->scope == KSCOPE_READONLY && !strncmp(k->name, "net.", 4));
	out->netns_rw = k->scope == KSCOPE_NETNS || k->scope == KSCOPE_GLOBAL;
	snprintf(out->host_value, sizeof(out->host_value), "%s",
		 k->dflt && strcmp(k->dflt, "=host") ? k->dflt : "");
	snprintf(out->netns_value, sizeof(out->netns_value), "%s", out->host_value);
	return 0;
}

static int table_try(void *arg, const char *name, const char *value)
{
	(void)arg;
	/* a real kernel knows its congestion controls; the table knows two
	 * that every kernel has */
	if (!strcmp(name, "net.ipv4.tcp_congestion_control") && strcmp(value, "reno") &&
	    strcmp(value, "cubic"))
		return -ENOENT;
	return 0;
}

void kernel_view_table(struct kernel_view *v, unsigned version, uint64_t mem_total)
{
	static unsigned ver;

	memset(v, 0, sizeof(*v));
	ver = version;
	v->version = version;
	snprintf(v->release, sizeof(v->release), "%u.%u", version / 1000, version % 1000);
	v->probed = 1;
	v->conntrack = 1;
	v->nr_open = 1048576;
	v->mem_total = mem_total;
	v->page_size = 4096;
	v->lookup = table_lookup;
	v->try_value = table_try;
	v->arg = &ver;
}

/* ---- writing ---- */

void tuning_write_section(const struct tuning *t, FILE *out)
{
	unsigned n = 0;

	for (unsigned i = 0; i < t->n; i++)
		n += t->line[i].in_section != 0;
	if (!n)
		return;
	fprintf(out, "[sysctl]\n");
	for (unsigned i = 0; i < t->n; i++) {
		const struct tuning_line *l = &t->line[i];

		if (l->in_section > 0)
			fprintf(out, "%s = %s\n", l->name, l->value);
		else if (l->in_section < 0)
			fprintf(out, "; %s = %s   (risky: %s:%d)\n", l->name, l->value, l->file,
				l->line);
	}
}

void tuning_write(const struct tuning *t, const struct tuning_scale *sc, FILE *out)
{
	const char *file = NULL;
	int first = 1;

	for (unsigned i = 0; i < t->n; i++) {
		const struct tuning_line *l = &t->line[i];
		char head[640];

		if (!file || strcmp(file, l->file)) {
			file = l->file;
			fprintf(out, "%s%s\n", i ? "\n" : "", file);
		}
		if (l->kind == TK_LIMIT)
			snprintf(head, sizeof(head), "%s %s %s %s", l->domain, l->type, l->name,
				 l->value);
		else if (l->verdict == TV_MALFORMED && !*l->name)
			snprintf(head, sizeof(head), "%s", l->value);
		else
			snprintf(head, sizeof(head), "%s%s = %s", l->dash ? "-" : "", l->name,
				 l->value);
		fprintf(out, "%5d  %-12s %s\n", l->line, tuning_verdict_name(l->verdict), head);
		text_wrap(out, l->text, 20, 100);
	}
	fprintf(out, "\n%u %s for %s", t->n, t->n == 1 ? "line" : "lines", sc->label);
	for (int v = 0; v < TV_COUNT; v++)
		if (t->count[v]) {
			fprintf(out, "%s %u %s", first ? ":" : ",", t->count[v],
				tuning_verdict_name((enum tverdict)v));
			first = 0;
		}
	fprintf(out, ". %u %s, %u %s.\n", t->blocks, t->blocks == 1 ? "line blocks" : "lines block",
		t->warns, t->warns == 1 ? "warns" : "warn");
	{
		unsigned n = 0;

		for (unsigned i = 0; i < t->n; i++)
			n += t->line[i].in_section != 0;
		if (n) {
			fprintf(out,
				"\nThe per-namespace lines, ready for a lab file (a lab sets them in its own\nnamespaces; on the host they do nothing for a lab):\n\n");
			tuning_write_section(t, out);
		}
	}
}
