/* SPDX-License-Identifier: MIT */
/* addr.h - addresses of either family, CIDR ranges and address lists,
 * parsed and printed in one place. Parsers return 0 or -EINVAL with a
 * sentence in err saying what was expected, with an example. */
#ifndef CONNLAB_UTIL_ADDR_H
#define CONNLAB_UTIL_ADDR_H

#include <stddef.h>
#include <stdint.h>

#include "util/compiler.h"

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

WUR int addr_parse_ipv4(const char *s, uint32_t *addr, char *err, size_t errlen);
WUR int addr_parse_cidr(const char *s, struct cidr *c, char *err, size_t errlen);
/* A list of addresses: "198.18.1.1-198.18.1.16", "198.18.1.0/28" or
 * "198.18.1.1,198.18.1.9"; items may be mixed. Writes at most max. */
WUR int addr_parse_list(const char *s, uint32_t *out, size_t max, size_t *n, char *err,
			size_t errlen);

/* IPv6: an address ("2001:2::1"), a prefix ("2001:2::/48"), and a list
 * like the IPv4 one: "2001:2::10-2001:2::1f", "2001:2::100/120" (every
 * address of it but the all-zeros one, the subnet's anycast address) or
 * "2001:2::1,2001:2::9". */
WUR int addr_parse_ipv6(const char *s, struct addr6 *a, char *err, size_t errlen);
WUR int addr_parse_cidr6(const char *s, struct cidr6 *c, char *err, size_t errlen);
WUR int addr_parse_list6(const char *s, struct addr6 *out, size_t max, size_t *n, char *err,
			 size_t errlen);
/* An address of either family (by addr_is_ipv6): *six, and *v4 or *v6. */
WUR int addr_parse(const char *s, int *six, uint32_t *v4, struct addr6 *v6, char *err,
		   size_t errlen);
/* An address list of either family (by addr_is_ipv6): how many addresses
 * it has (at most max), and *six its family. */
WUR int addr_count_list(const char *s, size_t max, int *six, size_t *n, char *err, size_t errlen);
/* 1 when s holds a ':' (an IPv6 address or list), else 0. */
int addr_is_ipv6(const char *s);
/* a + n (n added to the low 64 bits, carried into the high ones) */
struct addr6 addr6_add(const struct addr6 *a, uint64_t n);

/* Formatters write the shortest exact form that the parsers read back. */
char *addr_fmt_ipv4(uint32_t addr, char *buf, size_t len);
char *addr_fmt_ipv6(const struct addr6 *a, char *buf, size_t len); /* RFC 5952 */

#endif
