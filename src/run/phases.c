/* SPDX-License-Identifier: MIT */
/* phases.c - the run's phases after the build: the server setup, the
 * servers (until the service answers), the floods, the ramp, hold or
 * churn, the drain; the memory taken before and at the hold; signals. */
#define _GNU_SOURCE
#include "plan/floodopts.h"
#include "run/launcher.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run/dumper.h"

#include "netns/netns.h"
#include "util/jpath.h"

/* The flood of client namespace i: the lab's options for its share
 * (plan/floodopts.c), then what only a run gives (its stats descriptor,
 * the IPv6 half of a dual-stack lab). */
static int start_flood(struct run *r, unsigned i)
{
	const struct plan *p = r->plan;
	const struct plan_netns *netns = &p->netns[i];
	char t4[INET6_ADDRSTRLEN], s4[2 * INET6_ADDRSTRLEN + 2], a[INET6_ADDRSTRLEN],
		b[INET6_ADDRSTRLEN], t6[INET6_ADDRSTRLEN], s6[2 * INET6_ADDRSTRLEN + 2], share6[16],
		name[32];
	struct addr6 x6 = plan_addr6(r->lab, p->service_addr),
		     f6 = plan_addr6(r->lab, netns->first_addr),
		     l6 = plan_addr6(r->lab, netns->first_addr + netns->n_addr - 1);
	int six = r->lab->family == FAMILY_IPV6;
	struct flood_share sh = {
		.connections = netns->connections,
		.rate = netns->rate,
		.inflight = netns->inflight,
		.workers = netns->workers,
		/* holding: the ramp's bound, the hold and a minute; churning: the churn */
		.duration_us = r->lab->client_mode == CLIENT_HOLD
				       ? r->lab->ramp_timeout_us + r->lab->duration_us + 60000000
				       : r->lab->duration_us,
	};
	static struct flood_opts fo;
	char *argv[2 * FLOOD_OPTS_MAX + 16];
	unsigned at = 0;

	addr_fmt_ipv4(p->service_addr, t4, sizeof(t4));
	snprintf(s4, sizeof(s4), "%s-%s", addr_fmt_ipv4(netns->first_addr, a, sizeof(a)),
		 addr_fmt_ipv4(netns->first_addr + netns->n_addr - 1, b, sizeof(b)));
	addr_fmt_ipv6(&x6, t6, sizeof(t6));
	snprintf(s6, sizeof(s6), "%s-%s", addr_fmt_ipv6(&f6, a, sizeof(a)),
		 addr_fmt_ipv6(&l6, b, sizeof(b)));
	sh.target = six ? t6 : t4;
	sh.source = six ? s6 : s4;
	flood_opts_build(r->lab, &sh, &fo);
	flood_opts_add(&fo, "--stats-interval", "500ms");
	flood_opts_add(&fo, "--stats-fd", "3");
	if (r->lab->family == FAMILY_DUAL) {
		snprintf(share6, sizeof(share6), "%g%%", (double)r->lab->ipv6_permille / 10);
		flood_opts_add(&fo, "--target", t6);
		flood_opts_add(&fo, "--source", s6);
		flood_opts_add(&fo, "--ipv6-share", share6);
	}
	argv[at++] = "connlab";
	argv[at++] = "flood";
	for (unsigned k = 0; k < fo.n; k++) {
		argv[at++] = (char *)fo.o[k].name;
		if (fo.o[k].value)
			argv[at++] = (char *)fo.o[k].value;
	}
	argv[at] = NULL;
	snprintf(name, sizeof(name), "flood c%u", i);
	return run_spawn(r, name, 1, TOPO_CLIENT0 + i, argv);
}

/* The lab file's directory, absolute ({labdir} in setup and command). */
int run_setup_command(struct run *r)
{
	char cmd[1100], dir[300], log[48];
	const char *keys[] = { "{labdir}" }, *vals[] = { dir };
	pid_t pid;
	int st = 0;

	lab_dir(r->lab, dir, sizeof(dir));
	run_substitute(r->lab->server_setup, cmd, sizeof(cmd), keys, vals, 1);
	pid = run_fork_sh(r, TOPO_SRV, cmd, "setup", log, sizeof(log));
	if (pid < 0)
		return (int)pid;
	for (int i = 0; i < 600; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid) {
			if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
				return 0;
			run_fail(r, EXIT_CANNOT_RUN,
				 "server.setup '%s' %s %d (its output is in %s/%s)",
				 r->lab->server_setup,
				 WIFSIGNALED(st) ? "died of signal" : "exited with status",
				 WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st), r->outdir, log);
			return -EINVAL;
		}
		usleep(50000);
	}
	kill(-pid, SIGKILL);
	waitpid(pid, &st, 0);
	run_fail(r, EXIT_CANNOT_RUN, "server.setup '%s' did not finish within 30 s",
		 r->lab->server_setup);
	return -ETIMEDOUT;
}

static int start_floods(struct run *r)
{
	const struct plan *p = r->plan;

	if (r->lab->client_command[0]) {
		for (unsigned i = 0; i < p->namespaces; i++) {
			const struct plan_netns *netns = &p->netns[i];
			char addr[16], port[8], src[40], conns[24], a[16], b[16], cmd[1024],
				name[32];
			const char *keys[] = { "{address}", "{port}", "{source}", "{connections}" };
			const char *vals[] = { addr, port, src, conns };

			addr_fmt_ipv4(p->service_addr, addr, sizeof(addr));
			snprintf(port, sizeof(port), "%u", r->lab->ports.port[0]);
			snprintf(
				src, sizeof(src), "%s-%s",
				addr_fmt_ipv4(netns->first_addr, a, sizeof(a)),
				addr_fmt_ipv4(netns->first_addr + netns->n_addr - 1, b, sizeof(b)));
			snprintf(conns, sizeof(conns), "%llu",
				 (unsigned long long)netns->connections);
			run_substitute(r->lab->client_command, cmd, sizeof(cmd), keys, vals, 4);
			snprintf(name, sizeof(name), "client command c%u", i);
			if (run_spawn_command(r, name, 1, TOPO_CLIENT0 + i, cmd))
				return -errno;
		}
		r->user_clients = 1;
		return 0;
	}
	for (unsigned i = 0; i < p->namespaces; i++) {
		int e = start_flood(r, i);

		if (e)
			return e;
	}
	return 0;
}

static int floods_reached(const struct run *r)
{
	if (r->user_clients) /* the kernel's count, as nothing else reports */
		return r->now_estab_clients >= r->plan->connections;
	for (unsigned i = 0; i < r->nchild; i++) {
		const struct child *c = &r->child[i];
		json_t *v;

		if (!c->is_flood)
			continue;
		v = c->last ? json_object_get(c->last, "ramp_s") : NULL;
		if (!json_is_real(v) && !json_is_integer(v))
			return 0;
	}
	return 1;
}

/* A ramp that has added no connection for RAMP_STALL_S has met a limit:
 * waiting for lab.ramp_timeout would only delay the hold. */
#define RAMP_STALL_S 30
static int ramp_stalled(struct run *r, double in_phase)
{
	if (r->now_estab_clients > r->stall_best || !r->stall_best) {
		r->stall_best = r->now_estab_clients;
		r->stall_since = in_phase;
		return 0;
	}
	if (in_phase - r->stall_since < RAMP_STALL_S)
		return 0;
	r->ramp_stalled_s = r->ph.t[PH_RAMP][0] + r->stall_since;
	return 1;
}

static void take_memory(struct run *r, int before)
{
	uint64_t pss = procfs_pss(getpid()), side[2] = { 0, 0 };

	for (unsigned i = 0; i < r->nchild; i++)
		if (!r->child[i].exited)
			side[r->child[i].is_flood != 0] += procfs_pss_tree(r->child[i].pid);
	pss += side[0] + side[1];
	memcpy(before ? r->pss_side_before : r->pss_side_hold, side, sizeof(side));
	for (unsigned i = 0; !before && i < r->nchild; i++) {
		const struct child *c = &r->child[i];
		uint64_t now = jpath_u(c->last, "rss_bytes"),
			 start = jpath_u(c->last, "rss_start_bytes");

		if (c->exited || !c->last || !start)
			continue;
		r->rss_growth_hold[c->is_flood != 0] += now > start ? now - start : 0;
		r->rss_growth_have[c->is_flood != 0] = 1;
	}
	run_take_slabs(r, before);
	if (before) {
		r->slab_before_kb = procfs_meminfo_kb("Slab");
		r->pss_before = pss;
	} else {
		r->slab_hold_kb = procfs_meminfo_kb("Slab");
		r->pss_hold = pss;
		/* each connection once: the server side's CurrEstab */
		r->estab_at_mem = r->now[TOPO_SRV].curr_estab;
	}
}

/* the probes from the probe namespace: the network before any load */
static void start_probes(struct run *r)
{
	struct addr6 s6 = plan_addr6(r->lab, r->plan->service_addr);

	if (probe_start(r->base, r->topo.netns[TOPO_PROBE].fd, r->plan->service_addr,
			r->lab->family == FAMILY_IPV6 ? &s6 : NULL, r->lab->ports.port[0],
			r->lab->ping_interval_us, r->lab->connect_interval_us, run_on_probe, r,
			&r->probe))
		run_fail(r, EXIT_CANNOT_RUN, "cannot start the probes in the probe namespace");
	else if (r->lab->family == FAMILY_DUAL &&
		 probe_start(r->base, r->topo.netns[TOPO_PROBE].fd, 0, &s6, r->lab->ports.port[0],
			     r->lab->ping_interval_us, r->lab->connect_interval_us, run_on_probe6,
			     r, &r->probe6))
		run_fail(r, EXIT_CANNOT_RUN, "cannot start the IPv6 probes in the probe namespace");
	else {
		struct sockaddr_storage ss = { 0 };
		socklen_t len;

		if (r->lab->family == FAMILY_IPV6) {
			struct sockaddr_in6 *d = (struct sockaddr_in6 *)&ss;

			d->sin6_family = AF_INET6;
			d->sin6_port = htons(r->lab->ports.port[0]);
			memcpy(&d->sin6_addr, s6.b, 16);
			len = sizeof(*d);
		} else {
			struct sockaddr_in *d = (struct sockaddr_in *)&ss;

			d->sin_family = AF_INET;
			d->sin_port = htons(r->lab->ports.port[0]);
			d->sin_addr.s_addr = htonl(r->plan->service_addr);
			len = sizeof(*d);
		}
		if (run_rprobe_start(r, &ss, len))
			run_fail(r, EXIT_CANNOT_RUN, "cannot start the reply probe");
	}
}

/* The phases' steps, each called every tick with the time in its phase:
 * what ends the phase, and what the next one starts. */

#define QUIET_S 1.0
#define QUIET_PING_US 20000

static void begin_servers(struct run *r, double in_phase)
{
	int st;

	probe_stop(r->quiet);
	r->quiet = NULL;
	r->servers_at = in_phase;
	r->servers_started = 1;
	st = run_start_servers(r);
	if (st)
		run_fail(r, EXIT_CANNOT_RUN, "cannot start the server: %s", strerror(-st));
}

void run_quiet_start(struct run *r)
{
	struct addr6 s6 = plan_addr6(r->lab, r->plan->service_addr);

	if (probe_start(r->base, r->topo.netns[TOPO_PROBE].fd, r->plan->service_addr,
			r->lab->family == FAMILY_IPV6 ? &s6 : NULL, r->lab->ports.port[0],
			QUIET_PING_US, 0, run_on_probe, r, &r->quiet))
		begin_servers(r, 0); /* no quiet figure: ping-affected uses "before" */
}

static void tick_servers(struct run *r, double in_phase)
{
	if (!r->servers_started) {
		if (in_phase >= QUIET_S)
			begin_servers(r, in_phase);
		return;
	}
	in_phase -= r->servers_at;
	if (r->user_server ? run_service_answers(r)
			   : run_child_sum(r, 0, "listening") >= r->server_ready_needed &&
				     (r->server_ready_needed || in_phase > 0.5)) {
		take_memory(r, 1);
		run_phase_enter(r, PH_BEFORE);
		start_probes(r);
	} else if (in_phase > 15) {
		run_fail(r, EXIT_CANNOT_RUN, "the server did not listen within 15 s (see %s/%s)",
			 r->outdir, r->nchild ? r->child[0].log : "logs/");
	}
}

static void tick_before(struct run *r, double in_phase)
{
	if (in_phase < 2)
		return;
	if (start_floods(r)) {
		run_fail(r, EXIT_CANNOT_RUN, "cannot start the flood: %s", strerror(errno));
		return;
	}
	run_phase_enter(r, PH_RAMP);
}

static void tick_ramp(struct run *r, double in_phase)
{
	if (r->lab->client_mode == CLIENT_CHURN) {
		run_events_tick(r, in_phase);
		/* churn for the lab's duration, observing what is left even
		 * when the floods have made all their connections sooner */
		if (!run_children_running(r, 1) && in_phase * 1e6 >= (double)r->lab->duration_us) {
			r->ramp_s = in_phase;
			run_phase_enter(r, PH_DRAIN);
		}
	} else if (floods_reached(r)) {
		r->ramp_s = in_phase;
		run_phase_enter(r, PH_HOLD);
	} else if (ramp_stalled(r, in_phase)) {
		log_msg(LOGL_WARN,
			"no connection was added for %d s: the ramp stops and holds what is open",
			RAMP_STALL_S);
		run_phase_enter(r, PH_HOLD);
	} else if (in_phase * 1e6 > (double)r->lab->ramp_timeout_us) {
		log_msg(LOGL_WARN,
			"the target was not reached within lab.ramp_timeout; holding what is open");
		run_phase_enter(r, PH_HOLD);
	}
}

static void tick_hold(struct run *r, double in_phase)
{
	run_events_tick(r, in_phase);
	if (!r->pss_hold && in_phase >= 1)
		take_memory(r, 0);
	if (in_phase * 1e6 < (double)r->lab->duration_us)
		return;
	r->cpu_hold_s = run_cpu_self_s() - r->cpu_hold_start;
	r->hold_wall_s = in_phase;
	if (!r->pss_hold)
		take_memory(r, 0);
	run_events_close(r); /* before the floods stop */
	run_phase_enter(r, PH_DRAIN);
	run_signal_children(r, 1, SIGTERM);
}

static void tick_drain(struct run *r, double in_phase)
{
	run_events_close(r); /* the hold is over: so are the events' windows */
	if (!run_children_running(r, 1) || in_phase * 1e6 > (double)r->lab->drain_timeout_us)
		run_start_teardown(r);
}

static void tick_teardown(struct run *r, double in_phase)
{
	run_events_close(r);
	if (!run_children_running(r, 0) && !run_children_running(r, 1))
		event_base_loopbreak(r->base);
	else if (in_phase > 10)
		for (unsigned i = 0; i < r->nchild; i++)
			run_signal_child(&r->child[i], SIGKILL);
}

void run_on_tick(evutil_socket_t fd, short what, void *arg)
{
	static void (*const step[PH_COUNT])(struct run *, double) = {
		[PH_SERVERS] = tick_servers, [PH_BEFORE] = tick_before,
		[PH_RAMP] = tick_ramp,	     [PH_HOLD] = tick_hold,
		[PH_DRAIN] = tick_drain,     [PH_TEARDOWN] = tick_teardown,
	};
	struct run *r = arg;
	enum phase before = r->ph.now;

	(void)fd;
	(void)what;
	run_check_memory(r);
	if (r->ph.now != before)
		return; /* the memory floor ended the ramp */
	if (step[r->ph.now])
		step[r->ph.now](r, run_elapsed(r) - r->ph.t[r->ph.now][0]);
}

void run_on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct run *r = arg;

	(void)what;
	if (sig == SIGCHLD) {
		run_reap(r);
		return;
	}
	if (++r->interrupts == 1) {
		if (r->tty)
			printf("\n");
		log_msg(LOGL_INFO,
			"stopping: draining and tearing down (Ctrl-C again to stop at once)");
		run_fail(r, EXIT_INTERRUPTED, "interrupted by signal %d", (int)sig);
		return;
	}
	log_msg(LOGL_INFO, "stopping at once");
	for (unsigned i = 0; i < r->nchild; i++)
		run_signal_child(&r->child[i], SIGKILL);
	if (r->ph.now < PH_TEARDOWN)
		run_phase_enter(r, PH_TEARDOWN);
}
