/* SPDX-License-Identifier: MIT */
/* rule.c - what a rule's judge calls while it judges: a new finding, its
 * slots, and the findings of the rules it declares it follows (and the
 * relation "follows" that the driver orders the rules by). */
#define _GNU_SOURCE
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "report/rules.h"

static int has_star(const struct rule *r)
{
	for (int k = 0; k < RULE_AFTER && r->after[k]; k++)
		if (r->after[k][0] == '*')
			return 1;
	return 0;
}

int rule_follows(const struct rule *r, const struct rule *dep)
{
	if (r == dep)
		return 0;
	for (int k = 0; k < RULE_AFTER && r->after[k]; k++) {
		const char *t = r->after[k];

		if (!strcmp(t, dep->id) || !strcmp(t, dep->family))
			return 1;
		if (!has_star(dep) && ((!strcmp(t, "*cause") && (dep->may & MAY_CAUSE)) ||
				       (!strcmp(t, "*warning") && (dep->may & MAY_WARNING))))
			return 1;
	}
	for (int k = 0; k < RULE_DEMOTERS && r->demoted_by[k].id; k++)
		if (!strcmp(r->demoted_by[k].id, dep->id))
			return 1;
	return 0;
}

const char *severity(const struct fctx *x)
{
	return x->missed ? "cause" : "warning";
}

struct draft *finding(struct fctx *x, const char *sev, double since, const char *fmt, ...)
{
	char title[400];
	struct draft *d;
	va_list ap;

	if (x->ndrafts == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 8;
		struct draft *p = realloc(x->drafts, cap * sizeof(*p));

		if (!p)
			abort();
		x->drafts = p;
		x->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(title, sizeof(title), fmt, ap);
	va_end(ap);
	d = &x->drafts[x->ndrafts++];
	*d = (struct draft){ .rule = x->rule };
	d->f = json_pack("{s:s, s:s, s:s, s:o, s:[], s:s, s:s, s:n}", "id", x->rule->id, "severity",
			 sev, "title", title, "since_s",
			 isnan(since) ? json_null() : json_real(round(since * 10) / 10), "evidence",
			 "explanation", "", "fix", "", "try");
	return d;
}

void slot(struct draft *d, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (d->nslots == RULE_SLOTS)
		abort(); /* a rule with more slots than RULE_SLOTS: a bug */
	d->slot[d->nslots].name = name;
	va_start(ap, fmt);
	vsnprintf(d->slot[d->nslots].value, sizeof(d->slot[0].value), fmt, ap);
	va_end(ap);
	d->nslots++;
}

/* The rule of id among those that apply to this run, or NULL. */
static const struct rule *rule_of(const struct fctx *x, const char *id)
{
	for (size_t i = 0; id && i < x->nrules; i++)
		if (!strcmp(x->rules[i]->id, id))
			return x->rules[i];
	return NULL;
}

/* A judge may read only what its rule declares it follows (a rule that
 * does not apply to this run must be named by its id). */
static void check_declared(const struct fctx *x, const char *id)
{
	const struct rule *dep = rule_of(x, id);
	int named = 0;

	for (int k = 0; k < RULE_AFTER && x->rule->after[k]; k++)
		named |= !strcmp(x->rule->after[k], id);
	/* a demoter that does not apply to this run (storm-recovered in a
	 * churn) is declared too: it is simply not found */
	for (int k = 0; k < RULE_DEMOTERS && x->rule->demoted_by[k].id; k++)
		named |= !strcmp(x->rule->demoted_by[k].id, id);
	if (dep ? rule_follows(x->rule, dep) : named)
		return;
	fprintf(stderr, "connlab: bug: rule %s reads %s without declaring it in after[]\n",
		x->rule->id, id);
	abort();
}

int rule_found(const struct fctx *x, const char *id, const char *subject)
{
	json_t *f;
	size_t i;

	check_declared(x, id);
	json_array_foreach(x->out, i, f)
	{
		const char *fid = json_string_value(json_object_get(f, "id")) ?: "";
		const char *title = json_string_value(json_object_get(f, "title")) ?: "";

		if (!strcmp(fid, id) && (!subject || !strncmp(title, subject, strlen(subject))))
			return 1;
	}
	return 0;
}

int rule_any_cause(const struct fctx *x)
{
	json_t *f;
	size_t i;

	json_array_foreach(x->out, i, f)
	{
		const struct rule *r = rule_of(x, json_string_value(json_object_get(f, "id")));

		if (r && rule_follows(x->rule, r) &&
		    !strcmp(json_string_value(json_object_get(f, "severity")), "cause"))
			return 1;
	}
	return 0;
}

void rule_active_at(const struct fctx *x, double t, char *buf, size_t len)
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
