/* SPDX-License-Identifier: MIT */
/* msg.c - rtnetlink request messages, built in a caller's buffer. Every
 * request asks for an acknowledgement, so that a batch can check each. */
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <string.h>

#include "netns.h"

static struct nlmsghdr *header(void *buf, uint16_t type, uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = seq;
	return nlh;
}

void nl_msg_veth(void *buf, uint32_t seq, const char *name, int ifindex, int ns_fd,
		 const char *peer, int peer_ifindex, int peer_ns_fd)
{
	struct nlmsghdr *nlh = header(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, seq);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	struct nlattr *linkinfo, *data, *peer_nest;
	struct ifinfomsg *peer_ifi;

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (ns_fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)ns_fd);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peer_nest = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	peer_ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*peer_ifi));
	peer_ifi->ifi_family = AF_UNSPEC;
	peer_ifi->ifi_index = peer_ifindex;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)peer_ns_fd);
	mnl_attr_nest_end(nlh, peer_nest);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
}

void nl_msg_link_set(void *buf, uint32_t seq, int ifindex, int up, unsigned mtu)
{
	struct nlmsghdr *nlh = header(buf, RTM_NEWLINK, 0, seq);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = up ? IFF_UP : 0;
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
}

void nl_msg_addr(void *buf, uint32_t seq, int ifindex, uint32_t addr, unsigned prefixlen)
{
	struct nlmsghdr *nlh = header(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, seq);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	uint32_t a = htonl(addr);

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (uint8_t)prefixlen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, sizeof(a), &a);
	mnl_attr_put(nlh, IFA_ADDRESS, sizeof(a), &a);
}

/* RTM_NEWROUTE's header: a static route of family; RTN_LOCAL goes to the
 * local table with host scope, the others to main with scope */
static struct nlmsghdr *route_head(void *buf, uint32_t seq, uint8_t family, unsigned len,
				   unsigned type, uint8_t scope)
{
	struct nlmsghdr *nlh = header(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, seq);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = family;
	rtm->rtm_dst_len = (uint8_t)len;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_type = (uint8_t)type;
	rtm->rtm_table = type == RTN_LOCAL ? RT_TABLE_LOCAL : RT_TABLE_MAIN;
	rtm->rtm_scope = type == RTN_LOCAL ? RT_SCOPE_HOST : scope;
	return nlh;
}

void nl_msg_route(void *buf, uint32_t seq, uint32_t dst, unsigned len, uint32_t gw, int ifindex,
		  unsigned type)
{
	uint32_t d = htonl(dst), g = htonl(gw);
	struct nlmsghdr *nlh =
		route_head(buf, seq, AF_INET, len, type, gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);

	mnl_attr_put(nlh, RTA_DST, sizeof(d), &d);
	if (gw)
		mnl_attr_put(nlh, RTA_GATEWAY, sizeof(g), &g);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
}

void nl_msg_addr6(void *buf, uint32_t seq, int ifindex, const uint8_t addr[16], unsigned prefixlen,
		  int noprefixroute)
{
	struct nlmsghdr *nlh = header(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, seq);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	uint32_t flags = IFA_F_NODAD | (noprefixroute ? IFA_F_NOPREFIXROUTE : 0);

	ifa->ifa_family = AF_INET6;
	ifa->ifa_prefixlen = (uint8_t)prefixlen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)ifindex;
	ifa->ifa_flags = (uint8_t)IFA_F_NODAD; /* the 8 bits; IFA_FLAGS has all */
	mnl_attr_put(nlh, IFA_ADDRESS, 16, addr);
	mnl_attr_put_u32(nlh, IFA_FLAGS, flags);
}

void nl_msg_route6(void *buf, uint32_t seq, const uint8_t dst[16], unsigned len, const uint8_t *gw,
		   int ifindex, unsigned type)
{
	/* IPv6 routes other than local ones are all of universe scope */
	struct nlmsghdr *nlh = route_head(buf, seq, AF_INET6, len, type, RT_SCOPE_UNIVERSE);

	mnl_attr_put(nlh, RTA_DST, 16, dst);
	if (gw)
		mnl_attr_put(nlh, RTA_GATEWAY, 16, gw);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
}

void nl_msg_link_get(void *buf, uint32_t seq, int ifindex)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
}
