/* SPDX-License-Identifier: MIT */
/* addr.c - IPv4 and IPv6 addresses, CIDR ranges and address lists, parsed
 * and printed (util/addr.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/addr.h"
#include "util/units.h"

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

int addr_parse_ipv4(const char *s, uint32_t *addr, char *err, size_t errlen)
{
	const char *end = scan_ipv4(s, addr);

	if (!end || *end)
		return units_error(err, errlen, "'%s' is not an IPv4 address such as 198.18.0.1",
				   s);
	return 0;
}

int addr_parse_cidr(const char *s, struct cidr *c, char *err, size_t errlen)
{
	const char *end = scan_ipv4(s, &c->addr);
	uint64_t len;
	char a[16];

	if (!end || *end != '/' || units_parse_uint(end + 1, &len, NULL, 0) || len > 32)
		return units_error(
			err, errlen,
			"'%s' is not a CIDR range: expected an address and a prefix length such as 198.18.0.0/15",
			s);
	c->len = (uint8_t)len;
	if (len < 32 && (c->addr & (0xffffffffu >> len))) {
		uint32_t net = c->addr & ~(0xffffffffu >> len);

		return units_error(err, errlen, "'%s' has host bits set: did you mean %s/%u?", s,
				   addr_fmt_ipv4(net, a, sizeof(a)), (unsigned)len);
	}
	return 0;
}

int addr_parse_list(const char *s, uint32_t *out, size_t max, size_t *n, char *err, size_t errlen)
{
	const char *p = s;
	int k;

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
			if (addr_parse_cidr(item, &c, err, errlen))
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
			return units_error(err, errlen,
					   "'%s': an address range runs from low to high", s);
		if ((uint64_t)hi - lo + 1 > max - *n)
			return units_error(err, errlen, "'%s' has more than %zu addresses", s, max);
		for (uint64_t a = lo; a <= hi; a++)
			out[(*n)++] = (uint32_t)a;
		if ((k = units_list_next(&p, end)) != 0)
			break;
	}
	if (k > 0)
		return 0;
bad:
	return units_error(
		err, errlen,
		"'%s' is not an address list: expected addresses, ranges (198.18.1.1-198.18.1.16) or CIDR ranges separated by commas",
		s);
}

int addr_is_ipv6(const char *s)
{
	return strchr(s, ':') != NULL;
}

int addr_parse_ipv6(const char *s, struct addr6 *a, char *err, size_t errlen)
{
	if (inet_pton(AF_INET6, s, a->b) != 1)
		return units_error(err, errlen, "'%s' is not an IPv6 address (such as 2001:2::1)",
				   s);
	return 0;
}

int addr_parse_cidr6(const char *s, struct cidr6 *c, char *err, size_t errlen)
{
	const char *slash = strchr(s, '/');
	char a[INET6_ADDRSTRLEN + 1];
	char *end;
	unsigned long len;

	if (!slash || (size_t)(slash - s) >= sizeof(a))
		return units_error(err, errlen, "'%s' is not an IPv6 prefix (such as 2001:2::/48)",
				   s);
	memcpy(a, s, (size_t)(slash - s));
	a[slash - s] = 0;
	len = strtoul(slash + 1, &end, 10);
	if (!slash[1] || *end || len > 128 || inet_pton(AF_INET6, a, c->addr.b) != 1)
		return units_error(err, errlen, "'%s' is not an IPv6 prefix (such as 2001:2::/48)",
				   s);
	for (unsigned i = 0; i < 128; i++)
		if (i >= len && (c->addr.b[i / 8] & (0x80 >> (i % 8))))
			return units_error(
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

struct addr6 addr6_add(const struct addr6 *a, uint64_t n)
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

int addr_parse_list6(const char *s, struct addr6 *out, size_t max, size_t *n, char *err,
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

			if (addr_parse_cidr6(item, &c, err, errlen))
				return -EINVAL;
			if (c.len < 64 || 128 - c.len >= 63)
				return units_error(
					err, errlen,
					"'%s': a prefix of addresses to list is /64 or longer, and at most 2^62 addresses",
					item);
			count = 1ULL << (128 - c.len);
			lo = c.addr;
			if (count > 1) { /* leave out the subnet's anycast address */
				lo = addr6_add(&c.addr, 1);
				count--;
			}
		} else if (dash) {
			*dash = 0;
			if (inet_pton(AF_INET6, item, lo.b) != 1 ||
			    inet_pton(AF_INET6, dash + 1, hi.b) != 1)
				goto bad;
			if (memcmp(lo.b, hi.b, 8))
				return units_error(
					err, errlen,
					"'%s': an IPv6 range stays within one /64 (its first 64 bits alike)",
					s);
			if (low64(&hi) < low64(&lo))
				return units_error(err, errlen,
						   "'%s': an address range runs from low to high",
						   s);
			count = low64(&hi) - low64(&lo) + 1;
		} else {
			if (inet_pton(AF_INET6, item, lo.b) != 1)
				goto bad;
			count = 1;
		}
		if (count > max - *n)
			return units_error(err, errlen, "'%s' has more than %zu addresses", s, max);
		for (uint64_t k = 0; k < count; k++)
			out[(*n)++] = addr6_add(&lo, k);
		if (!stop)
			return 0;
		p = stop + 1;
	}
bad:
	return units_error(
		err, errlen,
		"'%s' is not an IPv6 address list: expected addresses, ranges (2001:2::10-2001:2::1f) or prefixes (2001:2::100/120) separated by commas",
		s);
}

char *addr_fmt_ipv6(const struct addr6 *a, char *buf, size_t len)
{
	if (!inet_ntop(AF_INET6, a->b, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

char *addr_fmt_ipv4(uint32_t a, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	return buf;
}

int addr_parse(const char *s, int *six, uint32_t *v4, struct addr6 *v6, char *err, size_t errlen)
{
	*six = addr_is_ipv6(s);
	return *six ? addr_parse_ipv6(s, v6, err, errlen) : addr_parse_ipv4(s, v4, err, errlen);
}

int addr_count_list(const char *s, size_t max, int *six, size_t *n, char *err, size_t errlen)
{
	void *buf;
	int e;

	*six = addr_is_ipv6(s);
	buf = calloc(max ? max : 1, *six ? sizeof(struct addr6) : sizeof(uint32_t));
	if (!buf)
		return units_error(err, errlen, "out of memory");
	e = *six ? addr_parse_list6(s, buf, max, n, err, errlen)
		 : addr_parse_list(s, buf, max, n, err, errlen);
	free(buf);
	return e;
}
