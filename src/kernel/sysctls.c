/* SPDX-License-Identifier: MIT */
/* sysctls.c - the table of sysctls connection-scale tuning touches,
 * checked on Linux 6.18 (tests/run/test_doctor.sh checks every scope
 * against the running kernel in a fresh namespace), with the risky values
 * and notes of some, and the relations between them; knowledge.c looks
 * them up. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/knowledge.h"
#include "util/compiler.h"

static int num_of(const char *v, long long *out)
{
	char *end;

	*out = strtoll(v, &end, 10);
	while (*end == ' ' || *end == '\t')
		end++;
	return end != v && !*end;
}

static int risky_zero(const char *v, long long bad, const char *why, char *buf, size_t len)
{
	long long n;

	if (!num_of(v, &n) || n != bad)
		return 0;
	snprintf(buf, len, "%s", why);
	return 1;
}

static int risky_syncookies(const char *v, char *buf, size_t len)
{
	return risky_zero(
		v, 0,
		"0 takes away the SYN-flood protection: when a listener's SYN queue is full its SYNs are dropped instead of answered with a cookie, so a burst of connects (or an attack) turns into connect timeouts",
		buf, len);
}

static int risky_tw_buckets(const char *v, char *buf, size_t len)
{
	long long n;

	if (!num_of(v, &n) || n >= 10000)
		return 0;
	snprintf(
		buf, len,
		"%lld is small: past it a closing socket skips TIME_WAIT and is destroyed at once (\"time wait bucket table overflow\"), so a late segment of an old connection can land in a new one on the same ports",
		n);
	return 1;
}

static int risky_timestamps(const char *v, char *buf, size_t len)
{
	return risky_zero(
		v, 0,
		"0 turns off TCP timestamps: no protection against wrapped sequence numbers (PAWS), coarser RTT estimates, and tcp_tw_reuse no longer reuses TIME_WAIT ports (it needs the timestamps)",
		buf, len);
}

static int risky_sack(const char *v, char *buf, size_t len)
{
	return risky_zero(
		v, 0,
		"0 turns off selective acknowledgements: after a loss TCP repairs one segment per round trip",
		buf, len);
}

static int risky_wscale(const char *v, char *buf, size_t len)
{
	return risky_zero(
		v, 0,
		"0 caps every TCP window at 64 KB: one connection then moves at most 64 KB per round trip",
		buf, len);
}

static int risky_abort_overflow(const char *v, char *buf, size_t len)
{
	return risky_zero(
		v, 1,
		"1 resets a connection whose handshake finds the accept queue full, instead of dropping the ACK so the client retries: a short burst becomes \"connection reset\" errors",
		buf, len);
}

/* seconds until a connection gives up after n retransmissions, with the
 * RTO doubling from 200 ms up to 120 s */
static double give_up_s(long long n, double first)
{
	double t = 0, rto = first;

	for (long long i = 0; i <= n; i++) {
		t += rto;
		rto = rto * 2 > 120 ? 120 : rto * 2;
	}
	return t;
}

static int risky_retries2(const char *v, char *buf, size_t len)
{
	long long n;

	if (!num_of(v, &n) || n >= 5)
		return 0;
	snprintf(
		buf, len,
		"%lld drops an established connection after about %.1f s without an acknowledgement (at the smallest retransmission timeout): a short outage or a busy peer ends connections",
		n, give_up_s(n, 0.2));
	return 1;
}

static int risky_syn_retries(const char *v, char *buf, size_t len)
{
	long long n;

	if (!num_of(v, &n) || n >= 3)
		return 0;
	snprintf(
		buf, len,
		"%lld makes connect() give up after about %.0f s of dropped SYNs: a burst that overflows the server's SYN queue becomes ETIMEDOUT errors instead of a delay",
		n, give_up_s(n, 1.0));
	return 1;
}

static int risky_synack_retries(const char *v, char *buf, size_t len)
{
	long long n;

	if (!num_of(v, &n) || n >= 2)
		return 0;
	snprintf(
		buf, len,
		"%lld gives up on a handshake whose final ACK is lost after %.0f s: clients think they are connected and the server has forgotten them",
		n, give_up_s(n, 1.0));
	return 1;
}

/* The kernel prefers ends of different parity: it splits the range into
 * odd and even ports for connect() and bind(). */
static void note_port_parity(const char *v, char *buf, size_t len)
{
	unsigned lo, hi;

	buf[0] = 0;
	if (sscanf(v, "%u %u", &lo, &hi) == 2 && lo % 2 == hi % 2)
		snprintf(
			buf, len,
			" The kernel prefers ends of different parity (%u %u, it logs \"prefer different parity for start/end values\"): it splits the range into odd and even ports for connect() and bind().",
			lo, hi + 1 <= 65535 ? hi + 1 : hi - 1);
}

static int risky_port_range(const char *v, char *buf, size_t len)
{
	long long lo, hi;

	if (sscanf(v, "%lld %lld", &lo, &hi) != 2 || lo >= 1024)
		return 0;
	snprintf(
		buf, len,
		"the range starts at %lld, below 1024: connect() then takes well-known ports that a local server may need to listen on",
		lo);
	return 1;
}

/* clang-format off */
/* rows name the fields up to risky; note and the rest only where given */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
const struct ksysctl ksysctls[] = {
	/* files */
	{ "fs.file-max", KSCOPE_GLOBAL, KU_NUM, NULL, NULL, NULL,
	  "the most open files of the whole host, all processes together (fs.file-nr shows how many are open)",
	  "every connection is a file at each end it has on the host: two per connection with both ends on one machine",
	  KN_SCALE, NULL, NULL, NULL },
	{ "fs.nr_open", KSCOPE_GLOBAL, KU_NUM, NULL, NULL, "1048576",
	  "the highest open-file limit (RLIMIT_NOFILE) a process may be given: ulimit -Hn, limits.conf nofile and systemd's LimitNOFILE= stop there",
	  "it caps how many connections one process can hold; connlab spreads a lab over more processes when the limit is low",
	  KN_SCALE, NULL, NULL, NULL },
	{ "fs.file-nr", KSCOPE_READONLY, KU_NUM3, NULL, NULL, NULL,
	  "open files now: allocated, unused, and the maximum (fs.file-max)",
	  "doctor compares it with fs.file-max", KN_NEVER, NULL, NULL, NULL },
	{ "fs.epoll.max_user_watches", KSCOPE_GLOBAL, KU_NUM, NULL, NULL, NULL,
	  "the most file descriptors one user may register with epoll, in all its processes together (about 4% of low memory, divided by the cost of one)",
	  "connlab's server and flood watch both ends of every connection as one user: two watches per connection",
	  KN_SCALE, NULL, NULL, NULL },

	/* net.core */
	{ "net.core.somaxconn", KSCOPE_NETNS, KU_NUM, NULL, NULL, "4096",
	  "caps the backlog a program gives listen(), and so each listener's accept queue (128 before Linux 5.4)",
	  "a server that accepts a burst of connects needs a long queue; every connlab lab sets 65535 in its namespaces",
	  KN_BURST, NULL, NULL, NULL },
	{ "net.core.netdev_max_backlog", KSCOPE_HOST, KU_NUM, NULL, NULL, "1000",
	  "packets queued per CPU when they arrive faster than the kernel handles them, veth pairs included",
	  "bursts of SYNs and ACKs over the lab's veth links: drops show as link drops in the run",
	  KN_BURST, NULL, NULL, NULL },
	{ "net.core.rmem_default", KSCOPE_NETNS_RO, KU_BYTES, NULL, NULL, "212992",
	  "the receive buffer of a new non-TCP socket (UDP, ICMP, netlink); TCP sizes its own with net.ipv4.tcp_rmem",
	  "TCP connections never use it", KN_NEVER, NULL, NULL, NULL },
	{ "net.core.rmem_max", KSCOPE_NETNS_RO, KU_BYTES, NULL, NULL, "212992",
	  "the most a program may ask for with SO_RCVBUF; TCP's own autotuning is capped by net.ipv4.tcp_rmem, not by this",
	  "only programs that set SO_RCVBUF meet it; connlab's engines do not", KN_NEVER, NULL, NULL,
	  NULL },
	{ "net.core.wmem_default", KSCOPE_NETNS_RO, KU_BYTES, NULL, NULL, "212992",
	  "the send buffer of a new non-TCP socket; TCP sizes its own with net.ipv4.tcp_wmem",
	  "TCP connections never use it", KN_NEVER, NULL, NULL, NULL },
	{ "net.core.wmem_max", KSCOPE_NETNS_RO, KU_BYTES, NULL, NULL, "212992",
	  "the most a program may ask for with SO_SNDBUF; TCP's autotuning is capped by net.ipv4.tcp_wmem",
	  "only programs that set SO_SNDBUF meet it; connlab's engines do not", KN_NEVER, NULL, NULL,
	  NULL },
	{ "net.core.optmem_max", KSCOPE_NETNS, KU_BYTES, NULL, NULL, "131072",
	  "ancillary memory per socket (socket filters, zero-copy notifications)",
	  "plain TCP connections never come near it", KN_NEVER, NULL, NULL, NULL },
	{ "net.core.netdev_budget", KSCOPE_HOST, KU_NUM, NULL, NULL, "300",
	  "packets one softirq round handles before it yields the CPU",
	  "a larger budget drains bursts sooner at the cost of latency for other work",
	  KN_BURST, NULL, NULL, NULL },
	{ "net.core.default_qdisc", KSCOPE_HOST, KU_NAME, NULL, NULL, "pfifo_fast",
	  "the queueing discipline new network devices get",
	  "veth pairs send without a queue (noqueue), so the lab's links never use it",
	  KN_NEVER, NULL, NULL, NULL },
	{ "net.core.busy_poll", KSCOPE_HOST, KU_US, NULL, NULL, "0",
	  "microseconds poll() and select() spin on a device queue before they sleep",
	  "it trades CPU for latency on real NICs; veth pairs have no queue to spin on",
	  KN_NEVER, NULL, NULL, NULL },

	/* handshakes and queues */
	{ "net.ipv4.tcp_max_syn_backlog", KSCOPE_NETNS, KU_NUM, NULL, NULL, NULL,
	  "the most half-open connections (SYN_RECV) a listener keeps while syncookies are off; with syncookies on, the listener's own queue, min(backlog, somaxconn), decides",
	  "bursts of connects: every connlab lab sets 65535 in its namespaces", KN_BURST, NULL, NULL,
	  NULL },
	{ "net.ipv4.tcp_syncookies", KSCOPE_NETNS, KU_MODE, NULL, NULL, "1",
	  "answers SYNs with a cookie and keeps no state when a listener's SYN queue is full (1: then, 2: always, 0: never)",
	  "a burst larger than the SYN queue is answered with cookies instead of being dropped",
	  KN_BURST, NULL, NULL, risky_syncookies },
	{ "net.ipv4.tcp_syn_retries", KSCOPE_NETNS, KU_NUM, NULL, NULL, "6",
	  "how often connect() resends its SYN before it fails: after 1 s, 3 s, 7 s and so on, about 127 s in all for 6",
	  "a dropped SYN costs a whole second: connect times jump by seconds, not milliseconds",
	  KN_BURST, NULL, NULL, risky_syn_retries },
	{ "net.ipv4.tcp_synack_retries", KSCOPE_NETNS, KU_NUM, NULL, NULL, "5",
	  "how often the server resends its SYN-ACK when the client's final ACK does not come",
	  "the final ACKs dropped at a full accept queue are repaired by these resends",
	  KN_BURST, NULL, NULL, risky_synack_retries },
	{ "net.ipv4.tcp_abort_on_overflow", KSCOPE_NETNS, KU_BOOL, NULL, NULL, "0",
	  "resets a connection whose handshake finds the accept queue full (0: drops the ACK so that the client retries)",
	  "a burst at a full accept queue", KN_BURST, NULL, NULL, risky_abort_overflow },

	/* ports and TIME_WAIT */
	{ "net.ipv4.ip_local_port_range", KSCOPE_NETNS, KU_RANGE, NULL, NULL, "32768 60999",
	  "the local ports connect() picks from, for each (source address, destination address and port)",
	  "one source address reaches one server port with at most this many connections; every connlab lab sets 1024 65535 in its namespaces",
	  KN_ALWAYS, NULL, NULL, risky_port_range, note_port_parity },
	{ "net.ipv4.ip_local_reserved_ports", KSCOPE_NETNS, KU_PORTLIST, NULL, NULL, "",
	  "ports connect() never picks, kept for servers that need them",
	  "each reserved port narrows ip_local_port_range", KN_ALWAYS, NULL, NULL, NULL },
	{ "net.ipv4.tcp_tw_reuse", KSCOPE_NETNS, KU_MODE, NULL, NULL, "2",
	  "lets connect() take a local port whose old connection is still in TIME_WAIT, when the timestamps show it is safe (1: always, 2: only for loopback traffic, 0: never)",
	  "churn: without it every closed connection keeps its port for 60 s; 2 does nothing between the lab's namespaces (not loopback)",
	  KN_CHURN, NULL, NULL, NULL },
	{ "net.ipv4.tcp_tw_recycle", KSCOPE_REMOVED, KU_BOOL, NULL, "4.12", NULL,
	  "recycled TIME_WAIT sockets by per-host timestamps; it broke clients behind NAT, then every connection once timestamps were randomized per connection (Linux 4.10)",
	  "nothing: the name is gone", KN_NEVER, NULL, NULL, NULL },
	{ "net.ipv4.tcp_max_tw_buckets", KSCOPE_NETNS, KU_NUM, NULL, NULL, NULL,
	  "the most sockets in TIME_WAIT per namespace; past it a closing socket is destroyed at once (\"time wait bucket table overflow\")",
	  "churn: TIME_WAIT sockets at the closing side, about rate x 60 s", KN_CHURN, NULL, NULL,
	  risky_tw_buckets },
	{ "net.ipv4.tcp_fin_timeout", KSCOPE_NETNS, KU_SECONDS, NULL, NULL, "60",
	  "how long a socket its program has closed waits in FIN_WAIT2 for the peer's FIN; it does not shorten TIME_WAIT, which is always 60 s",
	  "churn, when the peer is slow to close", KN_CHURN, NULL, NULL, NULL },
	{ "net.ipv4.tcp_rfc1337", KSCOPE_NETNS, KU_BOOL, NULL, NULL, "0",
	  "lets TIME_WAIT sockets ignore resets (RFC 1337), so that a reset cannot end TIME_WAIT early",
	  "churn", KN_CHURN, NULL, NULL, NULL },
	{ "net.ipv4.tcp_timestamps", KSCOPE_NETNS, KU_MODE, NULL, NULL, "1",
	  "TCP timestamps (RFC 7323): RTT measurement, protection against wrapped sequence numbers, and what tcp_tw_reuse relies on",
	  "churn with tcp_tw_reuse", KN_CHURN | KN_DATA, NULL, NULL, risky_timestamps },

	/* orphans, keepalive */
	{ "net.ipv4.tcp_max_orphans", KSCOPE_HOST, KU_NUM, NULL, NULL, NULL,
	  "the most sockets the host keeps after their programs closed them (FIN_WAIT1, FIN_WAIT2, LAST_ACK, CLOSING); past it they are reset (\"too many orphaned sockets\")",
	  "the end of a hold closes every connection at once, and churn closes all the time",
	  KN_CLOSE, NULL, NULL, NULL },
	{ "net.ipv4.tcp_orphan_retries", KSCOPE_NETNS, KU_NUM, NULL, NULL, "0",
	  "retransmissions of a closed socket's last segment before it is dropped; 0 means 8",
	  "closing sockets whose peer does not answer", KN_CLOSE, NULL, NULL, NULL },
	{ "net.ipv4.tcp_keepalive_time", KSCOPE_NETNS, KU_SECONDS, NULL, NULL, "7200",
	  "idle seconds before the first keepalive probe, on sockets that set SO_KEEPALIVE",
	  "only a program that sets SO_KEEPALIVE; connlab's engines do not (their keepalive mode is lines from the server)",
	  KN_KEEPALIVE, NULL, NULL, NULL },
	{ "net.ipv4.tcp_keepalive_intvl", KSCOPE_NETNS, KU_SECONDS, NULL, NULL, "75",
	  "seconds between keepalive probes, on sockets that set SO_KEEPALIVE",
	  "only a program that sets SO_KEEPALIVE", KN_KEEPALIVE, NULL, NULL, NULL },
	{ "net.ipv4.tcp_keepalive_probes", KSCOPE_NETNS, KU_NUM, NULL, NULL, "9",
	  "unanswered keepalive probes before the connection is given up",
	  "only a program that sets SO_KEEPALIVE", KN_KEEPALIVE, NULL, NULL, NULL },
	{ "net.ipv4.tcp_retries2", KSCOPE_NETNS, KU_NUM, NULL, NULL, "15",
	  "retransmissions of data before an established connection is given up (15: about 15 minutes)",
	  "connections that send data into loss", KN_DATA, NULL, NULL, risky_retries2 },

	/* memory and buffers */
	{ "net.ipv4.tcp_mem", KSCOPE_HOST, KU_PAGES3, NULL, NULL, NULL,
	  "the memory of all TCP buffers of the host together, in pages: below the first nothing happens, above the second (pressure) every socket's buffers are trimmed, at the third new data is dropped and orphaned sockets are aborted",
	  "a host-wide limit: every connection's queued bytes count, and the lab's ramp queues some on each",
	  KN_SCALE, NULL, NULL, NULL },
	{ "net.ipv4.tcp_rmem", KSCOPE_NETNS, KU_BYTES3, NULL, NULL, "=host",
	  "each TCP socket's receive buffer in bytes: the least, the initial, the most that autotuning grows it to",
	  "idle held connections keep no buffer; with data moving each one can pin up to the maximum",
	  KN_DATA, NULL, NULL, NULL },
	{ "net.ipv4.tcp_wmem", KSCOPE_NETNS, KU_BYTES3, NULL, NULL, "=host",
	  "each TCP socket's send buffer in bytes: the least, the initial, the most",
	  "idle held connections keep no buffer; with data moving each one can pin up to the maximum",
	  KN_DATA, NULL, NULL, NULL },
	{ "net.ipv4.tcp_moderate_rcvbuf", KSCOPE_NETNS, KU_BOOL, NULL, NULL, "1",
	  "lets TCP size each receive buffer to the connection's bandwidth and delay",
	  "connections that move data", KN_DATA, NULL, NULL, NULL },
	{ "net.ipv4.tcp_notsent_lowat", KSCOPE_NETNS, KU_BYTES, "3.12", NULL, "4294967295",
	  "unsent bytes a socket may hold before poll() stops calling it writable",
	  "programs that write much and want little queued", KN_DATA, NULL, NULL, NULL },
	{ "net.ipv4.udp_mem", KSCOPE_HOST, KU_PAGES3, NULL, NULL, NULL,
	  "the memory of all UDP buffers of the host, in pages", "TCP labs never use it", KN_NEVER,
	  NULL, NULL, NULL },

	/* transmission */
	{ "net.ipv4.tcp_sack", KSCOPE_NETNS, KU_BOOL, NULL, NULL, "1",
	  "selective acknowledgements: after a loss TCP repairs many segments in one round trip",
	  "connections that move data into loss", KN_DATA, NULL, NULL, risky_sack },
	{ "net.ipv4.tcp_window_scaling", KSCOPE_NETNS, KU_BOOL, NULL, NULL, "1",
	  "windows larger than 64 KB (RFC 7323)", "connections that move much data", KN_DATA, NULL,
	  NULL, risky_wscale },
	{ "net.ipv4.tcp_slow_start_after_idle", KSCOPE_NETNS, KU_BOOL, NULL, NULL, "1",
	  "starts the congestion window again from small after an idle period",
	  "connections that send in bursts after a pause", KN_DATA, NULL, NULL, NULL },
	{ "net.ipv4.tcp_congestion_control", KSCOPE_NETNS, KU_NAME, NULL, NULL, "=host",
	  "the congestion control of new connections (see net.ipv4.tcp_available_congestion_control)",
	  "connections that move data", KN_DATA, NULL, NULL, NULL, NULL,
	  "net.ipv4.tcp_available_congestion_control",
	  "This kernel has no congestion control '%1$s'%2$s (a module that is not loaded, such as tcp_%1$s, must be loaded first)." },
	{ "net.ipv4.tcp_available_congestion_control", KSCOPE_READONLY, KU_NAME, NULL, NULL, NULL,
	  "the congestion controls this kernel has loaded", "it is a list to read, not a setting",
	  KN_NEVER, NULL, NULL, NULL },
	{ "net.ipv4.tcp_fastopen", KSCOPE_NETNS, KU_MODE, "3.7", NULL, "1",
	  "TCP Fast Open, data in the SYN, for programs that ask for it (1: as client, 2: as server, 3: both)",
	  "connlab's engines do not use Fast Open", KN_NEVER, NULL, NULL, NULL },
	{ "net.ipv4.tcp_ecn", KSCOPE_NETNS, KU_MODE, NULL, NULL, "2",
	  "explicit congestion notification (1: ask for it, 2: accept it when asked)",
	  "connections that move data through congested queues", KN_DATA, NULL, NULL, NULL },
	{ "net.ipv4.tcp_mtu_probing", KSCOPE_NETNS, KU_MODE, NULL, NULL, "0",
	  "probes the path MTU when ICMP messages are lost",
	  "the lab's veth links have one fixed MTU", KN_NEVER, NULL, NULL, NULL },
	{ "net.ipv4.tcp_autocorking", KSCOPE_NETNS, KU_BOOL, NULL, NULL, "1",
	  "merges small writes into fewer segments while earlier ones are queued",
	  "programs that write many small messages", KN_DATA, NULL, NULL, NULL },
	{ "net.ipv4.tcp_no_metrics_save", KSCOPE_NETNS, KU_BOOL, NULL, NULL, "0",
	  "forgets a closed connection's RTT and window instead of caching them per destination",
	  "new connections to the same address start from the cached figures", KN_DATA, NULL,
	  NULL, NULL },
	{ "net.ipv4.tcp_low_latency", KSCOPE_HOST, KU_BOOL, NULL, "4.14", "0",
	  "made TCP skip its prequeue; the prequeue was removed, the name stays",
	  "nothing: it does nothing", KN_NEVER, NULL, NULL, NULL },
	{ "net.ipv4.tcp_fack", KSCOPE_NETNS, KU_BOOL, NULL, "4.15", "0",
	  "forward-acknowledgement loss recovery; RACK replaced it and the value is ignored",
	  "nothing: it does nothing", KN_NEVER, NULL, NULL, NULL },
	{ "net.ipv4.tcp_abc", KSCOPE_REMOVED, KU_MODE, NULL, "3.9", NULL,
	  "appropriate byte counting (RFC 3465), removed with the congestion control rework",
	  "nothing: the name is gone", KN_NEVER, NULL, NULL, NULL },
	{ "net.ipv4.tcp_cookie_size", KSCOPE_REMOVED, KU_NUM, NULL, "3.10", NULL,
	  "TCP cookie transactions, an experiment that was removed", "nothing: the name is gone",
	  KN_NEVER, NULL, NULL, NULL },

	/* hashes and listeners */
	{ "net.ipv4.tcp_child_ehash_entries", KSCOPE_NETNS, KU_NUM, "6.1", NULL, "0",
	  "the size of the TCP connection hash of namespaces created from this one (0: they share the host's)",
	  "connlab sets it itself before it creates each namespace, sized to the lab",
	  KN_NEVER, NULL, NULL, NULL },
	{ "net.ipv4.tcp_ehash_entries", KSCOPE_READONLY, KU_NUM, "6.1", NULL, NULL,
	  "the size of this namespace's TCP connection hash (negative: shared with the host)",
	  "it is a figure to read", KN_NEVER, NULL, NULL, NULL },
	{ "net.ipv4.tcp_migrate_req", KSCOPE_NETNS, KU_BOOL, "5.14", NULL, "0",
	  "hands the queued connections of a closing SO_REUSEPORT listener to another listener instead of resetting them",
	  "connlab sets it in the server namespace itself", KN_NEVER, NULL, NULL, NULL },
	{ "net.ipv4.ip_forward", KSCOPE_NETNS, KU_BOOL, NULL, NULL, "0",
	  "routes packets between interfaces",
	  "connlab's namespaces talk over direct links: nothing is forwarded", KN_NEVER, NULL, NULL,
	  NULL },
	{ "net.ipv4.conf.*.rp_filter", KSCOPE_NETNS, KU_MODE, NULL, NULL, "0",
	  "drops packets whose source address would not be routed back over the interface they came in on",
	  "connlab's routes are symmetric", KN_NEVER, NULL, NULL, NULL },
	{ "net.ipv6.conf.*.disable_ipv6", KSCOPE_NETNS, KU_BOOL, NULL, NULL, "0",
	  "turns IPv6 off on the interface", "connlab's labs use IPv4", KN_NEVER, NULL, NULL, NULL },
	{ "net.unix.max_dgram_qlen", KSCOPE_NETNS, KU_NUM, NULL, NULL, "10",
	  "datagrams queued on a Unix socket", "TCP labs never use it", KN_NEVER, NULL, NULL, NULL },

	/* neighbours */
	{ "net.ipv4.neigh.default.gc_thresh1", KSCOPE_HOST, KU_NUM, NULL, NULL, "128",
	  "below this many neighbour (ARP) entries, of all namespaces together, the table is never cleaned",
	  "the lab's neighbours: one per link", KN_ALWAYS, NULL, NULL, NULL },
	{ "net.ipv4.neigh.default.gc_thresh2", KSCOPE_HOST, KU_NUM, NULL, NULL, "512",
	  "above this many neighbour entries, of all namespaces together, entries older than 5 s are cleaned",
	  "the lab's neighbours: one per link", KN_ALWAYS, NULL, NULL, NULL },
	{ "net.ipv4.neigh.default.gc_thresh3", KSCOPE_HOST, KU_NUM, NULL, NULL, "1024",
	  "the most neighbour entries of all namespaces together: past it a new neighbour fails (\"neighbour table overflow\") and its packets are dropped",
	  "the lab's neighbours: one per link, whatever the number of client addresses",
	  KN_ALWAYS, NULL, NULL, NULL },
	{ "net.ipv6.neigh.default.gc_thresh1", KSCOPE_HOST, KU_NUM, NULL, NULL, "128",
	  "below this many IPv6 neighbour (NDP) entries, of all namespaces together, the table is never cleaned",
	  "an IPv6 lab's neighbours: one per link (its client addresses are routed via the link)",
	  KN_ALWAYS, NULL, NULL, NULL },
	{ "net.ipv6.neigh.default.gc_thresh2", KSCOPE_HOST, KU_NUM, NULL, NULL, "512",
	  "above this many IPv6 neighbour entries, of all namespaces together, entries older than 5 s are cleaned",
	  "an IPv6 lab's neighbours: one per link", KN_ALWAYS, NULL, NULL, NULL },
	{ "net.ipv6.neigh.default.gc_thresh3", KSCOPE_HOST, KU_NUM, NULL, NULL, "1024",
	  "the most IPv6 neighbour entries of all namespaces together: the IPv6 table is global like the IPv4 one, and a new neighbour past it fails",
	  "an IPv6 lab's neighbours: one per link, whatever the number of client addresses",
	  KN_ALWAYS, NULL, NULL, NULL },
	{ "net.ipv6.conf.all.accept_dad", KSCOPE_NETNS, KU_MODE, NULL, NULL, "0",
	  "duplicate address detection on every interface (0 off, 1 on, 2 on and IPv6 off where a duplicate is found); a new address is tentative, and unusable, until it passes",
	  "an IPv6 lab adds its addresses without it (IFA_F_NODAD) and sets 0 here and in default, so that building never waits about a second per address",
	  KN_ALWAYS, NULL, NULL, NULL },
	{ "net.ipv6.conf.default.accept_dad", KSCOPE_NETNS, KU_MODE, NULL, NULL, "1",
	  "duplicate address detection on interfaces made from now on",
	  "an IPv6 lab sets 0 before it makes its links", KN_ALWAYS, NULL, NULL, NULL },
	{ "net.ipv6.route.max_size", KSCOPE_NETNS, KU_NUM, NULL, NULL, "2147483647",
	  "the most IPv6 routing cache entries (dst entries); past it new routes fail with ENOBUFS",
	  "connections do not add routes; an old kernel's 4096 was met by floods to many destinations",
	  KN_NEVER, NULL, NULL, NULL },
	{ "net.ipv6.route.gc_thresh", KSCOPE_NETNS, KU_NUM, NULL, NULL, "1024",
	  "above this many IPv6 dst entries their garbage collection starts",
	  "connections to one service share a route", KN_NEVER, NULL, NULL, NULL },
	{ "net.ipv6.bindv6only", KSCOPE_NETNS, KU_BOOL, NULL, NULL, "0",
	  "the default of IPV6_V6ONLY: 1 makes an IPv6 socket on :: take IPv6 only",
	  "connlab server sets IPV6_V6ONLY on its IPv6 listeners itself: dual stack has a listener per family, counted apart",
	  KN_NEVER, NULL, NULL, NULL },
	{ "net.ipv6.ip_nonlocal_bind", KSCOPE_NETNS, KU_BOOL, NULL, NULL, "0",
	  "lets a socket bind an IPv6 address the host does not have",
	  "with 1 a flood's check that its sources exist cannot tell a missing address", KN_NEVER,
	  NULL, NULL, NULL },
	{ "net.ipv4.neigh.*.locktime", KSCOPE_HOST, KU_USER_HZ, NULL, NULL, "100",
	  "how long a neighbour entry stays before a new answer may replace it",
	  "the lab's links never change address", KN_NEVER, NULL, NULL, NULL },
	{ "net.ipv4.neigh.*.base_reachable_time_ms", KSCOPE_HOST, KU_MS, NULL, NULL, "30000",
	  "how long a confirmed neighbour counts as reachable",
	  "the lab's links never change address", KN_NEVER, NULL, NULL, NULL },

	/* conntrack */
	{ "net.netfilter.nf_conntrack_max", KSCOPE_NETNS_RO, KU_NUM, NULL, NULL, NULL,
	  "the most connections conntrack tracks: each namespace counts its own entries against this one host-wide maximum; when full, a new connection's first packet is dropped (\"nf_conntrack: table full, dropping packet\")",
	  "only where stateful firewall rules (ct state, NAT) see the lab's connections: one entry per connection",
	  KN_CONNTRACK, "nf_conntrack", NULL, NULL },
	{ "net.nf_conntrack_max", KSCOPE_HOST, KU_NUM, NULL, NULL, NULL,
	  "the same maximum as net.netfilter.nf_conntrack_max, under its old name",
	  "only with stateful firewall rules", KN_CONNTRACK, "nf_conntrack", NULL, NULL },
	{ "net.netfilter.nf_conntrack_buckets", KSCOPE_NETNS_RO, KU_NUM, NULL, NULL, NULL,
	  "the size of conntrack's hash table (host-wide)", "only with stateful firewall rules",
	  KN_CONNTRACK, "nf_conntrack", NULL, NULL },
	{ "net.netfilter.nf_conntrack_count", KSCOPE_READONLY, KU_NUM, NULL, NULL, NULL,
	  "connections conntrack tracks now in this namespace", "it is a figure to read",
	  KN_NEVER, "nf_conntrack", NULL, NULL },
	{ "net.netfilter.nf_conntrack_tcp_timeout_established", KSCOPE_NETNS, KU_SECONDS, NULL,
	  NULL, "432000",
	  "how long conntrack keeps an idle established connection (432000 s: 5 days)",
	  "only with stateful firewall rules: held connections stay tracked", KN_CONNTRACK,
	  "nf_conntrack", NULL, NULL },
	{ "net.netfilter.nf_conntrack_tcp_timeout_time_wait", KSCOPE_NETNS, KU_SECONDS, NULL, NULL,
	  "120", "how long conntrack keeps a connection in TIME_WAIT",
	  "only with stateful firewall rules and churn: closed connections keep their entry",
	  KN_CONNTRACK, "nf_conntrack", NULL, NULL },
	{ "net.netfilter.nf_conntrack_tcp_timeout_close_wait", KSCOPE_NETNS, KU_SECONDS, NULL, NULL,
	  "60", "how long conntrack keeps a connection in CLOSE_WAIT",
	  "only with stateful firewall rules", KN_CONNTRACK, "nf_conntrack", NULL, NULL },
	{ "net.netfilter.nf_conntrack_tcp_timeout_fin_wait", KSCOPE_NETNS, KU_SECONDS, NULL, NULL,
	  "120", "how long conntrack keeps a connection in FIN_WAIT",
	  "only with stateful firewall rules", KN_CONNTRACK, "nf_conntrack", NULL, NULL },
	{ "net.netfilter.nf_conntrack_tcp_timeout_syn_sent", KSCOPE_NETNS, KU_SECONDS, NULL, NULL,
	  "120", "how long conntrack keeps a connection whose SYN is unanswered",
	  "only with stateful firewall rules", KN_CONNTRACK, "nf_conntrack", NULL, NULL },
	{ "net.netfilter.nf_conntrack_tcp_timeout_syn_recv", KSCOPE_NETNS, KU_SECONDS, NULL, NULL,
	  "60", "how long conntrack keeps a half-open connection",
	  "only with stateful firewall rules", KN_CONNTRACK, "nf_conntrack", NULL, NULL },
	{ "net.netfilter.nf_conntrack_tcp_timeout_last_ack", KSCOPE_NETNS, KU_SECONDS, NULL, NULL,
	  "30", "how long conntrack keeps a connection in LAST_ACK",
	  "only with stateful firewall rules", KN_CONNTRACK, "nf_conntrack", NULL, NULL },
	{ "net.ipv4.netfilter.ip_conntrack_max", KSCOPE_REMOVED, KU_NUM, NULL, NULL, NULL,
	  "the conntrack maximum under the name of the old ip_conntrack module",
	  "nothing: the name is gone", KN_NEVER, NULL, "net.netfilter.nf_conntrack_max", NULL },
	{ "net.ipv4.netfilter.ip_conntrack_tcp_timeout_established", KSCOPE_REMOVED, KU_SECONDS,
	  NULL, NULL, NULL, "the conntrack timeout under the name of the old ip_conntrack module",
	  "nothing: the name is gone", KN_NEVER, NULL,
	  "net.netfilter.nf_conntrack_tcp_timeout_established", NULL },

	/* the rest of the kernel */
	{ "vm.min_free_kbytes", KSCOPE_GLOBAL, KU_KBYTES, NULL, NULL, NULL,
	  "memory the kernel keeps free for allocations that cannot wait",
	  "a large reserve leaves less memory for connections", KN_SCALE, NULL, NULL, NULL },
	{ "vm.swappiness", KSCOPE_GLOBAL, KU_NUM, NULL, NULL, "60",
	  "how readily the kernel swaps programs' memory out",
	  "socket memory is kernel memory and is never swapped", KN_NEVER, NULL, NULL, NULL },
	{ "vm.overcommit_memory", KSCOPE_GLOBAL, KU_MODE, NULL, NULL, "0",
	  "whether programs may reserve more memory than there is",
	  "connlab's engines allocate nothing per connection", KN_NEVER, NULL, NULL, NULL },
	{ "vm.max_map_count", KSCOPE_GLOBAL, KU_NUM, NULL, NULL, "65530",
	  "the most memory mappings one process may have",
	  "connlab's engines map a few regions, whatever the connections", KN_NEVER, NULL, NULL,
	  NULL },
	{ "kernel.pid_max", KSCOPE_GLOBAL, KU_NUM, NULL, NULL, NULL,
	  "the highest process id, so the most processes and threads",
	  "connlab runs one process per ~19000 connections at a 20000-file limit", KN_NEVER, NULL,
	  NULL, NULL },
	{ "kernel.threads-max", KSCOPE_GLOBAL, KU_NUM, NULL, NULL, NULL,
	  "the most threads of the whole host", "connlab's engines are single-threaded",
	  KN_NEVER, NULL, NULL, NULL },
};
/* clang-format on */
#pragma GCC diagnostic pop

const size_t ksysctls_count = ARRAY_LEN(ksysctls);

/* Values that must agree across lines (the files' or the host's). */
const struct krelation krelations[] = {
	{ "net.ipv4.tcp_max_syn_backlog", "net.core.somaxconn", KR_NOT_ABOVE, 0,
	  "%1$lld is above %4$s (%2$lld, %3$s): a listener's SYN queue is capped by min(backlog, somaxconn), so the part above %2$lld does nothing. Raise %4$s to %1$lld as well. (Labs set both to 65535 in their namespaces.)" },
	{ "net.core.rmem_default", "net.core.rmem_max", KR_NOT_ABOVE, 0,
	  "The default %1$lld is above the maximum %2$lld (%3$s): sockets get a default that no program may ask for." },
	{ "net.core.wmem_default", "net.core.wmem_max", KR_NOT_ABOVE, 0,
	  "The default %1$lld is above the maximum %2$lld (%3$s): sockets get a default that no program may ask for." },
	{ "net.ipv4.neigh.default.gc_thresh2", "net.ipv4.neigh.default.gc_thresh1", KR_NOT_BELOW, 0,
	  "%1$lld is below %4$s (%2$lld, %3$s): the thresholds go up from gc_thresh1 to gc_thresh3." },
	{ "net.ipv4.neigh.default.gc_thresh3", "net.ipv4.neigh.default.gc_thresh2", KR_NOT_BELOW, 0,
	  "%1$lld is below %4$s (%2$lld, %3$s): the thresholds go up from gc_thresh1 to gc_thresh3." },
	{ "net.ipv4.tcp_tw_reuse", "net.ipv4.tcp_timestamps", KR_NEEDS, 1,
	  "tcp_tw_reuse = 1 needs TCP timestamps, and %s is 0 (%s): no TIME_WAIT port is reused." },
};
const size_t krelations_count = ARRAY_LEN(krelations);
