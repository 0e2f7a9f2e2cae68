/* SPDX-License-Identifier: MIT */
/* units.c - parsing and printing of values with units. Numbers are parsed
 * by hand as exact decimals (no strtod, no locale): "1.5k" is exactly 1500
 * and "0.1%" is exactly one thousandth. */
#include "util/units.h"

#include <ctype.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int units_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* A decimal number as mantissa and number of digits after the point:
 * "1.25" is 125 with 2 decimals. Returns the position after the number or
 * NULL when there is no number or it has more than 18 digits. */
static const char *parse_decimal(const char *s, uint64_t *mant, unsigned *decimals)
{
	uint64_t m = 0;
	unsigned digits = 0, dec = 0;
	int seen_point = 0;

	for (; *s; s++) {
		if (*s >= '0' && *s <= '9') {
			if (++digits > 18)
				return NULL;
			m = m * 10 + (uint64_t)(*s - '0');
			dec += seen_point;
		} else if (*s == '.' && !seen_point) {
			seen_point = 1;
		} else {
			break;
		}
	}
	if (digits == 0 || (seen_point && dec == 0))
		return NULL;
	*mant = m;
	*decimals = dec;
	return s;
}

static uint64_t pow10u(unsigned n)
{
	uint64_t v = 1;

	while (n--)
		v *= 10;
	return v;
}

/* mant / 10^dec * mult, exactly; -ERANGE when not a whole number or too big. */
static int scale_exact(uint64_t mant, unsigned dec, uint64_t mult, uint64_t *out)
{
	unsigned __int128 v = (unsigned __int128)mant * mult;
	uint64_t div = pow10u(dec);

	if (v % div)
		return -ERANGE;
	v /= div;
	if (v > UINT64_MAX)
		return -ERANGE;
	*out = (uint64_t)v;
	return 0;
}

int units_list_next(const char **p, const char *end)
{
	if (*end == 0)
		return 1;
	if (*end != ',')
		return -1;
	*p = end + 1;
	return 0;
}

int units_parse_uint(const char *s, uint64_t *out, char *err, size_t errlen)
{
	uint64_t m;
	unsigned dec;
	const char *end = parse_decimal(s, &m, &dec);

	if (!end || *end || dec)
		return units_error(err, errlen, "'%s' is not a whole number", s);
	*out = m;
	return 0;
}

int units_parse_duration(const char *s, uint64_t *us, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		uint64_t us;
	} unit[] = {
		{ "us", 1 },	   { "ms", 1000 },	   { "s", 1000000 },
		{ "m", 60000000 }, { "h", 3600000000ULL },
	};
	uint64_t m;
	unsigned dec;
	const char *end = parse_decimal(s, &m, &dec);

	if (!end)
		goto bad;
	if (!*end) {
		if (m == 0) {
			*us = 0;
			return 0;
		}
		return units_error(err, errlen, "'%s' has no unit: write it as %ss, %sms or %sm", s,
				   s, s, s);
	}
	for (size_t i = 0; i < sizeof(unit) / sizeof(unit[0]); i++) {
		if (strcmp(end, unit[i].name))
			continue;
		if (scale_exact(m, dec, unit[i].us, us))
			return units_error(
				err, errlen,
				"'%s' is not a whole number of microseconds or is too long", s);
		return 0;
	}
bad:
	return units_error(
		err, errlen,
		"'%s' is not a duration: expected a number and a unit (us, ms, s, m, h) such as 500ms, 30s or 2m",
		s);
}

/* Counts: 100, 100k, 1.5M, 2G (powers of 1000). */
static int parse_count_prefix(const char *s, const char **rest, uint64_t *out)
{
	uint64_t m, mult = 1;
	unsigned dec;
	const char *end = parse_decimal(s, &m, &dec);

	if (!end)
		return -EINVAL;
	switch (*end) {
	case 'k':
	case 'K':
		mult = 1000;
		end++;
		break;
	case 'M':
		mult = 1000000;
		end++;
		break;
	case 'G':
		mult = 1000000000;
		end++;
		break;
	}
	*rest = end;
	return scale_exact(m, dec, mult, out);
}

int units_parse_count(const char *s, uint64_t *out, char *err, size_t errlen)
{
	const char *rest;
	int r = parse_count_prefix(s, &rest, out);

	if (r == -ERANGE)
		return units_error(err, errlen, "'%s' is not a whole number or is too large", s);
	if (r == 0 && *rest == 0)
		return 0;
	if (r == 0 && rest[0] == 'm' && rest[1] == 0)
		return units_error(err, errlen, "'%s': use M for million (m is not a count suffix)",
				   s);
	return units_error(
		err, errlen,
		"'%s' is not a count: expected a whole number, optionally with k, M or G, such as 5000, 100k or 1M",
		s);
}

int units_parse_rate(const char *s, uint64_t *per_sec, char *err, size_t errlen)
{
	const char *rest;
	int r;

	if (!strcmp(s, "unlimited")) {
		*per_sec = 0;
		return 0;
	}
	r = parse_count_prefix(s, &rest, per_sec);
	if (r == 0 && !strcmp(rest, "/s"))
		return 0;
	if (r == 0 && *rest == 0)
		return units_error(err, errlen, "'%s' has no unit: write it as %s/s", s, s);
	return units_error(
		err, errlen,
		"'%s' is not a rate: expected a count per second such as 500/s or 20k/s, or unlimited",
		s);
}

int units_parse_percent(const char *s, double *fraction, char *err, size_t errlen)
{
	uint64_t m;
	unsigned dec;
	const char *end = parse_decimal(s, &m, &dec);

	if (!end || strcmp(end, "%"))
		return units_error(
			err, errlen,
			"'%s' is not a percentage: expected a number and %%, such as 0.1%% or 5%%",
			s);
	*fraction = (double)m / (double)pow10u(dec) / 100.0;
	if (*fraction > 1.0)
		return units_error(err, errlen, "'%s' is more than 100%%", s);
	return 0;
}

int units_parse_size(const char *s, uint64_t *bytes, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		uint64_t mult;
	} unit[] = {
		{ "B", 1 },	   { "KB", 1000 },     { "kB", 1000 },	     { "KiB", 1024 },
		{ "MB", 1000000 }, { "MiB", 1 << 20 }, { "GB", 1000000000 }, { "GiB", 1 << 30 },
	};
	uint64_t m;
	unsigned dec;
	const char *end = parse_decimal(s, &m, &dec);

	if (end) {
		for (size_t i = 0; i < sizeof(unit) / sizeof(unit[0]); i++) {
			if (strcmp(end, unit[i].name))
				continue;
			if (scale_exact(m, dec, unit[i].mult, bytes))
				return units_error(err, errlen,
						   "'%s' is not a whole number of bytes", s);
			return 0;
		}
	}
	return units_error(
		err, errlen,
		"'%s' is not a size: expected a number and a unit (B, KB, KiB, MB, MiB, GB, GiB) such as 10KiB",
		s);
}

int units_parse_ports(const char *s, struct port_list *pl, char *err, size_t errlen)
{
	const char *p = s;
	int k;

	pl->n = 0;
	for (;;) {
		uint64_t lo, hi;
		unsigned dec;
		const char *end = parse_decimal(p, &lo, &dec);

		if (!end || dec)
			goto bad;
		hi = lo;
		if (*end == '-') {
			end = parse_decimal(end + 1, &hi, &dec);
			if (!end || dec)
				goto bad;
		}
		if (lo < 1 || hi > 65535 || lo > hi)
			return units_error(
				err, errlen,
				"'%s': ports are 1 to 65535 and a range runs from low to high", s);
		for (uint64_t v = lo; v <= hi; v++) {
			for (unsigned i = 0; i < pl->n; i++)
				if (pl->port[i] == v)
					return units_error(err, errlen, "'%s' names port %u twice",
							   s, (unsigned)v);
			if (pl->n == PORTS_MAX)
				return units_error(err, errlen, "'%s' has more than %d ports", s,
						   PORTS_MAX);
			pl->port[pl->n++] = (uint16_t)v;
		}
		if ((k = units_list_next(&p, end)) != 0)
			break;
	}
	if (k > 0)
		return 0;
bad:
	return units_error(
		err, errlen,
		"'%s' is not a port list: expected ports and ranges separated by commas, such as 8081, 8081-8084 or 80,8080",
		s);
}

/* ---- IPv6 ---- */

char *units_fmt_duration(uint64_t us, char *buf, size_t len)
{
	static const struct {
		const char *name;
		uint64_t us;
	} unit[] = {
		{ "h", 3600000000ULL }, { "m", 60000000 }, { "s", 1000000 },
		{ "ms", 1000 },		{ "us", 1 },
	};

	if (us == 0) {
		snprintf(buf, len, "0s");
		return buf;
	}
	for (size_t i = 0; i < sizeof(unit) / sizeof(unit[0]); i++) {
		if (us % unit[i].us == 0) {
			snprintf(buf, len, "%llu%s", (unsigned long long)(us / unit[i].us),
				 unit[i].name);
			break;
		}
	}
	return buf;
}

char *units_fmt_count(uint64_t v, char *buf, size_t len)
{
	if (v && v % 1000000000 == 0)
		snprintf(buf, len, "%lluG", (unsigned long long)(v / 1000000000));
	else if (v && v % 1000000 == 0)
		snprintf(buf, len, "%lluM", (unsigned long long)(v / 1000000));
	else if (v && v % 1000 == 0)
		snprintf(buf, len, "%lluk", (unsigned long long)(v / 1000));
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
	return buf;
}

char *units_fmt_rate(uint64_t per_sec, char *buf, size_t len)
{
	char c[32];

	if (per_sec == 0)
		snprintf(buf, len, "unlimited");
	else
		snprintf(buf, len, "%s/s", units_fmt_count(per_sec, c, sizeof(c)));
	return buf;
}

char *units_fmt_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const name[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	unsigned i = 0;

	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%.1f %s", v, name[i]);
	return buf;
}

char *units_fmt_ports(const struct port_list *pl, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	for (unsigned i = 0; i < pl->n && off < len; i++) {
		unsigned j = i;

		while (j + 1 < pl->n && pl->port[j + 1] == pl->port[j] + 1)
			j++;
		if (j > i + 1)
			off += (size_t)snprintf(buf + off, len - off, "%s%u-%u", off ? "," : "",
						pl->port[i], pl->port[j]);
		else
			j = i, off += (size_t)snprintf(buf + off, len - off, "%s%u", off ? "," : "",
						       pl->port[i]);
		i = j;
	}
	return buf;
}
