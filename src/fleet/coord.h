/* SPDX-License-Identifier: MIT */
/* coord.h - private to src/fleet/: the coordinator's state and what its
 * files give each other. fleet.c runs the rounds in order; state.c keeps the clock and
 * phases; hosts.c reads
 * the hosts' lines; pdsh.c starts, waits for and stops pdsh; timeline.c
 * probes and samples; rounds.c checks the hosts and starts the server;
 * end.c sets the hosts' one end; events.c restarts the server host's
 * server at the lab's restart events and measures each; result.c writes
 * result.json's tree. */
#ifndef CONNLAB_FLEET_COORD_H
#define CONNLAB_FLEET_COORD_H

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "fleet/fleet.h"
#include "lab/phase.h"
#include "run/probe.h"
#include "run/run.h"
#include "run/sampler.h"
#include "lab/hostlist.h"
#include "util/hist.h"

#ifndef CONNLAB_VERSION
#define CONNLAB_VERSION "0.0.0"
#endif

#define MSGS_MAX 20 /* a host's own words kept in result.json */

struct fhost {
	char name[HOSTNAME_MAX];
	int rank; /* -1: the server host */
	const char *state;
	char why[400];
	json_t *check, *last, *watch, *msgs;
	int exit_code; /* pdsh's word, -1 none */
	int final_seen;
	/* coordinator time the host's hold began and ended, -1: the time its
	 * line was seen less how long before the line (by the host's clock)
	 * the hold began or ended */
	double hold_from_s, hold_end_s;
	char end_said[200]; /* what the coordinator's end round heard there */
	/* its clock less the coordinator's, from its check line (late by
	 * the line's way here, milliseconds); 0 when not known */
	double clock_offset_s;
	int end_exit;	/* that round's exit code there, -1 none */
	int end_sent;	/* it was told the end */
	double final_s; /* coordinator time of its final line, -1 */
	/* coordinator time pdsh reported its command ended (while running),
	 * -1; before its final line: the host is gone from the sums */
	double ended_s;
	uint64_t peak_estab, peak_state[ST_MAX], peak_tw, peak_mem_pages, peak_open;
	uint64_t peak_aq;
	/* the service's sockets by state (the dumps of connlab watch
	 * --service): the fleet's own connections, not ssh's */
	int have_svc;
	uint64_t svc_estab, peak_svc[ST_MAX];
	uint64_t aq_last; /* the listeners' accept queues at the last dump */
	/* the coordinator's probe connects when its watch's last line came:
	 * the handshakes of its kernel's counters that were not the fleet's */
	uint64_t probe_opens_at_watch;
	/* when its watch's last line came; when it went silent (-1: it did
	 * not), its kernel's figures then leave the sums */
	double watch_seen_s, watch_silent_s;
	json_t *tl_open, *tl_estab;
};

/* What the hosts had counted at an event's start or its window's close
 * (events.c). */
struct fsnap {
	double t;
	uint64_t estab; /* the server host's CurrEstab, by its watch */
	uint64_t open, lost, reconnects, reset_at_connect;
	uint64_t syn_retrans; /* the load hosts' kernels */
	uint64_t cookies_sent, cookies_recv, overflows, passive_opens;
	uint64_t probe_opens; /* the coordinator's probe connects */
	json_t *errors;	      /* the floods' failures by errno name */
	struct hist connect;
};

/* A restart event of the fleet: told to the server host's shell, its
 * window open until the server host holds what it held before. */
struct fevent {
	const struct lab_event *lab;
	int fired, open;
	double t_s;    /* coordinator time it was told; -1 */
	double exit_s; /* the shell said the server exited; -1 */
	double end_s;  /* the new server listens; -1 */
	double recovered_s, recovered99_s;
	int exit_status; /* the stopped server's, -1 */
	long old_pid;
	uint64_t target, min_estab, tw_peak, last_estab;
	double seen_s;	 /* the server host's watch line last looked at */
	double rate_max; /* the fastest the count grew, a second */
	char failed[200], cut[80];
	json_t *accepted; /* the server's accepts by worker at the close */
	struct fsnap at[2];
};

struct pdsh_proc {
	pid_t pid;
	int running;
	int status;
	int eof[2];
	struct bufferevent *bev[2];
	enum fleet_round round;
};

struct fleet {
	const struct fleet_opts *o;
	size_t live_rows; /* the timeline's rows given to o->on_sample */
	const struct lab *lab;
	const struct fleet_plan *fp;
	struct event_base *base;
	struct fhost *h; /* load hosts by rank, then the server host */
	unsigned nh, nload;
	struct fhost *srv;
	struct pdsh_proc pr[ROUNDS];
	uint64_t t0;
	time_t started_wall;
	struct phase_log ph; /* the phase now, and when each began and ended */
	struct probe *probe;
	char ping_unavailable[200];
	struct probe_tally tally;
	json_t *tl;
	int interrupted, waiting;
	int ending;	 /* the coordinator stops the rounds: exits are its doing */
	int pdsh_failed; /* pdsh itself could not be run: no host was tried */
	char outcome[32], reason[1024];
	char outdir[512], labdir[512];
	FILE *log;
	struct event *tick, *sig[3], *deadline;
	uint64_t peak_sum_estab, final_sum_estab, peak_srv_estab;
	char run_id[32];	 /* the end sockets' names: RUN_ID-RANK */
	struct event *hold_wait; /* the longest wait for every hold (end.c) */
	double end_at_s, told_s; /* the hosts' one end, and when told; -1 */
	double *end_wall;	 /* that end by each rank's clock */
	struct fevent *ev;	 /* the restart events, in time order */
	unsigned nev;
	struct fevent *event_now; /* the last one told */
	long srv_shell;		  /* the server round's shell there, 0 */
	uint64_t probe_opens;	  /* the coordinator's probe connects so far */
	struct event *ev_tick;
};

/* state.c */
/* seconds since the coordinator started */
double fleet_now_s(const struct fleet *f);
void fleet_enter_phase(struct fleet *f, enum phase p);
struct fhost *fleet_host_by_name(struct fleet *f, const char *name);
int fleet_round_done(const struct pdsh_proc *p);
/* ends the loop when the round waited for is done */
void fleet_check_done(struct fleet *f);
/* Its command ended before its final line: nothing it last said holds. */
int fleet_host_gone(const struct fhost *h);

/* end.c: the hosts' one end */
/* With the floods' round: the longest wait for every host's hold. */
void fleet_end_start(struct fleet *f);
/* Once every running host's hold has begun (or the wait is over), sets
 * the end at the last hold's beginning plus lab.duration and tells it
 * (each tick of the timeline asks). */
void fleet_end_check(struct fleet *f);
/* From the last host's hold to the first one's end, by the coordinator's
 * clock; -1 when no host held. */
double fleet_held_together_s(const struct fleet *f);
void fleet_end_free(struct fleet *f);

/* hosts.c: a host's lines, as pdsh passes them on */
void fleet_on_read(struct bufferevent *bev, void *arg);
void fleet_on_event(struct bufferevent *bev, short what, void *arg);

/* pdsh.c: one pdsh process a round */
int fleet_spawn_pdsh(struct fleet *f, enum fleet_round round, const char *hosts, unsigned nhosts,
		     unsigned timeout_s);
/* Runs the loop until round r's pdsh is done (or timeout_us, 0: none). */
void fleet_wait_round(struct fleet *f, enum fleet_round r, uint64_t timeout_us);
/* Stops a round that is still running and waits for it. */
void fleet_end_round(struct fleet *f, enum fleet_round r);
void fleet_on_signal(evutil_socket_t sig, short what, void *arg);
void fleet_on_deadline(evutil_socket_t fd, short what, void *arg);

/* timeline.c */
/* The timeline's columns, and a column of open and established per load
 * host. */
json_t *fleet_timeline_new(struct fleet *f);
void fleet_on_probe(void *arg, int is_ping, int64_t us, int err);
void fleet_tick(struct fleet *f);
void fleet_on_tick(evutil_socket_t fd, short what, void *arg);

/* rounds.c */
/* The load hosts (loads) or the server host, only those ready: a comma
 * list, NULL when none. */
char *fleet_host_csv(struct fleet *f, int loads, int only_ready);
/* The check round: the number of load hosts ready. */
unsigned fleet_check_round(struct fleet *f);
/* The server round: 0 when the server listens, -1 with the reason. */
int fleet_server_round(struct fleet *f);

/* events.c: the restart events */
int fleet_events_init(struct fleet *f);
/* Every 100 ms: the open windows watched; the event whose time has come,
 * started, for the caller to tell the server host (ROUND_EVENT), or NULL. */
struct fevent *fleet_events_tick(struct fleet *f);
/* Its word went (err 0: pdsh started) or not. */
void fleet_events_told(struct fleet *f, struct fevent *e, int err);
/* The floods' round is over: every window closes. */
void fleet_events_end(struct fleet *f);
/* The server host's lines of role shell, restart and server. */
void fleet_events_line(struct fleet *f, const char *role, json_t *j);
/* A line of the event round. */
void fleet_events_said(struct fleet *f, const char *text, int from_pdsh);
json_t *fleet_events_json(const struct fleet *f);
void fleet_events_free(struct fleet *f);

/* result.c */
json_t *fleet_result_json(struct fleet *f);
/* The result so far to o->on_sample, when there is one (after each row). */
void fleet_publish(struct fleet *f);

#endif
