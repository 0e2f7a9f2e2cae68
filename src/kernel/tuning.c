/* SPDX-License-Identifier: MIT */
/* tuning.c - one verdict and one sentence for every line of a tuning
 * file (docs/doctor.md lists the verdicts). The order of the rules is the
 * order of the verdicts' weight: a line that cannot be written at all is
 * not also called risky. */
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

const char *tuning_level_name(enum tlevel l)
{
	return l == TL_BLOCKS ? "blocks" : l == TL_WARN ? "warn" : "ok";
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

/* ---- classifying ---- */

struct cx {
	struct tuning *t;
	const struct kernel_view *kv;
	const struct tuning_scale *sc;
};

static void say(struct tuning_line *l, enum tverdict v, enum tlevel lv, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void say(struct tuning_line *l, enum tverdict v, enum tlevel lv, const char *fmt, ...)
{
	va_list ap;

	l->verdict = v;
	l->level = lv;
	va_start(ap, fmt);
	vsnprintf(l->text, sizeof(l->text), fmt, ap);
	va_end(ap);
}

/* the last value the files give name (a sysctl), or NULL */
static const char *file_value(const struct tuning *t, const char *name)
{
	const char *v = NULL;

	for (unsigned i = 0; i < t->n; i++)
		if (t->line[i].kind == TK_SYSCTL && t->line[i].verdict != TV_MALFORMED &&
		    !strcmp(t->line[i].name, name))
			v = t->line[i].value;
	return v;
}

/* name's value as the files leave it, else the host's now; 0 unknown */
static int value_of(const struct cx *c, const char *name, long long *out, int *from_file)
{
	const char *v = file_value(c->t, name);
	struct kname kn;
	char *end;

	*from_file = v != NULL;
	if (!v) {
		if (c->kv->lookup(c->kv->arg, name, &kn) || !kn.host || !*kn.host_value)
			return 0;
		v = kn.host_value;
		*out = strtoll(v, &end, 10);
		return end != v;
	}
	*out = strtoll(v, &end, 10);
	return end != v;
}

static const char *lab_sets(const struct tuning_scale *sc, const char *name)
{
	for (unsigned i = 0; i < sc->n_lab; i++)
		if (!strcmp(sc->lab_name[i], name))
			return sc->lab_value[i];
	return NULL;
}

static int all_digits(const char *s)
{
	if (*s == '-')
		s++;
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* the unit's syntax: NULL, or what is wrong */
static const char *value_syntax(const struct ksysctl *k, const char *v, char *buf, size_t len)
{
	long long a, b, c;
	char rest[8];

	switch (k->unit) {
	case KU_BOOL:
		if (strcmp(v, "0") && strcmp(v, "1"))
			snprintf(buf, len, "'%s' is not 0 or 1", v);
		else
			return NULL;
		return buf;
	case KU_NUM:
	case KU_MODE:
	case KU_BYTES:
	case KU_KBYTES:
	case KU_SECONDS:
	case KU_MS:
	case KU_US:
	case KU_USER_HZ:
		if (!all_digits(v)) {
			snprintf(buf, len, "'%s' is not a whole number (%s)", v,
				 kernel_unit_name(k->unit));
			return buf;
		}
		return NULL;
	case KU_PAGES3:
	case KU_BYTES3:
	case KU_NUM3:
		if (sscanf(v, "%lld %lld %lld %7s", &a, &b, &c, rest) != 3) {
			snprintf(buf, len, "'%s' is not three whole numbers (%s)", v,
				 kernel_unit_name(k->unit));
			return buf;
		}
		return NULL;
	case KU_RANGE:
		if (sscanf(v, "%lld %lld %7s", &a, &b, rest) != 2) {
			snprintf(buf, len, "'%s' is not two port numbers, low and high", v);
			return buf;
		}
		if (a < 1 || b > 65535 || a > b) {
			snprintf(
				buf, len,
				"%lld %lld is not a range of ports: the kernel takes a low and a high port, 1 to 65535, low not above high",
				a, b);
			return buf;
		}
		return NULL;
	case KU_PORTLIST:
		for (const char *p = v; *p; p++)
			if (!isdigit((unsigned char)*p) && *p != ',' && *p != '-' && *p != ' ') {
				snprintf(buf, len,
					 "'%s' is not a list of ports and ranges (1000,2000-2010)",
					 v);
				return buf;
			}
		return NULL;
	case KU_NAME:
		for (const char *p = v; *p; p++)
			if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-') {
				snprintf(buf, len, "'%s' is not a single name", v);
				return buf;
			}
		return NULL;
	}
	return NULL;
}

static enum kscope effective_scope(const struct cx *c, const struct tuning_line *l,
				   const struct kname *kn)
{
	int net = !strncmp(l->name, "net.", 4);

	if (!net)
		return kn->host && !kn->host_rw ? KSCOPE_READONLY : KSCOPE_GLOBAL;
	if (kn->host && !kn->host_rw)
		return KSCOPE_READONLY;
	if (c->kv->probed && kn->netns >= 0) {
		if (kn->netns && kn->netns_rw > 0)
			return KSCOPE_NETNS;
		if (kn->netns)
			return KSCOPE_NETNS_RO;
		return KSCOPE_HOST;
	}
	return l->k ? l->k->scope : KSCOPE_HOST;
}

/* s as a sentence of its own: the first letter capitalized */
static const char *sentence(const char *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s", s ? s : "");
	buf[0] = (char)toupper((unsigned char)buf[0]);
	return buf;
}

static void size_text(uint64_t bytes, char *buf, size_t len)
{
	units_fmt_size(bytes, buf, len);
}

/* Scale notes for host-wide names: the sentence's tail, and TL_WARN when
 * the value is too small for the lab. */
static enum tlevel scale_note(const struct cx *c, const struct tuning_line *l, char *buf,
			      size_t len)
{
	const struct tuning_scale *sc = c->sc;
	long long v = strtoll(l->value, NULL, 10);
	const char *n = l->name;
	char a[32], b[32];

	buf[0] = 0;
	if (!strcmp(n, "fs.file-max")) {
		snprintf(
			buf, len,
			" For %s: about %llu files (both ends of every connection and the processes' own): %s.",
			sc->label, (unsigned long long)sc->files,
			(uint64_t)v >= sc->files ? "enough"
						 : "too few, the host runs out of files (ENFILE)");
		return (uint64_t)v >= sc->files ? TL_OK : TL_WARN;
	}
	if (!strcmp(n, "fs.nr_open")) {
		snprintf(
			buf, len,
			" For %s: it lets one process hold about %lld connections; the plan puts at most %llu in one process, and spreads the rest over more processes.",
			sc->label, v, (unsigned long long)sc->per_process);
		return TL_OK;
	}
	if (!strcmp(n, "fs.epoll.max_user_watches")) {
		uint64_t need = 2 * sc->connections;

		snprintf(buf, len, " For %s: %llu watches (two per connection): %s.", sc->label,
			 (unsigned long long)need,
			 (uint64_t)v >= need ? "enough"
					     : "too few, connects fail with ENOSPC near the limit");
		return (uint64_t)v >= need ? TL_OK : TL_WARN;
	}
	if (!strcmp(n, "net.ipv4.tcp_max_orphans")) {
		snprintf(
			buf, len,
			" For %s: the end of the run closes up to %llu connections at once%s.",
			sc->label, (unsigned long long)sc->connections,
			(uint64_t)v >= sc->connections
				? ", within the limit"
				: ": past the limit the kernel resets the rest (\"too many orphaned sockets\" in the kernel log), which changes no figure of the run");
		return TL_OK;
	}
	if (!strcmp(n, "net.ipv4.neigh.default.gc_thresh3") ||
	    !strcmp(n, "net.ipv4.neigh.default.gc_thresh2")) {
		snprintf(buf, len, " For %s: %u neighbour entries (one per link): %s.", sc->label,
			 sc->neighbours,
			 (long long)sc->neighbours <= v
				 ? "enough"
				 : "too few, the host's own neighbours compete with the lab's");
		return (long long)sc->neighbours <= v ? TL_OK : TL_WARN;
	}
	if (!strcmp(n, "net.netfilter.nf_conntrack_max") || !strcmp(n, "net.nf_conntrack_max")) {
		if (!sc->stateful) {
			snprintf(
				buf, len,
				" For %s: no stateful firewall rule sees its connections, so conntrack does not count them.",
				sc->label);
			return TL_OK;
		}
		snprintf(buf, len, " For %s: one entry per connection, %llu: %s.", sc->label,
			 (unsigned long long)sc->connections,
			 (uint64_t)v >= sc->connections
				 ? "enough"
				 : "too few, new connections are dropped once the table is full");
		return (uint64_t)v >= sc->connections ? TL_OK : TL_WARN;
	}
	if (!strcmp(n, "vm.min_free_kbytes") && c->kv->mem_total) {
		size_text((uint64_t)v * 1024, a, sizeof(a));
		size_text(c->kv->mem_total, b, sizeof(b));
		snprintf(buf, len, " It would keep %s of this host's %s free.", a, b);
		return TL_OK;
	}
	if (l->k && l->k->matters)
		snprintf(buf, len, " When it matters: %s.", l->k->matters);
	return TL_OK;
}

/* no effect for the lab at hand: the reason, or NULL */
static const char *no_effect(const struct cx *c, const struct tuning_line *l, char *buf, size_t len)
{
	const struct ksysctl *k = l->k;
	const struct tuning_scale *sc = c->sc;
	char d[400];

	if (!k)
		return NULL;
	if (k->gone) {
		snprintf(buf, len, "It does nothing since Linux %s. %s.", k->gone,
			 sentence(k->does, d, sizeof(d)));
		return buf;
	}
	if (k->need == KN_NEVER) {
		snprintf(buf, len, "No effect for connection-scale labs: %s. %s.", k->matters,
			 sentence(k->does, d, sizeof(d)));
		return buf;
	}
	if (k->need & (KN_ALWAYS | KN_BURST | KN_SCALE | KN_CLOSE))
		return NULL;
	if ((k->need & KN_KEEPALIVE) && !sc->user_command) {
		snprintf(
			buf, len,
			"It applies only to sockets that set SO_KEEPALIVE; connlab's server and flood do not (their keepalive mode is the server's lines), so it changes nothing for %s.",
			sc->label);
		return buf;
	}
	if ((k->need & KN_CONNTRACK) && !sc->stateful) {
		snprintf(
			buf, len,
			"It applies only to connections that conntrack tracks; no stateful firewall rule sees the connections of %s.",
			sc->label);
		return buf;
	}
	if ((k->need & (KN_CHURN | KN_DATA)) && !(k->need & KN_DATA && sc->moves_data) &&
	    !(k->need & KN_CHURN && sc->churn)) {
		snprintf(
			buf, len, "No effect for %s: it %s. When it matters: %s.", sc->label,
			k->need & KN_CHURN
				? "holds its connections and closes them only at the end"
				: "sends a short line now and then per connection, far below any buffer or window",
			k->matters);
		return buf;
	}
	return NULL;
}

static void classify_limit(struct cx *c, struct tuning_line *l)
{
	const struct tuning_scale *sc = c->sc;
	long long nr_open, file_max, v;
	int ff, fm;
	const char *who = !strcmp(l->domain, "*")
				  ? "every user except root ('*' does not match root)"
				  : l->domain;
	char x[200];

	if (strcmp(l->name, "nofile")) {
		if (!strcmp(l->name, "nproc"))
			say(l, TV_GLOBAL, TL_OK,
			    "The most processes of %s (pam_limits, at login). connlab runs one process per ~19000 connections at a 20000-file limit, far below it.",
			    who);
		else
			say(l, TV_NO_EFFECT, TL_OK,
			    "The %s limit of %s (pam_limits, at login); connection-scale labs need only nofile.",
			    l->name, who);
		return;
	}
	if (!strcmp(l->value, "unlimited") || !strcmp(l->value, "infinity") ||
	    !strcmp(l->value, "-1")) {
		say(l, TV_REFUSED, TL_BLOCKS,
		    "nofile cannot be unlimited: the kernel refuses an open-file limit above fs.nr_open, pam_limits fails and the login may be refused. Give a number, at most fs.nr_open (%llu here).",
		    (unsigned long long)c->kv->nr_open);
		return;
	}
	if (!all_digits(l->value) || l->value[0] == '-') {
		say(l, TV_REFUSED, TL_BLOCKS, "'%s' is not a number of files.", l->value);
		return;
	}
	v = strtoll(l->value, NULL, 10);
	if (!value_of(c, "fs.nr_open", &nr_open, &ff))
		nr_open = (long long)c->kv->nr_open;
	if (nr_open && v > nr_open) {
		say(l, TV_INCONSISTENT, TL_BLOCKS,
		    "%lld is above fs.nr_open (%lld%s): the kernel refuses such a limit (EPERM), pam_limits fails and the login of %s may be refused. Raise fs.nr_open first (fs.nr_open = %lld), or lower this line.",
		    v, nr_open, ff ? ", from the file" : ", this host's", who, v);
		return;
	}
	if (!strcmp(l->type, "soft")) {
		for (unsigned i = 0; i < c->t->n; i++) {
			const struct tuning_line *h = &c->t->line[i];

			if (h->kind == TK_LIMIT && !strcmp(h->name, "nofile") &&
			    !strcmp(h->domain, l->domain) && strcmp(h->type, "soft") &&
			    all_digits(h->value) && strtoll(h->value, NULL, 10) < v) {
				say(l, TV_INCONSISTENT, TL_BLOCKS,
				    "The soft limit %lld is above the hard limit %s (%s:%d): the kernel refuses it (EINVAL) and pam_limits fails. Make the hard limit at least %lld.",
				    v, h->value, h->file, h->line, v);
				return;
			}
		}
	}
	if (value_of(c, "fs.file-max", &file_max, &fm) && v > file_max) {
		say(l, TV_INCONSISTENT, TL_WARN,
		    "%lld files per process, but fs.file-max lets the whole host open only %lld (%s): one process could use up the host's files.",
		    v, file_max, fm ? "from the file" : "this host's");
		return;
	}
	snprintf(x, sizeof(x), "%s", sc->label);
	say(l, TV_GLOBAL, TL_OK,
	    "The %s open-file limit of %s, set by pam_limits at login (systemd services take LimitNOFILE= instead). connlab raises its soft limit to the hard one itself; with a hard limit of %lld one process holds about %lld connections, and %s puts at most %llu in one process.",
	    !strcmp(l->type, "-") ? "soft and hard" : l->type, who, v, v > 1000 ? v - 1000 : v, x,
	    (unsigned long long)sc->per_process);
}

/* cross-line checks of a sysctl: 1 when l got its verdict */
static int inconsistent(struct cx *c, struct tuning_line *l)
{
	long long v = strtoll(l->value, NULL, 10), o;
	int ff;

	if (!strcmp(l->name, "net.ipv4.tcp_max_syn_backlog") &&
	    value_of(c, "net.core.somaxconn", &o, &ff) && v > o) {
		say(l, TV_INCONSISTENT, TL_WARN,
		    "%lld is above net.core.somaxconn (%lld, %s): a listener's SYN queue is capped by min(backlog, somaxconn), so the part above %lld does nothing. Raise net.core.somaxconn to %lld as well. (Labs set both to 65535 in their namespaces.)",
		    v, o, ff ? "from the file" : "this host's", o, v);
		return 1;
	}
	if ((!strcmp(l->name, "net.core.rmem_default") &&
	     value_of(c, "net.core.rmem_max", &o, &ff) && v > o) ||
	    (!strcmp(l->name, "net.core.wmem_default") &&
	     value_of(c, "net.core.wmem_max", &o, &ff) && v > o)) {
		say(l, TV_INCONSISTENT, TL_WARN,
		    "The default %lld is above the maximum %lld (%s): sockets get a default that no program may ask for.",
		    v, o, ff ? "from the file" : "this host's");
		return 1;
	}
	if (l->k && (l->k->unit == KU_BYTES3 || l->k->unit == KU_PAGES3)) {
		long long a, b, d;

		if (sscanf(l->value, "%lld %lld %lld", &a, &b, &d) == 3 && (a > b || b > d)) {
			say(l, TV_INCONSISTENT, TL_WARN,
			    "The three numbers are %s, %s and %s, in that order; %lld %lld %lld is not in that order.",
			    l->k->unit == KU_PAGES3 ? "the low mark" : "the least",
			    l->k->unit == KU_PAGES3 ? "the pressure mark" : "the initial",
			    l->k->unit == KU_PAGES3 ? "the hard mark" : "the most", a, b, d);
			return 1;
		}
	}
	{
		static const char *const th[] = { "net.ipv4.neigh.default.gc_thresh1",
						  "net.ipv4.neigh.default.gc_thresh2",
						  "net.ipv4.neigh.default.gc_thresh3" };

		for (int i = 1; i < 3; i++)
			if (!strcmp(l->name, th[i]) && value_of(c, th[i - 1], &o, &ff) && v < o) {
				say(l, TV_INCONSISTENT, TL_WARN,
				    "%lld is below %s (%lld, %s): the thresholds go up from gc_thresh1 to gc_thresh3.",
				    v, th[i - 1], o, ff ? "from the file" : "this host's");
				return 1;
			}
	}
	if (!strcmp(l->name, "net.ipv4.tcp_tw_reuse") && v == 1 &&
	    value_of(c, "net.ipv4.tcp_timestamps", &o, &ff) && o == 0) {
		say(l, TV_INCONSISTENT, TL_WARN,
		    "tcp_tw_reuse = 1 needs TCP timestamps, and net.ipv4.tcp_timestamps is 0 (%s): no TIME_WAIT port is reused.",
		    ff ? "from the file" : "this host's");
		return 1;
	}
	return 0;
}

static void classify_sysctl(struct cx *c, struct tuning_line *l)
{
	const struct ksysctl *k = l->k = kernel_sysctl_find(l->name);
	const struct kernel_view *kv = c->kv;
	const struct tuning_scale *sc = c->sc;
	struct kname kn;
	enum kscope scope;
	char why[600], note[400], d[200];
	const char *p;
	int r;

	if (kv->lookup(kv->arg, l->name, &kn))
		memset(&kn, 0, sizeof(kn));
	if (k && k->scope == KSCOPE_REMOVED) {
		char now[200] = "";

		if (k->renamed)
			snprintf(now, sizeof(now), " Its name now is %s.", k->renamed);
		if (kn.host) {
			say(l, TV_REMOVED, TL_WARN,
			    "Removed from the kernel%s%s; this kernel (%s) still has it. It %s.%s",
			    k->gone ? " in Linux " : "", k->gone ? k->gone : "", kv->release,
			    k->does, now);
			return;
		}
		snprintf(why, sizeof(why), "%s", l->name);
		for (char *q = why; *q; q++)
			if (*q == '.')
				*q = '/';
		say(l, TV_REMOVED, TL_BLOCKS,
		    "Removed from the kernel%s%s: it %s. Writing it fails (sysctl: cannot stat /proc/sys/%s): delete the line.%s",
		    k->gone ? " in Linux " : "", k->gone ? k->gone : "", k->does, why, now);
		return;
	}
	if (!kn.host && kn.netns <= 0) {
		const char *cand[200];
		size_t n = 0;
		const char *best;

		if (k && k->module && !kv->conntrack) {
			say(l, TV_UNKNOWN, TL_WARN,
			    "Not there yet: it comes with the %s module, which is not loaded (the first stateful firewall rule loads it). Until then writing it fails; sysctl --system applies it again after a reboot only if the module is loaded by then.",
			    k->module);
			return;
		}
		if (k && k->since && kv->version && kv->version < kernel_version_code(k->since)) {
			say(l, TV_UNKNOWN, TL_BLOCKS,
			    "This kernel (%s) does not have it: it came with Linux %s. Writing it fails: delete the line or upgrade the kernel.",
			    kv->release, k->since);
			return;
		}
		if (k) {
			say(l, TV_UNKNOWN, TL_BLOCKS,
			    "connlab's table knows it (%s), but this kernel (%s) does not have it: writing it fails. The table and the kernel disagree; the kernel is right.",
			    kernel_scope_name(k->scope), kv->release);
			return;
		}
		for (size_t i = 0; i < ksysctls_count && n < ARRAY_LEN(cand); i++)
			if (!strchr(ksysctls[i].name, '*') && ksysctls[i].scope != KSCOPE_REMOVED)
				cand[n++] = ksysctls[i].name;
		best = suggest_closest(l->name, cand, n);
		if (best)
			say(l, TV_UNKNOWN, TL_BLOCKS,
			    "This kernel (%s) has no such sysctl: did you mean %s? Writing it fails.",
			    kv->release, best);
		else
			say(l, TV_UNKNOWN, TL_BLOCKS,
			    "This kernel (%s) has no such sysctl, and connlab's table does not know it: writing it fails. Check the name (sysctl -a | grep PART).",
			    kv->release);
		return;
	}
	scope = effective_scope(c, l, &kn);
	l->scope = (int)scope;
	if (scope == KSCOPE_READONLY) {
		say(l, TV_READONLY, TL_BLOCKS,
		    "Read-only: %s. Nobody can write it; delete the line.",
		    k ? k->does : "the kernel shows it but does not take a value");
		return;
	}
	if (k && (p = value_syntax(k, l->value, why, sizeof(why)))) {
		say(l, TV_REFUSED, TL_BLOCKS, "The kernel would refuse it: %s.", p);
		return;
	}
	if (scope == KSCOPE_NETNS && kv->try_value &&
	    (r = kv->try_value(kv->arg, l->name, l->value)) && r != -ENOSYS) {
		if (r == -ENOENT && !strcmp(l->name, "net.ipv4.tcp_congestion_control")) {
			struct kname av;

			if (kv->lookup(kv->arg, "net.ipv4.tcp_available_congestion_control", &av))
				av.host_value[0] = 0;
			say(l, TV_REFUSED, TL_BLOCKS,
			    "This kernel has no congestion control '%s'%s%s%s (a module that is not loaded, such as tcp_%s, must be loaded first).",
			    l->value, *av.host_value ? ": it has " : "", av.host_value,
			    *av.host_value ? "" : "", l->value);
		} else {
			say(l, TV_REFUSED, TL_BLOCKS,
			    "This kernel refuses %s = %s (%s, tried in a fresh namespace): out of its range or not its format.",
			    l->name, l->value, strerror(-r));
		}
		return;
	}
	if (inconsistent(c, l))
		return;
	if (k && k->risky && k->risky(l->value, why, sizeof(why))) {
		say(l, TV_RISKY, TL_WARN, "Risky: %s.", why);
		l->in_section = scope == KSCOPE_NETNS ? -1 : 0;
		return;
	}
	if (k && k->unit == KU_PAGES3) {
		unsigned long long a, b, e, ps = kv->page_size ? kv->page_size : 4096;
		char x[32], y[32], z[32], m[32], need[400] = "";

		if (sscanf(l->value, "%llu %llu %llu", &a, &b, &e) == 3) {
			size_text(a * ps, x, sizeof(x));
			size_text(b * ps, y, sizeof(y));
			size_text(e * ps, z, sizeof(z));
			if (kv->mem_total && e * ps > kv->mem_total) {
				char asb[32];

				size_text(kv->mem_total, m, sizeof(m));
				say(l, TV_RISKY, TL_WARN,
				    "Risky, and in pages of %llu bytes, not bytes: the hard mark %llu pages is %s, more than this host's %s of memory, so TCP never backs off before the host runs out of memory. (As bytes, %llu would be %s.)",
				    ps, e, z, m, e, units_fmt_size(e, asb, sizeof(asb)));
				return;
			}
			if (!strcmp(l->name, "net.ipv4.tcp_mem") && sc->tcp_pages)
				snprintf(
					need, sizeof(need), " %s needs about %llu pages (%s): %s.",
					sc->label, (unsigned long long)sc->tcp_pages,
					units_fmt_size(sc->tcp_pages * ps, m, sizeof(m)),
					sc->tcp_pages < b
						? "below the pressure mark"
						: "above the pressure mark, buffers will be trimmed");
			say(l, TV_UNIT_TRAP, TL_WARN,
			    "In pages of %llu bytes, not bytes: %llu %llu %llu pages are %s (low), %s (pressure) and %s (hard mark), for the whole host.%s",
			    ps, a, b, e, x, y, z, need);
			return;
		}
	}
	if (k && k->unit == KU_USER_HZ) {
		long long v = strtoll(l->value, NULL, 10);

		say(l, TV_UNIT_TRAP, TL_WARN,
		    "In hundredths of a second (USER_HZ), not milliseconds or seconds: %lld is %.2f s.",
		    v, (double)v / 100);
		return;
	}
	if (no_effect(c, l, why, sizeof(why))) {
		say(l, TV_NO_EFFECT, TL_OK, "%s", why);
		return;
	}
	if (scope == KSCOPE_NETNS) {
		const char *lab = lab_sets(sc, l->name);
		const char *fresh = *kn.netns_value ? kn.netns_value : k && k->dflt ? k->dflt : "";

		if (k && k->dflt && !strcmp(k->dflt, "=host"))
			snprintf(d, sizeof(d), "the host's");
		else
			snprintf(d, sizeof(d), "%s", *fresh ? fresh : "computed at boot");
		if (lab)
			snprintf(note, sizeof(note), "; %s sets %s", sc->label, lab);
		else
			note[0] = 0;
		say(l, TV_NETNS, TL_OK,
		    "Per network namespace: on the host it changes the host's own namespace only; a lab's namespaces start from the kernel's value (%s)%s. It goes into the lab's [sysctl] section below.%s%s%s",
		    d, note, k ? " " : "", k ? sentence(k->does, why, sizeof(why)) : "",
		    k ? "." : "");
		if (!strcmp(l->name, "net.ipv4.ip_local_port_range")) {
			unsigned lo, hi;
			size_t n = strlen(l->text);

			if (sscanf(l->value, "%u %u", &lo, &hi) == 2 && lo % 2 == hi % 2)
				snprintf(
					l->text + n, sizeof(l->text) - n,
					" The kernel prefers ends of different parity (%u %u, it logs \"prefer different parity for start/end values\"): it splits the range into odd and even ports for connect() and bind().",
					lo, hi + 1 <= 65535 ? hi + 1 : hi - 1);
		}
		l->in_section = 1;
		if (k && c->kv->probed && k->scope != KSCOPE_NETNS) {
			size_t n = strlen(l->text);

			snprintf(
				l->text + n, sizeof(l->text) - n,
				" (connlab's table says %s; this kernel says per namespace, and the kernel is right.)",
				kernel_scope_name(k->scope));
		}
		return;
	}
	{
		enum tlevel lv = scale_note(c, l, note, sizeof(note));

		say(l, TV_GLOBAL, lv, "%s. %s.%s%s",
		    scope == KSCOPE_NETNS_RO
			    ? "Host-wide (namespaces see the host's value and cannot change it)"
		    : scope == KSCOPE_GLOBAL ? "Host-wide (not a network sysctl)"
					     : "Host-wide (only the host's namespace has it)",
		    k ? sentence(k->does, why, sizeof(why)) : "It is not in connlab's table", note,
		    k && kv->probed && kn.netns >= 0 && k->scope == KSCOPE_NETNS
			    ? " (connlab's table says per namespace; this kernel says host-wide, and the kernel is right.)"
			    : "");
	}
}

void tuning_classify(struct tuning *t, const struct kernel_view *kv, const struct tuning_scale *sc)
{
	struct cx c = { t, kv, sc };

	memset(t->count, 0, sizeof(t->count));
	t->blocks = t->warns = 0;
	for (unsigned i = 0; i < t->n; i++) {
		struct tuning_line *l = &t->line[i];
		const struct tuning_line *later = NULL;

		if (l->verdict == TV_MALFORMED && l->text[0]) {
			l->level = TL_BLOCKS;
			goto counted;
		}
		l->verdict = TV_NETNS;
		l->in_section = 0;
		l->scope = -1;
		for (unsigned j = i + 1; j < t->n; j++) {
			const struct tuning_line *m = &t->line[j];

			if (m->kind == l->kind && !strcmp(m->name, l->name) &&
			    (l->kind == TK_SYSCTL ||
			     (!strcmp(m->domain, l->domain) &&
			      (!strcmp(m->type, l->type) || !strcmp(m->type, "-")))) &&
			    !(m->verdict == TV_MALFORMED && m->text[0]))
				later = m;
		}
		if (later) {
			l->k = l->kind == TK_SYSCTL ? kernel_sysctl_find(l->name) : NULL;
			say(l, TV_REPEATED, TL_WARN,
			    "Set again at %s:%d (%s), which is the one that counts: lines apply in order and the last one stays.",
			    later->file, later->line, later->value);
			goto counted;
		}
		if (l->kind == TK_LIMIT)
			classify_limit(&c, l);
		else
			classify_sysctl(&c, l);
	counted:
		t->count[l->verdict]++;
		if (l->level == TL_BLOCKS)
			t->blocks++;
		else if (l->level == TL_WARN)
			t->warns++;
	}
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
	fprintf(out, "\n%u %s for %s:", t->n, t->n == 1 ? "line" : "lines", sc->label);
	for (int v = 0; v < TV_COUNT; v++)
		if (t->count[v]) {
			fprintf(out, "%s %u %s", first ? "" : ",", t->count[v],
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
