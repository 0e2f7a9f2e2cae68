/* SPDX-License-Identifier: MIT */
/* procs.c - what the findings need of the live run that the kernel's
 * namespace counters do not say: each lab process's open files against
 * its limit and its peak memory, the host's MemAvailable against the
 * lab's floor, and the slab caches a connection's kernel memory goes to. */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>

#include "run/launcher.h"

/* Watches pid (of child ci) and its descendants, depth first. Each
 * sample reads what moves (open files: a stat of /proc/PID/fd, 6 us at
 * 19,000 files); its peak RSS, name, limit and children (60 us each) only
 * in the first samples of a process and
 * every fifth one after: at a million connections a lab has over a hundred
 * processes, and the launcher's budget is 2% of a core. */
static void watch(struct run *r, pid_t pid, int ci, double t, int depth, int full)
{
	struct proc_watch *p = NULL;
	pid_t kids[64];
	unsigned n;
	int64_t fds;

	for (unsigned i = 0; i < r->nprocs; i++)
		if (r->procs[i].pid == pid) {
			p = &r->procs[i];
			break;
		}
	if (!p) {
		if (r->nprocs == RUN_PROCS_MAX) {
			r->procs_dropped++;
			return;
		}
		p = &r->procs[r->nprocs++];
		memset(p, 0, sizeof(*p));
		p->pid = pid;
		p->child = ci;
		p->peak_fds = -1;
	}
	full |= p->seen++ < 3;
	/* the name may change at exec: the last one read stands */
	if (full)
		procfs_comm(pid, p->comm, sizeof(p->comm));
	fds = procfs_fds(pid);
	if (fds < 0)
		p->gone = 1; /* exited: not read again */
	if (fds > p->peak_fds) {
		p->peak_fds = fds;
		p->peak_fds_s = t;
	}
	{
		/* VmHWM is a high-water mark: reading it less often loses nothing
		 * but the last seconds of a process that exits */
		uint64_t lim = full ? procfs_nofile_of(pid) : 0, hwm = full ? procfs_hwm(pid) : 0;

		if (lim)
			p->fd_limit = lim;
		if (hwm > p->peak_rss)
			p->peak_rss = hwm;
	}
	if (depth > 4)
		return;
	if (!full) { /* the known descendants only */
		for (unsigned i = 0; i < r->nprocs; i++)
			if (r->procs[i].child == ci && r->procs[i].parent == pid &&
			    !r->procs[i].gone)
				watch(r, r->procs[i].pid, ci, t, depth + 1, 0);
		return;
	}
	n = procfs_children(pid, kids, 64);
	for (unsigned k = 0; k < n; k++) {
		watch(r, kids[k], ci, t, depth + 1, 1);
		for (unsigned i = 0; i < r->nprocs; i++)
			if (r->procs[i].pid == kids[k])
				r->procs[i].parent = pid;
	}
}

void run_watch_procs(struct run *r)
{
	double t = run_elapsed(r);

	int full = r->nrows % 5 == 0;

	for (unsigned i = 0; i < r->nchild; i++)
		if (!r->child[i].exited)
			watch(r, r->child[i].pid, (int)i, t, 0, full);
}

const char *const run_slab_cache_names[RUN_SLAB_CACHES] = {
	"TCP",
	"tw_sock_TCP",
	"request_sock_TCP",
	"TCPv6", /* an IPv6 socket is a struct tcp6_sock */
	"tw_sock_TCPv6",
	"request_sock_TCPv6",
	"sock_inode_cache",
	"dentry",
	"filp",
	"eventpoll_epi",
	"eventpoll_pwq",
	"skbuff_head_cache",
	"skbuff_small_head",
	"nf_conntrack",
	"kmalloc-*",
};

static int on_slab(const char *name, uint64_t objects, uint64_t bytes, void *arg)
{
	struct slab_cache *c = arg;

	for (int i = 0; i < RUN_SLAB_CACHES; i++) {
		const char *want = run_slab_cache_names[i];
		size_t n = strlen(want);

		if (want[n - 1] == '*' ? !strncmp(name, want, n - 1) : !strcmp(name, want)) {
			c[i].objects += objects;
			c[i].bytes += bytes;
			break;
		}
	}
	return 0;
}

void run_take_slabs(struct run *r, int before)
{
	struct slab_cache *c = before ? r->slab_before : r->slab_hold;

	memset(c, 0, sizeof(r->slab_before));
	if (procfs_slabinfo(on_slab, c))
		return; /* not root, or no slabinfo: "not measured" */
	if (before)
		r->have_slabinfo = 1;
	else if (r->have_slabinfo)
		r->have_slabinfo = 2;
}

void run_check_memory(struct run *r)
{
	uint64_t avail = procfs_meminfo_kb("MemAvailable");
	double t = run_elapsed(r);

	if (!avail)
		return;
	if (!r->mem_min_kb || avail < r->mem_min_kb) {
		r->mem_min_kb = avail;
		r->mem_min_s = t;
	}
	if (!r->floor_kb || r->ph.now >= PH_DRAIN)
		return;
	if (r->ph.now == PH_RAMP && avail < r->floor_kb && r->floor_hit_s < 0) {
		char a[32], f[32];

		r->floor_hit_s = t;
		r->floor_avail_kb = avail;
		log_msg(LOGL_WARN,
			"MemAvailable %s is below lab.memory_floor %s: the ramp stops and holds what is open",
			units_fmt_size(avail * 1024, a, sizeof(a)),
			units_fmt_size(r->floor_kb * 1024, f, sizeof(f)));
		for (unsigned i = 0; i < r->nchild; i++) /* not a user's command: fatal there */
			if (r->child[i].is_flood && !r->child[i].group && !r->child[i].exited)
				kill(r->child[i].pid, SIGUSR1);
		run_phase_enter(r, PH_HOLD);
	} else if (avail < r->floor_kb / 2 && r->ph.now <= PH_HOLD) {
		char a[32], f[32];

		run_fail(
			r, EXIT_CANNOT_RUN,
			"MemAvailable %s fell below half of lab.memory_floor %s: the run stops before the host runs out of memory",
			units_fmt_size(avail * 1024, a, sizeof(a)),
			units_fmt_size(r->floor_kb * 1024, f, sizeof(f)));
	}
}
