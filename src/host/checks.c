/* SPDX-License-Identifier: MIT */
/* checks.c - the lab against the host: each check ok, warn or blocks,
 * with what was found, what the lab needs, why, and the fix. Pure: the
 * facts come in (host_facts_read, or a test's), nothing is read here but
 * the lab's firewall file. */
#define _GNU_SOURCE
#include "host/host.h"

#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/budget.h"
#include "netns/netns.h"
#include "util/procfs.h"
#include "util/status.h"
#include "util/units.h"

static struct host_check *add(struct host_report *r, const char *id, const char *title,
			      enum level lv)
{
	struct host_check *c;

	if (r->n == HOST_CHECKS_MAX)
		return &r->c[HOST_CHECKS_MAX - 1]; /* never: the checks are fewer */
	c = &r->c[r->n++];
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", id);
	snprintf(c->title, sizeof(c->title), "%s", title);
	c->level = lv;
	return c;
}

#define SET(field, ...) snprintf(c->field, sizeof(c->field), __VA_ARGS__)

static const char *sz(uint64_t b, char *buf, size_t len)
{
	return units_fmt_size(b, buf, len);
}

/* stateful firewall rules in the lab's setup command, or in a file it
 * names under {labdir} */
static int rules_stateful(const char *text, char *why, size_t len, const char *where)
{
	static const char *const words[] = { "ct state", "ct status",  "ct mark", "-m conntrack",
					     "-m state", "masquerade", "snat ",	  "dnat ",
					     "-j SNAT",	 "-j DNAT" };

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(text, words[i])) {
			if (strstr(text, "notrack")) {
				snprintf(
					why, len,
					"%s has stateful rules (%s) and notrack rules: doctor assumes the lab's connections are not tracked",
					where, words[i]);
				return 0;
			}
			snprintf(why, len, "%s has stateful rules (%s)", where, words[i]);
			return 1;
		}
	return 0;
}

static int lab_stateful(const struct lab *lab, char *why, size_t len)
{
	const char *s = lab->server_setup, *p;
	char dir[256], path[600], buf[8192];

	why[0] = 0;
	if (!*s)
		return 0;
	if (rules_stateful(s, why, len, "server.setup"))
		return 1;
	p = strstr(s, "{labdir}/");
	if (!p)
		return 0;
	snprintf(dir, sizeof(dir), "%s", lab->source);
	snprintf(path, sizeof(path), "%s/%.*s", dirname(dir), (int)strcspn(p + 9, " \t;&|'\""),
		 p + 9);
	if (procfs_read_text(path, buf, sizeof(buf)) < 0)
		return 0;
	return rules_stateful(buf, why, len, path);
}

void host_needs_of(const struct lab *lab, const struct plan *p, struct host_needs *n)
{
	int hold = lab->client_mode == CLIENT_HOLD;
	uint64_t conns = hold ? lab->connections : lab->inflight;

	memset(n, 0, sizeof(*n));
	n->processes = p->flood_workers + p->server_workers + 1;
	n->files = 2 * conns + (uint64_t)n->processes * 16;
	n->kernel_bytes = p->kernel_bytes;
	n->user_bytes = p->user_bytes;
	n->tcp_pages = (uint64_t)((double)conns * PLAN_TCP_PAGES_PER_CONN_DRAIN);
	n->neighbours = 2 * p->namespaces + 2;
	n->stateful = lab_stateful(lab, n->stateful_why, sizeof(n->stateful_why));
}

void host_tuning_scale(const struct lab *lab, const struct plan *p, struct tuning_scale *sc)
{
	struct host_needs n;
	char c[32];

	host_needs_of(lab, p, &n);
	memset(sc, 0, sizeof(*sc));
	snprintf(sc->label, sizeof(sc->label), "lab '%s' (%s connections, %s)", lab->name,
		 units_fmt_count(lab->connections, c, sizeof(c)),
		 client_mode_name(lab->client_mode));
	sc->connections = lab->connections;
	sc->rate = lab->rate;
	sc->churn = lab->client_mode != CLIENT_HOLD;
	sc->moves_data = lab->server_mode == SERVER_ECHO;
	sc->user_command = lab->server_command[0] || lab->client_command[0];
	sc->stateful = n.stateful;
	sc->neighbours = n.neighbours;
	sc->files = n.files;
	sc->tcp_pages = n.tcp_pages;
	sc->per_process = p->server_per_worker > p->fd_usable ? p->fd_usable : p->server_per_worker;
	for (unsigned i = 0; i < lab->n_sysctl && i < 64; i++) {
		sc->lab_name[sc->n_lab] = lab->sysctl[i].name;
		sc->lab_value[sc->n_lab++] = lab->sysctl[i].value;
	}
}

int host_privileges(const struct host_facts *f, char *msg, size_t len)
{
	static const struct {
		int bit;
		const char *name, *why;
	} caps[] = {
		{ CAP_BIT_SYS_ADMIN, "SYS_ADMIN",
		  "to create network namespaces and mount their names" },
		{ CAP_BIT_NET_ADMIN, "NET_ADMIN",
		  "to make veth pairs, addresses, routes and set sysctls" },
	};
	size_t off = 0;
	int missing = 0;

	msg[0] = 0;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		missing |= !(f->cap_eff & (1ULL << caps[i].bit)) << i;
	if (!missing)
		return 0;
	if (f->euid != 0) {
		snprintf(
			msg, len,
			"needs root, or CAP_SYS_ADMIN and CAP_NET_ADMIN; run it with sudo (in Docker: --cap-add SYS_ADMIN --cap-add NET_ADMIN)\n");
		return -EPERM;
	}
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]) && off < len; i++)
		if (missing & (1 << i))
			off += (size_t)snprintf(
				msg + off, len - off,
				"this process lacks the capability CAP_%s (%s): in Docker, add --cap-add %s to docker run; elsewhere run as root with full capabilities\n",
				caps[i].name, caps[i].why, caps[i].name);
	return -EPERM;
}

/* what keeps an ordinary user out of user namespaces here, or NULL */
static const char *userns_off(const struct host_facts *f, const char **fix)
{
	if (f->max_userns == 0) {
		*fix = "user.max_user_namespaces=15000";
		return "user.max_user_namespaces is 0";
	}
	if (f->unpriv_userns == 0) {
		*fix = "kernel.unprivileged_userns_clone=1";
		return "kernel.unprivileged_userns_clone is 0";
	}
	if (f->apparmor_userns == 1) {
		*fix = "kernel.apparmor_restrict_unprivileged_userns=0 (or an AppArmor profile that allows connlab userns)";
		return "kernel.apparmor_restrict_unprivileged_userns is 1 (AppArmor: a user namespace gets no capabilities)";
	}
	*fix = NULL;
	return NULL;
}

int host_enter_rootless(const struct host_facts *f, char *msg, size_t len)
{
	const char *fix, *off = userns_off(f, &fix);
	struct host_facts now;
	int r = netns_userns_enter();

	if (r) {
		snprintf(
			msg, len,
			"a lab without root needs a user namespace, and the kernel refused one (%s)%s%s%s%s",
			strerror(-r), off ? ": " : "", off ? off : "",
			off ? "; as root: sysctl -w " : "", off ? fix : "");
		return r;
	}
	/* AppArmor may let the namespace be made but give it no capabilities */
	host_facts_read(&now);
	if (host_privileges(&now, msg, len)) {
		snprintf(msg, len,
			 "the user namespace has no CAP_SYS_ADMIN and CAP_NET_ADMIN%s%s%s%s",
			 off ? ": " : "", off ? off : "", off ? "; as root: sysctl -w " : "",
			 off ? fix : "");
		return -EPERM;
	}
	return 0;
}

int host_facts_rootless(struct host_facts *f)
{
	char msg[600], why[400];

	host_facts_read(f);
	/* root without its capabilities is a container's: its flags say it */
	if (!host_privileges(f, msg, sizeof(msg)) || (f->euid == 0 && f->init_userns))
		return 0;
	if (host_enter_rootless(f, why, sizeof(why))) {
		snprintf(f->rootless_error, sizeof(f->rootless_error), "%s", why);
		return 0;
	}
	host_facts_read(f);
	return 1;
}

static void check_privileges(struct host_report *r, const struct host_facts *f)
{
	char msg[600];
	struct host_check *c;

	if (!host_privileges(f, msg, sizeof(msg)) && !f->init_userns) {
		c = add(r, "privileges", "privileges", LEVEL_OK);
		SET(found, "rootless: root of a user namespace of its own (uid %u outside)",
		    (unsigned)f->outer_uid);
		SET(needed, "CAP_SYS_ADMIN and CAP_NET_ADMIN over the lab's namespaces");
		SET(why,
		    "a rootless lab cannot raise the open-file hard limit, write host-wide sysctls, read the kernel log or /proc/slabinfo (docs/rootless.md)");
		return;
	}
	if (!host_privileges(f, msg, sizeof(msg))) {
		c = add(r, "privileges", "privileges", LEVEL_OK);
		SET(found, "%s", f->euid == 0 ? "root" : "CAP_SYS_ADMIN and CAP_NET_ADMIN");
		SET(needed, "CAP_SYS_ADMIN and CAP_NET_ADMIN (namespaces, links, sysctls)");
		return;
	}
	c = add(r, "privileges", "privileges", LEVEL_BLOCKS);
	SET(found, "uid %u, effective capabilities %llx", (unsigned)f->euid,
	    (unsigned long long)f->cap_eff);
	SET(needed, "CAP_SYS_ADMIN and CAP_NET_ADMIN (namespaces, links, sysctls)");
	msg[strcspn(msg, "\n")] = 0;
	SET(why, "connlab %s%s%s", msg, *f->rootless_error ? "; and " : "", f->rootless_error);
	SET(fix,
	    "sudo connlab ..., or in Docker: docker run --cap-add SYS_ADMIN --cap-add NET_ADMIN");
}

static void check_proc_sys(struct host_report *r, const struct host_facts *f)
{
	struct host_check *c;

	if (!f->proc_sys_ro) {
		c = add(r, "proc-sys", "/proc/sys", LEVEL_OK);
		SET(found, "read-write");
		SET(needed, "read-write in the lab's namespaces (their sysctls)");
		return;
	}
	if (!f->proc_sys_fix) {
		c = add(r, "proc-sys", "/proc/sys", LEVEL_OK);
		SET(found,
		    "read-only here (a container), and connlab can remount it read-write in a mount namespace of its own (tried)");
		SET(needed, "read-write in the lab's namespaces (their sysctls)");
		return;
	}
	c = add(r, "proc-sys", "/proc/sys", LEVEL_BLOCKS);
	SET(found, "read-only (a container?), and the remount in a mount namespace failed: %s",
	    strerror(-f->proc_sys_fix));
	SET(needed, "read-write in the lab's namespaces (their sysctls)");
	SET(why,
	    "a lab writes its sysctls (ip_local_port_range, somaxconn, ...) in its own namespaces");
	SET(fix, "%s (docs/docker.md)",
	    f->proc_sys_fix == -EACCES
		    ? "a security module forbids the mount: in Docker add --security-opt apparmor=unconfined (AppArmor) or --security-opt label=disable (SELinux)"
		    : "in Docker, add --cap-add SYS_ADMIN");
}

static void check_nofile(struct host_report *r, const struct host_facts *f, const struct plan *p)
{
	struct host_check *c;
	unsigned procs = p->flood_workers + p->server_workers;

	if (f->nofile_hard < 256) {
		c = add(r, "nofile", "open files per process", LEVEL_BLOCKS);
		SET(found, "hard limit %llu", (unsigned long long)f->nofile_hard);
		SET(needed, "at least 256");
		SET(why, "each connection is a file; below 256 not even the launcher fits");
		SET(fix,
		    "ulimit -Hn 65536 as root, LimitNOFILE= for a service, or nofile in /etc/security/limits.conf");
		return;
	}
	c = add(r, "nofile", "open files per process", procs > 256 ? LEVEL_WARN : LEVEL_OK);
	SET(found, "soft %llu, hard %llu%s", (unsigned long long)f->nofile_soft,
	    (unsigned long long)f->nofile_hard,
	    f->nofile_soft < f->nofile_hard ? " (connlab raises the soft limit to the hard one)"
					    : "");
	SET(needed, "%llu connections: %u flood and %u server processes of up to %llu sockets each",
	    (unsigned long long)p->connections, p->flood_workers, p->server_workers,
	    (unsigned long long)p->fd_usable);
	SET(why,
	    "one process holds at most its open-file limit less headroom; a low hard limit spreads the lab over more processes (each about %d KiB, and the launcher watches each)",
	    PLAN_USER_PER_PROCESS / 1024);
	if (procs > 256)
		SET(fix,
		    "a higher hard limit means fewer processes: ulimit -Hn %llu (at most fs.nr_open, %llu)",
		    (unsigned long long)(f->nr_open < 1048576 ? f->nr_open : 1048576),
		    (unsigned long long)f->nr_open);
}

static void check_nr_open(struct host_report *r, const struct host_facts *f, const struct plan *p)
{
	struct host_check *c = add(r, "nr-open", "fs.nr_open", LEVEL_OK);
	uint64_t per_ns = p->namespaces ? p->connections / p->namespaces : p->connections;

	SET(found, "%llu", (unsigned long long)f->nr_open);
	SET(needed, "at least the hard limit (%llu)", (unsigned long long)f->nofile_hard);
	SET(why,
	    "the ceiling of any open-file limit: one process can hold about %llu connections at most%s",
	    (unsigned long long)f->nr_open,
	    f->nr_open < per_ns
		    ? "; a client namespace's share needs more than one process even at that limit"
		    : "");
}

static void check_file_max(struct host_report *r, const struct host_facts *f,
			   const struct host_needs *n)
{
	uint64_t free_files = f->file_max > f->files_open ? f->file_max - f->files_open : 0;
	/* the kernel does not hold CAP_SYS_ADMIN (of the host) to fs.file-max */
	int exempt = f->init_userns && (f->cap_eff & (1ULL << CAP_BIT_SYS_ADMIN));
	int short_ = n->files > free_files * 9 / 10;
	enum level lv = !short_ || exempt	? LEVEL_OK
			: n->files > free_files ? LEVEL_BLOCKS
						: LEVEL_WARN;
	struct host_check *c = add(r, "file-max", "fs.file-max", lv);

	SET(found, "%llu, of which %llu are open now", (unsigned long long)f->file_max,
	    (unsigned long long)f->files_open);
	SET(needed, "%llu more (both ends of every connection, and the processes' own)",
	    (unsigned long long)n->files);
	SET(why,
	    "fs.file-max caps the open files of the whole host; past it every open fails with ENFILE");
	if (exempt && short_)
		SET(why,
		    "fs.file-max caps the open files of the whole host, but not those of processes with CAP_SYS_ADMIN: connlab's, run as root, go past it (without root they could not)");
	if (lv != LEVEL_OK)
		SET(fix,
		    "sysctl -w fs.file-max=%llu on the host (fs.file-max = %llu in /etc/sysctl.d/)",
		    (unsigned long long)(f->files_open + n->files * 2),
		    (unsigned long long)(f->files_open + n->files * 2));
}

static void check_memory(struct host_report *r, const struct host_facts *f, const struct lab *lab,
			 const struct host_needs *n)
{
	uint64_t need = n->kernel_bytes + n->user_bytes, floor;
	int own_floor = lab_key_set(lab, "lab.memory_floor");
	enum level lv = LEVEL_OK;
	struct host_check *c;
	char a[32], b[32], k[32], u[32], fl[32];

	floor = lab->memory_floor.bytes ? lab->memory_floor.bytes
					: f->mem_total / 100 * lab->memory_floor.percent;
	if (!f->mem_available)
		lv = LEVEL_WARN;
	else if (need > f->mem_available * 9 / 10)
		lv = own_floor && floor ? LEVEL_WARN : LEVEL_BLOCKS;
	else if (floor && need > f->mem_available - floor)
		lv = LEVEL_WARN;
	c = add(r, "memory", "memory", lv);
	SET(found, "MemAvailable %s of %s", sz(f->mem_available, a, sizeof(a)),
	    sz(f->mem_total, b, sizeof(b)));
	SET(needed,
	    "about %s: %s in the kernel (%d B per connection, both ends) and %s in the programs (%d B per connection and %d KiB per process, measured)",
	    sz(need, a, sizeof(a)), sz(n->kernel_bytes, k, sizeof(k)), 2 * PLAN_KERNEL_PER_SOCKET,
	    sz(n->user_bytes, u, sizeof(u)), PLAN_USER_PER_CONN, PLAN_USER_PER_PROCESS / 1024);
	if (lv == LEVEL_OK)
		return;
	if (!f->mem_available) {
		SET(why, "MemAvailable could not be read: the estimate is not checked");
		return;
	}
	if (lv == LEVEL_BLOCKS) {
		SET(why,
		    "the estimate is more than 90%% of what is available: the kernel would start failing allocations (ENOMEM, TCPAbortOnMemory)");
		SET(fix,
		    "fewer clients.connections, or set lab.memory_floor to run until memory is short, as lab/ceiling.lab does");
	} else if (own_floor) {
		SET(why,
		    "the lab sets lab.memory_floor (%s): its ramp stops there and holds what it has",
		    sz(floor, fl, sizeof(fl)));
	} else {
		SET(why,
		    "the estimate reaches into the memory floor (lab.memory_floor, %s): the ramp will stop and hold what it has before the target",
		    sz(floor, fl, sizeof(fl)));
		SET(fix, "fewer clients.connections, or free memory on the host");
	}
}

static void check_tcp_mem(struct host_report *r, const struct host_facts *f,
			  const struct host_needs *n)
{
	uint64_t need = n->tcp_pages + f->tcp_pages, ps = f->page_size ? f->page_size : 4096;
	enum level lv;
	struct host_check *c;
	char a[32], b[32], m[32];

	if (!f->tcp_mem[2]) {
		c = add(r, "tcp-mem", "net.ipv4.tcp_mem", LEVEL_WARN);
		SET(found, "not readable");
		SET(needed, "about %llu pages", (unsigned long long)n->tcp_pages);
		return;
	}
	lv = need > f->tcp_mem[1] ? LEVEL_WARN : LEVEL_OK;
	c = add(r, "tcp-mem", "net.ipv4.tcp_mem", lv);
	SET(found, "%llu %llu %llu pages (pressure at %s, hard mark %s); %llu in use now",
	    (unsigned long long)f->tcp_mem[0], (unsigned long long)f->tcp_mem[1],
	    (unsigned long long)f->tcp_mem[2], sz(f->tcp_mem[1] * ps, a, sizeof(a)),
	    sz(f->tcp_mem[2] * ps, b, sizeof(b)), (unsigned long long)f->tcp_pages);
	SET(needed,
	    "about %llu pages (%s) at the end, when every connection closes at once (0.52 per connection, measured: 513305 pages for 1M, 29209 for 100k); held idle connections keep almost none (25 pages for 100k)",
	    (unsigned long long)n->tcp_pages, sz(n->tcp_pages * ps, m, sizeof(m)));
	SET(why,
	    "tcp_mem counts the buffers of all TCP sockets of the host in pages; above the pressure mark buffers are trimmed, at the hard mark data is dropped and orphans are aborted");
	if (lv != LEVEL_OK)
		SET(fix,
		    "the drain will cross the %s mark (finding tcp-memory), after the measurements; to avoid it: sysctl -w net.ipv4.tcp_mem=\"%llu %llu %llu\" on the host (pages)",
		    need > f->tcp_mem[2] ? "hard" : "pressure",
		    (unsigned long long)(f->tcp_mem[0] > need / 2 ? f->tcp_mem[0] : need / 2),
		    (unsigned long long)(need * 12 / 10), (unsigned long long)(need * 2));
}

static void check_orphans(struct host_report *r, const struct host_facts *f, const struct lab *lab)
{
	uint64_t closing = lab->client_mode == CLIENT_HOLD ? lab->connections : lab->inflight;
	struct host_check *c = add(r, "orphans", "net.ipv4.tcp_max_orphans", LEVEL_OK);

	SET(found, "%llu", (unsigned long long)f->max_orphans);
	SET(needed, "up to %llu closing at once (the end of the run closes every connection)",
	    (unsigned long long)closing);
	if (f->max_orphans && closing > f->max_orphans)
		SET(why,
		    "past the limit the kernel resets the rest of the closing sockets (\"too many orphaned sockets\" in the kernel log); this happens after the measurements and changes no figure of the run");
}

static void check_conntrack(struct host_report *r, const struct host_facts *f,
			    const struct lab *lab, const struct host_needs *n)
{
	uint64_t need = lab->client_mode == CLIENT_HOLD ? lab->connections : lab->inflight;
	struct host_check *c;

	if (!f->conntrack) {
		c = add(r, "conntrack", "conntrack", LEVEL_OK);
		SET(found, "nf_conntrack is not loaded");
		SET(needed, "%s",
		    n->stateful ? "the lab's stateful rules will load it"
				: "nothing: no stateful rules");
		if (n->stateful)
			SET(why,
			    "%s; the table's maximum is computed from memory when the module loads",
			    n->stateful_why);
		return;
	}
	if (!n->stateful) {
		c = add(r, "conntrack", "conntrack", LEVEL_OK);
		SET(found, "loaded, nf_conntrack_max %llu", (unsigned long long)f->ct_max);
		SET(needed, "no entries: %s",
		    *n->stateful_why ? n->stateful_why
				     : "no stateful firewall rule sees the lab's connections");
		return;
	}
	c = add(r, "conntrack", "conntrack", need > f->ct_max ? LEVEL_WARN : LEVEL_OK);
	SET(found,
	    "loaded, nf_conntrack_max %llu (host-wide; each namespace counts its own entries against it)",
	    (unsigned long long)f->ct_max);
	SET(needed, "%llu entries, one per connection: %s", (unsigned long long)need,
	    n->stateful_why);
	if (need > f->ct_max) {
		SET(why,
		    "the table fills at %llu entries: then the first packet of every new connection is dropped (\"nf_conntrack: table full, dropping packet\") and connects time out",
		    (unsigned long long)f->ct_max);
		SET(fix,
		    "sysctl -w net.netfilter.nf_conntrack_max=%llu on the host, or notrack rules for the lab's ports (lab/conntrack-notrack.nft)",
		    (unsigned long long)(need + need / 4));
	}
}

/* A neighbour table (ARP's or NDP's, each one for all namespaces) that
 * needs need entries: past gc_thresh3 new ones fail, past gc_thresh2 the
 * table is cleaned */
static enum level neigh_level(const uint64_t gc[3], uint64_t need)
{
	return gc[2] && need > gc[2] ? LEVEL_BLOCKS : gc[1] && need > gc[1] ? LEVEL_WARN : LEVEL_OK;
}

static void check_neigh(struct host_report *r, const struct host_facts *f,
			const struct host_needs *n)
{
	uint64_t need = n->neighbours + f->neigh_entries;
	enum level lv = neigh_level(f->gc_thresh, need);
	struct host_check *c = add(r, "neighbours", "neighbour table", lv);

	SET(found, "gc_thresh1-3 %llu %llu %llu; %llu entries now",
	    (unsigned long long)f->gc_thresh[0], (unsigned long long)f->gc_thresh[1],
	    (unsigned long long)f->gc_thresh[2], (unsigned long long)f->neigh_entries);
	SET(needed, "%u more: one per link end, however many client addresses", n->neighbours);
	SET(why,
	    "the neighbour (ARP) table is one for all namespaces; past gc_thresh3 new neighbours fail and their packets are dropped");
	if (lv != LEVEL_OK)
		SET(fix,
		    "sysctl -w net.ipv4.neigh.default.gc_thresh3=%llu (and gc_thresh2) on the host",
		    (unsigned long long)(need * 2));
}

/* lab.family = ipv6 or dual: the kernel's IPv6, and its neighbour table
 * (one for all namespaces, as IPv4's) */
static void check_ipv6(struct host_report *r, const struct host_facts *f, const struct lab *lab,
		       const struct host_needs *n)
{
	uint64_t need = n->neighbours + f->neigh6_entries;
	enum level lv = f->ipv6 ? neigh_level(f->gc_thresh6, need) : LEVEL_BLOCKS;
	struct host_check *c;

	if (lab->family == FAMILY_IPV4)
		return;
	c = add(r, "ipv6", "IPv6", lv);
	if (!f->ipv6) {
		SET(found, "no IPv6 in this kernel (no /proc/sys/net/ipv6)");
		SET(needed, "IPv6, for lab.family = %s",
		    lab->family == FAMILY_DUAL ? "dual" : "ipv6");
		SET(why, "the lab's addresses, listeners and connections are IPv6");
		SET(fix,
		    "boot without ipv6.disable=1 (or load the ipv6 module), or set lab.family = ipv4");
		return;
	}
	SET(found, "IPv6 neighbour table gc_thresh1-3 %llu %llu %llu; %llu entries now",
	    (unsigned long long)f->gc_thresh6[0], (unsigned long long)f->gc_thresh6[1],
	    (unsigned long long)f->gc_thresh6[2], (unsigned long long)f->neigh6_entries);
	SET(needed, "%u more: one per link end (client addresses are routed via the link)",
	    n->neighbours);
	SET(why,
	    "the IPv6 neighbour (NDP) table is one for all namespaces, like ARP's; past gc_thresh3 new neighbours fail");
	if (lv != LEVEL_OK)
		SET(fix,
		    "sysctl -w net.ipv6.neigh.default.gc_thresh3=%llu (and gc_thresh2) on the host",
		    (unsigned long long)(need * 2));
}

static void check_ports(struct host_report *r, const struct lab *lab, const struct plan *p,
			const struct host_facts *f)
{
	int hold = lab->client_mode == CLIENT_HOLD;
	struct host_check *c;

	if (hold) {
		enum level lv = p->per_pair_max > p->port_range
					? (lab->beyond_ports ? LEVEL_WARN : LEVEL_BLOCKS)
				: p->per_pair_max > BUDGET_PAIR_FAST ? LEVEL_WARN
								     : LEVEL_OK;

		c = add(r, "ports", "local ports", lv);
		SET(found,
		    "%u-%u in the lab's namespaces (%u per source address and server port; the host's own range does not apply)",
		    p->port_lo, p->port_hi, p->port_range);
		SET(needed,
		    "at most %llu per pair: %llu connections over %u client %s and %u server %s",
		    (unsigned long long)p->per_pair_max, (unsigned long long)p->connections,
		    p->addresses, p->addresses == 1 ? "address" : "addresses", p->nports,
		    p->nports == 1 ? "port" : "ports");
		if (lv == LEVEL_BLOCKS || (lv == LEVEL_WARN && p->per_pair_max > p->port_range)) {
			SET(why,
			    "a connection needs a free local port for its (source address, server address and port): past the range connect() fails with EADDRNOTAVAIL");
			SET(fix, "--set clients.addresses=%llu (or more server.ports)",
			    (unsigned long long)budget_ports_sources(p->connections, p->nports,
								     p->port_range));
		} else if (lv == LEVEL_WARN) {
			SET(why,
			    "past about 30k connections per pair the kernel's search for a free port makes connect() crawl (measured: 15k/s down to a few hundred per second)");
			SET(fix, "more clients.addresses or server.ports");
		}
		return;
	}
	{
		const char *set = lab_sysctl_get(lab, "net.ipv4.tcp_tw_reuse");
		int reuse = set ? atoi(set) : f->fresh_tw_reuse;
		uint64_t tuples = (uint64_t)p->addresses * p->nports * p->port_range;
		uint64_t tw = lab->rate ? lab->rate * 60 : 0;
		int short_ = reuse != 1 && (!lab->rate || tw > tuples);

		c = add(r, "ports", "local ports and TIME_WAIT", short_ ? LEVEL_WARN : LEVEL_OK);
		SET(found,
		    "%llu local (address, port) pairs; tcp_tw_reuse %d in the lab's namespaces%s",
		    (unsigned long long)tuples, reuse,
		    reuse == 2	? " (2 is loopback only: no reuse between namespaces)"
		    : reuse < 0 ? " (unknown)"
				: "");
		if (lab->rate)
			SET(needed, "%llu in TIME_WAIT at %llu/s (60 s each) at the closing side",
			    (unsigned long long)tw, (unsigned long long)lab->rate);
		else
			SET(needed, "unbounded: churn at an unlimited rate");
		if (short_) {
			SET(why,
			    "each closed connection keeps its port in TIME_WAIT for 60 s at the side that closed first; when the pairs run out connect() slows down and fails with EADDRNOTAVAIL");
			SET(fix,
			    "--set sysctl.net.ipv4.tcp_tw_reuse=1, --set clients.closer=server, or more clients.addresses");
		}
	}
}

static void check_epoll(struct host_report *r, const struct host_facts *f, const struct lab *lab)
{
	uint64_t need = 2 * (lab->client_mode == CLIENT_HOLD ? lab->connections : lab->inflight);
	enum level lv = f->epoll_watches && need > f->epoll_watches ? LEVEL_WARN : LEVEL_OK;
	struct host_check *c = add(r, "epoll", "fs.epoll.max_user_watches", lv);

	SET(found, "%llu", (unsigned long long)f->epoll_watches);
	SET(needed, "%llu: both ends of every connection, watched by processes of one user",
	    (unsigned long long)need);
	if (lv != LEVEL_OK) {
		SET(why, "past it epoll_ctl fails with ENOSPC: connects fail near %llu connections",
		    (unsigned long long)(f->epoll_watches / 2));
		SET(fix, "sysctl -w fs.epoll.max_user_watches=%llu on the host",
		    (unsigned long long)(need + need / 10));
	}
}

static void check_features(struct host_report *r, const struct host_facts *f)
{
	struct host_check *c;

	c = add(r, "bind-no-port", "IP_BIND_ADDRESS_NO_PORT",
		f->bind_no_port ? LEVEL_OK : LEVEL_BLOCKS);
	SET(found, "%s", f->bind_no_port ? "works (tried on a socket)" : "refused by this kernel");
	SET(needed, "Linux 4.2 or later");
	SET(why,
	    "the flood binds each connection to its source address without a port, so that more than 64k connections share one address");
	if (!f->bind_no_port)
		SET(fix, "a newer kernel");
	c = add(r, "netns-hash", "per-namespace TCP hash", f->child_ehash ? LEVEL_OK : LEVEL_WARN);
	SET(found, "%s",
	    f->child_ehash ? "net.ipv4.tcp_child_ehash_entries exists"
			   : "this kernel has no net.ipv4.tcp_child_ehash_entries");
	SET(needed, "Linux 6.1 or later (connlab sizes each namespace's hash to the lab)");
	if (!f->child_ehash)
		SET(why,
		    "all namespaces share the host's TCP hash: it still works, lookups of a million connections are slower");
	c = add(r, "migrate-req", "tcp_migrate_req", f->migrate_req ? LEVEL_OK : LEVEL_WARN);
	SET(found, "%s",
	    f->migrate_req ? "net.ipv4.tcp_migrate_req exists"
			   : "this kernel has no net.ipv4.tcp_migrate_req");
	SET(needed, "Linux 5.14 or later (the server namespace sets it)");
	if (!f->migrate_req)
		SET(why,
		    "a server worker that leaves its SO_REUSEPORT group resets its queued connections instead of handing them on");
}

static void check_userns(struct host_report *r, const struct host_facts *f)
{
	const char *no = NULL;
	char why[200];
	struct host_check *c;

	if (f->max_userns == 0)
		no = "user.max_user_namespaces is 0";
	else if (f->unpriv_userns == 0)
		no = "kernel.unprivileged_userns_clone is 0";
	else if (f->apparmor_userns == 1)
		no = "kernel.apparmor_restrict_unprivileged_userns is 1 (AppArmor)";
	c = add(r, "userns", "user namespaces", no && f->euid != 0 ? LEVEL_WARN : LEVEL_OK);
	snprintf(
		why, sizeof(why),
		"max_user_namespaces %lld, unprivileged_userns_clone %s, apparmor_restrict_unprivileged_userns %s",
		(long long)f->max_userns,
		f->unpriv_userns < 0 ? "absent"
		: f->unpriv_userns   ? "1"
				     : "0",
		f->apparmor_userns < 0 ? "absent"
		: f->apparmor_userns   ? "1"
				       : "0");
	SET(found, "%s", why);
	SET(needed, "an ordinary user able to create user namespaces (for labs without root)");
	if (no) {
		SET(why, "%s: an ordinary user cannot create a user namespace here", no);
		SET(fix, "as root: sysctl -w %s",
		    f->max_userns == 0 ? "user.max_user_namespaces=15000"
		    : f->unpriv_userns == 0
			    ? "kernel.unprivileged_userns_clone=1"
			    : "kernel.apparmor_restrict_unprivileged_userns=0 (or an AppArmor profile for connlab)");
	}
}

static void check_lab_sysctls(struct host_report *r, const struct kernel_view *kv,
			      const struct lab *lab, const struct plan *p)
{
	struct tuning_scale sc;
	struct tuning *t = &r->sysctls;
	char buf[LAB_SYSCTL_NAME_MAX + LAB_SYSCTL_VALUE_MAX + 8];
	struct host_check *c;
	unsigned worst = 0;

	host_tuning_scale(lab, p, &sc);
	for (unsigned i = 0; i < lab->n_sysctl; i++) {
		const struct sysctl_setting *s = &lab->sysctl[i];
		int n = snprintf(buf, sizeof(buf), "%s%s = %s\n", s->optional ? "-" : "", s->name,
				 s->value);

		if (tuning_parse(t, lab->source, buf, (size_t)n))
			break;
		t->line[t->n - 1].line = s->line;
		if (s->line <= 0)
			snprintf(t->line[t->n - 1].file, sizeof(t->line[0].file), "%s",
				 s->line ? "--set" : "(every lab)");
	}
	tuning_classify(t, kv, &sc);
	/* a lab writes its sysctls in its own namespaces: a host-wide one
	 * cannot be set there, whatever it would do on the host */
	for (unsigned i = 0; i < t->n; i++) {
		struct tuning_line *l = &t->line[i];
		char was[sizeof(l->text)];

		if (l->dash && l->level == LEVEL_BLOCKS) {
			snprintf(was, sizeof(was), "%s", l->text);
			snprintf(
				l->text, sizeof(l->text),
				"Optional (-%.80s in the lab): skipped where it cannot be set. %.700s",
				l->name, was);
			l->level = LEVEL_WARN;
			continue;
		}
		if (l->level == LEVEL_BLOCKS || l->scope < 0 || l->scope == KSCOPE_NETNS)
			continue;
		snprintf(was, sizeof(was), "%s", l->text);
		snprintf(
			l->text, sizeof(l->text),
			"%sA lab can set only per-namespace sysctls, and this one is %s: set it on the host (sysctl -w %.80s=%.64s, as root), not in the lab. %.400s",
			l->dash ? "Optional, skipped: " : "",
			kernel_scope_name((enum kscope)l->scope), l->name, l->value, was);
		l->level = l->dash ? LEVEL_WARN : LEVEL_BLOCKS;
		l->verdict = TV_GLOBAL;
	}
	for (unsigned i = 0; i < t->n; i++)
		if (t->line[i].level > t->line[worst].level)
			worst = i;
	if (!t->n) {
		c = add(r, "lab-sysctls", "the lab's sysctls", LEVEL_OK);
		SET(found, "none");
		return;
	}
	{
		const struct tuning_line *l = &t->line[worst];
		enum level lv = l->level == LEVEL_BLOCKS ? LEVEL_BLOCKS
				: l->level == LEVEL_WARN ? LEVEL_WARN
							 : LEVEL_OK;

		c = add(r, "lab-sysctls", "the lab's sysctls", lv);
		SET(found, "%u set in every lab namespace%s", t->n,
		    kv->probed ? ", each tried in a fresh namespace"
			       : " (not tried: no fresh namespace)");
		SET(needed, "each per network namespace and taken by this kernel");
		if (lv != LEVEL_OK) {
			if (l->line > 0)
				SET(why, "%.150s:%d: %.80s = %.64s: %s: %.900s", l->file, l->line,
				    l->name, l->value, tuning_verdict_name(l->verdict), l->text);
			else
				SET(why, "%s sysctl.%.80s=%.64s: %s: %.900s",
				    l->line < 0 ? "--set" : "(every lab)", l->name, l->value,
				    tuning_verdict_name(l->verdict), l->text);
			if (lv == LEVEL_BLOCKS && l->line < 0)
				SET(fix, "drop --set sysctl.%s", l->name);
			else if (lv == LEVEL_BLOCKS)
				SET(fix, "remove or correct that line of the lab's [sysctl]");
		}
	}
}

void host_check_all(const struct host_facts *f, const struct kernel_view *kv, const struct lab *lab,
		    const struct plan *p, struct host_report *out)
{
	struct host_needs n;

	memset(out, 0, sizeof(*out));
	tuning_init(&out->sysctls);
	host_needs_of(lab, p, &n);
	check_privileges(out, f);
	check_proc_sys(out, f);
	check_nofile(out, f, p);
	check_nr_open(out, f, p);
	check_file_max(out, f, &n);
	check_memory(out, f, lab, &n);
	check_tcp_mem(out, f, &n);
	check_orphans(out, f, lab);
	check_epoll(out, f, lab);
	check_conntrack(out, f, lab, &n);
	check_neigh(out, f, &n);
	check_ipv6(out, f, lab, &n);
	check_ports(out, lab, p, f);
	check_features(out, f);
	check_userns(out, f);
	check_lab_sysctls(out, kv, lab, p);
	for (unsigned i = 0; i < out->n; i++) {
		out->blocks += out->c[i].level == LEVEL_BLOCKS;
		out->warns += out->c[i].level == LEVEL_WARN;
	}
}

void host_report_free(struct host_report *r)
{
	tuning_free(&r->sysctls);
}

void host_report_write(const struct host_report *r, const struct host_facts *f,
		       const struct lab *lab, FILE *out)
{
	char m[32], cn[32];

	fprintf(out,
		"connlab doctor: lab '%s' (%s connections, %s) on this host: Linux %s, %u CPUs, %s\n\n",
		lab->name, units_fmt_count(lab->connections, cn, sizeof(cn)),
		client_mode_name(lab->client_mode), f->release, f->cpus,
		units_fmt_size(f->mem_total, m, sizeof(m)));
	for (unsigned i = 0; i < r->n; i++) {
		const struct host_check *c = &r->c[i];

		fprintf(out, "  %-6s %-26s %s\n", level_name(c->level), c->title, c->found);
		fprintf(out, "  %-6s %-26s needs %s\n", "", "", c->needed);
		if (*c->why && c->level != LEVEL_OK)
			fprintf(out, "  %-6s %-26s why: %s\n", "", "", c->why);
		if (*c->fix)
			fprintf(out, "  %-6s %-26s fix: %s\n", "", "", c->fix);
	}
	if (r->blocks)
		fprintf(out,
			"\nBlocked: %u %s would stop the run before anything is built (%u %s).\n",
			r->blocks, r->blocks == 1 ? "check" : "checks", r->warns,
			r->warns == 1 ? "warning" : "warnings");
	else
		fprintf(out, "\nReady: nothing blocks the lab (%u %s).\n", r->warns,
			r->warns == 1 ? "warning" : "warnings");
}
