/* SPDX-License-Identifier: MIT */
/* expect.c - parsing of expectation right-hand sides, and whether a value
 * holds one. The metrics themselves are in metrics.c. */
#include "lab/expect.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/units.h"

static int parse_op(const char **s, enum expect_op *op)
{
	static const struct {
		const char *text;
		enum expect_op op;
	} ops[] = {
		{ ">=", OP_GE }, { "<=", OP_LE }, { "==", OP_EQ },
		{ "!=", OP_NE }, { ">", OP_GT },  { "<", OP_LT },
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i].text);

		if (!strncmp(*s, ops[i].text, n)) {
			*op = ops[i].op;
			*s += n;
			return 0;
		}
	}
	return -EINVAL;
}

static int is_key_ref(const char *s)
{
	return !strncmp(s, "lab.", 4) || !strncmp(s, "server.", 7) || !strncmp(s, "clients.", 8) ||
	       !strncmp(s, "probe.", 6);
}

int expect_parse(const char *metric, const char *rhs, struct expectation *e, char *err,
		 size_t errlen)
{
	const struct metric *m;
	const char *p = rhs;
	char verr[200];
	uint64_t u;
	int r = 0;

	memset(e, 0, sizeof(*e));
	if (strlen(metric) >= sizeof(e->metric)) {
		snprintf(err, errlen, "metric name '%.40s...' is too long", metric);
		return -EINVAL;
	}
	m = metric_check(metric, err, errlen);
	if (!m)
		return -EINVAL;
	e->unit = m->unit;
	snprintf(e->metric, sizeof(e->metric), "%s", metric);
	while (*p == ' ' || *p == '\t')
		p++;
	if (parse_op(&p, &e->op)) {
		snprintf(
			err, errlen,
			"expected a comparison after '%s': one of >=, <=, ==, !=, >, < and a value, such as '%s >= 100k'",
			metric, metric);
		return -EINVAL;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p) {
		snprintf(err, errlen, "'%s %s' has no value to compare with", metric,
			 expect_op_name(e->op));
		return -EINVAL;
	}
	if (strlen(p) >= sizeof(e->text)) {
		snprintf(err, errlen, "the value of '%s' is too long", metric);
		return -EINVAL;
	}
	snprintf(e->text, sizeof(e->text), "%s", p);
	if (is_key_ref(p)) {
		if (strlen(p) >= sizeof(e->ref)) {
			snprintf(err, errlen, "'%s' is not a lab key", p);
			return -EINVAL;
		}
		snprintf(e->ref, sizeof(e->ref), "%s", p);
		return 0; /* resolved against the lab by the caller */
	}
	switch (e->unit) {
	case MU_COUNT:
		r = units_parse_count(p, &u, verr, sizeof(verr));
		e->value = (double)u;
		break;
	case MU_DURATION:
		r = units_parse_duration(p, &u, verr, sizeof(verr));
		e->value = (double)u;
		break;
	case MU_PERCENT:
		r = units_parse_percent(p, &e->value, verr, sizeof(verr));
		break;
	case MU_SIZE:
		r = units_parse_size(p, &u, verr, sizeof(verr));
		e->value = (double)u;
		break;
	case MU_RATE:
		r = units_parse_rate(p, &u, verr, sizeof(verr));
		e->value = (double)u;
		break;
	}
	if (r) {
		snprintf(err, errlen, "%s is a %s: %s", metric, metric_unit_name(e->unit), verr);
		return -EINVAL;
	}
	return 0;
}

int expect_holds(const struct expectation *e, double actual)
{
	if (isnan(actual))
		return 0;
	switch (e->op) {
	case OP_GE:
		return actual >= e->value;
	case OP_LE:
		return actual <= e->value;
	case OP_EQ:
		return actual == e->value;
	case OP_NE:
		return actual != e->value;
	case OP_GT:
		return actual > e->value;
	case OP_LT:
		return actual < e->value;
	}
	return 0;
}

const char *expect_op_name(enum expect_op op)
{
	static const char *const names[] = { ">=", "<=", "==", "!=", ">", "<" };

	return names[op];
}
