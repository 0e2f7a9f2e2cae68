/* SPDX-License-Identifier: MIT */
/* sampler.c - reading one namespace's socket figures from the kernel. */
#include "run/sampler.h"

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netns/netns.h"
#include "kernel/counters.h"

_Static_assert(KCOUNTERS_MAX >= 26, "room for every counter");

const char *sampler_state_name(int state)
{
	static const char *const names[ST_MAX] = {
		[ST_ESTABLISHED] = "ESTABLISHED",
		[ST_SYN_SENT] = "SYN_SENT",
		[ST_SYN_RECV] = "SYN_RECV",
		[ST_FIN_WAIT1] = "FIN_WAIT1",
		[ST_FIN_WAIT2] = "FIN_WAIT2",
		[ST_TIME_WAIT] = "TIME_WAIT",
		[ST_CLOSE] = "CLOSE",
		[ST_CLOSE_WAIT] = "CLOSE_WAIT",
		[ST_LAST_ACK] = "LAST_ACK",
		[ST_LISTEN] = "LISTEN",
		[ST_CLOSING] = "CLOSING",
	};
	return state > 0 && state < ST_MAX ? names[state] : "?";
}

int sampler_state_index(const char *name)
{
	for (int s = 1; s < ST_MAX; s++)
		if (sampler_state_name(s) && !strcmp(sampler_state_name(s), name))
			return s;
	return 0;
}

int sampler_parse_sockstat(const char *text, struct netns_sample *out)
{
	const char *p = strstr(text, "\nTCP: ");

	if (!strncmp(text, "TCP: ", 5))
		p = text;
	else if (p)
		p++;
	if (!p || sscanf(p, "TCP: inuse %lu orphan %lu tw %lu alloc %lu mem %lu",
			 (unsigned long *)&out->inuse, (unsigned long *)&out->orphan,
			 (unsigned long *)&out->tw, (unsigned long *)&out->alloc,
			 (unsigned long *)&out->mem_pages) != 5)
		return -EINVAL;
	return 0;
}

int sampler_parse_sockstat6(const char *text, uint64_t *inuse6)
{
	const char *p = strstr(text, "TCP6: inuse ");
	unsigned long v;

	if (!p || (p != text && p[-1] != '\n') || sscanf(p, "TCP6: inuse %lu", &v) != 1)
		return -EINVAL;
	*inuse6 = v;
	return 0;
}

int sampler_parse_table(const char *text, const char *prefix, const char *name, uint64_t *value)
{
	size_t plen = strlen(prefix), nlen = strlen(name);
	const char *line = text;

	while (line && *line) {
		const char *next = strchr(line, '\n');

		if (!strncmp(line, prefix, plen) && line[plen] == ':' && next) {
			/* the names line; the values line follows with the same prefix */
			const char *vals = next + 1;
			const char *n = line + plen + 1;
			unsigned idx = 0;

			if (strncmp(vals, prefix, plen) || vals[plen] != ':')
				return -EINVAL;
			for (;;) {
				while (*n == ' ')
					n++;
				if (*n == '\n' || !*n)
					return -ENOENT;
				if (!strncmp(n, name, nlen) && (n[nlen] == ' ' || n[nlen] == '\n'))
					break;
				while (*n && *n != ' ' && *n != '\n')
					n++;
				idx++;
			}
			vals += plen + 1;
			for (unsigned i = 0; i <= idx; i++) {
				char *end;
				long long v;

				while (*vals == ' ')
					vals++;
				v = strtoll(vals, &end, 10);
				if (end == vals)
					return -EINVAL;
				if (i == idx) {
					*value = (uint64_t)v; /* gauges never go below 0 here */
					return 0;
				}
				vals = end;
			}
		}
		line = next ? next + 1 : NULL;
	}
	return -ENOENT;
}

static int open_in(const char *path, int *fd)
{
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	return *fd < 0 ? -errno : 0;
}

int sampler_netns_open(struct sampler_netns *s, int netns_fd)
{
	int saved = -1, r, r2;

	memset(s, 0, sizeof(*s));
	s->fd_sockstat = s->fd_snmp = s->fd_netstat = s->fd_ct_count = s->fd_ct_stat = -1;
	s->fd_sockstat6 = -1;
	if (netns_fd >= 0) {
		r = netns_enter(netns_fd, &saved);
		if (r)
			return r;
	}
	r = open_in("/proc/thread-self/net/sockstat", &s->fd_sockstat);
	if (!r)
		r = open_in("/proc/thread-self/net/snmp", &s->fd_snmp);
	if (!r)
		r = open_in("/proc/thread-self/net/netstat", &s->fd_netstat);
	if (!r && open_in("/proc/thread-self/net/sockstat6", &s->fd_sockstat6))
		s->fd_sockstat6 = -1; /* a kernel without IPv6 */
	if (!r) {
		/* only where netfilter's connection tracking is loaded */
		if (open_in("/proc/sys/net/netfilter/nf_conntrack_count", &s->fd_ct_count))
			s->fd_ct_count = -1;
		if (open_in("/proc/thread-self/net/stat/nf_conntrack", &s->fd_ct_stat))
			s->fd_ct_stat = -1;
	}
	if (!r) {
		s->diag = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
		if (!s->diag || mnl_socket_bind(s->diag, 0, MNL_SOCKET_AUTOPID) < 0)
			r = -errno;
	}
	if (saved >= 0) {
		r2 = netns_leave(saved);
		if (!r)
			r = r2;
	}
	if (r)
		sampler_netns_close(s);
	return r;
}

void sampler_netns_close(struct sampler_netns *s)
{
	if (s->fd_sockstat >= 0)
		close(s->fd_sockstat);
	if (s->fd_sockstat6 >= 0)
		close(s->fd_sockstat6);
	if (s->fd_snmp >= 0)
		close(s->fd_snmp);
	if (s->fd_netstat >= 0)
		close(s->fd_netstat);
	if (s->fd_ct_count >= 0)
		close(s->fd_ct_count);
	if (s->fd_ct_stat >= 0)
		close(s->fd_ct_stat);
	if (s->diag)
		mnl_socket_close(s->diag);
	s->fd_sockstat = s->fd_snmp = s->fd_netstat = s->fd_ct_count = s->fd_ct_stat = -1;
	s->fd_sockstat6 = -1;
	s->diag = NULL;
}

static int pread_all(int fd, char *buf, size_t len)
{
	size_t off = 0;

	while (off < len - 1) {
		ssize_t n = pread(fd, buf + off, len - 1 - off, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		off += (size_t)n;
	}
	buf[off] = 0;
	return 0;
}

int sampler_read(struct sampler_netns *s, struct netns_sample *out)
{
	static char buf[16384];
	int r;

	r = pread_all(s->fd_sockstat, buf, sizeof(buf));
	if (!r)
		r = sampler_parse_sockstat(buf, out);
	if (r)
		return r;
	out->have_inuse6 = s->fd_sockstat6 >= 0 &&
			   pread_all(s->fd_sockstat6, buf, sizeof(buf)) == 0 &&
			   sampler_parse_sockstat6(buf, &out->inuse6) == 0;
	r = pread_all(s->fd_snmp, buf, sizeof(buf));
	if (r)
		return r;
	if (sampler_parse_table(buf, "Tcp", "CurrEstab", &out->curr_estab))
		return -EINVAL;
	for (size_t i = 0; i < kcounters_count; i++)
		if (sampler_parse_table(buf, "Tcp", kcounters[i], &out->counter[i]))
			out->counter[i] = 0; /* in the other file, or not on this kernel */
	r = pread_all(s->fd_netstat, buf, sizeof(buf));
	if (r)
		return r;
	for (size_t i = 0; i < kcounters_count; i++) {
		uint64_t v;

		if (sampler_parse_table(buf, "TcpExt", kcounters[i], &v) == 0)
			out->counter[i] = v;
	}
	out->have_conntrack = 0;
	if (s->fd_ct_count >= 0 && pread_all(s->fd_ct_count, buf, sizeof(buf)) == 0) {
		out->ct_count = strtoull(buf, NULL, 10);
		out->have_conntrack = 1;
	}
	if (s->fd_ct_stat >= 0 && pread_all(s->fd_ct_stat, buf, sizeof(buf)) == 0) {
		sampler_parse_ct_stat(buf, "drop", &out->ct_drop);
		sampler_parse_ct_stat(buf, "early_drop", &out->ct_early_drop);
		sampler_parse_ct_stat(buf, "insert_failed", &out->ct_insert_failed);
	}
	return 0;
}

/* addr (an IPv4 address, or IPv6's 16 bytes) and port (network order)
 * are the service's */
static int is_service(const struct sampler_netns *s, uint8_t family, const uint32_t *addr,
		      uint16_t port)
{
	if (family != (s->service6 ? AF_INET6 : AF_INET) ||
	    (s->service6 ? memcmp(addr, s->service_addr6.b, 16) != 0
			 : ntohl(addr[0]) != s->service_addr))
		return 0;
	for (unsigned i = 0; i < s->service_nports; i++)
		if (s->service_ports[i] == ntohs(port))
			return 1;
	return 0;
}

static int dump_family(struct sampler_netns *s, uint8_t family, uint32_t mask,
		       struct netns_sample *out)
{
	static char buf[32768];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct inet_diag_req_v2 *req;
	uint32_t portid = mnl_socket_get_portid(s->diag), seq = ++s->seq;

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = family;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_states = mask;
	if (mnl_socket_sendto(s->diag, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(s->diag, buf, sizeof(buf));
		const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
		int len = (int)n;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		for (; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
			const struct inet_diag_msg *m;

			if (h->nlmsg_seq != seq || h->nlmsg_pid != portid)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR)
				return -EPROTO;
			m = mnl_nlmsg_get_payload(h);
			if (m->idiag_state < ST_MAX) {
				out->state[m->idiag_state]++;
				if (family == AF_INET6)
					out->state6[m->idiag_state]++;
			}
			if (m->idiag_state == ST_LISTEN) {
				out->accept_queue += m->idiag_rqueue;
				out->accept_queue_max += m->idiag_wqueue;
			}
			if ((s->service_addr || s->service6) && m->idiag_state < ST_MAX &&
			    (is_service(s, family, m->id.idiag_dst, m->id.idiag_dport) ||
			     is_service(s, family, m->id.idiag_src, m->id.idiag_sport)))
				out->service_state[m->idiag_state]++;
		}
	}
}

int sampler_dump_states(struct sampler_netns *s, uint32_t mask, struct netns_sample *out)
{
	int r;

	memset(out->state, 0, sizeof(out->state));
	memset(out->state6, 0, sizeof(out->state6));
	memset(out->service_state, 0, sizeof(out->service_state));
	out->accept_queue = out->accept_queue_max = 0;
	r = dump_family(s, AF_INET, mask, out);
	if (!r && s->ipv6)
		r = dump_family(s, AF_INET6, mask, out);
	if (!r)
		out->have_states = 1;
	return r;
}

int sampler_parse_ct_stat(const char *text, const char *name, uint64_t *sum)
{
	const char *nl = strchr(text, '\n'), *p = text;
	size_t nlen = strlen(name);
	int col = -1, idx = 0;

	*sum = 0;
	if (!nl)
		return -EINVAL;
	while (p < nl) { /* find the column */
		while (*p == ' ')
			p++;
		if (!strncmp(p, name, nlen) && (p[nlen] == ' ' || p + nlen == nl)) {
			col = idx;
			break;
		}
		while (p < nl && *p != ' ')
			p++;
		idx++;
	}
	if (col < 0)
		return -ENOENT;
	for (p = nl + 1; *p;) {
		for (int i = 0; i <= col; i++) {
			char *end;
			unsigned long long v = strtoull(p, &end, 16);

			if (end == p)
				return 0;
			if (i == col)
				*sum += v;
			p = end;
		}
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	return 0;
}
