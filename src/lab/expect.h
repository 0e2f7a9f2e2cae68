/* SPDX-License-Identifier: MIT */
/* expect.h - expectations of the [expect] section ("established >= 100k",
 * "ping.loss <= 0.1%"): parsing one, and whether a value holds it. */
#ifndef CONNLAB_EXPECT_H
#define CONNLAB_EXPECT_H

#include <stddef.h>
#include <stdio.h>

#include "lab/metrics.h"
#include "util/compiler.h"

enum expect_op { OP_GE, OP_LE, OP_EQ, OP_NE, OP_GT, OP_LT };

#define EXPECT_METRIC_MAX 64

struct expectation {
	char metric[EXPECT_METRIC_MAX];
	enum expect_op op;
	enum metric_unit unit;
	/* in the metric's base unit: a count, microseconds, a fraction
	 * (0.001 for 0.1%), bytes or per second */
	double value;
	char text[96]; /* the right-hand side as written */
	char ref[48];  /* a lab key the value comes from, "" when literal */
	int line;      /* 0 built in, -1 --set */
};

/* Parses "OP VALUE" (">= 100k", "<= 0.1%", "== clients.connections") for
 * a metric. A value naming a lab key keeps the name in e->ref; the caller
 * resolves it. */
WUR int expect_parse(const char *metric, const char *rhs, struct expectation *e, char *err,
		     size_t errlen);

/* 1 when actual satisfies e, else 0. */
int expect_holds(const struct expectation *e, double actual);

const char *expect_op_name(enum expect_op op);

#endif
