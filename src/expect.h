/* expect.h - expectations of the [expect] section ("established >= 100k",
 * "ping.loss <= 0.1%"): the metric names connlab knows, their units, and
 * judging a measured value against an expectation. */
#ifndef CONNLAB_EXPECT_H
#define CONNLAB_EXPECT_H

#include <stddef.h>
#include <stdio.h>

enum metric_unit { MU_COUNT, MU_DURATION, MU_PERCENT, MU_SIZE, MU_RATE };
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

/* The unit of a metric name, or -EINVAL with the reason (unknown name,
 * with the closest known one and where to find the list) in err. */
__attribute__((warn_unused_result)) int expect_metric_unit(const char *name, enum metric_unit *unit,
							   char *err, size_t errlen);

/* Parses "OP VALUE" (">= 100k", "<= 0.1%", "== clients.connections") for
 * a metric. A value naming a lab key keeps the name in e->ref; the caller
 * resolves it. */
__attribute__((warn_unused_result)) int
expect_parse(const char *metric, const char *rhs, struct expectation *e, char *err, size_t errlen);

/* 1 when actual satisfies e, else 0. */
int expect_holds(const struct expectation *e, double actual);

const char *expect_op_name(enum expect_op op);
const char *expect_unit_name(enum metric_unit u);

/* Formats a value of a metric's unit for people ("12ms", "0.1%", "100k"). */
char *expect_fmt_value(enum metric_unit u, double v, char *buf, size_t len);

/* Kernel counters (TcpExt of /proc/net/netstat, Tcp of /proc/net/snmp)
 * that runs record and counters.NS.NAME can name. */
extern const char *const expect_counters[];
extern const size_t expect_counters_count;

/* Lists every metric name and pattern, one a line. */
void expect_metrics_write(FILE *out);

#endif
