/* SPDX-License-Identifier: MIT */
/* procs.c - what the findings need of the live run that the kernel's
 * namespace counters do not say: each lab process's open files against
 * its limit and its peak memory (the host's memory: memory.c). */
#define _GNU_SOURCE
#include <string.h>

#include "run/launcher.h"

/* A process stopped (SIGSTOP, a debugger) does nothing and says nothing:
 * its figures stand still from then. Seen in a full sample (every fifth),
 * said once. */
static void note_stopped(struct run *r, struct proc_watch *p, double t)
{
	char st = p->stopped_s < 0 && !r->pausing ? procfs_state(p->pid) : 0;

	if (st != 'T' && st != 't')
		return;
	p->stopped_s = t;
	p->stopped_phase = r->ph.now;
	log_msg(LOGL_WARN,
		"%s%s (pid %d) is stopped (SIGSTOP or a debugger), seen at %.1f s in the %s phase: it does nothing from then and its figures stand still",
		r->child[p->child].name, p->pid == r->child[p->child].pid ? "" : "'s worker",
		(int)p->pid, t, phase_name(r->ph.now, r->lab->client_mode));
}

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
		p->stopped_s = -1;
	}
	full |= p->seen++ < 3;
	/* the name may change at exec: the last one read stands */
	if (full) {
		procfs_comm(pid, p->comm, sizeof(p->comm));
		note_stopped(r, p, t);
	}
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
