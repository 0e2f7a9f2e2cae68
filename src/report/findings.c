/* SPDX-License-Identifier: MIT */
/* findings.c - why a run went as it did: the driver of the rule table
 * (rules.h; the rules in rules_*.c, one file per family). It orders the
 * rules by what each declares it reads (after[], demoted_by[]), the
 * deeper causes first among those free to run, judges each, applies the
 * demotions in one place, fills the texts' slots and sorts the findings:
 * causes, then warnings, then notes, so that the first cause is the one
 * that explains a failed expectation (junit.xml names it). */
#define _GNU_SOURCE
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "report/rules.h"

static const struct {
	const struct rule *rows;
	const size_t *n;
} families[] = {
	{ rules_limits, &rules_limits_n }, { rules_servers, &rules_servers_n },
	{ rules_queues, &rules_queues_n }, { rules_ports, &rules_ports_n },
	{ rules_closes, &rules_closes_n }, { rules_ramp, &rules_ramp_n },
	{ rules_notes, &rules_notes_n },   { rules_fleet, &rules_fleet_n },
	{ rules_storm, &rules_storm_n },   { rules_tls, &rules_tls_n },
};

#define MAX_RULES 64

/* ---- the order ---- */

/* The rules that apply to where, in the order they run; how many, or 0
 * when the declared order has a cycle (a bug the unit test catches). */
static size_t rules_ordered(unsigned where, const struct rule **out)
{
	const struct rule *all[MAX_RULES];
	int placed[MAX_RULES] = { 0 };
	size_t n = 0, done = 0;

	for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++)
		for (size_t i = 0; i < *families[f].n && n < MAX_RULES; i++)
			if ((families[f].rows[i].where & where) == where)
				all[n++] = &families[f].rows[i];
	while (done < n) {
		long best = -1;

		for (size_t i = 0; i < n; i++) {
			int ready = !placed[i];

			for (size_t j = 0; ready && j < n; j++)
				if (!placed[j] && j != i && rule_follows(all[i], all[j]))
					ready = 0;
			if (ready && (best < 0 || all[i]->rank < all[best]->rank))
				best = (long)i;
		}
		if (best < 0)
			return 0;
		placed[best] = 1;
		out[done++] = all[best];
	}
	return n;
}

static const struct rule *rule_by_id(const char *id)
{
	for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++)
		for (size_t i = 0; i < *families[f].n; i++)
			if (!strcmp(families[f].rows[i].id, id))
				return &families[f].rows[i];
	return NULL;
}

/* ---- deciding a draft ---- */

/* tmpl with each {name} the draft fills replaced by its value; other
 * braces ({labdir}, {address}: the lab file's own) stay as they are. */
static json_t *render(const struct draft *d, const char *tmpl)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	json_t *s;

	for (const char *p = tmpl; m && *p; p++) {
		const char *end = *p == '{' ? strchr(p, '}') : NULL;
		int k = 0;

		while (end && k < d->nslots &&
		       (strlen(d->slot[k].name) != (size_t)(end - p - 1) ||
			strncmp(d->slot[k].name, p + 1, (size_t)(end - p - 1))))
			k++;
		if (end && k < d->nslots) {
			fputs(d->slot[k].value, m);
			p = end;
		} else {
			fputc(*p, m);
		}
	}
	if (m)
		fclose(m);
	s = json_string(buf ? buf : "");
	free(buf);
	return s;
}

/* The first demoter present turns a cause into a warning and says so in
 * the title. */
static void demote(const struct fctx *x, struct draft *d)
{
	for (int k = 0; k < RULE_DEMOTERS && d->rule->demoted_by[k].id; k++) {
		const struct rule_demoter *m = &d->rule->demoted_by[k];
		char title[600];

		if (!rule_found(x, m->id, m->subject))
			continue;
		if (!strcmp(json_string_value(json_object_get(d->f, "severity")), "cause"))
			json_object_set_new(d->f, "severity", json_string("warning"));
		snprintf(title, sizeof(title), "%s%s",
			 json_string_value(json_object_get(d->f, "title")), m->note);
		json_object_set_new(d->f, "title", json_string(title));
		return;
	}
}

static void decide(struct fctx *x, struct draft *d)
{
	const struct rule *r = d->rule;
	const char *why = r->why[d->why] ?: r->why[0], *fix = r->fix[d->fix] ?: r->fix[0];

	demote(x, d);
	json_object_set_new(d->f, "explanation", render(d, why ?: ""));
	json_object_set_new(d->f, "fix", render(d, fix ?: ""));
	if (r->try_[d->fix])
		json_object_set_new(d->f, "try", render(d, r->try_[d->fix]));
	json_array_append_new(x->out, d->f);
}

/* ---- the whole ---- */

static char *read_text(const char *dir, const char *file)
{
	char path[700];
	FILE *fp;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
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

/* Each process's output (children[].log), or children.log of a run
 * written before there was a log for each. */
static void read_logs(struct fctx *x, const char *dir)
{
	json_t *c;
	size_t i;

	if (!dir)
		return;
	json_array_foreach(json_object_get(x->res, "children"), i, c)
	{
		const char *file = json_string_value(json_object_get(c, "log"));
		struct runlog *l = &x->logs[x->nlogs];

		if (!file || x->nlogs == FCTX_LOGS || strstr(file, ".."))
			continue;
		l->file = file;
		l->process = json_string_value(json_object_get(c, "name"));
		if ((l->text = read_text(dir, file)))
			x->nlogs++;
	}
	if (!x->nlogs && (x->logs[0].text = read_text(dir, "children.log"))) {
		x->logs[0].file = "children.log";
		x->logs[0].process = NULL;
		x->nlogs = 1;
	}
}

static int missed(json_t *res)
{
	json_t *e, *ex = json_object_get(res, "expectations");
	size_t i;
	const char *out = json_string_value(json_object_get(res, "outcome"));
	double target = json_number_value(jpath(res, "connections.target"));
	double peak = json_number_value(jpath(res, "connections.established_peak"));
	double made = json_number_value(jpath(res, "connections.made"));
	int churn = !strcmp(json_string_value(jpath(res, "plan.client_mode")) ?: "", "churn");

	/* a run that could not run measured nothing to explain: its reason
	 * says why (the expectations say "not run") */
	if (!report_reached_ramp(res) && out && !strcmp(out, "failed"))
		return 0;
	json_array_foreach(ex, i, e) if (json_is_false(json_object_get(e, "holds"))) return 1;
	if (out && strcmp(out, "completed") && strcmp(out, "expectations failed"))
		return 1;
	return churn ? made < target : peak < target;
}

static json_t *by_severity(json_t *out)
{
	static const char *const order[] = { "cause", "warning", "note" };
	json_t *sorted = json_array(), *f;
	size_t i;

	for (int k = 0; k < 3; k++)
		json_array_foreach(out, i, f)
		{
			if (!strcmp(json_string_value(json_object_get(f, "severity")), order[k]))
				json_array_append(sorted, f);
		}
	json_decref(out);
	return sorted;
}

json_t *report_findings(json_t *res, const char *dir)
{
	struct fctx x = { .res = res, .out = json_array() };
	const char *mode = str(&x, "plan.client_mode");
	const struct rule *order[MAX_RULES];
	unsigned where;
	size_t n;

	x.churn = mode && !strcmp(mode, "churn");
	x.user_server = !strcmp(str(&x, "plan.server_mode") ?: "", "command");
	x.user_clients = mode && !strcmp(mode, "command");
	x.target = num(&x, "connections.target");
	x.peak = num(&x, "connections.established_peak");
	x.missed = missed(res);
	/* a fleet has the hosts' own figures; no namespaces, no plan of one box */
	where = (!strcmp(str(&x, "kind") ?: "", "fleet") ? RULE_FLEET : RULE_BOX) |
		(x.churn ? RULE_CHURN : RULE_HOLD);
	n = rules_ordered(where, order);
	x.rules = order;
	x.nrules = n;
	read_logs(&x, dir);
	for (size_t i = 0; i < n; i++) {
		x.rule = order[i];
		x.ndrafts = 0;
		order[i]->judge(&x);
		for (size_t k = 0; k < x.ndrafts; k++)
			decide(&x, &x.drafts[k]);
	}
	for (size_t i = 0; i < x.nlogs; i++)
		free(x.logs[i].text);
	free(x.drafts);
	return by_severity(x.out);
}

json_t *report_first_cause(json_t *res)
{
	json_t *f;
	size_t i;

	json_array_foreach(json_object_get(res, "findings"), i, f)
	{
		if (!strcmp(json_string_value(json_object_get(f, "severity")) ?: "", "cause"))
			return f;
	}
	return NULL;
}

/* ---- the table, for help and tests ---- */

static void where_text(unsigned w, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s",
		 (w & RULE_BOX) && (w & RULE_FLEET) ? "box, fleet"
		 : (w & RULE_FLEET)		    ? "fleet"
						    : "box",
		 (w & RULE_HOLD) && !(w & RULE_CHURN) ? ", hold" : "",
		 (w & RULE_CHURN) && !(w & RULE_HOLD) ? ", churn" : "");
}

void report_rules_write(FILE *out)
{
	for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++) {
		fprintf(out, "\n%s:\n", families[f].rows[0].family);
		for (size_t i = 0; i < *families[f].n; i++) {
			const struct rule *r = &families[f].rows[i];
			char w[40];

			where_text(r->where, w, sizeof(w));
			fprintf(out, "  %-22s %s%s%s%s%s (%s)\n", r->id,
				r->may & MAY_CAUSE ? "cause" : "",
				r->may & MAY_CAUSE && r->may & ~MAY_CAUSE ? "/" : "",
				r->may & MAY_WARNING ? "warning" : "",
				r->may & MAY_WARNING && r->may & MAY_NOTE ? "/" : "",
				r->may & MAY_NOTE ? "note" : "", w);
			fprintf(out, "  %-22s %s\n", "", r->summary);
		}
	}
}

const char *report_rule_id(size_t i)
{
	for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); i -= *families[f].n, f++)
		if (i < *families[f].n)
			return families[f].rows[i].id;
	return NULL;
}

int report_rules_check(char *err, size_t len)
{
	const struct rule *order[MAX_RULES];
	static const unsigned wheres[] = { RULE_BOX | RULE_HOLD, RULE_BOX | RULE_CHURN,
					   RULE_FLEET | RULE_HOLD, RULE_FLEET | RULE_CHURN };

	for (size_t w = 0; w < sizeof(wheres) / sizeof(wheres[0]); w++)
		if (!rules_ordered(wheres[w], order)) {
			snprintf(err, len, "the rules' after[] has a cycle (where %u)", wheres[w]);
			return -1;
		}
	for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++)
		for (size_t i = 0; i < *families[f].n; i++) {
			const struct rule *r = &families[f].rows[i];

			for (int k = 0; k < RULE_AFTER && r->after[k]; k++) {
				const char *t = r->after[k];
				int known = t[0] == '*' || rule_by_id(t);

				for (size_t g = 0;
				     !known && g < sizeof(families) / sizeof(families[0]); g++)
					known = !strcmp(families[g].rows[0].family, t);
				if (!known) {
					snprintf(err, len,
						 "%s: after[] names '%s', no rule or family", r->id,
						 t);
					return -1;
				}
			}
			if (rule_by_id(r->id) != r || !r->why[0] || !r->fix[0] || !r->summary) {
				snprintf(err, len, "%s: twice, or without its texts", r->id);
				return -1;
			}
		}
	return 0;
}
