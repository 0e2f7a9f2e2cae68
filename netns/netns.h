/* SPDX-License-Identifier: MIT */
/* netns.h - a small library on libmnl for building sealed network labs:
 * anonymous network namespaces held by file descriptor, veth pairs created
 * with each end directly in its namespace, links, addresses and routes in
 * batches of netlink messages with every acknowledgement checked, link
 * statistics, per-namespace sysctls, and naming namespaces under
 * /run/netns like `ip netns add`.
 *
 * It knows nothing of labs. It never prints. Every function returns 0 or
 * -errno; where the kernel explains an error (netlink extended ack), the
 * text lands in the caller's struct nl_err. */
#ifndef CONNLAB_NETNS_H
#define CONNLAB_NETNS_H

#include <linux/if_link.h>
#include <stddef.h>
#include <stdint.h>

#define WUR __attribute__((warn_unused_result))

struct nl_err {
	int err;       /* -errno of the first failure, 0 if none */
	uint32_t seq;  /* the failing message's sequence number, 0 if none */
	char msg[256]; /* the kernel's extended ack text, or "" */
};

/* ---- namespaces (ns.c) ---- */

/* Creates a new network namespace and returns a descriptor holding it
 * (O_CLOEXEC). The calling thread stays in its namespace. A namespace is
 * freed when its last descriptor, process and bind mount are gone. */
WUR int netns_new(int *fd);

/* Moves the calling thread into the namespace of fd; *saved (if not NULL)
 * receives a descriptor of the namespace it left, for netns_leave. */
WUR int netns_enter(int fd, int *saved);

/* Returns to the namespace saved by netns_enter and closes saved. */
WUR int netns_leave(int saved);

/* Where /proc/sys is mounted read-only (Docker and other container engines
 * do that), moves the process into a mount namespace of its own in which
 * /proc/sys is read-write, so sysctls of namespaces it creates can be set;
 * names (netns_name) are still made in the mount namespace it started in.
 * Call before any thread is created. 0 (also when nothing was needed), or
 * -errno: EPERM without CAP_SYS_ADMIN, EACCES where a security module
 * (AppArmor, SELinux) forbids the remount. */
WUR int netns_sysctl_writable(void);

/* Moves the process into a new user namespace in which its own uid and
 * gid are 0 (root there, with every capability over the namespaces it
 * creates from then on; nothing of the host). Call before any thread is
 * created. 0, or -errno: EPERM or ENOSPC where user namespaces are off
 * (user.max_user_namespaces, kernel.unprivileged_userns_clone). */
WUR int netns_userns_enter(void);

/* Writes a sysctl ("net.ipv4.tcp_tw_reuse") inside the namespace of fd
 * (fd < 0: the calling thread's namespace).
 * -ENOENT: not there (not per namespace, or unknown to this kernel);
 * -EACCES/-EPERM: read-only inside a namespace; -EINVAL: value refused. */
WUR int netns_sysctl_write(int fd, const char *name, const char *value);
WUR int netns_sysctl_read(int fd, const char *name, char *value, size_t len);

/* Names the namespace of fd: a bind mount at /run/netns/NAME, made the way
 * `ip netns add` does (with /run/netns a shared mount). -EEXIST when the
 * name is taken. */
WUR int netns_name(int fd, const char *name);

/* Removes a name (lazy unmount, then unlink). -ENOENT when there is none. */
WUR int netns_unname(const char *name);

/* Opens a named namespace. */
WUR int netns_open_named(const char *name, int *fd);

/* Calls fn for every name under /run/netns that starts with prefix, in
 * sorted order. Stops at the first non-zero return and returns it. */
int netns_list(const char *prefix, int (*fn)(const char *name, void *arg), void *arg);

/* The inode number identifying the namespace of fd. */
WUR int netns_inode(int fd, uint64_t *ino);

/* ---- rtnetlink (nl.c) ---- */

struct nl;

/* Opens an rtnetlink socket inside the namespace of ns_fd (-1: the
 * caller's), with NETLINK_CAP_ACK and NETLINK_EXT_ACK. The socket stays
 * bound to that namespace. */
WUR int nl_open(int ns_fd, struct nl **out);
void nl_close(struct nl *nl);

/* A batch of requests: messages are added with the nl_msg_* builders
 * (each with NLM_F_ACK and its own sequence number), sent when the buffer
 * is full and at nl_batch_end, and every acknowledgement is read. The first
 * failure is kept in err; later messages of the same send still run. */
struct nl_batch;

WUR int nl_batch_begin(struct nl *nl, struct nl_batch **out);
/* Where to build the next message, and the sequence number to give it. */
void *nl_batch_next(struct nl_batch *b, uint32_t *seq);
/* Commits the message built at the pointer nl_batch_next returned. */
WUR int nl_batch_add(struct nl_batch *b);
/* Sends what is left, reads all acknowledgements, frees the batch. */
WUR int nl_batch_end(struct nl_batch *b, struct nl_err *err);

/* Reads the 64-bit statistics of a link. */
WUR int nl_link_stats(struct nl *nl, int ifindex, struct rtnl_link_stats64 *st, struct nl_err *err);

/* ---- message builders (msg.c): pure, write one message at buf ---- */

#define NL_MSG_MAX 512 /* the largest message a builder writes */

/* A veth pair: name (ifindex, 0 for any) in the namespace of the socket,
 * or of ns_fd when ns_fd >= 0; peer in peer_ns_fd. */
void nl_msg_veth(void *buf, uint32_t seq, const char *name, int ifindex, int ns_fd,
		 const char *peer, int peer_ifindex, int peer_ns_fd);
/* Sets a link up or down, and its MTU when mtu > 0. */
void nl_msg_link_set(void *buf, uint32_t seq, int ifindex, int up, unsigned mtu);
/* Adds an IPv4 address (host byte order) with a prefix length. */
void nl_msg_addr(void *buf, uint32_t seq, int ifindex, uint32_t addr, unsigned prefixlen);
/* Adds an IPv4 route to dst/len through gw (0: none) on ifindex.
 * type: RTN_UNICAST or RTN_LOCAL (every address in dst/len is local). */
void nl_msg_route(void *buf, uint32_t seq, uint32_t dst, unsigned len, uint32_t gw, int ifindex,
		  unsigned type);
/* Adds an IPv6 address (16 bytes, network order) with a prefix length,
 * without duplicate address detection (IFA_F_NODAD: usable at once) and,
 * when noprefixroute, without the prefix route the kernel would add. */
void nl_msg_addr6(void *buf, uint32_t seq, int ifindex, const uint8_t addr[16], unsigned prefixlen,
		  int noprefixroute);
/* Adds an IPv6 route to dst/len through gw (NULL: none) on ifindex; type
 * RTN_UNICAST or RTN_LOCAL. */
void nl_msg_route6(void *buf, uint32_t seq, const uint8_t dst[16], unsigned len, const uint8_t *gw,
		   int ifindex, unsigned type);
/* Asks for one link (RTM_GETLINK). */
void nl_msg_link_get(void *buf, uint32_t seq, int ifindex);

#endif
