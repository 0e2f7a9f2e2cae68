/* SPDX-License-Identifier: MIT */
/* lines.c - what the tuning classifier reads a line against: the value
 * the files leave, the host's, the lab's, the kernel's syntax and scope,
 * and what the scale needs (classify.h). */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/classify.h"
#include "util/compiler.h"
#include "util/suggest.h"
#include "util/units.h"

void say(struct tuning_line *l, enum tverdict v, enum level lv, const char *fmt, ...)
{
	va_list ap;

	l->verdict = v;
	l->level = lv;
	va_start(ap, fmt);
	vsnprintf(l->text, sizeof(l->text), fmt, ap);
	va_end(ap);
}

/* ---- the last line of a name ---- */

static int key_cmp(int kind, const char *name, const char *domain, const char *type,
		   const struct tuning_line *b)
{
	int d = kind - (int)b->kind;

	if (!d)
		d = strcmp(name, b->name);
	if (!d)
		d = strcmp(domain, b->domain);
	if (!d)
		d = strcmp(type, b->type);
	return d;
}

static int line_cmp(const void *pa, const void *pb)
{
	const struct tuning_line *a = *(const struct tuning_line *const *)pa;
	const struct tuning_line *b = *(const struct tuning_line *const *)pb;
	int d = key_cmp((int)a->kind, a->name, a->domain, a->type, b);

	return d ? d : (a > b) - (a < b); /* then in file order */
}

int cx_index(struct cx *c)
{
	c->n_by_key = 0;
	c->by_key = malloc((c->t->n ? c->t->n : 1) * sizeof(*c->by_key));
	if (!c->by_key)
		return -ENOMEM;
	for (unsigned i = 0; i < c->t->n; i++)
		if (c->t->line[i].verdict != TV_MALFORMED)
			c->by_key[c->n_by_key++] = &c->t->line[i];
	qsort(c->by_key, c->n_by_key, sizeof(*c->by_key), line_cmp);
	return 0;
}

void cx_index_free(struct cx *c)
{
	free(c->by_key);
	c->by_key = NULL;
	c->n_by_key = 0;
}

const struct tuning_line *cx_last(const struct cx *c, int kind, const char *name,
				  const char *domain, const char *type)
{
	unsigned lo = 0, hi = c->n_by_key;

	while (lo < hi) { /* the first line past the key */
		unsigned mid = lo + (hi - lo) / 2;

		if (key_cmp(kind, name, domain, type, c->by_key[mid]) >= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && !key_cmp(kind, name, domain, type, c->by_key[lo - 1]))
		return c->by_key[lo - 1];
	return NULL;
}

/* name's value as the files leave it, else the host's now; 0 unknown */
int value_of(const struct cx *c, const char *name, long long *out, int *from_file)
{
	const struct tuning_line *last = cx_last(c, TK_SYSCTL, name, "", "");
	const char *v = last ? last->value : NULL;
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

const char *lab_sets(const struct tuning_scale *sc, const char *name)
{
	for (unsigned i = 0; i < sc->n_lab; i++)
		if (!strcmp(sc->lab_name[i], name))
			return sc->lab_value[i];
	return NULL;
}

int all_digits(const char *s)
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
const char *value_syntax(const struct ksysctl *k, const char *v, char *buf, size_t len)
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

enum kscope effective_scope(const struct cx *c, const struct tuning_line *l, const struct kname *kn)
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
const char *sentence(const char *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s", s ? s : "");
	buf[0] = (char)toupper((unsigned char)buf[0]);
	return buf;
}

void size_text(uint64_t bytes, char *buf, size_t len)
{
	units_fmt_size(bytes, buf, len);
}

/* Scale notes for host-wide names: the sentence's tail, and LEVEL_WARN when
 * the value is too small for the lab. */
enum level scale_note(const struct cx *c, const struct tuning_line *l, char *buf, size_t len)
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
		return (uint64_t)v >= sc->files ? LEVEL_OK : LEVEL_WARN;
	}
	if (!strcmp(n, "fs.nr_open")) {
		snprintf(
			buf, len,
			" For %s: it lets one process hold about %lld connections; the plan puts at most %llu in one process, and spreads the rest over more processes.",
			sc->label, v, (unsigned long long)sc->per_process);
		return LEVEL_OK;
	}
	if (!strcmp(n, "fs.epoll.max_user_watches")) {
		uint64_t need = 2 * sc->connections;

		snprintf(buf, len, " For %s: %llu watches (two per connection): %s.", sc->label,
			 (unsigned long long)need,
			 (uint64_t)v >= need ? "enough"
					     : "too few, connects fail with ENOSPC near the limit");
		return (uint64_t)v >= need ? LEVEL_OK : LEVEL_WARN;
	}
	if (!strcmp(n, "net.ipv4.tcp_max_orphans")) {
		snprintf(
			buf, len,
			" For %s: the end of the run closes up to %llu connections at once%s.",
			sc->label, (unsigned long long)sc->connections,
			(uint64_t)v >= sc->connections
				? ", within the limit"
				: ": past the limit the kernel resets the rest (\"too many orphaned sockets\" in the kernel log), which changes no figure of the run");
		return LEVEL_OK;
	}
	if (!strcmp(n, "net.ipv4.neigh.default.gc_thresh3") ||
	    !strcmp(n, "net.ipv4.neigh.default.gc_thresh2")) {
		snprintf(buf, len, " For %s: %u neighbour entries (one per link): %s.", sc->label,
			 sc->neighbours,
			 (long long)sc->neighbours <= v
				 ? "enough"
				 : "too few, the host's own neighbours compete with the lab's");
		return (long long)sc->neighbours <= v ? LEVEL_OK : LEVEL_WARN;
	}
	if (!strcmp(n, "net.netfilter.nf_conntrack_max") || !strcmp(n, "net.nf_conntrack_max")) {
		if (!sc->stateful) {
			snprintf(
				buf, len,
				" For %s: no stateful firewall rule sees its connections, so conntrack does not count them.",
				sc->label);
			return LEVEL_OK;
		}
		snprintf(buf, len, " For %s: one entry per connection, %llu: %s.", sc->label,
			 (unsigned long long)sc->connections,
			 (uint64_t)v >= sc->connections
				 ? "enough"
				 : "too few, new connections are dropped once the table is full");
		return (uint64_t)v >= sc->connections ? LEVEL_OK : LEVEL_WARN;
	}
	if (!strcmp(n, "vm.min_free_kbytes") && c->kv->mem_total) {
		size_text((uint64_t)v * 1024, a, sizeof(a));
		size_text(c->kv->mem_total, b, sizeof(b));
		snprintf(buf, len, " It would keep %s of this host's %s free.", a, b);
		return LEVEL_OK;
	}
	if (l->k && l->k->matters)
		snprintf(buf, len, " When it matters: %s.", l->k->matters);
	return LEVEL_OK;
}

/* no effect for the lab at hand: the reason, or NULL */
const char *no_effect(const struct cx *c, const struct tuning_line *l, char *buf, size_t len)
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
