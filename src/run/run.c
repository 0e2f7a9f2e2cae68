/* SPDX-License-Identifier: MIT */
/* run.c - one experiment, `connlab run` without its options: preflight,
 * build, servers, probe, ramp, hold (or churn), drain, teardown; hands back
 * the result. The launcher is one libevent loop: child stats arrive over
 * pipes, the kernel is sampled on a timer, signals end the run in order (a
 * second Ctrl-C at once). Children are this binary re-executed inside
 * their namespace, with PR_SET_PDEATHSIG: a kill -9 of the launcher takes
 * them, and with them the anonymous namespaces. */
#define _GNU_SOURCE
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

/* ---- failure and the end ---- */

/* What the run holds after its result is taken; returns its status. */
static int run_free(struct run *r)
{
	for (unsigned i = 0; i < r->nchild; i++) {
		if (r->child[i].bev)
			bufferevent_free(r->child[i].bev);
		json_decref(r->child[i].last);
	}
	if (r->ev_kmsg)
		event_free(r->ev_kmsg);
	if (r->kmsg_fd >= 0)
		close(r->kmsg_fd);
	for (unsigned i = 0; i < r->nklog; i++)
		free(r->klog[i]);
	free(r->klog);
	if (r->ev_sample)
		event_free(r->ev_sample);
	if (r->ev_tick)
		event_free(r->ev_tick);
	if (r->ev_dump)
		event_free(r->ev_dump);
	for (int i = 0; i < 4; i++)
		if (r->ev_sig[i])
			event_free(r->ev_sig[i]);
	if (r->base)
		event_base_free(r->base);
	free(r->rows);
	run_events_free(r);
	return r->exit_status;
}

/* A sample, and the result so far for the caller that asked for it (about
 * 0.4 ms with 20k connections: less than the sample itself). */
static void on_sample(evutil_socket_t fd, short what, void *arg)
{
	struct run *r = arg;

	(void)fd;
	(void)what;
	run_sample(r);
	if (r->on_sample) {
		json_t *partial = run_result_live(r, r->live_rows);

		r->live_rows = r->nrows;
		r->on_sample(r->sample_arg, partial);
	}
}

/* What the run reads of the kernel: a sampler per namespace, the state
 * dump thread, the server side's link statistics, the conntrack limit. */
static void run_sources_open(struct run *r)
{
	for (unsigned i = 0; i < r->topo.n; i++) {
		if (sampler_netns_open(&r->samp[i], r->topo.netns[i].fd) ||
		    sampler_read(&r->samp[i], &r->first[i])) {
			run_fail(r, EXIT_CANNOT_RUN,
				 "cannot read the kernel's counters in namespace %s",
				 r->topo.netns[i].name);
			break;
		}
		r->now[i] = r->first[i];
		/* the state dumps walk IPv6 sockets too where the lab has them */
		r->samp[i].ipv6 = r->lab->family != FAMILY_IPV4;
	}
	if (!r->exit_status && dumper_start(&r->dumper, r->samp, r->topo.n, RUN_STATE_MASK))
		run_fail(r, EXIT_CANNOT_RUN, "cannot start the state dump thread");
	if (!r->exit_status && nl_open(r->topo.netns[TOPO_SRV].fd, &r->srv_nl) == 0) {
		for (unsigned k = TOPO_PROBE; k < r->topo.n; k++) {
			struct rtnl_link_stats64 ls;

			if (nl_link_stats(r->srv_nl, TOPO_SRV_IFINDEX0 + (int)k, &ls, NULL) == 0)
				r->drops_first[k] = r->drops_now[k] = ls.rx_dropped + ls.tx_dropped;
		}
	}
	r->ct_max = procfs_read_u64("/proc/sys/net/netfilter/nf_conntrack_max");
}

/* The loop: signals, the sampling timer, the phase tick, dump results. */
static void run_events_add(struct run *r, const int *sigs, int nsigs)
{
	r->base = event_base_new();
	for (int i = 0; i < nsigs; i++) {
		r->ev_sig[i] = evsignal_new(r->base, sigs[i], run_on_signal, r);
		event_add(r->ev_sig[i], NULL);
	}
	{
		struct timeval iv = clock_tv(r->lab->interval_us), tick = clock_tv(100000);

		r->ev_sample = event_new(r->base, -1, EV_PERSIST, on_sample, r);
		event_add(r->ev_sample, &iv);
		r->ev_tick = event_new(r->base, -1, EV_PERSIST, run_on_tick, r);
		event_add(r->ev_tick, &tick);
		if (r->dumper.started) {
			r->ev_dump = event_new(r->base, r->dumper.efd, EV_READ | EV_PERSIST,
					       run_on_dumped, r);
			event_add(r->ev_dump, NULL);
		}
	}
}

int run_lab(const struct run_opts *o, json_t **result, char *outdir, size_t len)
{
	static struct run run;
	struct run *r = &run;
	static const int sigs[4] = { SIGINT, SIGTERM, SIGHUP, SIGCHLD };
	sigset_t block, old;
	char err[768];
	int st;

	*result = NULL;
	memset(r, 0, sizeof(*r));
	r->keep = o->keep;
	r->rootless = o->rootless;
	r->on_sample = o->on_sample;
	r->sample_arg = o->sample_arg;
	r->lab = (struct lab *)o->lab;
	r->plan = (struct plan *)o->plan;
	r->kmsg_fd = -1;
	r->outcome = "completed";
	r->ramp_s = -1;
	probe_tally_init(&r->tally[0]);
	probe_tally_init(&r->tally[1]);
	r->floor_hit_s = -1;
	r->mem_total_kb = procfs_meminfo_kb("MemTotal");
	r->floor_kb = lab_memory_floor_bytes(r->lab, r->mem_total_kb * 1024) / 1024;
	r->tty = isatty(1);
	r->started_wall = time(NULL);
	r->start_s = clock_now_s();
	run_phase_enter(r, PH_PREFLIGHT);
	/* its probes time pings and connects in its own loop: on a box whose
	 * cores are all busy with the lab, a launcher at the same priority
	 * reads the answers late (its children get nice 0 back) */
	r->reniced = setpriority(PRIO_PROCESS, 0, -10) == 0;
	st = run_preflight(r);
	if (st)
		return st;
	/* rootless: once out of the host's network namespace the launcher can
	 * never go back (that needs the host's CAP_SYS_ADMIN), so it moves to
	 * one of its own for good; the lab's namespaces are made from there */
	if (r->rootless && unshare(CLONE_NEWNET)) {
		log_msg(LOGL_ERROR, "cannot make the rootless launcher's own network namespace: %s",
			strerror(errno));
		return EXIT_CANNOT_RUN;
	}
	if (run_make_outdir(r, o->out))
		return EXIT_CANNOT_RUN;
	snprintf(outdir, len, "%s", r->outdir);

	/* signals wait in the kernel until the loop takes them */
	sigemptyset(&block);
	for (int i = 0; i < 4; i++)
		sigaddset(&block, sigs[i]);
	sigprocmask(SIG_BLOCK, &block, &old);
	run_phase_enter(r, PH_BUILD);
	if (topo_build(r->lab, r->plan, r->keep, &r->topo, err, sizeof(err))) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		fprintf(stderr, "connlab: lab '%s': %s\n", r->lab->name, err);
		snprintf(r->reason, sizeof(r->reason), "%s", err);
		r->outcome = "failed";
		r->exit_status = EXIT_CANNOT_RUN;
		run_phase_enter(r, PH_TEARDOWN);
		*result = run_result(r);
		return run_free(r);
	}
	run_sources_open(r);
	run_events_init(r);
	run_events_add(r, sigs, 4);
	sigprocmask(SIG_SETMASK, &old, NULL);
	run_kmsg_open(r);
	if (!r->exit_status && r->lab->server_setup[0])
		run_setup_command(r);
	if (!r->exit_status) {
		run_phase_enter(r, PH_SERVERS);
		run_quiet_start(r); /* then the servers (tick_servers) */
	}
	if (r->exit_status && !r->nchild)
		run_phase_enter(r, PH_TEARDOWN);
	if (r->nchild || r->ph.now < PH_TEARDOWN)
		event_base_dispatch(r->base);
	if (r->tty)
		printf("\n");
	run_dump_final(r);
	run_sample(r);
	probe_stop(r->quiet);
	probe_stop(r->probe);
	probe_stop(r->probe6);
	run_rprobe_stop(r);
	nl_close(r->srv_nl);
	for (unsigned i = 0; i < r->topo.n; i++)
		sampler_netns_close(&r->samp[i]);
	topo_close(&r->topo);
	*result = run_result(r);
	return run_free(r);
}
