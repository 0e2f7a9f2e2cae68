/* SPDX-License-Identifier: MIT */
/* report.c - the host checks' report: a check added, the report written
 * as connlab doctor prints it, and freed. */
#include <stdio.h>
#include <string.h>

#include "host/check.h"
#include "util/units.h"

struct host_check *host_check_add(struct host_report *r, const char *id, const char *title,
				  enum level lv)
{
	struct host_check *c;

	if (r->n == HOST_CHECKS_MAX)
		return &r->c[HOST_CHECKS_MAX - 1]; /* never: the checks are fewer */
	c = &r->c[r->n++];
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", id);
	snprintf(c->title, sizeof(c->title), "%s", title);
	c->level = lv;
	return c;
}

void host_report_free(struct host_report *r)
{
	tuning_free(&r->sysctls);
}

void host_report_write(const struct host_report *r, const struct host_facts *f,
		       const struct lab *lab, FILE *out)
{
	char m[32], cn[32];

	fprintf(out,
		"connlab doctor: lab '%s' (%s connections, %s) on this host: Linux %s, %u CPUs, %s\n\n",
		lab->name, units_fmt_count(lab->connections, cn, sizeof(cn)),
		client_mode_name(lab->client_mode), f->release, f->cpus,
		units_fmt_size(f->mem_total, m, sizeof(m)));
	for (unsigned i = 0; i < r->n; i++) {
		const struct host_check *c = &r->c[i];

		fprintf(out, "  %-6s %-26s %s\n", level_name(c->level), c->title, c->found);
		fprintf(out, "  %-6s %-26s needs %s\n", "", "", c->needed);
		if (*c->why && c->level != LEVEL_OK)
			fprintf(out, "  %-6s %-26s why: %s\n", "", "", c->why);
		if (*c->fix)
			fprintf(out, "  %-6s %-26s fix: %s\n", "", "", c->fix);
	}
	if (r->blocks)
		fprintf(out,
			"\nBlocked: %u %s would stop the run before anything is built (%u %s).\n",
			r->blocks, r->blocks == 1 ? "check" : "checks", r->warns,
			r->warns == 1 ? "warning" : "warnings");
	else
		fprintf(out, "\nReady: nothing blocks the lab (%u %s).\n", r->warns,
			r->warns == 1 ? "warning" : "warnings");
}
