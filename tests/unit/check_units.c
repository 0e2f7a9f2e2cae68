/* SPDX-License-Identifier: MIT */
/* check_units.c - unit parsers and formatters: exact values and messages. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/units.h"

#include "check_main.h"

static char err[256];

START_TEST(duration_ok)
{
	static const struct {
		const char *in;
		uint64_t us;
	} t[] = {
		{ "500ms", 500000 }, { "30s", 30000000 },
		{ "2m", 120000000 }, { "1h", 3600000000ULL },
		{ "1.5s", 1500000 }, { "250us", 250 },
		{ "0", 0 },	     { "0.001ms", 1 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint64_t us = 99;

		ck_assert_msg(units_parse_duration(t[i].in, &us, err, sizeof(err)) == 0, "%s: %s",
			      t[i].in, err);
		ck_assert_uint_eq(us, t[i].us);
	}
}
END_TEST

START_TEST(duration_bad)
{
	uint64_t us;

	ck_assert_int_eq(units_parse_duration("30", &us, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "'30' has no unit: write it as 30s, 30ms or 30m");
	ck_assert_int_eq(units_parse_duration("5 s", &us, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(
		err,
		"'5 s' is not a duration: expected a number and a unit (us, ms, s, m, h) such as 500ms, 30s or 2m");
	ck_assert_int_eq(units_parse_duration("", &us, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(units_parse_duration("1.5", &us, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(units_parse_duration("0.0001ms", &us, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "'0.0001ms' is not a whole number of microseconds or is too long");
	ck_assert_int_eq(units_parse_duration("99999999999999999h", &us, err, sizeof(err)),
			 -EINVAL);
	ck_assert_int_eq(units_parse_duration("-1s", &us, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(units_parse_duration("1.s", &us, err, sizeof(err)), -EINVAL);
}
END_TEST

START_TEST(count_ok)
{
	static const struct {
		const char *in;
		uint64_t v;
	} t[] = {
		{ "0", 0 },	   { "5000", 5000 }, { "100k", 100000 },   { "100K", 100000 },
		{ "1M", 1000000 }, { "1.5k", 1500 }, { "2G", 2000000000 }, { "0.25M", 250000 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint64_t v = 99;

		ck_assert_msg(units_parse_count(t[i].in, &v, err, sizeof(err)) == 0, "%s", t[i].in);
		ck_assert_uint_eq(v, t[i].v);
	}
}
END_TEST

START_TEST(count_bad)
{
	uint64_t v;

	ck_assert_int_eq(units_parse_count("1m", &v, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "'1m': use M for million (m is not a count suffix)");
	ck_assert_int_eq(units_parse_count("1.5", &v, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "'1.5' is not a whole number or is too large");
	ck_assert_int_eq(units_parse_count("lots", &v, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(
		err,
		"'lots' is not a count: expected a whole number, optionally with k, M or G, such as 5000, 100k or 1M");
	ck_assert_int_eq(units_parse_count("10kk", &v, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(units_parse_count("1234567890123456789", &v, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(units_parse_count("999999999999999999G", &v, err, sizeof(err)), -EINVAL);
}
END_TEST

START_TEST(rate_and_percent)
{
	uint64_t r;
	double f;

	ck_assert_int_eq(units_parse_rate("20k/s", &r, err, sizeof(err)), 0);
	ck_assert_uint_eq(r, 20000);
	ck_assert_int_eq(units_parse_rate("unlimited", &r, err, sizeof(err)), 0);
	ck_assert_uint_eq(r, 0);
	ck_assert_int_eq(units_parse_rate("20k", &r, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "'20k' has no unit: write it as 20k/s");
	ck_assert_int_eq(units_parse_rate("20k/m", &r, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(units_parse_percent("0.1%", &f, err, sizeof(err)), 0);
	ck_assert_double_eq_tol(f, 0.001, 1e-12);
	ck_assert_int_eq(units_parse_percent("100%", &f, err, sizeof(err)), 0);
	ck_assert_double_eq(f, 1.0);
	ck_assert_int_eq(units_parse_percent("101%", &f, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "'101%' is more than 100%");
	ck_assert_int_eq(units_parse_percent("0.1", &f, err, sizeof(err)), -EINVAL);
}
END_TEST

START_TEST(size_units)
{
	uint64_t b;

	ck_assert_int_eq(units_parse_size("10KiB", &b, err, sizeof(err)), 0);
	ck_assert_uint_eq(b, 10240);
	ck_assert_int_eq(units_parse_size("1.5KB", &b, err, sizeof(err)), 0);
	ck_assert_uint_eq(b, 1500);
	ck_assert_int_eq(units_parse_size("2GiB", &b, err, sizeof(err)), 0);
	ck_assert_uint_eq(b, 2147483648ULL);
	ck_assert_int_eq(units_parse_size("300", &b, err, sizeof(err)), -EINVAL);
}
END_TEST

START_TEST(addresses)
{
	uint32_t a, list[32];
	struct cidr c;
	size_t n;

	ck_assert_int_eq(addr_parse_ipv4("198.18.0.1", &a, err, sizeof(err)), 0);
	ck_assert_uint_eq(a, 0xc6120001u);
	ck_assert_int_eq(addr_parse_ipv4("198.18.0.256", &a, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(addr_parse_ipv4("198.18.0", &a, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(addr_parse_ipv4("198.18.0.1x", &a, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(addr_parse_ipv4("0198.18.0.1", &a, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(addr_parse_cidr("198.18.0.0/15", &c, err, sizeof(err)), 0);
	ck_assert_uint_eq(c.addr, 0xc6120000u);
	ck_assert_uint_eq(c.len, 15);
	ck_assert_int_eq(addr_parse_cidr("198.18.0.1/15", &c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "'198.18.0.1/15' has host bits set: did you mean 198.18.0.0/15?");
	ck_assert_int_eq(addr_parse_cidr("198.18.0.0/33", &c, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(addr_parse_list("198.18.1.1-198.18.1.16", list, 32, &n, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(n, 16);
	ck_assert_uint_eq(list[15], 0xc6120110u);
	ck_assert_int_eq(
		addr_parse_list("198.18.1.0/29,198.18.2.1", list, 32, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 7); /* .1 to .6 of the /29, then one */
	ck_assert_uint_eq(list[0], 0xc6120101u);
	ck_assert_uint_eq(list[6], 0xc6120201u);
	ck_assert_int_eq(addr_parse_list("198.18.1.0/24", list, 32, &n, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "'198.18.1.0/24' has more than 32 addresses");
	ck_assert_int_eq(addr_parse_list("198.18.1.9-198.18.1.1", list, 32, &n, err, sizeof(err)),
			 -EINVAL);
}
END_TEST

START_TEST(ports)
{
	struct port_list pl;
	char buf[64];

	ck_assert_int_eq(units_parse_ports("8081-8084", &pl, err, sizeof(err)), 0);
	ck_assert_uint_eq(pl.n, 4);
	ck_assert_uint_eq(pl.port[3], 8084);
	ck_assert_int_eq(units_parse_ports("80,8080,9000-9002", &pl, err, sizeof(err)), 0);
	ck_assert_uint_eq(pl.n, 5);
	ck_assert_str_eq(units_fmt_ports(&pl, buf, sizeof(buf)), "80,8080,9000-9002");
	ck_assert_int_eq(units_parse_ports("8081,8081", &pl, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "'8081,8081' names port 8081 twice");
	ck_assert_int_eq(units_parse_ports("0", &pl, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(units_parse_ports("65536", &pl, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(units_parse_ports("9000-8000", &pl, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err,
			 "'9000-8000': ports are 1 to 65535 and a range runs from low to high");
	ck_assert_int_eq(units_parse_ports("1-100", &pl, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "'1-100' has more than 64 ports");
	ck_assert_int_eq(units_parse_ports("80,", &pl, err, sizeof(err)), -EINVAL);
}
END_TEST

START_TEST(formatters_round_trip)
{
	char buf[32];

	ck_assert_str_eq(units_fmt_duration(500000, buf, sizeof(buf)), "500ms");
	ck_assert_str_eq(units_fmt_duration(120000000, buf, sizeof(buf)), "2m");
	ck_assert_str_eq(units_fmt_duration(1500000, buf, sizeof(buf)), "1500ms");
	ck_assert_str_eq(units_fmt_count(100000, buf, sizeof(buf)), "100k");
	ck_assert_str_eq(units_fmt_count(1000000, buf, sizeof(buf)), "1M");
	ck_assert_str_eq(units_fmt_count(12345, buf, sizeof(buf)), "12345");
	ck_assert_str_eq(units_fmt_rate(20000, buf, sizeof(buf)), "20k/s");
	ck_assert_str_eq(units_fmt_rate(0, buf, sizeof(buf)), "unlimited");
	ck_assert_str_eq(units_fmt_size(10240, buf, sizeof(buf)), "10.0 KiB");
	ck_assert_str_eq(addr_fmt_ipv4(0xc6120001u, buf, sizeof(buf)), "198.18.0.1");
	for (uint64_t v = 1; v < 5000000000ULL; v = v * 7 + 3) {
		uint64_t back;

		units_fmt_count(v, buf, sizeof(buf));
		ck_assert_int_eq(units_parse_count(buf, &back, err, sizeof(err)), 0);
		ck_assert_uint_eq(back, v);
		units_fmt_duration(v, buf, sizeof(buf));
		ck_assert_int_eq(units_parse_duration(buf, &back, err, sizeof(err)), 0);
		ck_assert_uint_eq(back, v);
	}
}
END_TEST

START_TEST(ipv6_addresses)
{
	static struct addr6 list[300];
	struct addr6 a, b;
	struct cidr6 c;
	char buf[64];
	size_t n;

	ck_assert_int_eq(addr_parse_ipv6("2001:2::1", &a, err, sizeof(err)), 0);
	ck_assert_str_eq(addr_fmt_ipv6(&a, buf, sizeof(buf)), "2001:2::1");
	ck_assert_int_ne(addr_parse_ipv6("2001:2::g", &a, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "not an IPv6 address"));
	ck_assert_int_eq(addr_parse_cidr6("2001:2::/48", &c, err, sizeof(err)), 0);
	ck_assert_uint_eq(c.len, 48);
	ck_assert_int_ne(addr_parse_cidr6("2001:2::1/48", &c, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "past its prefix length"));
	ck_assert_int_ne(addr_parse_cidr6("2001:2::/129", &c, err, sizeof(err)), 0);
	/* a range, a prefix without its anycast address, single ones */
	ck_assert_int_eq(addr_parse_list6("2001:2::10-2001:2::1f,2001:2::100/120,2001:2::9", list,
					  300, &n, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(n, 16 + 255 + 1);
	ck_assert_str_eq(addr_fmt_ipv6(&list[15], buf, sizeof(buf)), "2001:2::1f");
	ck_assert_str_eq(addr_fmt_ipv6(&list[16], buf, sizeof(buf)), "2001:2::101");
	ck_assert_str_eq(addr_fmt_ipv6(&list[n - 2], buf, sizeof(buf)), "2001:2::1ff");
	ck_assert_int_ne(addr_parse_list6("2001:2::1f-2001:2::10", list, 300, &n, err, sizeof(err)),
			 0);
	ck_assert_ptr_nonnull(strstr(err, "low to high"));
	ck_assert_int_ne(addr_parse_list6("2001:2::1-2001:3::1", list, 300, &n, err, sizeof(err)),
			 0);
	ck_assert_ptr_nonnull(strstr(err, "within one /64"));
	ck_assert_int_ne(addr_parse_list6("2001:2::/112", list, 300, &n, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "more than 300"));
	/* adding carries into the high half */
	ck_assert_int_eq(addr_parse_ipv6("2001:2:0:1:ffff:ffff:ffff:ffff", &a, err, sizeof(err)),
			 0);
	b = addr6_add(&a, 2);
	ck_assert_str_eq(addr_fmt_ipv6(&b, buf, sizeof(buf)), "2001:2:0:2::1");
	ck_assert(addr_is_ipv6("::1") && !addr_is_ipv6("198.18.0.1"));
}
END_TEST

static void add_tests(TCase *tc)
{
	tcase_add_test(tc, ipv6_addresses);
	tcase_add_test(tc, duration_ok);
	tcase_add_test(tc, duration_bad);
	tcase_add_test(tc, count_ok);
	tcase_add_test(tc, count_bad);
	tcase_add_test(tc, rate_and_percent);
	tcase_add_test(tc, size_units);
	tcase_add_test(tc, addresses);
	tcase_add_test(tc, ports);
	tcase_add_test(tc, formatters_round_trip);
}

int main(void)
{
	return check_main("units", add_tests);
}
