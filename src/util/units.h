/* SPDX-License-Identifier: MIT */
/* units.h - values with units, parsed and printed in one place: durations
 * (500ms, 30s, 2m), counts (100k, 1M), rates (20k/s), percentages (0.1%),
 * sizes (4KiB) and port lists (addresses: util/addr.h).
 *
 * Every parser returns 0 or -EINVAL and, on error, writes a sentence into
 * err saying what was expected, with an example. Callers add the place. */
#ifndef CONNLAB_UNITS_H
#define CONNLAB_UNITS_H

#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"
#include "util/compiler.h"

#define PORTS_MAX 64

struct port_list {
	uint16_t n;
	uint16_t port[PORTS_MAX];
};

/* Writes a sentence into err (when there is one); returns -EINVAL. */
int units_error(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* After a list item that ends at end: 1 at the end of the list, 0 with
 * *p at the next item (after a comma), -1 when something else follows. */
int units_list_next(const char **p, const char *end);

WUR int units_parse_uint(const char *s, uint64_t *out, char *err, size_t errlen);
WUR int units_parse_duration(const char *s, uint64_t *us, char *err, size_t errlen);
WUR int units_parse_count(const char *s, uint64_t *out, char *err, size_t errlen);
/* "unlimited" parses as 0. */
WUR int units_parse_rate(const char *s, uint64_t *per_sec, char *err, size_t errlen);
/* 0.1% parses as 0.001. */
WUR int units_parse_percent(const char *s, double *fraction, char *err, size_t errlen);
WUR int units_parse_size(const char *s, uint64_t *bytes, char *err, size_t errlen);
WUR int units_parse_ports(const char *s, struct port_list *pl, char *err, size_t errlen);

/* Formatters write the shortest exact form that the parsers read back. */
char *units_fmt_duration(uint64_t us, char *buf, size_t len);
char *units_fmt_count(uint64_t v, char *buf, size_t len);
char *units_fmt_rate(uint64_t per_sec, char *buf, size_t len);
char *units_fmt_size(uint64_t bytes, char *buf, size_t len); /* human, rounded */
char *units_fmt_ports(const struct port_list *pl, char *buf, size_t len);

uint32_t units_port_count_in(const struct port_list *pl);

/* A count or size read from JSON as a double, as an integer: 0 for NaN (a
 * figure not there), a negative value or one too large; converting those
 * directly is undefined behaviour. */
static inline uint64_t units_u64(double v)
{
	return v >= 0 && v < 1.8e19 ? (uint64_t)v : 0;
}

#endif
