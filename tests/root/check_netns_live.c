/* SPDX-License-Identifier: MIT */
/* check_netns_live.c - netns/ against the real kernel (root): namespaces,
 * veth pairs across namespaces, batches that span several sends, errors
 * with the kernel's extended ack text, link statistics, sysctls, names.
 * Exits 77 (skipped) with a reason where namespaces are not available. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netns/netns.h"

static int ns1 = -1, ns2 = -1;

static void setup(void)
{
	ck_assert_int_eq(netns_new(&ns1), 0);
	ck_assert_int_eq(netns_new(&ns2), 0);
}

static void teardown(void)
{
	close(ns1);
	close(ns2);
}

static int count_addrs_in(int fd)
{
	struct ifaddrs *ifa, *p;
	int saved, n = 0;

	ck_assert_int_eq(netns_enter(fd, &saved), 0);
	ck_assert_int_eq(getifaddrs(&ifa), 0);
	for (p = ifa; p; p = p->ifa_next)
		n += p->ifa_addr && p->ifa_addr->sa_family == AF_INET;
	freeifaddrs(ifa);
	ck_assert_int_eq(netns_leave(saved), 0);
	return n;
}

START_TEST(new_namespace_is_new)
{
	uint64_t a, b;
	int self;

	ck_assert_int_eq(netns_inode(ns1, &a), 0);
	ck_assert_int_eq(netns_inode(ns2, &b), 0);
	ck_assert_uint_ne(a, b);
	self = open("/proc/thread-self/ns/net", O_RDONLY);
	ck_assert_int_ge(self, 0);
	ck_assert_int_eq(netns_inode(self, &b), 0);
	ck_assert_uint_ne(a, b); /* and we are back where we started */
	close(self);
	ck_assert_int_eq(count_addrs_in(ns1), 0); /* lo is down, no address */
}
END_TEST

#define ADD(b, call)                                                                               \
	do {                                                                                       \
		uint32_t seq_;                                                                     \
		void *m_ = nl_batch_next(b, &seq_);                                                \
		call;                                                                              \
		ck_assert_int_eq(nl_batch_add(b), 0);                                              \
	} while (0)

START_TEST(veth_across_namespaces_and_stats)
{
	struct nl *nl, *nl2;
	struct nl_batch *b;
	struct nl_err e;
	struct rtnl_link_stats64 st;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
	int saved, s;

	ck_assert_int_eq(nl_open(ns1, &nl), 0);
	ck_assert_int_eq(nl_batch_begin(nl, &b), 0);
	ADD(b, nl_msg_veth(m_, seq_, "a", 20, -1, "b", 21, ns2));
	ADD(b, nl_msg_link_set(m_, seq_, 20, 1, 1400));
	ADD(b, nl_msg_addr(m_, seq_, 20, 0x0a000001, 24));
	ck_assert_int_eq(nl_batch_end(b, &e), 0);
	ck_assert_int_eq(e.err, 0);

	ck_assert_int_eq(nl_open(ns2, &nl2), 0);
	ck_assert_int_eq(nl_batch_begin(nl2, &b), 0);
	ADD(b, nl_msg_link_set(m_, seq_, 21, 1, 0));
	ADD(b, nl_msg_addr(m_, seq_, 21, 0x0a000002, 24));
	ck_assert_int_eq(nl_batch_end(b, &e), 0);
	ck_assert_int_eq(count_addrs_in(ns1), 1);
	ck_assert_int_eq(count_addrs_in(ns2), 1);

	/* 10 datagrams from ns1 to ns2 cross the pair */
	ck_assert_int_eq(netns_enter(ns1, &saved), 0);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(s, 0);
	to.sin_addr.s_addr = htonl(0x0a000002);
	/* until 10 have gone out (the first wait for ARP), for 3 s at most */
	for (int i = 0; i < 60; i++) {
		sendto(s, "x", 1, 0, (struct sockaddr *)&to, sizeof(to));
		usleep(50000);
		ck_assert_int_eq(nl_link_stats(nl, 20, &st, &e), 0);
		if (st.tx_packets >= 11)
			break;
	}
	close(s);
	ck_assert_int_eq(netns_leave(saved), 0);
	ck_assert_uint_ge(st.tx_packets, 10);
	ck_assert_int_eq(nl_link_stats(nl2, 21, &st, &e), 0);
	ck_assert_uint_ge(st.rx_packets, 10);
	ck_assert_int_eq(nl_link_stats(nl2, 99, &st, &e), -ENODEV);
	nl_close(nl);
	nl_close(nl2);
}
END_TEST

START_TEST(batch_spanning_sends)
{
	struct nl *nl;
	struct nl_batch *b;
	struct nl_err e;

	ck_assert_int_eq(nl_open(ns1, &nl), 0);
	ck_assert_int_eq(nl_batch_begin(nl, &b), 0);
	ADD(b, nl_msg_link_set(m_, seq_, 1, 1, 0));
	for (uint32_t i = 0; i < 3000; i++) /* ~200 KB of requests */
		ADD(b, nl_msg_addr(m_, seq_, 1, 0xc6130000u + i, 32));
	ck_assert_int_eq(nl_batch_end(b, &e), 0);
	ck_assert_int_eq(count_addrs_in(ns1), 3001); /* and 127.0.0.1 */
	nl_close(nl);
}
END_TEST

START_TEST(errors_by_sequence_with_kernel_text)
{
	struct nl *nl;
	struct nl_batch *b;
	struct nl_err e;
	uint32_t bad_seq = 0, seq;
	void *m;

	ck_assert_int_eq(nl_open(ns1, &nl), 0);
	ck_assert_int_eq(nl_batch_begin(nl, &b), 0);
	ADD(b, nl_msg_link_set(m_, seq_, 1, 1, 0));
	ADD(b, nl_msg_addr(m_, seq_, 1, 0x0a090909, 32));
	m = nl_batch_next(b, &seq);
	nl_msg_addr(m, seq, 1, 0x0a090909, 32); /* the same again: EEXIST */
	bad_seq = seq;
	ck_assert_int_eq(nl_batch_add(b), 0);
	ADD(b, nl_msg_addr(m_, seq_, 1, 0x0a09090a, 32)); /* later ones still run */
	ck_assert_int_eq(nl_batch_end(b, &e), -EEXIST);
	ck_assert_int_eq(e.err, -EEXIST);
	ck_assert_uint_eq(e.seq, bad_seq);
	ck_assert_int_eq(count_addrs_in(ns1), 3);

	/* a name longer than IFNAMSIZ: the kernel explains */
	ck_assert_int_eq(nl_batch_begin(nl, &b), 0);
	ADD(b, nl_msg_veth(m_, seq_, "a-name-that-is-far-too-long", 0, -1, "p", 0, ns2));
	ck_assert_int_lt(nl_batch_end(b, &e), 0);
	ck_assert_msg(e.msg[0] != 0, "no extended ack text");
	ck_assert_int_eq(e.err, e.err < 0 ? e.err : -1);
	nl_close(nl);
}
END_TEST

START_TEST(sysctls)
{
	char v[64];

	ck_assert_int_eq(netns_sysctl_write(ns1, "net.ipv4.tcp_tw_reuse", "1"), 0);
	ck_assert_int_eq(netns_sysctl_read(ns1, "net.ipv4.tcp_tw_reuse", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "1");
	ck_assert_int_eq(netns_sysctl_read(ns2, "net.ipv4.tcp_tw_reuse", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "2"); /* the kernel's default, untouched in the other one */
	ck_assert_int_eq(netns_sysctl_write(ns1, "net.ipv4.ip_local_port_range", "2000 3000"), 0);
	ck_assert_int_eq(netns_sysctl_read(ns1, "net.ipv4.ip_local_port_range", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "2000 3000");
	ck_assert_int_eq(netns_sysctl_write(ns1, "net.ipv4.tcp_mem", "1 2 3"), -ENOENT);
	ck_assert_int_eq(netns_sysctl_write(ns1, "net.ipv4.no_such_thing", "1"), -ENOENT);
	ck_assert_int_eq(netns_sysctl_write(ns1, "net.ipv4.tcp_tw_reuse", "7"), -EINVAL);
	ck_assert_int_eq(netns_sysctl_write(ns1, "net/../../etc", "1"), -EINVAL);
}
END_TEST

static int collect_names(const char *name, void *arg)
{
	strncat(arg, name, 200);
	strcat(arg, ";");
	return 0;
}

START_TEST(names)
{
	char name[64], list[1024] = "", expect[128];
	uint64_t a, b;
	int fd;

	snprintf(name, sizeof(name), "connlab-check%d-srv", (int)getpid());
	ck_assert_int_eq(netns_name(ns1, name), 0);
	ck_assert_int_eq(netns_name(ns2, name), -EEXIST);
	ck_assert_int_eq(netns_open_named(name, &fd), 0);
	ck_assert_int_eq(netns_inode(fd, &a), 0);
	ck_assert_int_eq(netns_inode(ns1, &b), 0);
	ck_assert_uint_eq(a, b);
	close(fd);
	snprintf(expect, sizeof(expect), "connlab-check%d", (int)getpid());
	ck_assert_int_eq(netns_list(expect, collect_names, list), 0);
	snprintf(expect, sizeof(expect), "%s;", name);
	ck_assert_str_eq(list, expect);
	ck_assert_int_eq(netns_unname(name), 0);
	ck_assert_int_eq(netns_unname(name), -ENOENT);
	ck_assert_int_eq(netns_open_named(name, &fd), -ENOENT);
	ck_assert_int_eq(netns_name(ns1, "../x"), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("netns_live");
	TCase *tc = tcase_create("netns_live");
	SRunner *sr;
	int failed, probe;

	if (geteuid() != 0) {
		fprintf(stderr, "check_netns_live: skipped: needs root\n");
		return 77;
	}
	if (netns_new(&probe)) {
		fprintf(stderr,
			"check_netns_live: skipped: cannot create network namespaces here\n");
		return 77;
	}
	close(probe);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, new_namespace_is_new);
	tcase_add_test(tc, veth_across_namespaces_and_stats);
	tcase_add_test(tc, batch_spanning_sends);
	tcase_add_test(tc, errors_by_sequence_with_kernel_text);
	tcase_add_test(tc, sysctls);
	tcase_add_test(tc, names);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
