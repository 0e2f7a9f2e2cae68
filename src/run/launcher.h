/* SPDX-License-Identifier: MIT */
/* launcher.h - the launcher's own state, private to src/run/: what one
 * run holds while it runs (children, samplers, histograms, the timeline),
 * and the functions its files share. The rest of connlab sees only
 * run.h and the result it hands back. */
#ifndef CONNLAB_RUN_LAUNCHER_H
#define CONNLAB_RUN_LAUNCHER_H

#include <event2/event.h>
#include <jansson.h>
#include <stdint.h>
#include <sys/types.h>

#include "lab/lab.h"
#include "lab/phase.h"
#include "netns/netns.h"
#include "plan/plan.h"
#include "plan/topology.h"
#include "host/host.h"
#include "run/dumper.h"
#include "run/probe.h"
#include "run/run.h"
#include "run/sampler.h"
#include "util/clock.h"
#include "util/errnames.h"
#include "util/hist.h"
#include "kernel/counters.h"
#include "kernel/memory.h"
#include "util/log.h"
#include "util/procfs.h"
#include "util/status.h"
#include "util/units.h"

/* linux/in.h, not in every libc */
#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

/* The states a sock_diag dump counts (the others come from sockstat). */
#define RUN_STATE_MASK                                                                             \
	((1u << ST_SYN_SENT) | (1u << ST_SYN_RECV) | (1u << ST_FIN_WAIT1) | (1u << ST_FIN_WAIT2) | \
	 (1u << ST_CLOSE_WAIT) | (1u << ST_LAST_ACK) | (1u << ST_CLOSING) | (1u << ST_LISTEN))

struct child {
	char name[32]; /* "server", "flood c0" */
	int is_flood;
	int netns; /* topology index */
	pid_t pid;
	int stats_fd;
	struct bufferevent *bev;
	json_t *last; /* the last stats line */
	/* messages sent at the first and last stats line inside the flood's
	 * own hold (its clock, "t"): the hold's message rate */
	double msg_t[2];
	uint64_t msg_sent[2];
	int msg_lines;
	int exited, status;
	double exit_s; /* when it was reaped */
	enum phase exit_phase;
	int group;    /* a user's command: signal its process group */
	int retired;  /* a server a restart event stopped: its exit is expected */
	char log[48]; /* its output, in the run directory: logs/NAME.log */
};

/* A lab process as the launcher watched it: a child, or one of its
 * descendants (a flood's or server's worker, what a command started). */
struct proc_watch {
	pid_t pid;
	int child; /* index of the child it belongs to */
	char comm[16];
	int64_t peak_fds;  /* -1: never read */
	double peak_fds_s; /* when it first stood at its peak */
	uint64_t fd_limit; /* soft RLIMIT_NOFILE, last read */
	uint64_t peak_rss; /* VmHWM, bytes */
	pid_t parent;	   /* the process it was seen under; 0 for a child itself */
	unsigned seen;	   /* samples it was read in */
	int gone;
	double stopped_s; /* first seen stopped (SIGSTOP, a debugger), -1 */
	enum phase stopped_phase;
};
#define RUN_PROCS_MAX 512

/* The slab caches a connection's kernel memory lands in (result.json's
 * memory.slab_caches), measured before the ramp and during the hold. */
struct slab_cache {
	uint64_t objects, bytes;
};

struct row {
	double t;
	int phase;
	uint64_t estab_clients, estab_srv, time_wait, close_wait, syn_recv, orphans;
	/* TCP sockets in use by family (sockstat, sockstat6): clients, server */
	uint64_t inuse4_clients, inuse6_clients, inuse4_srv, inuse6_srv;
	uint64_t tcp_pages; /* TCP memory of the whole host (sockstat mem), pages */
	uint64_t flood_open, flood_connected, flood_errors, server_open, accept_queue;
	uint64_t messages_sent, replies, replies_missing; /* floods, so far */
	uint64_t tls_handshakes, tls_failed;		  /* the floods' TLS, so far */
	double reply_p50_ms, reply_p99_ms;		  /* replies of this interval; -1: none */
	double probe_reply_ms; /* the reply probe's median this interval; -1: none */
	uint64_t listen_overflows;
	uint64_t state[ST_MAX]; /* every lab namespace; dumped states are states_age_s old */
	/* the probe's interval: [0] the lab's family, [1] IPv6 in a dual-stack lab */
	struct probe_interval probe[2];
	uint64_t err[ERRNAMES_MAX]; /* the floods' errors so far, by errnames[] index */
	uint64_t slab_kb;
	uint64_t link_drops; /* rx+tx dropped on the server's links since the start */
	uint64_t conntrack_srv, conntrack_drops;
	double states_age_s; /* how old the per-state counts are */
	uint64_t mem_available_kb, mem_free_kb;
	uint64_t mem_pinned_kb, mem_usable_kb; /* the floor's figure: available less pinned */
	uint64_t closed_by_peer; /* the floods' connections the server closed, so far */
	double connect_mean_us;	 /* the floods' connects finished in the interval, -1 none */
	double sample_lag_ms;	 /* how late this sample ran */
};

#define RUN_CHILDREN_MAX (TOPO_NETNS_MAX + 2 + LAB_EVENTS_MAX)

/* What the floods and the kernel had counted at an event's start, and at
 * the close of its window (eventmeasure.c). */
struct event_snap {
	double t;
	uint64_t estab;		   /* the server namespace's CurrEstab */
	uint64_t estab_clients;	   /* the client namespaces' */
	uint64_t open;		   /* the floods' open connections */
	uint64_t lost, reconnects; /* the floods' */
	uint64_t reset_at_connect; /* the floods' ECONNRESET at connect: established, then reset
				      unseen */
	uint64_t errors[ERRNAMES_MAX];
	struct hist connect, reconnect_wait;
	/* the kernel's: client namespaces' SYN retransmits; the server's
	 * cookies, overflows, completed handshakes; the probe's connects */
	uint64_t syn_retrans, cookies_sent, cookies_recv, overflows, passive_opens, probe_opens;
	json_t *accepted; /* the server's accepted_by_worker (a reference), or NULL */
};

#define RUN_RATE_TICKS 16

enum run_event_state { RE_WAITING, RE_ACTIVE, RE_RECOVERING, RE_CLOSED };

/* A lab event as the run carries it out and measures it (events.c). */
struct run_event {
	const struct lab_event *lab;
	enum run_event_state state;
	double t_s;    /* it began, seconds into the run */
	double end_s;  /* its disturbance ended (the server back, continued, the link up) */
	double exit_s; /* restart: the old server exited (-1: not yet) */
	double recovered_s, recovered99_s; /* the kernel's count back at the target, at 99% (-1) */
	uint64_t target, min_estab;
	uint64_t srv_tw_peak; /* the server namespace's TIME_WAIT in the window */
	/* the count a second ago (a ring of ticks), and the fastest it grew
	 * over a second: the rate the server took connections back at */
	uint64_t ring[RUN_RATE_TICKS];
	double ring_t[RUN_RATE_TICKS];
	unsigned ring_n;
	double rate_max;
	unsigned child; /* restart: the server child it stopped */
	pid_t pid[64];	/* kill, pause: the processes signalled */
	unsigned npid;
	char failed[200]; /* why it could not be carried out, or "" */
	char cut[64];	  /* what closed its window before it recovered, or "" */
	struct event_snap at[2];
};

struct run {
	struct lab *lab;
	struct plan *plan;
	struct topology topo;
	struct event_base *base;
	char outdir[512];
	int keep;
	int tty;

	/* run_opts.on_sample, and the rows it was given */
	void (*on_sample)(void *arg, json_t *partial);
	void *sample_arg;
	size_t live_rows;

	struct child child[RUN_CHILDREN_MAX];
	unsigned nchild;
	char server_cmd[1024]; /* a user's server command as it ran */

	struct sampler_netns samp[TOPO_NETNS_MAX];
	struct netns_sample first[TOPO_NETNS_MAX], now[TOPO_NETNS_MAX];
	uint64_t peak_state[TOPO_NETNS_MAX][ST_MAX];
	uint64_t peak_tw[TOPO_NETNS_MAX], peak_estab[TOPO_NETNS_MAX];
	uint64_t peak_inuse[4]; /* of inuse4_clients .. inuse6_srv */
	uint64_t peak_estab_clients, peak_tw_total, peak_close_wait, peak_syn_recv, peak_orphans;
	uint64_t peak_tcp_pages;
	struct hist reply_prev;		      /* the floods' replies merged at the last sample */
	struct hist reply_hold0, reply_hold1; /* ... before the hold, at its last */
	int reply_in_hold;
	uint64_t final_estab_clients;
	struct dumper dumper;
	struct event *ev_dump;
	double next_dump_s, last_dump_s, dump_started_s;
	double dump_cost_s, dump_wall_s;
	uint64_t dump_sockets;
	unsigned ndumps;

	struct phase_log ph; /* the phase now, and when each began and ended */
	double start_s;	     /* monotonic, seconds */
	time_t started_wall;

	struct probe *probe;
	struct probe *quiet; /* the pings before the servers (run_quiet_start) */
	int servers_started;
	double servers_at; /* seconds into the servers phase they were started */
	struct nl *srv_nl; /* link statistics of the server side of every veth */
	uint64_t drops_first[TOPO_NETNS_MAX], drops_now[TOPO_NETNS_MAX];
	/* lab.family = dual: a second probe, over IPv6 */
	struct probe *probe6;
	struct rprobe *rprobe;	     /* the lab's message, lock-step (rprobe.c) */
	struct probe_tally tally[2]; /* [0] probe, [1] probe6 */

	double ramp_s; /* < 0: not reached */
	uint64_t slab_before_kb, slab_hold_kb, pss_before, pss_hold, estab_at_mem;
	/* the same Pss by side (0 the server's processes, 1 the floods'):
	 * before the ramp and at the hold */
	uint64_t pss_side_before[2], pss_side_hold[2];
	/* the built-in engines' workers' resident memory at the hold less
	 * theirs at their start, by side (their stats lines); have: some
	 * worker of that side said it */
	uint64_t rss_growth_hold[2];
	int rss_growth_have[2];
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
	uint64_t ct_peak[TOPO_NETNS_MAX], ct_max;
	int kmsg_fd;
	struct event *ev_kmsg;
	char **klog;
	unsigned nklog, klog_dropped;
	int user_server, user_clients; /* [server] or [clients] command */

	struct proc_watch procs[RUN_PROCS_MAX];
	unsigned nprocs, procs_dropped;
	double connect_prev_sum, connect_prev_count; /* the floods' connects so far */
	double next_sample_s;			     /* when the next sample is due */
	uint64_t mem_total_kb, floor_kb, mem_min_kb, floor_avail_kb;
	double mem_min_s, floor_hit_s; /* floor_hit_s < 0: not hit */
	/* the host's memory now (one read of /proc/meminfo), kB */
	struct {
		uint64_t avail, free, slab;
		double t; /* when it was read, seconds into the run */
	} mem;
	/* slab the lab's sockets pin, kB, at pinned_s: from slabinfo, or the
	 * plan's cost per socket (rootless); in the ramp it grows between
	 * readings at pinned_rate (kB/s, from the last two). Not the growth of
	 * reclaimable slab: readers of /proc/PID/fd grow it, and can free it. */
	uint64_t pinned_kb, pinned_max_kb;
	double pinned_s, pinned_rate;
	uint64_t usable_min_kb, floor_usable_kb, floor_free_kb, floor_pinned_kb;
	double usable_min_s;
	double usable_prev_s, usable_fall_kb_s; /* how fast it falls, kB/s */
	uint64_t usable_prev_kb;
	struct forecast forecast; /* the host's, at preflight */
	int have_forecast;
	struct slab_cache slab_before[MEM_CACHES], slab_hold[MEM_CACHES];
	int have_slabinfo;		    /* 1 before, 2 both */
	uint64_t stall_best;		    /* the ramp's most connections so far, and since when */
	double stall_since, ramp_stalled_s; /* ramp_stalled_s: 0 when it did not stall */
	int rootless;			    /* inside a user namespace of its own */
	uint64_t host_tcp_mem[3];	    /* net.ipv4.tcp_mem, pages, read at preflight */
	char kmsg_why[160];		    /* why there is no kernel log, or "" */
	int reniced;			    /* the launcher runs at nice -10, its children at 0 */
	struct run_event events[LAB_EVENTS_MAX];
	unsigned nevents;
	int pausing; /* a pause event has the server stopped: not a fault */
};

/* state.c */
/* The launcher's own CPU time (user and system), seconds. */
double run_cpu_self_s(void);
double run_elapsed(const struct run *r);
const char *run_phase_label(const struct run *r, enum phase p);
void run_phase_enter(struct run *r, enum phase p);
/* Ends the run with status and a reason (the first one stands): drains,
 * then tears down. */
void run_fail(struct run *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void run_start_teardown(struct run *r);
/* SIGCHLD: reaps the children and fails the run on an unexpected exit. */
void run_reap(struct run *r);

/* children.c */
/* Forks this binary into namespace netns with argv; its stats lines come
 * on its fd 3. 0 or -errno. */
int run_spawn(struct run *r, const char *name, int is_flood, unsigned netns, char **argv);
/* Forks `/bin/sh -c line` into namespace netns, in a process group of its
 * own; the pid, or -errno. */
pid_t run_fork_sh(struct run *r, unsigned netns, const char *line, const char *name, char *log,
		  size_t len);
/* Opens logs/NAME.log of the run directory (its path there in rel) for a
 * lab process's output; -1 when it cannot (warned). */
int run_log_open(const struct run *r, const char *name, char *rel, size_t len);
/* The program a user's server command runs (lab/programs.h) and its
 * connection setting in force: result.json's server_program, or null. */
json_t *run_server_program_json(const struct run *r);

/* rprobe.c: the reply probe, into tally[0]'s reply figures; nothing when
 * the lab sends no message or awaits no reply */
int run_rprobe_start(struct run *r, const struct sockaddr_storage *dst, socklen_t len);
void run_rprobe_stop(struct run *r);
/* A user's command as a child (exec COMMAND under /bin/sh); 0 or -errno. */
int run_spawn_command(struct run *r, const char *name, int is_flood, unsigned netns,
		      const char *cmd);
/* "{address}" and the like replaced in a user's command. */
void run_substitute(const char *in, char *out, size_t len, const char *const *keys,
		    const char *const *vals, size_t n);
/* A child, or a user's command with its whole process group. */
void run_signal_child(const struct child *c, int sig);
void run_signal_children(struct run *r, int is_flood, int sig);
int run_children_running(const struct run *r, int is_flood);
/* The sum of an integer of the last stats lines of the floods or servers. */
uint64_t run_child_sum(const struct run *r, int is_flood, const char *key);
/* messages.KEY (sent, replies, missing) summed over the floods' last lines */
uint64_t run_flood_messages(const struct run *r, const char *key);
/* The floods' socket errors so far: by errnames[] index into by_name
 * (ERRNAMES_MAX entries; may be NULL); returns the total. */
uint64_t run_flood_errors(const struct run *r, uint64_t *by_name);

/* sample.c */
/* The floods' replies in the hold alone (messages.reply_hold), or null. */
json_t *run_reply_hold_json(const struct run *r);
void run_sample(struct run *r);
void run_on_dumped(evutil_socket_t fd, short what, void *arg);
void run_dump_final(struct run *r);
void run_on_probe(void *arg, int is_ping, int64_t us, int err);
void run_on_probe6(void *arg, int is_ping, int64_t us, int err);

/* procs.c */
/* Each lab process's open files, limit and peak memory, this sample. */
void run_watch_procs(struct run *r);
/* The slab caches now (before: 1 before the ramp, 0 during the hold). */
void run_take_slabs(struct run *r, int before);
/* MemAvailable against lab.memory_floor: during the ramp the floods are
 * told to hold what they have. */
void run_check_memory(struct run *r);
/* Reads /proc/meminfo into r->mem. */
void run_read_meminfo(struct run *r);
/* What the lab's sockets pin now, and the floor's figure, kB. */
uint64_t run_pinned_kb(const struct run *r);
uint64_t run_usable_kb(const struct run *r);
/* At a sample: the pinned slab measured again (from slabinfo, or sockets
 * times the plan's cost), sockets being the lab's established ends. */
void run_measure_pinned(struct run *r, uint64_t sockets);
/* result.json's memory: the floor and its figure, the slab caches. */
void run_memory_json(const struct run *r, json_t *m);

/* kmsg.c */
void run_kmsg_open(struct run *r);

/* timeline.c: result.json's timeline, of the rows from row `from` on */
json_t *run_timeline_json(const struct run *r, size_t from);

/* events.c: the lab's events, carried out from the tick in the hold (or
 * the churn) at in_phase seconds into it */
void run_events_init(struct run *r);
void run_events_tick(struct run *r, double in_phase);
/* The hold is over: every open window closes (its recovery cut short). */
void run_events_close(struct run *r);
/* eventmeasure.c */
void run_event_snap(struct run *r, struct event_snap *s);
/* Each tick while an event's window is open: the kernel's count. */
void run_event_watch(struct run *r, struct run_event *e);
/* result.json's events: each with what it did and what was measured. */
json_t *run_events_json(const struct run *r);
/* tlsresult.c: result.json's "tls" (a lab with tls.enable on) */
json_t *run_tls_json(const struct run *r);
/* The floods' TLS failures so far, every reason. */
uint64_t run_tls_failed(const struct run *r);
void run_events_free(struct run *r);

/* servers.c */
int run_start_servers(struct run *r);
/* Something listens on the service address (a connect from the probe
 * namespace, answered within 100 ms). */
int run_service_answers(struct run *r);

/* phases.c */
int run_setup_command(struct run *r);
/* A second of pings (every 20 ms) before any lab process starts: the
 * network quiet, ping.quiet, what ping-affected compares the load with.
 * The servers start after it (or at once when it cannot be had). */
void run_quiet_start(struct run *r);
void run_on_tick(evutil_socket_t fd, short what, void *arg);
void run_on_signal(evutil_socket_t sig, short what, void *arg);

/* preflight.c */
int run_make_outdir(struct run *r, const char *out);
int run_preflight(struct run *r);

/* result.c: result.json's tree of a finished run, expectations not yet
 * judged. */
json_t *run_result(const struct run *r);
/* The same while the run goes (outcome "running"), its timeline the rows
 * from row `from` on: what run_opts.on_sample is given. */
json_t *run_result_live(const struct run *r, size_t from);

#endif
