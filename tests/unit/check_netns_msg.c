/* SPDX-License-Identifier: MIT */
/* check_netns_msg.c - the netlink messages netns/ builds, parsed back with
 * libmnl's attribute parser and checked attribute by attribute. */
#include <arpa/inet.h>
#include <check.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <stdlib.h>
#include <string.h>

#include "netns/netns.h"

#include "check_main.h"

static char buf[NL_MSG_MAX * 2];

struct attrs {
	const struct nlattr *tb[64];
};

static int collect(const struct nlattr *attr, void *data)
{
	struct attrs *a = data;
	int type = mnl_attr_get_type(attr);

	ck_assert_int_lt(type, 64);
	ck_assert_ptr_null(a->tb[type]); /* each attribute once */
	a->tb[type] = attr;
	return MNL_CB_OK;
}

static struct nlmsghdr *check_header(uint16_t type, uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

	ck_assert_uint_eq(nlh->nlmsg_type, type);
	ck_assert_uint_eq(nlh->nlmsg_flags, flags);
	ck_assert_uint_eq(nlh->nlmsg_seq, seq);
	ck_assert_uint_le(nlh->nlmsg_len, NL_MSG_MAX);
	ck_assert(mnl_nlmsg_ok(nlh, (int)nlh->nlmsg_len));
	return nlh;
}

START_TEST(veth)
{
	struct attrs top = { 0 }, info = { 0 }, data = { 0 }, peer = { 0 };
	struct nlmsghdr *nlh;
	const struct ifinfomsg *ifi, *pifi;
	const struct nlattr *pnest;

	memset(buf, 0xaa, sizeof(buf));
	nl_msg_veth(buf, 7, "c3", 13, -1, "srv", 2, 42);
	nlh = check_header(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 7);
	ifi = mnl_nlmsg_get_payload(nlh);
	ck_assert_int_eq(ifi->ifi_family, AF_UNSPEC);
	ck_assert_int_eq(ifi->ifi_index, 13);
	ck_assert_int_eq(mnl_attr_parse(nlh, sizeof(*ifi), collect, &top), MNL_CB_OK);
	ck_assert_str_eq(mnl_attr_get_str(top.tb[IFLA_IFNAME]), "c3");
	ck_assert_ptr_null(top.tb[IFLA_NET_NS_FD]); /* created in the socket's namespace */
	ck_assert_ptr_nonnull(top.tb[IFLA_LINKINFO]);
	ck_assert_int_eq(mnl_attr_parse_nested(top.tb[IFLA_LINKINFO], collect, &info), MNL_CB_OK);
	ck_assert_str_eq(mnl_attr_get_str(info.tb[IFLA_INFO_KIND]), "veth");
	ck_assert_int_eq(mnl_attr_parse_nested(info.tb[IFLA_INFO_DATA], collect, &data), MNL_CB_OK);
	pnest = data.tb[VETH_INFO_PEER];
	ck_assert_ptr_nonnull(pnest);
	/* the peer nest starts with its own ifinfomsg, then attributes */
	pifi = mnl_attr_get_payload(pnest);
	ck_assert_int_eq(pifi->ifi_index, 2);
	{
		const struct nlattr *a;
		const char *base = (const char *)mnl_attr_get_payload(pnest);
		size_t len = mnl_attr_get_payload_len(pnest) - MNL_ALIGN(sizeof(*pifi));

		for (a = (const struct nlattr *)(base + MNL_ALIGN(sizeof(*pifi)));
		     mnl_attr_ok(a, (int)len); a = mnl_attr_next(a))
			collect(a, &peer), len -= MNL_ALIGN(a->nla_len);
	}
	ck_assert_str_eq(mnl_attr_get_str(peer.tb[IFLA_IFNAME]), "srv");
	ck_assert_uint_eq(mnl_attr_get_u32(peer.tb[IFLA_NET_NS_FD]), 42);

	nl_msg_veth(buf, 8, "x", 0, 5, "y", 0, 6);
	memset(&top, 0, sizeof(top));
	nlh = (struct nlmsghdr *)buf;
	ck_assert_int_eq(mnl_attr_parse(nlh, sizeof(struct ifinfomsg), collect, &top), MNL_CB_OK);
	ck_assert_uint_eq(mnl_attr_get_u32(top.tb[IFLA_NET_NS_FD]), 5);
}
END_TEST

START_TEST(link_set)
{
	struct attrs a = { 0 };
	struct nlmsghdr *nlh;
	const struct ifinfomsg *ifi;

	nl_msg_link_set(buf, 9, 4, 1, 9000);
	nlh = check_header(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, 9);
	ifi = mnl_nlmsg_get_payload(nlh);
	ck_assert_int_eq(ifi->ifi_index, 4);
	ck_assert_uint_eq(ifi->ifi_flags, IFF_UP);
	ck_assert_uint_eq(ifi->ifi_change, IFF_UP);
	ck_assert_int_eq(mnl_attr_parse(nlh, sizeof(*ifi), collect, &a), MNL_CB_OK);
	ck_assert_uint_eq(mnl_attr_get_u32(a.tb[IFLA_MTU]), 9000);

	nl_msg_link_set(buf, 10, 4, 0, 0);
	ifi = mnl_nlmsg_get_payload((struct nlmsghdr *)buf);
	ck_assert_uint_eq(ifi->ifi_flags, 0);
	memset(&a, 0, sizeof(a));
	ck_assert_int_eq(mnl_attr_parse((struct nlmsghdr *)buf, sizeof(*ifi), collect, &a),
			 MNL_CB_OK);
	ck_assert_ptr_null(a.tb[IFLA_MTU]);
}
END_TEST

START_TEST(addr)
{
	struct attrs a = { 0 };
	struct nlmsghdr *nlh;
	const struct ifaddrmsg *ifa;

	nl_msg_addr(buf, 11, 2, 0xc6120011u, 32);
	nlh = check_header(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 11);
	ifa = mnl_nlmsg_get_payload(nlh);
	ck_assert_int_eq(ifa->ifa_family, AF_INET);
	ck_assert_uint_eq(ifa->ifa_prefixlen, 32);
	ck_assert_uint_eq(ifa->ifa_index, 2);
	ck_assert_int_eq(mnl_attr_parse(nlh, sizeof(*ifa), collect, &a), MNL_CB_OK);
	ck_assert_uint_eq(mnl_attr_get_payload_len(a.tb[IFA_LOCAL]), 4);
	ck_assert_uint_eq(ntohl(mnl_attr_get_u32(a.tb[IFA_LOCAL])), 0xc6120011u);
	ck_assert_uint_eq(ntohl(mnl_attr_get_u32(a.tb[IFA_ADDRESS])), 0xc6120011u);
}
END_TEST

START_TEST(route)
{
	struct attrs a = { 0 };
	struct nlmsghdr *nlh;
	const struct rtmsg *rtm;

	nl_msg_route(buf, 12, 0xc6120010u, 28, 0xc612000au, 12, RTN_UNICAST);
	nlh = check_header(RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 12);
	rtm = mnl_nlmsg_get_payload(nlh);
	ck_assert_int_eq(rtm->rtm_family, AF_INET);
	ck_assert_uint_eq(rtm->rtm_dst_len, 28);
	ck_assert_uint_eq(rtm->rtm_table, RT_TABLE_MAIN);
	ck_assert_uint_eq(rtm->rtm_type, RTN_UNICAST);
	ck_assert_uint_eq(rtm->rtm_scope, RT_SCOPE_UNIVERSE);
	ck_assert_uint_eq(rtm->rtm_protocol, RTPROT_STATIC);
	ck_assert_int_eq(mnl_attr_parse(nlh, sizeof(*rtm), collect, &a), MNL_CB_OK);
	ck_assert_uint_eq(ntohl(mnl_attr_get_u32(a.tb[RTA_DST])), 0xc6120010u);
	ck_assert_uint_eq(ntohl(mnl_attr_get_u32(a.tb[RTA_GATEWAY])), 0xc612000au);
	ck_assert_uint_eq(mnl_attr_get_u32(a.tb[RTA_OIF]), 12);

	nl_msg_route(buf, 13, 0xc6120100u, 24, 0, 1, RTN_LOCAL);
	rtm = mnl_nlmsg_get_payload((struct nlmsghdr *)buf);
	ck_assert_uint_eq(rtm->rtm_table, RT_TABLE_LOCAL);
	ck_assert_uint_eq(rtm->rtm_scope, RT_SCOPE_HOST);
	ck_assert_uint_eq(rtm->rtm_type, RTN_LOCAL);
	memset(&a, 0, sizeof(a));
	ck_assert_int_eq(mnl_attr_parse((struct nlmsghdr *)buf, sizeof(*rtm), collect, &a),
			 MNL_CB_OK);
	ck_assert_ptr_null(a.tb[RTA_GATEWAY]);
}
END_TEST

START_TEST(addr6)
{
	static const uint8_t a6[16] = { 0x20, 0x01, 0x00, 0x02, [14] = 0x01, [15] = 0x23 };
	struct attrs a = { 0 };
	struct nlmsghdr *nlh;
	const struct ifaddrmsg *ifa;

	nl_msg_addr6(buf, 21, 3, a6, 126, 0);
	nlh = check_header(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 21);
	ifa = mnl_nlmsg_get_payload(nlh);
	ck_assert_int_eq(ifa->ifa_family, AF_INET6);
	ck_assert_uint_eq(ifa->ifa_prefixlen, 126);
	ck_assert_uint_eq(ifa->ifa_index, 3);
	ck_assert_uint_eq(ifa->ifa_flags, IFA_F_NODAD);
	ck_assert_int_eq(mnl_attr_parse(nlh, sizeof(*ifa), collect, &a), MNL_CB_OK);
	ck_assert_uint_eq(mnl_attr_get_payload_len(a.tb[IFA_ADDRESS]), 16);
	ck_assert_mem_eq(mnl_attr_get_payload(a.tb[IFA_ADDRESS]), a6, 16);
	ck_assert_uint_eq(mnl_attr_get_u32(a.tb[IFA_FLAGS]), IFA_F_NODAD);
	ck_assert_ptr_null(a.tb[IFA_LOCAL]);
	nl_msg_addr6(buf, 22, 1, a6, 128, 1);
	memset(&a, 0, sizeof(a));
	ck_assert_int_eq(mnl_attr_parse((struct nlmsghdr *)buf, sizeof(*ifa), collect, &a),
			 MNL_CB_OK);
	ck_assert_uint_eq(mnl_attr_get_u32(a.tb[IFA_FLAGS]), IFA_F_NODAD | IFA_F_NOPREFIXROUTE);
}
END_TEST

START_TEST(route6)
{
	static const uint8_t dst[16] = { 0x20, 0x01, 0x00, 0x02, [13] = 0x01 };
	static const uint8_t gw[16] = { 0x20, 0x01, 0x00, 0x02, [15] = 0x02 };
	struct attrs a = { 0 };
	struct nlmsghdr *nlh;
	const struct rtmsg *rtm;

	nl_msg_route6(buf, 23, dst, 112, gw, 12, RTN_UNICAST);
	nlh = check_header(RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 23);
	rtm = mnl_nlmsg_get_payload(nlh);
	ck_assert_int_eq(rtm->rtm_family, AF_INET6);
	ck_assert_uint_eq(rtm->rtm_dst_len, 112);
	ck_assert_uint_eq(rtm->rtm_table, RT_TABLE_MAIN);
	ck_assert_uint_eq(rtm->rtm_type, RTN_UNICAST);
	ck_assert_uint_eq(rtm->rtm_scope, RT_SCOPE_UNIVERSE);
	ck_assert_int_eq(mnl_attr_parse(nlh, sizeof(*rtm), collect, &a), MNL_CB_OK);
	ck_assert_mem_eq(mnl_attr_get_payload(a.tb[RTA_DST]), dst, 16);
	ck_assert_mem_eq(mnl_attr_get_payload(a.tb[RTA_GATEWAY]), gw, 16);
	ck_assert_uint_eq(mnl_attr_get_u32(a.tb[RTA_OIF]), 12);
	nl_msg_route6(buf, 24, dst, 112, NULL, 1, RTN_LOCAL);
	rtm = mnl_nlmsg_get_payload((struct nlmsghdr *)buf);
	ck_assert_uint_eq(rtm->rtm_table, RT_TABLE_LOCAL);
	ck_assert_uint_eq(rtm->rtm_scope, RT_SCOPE_HOST);
	memset(&a, 0, sizeof(a));
	ck_assert_int_eq(mnl_attr_parse((struct nlmsghdr *)buf, sizeof(*rtm), collect, &a),
			 MNL_CB_OK);
	ck_assert_ptr_null(a.tb[RTA_GATEWAY]);
}
END_TEST

START_TEST(link_get)
{
	struct nlmsghdr *nlh;
	const struct ifinfomsg *ifi;

	nl_msg_link_get(buf, 14, 7);
	nlh = check_header(RTM_GETLINK, NLM_F_REQUEST, 14);
	ifi = mnl_nlmsg_get_payload(nlh);
	ck_assert_int_eq(ifi->ifi_index, 7);
	ck_assert_uint_eq(nlh->nlmsg_len, mnl_nlmsg_size(sizeof(*ifi)));
}
END_TEST

static void add_tests(TCase *tc)
{
	tcase_add_test(tc, veth);
	tcase_add_test(tc, link_set);
	tcase_add_test(tc, addr);
	tcase_add_test(tc, route);
	tcase_add_test(tc, addr6);
	tcase_add_test(tc, route6);
	tcase_add_test(tc, link_get);
}

int main(void)
{
	return check_main("netns_msg", add_tests);
}
