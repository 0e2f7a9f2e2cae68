/* SPDX-License-Identifier: MIT */
/* checks.c - the lab against the host: each check ok, warn or blocks,
 * with what was found, what the lab needs, why, and the fix (the network's
 * in checks_net.c). Pure: the facts come in (host_facts_read, or a
 * test's); nothing here reads or changes the host. */
#define _GNU_SOURCE
#include "host/check.h"

#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/budget.h"
#include "engine/tls.h"
#include "util/procfs.h"
#include "util/status.h"
#include "util/units.h"

static const char *sz(uint64_t b, char *buf, size_t len)
{
	return units_fmt_size(b, buf, len);
}

static void check_privileges(struct host_report *r, const struct host_facts *f)
{
	char msg[600];
	struct host_check *c;

	if (!host_privileges(f, msg, sizeof(msg)) && !f->init_userns) {
		c = host_check_add(r, "privileges", "privileges", LEVEL_OK);
		SET(found, "rootless: root of a user namespace of its own (uid %u outside)",
		    (unsigned)f->outer_uid);
		SET(needed, "CAP_SYS_ADMIN and CAP_NET_ADMIN over the lab's namespaces");
		SET(why,
		    "a rootless lab cannot raise the open-file hard limit, write host-wide sysctls, read the kernel log or /proc/slabinfo (docs/rootless.md)");
		return;
	}
	if (!host_privileges(f, msg, sizeof(msg))) {
		c = host_check_add(r, "privileges", "privileges", LEVEL_OK);
		SET(found, "%s", f->euid == 0 ? "root" : "CAP_SYS_ADMIN and CAP_NET_ADMIN");
		SET(needed, "CAP_SYS_ADMIN and CAP_NET_ADMIN (namespaces, links, sysctls)");
		return;
	}
	c = host_check_add(r, "privileges", "privileges", LEVEL_BLOCKS);
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
		c = host_check_add(r, "proc-sys", "/proc/sys", LEVEL_OK);
		SET(found, "read-write");
		SET(needed, "read-write in the lab's namespaces (their sysctls)");
		return;
	}
	if (!f->proc_sys_fix) {
		c = host_check_add(r, "proc-sys", "/proc/sys", LEVEL_OK);
		SET(found,
		    "read-only here (a container), and connlab can remount it read-write in a mount namespace of its own (tried)");
		SET(needed, "read-write in the lab's namespaces (their sysctls)");
		return;
	}
	c = host_check_add(r, "proc-sys", "/proc/sys", LEVEL_BLOCKS);
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
		c = host_check_add(r, "nofile", "open files per process", LEVEL_BLOCKS);
		SET(found, "hard limit %llu", (unsigned long long)f->nofile_hard);
		SET(needed, "at least 256");
		SET(why, "each connection is a file; below 256 not even the launcher fits");
		SET(fix,
		    "ulimit -Hn 65536 as root, LimitNOFILE= for a service, or nofile in /etc/security/limits.conf");
		return;
	}
	c = host_check_add(r, "nofile", "open files per process",
			   procs > 256 ? LEVEL_WARN : LEVEL_OK);
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

/* A user's server command: one process, this limit; the program's own
 * connection setting is its own (with lab/programs.h's, when known). */
static void check_server_command(struct host_report *r, const struct host_facts *f,
				 const struct plan *p)
{
	struct host_check *c;

	if (!p->server_command)
		return;
	c = host_check_add(r, "server-command", "server command",
			   p->server_short ? LEVEL_WARN : LEVEL_OK);
	SET(found, "%.230s",
	    p->server_program[0] ? p->server_program : "a program connlab does not know");
	SET(needed, "%llu connections in one process of yours, given the open-file limit %llu",
	    (unsigned long long)p->connections, (unsigned long long)f->nofile_hard);
	SET(why,
	    "connlab starts the command as it is; what it holds is up to its own settings, which connlab reads where it can but never changes");
	if (p->server_short)
		SET(fix,
		    "raise the program's setting to %ld or more (connlab plan's warning says which)",
		    p->server_need);
}

static void check_nr_open(struct host_report *r, const struct host_facts *f, const struct plan *p)
{
	struct host_check *c = host_check_add(r, "nr-open", "fs.nr_open", LEVEL_OK);
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
	struct host_check *c = host_check_add(r, "file-max", "fs.file-max", lv);

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

/* The memory the lab needs against what is above its floor, by the
 * forecast's figures. */
static void check_memory(struct host_report *r, const struct host_facts *f, const struct lab *lab)
{
	const struct forecast *fc = &r->forecast;
	uint64_t need = fc->asked * fc->conn_bytes + fc->fixed,
		 fits = fc->row[FC_MEMORY].connections;
	int own_floor = lab_key_set(lab, "lab.memory_floor");
	enum level lv = LEVEL_OK;
	struct host_check *c;
	char a[32], b[32], k[32], fl[32];

	if (!f->mem_available)
		lv = LEVEL_WARN;
	else if (need > f->mem_available * 9 / 10)
		lv = own_floor && fc->floor ? LEVEL_WARN : LEVEL_BLOCKS;
	else if (fits < fc->asked)
		lv = LEVEL_WARN;
	c = host_check_add(r, "memory", "memory", lv);
	SET(found, "MemAvailable %s of %s; floor %s", sz(f->mem_available, a, sizeof(a)),
	    sz(f->mem_total, b, sizeof(b)), fc->floor ? sz(fc->floor, fl, sizeof(fl)) : "off");
	SET(needed, "about %s: %llu B a connection (%s) and %s for the processes",
	    sz(need, a, sizeof(a)), (unsigned long long)fc->conn_bytes,
	    fc->cost_measured
		    ? "kernel objects at this host's slab sizes, both ends, and user memory"
		    : "estimated kernel objects, both ends, and user memory",
	    sz(fc->fixed, k, sizeof(k)));
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
		    "at most %llu clients.connections, or set lab.memory_floor to run until memory is short, as lab/ceiling.lab does",
		    (unsigned long long)fits);
		return;
	}
	SET(why,
	    "memory above the floor holds about %llu connections: the ramp stops at the floor and holds what it has%s",
	    (unsigned long long)fits, own_floor ? " (the lab sets lab.memory_floor for that)" : "");
	if (!own_floor)
		SET(fix, "at most %llu clients.connections, or free memory on the host",
		    (unsigned long long)fits);
}

/* The forecast in one line: what the host holds and what comes first. */
static void check_forecast(struct host_report *r)
{
	const struct forecast *fc = &r->forecast;
	int short_ = fc->holds < fc->asked;
	struct host_check *c =
		host_check_add(r, "forecast", "forecast", short_ ? LEVEL_WARN : LEVEL_OK);

	SET(found, "holds about %llu connections%s", (unsigned long long)fc->holds,
	    short_ ? "" : ", every one asked");
	SET(needed, "%llu held at once", (unsigned long long)fc->asked);
	if (fc->first < 0)
		return;
	if (short_)
		SET(why, "%s %s first, at %llu connections: %s", forecast_kinds[fc->first].name,
		    forecast_kinds[fc->first].come,
		    (unsigned long long)fc->row[fc->first].connections, fc->row[fc->first].why);
	else
		SET(why, "the nearest limit is %s, at %llu connections: %s",
		    forecast_kinds[fc->first].name,
		    (unsigned long long)fc->row[fc->first].connections, fc->row[fc->first].why);
}

static void check_tcp_mem(struct host_report *r, const struct host_facts *f,
			  const struct host_needs *n)
{
	uint64_t need = n->tcp_pages + f->tcp_pages, ps = f->page_size ? f->page_size : 4096;
	enum level lv;
	struct host_check *c;
	char a[32], b[32], m[32];

	if (!f->tcp_mem[2]) {
		c = host_check_add(r, "tcp-mem", "net.ipv4.tcp_mem", LEVEL_WARN);
		SET(found, "not readable");
		SET(needed, "about %llu pages", (unsigned long long)n->tcp_pages);
		return;
	}
	lv = need > f->tcp_mem[1] ? LEVEL_WARN : LEVEL_OK;
	c = host_check_add(r, "tcp-mem", "net.ipv4.tcp_mem", lv);
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
	struct host_check *c = host_check_add(r, "orphans", "net.ipv4.tcp_max_orphans", LEVEL_OK);

	SET(found, "%llu", (unsigned long long)f->max_orphans);
	SET(needed, "up to %llu closing at once (the end of the run closes every connection)",
	    (unsigned long long)closing);
	if (f->max_orphans && closing > f->max_orphans)
		SET(why,
		    "past the limit the kernel resets the rest of the closing sockets (\"too many orphaned sockets\" in the kernel log); this happens after the measurements and changes no figure of the run");
}

static void check_features(struct host_report *r, const struct host_facts *f)
{
	struct host_check *c;

	c = host_check_add(r, "bind-no-port", "IP_BIND_ADDRESS_NO_PORT",
			   f->bind_no_port ? LEVEL_OK : LEVEL_BLOCKS);
	SET(found, "%s", f->bind_no_port ? "works (tried on a socket)" : "refused by this kernel");
	SET(needed, "Linux 4.2 or later");
	SET(why,
	    "the flood binds each connection to its source address without a port, so that more than 64k connections share one address");
	if (!f->bind_no_port)
		SET(fix, "a newer kernel");
	c = host_check_add(r, "netns-hash", "per-namespace TCP hash",
			   f->child_ehash ? LEVEL_OK : LEVEL_WARN);
	SET(found, "%s",
	    f->child_ehash ? "net.ipv4.tcp_child_ehash_entries exists"
			   : "this kernel has no net.ipv4.tcp_child_ehash_entries");
	SET(needed, "Linux 6.1 or later (connlab sizes each namespace's hash to the lab)");
	if (!f->child_ehash)
		SET(why,
		    "all namespaces share the host's TCP hash: it still works, lookups of a million connections are slower");
	c = host_check_add(r, "migrate-req", "tcp_migrate_req",
			   f->migrate_req ? LEVEL_OK : LEVEL_WARN);
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
	c = host_check_add(r, "userns", "user namespaces",
			   no && f->euid != 0 ? LEVEL_WARN : LEVEL_OK);
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

/* the TLS libraries built into this connlab (docs/tls.md) */
static void check_tls(struct host_report *r)
{
	struct host_check *c = host_check_add(r, "tls", "TLS libraries", LEVEL_OK);
	size_t o = 0;

	for (size_t i = 0; tls_libs[i] && o < sizeof(c->found); i++)
		o += (size_t)snprintf(c->found + o, sizeof(c->found) - o, "%s%s (%s)",
				      i ? ", " : "", tls_libs[i]->name, tls_libs[i]->version());
	SET(needed, "the library a lab's tls.library names (openssl by default)");
#ifndef HAVE_WOLFSSL
	SET(fix, "for wolfssl: apt-get install libwolfssl-dev, then build connlab again");
#endif
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
	check_server_command(out, f, p);
	check_nr_open(out, f, p);
	check_file_max(out, f, &n);
	host_forecast(f, lab, p, &out->forecast);
	check_forecast(out);
	check_memory(out, f, lab);
	check_tcp_mem(out, f, &n);
	check_orphans(out, f, lab);
	host_check_net(out, f, lab, p, &n);
	check_features(out, f);
	check_userns(out, f);
	check_tls(out);
	host_check_lab_sysctls(out, kv, lab, p);
	for (unsigned i = 0; i < out->n; i++) {
		out->blocks += out->c[i].level == LEVEL_BLOCKS;
		out->warns += out->c[i].level == LEVEL_WARN;
	}
}
