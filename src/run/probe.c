/* SPDX-License-Identifier: MIT */
/* probe.c - ping and TCP connect probes from the probe namespace. */
#include "run/probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "netns/netns.h"
#include "util/clock.h"

#define PING_SLOTS 64
#define PING_TIMEOUT_NS 1000000000ULL
#define CONNECT_TIMEOUT_S 3

struct probe {
	struct event_base *base;
	int netns_fd;
	int family; /* AF_INET or AF_INET6 */
	struct sockaddr_storage dst;
	socklen_t dstlen;
	probe_cb cb;
	void *arg;
	int ping_fd;
	struct event *ping_read, *ping_timer, *connect_timer;
	uint16_t seq;
	uint64_t sent_ns[PING_SLOTS]; /* by seq % PING_SLOTS; 0: none pending */
	uint16_t sent_seq[PING_SLOTS];
	int conn_fd;
	struct event *conn_ev;
	uint64_t conn_t0;
};

/* socket() inside the probe namespace */
static int socket_in(int netns_fd, int family, int type, int proto)
{
	int saved, fd, r;

	if (netns_fd < 0) {
		fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
		return fd < 0 ? -errno : fd;
	}
	r = netns_enter(netns_fd, &saved);
	if (r)
		return r;
	fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	r = fd < 0 ? -errno : fd;
	if (netns_leave(saved) && fd >= 0) {
		close(fd);
		r = -EIO;
	}
	return r;
}

static void expire_pings(struct probe *p, uint64_t now)
{
	for (unsigned i = 0; i < PING_SLOTS; i++) {
		if (p->sent_ns[i] && now - p->sent_ns[i] > PING_TIMEOUT_NS) {
			p->sent_ns[i] = 0;
			p->cb(p->arg, 1, -1, ETIMEDOUT);
		}
	}
}

static void on_ping_timer(evutil_socket_t fd, short what, void *arg)
{
	struct probe *p = arg;
	/* an ICMP or ICMPv6 echo request: type, code, checksum (the kernel's),
	 * id (the kernel's, for ping sockets), sequence */
	struct icmphdr h = { .type = p->family == AF_INET6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO };
	uint64_t now = clock_now_ns();
	unsigned slot;

	(void)fd;
	(void)what;
	expire_pings(p, now);
	h.un.echo.sequence = htons(++p->seq);
	slot = p->seq % PING_SLOTS;
	if (p->sent_ns[slot]) { /* still unanswered after 64 intervals: lost */
		p->sent_ns[slot] = 0;
		p->cb(p->arg, 1, -1, ETIMEDOUT);
	}
	if (sendto(p->ping_fd, &h, sizeof(h), 0, (struct sockaddr *)&p->dst, p->dstlen) < 0) {
		p->cb(p->arg, 1, -1, errno);
		return;
	}
	p->sent_ns[slot] = now;
	p->sent_seq[slot] = p->seq;
}

static void on_ping_read(evutil_socket_t fd, short what, void *arg)
{
	struct probe *p = arg;
	struct icmphdr h;
	uint64_t now = clock_now_ns();

	(void)what;
	while (recv(fd, &h, sizeof(h), 0) >= (ssize_t)sizeof(h)) {
		uint16_t seq = ntohs(h.un.echo.sequence);
		unsigned slot = seq % PING_SLOTS;

		if (h.type != (p->family == AF_INET6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY) ||
		    !p->sent_ns[slot] || p->sent_seq[slot] != seq)
			continue;
		p->cb(p->arg, 1, (int64_t)((now - p->sent_ns[slot]) / 1000), 0);
		p->sent_ns[slot] = 0;
	}
}

static void conn_done(struct probe *p, int64_t us, int err)
{
	event_free(p->conn_ev);
	p->conn_ev = NULL;
	close(p->conn_fd);
	p->conn_fd = -1;
	p->cb(p->arg, 0, us, err);
}

static void on_conn(evutil_socket_t fd, short what, void *arg)
{
	struct probe *p = arg;
	int err = 0;
	socklen_t len = sizeof(err);

	if (what & EV_TIMEOUT)
		err = ETIMEDOUT;
	else if (getsockopt((int)fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	conn_done(p, err ? -1 : (int64_t)((clock_now_ns() - p->conn_t0) / 1000), err);
}

static void on_connect_timer(evutil_socket_t fd, short what, void *arg)
{
	struct probe *p = arg;
	struct timeval tv = { .tv_sec = CONNECT_TIMEOUT_S };
	int s;

	(void)fd;
	(void)what;
	if (p->conn_fd >= 0)
		return; /* the last one is still trying */
	s = socket_in(p->netns_fd, p->family, SOCK_STREAM, 0);
	if (s < 0) {
		p->cb(p->arg, 0, -1, -s);
		return;
	}
	p->conn_fd = s;
	p->conn_t0 = clock_now_ns();
	p->conn_ev = event_new(p->base, s, EV_WRITE, on_conn, p);
	if (connect(s, (struct sockaddr *)&p->dst, p->dstlen) && errno != EINPROGRESS) {
		conn_done(p, -1, errno);
		return;
	}
	event_add(p->conn_ev, &tv);
}

int probe_start(struct event_base *base, int netns_fd, uint32_t target, const struct addr6 *target6,
		uint16_t port, uint64_t ping_us, uint64_t connect_us, probe_cb cb, void *arg,
		struct probe **out)
{
	struct probe *p = calloc(1, sizeof(*p));
	struct timeval tv;
	int r;

	if (!p)
		return -ENOMEM;
	p->base = base;
	p->netns_fd = netns_fd;
	p->cb = cb;
	p->arg = arg;
	p->ping_fd = p->conn_fd = -1;
	if (target6) {
		struct sockaddr_in6 *d = (struct sockaddr_in6 *)&p->dst;

		d->sin6_family = AF_INET6;
		d->sin6_port = htons(port);
		memcpy(&d->sin6_addr, target6->b, 16);
		p->dstlen = sizeof(*d);
	} else {
		struct sockaddr_in *d = (struct sockaddr_in *)&p->dst;

		d->sin_family = AF_INET;
		d->sin_port = htons(port);
		d->sin_addr.s_addr = htonl(target);
		p->dstlen = sizeof(*d);
	}
	p->family = p->dst.ss_family;
	if (ping_us) {
		/* datagram ping sockets need the group in ping_group_range of
		 * the probe namespace: ours, so open it to all */
		/* in the caller's own namespace (connlab fleet's host), no
		 * sysctl is changed: the socket works or says why not */
		r = netns_fd < 0 ? 0
				 : netns_sysctl_write(netns_fd, "net.ipv4.ping_group_range",
						      "0 2147483647");
		if (r == -EINVAL) {
			/* in a user namespace only mapped groups may be named: ours */
			char g[32];

			snprintf(g, sizeof(g), "%u %u", (unsigned)getgid(), (unsigned)getgid());
			r = netns_sysctl_write(netns_fd, "net.ipv4.ping_group_range", g);
		}
		/* ping sockets of both families answer to the one ping_group_range */
		r = r ? r
		      : socket_in(netns_fd, p->family, SOCK_DGRAM,
				  p->family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
		if (r < 0) {
			free(p);
			return r;
		}
		p->ping_fd = r;
		p->ping_read = event_new(base, p->ping_fd, EV_READ | EV_PERSIST, on_ping_read, p);
		p->ping_timer = event_new(base, -1, EV_PERSIST, on_ping_timer, p);
		event_add(p->ping_read, NULL);
		tv = clock_tv(ping_us);
		event_add(p->ping_timer, &tv);
	}
	if (connect_us) {
		p->connect_timer = event_new(base, -1, EV_PERSIST, on_connect_timer, p);
		tv = clock_tv(connect_us);
		event_add(p->connect_timer, &tv);
	}
	*out = p;
	return 0;
}

void probe_stop(struct probe *p)
{
	if (!p)
		return;
	if (p->ping_read)
		event_free(p->ping_read);
	if (p->ping_timer)
		event_free(p->ping_timer);
	if (p->connect_timer)
		event_free(p->connect_timer);
	if (p->conn_ev)
		event_free(p->conn_ev);
	if (p->conn_fd >= 0)
		close(p->conn_fd);
	if (p->ping_fd >= 0)
		close(p->ping_fd);
	free(p);
}
