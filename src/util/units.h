/* SPDX-License-Identifier: MIT */
/* units.h - values with units, parsed and printed in one place: durations
 * (500ms, 30s, 2m), counts (100k, 1M), rates (20k/s), percentages (0.1%),
 * sizes (4KiB), IPv4 addresses, CIDR ranges, address lists and port lists.
 *
 * Every parser returns 0 or -EINVAL and, on error, writes a sentence into
 * err saying what was expected, with an example. Callers add the place. */
#ifndef CONNLAB_UNITS_H
#define CONNLAB_UNITS_H

#include <stddef.h>
#include <stdint.h>

#include "util/compiler.h"

#define PORTS_MAX 64

struct cidr {
	uint32_t addr; /* host byte order, network address */
	uint8_t len;
};

/* An IPv6 address, network byte order (struct in6_addr's bytes). */
struct addr6 {
	uint8_t b[16];
};

struct cidr6 {
	struct addr6 addr; /* the network address */
	uint8_t len;
};

struct port_list {
	uint16_t n;
	uint16_t port[PORTS_MAX];
};

WUR int units_parse_uint(const char *s, uint64_t *out, char *err, size_t errlen);
WUR int units_parse_duration(const char *s, uint64_t *us, char *err, size_t errlen);
WUR int units_parse_count(const char *s, uint64_t *out, char *err, size_t errlen);
/* "unlimited" parses as 0. */
WUR int units_parse_rate(const char *s, uint64_t *per_sec, char *err, size_t errlen);
/* 0.1% parses as 0.001. */
WUR int units_parse_percent(const char *s, double *fraction, char *err, size_t errlen);
WUR int units_parse_size(const char *s, uint64_t *bytes, char *err, size_t errlen);
WUR int units_parse_ipv4(const char *s, uint32_t *addr, char *err, size_t errlen);
WUR int units_parse_cidr(const char *s, struct cidr *c, char *err, size_t errlen);
WUR int units_parse_ports(const char *s, struct port_list *pl, char *err, size_t errlen);
/* A list of addresses: "198.18.1.1-198.18.1.16", "198.18.1.0/28" or
 * "198.18.1.1,198.18.1.9"; items may be mixed. Writes at most max. */
WUR int units_parse_addr_list(const char *s, uint32_t *out, size_t max, size_t *n, char *err,
			      size_t errlen);

/* IPv6: an address ("2001:2::1"), a prefix ("2001:2::/48"), and a list
 * like the IPv4 one: "2001:2::10-2001:2::1f", "2001:2::100/120" (every
 * address of it but the all-zeros one, the subnet's anycast address) or
 * "2001:2::1,2001:2::9". */
WUR int units_parse_ipv6(const char *s, struct addr6 *a, char *err, size_t errlen);
WUR int units_parse_cidr6(const char *s, struct cidr6 *c, char *err, size_t errlen);
WUR int units_parse_addr6_list(const char *s, struct addr6 *out, size_t max, size_t *n, char *err,
			       size_t errlen);
/* An address of either family (by units_is_ipv6): *six, and *v4 or *v6. */
WUR int units_parse_addr(const char *s, int *six, uint32_t *v4, struct addr6 *v6, char *err,
			 size_t errlen);
/* An address list of either family (by units_is_ipv6): how many addresses
 * it has (at most max), and *six its family. */
WUR int units_count_addr_list(const char *s, size_t max, int *six, size_t *n, char *err,
			      size_t errlen);
/* 1 when s holds a ':' (an IPv6 address or list), else 0. */
int units_is_ipv6(const char *s);
/* a + n (n added to the low 64 bits, carried into the high ones) */
struct addr6 units_addr6_add(const struct addr6 *a, uint64_t n);

/* Formatters write the shortest exact form that the parsers read back. */
char *units_fmt_duration(uint64_t us, char *buf, size_t len);
char *units_fmt_count(uint64_t v, char *buf, size_t len);
char *units_fmt_rate(uint64_t per_sec, char *buf, size_t len);
char *units_fmt_size(uint64_t bytes, char *buf, size_t len); /* human, rounded */
char *units_fmt_ipv4(uint32_t addr, char *buf, size_t len);
char *units_fmt_ipv6(const struct addr6 *a, char *buf, size_t len); /* RFC 5952 */
char *units_fmt_ports(const struct port_list *pl, char *buf, size_t len);

/* Bytes as printable ASCII: \r, \n, \t, \\ and \xHH for the others; cut
 * to fit len (always terminated). Returns buf. */
char *units_escape(const char *bytes, size_t n, char *buf, size_t len);
/* The reverse for what users write: \r \n \t \\ and \xNN; at most cap - 1
 * bytes into out (NUL-terminated), their number in *len. 0, or -EINVAL
 * with the reason in err. */
int units_unescape(const char *in, char *out, size_t cap, size_t *len, char *err, size_t errlen);
uint32_t units_port_count_in(const struct port_list *pl);

#endif
