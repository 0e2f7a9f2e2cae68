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

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
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

int units_parse_uint(const char *s, uint64_t *out, char *err, size_t errlen)
{
	uint64_t m;
	unsigned dec;
	const char *end = parse_decimal(s, &m, &dec);

	if (!end || *end || dec)
		return fail(err, errlen, "'%s' is not a whole number", s);
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
		return fail(err, errlen, "'%s' has no unit: write it as %ss, %sms or %sm", s, s, s,
			    s);
	}
	for (size_t i = 0; i < sizeof(unit) / sizeof(unit[0]); i++) {
		if (strcmp(end, unit[i].name))
			continue;
		if (scale_exact(m, dec, unit[i].us, us))
			return fail(err, errlen,
				    "'%s' is not a whole number of microseconds or is too long", s);
		return 0;
	}
bad:
	return fail(
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
		return fail(err, errlen, "'%s' is not a whole number or is too large", s);
	if (r == 0 && *rest == 0)
		return 0;
	if (r == 0 && rest[0] == 'm' && rest[1] == 0)
		return fail(err, errlen, "'%s': use M for million (m is not a count suffix)", s);
	return fail(
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
		return fail(err, errlen, "'%s' has no unit: write it as %s/s", s, s);
	return fail(
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
		return fail(
			err, errlen,
			"'%s' is not a percentage: expected a number and %%, such as 0.1%% or 5%%",
			s);
	*fraction = (double)m / (double)pow10u(dec) / 100.0;
	if (*fraction > 1.0)
		return fail(err, errlen, "'%s' is more than 100%%", s);
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
				return fail(err, errlen, "'%s' is not a whole number of bytes", s);
			return 0;
		}
	}
	return fail(
		err, errlen,
		"'%s' is not a size: expected a number and a unit (B, KB, KiB, MB, MiB, GB, GiB) such as 10KiB",
		s);
}

/* Dotted quad, exactly four decimal parts of 0-255, no leading junk. */
static const char *scan_ipv4(const char *s, uint32_t *addr)
{
	uint32_t a = 0;

	for (int part = 0; part < 4; part++) {
		unsigned v = 0, digits = 0;

		if (part && *s++ != '.')
			return NULL;
		while (*s >= '0' && *s <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(*s++ - '0');
			digits++;
		}
		if (!digits || digits > 3 || v > 255)
			return NULL;
		a = a << 8 | v;
	}
	*addr = a;
	return s;
}

int units_parse_ipv4(const char *s, uint32_t *addr, char *err, size_t errlen)
{
	const char *end = scan_ipv4(s, addr);

	if (!end || *end)
		return fail(err, errlen, "'%s' is not an IPv4 address such as 198.18.0.1", s);
	return 0;
}

int units_parse_cidr(const char *s, struct cidr *c, char *err, size_t errlen)
{
	const char *end = scan_ipv4(s, &c->addr);
	uint64_t len;
	char a[16];

	if (!end || *end != '/' || units_parse_uint(end + 1, &len, NULL, 0) || len > 32)
		return fail(
			err, errlen,
			"'%s' is not a CIDR range: expected an address and a prefix length such as 198.18.0.0/15",
			s);
	c->len = (uint8_t)len;
	if (len < 32 && (c->addr & (0xffffffffu >> len))) {
		uint32_t net = c->addr & ~(0xffffffffu >> len);

		return fail(err, errlen, "'%s' has host bits set: did you mean %s/%u?", s,
			    units_fmt_ipv4(net, a, sizeof(a)), (unsigned)len);
	}
	return 0;
}

int units_parse_ports(const char *s, struct port_list *pl, char *err, size_t errlen)
{
	const char *p = s;

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
			return fail(err, errlen,
				    "'%s': ports are 1 to 65535 and a range runs from low to high",
				    s);
		for (uint64_t v = lo; v <= hi; v++) {
			for (unsigned i = 0; i < pl->n; i++)
				if (pl->port[i] == v)
					return fail(err, errlen, "'%s' names port %u twice", s,
						    (unsigned)v);
			if (pl->n == PORTS_MAX)
				return fail(err, errlen, "'%s' has more than %d ports", s,
					    PORTS_MAX);
			pl->port[pl->n++] = (uint16_t)v;
		}
		if (*end == 0)
			return 0;
		if (*end != ',')
			goto bad;
		p = end + 1;
	}
bad:
	return fail(
		err, errlen,
		"'%s' is not a port list: expected ports and ranges separated by commas, such as 8081, 8081-8084 or 80,8080",
		s);
}

int units_parse_addr_list(const char *s, uint32_t *out, size_t max, size_t *n, char *err,
			  size_t errlen)
{
	const char *p = s;

	*n = 0;
	for (;;) {
		uint32_t lo, hi;
		const char *end = scan_ipv4(p, &lo);
		char item[64];
		size_t ilen;

		if (!end)
			goto bad;
		hi = lo;
		if (*end == '-') {
			end = scan_ipv4(end + 1, &hi);
			if (!end)
				goto bad;
		} else if (*end == '/') {
			struct cidr c;
			const char *stop = strchr(end, ',');

			ilen = stop ? (size_t)(stop - p) : strlen(p);
			if (ilen >= sizeof(item))
				goto bad;
			memcpy(item, p, ilen);
			item[ilen] = 0;
			if (units_parse_cidr(item, &c, err, errlen))
				return -EINVAL;
			lo = c.addr;
			hi = c.addr | (c.len ? 0xffffffffu >> c.len : 0xffffffffu);
			if (c.len < 31) { /* leave out network and broadcast addresses */
				lo++;
				hi--;
			}
			end = p + ilen;
		}
		if (lo > hi)
			return fail(err, errlen, "'%s': an address range runs from low to high", s);
		if ((uint64_t)hi - lo + 1 > max - *n)
			return fail(err, errlen, "'%s' has more than %zu addresses", s, max);
		for (uint64_t a = lo; a <= hi; a++)
			out[(*n)++] = (uint32_t)a;
		if (*end == 0)
			return 0;
		if (*end != ',')
			goto bad;
		p = end + 1;
	}
bad:
	return fail(
		err, errlen,
		"'%s' is not an address list: expected addresses, ranges (198.18.1.1-198.18.1.16) or CIDR ranges separated by commas",
		s);
}

/* ---- IPv6 ---- */

int units_is_ipv6(const char *s)
{
	return strchr(s, ':') != NULL;
}

int units_parse_ipv6(const char *s, struct addr6 *a, char *err, size_t errlen)
{
	if (inet_pton(AF_INET6, s, a->b) != 1)
		return fail(err, errlen, "'%s' is not an IPv6 address (such as 2001:2::1)", s);
	return 0;
}

int units_parse_cidr6(const char *s, struct cidr6 *c, char *err, size_t errlen)
{
	const char *slash = strchr(s, '/');
	char a[INET6_ADDRSTRLEN + 1];
	char *end;
	unsigned long len;

	if (!slash || (size_t)(slash - s) >= sizeof(a))
		return fail(err, errlen, "'%s' is not an IPv6 prefix (such as 2001:2::/48)", s);
	memcpy(a, s, (size_t)(slash - s));
	a[slash - s] = 0;
	len = strtoul(slash + 1, &end, 10);
	if (!slash[1] || *end || len > 128 || inet_pton(AF_INET6, a, c->addr.b) != 1)
		return fail(err, errlen, "'%s' is not an IPv6 prefix (such as 2001:2::/48)", s);
	for (unsigned i = 0; i < 128; i++)
		if (i >= len && (c->addr.b[i / 8] & (0x80 >> (i % 8))))
			return fail(
				err, errlen,
				"'%s' has bits set past its prefix length: write its network address",
				s);
	c->len = (uint8_t)len;
	return 0;
}

static uint64_t low64(const struct addr6 *a)
{
	uint64_t v = 0;

	for (int i = 8; i < 16; i++)
		v = v << 8 | a->b[i];
	return v;
}

struct addr6 units_addr6_add(const struct addr6 *a, uint64_t n)
{
	struct addr6 r = *a;
	uint64_t lo = low64(a), sum = lo + n;

	for (int i = 15; i >= 8; i--) {
		r.b[i] = (uint8_t)sum;
		sum >>= 8;
	}
	if (lo + n < lo) /* carry into the high half */
		for (int i = 7; i >= 0 && ++r.b[i] == 0; i--)
			;
	return r;
}

int units_parse_addr6_list(const char *s, struct addr6 *out, size_t max, size_t *n, char *err,
			   size_t errlen)
{
	char item[2 * INET6_ADDRSTRLEN + 8];
	const char *p = s;

	*n = 0;
	for (;;) {
		const char *stop = strchr(p, ',');
		size_t ilen = stop ? (size_t)(stop - p) : strlen(p);
		struct addr6 lo, hi;
		uint64_t count;
		char *dash, *slash;

		if (!ilen || ilen >= sizeof(item))
			goto bad;
		memcpy(item, p, ilen);
		item[ilen] = 0;
		dash = strchr(item, '-');
		slash = strchr(item, '/');
		if (slash) {
			struct cidr6 c;

			if (units_parse_cidr6(item, &c, err, errlen))
				return -EINVAL;
			if (c.len < 64 || 128 - c.len >= 63)
				return fail(
					err, errlen,
					"'%s': a prefix of addresses to list is /64 or longer, and at most 2^62 addresses",
					item);
			count = 1ULL << (128 - c.len);
			lo = c.addr;
			if (count > 1) { /* leave out the subnet's anycast address */
				lo = units_addr6_add(&c.addr, 1);
				count--;
			}
		} else if (dash) {
			*dash = 0;
			if (inet_pton(AF_INET6, item, lo.b) != 1 ||
			    inet_pton(AF_INET6, dash + 1, hi.b) != 1)
				goto bad;
			if (memcmp(lo.b, hi.b, 8))
				return fail(
					err, errlen,
					"'%s': an IPv6 range stays within one /64 (its first 64 bits alike)",
					s);
			if (low64(&hi) < low64(&lo))
				return fail(err, errlen,
					    "'%s': an address range runs from low to high", s);
			count = low64(&hi) - low64(&lo) + 1;
		} else {
			if (inet_pton(AF_INET6, item, lo.b) != 1)
				goto bad;
			count = 1;
		}
		if (count > max - *n)
			return fail(err, errlen, "'%s' has more than %zu addresses", s, max);
		for (uint64_t k = 0; k < count; k++)
			out[(*n)++] = units_addr6_add(&lo, k);
		if (!stop)
			return 0;
		p = stop + 1;
	}
bad:
	return fail(
		err, errlen,
		"'%s' is not an IPv6 address list: expected addresses, ranges (2001:2::10-2001:2::1f) or prefixes (2001:2::100/120) separated by commas",
		s);
}

char *units_fmt_ipv6(const struct addr6 *a, char *buf, size_t len)
{
	if (!inet_ntop(AF_INET6, a->b, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

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

char *units_fmt_ipv4(uint32_t a, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
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

char *units_escape(const char *bytes, size_t n, char *buf, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < n && len; i++) {
		unsigned char c = (unsigned char)bytes[i];
		char e[5];

		if (c == '\r' || c == '\n' || c == '\t' || c == '\\')
			snprintf(e, sizeof(e), "\\%c",
				 c == '\r'   ? 'r'
				 : c == '\n' ? 'n'
				 : c == '\t' ? 't'
					     : '\\');
		else if (c < 0x20 || c >= 0x7f)
			snprintf(e, sizeof(e), "\\x%02x", c);
		else
			snprintf(e, sizeof(e), "%c", c);
		if (o + strlen(e) + 1 > len)
			break;
		memcpy(buf + o, e, strlen(e));
		o += strlen(e);
	}
	if (len)
		buf[o] = 0;
	return buf;
}

int units_unescape(const char *in, char *out, size_t cap, size_t *len, char *err, size_t errlen)
{
	size_t n = 0;

	for (const char *p = in; *p; p++) {
		char c = *p;

		if (c == '\\') {
			p++;
			switch (*p) {
			case 'r':
				c = '\r';
				break;
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case '\\':
				c = '\\';
				break;
			case 'x': {
				unsigned v;

				if (!isxdigit((unsigned char)p[1]) ||
				    !isxdigit((unsigned char)p[2]) ||
				    sscanf(p + 1, "%2x", &v) != 1) {
					snprintf(err, errlen,
						 "'\\x' takes two hexadecimal digits, as in \\x0d");
					return -EINVAL;
				}
				c = (char)v;
				p += 2;
				break;
			}
			default:
				snprintf(
					err, errlen,
					"unknown escape '\\%c': the escapes are \\r \\n \\t \\\\ and \\xNN",
					*p ? *p : ' ');
				return -EINVAL;
			}
		}
		if (n + 1 >= cap) {
			snprintf(err, errlen, "longer than %zu bytes", cap - 1);
			return -EINVAL;
		}
		out[n++] = c;
	}
	out[n] = 0;
	*len = n;
	if (!n) {
		snprintf(err, errlen, "empty: give the bytes to send");
		return -EINVAL;
	}
	return 0;
}

int units_parse_addr(const char *s, int *six, uint32_t *v4, struct addr6 *v6, char *err,
		     size_t errlen)
{
	*six = units_is_ipv6(s);
	return *six ? units_parse_ipv6(s, v6, err, errlen) : units_parse_ipv4(s, v4, err, errlen);
}

int units_count_addr_list(const char *s, size_t max, int *six, size_t *n, char *err, size_t errlen)
{
	void *buf;
	int e;

	*six = units_is_ipv6(s);
	buf = calloc(max ? max : 1, *six ? sizeof(struct addr6) : sizeof(uint32_t));
	if (!buf)
		return fail(err, errlen, "out of memory");
	e = *six ? units_parse_addr6_list(s, buf, max, n, err, errlen)
		 : units_parse_addr_list(s, buf, max, n, err, errlen);
	free(buf);
	return e;
}
