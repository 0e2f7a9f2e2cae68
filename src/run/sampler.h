/* SPDX-License-Identifier: MIT */
/* sampler.h - what the kernel says about one lab namespace: socket totals
 * (/proc/net/sockstat), counters (/proc/net/snmp, /proc/net/netstat), and
 * sockets by state and listener queues (sock_diag). The /proc files are
 * opened once inside the namespace and re-read in place, so a sample costs
 * three preads whatever the number of sockets; sock_diag dumps walk the
 * namespace's whole TCP hash and are run on their own, slower schedule. */
#ifndef CONNLAB_SAMPLER_H
#define CONNLAB_SAMPLER_H

#include <stddef.h>
#include <stdint.h>

#include "lab/metrics.h"
#include "util/compiler.h"
#include "util/units.h"

#define KCOUNTERS_MAX 32

/* TCP states as the kernel numbers them (include/net/tcp_states.h). */
enum tcp_state_idx {
	ST_ESTABLISHED = 1,
	ST_SYN_SENT,
	ST_SYN_RECV,
	ST_FIN_WAIT1,
	ST_FIN_WAIT2,
	ST_TIME_WAIT,
	ST_CLOSE,
	ST_CLOSE_WAIT,
	ST_LAST_ACK,
	ST_LISTEN,
	ST_CLOSING,
	ST_MAX
};

struct netns_sample {
	/* sockstat */
	uint64_t inuse, orphan, tw, alloc, mem_pages;
	/* sockstat6: IPv6 TCP sockets in use (sockstat's inuse is IPv4's
	 * only; tw, orphan, alloc and mem count both families) */
	int have_inuse6;
	uint64_t inuse6;
	/* snmp Tcp: CurrEstab, a gauge */
	uint64_t curr_estab;
	/* the counters of kcounters, in that order (monotonic) */
	uint64_t counter[KCOUNTERS_MAX];
	/* sock_diag, when dumped: sockets per state, listeners' queues */
	int have_states;
	uint64_t state[ST_MAX];	 /* both families, when dumped */
	uint64_t state6[ST_MAX]; /* of them, IPv6 (with ipv6 set) */
	uint64_t accept_queue, accept_queue_max;
	/* sockets of the service (sampler_netns.service_addr), by state */
	uint64_t service_state[ST_MAX];
	/* netfilter connection tracking, where the kernel has it */
	int have_conntrack;
	uint64_t ct_count, ct_drop, ct_early_drop, ct_insert_failed;
};

struct sampler_netns {
	int fd_sockstat, fd_snmp, fd_netstat;
	int fd_sockstat6;	     /* -1 without IPv6 */
	int fd_ct_count, fd_ct_stat; /* -1 without conntrack */
	struct mnl_socket *diag;
	uint32_t seq;
	/* when set, dumps also count the sockets whose peer or own address
	 * and port are the service's (in host order; ports: service_ports) */
	int ipv6; /* dumps ask for IPv6 sockets too (a second walk) */
	uint32_t service_addr;
	int service6; /* the service is IPv6: service_addr6 */
	struct addr6 service_addr6;
	const uint16_t *service_ports;
	unsigned service_nports;
};

/* Opens the sources inside the namespace of netns_fd (-1: the caller's). */
WUR int sampler_netns_open(struct sampler_netns *s, int netns_fd);
void sampler_netns_close(struct sampler_netns *s);

/* The constant-time part: sockstat, snmp, netstat. */
WUR int sampler_read(struct sampler_netns *s, struct netns_sample *out);

/* A sock_diag dump of the states in mask (1 << state): counts per state,
 * and for LISTEN the sum of accept queues and of their limits. */
WUR int sampler_dump_states(struct sampler_netns *s, uint32_t mask, struct netns_sample *out);

/* Parsers, for tests: return 0 or -EINVAL. */
int sampler_parse_sockstat(const char *text, struct netns_sample *out);
/* /proc/net/sockstat6: the TCP6 line's inuse. */
int sampler_parse_sockstat6(const char *text, uint64_t *inuse6);
/* "Prefix: name1 name2\nPrefix: v1 v2" pairs: the value of prefix:name. */
int sampler_parse_table(const char *text, const char *prefix, const char *name, uint64_t *value);

const char *sampler_state_name(int state);
/* The index of a state by the kernel's name ("TIME_WAIT"), or 0. */
int sampler_state_index(const char *name);

/* /proc/net/stat/nf_conntrack: a header of names, then one line of hex
 * values per CPU; the sum over CPUs of column name. */
int sampler_parse_ct_stat(const char *text, const char *name, uint64_t *sum);

#endif
