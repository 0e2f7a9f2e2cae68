/* run.h - one experiment: `connlab run`. The launcher builds the lab,
 * starts the servers, floods and probes, samples the kernel, moves through
 * the phases, and leaves a run directory. Split over run.c (the run) and
 * report.c (what it writes). */
#ifndef CONNLAB_RUN_H
#define CONNLAB_RUN_H

#include <event2/event.h>
#include <jansson.h>
#include <stdint.h>
#include <sys/types.h>

#include "dumper.h"
#include "errnames.h"
#include "hist.h"
#include "lab.h"
#include "netns.h"
#include "plan.h"
#include "probe.h"
#include "sampler.h"
#include "topology.h"

enum phase {
	PH_PREFLIGHT,
	PH_BUILD,
	PH_SERVERS,
	PH_BEFORE,
	PH_RAMP,
	PH_HOLD,
	PH_DRAIN,
	PH_TEARDOWN,
	PH_COUNT
};

struct child {
	char name[32]; /* "server", "flood c0" */
	int is_flood;
	int ns; /* topology index */
	pid_t pid;
	int stats_fd;
	struct bufferevent *bev;
	json_t *last; /* the last stats line */
	int exited, status;
	int group; /* a user's command: signal its process group */
};

struct row {
	double t;
	int phase;
	uint64_t estab_clients, estab_srv, time_wait, close_wait, syn_recv, orphans;
	uint64_t flood_open, flood_connected, flood_errors, server_open, accept_queue;
	uint64_t listen_overflows;
	uint64_t state[ST_MAX]; /* every lab namespace; dumped states are states_age_s old */
	double ping_ms;		/* worst answered ping of the interval, -1 none */
	double ping_p50_ms;	/* median answered ping of the interval, -1 none */
	unsigned ping_lost, ping_sent;
	double probe_ms;	    /* slowest probe connect of the interval, -1 none */
	unsigned probe_fail;	    /* probe connects that failed in the interval */
	uint64_t err[ERRNAMES_MAX]; /* the floods' errors so far, by errnames[] index */
	uint64_t slab_kb;
	uint64_t link_drops; /* rx+tx dropped on the server's links since the start */
	uint64_t conntrack_srv, conntrack_drops;
	double states_age_s; /* how old the per-state counts are */
};

#define RUN_CHILDREN_MAX (TOPO_NS_MAX + 2)

struct run {
	struct lab *lab;
	struct plan *plan;
	struct topology topo;
	struct event_base *base;
	char outdir[512];
	int keep;
	int tty;
	int log_fd; /* children's stderr */

	struct child child[RUN_CHILDREN_MAX];
	unsigned nchild;

	struct sampler_ns samp[TOPO_NS_MAX];
	struct ns_sample first[TOPO_NS_MAX], now[TOPO_NS_MAX];
	uint64_t peak_state[TOPO_NS_MAX][ST_MAX];
	uint64_t peak_tw[TOPO_NS_MAX], peak_estab[TOPO_NS_MAX];
	uint64_t peak_estab_clients, peak_tw_total, peak_close_wait, peak_syn_recv, peak_orphans;
	uint64_t final_estab_clients;
	struct dumper dumper;
	struct event *ev_dump;
	double next_dump_s, last_dump_s, dump_started_s;
	double dump_cost_s, dump_wall_s;
	uint64_t dump_sockets;
	unsigned ndumps;

	enum phase phase;
	double start_s; /* monotonic, seconds */
	double phase_t[PH_COUNT][2];
	int phase_seen[PH_COUNT];
	time_t started_wall;

	struct probe *probe;
	struct nl *srv_nl; /* link statistics of the server side of every veth */
	uint64_t drops_first[TOPO_NS_MAX], drops_now[TOPO_NS_MAX];
	struct hist ping[PH_COUNT], probe_conn[PH_COUNT];
	uint64_t ping_sent[PH_COUNT], ping_lost[PH_COUNT], probe_fail[PH_COUNT];
	double iv_ping_max;
	unsigned iv_ping_lost, iv_ping_sent;
	double iv_ping_ms[64]; /* the interval's answered pings, for its median */
	unsigned iv_ping_n;
	double iv_probe;
	unsigned iv_probe_fail;

	double ramp_s; /* < 0: not reached */
	uint64_t slab_before_kb, slab_hold_kb, pss_before, pss_hold, estab_at_mem;
	double cpu_hold_s, cpu_hold_start, hold_wall_s;

	struct row *rows;
	size_t nrows, cap_rows;

	int interrupts;
	const char *outcome; /* completed, interrupted, failed */
	char reason[800];
	int exit_status;

	struct event *ev_sample, *ev_tick, *ev_sig[4];
	uint64_t server_ready_needed;
	uint64_t now_estab_clients;
	uint64_t ct_peak[TOPO_NS_MAX], ct_max;
	int kmsg_fd;
	struct event *ev_kmsg;
	char **klog;
	unsigned nklog, klog_dropped;
	int user_server, user_clients; /* [server] or [clients] command */
};

/* report.c: writes result.json, timeline.csv and junit.xml into outdir and
 * prints the summary; judges the expectations. Returns the exit status. */
int report_write(struct run *r);

double run_now_s(void);

/* The floods' socket errors so far: by errnames[] index into by_name
 * (ERRNAMES_MAX entries; may be NULL); returns the total. */
uint64_t run_flood_errors(const struct run *r, uint64_t *by_name);

#endif
