/* SPDX-License-Identifier: MIT */
/* fleet.c - connlab fleet's coordinator: the rounds in their order (check
 * every host, start the server, probe without load, the floods), then the
 * hosts' end and the result. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fleet/coord.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/status.h"

static int make_outdir(struct fleet *f)
{
	char path[600];

	if (run_outdir_make(f->o->out, f->started_wall, f->lab->name, f->outdir, sizeof(f->outdir)))
		return -1;
	snprintf(path, sizeof(path), "%s/hosts.log", f->outdir);
	f->log = fopen(path, "we");
	if (!f->log) {
		log_msg(LOGL_ERROR, "cannot write %s: %s; use --out DIR with a writable directory",
			path, strerror(errno));
		return -errno;
	}
	setvbuf(f->log, NULL, _IOLBF, 0);
	return 0;
}

/* why a host's command ended before its final line: its words, its exit
 * status, and when (the coordinator's clock), into its hold or not */
static void why_failed(const struct fleet *f, struct fhost *h)
{
	size_t n = strlen(h->why);

	if (h->why[0] && h->final_seen)
		return;
	n += (size_t)snprintf(h->why + n, sizeof(h->why) - n, "%sits command exited with status %d",
			      h->why[0] ? "; " : "", h->exit_code);
	if (n < sizeof(h->why) && h->ended_s >= 0)
		n += (size_t)snprintf(h->why + n, sizeof(h->why) - n, " at %.1f s", h->ended_s);
	if (n < sizeof(h->why) && h->ended_s >= 0 && h->hold_from_s >= 0 && !h->final_seen)
		snprintf(h->why + n, sizeof(h->why) - n, ", %.1f s into its hold of %.0f s",
			 h->ended_s - h->hold_from_s, (double)f->lab->duration_us / 1e6);
}

/* No line of its flood reached the coordinator: it never started when it
 * said why (its own words), else whether it ran is not known here. */
static void why_silent(struct fhost *h)
{
	if (h->why[0]) {
		h->state = "never started";
		return;
	}
	h->state = "silent";
	if (h->exit_code >= 0)
		snprintf(
			h->why, sizeof(h->why),
			"no line of its flood reached the coordinator; its command exited with status %d%s: whether its flood ran is not known",
			h->exit_code, h->exit_code == 255 ? " (ssh's own failure)" : "");
	else
		snprintf(
			h->why, sizeof(h->why),
			"no line of its flood reached the coordinator: whether its flood ran is not known");
}

/* A watch that went silent: the host's kernel figures stop there. */
static void why_watch(struct fhost *h)
{
	size_t n = strlen(h->why);

	if (h->watch_silent_s < 0 || fleet_host_gone(h) || n >= sizeof(h->why) - 1)
		return;
	snprintf(h->why + n, sizeof(h->why) - n,
		 "%sits kernel's figures (connlab watch there) stopped at %.1f s: none after",
		 n ? "; " : "", h->watch_silent_s);
}

static void finish_hosts(struct fleet *f)
{
	for (unsigned i = 0; i < f->nload; i++) {
		struct fhost *h = &f->h[i];

		if (strcmp(h->state, "running"))
			continue;
		if (!h->last) {
			why_silent(h);
		} else if (h->exit_code > 0) {
			h->state = "failed";
			why_failed(f, h);
		} else if (h->end_exit == EXIT_CANNOT_RUN) {
			/* it did not end at the word (stopped, stuck): ended by
			 * signal there, what it said of the hold does not hold */
			h->state = "failed";
			snprintf(h->why, sizeof(h->why), "at the end, %s", h->end_said);
		} else if (h->final_seen) {
			h->state = "done";
			h->why[0] = 0;
			if (h->end_sent && h->end_exit > 0)
				snprintf(
					h->why, sizeof(h->why),
					"the coordinator's end did not reach it (%s): it held to its own bound",
					h->end_said[0] ? h->end_said : "no word");
		} else {
			h->state = "stopped";
			snprintf(
				h->why, sizeof(h->why),
				f->interrupted
					? "stopped by the coordinator (interrupted); figures as of its last line"
					: "its flood ended without a final line");
		}
	}
	if (f->srv && !strcmp(f->srv->state, "running")) {
		f->srv->state = fleet_host_gone(f->srv) ? "failed" : "stopped";
		if (fleet_host_gone(f->srv))
			snprintf(
				f->srv->why, sizeof(f->srv->why),
				"its command exited with status %d at %.1f s, before the run ended",
				f->srv->exit_code, f->srv->ended_s);
		else
			snprintf(
				f->srv->why, sizeof(f->srv->why),
				"stopped by the coordinator at the end; figures as of its last line");
	}
	for (unsigned i = 0; i < f->nh; i++)
		why_watch(&f->h[i]);
}

/* The coordinator's state before any round: hosts planned, the run
 * directory, the timeline, the loop and its signals. */
static int fleet_init(struct fleet *f, const struct fleet_opts *o)
{
	const struct lab *lab = o->lab;

	memset(f, 0, sizeof(*f));
	f->o = o;
	f->lab = lab;
	f->fp = o->fp;
	f->waiting = -1;
	f->end_at_s = f->told_s = -1;
	f->t0 = clock_now_ns();
	f->started_wall = time(NULL);
	probe_tally_init(&f->tally);
	lab_dir(lab, f->labdir, sizeof(f->labdir));
	f->nload = f->fp->nhosts;
	f->nh = f->nload + (lab->fleet.server_host[0] ? 1 : 0);
	f->h = calloc(f->nh, sizeof(*f->h));
	if (!f->h)
		return -ENOMEM;
	for (unsigned i = 0; i < f->nh; i++) {
		struct fhost *h = &f->h[i];

		snprintf(h->name, sizeof(h->name), "%.63s",
			 i < f->nload ? f->fp->host[i].name : lab->fleet.server_host);
		h->rank = i < f->nload ? (int)i : -1;
		h->state = "planned";
		h->exit_code = -1;
		h->hold_from_s = -1;
		h->hold_end_s = -1;
		h->watch_silent_s = -1;
		h->end_exit = -1;
		h->final_s = -1;
		h->ended_s = -1;
		h->msgs = json_array();
	}
	if (f->nh > f->nload)
		f->srv = &f->h[f->nload];
	if (make_outdir(f)) {
		for (unsigned i = 0; i < f->nh; i++)
			json_decref(f->h[i].msgs);
		free(f->h);
		return -1;
	}
	f->tl = fleet_timeline_new(f);
	f->base = event_base_new();
	f->sig[0] = evsignal_new(f->base, SIGINT, fleet_on_signal, f);
	f->sig[1] = evsignal_new(f->base, SIGTERM, fleet_on_signal, f);
	f->sig[2] = evsignal_new(f->base, SIGCHLD, fleet_on_signal, f);
	for (int i = 0; i < 3; i++)
		event_add(f->sig[i], NULL);
	/* the end sockets' names: this run's own on every host */
	snprintf(f->run_id, sizeof(f->run_id), "%lx-%x", (unsigned long)f->started_wall,
		 (unsigned)getpid());
	f->deadline = evtimer_new(f->base, fleet_on_deadline, f);
	if (fleet_events_init(f))
		return -ENOMEM;
	snprintf(f->outcome, sizeof(f->outcome), "ok");
	return 0;
}

/* The reason nothing ran, in f->reason; EXIT_OK */
static int fail(struct fleet *f, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct fleet *f, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->reason, sizeof(f->reason), fmt, ap);
	va_end(ap);
	return status;
}

/* 1. every host: reachable, its sources there, its share fits */
static int step_check(struct fleet *f, unsigned *ready)
{
	char names[300] = "";
	size_t at = 0;

	*ready = fleet_check_round(f);
	if (f->interrupted)
		return fail(f, EXIT_INTERRUPTED, "interrupted while checking the hosts");
	if (f->pdsh_failed) /* said when it failed; no host was tried */
		return fail(f, EXIT_CANNOT_RUN, "%s could not be run: no host was started",
			    f->o->pdsh ? f->o->pdsh : "pdsh");
	for (unsigned i = 0; i < f->nh; i++)
		if (strcmp(f->h[i].state, "ready"))
			fprintf(stderr, "connlab fleet: host %s %s: %s\n", f->h[i].name,
				f->h[i].state, f->h[i].why);
	if (f->srv && strcmp(f->srv->state, "ready"))
		return fail(f, EXIT_CANNOT_RUN, "the server host %s is %s: %s", f->srv->name,
			    f->srv->state, f->srv->why);
	if (*ready && (*ready == f->nload || f->lab->fleet.on_failure != FLEET_STOP))
		return EXIT_OK;
	for (unsigned i = 0; i < f->nload && at < sizeof(names) - 1; i++)
		if (strcmp(f->h[i].state, "ready"))
			at += (size_t)snprintf(names + at, sizeof(names) - at, "%s%s",
					       at ? ", " : "", f->h[i].name);
	if (*ready)
		return fail(f, EXIT_CANNOT_RUN,
			    "host%s %s cannot run its share and fleet.on_failure = stop",
			    strchr(names, ',') ? "s" : "", names);
	return fail(f, EXIT_CANNOT_RUN, "no load host can run its share (%s)", names);
}

/* 2. the server, when the lab starts it; connlab watch there */
static int step_server(struct fleet *f)
{
	fleet_enter_phase(f, PH_SERVERS);
	if (!f->srv || !fleet_server_round(f))
		return EXIT_OK;
	if (f->interrupted)
		return fail(f, EXIT_INTERRUPTED, "interrupted while starting the server");
	return EXIT_CANNOT_RUN; /* the round said why */
}

/* 3. the probes from here over the target's family (ICMP or ICMPv6 echo,
 * connects), first without load; the timeline's tick */
static int step_before(struct fleet *f)
{
	const struct lab *lab = f->lab;
	const struct addr6 *t6 = f->fp->six ? &f->fp->target6 : NULL;
	struct timeval tv = clock_tv(lab->interval_us);
	uint64_t until;
	int e;

	e = probe_start(f->base, -1, f->fp->target, t6, lab->ports.port[0], lab->ping_interval_us,
			lab->connect_interval_us, fleet_on_probe, f, &f->probe);
	if (e && lab->ping_interval_us) {
		snprintf(
			f->ping_unavailable, sizeof(f->ping_unavailable),
			"no ping from this host (%s): ping sockets need the group in net.ipv4.ping_group_range",
			strerror(-e));
		e = probe_start(f->base, -1, f->fp->target, t6, lab->ports.port[0], 0,
				lab->connect_interval_us, fleet_on_probe, f, &f->probe);
	}
	if (e)
		f->probe = NULL;
	f->tick = event_new(f->base, -1, EV_PERSIST, fleet_on_tick, f);
	event_add(f->tick, &tv);
	fleet_enter_phase(f, PH_BEFORE);
	until = clock_now_ns() + 3 * lab->interval_us * 1000;
	while (!f->interrupted && clock_now_ns() < until) {
		struct timeval step = { 0, 100000 };

		event_base_loopexit(f->base, &step);
		event_base_dispatch(f->base);
	}
	if (f->interrupted)
		return fail(f, EXIT_INTERRUPTED, "interrupted before the floods started");
	return EXIT_OK;
}

static void on_events_tick(evutil_socket_t fd, short what, void *arg)
{
	struct fleet *f = arg;
	struct fevent *e = fleet_events_tick(f);

	(void)fd;
	(void)what;
	if (!e)
		return;
	fleet_end_round(f, ROUND_EVENT); /* the last event's word, long done */
	fleet_events_told(f, e, fleet_spawn_pdsh(f, ROUND_EVENT, f->srv->name, 1, 30));
}

/* 4. the floods, until every host's pdsh is done */
static int step_floods(struct fleet *f, unsigned ready)
{
	char *csv = fleet_host_csv(f, 1, 1);
	int e;

	for (unsigned i = 0; i < f->nload; i++)
		if (!strcmp(f->h[i].state, "ready"))
			f->h[i].state = "running";
	fleet_enter_phase(f, PH_RAMP);
	fleet_end_start(f);
	if (f->nev) { /* the events' times, to 100 ms */
		struct timeval tv = { 0, 100000 };

		f->ev_tick = event_new(f->base, -1, EV_PERSIST, on_events_tick, f);
		event_add(f->ev_tick, &tv);
	}
	/* pdsh -u: the floods' own bound, and a minute for ssh */
	e = !csv || fleet_spawn_pdsh(f, ROUND_FLOOD, csv, ready,
				     (unsigned)(fleet_flood_bound_us(f->lab) / 1000000) + 60);
	free(csv);
	if (e)
		return fail(f, EXIT_CANNOT_RUN, "cannot start pdsh for the floods");
	fleet_wait_round(f, ROUND_FLOOD, 0);
	fleet_events_end(f);
	if (f->ph.now != PH_DRAIN)
		fleet_enter_phase(f, PH_DRAIN);
	fleet_tick(f);
	fleet_publish(f);
	return EXIT_OK;
}

/* The end: every round stopped, the hosts' states, the outcome. */
static int step_end(struct fleet *f, int status)
{
	f->ending = 1;
	fleet_end_round(f, ROUND_FLOOD);
	/* the word of the end: what it did on each host (it ends as soon as
	 * its flood has) */
	if (f->pr[ROUND_END].pid > 0 && !f->interrupted)
		fleet_wait_round(f, ROUND_END, 10000000);
	fleet_end_round(f, ROUND_END);
	fleet_events_end(f); /* interrupted: the windows close here */
	fleet_end_round(f, ROUND_EVENT);
	if (f->srv)
		fleet_end_round(f, ROUND_SERVER);
	fleet_enter_phase(f, PH_TEARDOWN);
	f->ph.t[PH_TEARDOWN][1] = fleet_now_s(f);
	finish_hosts(f);
	if (f->interrupted && status == EXIT_OK)
		status = fail(f, EXIT_INTERRUPTED, "interrupted (Ctrl-C or SIGTERM)");
	if (status == EXIT_OK) {
		unsigned bad = 0;

		for (unsigned i = 0; i < f->nload; i++)
			bad += strcmp(f->h[i].state, "done") != 0;
		bad += f->srv && !strcmp(f->srv->state, "failed");
		/* a host that did not hold its share is a missed target: 1 */
		if (bad)
			status = fail(f, EXIT_EXPECT_FAILED,
				      "%u of %u hosts did not run to the end (see hosts)", bad,
				      f->nload + (f->srv != NULL));
	}
	snprintf(f->outcome, sizeof(f->outcome), "%s",
		 status == EXIT_OK		? "ok"
		 : status == EXIT_EXPECT_FAILED ? "hosts failed"
		 : status == EXIT_INTERRUPTED	? "interrupted"
						: "cannot run");
	probe_stop(f->probe);
	return status;
}

static void fleet_free(struct fleet *f)
{
	if (f->tick)
		event_free(f->tick);
	if (f->ev_tick)
		event_free(f->ev_tick);
	fleet_events_free(f);
	fleet_end_free(f);
	for (int i = 0; i < 3; i++)
		event_free(f->sig[i]);
	event_free(f->deadline);
	event_base_free(f->base);
	for (unsigned i = 0; i < f->nh; i++) {
		json_decref(f->h[i].check);
		json_decref(f->h[i].last);
		json_decref(f->h[i].watch);
		json_decref(f->h[i].msgs);
	}
	json_decref(f->tl);
	free(f->h);
	if (f->log)
		fclose(f->log);
}

int fleet_run(const struct fleet_opts *o, json_t **result, char *outdir, size_t len)
{
	static struct fleet fl;
	struct fleet *f = &fl;
	unsigned ready = 0;
	int status;
	sigset_t block;

	*result = NULL;
	if (fleet_init(f, o))
		return EXIT_CANNOT_RUN;
	snprintf(outdir, len, "%s", f->outdir);
	sigemptyset(&block);
	sigaddset(&block, SIGPIPE);
	sigprocmask(SIG_BLOCK, &block, NULL);
	fleet_enter_phase(f, PH_PREFLIGHT);
	status = step_check(f, &ready);
	if (status == EXIT_OK)
		status = step_server(f);
	if (status == EXIT_OK)
		status = step_before(f);
	if (status == EXIT_OK)
		status = step_floods(f, ready);
	status = step_end(f, status);
	*result = fleet_result_json(f);
	fleet_free(f);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	return status;
}
