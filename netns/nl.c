/* SPDX-License-Identifier: MIT */
/* nl.c - rtnetlink sockets inside a namespace, batches of requests with
 * every acknowledgement read, and single requests. Follows libmnl's batch
 * example: a sequence number and NLM_F_ACK on each message, send when the
 * buffer is full, drain the acks, keep failures by sequence number. */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netns.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

/* Sent per sendmsg. Each ack is a small message but a whole socket buffer
 * (about 1 KB of the receive buffer's 208 KB): at most BATCH_MSGS acks
 * are outstanding, so none is dropped (ENOBUFS). */
#define BATCH_BYTES (32 * 1024)
#define BATCH_MSGS 128
#define RECV_BYTES (64 * 1024)

struct nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
};

struct nl_batch {
	struct nl *nl;
	struct mnl_nlmsg_batch *b;
	unsigned pending; /* messages sent, acks not yet read */
	unsigned queued;  /* messages in the buffer, not yet sent */
	int err;
	struct nl_err first;
	char buf[BATCH_BYTES + NL_MSG_MAX * 2];
	char rbuf[RECV_BYTES];
};

int nl_open(int ns_fd, struct nl **out)
{
	struct nl *nl = calloc(1, sizeof(*nl));
	int saved = -1, one = 1, r;

	if (!nl)
		return -ENOMEM;
	if (ns_fd >= 0) {
		r = netns_enter(ns_fd, &saved);
		if (r)
			goto out_free;
	}
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	r = nl->sock ? 0 : -errno;
	if (saved >= 0) {
		int r2 = netns_leave(saved);

		if (!r)
			r = r2;
	}
	if (r)
		goto out_close;
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		goto out_close;
	}
	/* acks without the request echoed, and the kernel's error text */
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	*out = nl;
	return 0;
out_close:
	if (nl->sock)
		mnl_socket_close(nl->sock);
out_free:
	free(nl);
	return r;
}

void nl_close(struct nl *nl)
{
	if (!nl)
		return;
	mnl_socket_close(nl->sock);
	free(nl);
}

static int ack_attr(const struct nlattr *attr, void *data)
{
	struct nl_err *e = data;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		snprintf(e->msg, sizeof(e->msg), "%s", mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

/* Reads one NLMSG_ERROR (an ack or a failure) into e. */
static void parse_ack(const struct nlmsghdr *nlh, struct nl_err *e)
{
	const struct nlmsgerr *me = mnl_nlmsg_get_payload(nlh);

	memset(e, 0, sizeof(*e));
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*me))) {
		e->err = -EBADMSG;
		return;
	}
	e->err = me->error;
	e->seq = nlh->nlmsg_seq;
	if (me->error && (nlh->nlmsg_flags & NLM_F_ACK_TLVS)) {
		/* with NETLINK_CAP_ACK the request is not echoed */
		size_t off = sizeof(*me);

		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += me->msg.nlmsg_len - sizeof(struct nlmsghdr);
		mnl_attr_parse(nlh, (unsigned)off, ack_attr, e);
	}
}

/* Reads acks until none is pending. */
static int drain_acks(struct nl_batch *b)
{
	while (b->pending) {
		ssize_t n = mnl_socket_recvfrom(b->nl->sock, b->rbuf, sizeof(b->rbuf));
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)b->rbuf;
		int len = (int)n;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			struct nl_err e;

			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			parse_ack(nlh, &e);
			if (b->pending)
				b->pending--;
			if (e.err && !b->err) {
				b->err = e.err;
				b->first = e;
			}
		}
	}
	return 0;
}

static int flush(struct nl_batch *b)
{
	size_t size = mnl_nlmsg_batch_size(b->b);
	int r;

	if (!size)
		return 0;
	if (mnl_socket_sendto(b->nl->sock, mnl_nlmsg_batch_head(b->b), size) < 0)
		return -errno;
	b->pending += b->queued;
	b->queued = 0;
	r = drain_acks(b);
	return r;
}

int nl_batch_begin(struct nl *nl, struct nl_batch **out)
{
	struct nl_batch *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->nl = nl;
	b->b = mnl_nlmsg_batch_start(b->buf, BATCH_BYTES);
	if (!b->b) {
		free(b);
		return -ENOMEM;
	}
	*out = b;
	return 0;
}

void *nl_batch_next(struct nl_batch *b, uint32_t *seq)
{
	*seq = ++b->nl->seq;
	return mnl_nlmsg_batch_current(b->b);
}

int nl_batch_add(struct nl_batch *b)
{
	int r = 0;

	if (!mnl_nlmsg_batch_next(b->b)) {
		/* full: this message does not fit and goes with the next send */
		r = flush(b);
		mnl_nlmsg_batch_reset(b->b);
		b->queued = 1;
		return r;
	}
	if (++b->queued >= BATCH_MSGS) {
		r = flush(b);
		mnl_nlmsg_batch_reset(b->b);
	}
	return r;
}

int nl_batch_end(struct nl_batch *b, struct nl_err *err)
{
	int r = flush(b);

	if (!r)
		r = b->err;
	if (err) {
		*err = b->first;
		if (r && !err->err)
			err->err = r;
	}
	mnl_nlmsg_batch_stop(b->b);
	free(b);
	return r;
}

struct stats_ctx {
	struct rtnl_link_stats64 *st;
	int found;
};

static int stats_attr(const struct nlattr *attr, void *data)
{
	struct stats_ctx *c = data;

	if (mnl_attr_get_type(attr) == IFLA_STATS64 &&
	    mnl_attr_get_payload_len(attr) >= sizeof(*c->st)) {
		memcpy(c->st, mnl_attr_get_payload(attr), sizeof(*c->st));
		c->found = 1;
	}
	return MNL_CB_OK;
}

int nl_link_stats(struct nl *nl, int ifindex, struct rtnl_link_stats64 *st, struct nl_err *err)
{
	char buf[RECV_BYTES];
	struct stats_ctx c = { .st = st };
	uint32_t seq = ++nl->seq;
	ssize_t n;

	if (err)
		memset(err, 0, sizeof(*err));
	nl_msg_link_get(buf, seq, ifindex);
	if (mnl_socket_sendto(nl->sock, buf, ((struct nlmsghdr *)buf)->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int len;

		n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		len = (int)n;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				struct nl_err e;

				parse_ack(nlh, &e);
				if (err)
					*err = e;
				return e.err ? e.err : -ENODATA;
			}
			if (nlh->nlmsg_type == RTM_NEWLINK) {
				mnl_attr_parse(nlh, sizeof(struct ifinfomsg), stats_attr, &c);
				return c.found ? 0 : -ENODATA;
			}
		}
	}
}
