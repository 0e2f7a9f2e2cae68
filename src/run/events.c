/* SPDX-License-Identifier: MIT */
/* events.c - the lab's events carried out: at its time into the hold (or
 * the churn) each one starts (the server restarted, workers killed, the
 * server paused, a link down), its disturbance ends (the server started
 * again, continued, the link up), and its window stays open until the
 * kernel's count of established connections is back at what it was, or
 * the hold ends. What was measured in the window is eventmeasure.c's. */
#define _GNU_SOURCE
#include "run/launcher.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A window stays open this long after the recovery: the floods' stats
 * lines (every 500 ms) catch up with the kernel. */
#define SETTLE_S 1.0
/* A server that a restart's SIGTERM has not ended by then gets SIGKILL. */
#define RESTART_KILL_S 10.0

void run_events_init(struct run *r)
{
	r->nevents = r->lab->n_event;
	for (unsigned i = 0; i < r->nevents; i++) {
		struct run_event *e = &r->events[i];

		memset(e, 0, sizeof(*e));
		e->lab = &r->lab->event[i];
		e->t_s = e->end_s = e->exit_s = e->recovered_s = e->recovered99_s = -1;
	}
}

/* The server child running now: the last one started. */
static int server_child(const struct run *r)
{
	for (int i = (int)r->nchild - 1; i >= 0; i--)
		if (!r->child[i].is_flood && !r->child[i].retired && !r->child[i].exited)
			return i;
	return -1;
}

/* The server's processes as a tree under its child: the leaves are its
 * workers (the built-in server's, nginx's), their parent its master (the
 * child itself for a server of one process). The leaves, at most max, and
 * the master. */
static unsigned server_leaves(pid_t top, pid_t *leaf, unsigned max, pid_t *master)
{
	pid_t todo[128], up[128], kids[64];
	unsigned ntodo = 1, n = 0;
	int found = 0;

	todo[0] = top;
	up[0] = top;
	*master = top;
	while (ntodo && n < max) {
		pid_t p = todo[--ntodo], parent = up[ntodo];
		unsigned k = procfs_children(p, kids, 64);

		if (!k && p != top) {
			if (!found++)
				*master = parent; /* the parent of the first worker */
			leaf[n++] = p;
			continue;
		}
		for (unsigned i = 0; i < k && ntodo < 128; i++) {
			up[ntodo] = p;
			todo[ntodo++] = kids[i];
		}
	}
	return n;
}

static void start_restart(struct run *r, struct run_event *e, int c)
{
	e->child = (unsigned)c;
	r->child[c].retired = 1;
	run_signal_child(&r->child[c], SIGTERM);
}

/* kill N: N of the server's workers (the leaves of its tree); the built-in
 * server keeps one at least (a command's master starts new ones). */
static void start_kill(struct run *r, struct run_event *e, int c)
{
	pid_t w[64], master;
	unsigned n = server_leaves(r->child[c].pid, w, 64, &master), want = (unsigned)e->lab->count;

	if (!n || n < want + (r->user_server ? 0 : 1)) {
		snprintf(e->failed, sizeof(e->failed),
			 "the server has %u worker %s: kill %u would leave %s", n,
			 n == 1 ? "process" : "processes", want,
			 n < want ? "fewer than asked" : "none");
		return;
	}
	for (unsigned i = 0; i < want; i++) {
		e->pid[e->npid++] = w[n - 1 - i];
		kill(w[n - 1 - i], SIGKILL);
	}
}

/* pause: the server and its workers stopped; a command's whole group */
static void pause_signal(struct run *r, struct run_event *e, int c, int sig)
{
	const struct child *ch = &r->child[c];

	if (ch->group) {
		kill(-ch->pid, sig);
		return;
	}
	if (sig == SIGSTOP) {
		e->pid[0] = ch->pid;
		e->npid = 1 + procfs_children(ch->pid, e->pid + 1, 63);
	}
	for (unsigned i = 0; i < e->npid; i++)
		kill(e->pid[i], sig);
}

static void link_set(struct run *r, struct run_event *e, int up)
{
	char err[200];

	if (topo_link_set(r->lab, r->plan, &r->topo, TOPO_CLIENT0 + e->lab->netns, up, err,
			  sizeof(err)) &&
	    !e->failed[0])
		snprintf(e->failed, sizeof(e->failed), "%s", err);
}

static void say(const struct run *r, const struct run_event *e, const char *what)
{
	char ev[64];

	log_msg(LOGL_INFO, "event at %.1f s (%s +%.1f s): %s%s%s", run_elapsed(r),
		run_phase_label(r, r->ph.now), run_elapsed(r) - r->ph.t[r->ph.now][0],
		event_fmt(e->lab, ev, sizeof(ev)), what[0] ? ": " : "", what);
}

/* The window closes before the recovery was seen: one whose count never
 * fell lost nothing and was back when its disturbance ended. */
static void window_close(struct run *r, struct run_event *e, const char *by)
{
	if (e->recovered_s < 0 && e->end_s >= 0 && e->min_estab >= e->target)
		e->recovered_s = e->recovered99_s = e->end_s;
	if (e->recovered_s < 0)
		snprintf(e->cut, sizeof(e->cut), "%s, at %.1f s", by, run_elapsed(r));
	run_event_snap(r, &e->at[1]);
	e->state = RE_CLOSED;
}

/* The event begins: its start measured, then done. */
static void event_start(struct run *r, struct run_event *e)
{
	int c = server_child(r);

	for (unsigned i = 0; i < r->nevents; i++) /* one window at a time */
		if (&r->events[i] != e && r->events[i].state == RE_RECOVERING)
			window_close(r, &r->events[i], "the next event");
	e->t_s = run_elapsed(r);
	run_event_snap(r, &e->at[0]);
	e->target = e->at[0].estab;
	e->min_estab = e->target;
	e->state = RE_ACTIVE;
	if (c < 0 && e->lab->kind != EVENT_LINK_DOWN) {
		snprintf(e->failed, sizeof(e->failed), "no server was running");
	} else if (e->lab->kind == EVENT_RESTART) {
		start_restart(r, e, c);
	} else if (e->lab->kind == EVENT_KILL) {
		start_kill(r, e, c);
	} else if (e->lab->kind == EVENT_RELOAD) {
		pid_t w[1], master;

		server_leaves(r->child[c].pid, w, 1, &master);
		e->pid[e->npid++] = master;
		kill(master, SIGHUP);
	} else if (e->lab->kind == EVENT_PAUSE) {
		r->pausing = 1;
		pause_signal(r, e, c, SIGSTOP);
	} else {
		link_set(r, e, 0);
	}
	say(r, e, e->failed);
	if (e->failed[0] || e->lab->kind == EVENT_KILL || e->lab->kind == EVENT_RELOAD) {
		e->end_s = e->t_s;
		e->state = RE_RECOVERING;
	}
}

/* restart: the old server gone, the gap waited, a new one started */
static void step_restart(struct run *r, struct run_event *e, double now)
{
	struct child *old = &r->child[e->child];
	int st;

	if (e->exit_s < 0 && old->exited)
		e->exit_s = old->exit_s;
	if (e->exit_s < 0) {
		if (now - e->t_s > RESTART_KILL_S)
			run_signal_child(old, SIGKILL);
		return;
	}
	if (now - e->exit_s < (double)e->lab->for_us / 1e6)
		return;
	st = run_start_servers(r);
	if (st)
		snprintf(e->failed, sizeof(e->failed), "cannot start the server again: %s",
			 strerror(-st));
	e->end_s = now;
	e->state = RE_RECOVERING;
	say(r, e, st ? e->failed : "the server started again");
}

/* pause and link-down: over after their time */
static void step_timed(struct run *r, struct run_event *e, double now)
{
	int c = server_child(r);

	if (now - e->t_s < (double)e->lab->for_us / 1e6)
		return;
	if (e->lab->kind == EVENT_PAUSE) {
		if (c >= 0)
			pause_signal(r, e, c, SIGCONT);
		r->pausing = 0;
	} else {
		link_set(r, e, 1);
	}
	e->end_s = now;
	e->state = RE_RECOVERING;
	say(r, e, e->lab->kind == EVENT_PAUSE ? "the server continues" : "the link is up again");
}

void run_events_tick(struct run *r, double in_phase)
{
	double now = run_elapsed(r);

	for (unsigned i = 0; i < r->nevents; i++) {
		struct run_event *e = &r->events[i];

		if (e->state == RE_WAITING && in_phase * 1e6 >= (double)e->lab->at_us)
			event_start(r, e);
		if (e->state == RE_ACTIVE && e->lab->kind == EVENT_RESTART)
			step_restart(r, e, now);
		else if (e->state == RE_ACTIVE)
			step_timed(r, e, now);
		if (e->state == RE_ACTIVE || e->state == RE_RECOVERING)
			run_event_watch(r, e);
		if (e->state == RE_RECOVERING && e->recovered_s >= 0 &&
		    now - e->recovered_s >= SETTLE_S) {
			run_event_snap(r, &e->at[1]);
			e->state = RE_CLOSED;
		}
	}
}

void run_events_close(struct run *r)
{
	for (unsigned i = 0; i < r->nevents; i++) {
		struct run_event *e = &r->events[i];

		if (e->state == RE_WAITING || e->state == RE_CLOSED)
			continue;
		if (e->state == RE_ACTIVE && e->lab->kind == EVENT_PAUSE)
			pause_signal(r, e, server_child(r) >= 0 ? server_child(r) : 0, SIGCONT);
		if (e->state == RE_ACTIVE && e->lab->kind == EVENT_LINK_DOWN)
			link_set(r, e, 1);
		r->pausing = 0;
		window_close(r, e,
			     r->lab->client_mode == CLIENT_HOLD ? "the end of the hold"
								: "the end of the churn");
	}
}
