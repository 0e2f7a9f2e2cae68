/* SPDX-License-Identifier: MIT */
/* classify.c - a verdict for every line of a tuning file: limits by what
 * they allow, sysctls through a table of steps (removed, absent,
 * read-only, refused, inconsistent with the relations of the knowledge
 * table, risky, unit traps, no effect, per namespace, host-wide), the
 * first step that speaks giving the verdict. */
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

/* The later of two lines of the file (either may be NULL). */
static const struct tuning_line *later_of(const struct tuning_line *a, const struct tuning_line *b)
{
	return !a ? b : !b ? a : a > b ? a : b;
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
			say(l, TV_GLOBAL, LEVEL_OK,
			    "The most processes of %s (pam_limits, at login). connlab runs one process per ~19000 connections at a 20000-file limit, far below it.",
			    who);
		else
			say(l, TV_NO_EFFECT, LEVEL_OK,
			    "The %s limit of %s (pam_limits, at login); connection-scale labs need only nofile.",
			    l->name, who);
		return;
	}
	if (!strcmp(l->value, "unlimited") || !strcmp(l->value, "infinity") ||
	    !strcmp(l->value, "-1")) {
		say(l, TV_REFUSED, LEVEL_BLOCKS,
		    "nofile cannot be unlimited: the kernel refuses an open-file limit above fs.nr_open, pam_limits fails and the login may be refused. Give a number, at most fs.nr_open (%llu here).",
		    (unsigned long long)c->kv->nr_open);
		return;
	}
	if (!all_digits(l->value) || l->value[0] == '-') {
		say(l, TV_REFUSED, LEVEL_BLOCKS, "'%s' is not a number of files.", l->value);
		return;
	}
	v = strtoll(l->value, NULL, 10);
	if (!value_of(c, "fs.nr_open", &nr_open, &ff))
		nr_open = (long long)c->kv->nr_open;
	if (nr_open && v > nr_open) {
		say(l, TV_INCONSISTENT, LEVEL_BLOCKS,
		    "%lld is above fs.nr_open (%lld%s): the kernel refuses such a limit (EPERM), pam_limits fails and the login of %s may be refused. Raise fs.nr_open first (fs.nr_open = %lld), or lower this line.",
		    v, nr_open, ff ? ", from the file" : ", this host's", who, v);
		return;
	}
	if (!strcmp(l->type, "soft")) {
		/* the hard limit in force: the last hard or - line of the domain */
		const struct tuning_line *h =
			later_of(cx_last(c, TK_LIMIT, "nofile", l->domain, "hard"),
				 cx_last(c, TK_LIMIT, "nofile", l->domain, "-"));

		if (h && all_digits(h->value) && strtoll(h->value, NULL, 10) < v) {
			say(l, TV_INCONSISTENT, LEVEL_BLOCKS,
			    "The soft limit %lld is above the hard limit %s (%s:%d): the kernel refuses it (EINVAL) and pam_limits fails. Make the hard limit at least %lld.",
			    v, h->value, h->file, h->line, v);
			return;
		}
	}
	if (value_of(c, "fs.file-max", &file_max, &fm) && v > file_max) {
		say(l, TV_INCONSISTENT, LEVEL_WARN,
		    "%lld files per process, but fs.file-max lets the whole host open only %lld (%s): one process could use up the host's files.",
		    v, file_max, fm ? "from the file" : "this host's");
		return;
	}
	snprintf(x, sizeof(x), "%s", sc->label);
	say(l, TV_GLOBAL, LEVEL_OK,
	    "The %s open-file limit of %s, set by pam_limits at login (systemd services take LimitNOFILE= instead). connlab raises its soft limit to the hard one itself; with a hard limit of %lld one process holds about %lld connections, and %s puts at most %llu in one process.",
	    !strcmp(l->type, "-") ? "soft and hard" : l->type, who, v, v > 1000 ? v - 1000 : v, x,
	    (unsigned long long)sc->per_process);
}

/* three numbers that must go up (buffers, memory marks) */
static int three_in_order(struct tuning_line *l, const struct ksysctl *k)
{
	long long a, b, d;

	if (!k || (k->unit != KU_BYTES3 && k->unit != KU_PAGES3) ||
	    sscanf(l->value, "%lld %lld %lld", &a, &b, &d) != 3 || (a <= b && b <= d))
		return 0;
	say(l, TV_INCONSISTENT, LEVEL_WARN,
	    "The three numbers are %s, %s and %s, in that order; %lld %lld %lld is not in that order.",
	    k->unit == KU_PAGES3 ? "the low mark" : "the least",
	    k->unit == KU_PAGES3 ? "the pressure mark" : "the initial",
	    k->unit == KU_PAGES3 ? "the hard mark" : "the most", a, b, d);
	return 1;
}

/* three numbers in pages: their sizes, the scale's need, memory */
static int pages3(struct cx *c, struct tuning_line *l)
{
	const struct kernel_view *kv = c->kv;
	const struct tuning_scale *sc = c->sc;
	unsigned long long a, b, e, ps = kv->page_size ? kv->page_size : 4096;
	char x[32], y[32], z[32], m[32], asb[32], need[400] = "";

	if (sscanf(l->value, "%llu %llu %llu", &a, &b, &e) != 3)
		return 0;
	size_text(a * ps, x, sizeof(x));
	size_text(b * ps, y, sizeof(y));
	size_text(e * ps, z, sizeof(z));
	if (kv->mem_total && e * ps > kv->mem_total) {
		size_text(kv->mem_total, m, sizeof(m));
		say(l, TV_RISKY, LEVEL_WARN,
		    "Risky, and in pages of %llu bytes, not bytes: the hard mark %llu pages is %s, more than this host's %s of memory, so TCP never backs off before the host runs out of memory. (As bytes, %llu would be %s.)",
		    ps, e, z, m, e, units_fmt_size(e, asb, sizeof(asb)));
		return 1;
	}
	if (!strcmp(l->name, "net.ipv4.tcp_mem") && sc->tcp_pages)
		snprintf(need, sizeof(need), " %s needs about %llu pages (%s): %s.", sc->label,
			 (unsigned long long)sc->tcp_pages,
			 units_fmt_size(sc->tcp_pages * ps, m, sizeof(m)),
			 sc->tcp_pages < b ? "below the pressure mark"
					   : "above the pressure mark, buffers will be trimmed");
	say(l, TV_UNIT_TRAP, LEVEL_WARN,
	    "In pages of %llu bytes, not bytes: %llu %llu %llu pages are %s (low), %s (pressure) and %s (hard mark), for the whole host.%s",
	    ps, a, b, e, x, y, z, need);
	return 1;
}

/* ---- the steps of a sysctl's verdict ---- */

/* What the steps share about one line: its table entry, the kernel's
 * word on its name, its scope, room for text. */
struct cls {
	const struct ksysctl *k;
	struct kname kn;
	enum kscope scope;
	char why[600], note[400];
};

/* A step: 1 when it gave l its verdict, 0 to go on. */
typedef int (*cls_step)(struct cx *c, struct tuning_line *l, struct cls *s);

/* removed from the kernel: still here on this one, or writing it fails */
static int step_removed(struct cx *c, struct tuning_line *l, struct cls *s)
{
	const struct ksysctl *k = s->k;
	char now[200] = "";

	if (!k || k->scope != KSCOPE_REMOVED)
		return 0;
	if (k->renamed)
		snprintf(now, sizeof(now), " Its name now is %s.", k->renamed);
	if (s->kn.host) {
		say(l, TV_REMOVED, LEVEL_WARN,
		    "Removed from the kernel%s%s; this kernel (%s) still has it. It %s.%s",
		    k->gone ? " in Linux " : "", k->gone ? k->gone : "", c->kv->release, k->does,
		    now);
		return 1;
	}
	snprintf(s->why, sizeof(s->why), "%s", l->name);
	for (char *q = s->why; *q; q++)
		if (*q == '.')
			*q = '/';
	say(l, TV_REMOVED, LEVEL_BLOCKS,
	    "Removed from the kernel%s%s: it %s. Writing it fails (sysctl: cannot stat /proc/sys/%s): delete the line.%s",
	    k->gone ? " in Linux " : "", k->gone ? k->gone : "", k->does, s->why, now);
	return 1;
}

/* the closest name the table knows, for a name nobody knows */
static const char *closest_name(const char *name)
{
	const char *cand[200];
	size_t n = 0;

	for (size_t i = 0; i < ksysctls_count && n < ARRAY_LEN(cand); i++)
		if (!strchr(ksysctls[i].name, '*') && ksysctls[i].scope != KSCOPE_REMOVED)
			cand[n++] = ksysctls[i].name;
	return suggest_closest(name, cand, n);
}

/* not in this kernel: a module not loaded, a newer kernel, a typo */
static int step_absent(struct cx *c, struct tuning_line *l, struct cls *s)
{
	const struct kernel_view *kv = c->kv;
	const struct ksysctl *k = s->k;
	const char *best;

	if (s->kn.host || s->kn.netns > 0)
		return 0;
	if (k && k->module && !kv->conntrack)
		say(l, TV_UNKNOWN, LEVEL_WARN,
		    "Not there yet: it comes with the %s module, which is not loaded (the first stateful firewall rule loads it). Until then writing it fails; sysctl --system applies it again after a reboot only if the module is loaded by then.",
		    k->module);
	else if (k && k->since && kv->version && kv->version < kernel_version_code(k->since))
		say(l, TV_UNKNOWN, LEVEL_BLOCKS,
		    "This kernel (%s) does not have it: it came with Linux %s. Writing it fails: delete the line or upgrade the kernel.",
		    kv->release, k->since);
	else if (k)
		say(l, TV_UNKNOWN, LEVEL_BLOCKS,
		    "connlab's table knows it (%s), but this kernel (%s) does not have it: writing it fails. The table and the kernel disagree; the kernel is right.",
		    kernel_scope_name(k->scope), kv->release);
	else if ((best = closest_name(l->name)))
		say(l, TV_UNKNOWN, LEVEL_BLOCKS,
		    "This kernel (%s) has no such sysctl: did you mean %s? Writing it fails.",
		    kv->release, best);
	else
		say(l, TV_UNKNOWN, LEVEL_BLOCKS,
		    "This kernel (%s) has no such sysctl, and connlab's table does not know it: writing it fails. Check the name (sysctl -a | grep PART).",
		    kv->release);
	return 1;
}

/* the line's scope on this kernel, which every later step reads; a
 * read-only one gets its verdict here */
static int step_scope(struct cx *c, struct tuning_line *l, struct cls *s)
{
	s->scope = effective_scope(c, l, &s->kn);
	l->scope = (int)s->scope;
	if (s->scope != KSCOPE_READONLY)
		return 0;
	say(l, TV_READONLY, LEVEL_BLOCKS, "Read-only: %s. Nobody can write it; delete the line.",
	    s->k ? s->k->does : "the kernel shows it but does not take a value");
	return 1;
}

static int step_syntax(struct cx *c, struct tuning_line *l, struct cls *s)
{
	const char *p = s->k ? value_syntax(s->k, l->value, s->why, sizeof(s->why)) : NULL;

	(void)c;
	if (p)
		say(l, TV_REFUSED, LEVEL_BLOCKS, "The kernel would refuse it: %s.", p);
	return p != NULL;
}

/* a per-namespace value tried in a fresh namespace */
static int step_refused(struct cx *c, struct tuning_line *l, struct cls *s)
{
	const struct kernel_view *kv = c->kv;
	struct kname av;
	int r;

	if (s->scope != KSCOPE_NETNS || !kv->try_value ||
	    !(r = kv->try_value(kv->arg, l->name, l->value)) || r == -ENOSYS)
		return 0;
	if (r == -ENOENT && s->k && s->k->choices_from) {
		if (kv->lookup(kv->arg, s->k->choices_from, &av))
			av.host_value[0] = 0;
		snprintf(s->note, sizeof(s->note), "%s%s", *av.host_value ? ": it has " : "",
			 av.host_value);
		say(l, TV_REFUSED, LEVEL_BLOCKS, s->k->no_such, l->value, s->note);
		return 1;
	}
	say(l, TV_REFUSED, LEVEL_BLOCKS,
	    "This kernel refuses %s = %s (%s, tried in a fresh namespace): out of its range or not its format.",
	    l->name, l->value, strerror(-r));
	return 1;
}

/* against the lines it must agree with (the knowledge's relations) */
static int step_inconsistent(struct cx *c, struct tuning_line *l, struct cls *s)
{
	long long v = strtoll(l->value, NULL, 10), o;
	int ff;

	for (size_t i = 0; i < krelations_count; i++) {
		const struct krelation *rel = &krelations[i];

		if (strcmp(l->name, rel->name) || !value_of(c, rel->other, &o, &ff))
			continue;
		if ((rel->kind == KR_NOT_ABOVE && v > o) || (rel->kind == KR_NOT_BELOW && v < o))
			say(l, TV_INCONSISTENT, LEVEL_WARN, rel->text, v, o,
			    ff ? "from the file" : "this host's", rel->other);
		else if (rel->kind == KR_NEEDS && v == rel->when && o == 0)
			say(l, TV_INCONSISTENT, LEVEL_WARN, rel->text, rel->other,
			    ff ? "from the file" : "this host's");
		else
			continue;
		return 1;
	}
	return three_in_order(l, s->k);
}

static int step_risky(struct cx *c, struct tuning_line *l, struct cls *s)
{
	if (!s->k || !s->k->risky || !s->k->risky(l->value, s->why, sizeof(s->why)))
		return 0;
	(void)c;
	say(l, TV_RISKY, LEVEL_WARN, "Risky: %s.", s->why);
	l->in_section = s->scope == KSCOPE_NETNS ? -1 : 0;
	return 1;
}

static int step_units(struct cx *c, struct tuning_line *l, struct cls *s)
{
	long long v;

	if (s->k && s->k->unit == KU_PAGES3)
		return pages3(c, l);
	if (!s->k || s->k->unit != KU_USER_HZ)
		return 0;
	v = strtoll(l->value, NULL, 10);
	say(l, TV_UNIT_TRAP, LEVEL_WARN,
	    "In hundredths of a second (USER_HZ), not milliseconds or seconds: %lld is %.2f s.", v,
	    (double)v / 100);
	return 1;
}

static int step_no_effect(struct cx *c, struct tuning_line *l, struct cls *s)
{
	if (!no_effect(c, l, s->why, sizeof(s->why)))
		return 0;
	say(l, TV_NO_EFFECT, LEVEL_OK, "%s", s->why);
	return 1;
}

/* per namespace: it goes into a lab's [sysctl] section */
static int step_netns(struct cx *c, struct tuning_line *l, struct cls *s)
{
	const struct ksysctl *k = s->k;
	const char *lab = lab_sets(c->sc, l->name);
	const char *fresh = *s->kn.netns_value ? s->kn.netns_value : k && k->dflt ? k->dflt : "";
	char d[200], more[400] = "";
	size_t n;

	if (s->scope != KSCOPE_NETNS)
		return 0;
	if (k && k->dflt && !strcmp(k->dflt, "=host"))
		snprintf(d, sizeof(d), "the host's");
	else
		snprintf(d, sizeof(d), "%s", *fresh ? fresh : "computed at boot");
	if (lab)
		snprintf(s->note, sizeof(s->note), "; %s sets %s", c->sc->label, lab);
	else
		s->note[0] = 0;
	if (k && k->note)
		k->note(l->value, more, sizeof(more));
	say(l, TV_NETNS, LEVEL_OK,
	    "Per network namespace: on the host it changes the host's own namespace only; a lab's namespaces start from the kernel's value (%s)%s. It goes into the lab's [sysctl] section below.%s%s%s%s",
	    d, s->note, k ? " " : "", k ? sentence(k->does, s->why, sizeof(s->why)) : "",
	    k ? "." : "", more);
	l->in_section = 1;
	n = strlen(l->text);
	if (k && c->kv->probed && k->scope != KSCOPE_NETNS)
		snprintf(
			l->text + n, sizeof(l->text) - n,
			" (connlab's table says %s; this kernel says per namespace, and the kernel is right.)",
			kernel_scope_name(k->scope));
	return 1;
}

/* host-wide: what it does, and what the scale needs of it */
static int step_global(struct cx *c, struct tuning_line *l, struct cls *s)
{
	const struct ksysctl *k = s->k;
	enum level lv = scale_note(c, l, s->note, sizeof(s->note));

	say(l, TV_GLOBAL, lv, "%s. %s.%s%s",
	    s->scope == KSCOPE_NETNS_RO
		    ? "Host-wide (namespaces see the host's value and cannot change it)"
	    : s->scope == KSCOPE_GLOBAL ? "Host-wide (not a network sysctl)"
					: "Host-wide (only the host's namespace has it)",
	    k ? sentence(k->does, s->why, sizeof(s->why)) : "It is not in connlab's table", s->note,
	    k && c->kv->probed && s->kn.netns >= 0 && k->scope == KSCOPE_NETNS
		    ? " (connlab's table says per namespace; this kernel says host-wide, and the kernel is right.)"
		    : "");
	return 1;
}

/* The verdict of a sysctl line: the first step that gives one. */
static void classify_sysctl(struct cx *c, struct tuning_line *l)
{
	static const cls_step steps[] = {
		step_removed,	step_absent,	   step_scope,	step_syntax,
		step_refused,	step_inconsistent, step_risky,	step_units,
		step_no_effect, step_netns,	   step_global,
	};
	static struct cls s;

	memset(&s, 0, sizeof(s));
	s.k = l->k = kernel_sysctl_find(l->name);
	if (c->kv->lookup(c->kv->arg, l->name, &s.kn))
		memset(&s.kn, 0, sizeof(s.kn));
	for (size_t i = 0; i < ARRAY_LEN(steps); i++)
		if (steps[i](c, l, &s))
			return;
}

/* The line after l that sets the same again (a limit: for its domain and
 * type, or as "-", both), which is the one that counts; NULL when none. */
static const struct tuning_line *set_again(const struct cx *c, const struct tuning_line *l)
{
	const struct tuning_line *m = cx_last(c, (int)l->kind, l->name, l->domain, l->type);

	if (l->kind == TK_LIMIT)
		m = later_of(m, cx_last(c, TK_LIMIT, l->name, l->domain, "-"));
	return m > l ? m : NULL;
}

void tuning_classify(struct tuning *t, const struct kernel_view *kv, const struct tuning_scale *sc)
{
	struct cx c = { t, kv, sc, NULL, 0 };

	cx_index(&c); /* without it (out of memory), no line is found again */
	memset(t->count, 0, sizeof(t->count));
	t->blocks = t->warns = 0;
	for (unsigned i = 0; i < t->n; i++) {
		struct tuning_line *l = &t->line[i];
		const struct tuning_line *later = NULL;

		if (l->verdict == TV_MALFORMED && l->text[0]) {
			l->level = LEVEL_BLOCKS;
			goto counted;
		}
		l->verdict = TV_NETNS;
		l->in_section = 0;
		l->scope = -1;
		later = set_again(&c, l);
		if (later) {
			l->k = l->kind == TK_SYSCTL ? kernel_sysctl_find(l->name) : NULL;
			say(l, TV_REPEATED, LEVEL_WARN,
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
		if (l->level == LEVEL_BLOCKS)
			t->blocks++;
		else if (l->level == LEVEL_WARN)
			t->warns++;
	}
	cx_index_free(&c);
}
