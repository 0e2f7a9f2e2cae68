/* SPDX-License-Identifier: MIT */
/* metrics.h - the one table of what [expect] lines can check: each
 * metric's name, unit, meaning and where its value stands in result.json.
 * It drives `connlab help metrics`, the expectation parser (a name's unit)
 * and the judge (report/judge.c reads the value at the path). */
#ifndef CONNLAB_LAB_METRICS_H
#define CONNLAB_LAB_METRICS_H

#include <stddef.h>
#include <stdio.h>

#include "util/compiler.h"

enum metric_unit { MU_COUNT, MU_DURATION, MU_PERCENT, MU_SIZE, MU_RATE };

struct metric {
	/* "ping.p99"; two patterns: "errors.NAME" (NAME an errnames[] name)
	 * and "counters.NS.NAME" (NS srv, probe, clients or cK; NAME one of
	 * kcounters[]) */
	const char *name;
	enum metric_unit unit;
	const char *help;
	/* the dotted path of the value in result.json; NAME and NS stand for
	 * those parts of the metric's name; "A + B" sums two paths; a step
	 * "c*" sums over the members whose names start with c and go on with
	 * a digit; a step "#" is the length of an array; "A | B" is A, or B
	 * where A is not there (an older result.json) */
	const char *path;
	/* the JSON value times scale is in the metric's base unit (result.json
	 * keeps milliseconds and seconds, expectations microseconds) */
	double scale;
	/* a path whose value is 0 when the run measured nothing of this kind
	 * (no ping answered), or NULL */
	const char *measured;
	/* 1: a missing member of an existing object counts as 0 (result.json
	 * lists only the errors that happened) */
	int absent_is_zero;
};

extern const struct metric metrics[];
extern const size_t metrics_count;

/* The table row of a metric name (patterns included), or NULL. */
const struct metric *metric_find(const char *name);

/* The row of a metric name, or NULL and the reason (unknown name, with
 * the closest known one and where to find the list) in err. */
const struct metric *metric_check(const char *name, char *err, size_t errlen);

/* The result.json path of a metric: path with NAME and NS filled in from
 * the metric's name; 0, or -ENAMETOOLONG. */
WUR int metric_path(const struct metric *m, const char *name, char *buf, size_t len);

const char *metric_unit_name(enum metric_unit u);
/* Formats a value of a unit for people ("12ms", "0.1%", "100k"). */
char *metric_fmt_value(enum metric_unit u, double v, char *buf, size_t len);

/* The timeline's columns of sockets by TCP state (timeline.states.COL in
 * result.json) and the kernel's name of each state, in the order the
 * report stacks them. */
struct state_col {
	const char *col, *label;
};
#define STATE_COLS 9
extern const struct state_col state_cols[STATE_COLS];

/* Lists every metric and pattern with its unit, meaning and path. */
void metrics_write(FILE *out);

#endif
