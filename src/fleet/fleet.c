/* SPDX-License-Identifier: MIT */
/* fleet.c - the coordinator of connlab fleet: pdsh rounds (check, server,
 * floods), every host's lines read as they come, the service probed from
 * here, a timeline of the sums, and the result. */
#define _GNU_SOURCE
#include "fleet/fleet.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab/phase.h"
#include "run/probe.h"
#include "run/run.h"
#include "run/sampler.h"
#include "util/clock.h"
#include "util/errnames.h"
#include "util/hist.h"
#include "util/kcounters.h"
#include "util/log.h"
#include "util/procfs.h"
#include "util/status.h"
#include "util/units.h"

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
	double hold_from_s; /* coordinator time the host's hold began, -1 */
	uint64_t peak_estab, peak_state[ST_MAX], peak_tw, peak_mem_pages, peak_open;
	uint64_t peak_aq;
	/* the service's sockets by state (the dumps of connlab watch
	 * --service): the fleet's own connections, not ssh's */
	int have_svc;
	uint64_t svc_estab, peak_svc[ST_MAX];
	uint64_t aq_last; /* the listeners' accept queues at the last dump */
	json_t *tl_open, *tl_estab;
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
	const struct lab *lab;
	const struct fleet_plan *fp;
	struct event_base *base;
	struct fhost *h; /* load hosts by rank, then the server host */
	unsigned nh, nload;
	struct fhost *srv;
	struct pdsh_proc pr[3];
	uint64_t t0;
	time_t started_wall;
	enum phase phase;
	int phase_seen[PH_COUNT];
	double phase_t[PH_COUNT][2];
	struct probe *probe;
	char ping_unavailable[200];
	struct probe_tally tally;
	json_t *tl;
	int interrupted, waiting;
	char outcome[32], reason[1024];
	char outdir[512], labdir[512];
	FILE *log;
	struct event *tick, *sig[3], *deadline;
	uint64_t peak_sum_estab, final_sum_estab, peak_srv_estab;
};

static double now_s(const struct fleet *f)
{
	return (double)(clock_now_ns() - f->t0) / 1e9;
}

static struct fhost *host_by_name(struct fleet *f, const char *name)
{
	for (unsigned i = 0; i < f->nh; i++)
		if (!strcmp(f->h[i].name, name))
			return &f->h[i];
	return NULL;
}

static uint64_t jget_u(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v)
							       : 0;
}

static uint64_t jget_u2(json_t *o, const char *a, const char *b)
{
	return jget_u(json_object_get(o, a), b);
}

static void enter_phase(struct fleet *f, enum phase p)
{
	double t = now_s(f);

	if (f->phase_seen[f->phase])
		f->phase_t[f->phase][1] = t;
	f->phase = p;
	f->phase_seen[p] = 1;
	f->phase_t[p][0] = t;
	f->phase_t[p][1] = t;
	fprintf(stderr, "connlab fleet: %s (%.1f s)\n", phase_name(p, f->lab->client_mode), t);
}

/* ---- a host's lines ---- */

static void host_says(struct fleet *f, struct fhost *h, const char *text, int from_pdsh)
{
	int code;

	if (f->log)
		fprintf(f->log, "%.3f %s%s: %s\n", now_s(f), from_pdsh ? "pdsh on " : "", h->name,
			text);
	if (from_pdsh && (code = fleet_pdsh_exit(text)) >= 0) {
		h->exit_code = code;
		return;
	}
	if (json_array_size(h->msgs) < MSGS_MAX)
		json_array_append_new(h->msgs, json_string(text));
	/* the latest word that is not pdsh's exit report says why */
	if (!from_pdsh || !strstr(text, "exit code"))
		snprintf(h->why, sizeof(h->why), "%s", text);
}

static void take_watch(struct fhost *h, json_t *j)
{
	json_t *st = json_object_get(j, "states");
	uint64_t estab = jget_u(j, "curr_estab");
	uint64_t tw = jget_u2(j, "sockstat", "tw"), mem = jget_u2(j, "sockstat", "mem_pages");

	if (estab > h->peak_estab)
		h->peak_estab = estab;
	if (tw > h->peak_tw)
		h->peak_tw = tw;
	if (mem > h->peak_mem_pages)
		h->peak_mem_pages = mem;
	if (json_object_get(j, "accept_queue"))
		h->aq_last = jget_u(j, "accept_queue");
	if (h->aq_last > h->peak_aq)
		h->peak_aq = h->aq_last;
	if (st)
		for (int s = 1; s < ST_MAX; s++) {
			uint64_t v = jget_u(st, sampler_state_name(s));

			if (v > h->peak_state[s])
				h->peak_state[s] = v;
		}
	if ((st = json_object_get(j, "service"))) {
		h->have_svc = 1;
		h->svc_estab = jget_u(st, "ESTABLISHED");
		for (int s = 1; s < ST_MAX; s++) {
			uint64_t v = jget_u(st, sampler_state_name(s));

			if (v > h->peak_svc[s])
				h->peak_svc[s] = v;
		}
	}
	json_decref(h->watch);
	h->watch = json_incref(j);
}

static void host_line(struct fleet *f, const char *line)
{
	char name[HOSTNAME_MAX];
	const char *text;
	int from_pdsh;
	struct fhost *h;
	json_t *j;
	const char *role;

	if (fleet_parse_line(line, name, sizeof(name), &text, &from_pdsh) ||
	    !(h = host_by_name(f, name))) {
		if (f->log)
			fprintf(f->log, "%.3f pdsh: %s\n", now_s(f), line);
		if (!strncmp(line, "pdsh@", 5) && !strstr(line, "interrupt"))
			fprintf(stderr, "connlab fleet: %s\n", line);
		return;
	}
	if (from_pdsh || text[0] != '{' || !(j = json_loads(text, 0, NULL))) {
		host_says(f, h, text, from_pdsh);
		return;
	}
	role = json_string_value(json_object_get(j, "role"));
	if (!role) {
		host_says(f, h, text, 0);
	} else if (!strcmp(role, "watch")) {
		take_watch(h, j);
	} else if (!strcmp(role, "check")) {
		json_decref(h->check);
		h->check = json_incref(j);
	} else if (!strcmp(role, "flood") || !strcmp(role, "server")) {
		json_decref(h->last);
		h->last = json_incref(j);
		if (jget_u(j, "open") > h->peak_open)
			h->peak_open = jget_u(j, "open");
		if (h->hold_from_s < 0 && json_is_number(json_object_get(j, "hold_from_s")))
			h->hold_from_s = now_s(f);
		if (json_is_true(json_object_get(j, "final")))
			h->final_seen = 1;
	}
	json_decref(j);
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct fleet *f = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char *line;
	size_t n;

	while ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF))) {
		while (n && (line[n - 1] == '\r' || line[n - 1] == ' '))
			line[--n] = 0; /* ssh's words end in \r */
		host_line(f, line);
		free(line);
	}
}

static int round_done(const struct pdsh_proc *p)
{
	return !p->running && p->eof[0] && p->eof[1];
}

static void check_done(struct fleet *f)
{
	if (f->waiting >= 0 && round_done(&f->pr[f->waiting]))
		event_base_loopbreak(f->base);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct fleet *f = arg;

	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
		return;
	on_read(bev, f);
	for (int i = 0; i < 3; i++)
		for (int k = 0; k < 2; k++)
			if (f->pr[i].bev[k] == bev) {
				f->pr[i].eof[k] = 1;
				bufferevent_free(bev);
				f->pr[i].bev[k] = NULL;
			}
	check_done(f);
}

/* ---- pdsh ---- */

static int spawn_pdsh(struct fleet *f, enum fleet_round round, const char *hosts, unsigned nhosts,
		      unsigned timeout_s)
{
	struct pdsh_proc *p = &f->pr[round];
	char *script = fleet_script(f->lab, f->fp, round);
	char **argv = script ? fleet_pdsh_argv(f->lab, f->o->pdsh ? f->o->pdsh : "pdsh", hosts,
					       nhosts + 1, timeout_s, script, f->labdir)
			     : NULL;
	int out[2], err[2], ready[2];
	pid_t parent = getpid();
	char why[256];
	ssize_t k;

	free(script);
	if (!argv)
		return -ENOMEM;
	if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC) || pipe2(ready, O_CLOEXEC)) {
		fleet_argv_free(argv);
		return -errno;
	}
	if (f->log) {
		fprintf(f->log, "%.3f round %d:", now_s(f), (int)round);
		for (char **a = argv; *a; a++)
			fprintf(f->log, " [%s]", *a);
		fprintf(f->log, "\n");
		fflush(f->log);
	}
	fflush(NULL);
	p->pid = fork();
	if (p->pid == 0) {
		char buf[256];

		/* its own process group: stopping a round stops pdsh and
		 * every ssh it started; and it ends with the coordinator */
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(127);
		dup2(out[1], 1);
		dup2(err[1], 2);
		{
			int null = open("/dev/null", O_RDONLY);

			if (null >= 0)
				dup2(null, 0);
		}
		if (f->lab->fleet.transport == FLEET_SSH) {
			char *o = NULL;

			if (asprintf(&o, "-o BatchMode=yes -o ConnectTimeout=%u %s",
				     (unsigned)(f->lab->fleet.start_timeout_us / 1000000),
				     f->lab->fleet.ssh_options) > 0) {
				/* {labdir} in the options, for a lab's own ssh_config */
				char *at;

				while ((at = strstr(o, "{labdir}"))) {
					char *n = NULL;

					*at = 0;
					if (asprintf(&n, "%s%s%s", o, f->labdir, at + 8) < 0)
						break;
					free(o);
					o = n;
				}
				setenv("PDSH_SSH_ARGS_APPEND", o, 1);
			}
		}
		{
			/* pdsh and what it starts get the signals as they are */
			sigset_t none;

			sigemptyset(&none);
			sigprocmask(SIG_SETMASK, &none, NULL);
			signal(SIGPIPE, SIG_DFL);
		}
		execvp(argv[0], argv);
		snprintf(buf, sizeof(buf), "%s", strerror(errno));
		k = write(ready[1], buf, strlen(buf));
		(void)k;
		_exit(127);
	}
	fleet_argv_free(argv);
	close(out[1]);
	close(err[1]);
	close(ready[1]);
	if (p->pid < 0) {
		close(out[0]);
		close(err[0]);
		close(ready[0]);
		return -errno;
	}
	k = read(ready[0], why, sizeof(why) - 1);
	close(ready[0]);
	if (k > 0) {
		why[k] = 0;
		waitpid(p->pid, NULL, 0);
		close(out[0]);
		close(err[0]);
		log_msg(LOGL_ERROR,
			"cannot run pdsh: %s; install it (apt-get install pdsh) or put it on PATH",
			why);
		return -ENOENT;
	}
	p->running = 1;
	p->round = round;
	p->eof[0] = p->eof[1] = 0;
	for (int i = 0; i < 2; i++) {
		int fd = i ? err[0] : out[0];

		evutil_make_socket_nonblocking(fd);
		p->bev[i] = bufferevent_socket_new(f->base, fd, BEV_OPT_CLOSE_ON_FREE);
		bufferevent_setcb(p->bev[i], on_read, NULL, on_event, f);
		bufferevent_enable(p->bev[i], EV_READ);
	}
	return 0;
}

static void stop_round(struct fleet *f, enum fleet_round r, int sig)
{
	if (f->pr[r].running && f->pr[r].pid > 0)
		kill(-f->pr[r].pid, sig);
}

static void reap(struct fleet *f)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		for (int i = 0; i < 3; i++)
			if (f->pr[i].pid == pid && f->pr[i].running) {
				f->pr[i].running = 0;
				f->pr[i].status = st;
			}
	check_done(f);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct fleet *f = arg;

	(void)what;
	if (sig == SIGCHLD) {
		reap(f);
		return;
	}
	if (!f->interrupted)
		fprintf(stderr, "connlab fleet: stopping every host's processes\n");
	f->interrupted = 1;
	for (int r = 0; r < 3; r++)
		stop_round(f, r, SIGTERM);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct fleet *f = arg;

	(void)fd;
	(void)what;
	if (f->waiting >= 0)
		stop_round(f, f->waiting, SIGTERM);
	event_base_loopbreak(f->base);
}

/* Runs the loop until round r's pdsh is done (or timeout_us, 0: none). */
static void wait_round(struct fleet *f, enum fleet_round r, uint64_t timeout_us)
{
	struct timeval tv = clock_tv(timeout_us);

	f->waiting = (int)r;
	if (timeout_us)
		event_add(f->deadline, &tv);
	while (!round_done(&f->pr[r])) {
		event_base_loop(f->base, EVLOOP_ONCE);
		if (timeout_us && !evtimer_pending(f->deadline, NULL))
			break;
	}
	event_del(f->deadline);
	f->waiting = -1;
}

/* Stops a round that is still running and waits for it (at most 5 s,
 * then SIGKILL to its process group). */
static void end_round(struct fleet *f, enum fleet_round r)
{
	if (!f->pr[r].pid)
		return;
	if (f->pr[r].running || !round_done(&f->pr[r])) {
		stop_round(f, r, SIGTERM);
		wait_round(f, r, 5000000);
		if (f->pr[r].running) {
			kill(-f->pr[r].pid, SIGKILL);
			wait_round(f, r, 2000000);
		}
	}
	for (int k = 0; k < 2; k++)
		if (f->pr[r].bev[k]) {
			bufferevent_free(f->pr[r].bev[k]);
			f->pr[r].bev[k] = NULL;
		}
	if (f->pr[r].running) {
		waitpid(f->pr[r].pid, &f->pr[r].status, 0);
		f->pr[r].running = 0;
	}
}

/* ---- probes and the timeline ---- */

static void on_probe(void *arg, int is_ping, int64_t us, int err)
{
	struct fleet *f = arg;

	(void)err;
	if (f->phase >= PH_BEFORE) /* the coordinator probes from the before phase */
		probe_tally_add(&f->tally, f->phase, is_ping, us);
}

static void col_add(struct fleet *f, const char *col, json_t *v)
{
	json_t *a = json_object_get(f->tl, col);

	if (!a) {
		a = json_array();
		json_object_set_new(f->tl, col, a);
	}
	json_array_append_new(a, v);
}

static json_t *num(double v)
{
	return isnan(v) || v < 0 ? json_null() : json_real(v);
}

static void tick(struct fleet *f)
{
	static const struct {
		const char *col;
		int state;
	} st[] = { { "established", ST_ESTABLISHED }, { "time_wait", ST_TIME_WAIT },
		   { "close_wait", ST_CLOSE_WAIT },   { "syn_sent", ST_SYN_SENT },
		   { "syn_recv", ST_SYN_RECV },	      { "fin_wait1", ST_FIN_WAIT1 },
		   { "fin_wait2", ST_FIN_WAIT2 },     { "last_ack", ST_LAST_ACK },
		   { "closing", ST_CLOSING } };
	json_t *states = json_object_get(f->tl, "states");
	uint64_t estab = 0, connected = 0, open = 0, errs = 0, mem = 0, sent = 0, replies = 0,
		 missing = 0;
	uint64_t state[ST_MAX] = { 0 };
	struct probe_interval iv = probe_tally_interval(&f->tally);

	for (unsigned i = 0; i < f->nh; i++) {
		struct fhost *h = &f->h[i];
		json_t *w = h->watch, *ws = json_object_get(w, "states");

		if (w)
			mem += jget_u2(w, "sockstat", "mem_pages");
		if (ws) {
			for (int s = 1; s < ST_MAX; s++)
				state[s] += jget_u(ws, sampler_state_name(s));
		} else if (w) {
			state[ST_ESTABLISHED] += jget_u(w, "curr_estab");
			state[ST_TIME_WAIT] += jget_u2(w, "sockstat", "tw");
		}
		if (h == f->srv)
			continue;
		if (w)
			estab += h->have_svc ? h->svc_estab : jget_u(w, "curr_estab");
		connected += jget_u(h->last, "established");
		open += jget_u(h->last, "open");
		errs += jget_u(h->last, "errors_total");
		sent += jget_u2(h->last, "messages", "sent");
		replies += jget_u2(h->last, "messages", "replies");
		missing += jget_u2(h->last, "messages", "missing");
		if (h->tl_open) {
			json_array_append_new(h->tl_open,
					      json_integer((json_int_t)jget_u(h->last, "open")));
			json_array_append_new(h->tl_estab,
					      h->have_svc ? json_integer((json_int_t)h->svc_estab)
							  : json_null());
		}
	}
	if (estab > f->peak_sum_estab)
		f->peak_sum_estab = estab;
	if (f->srv && f->srv->have_svc && f->srv->svc_estab > f->peak_srv_estab)
		f->peak_srv_estab = f->srv->svc_estab;
	col_add(f, "t_s", json_real(round(now_s(f) * 1000) / 1000));
	col_add(f, "phase", json_string(phase_name(f->phase, f->lab->client_mode)));
	col_add(f, "connected", json_integer((json_int_t)connected));
	col_add(f, "flood_open", json_integer((json_int_t)open));
	col_add(f, "established_clients", json_integer((json_int_t)estab));
	col_add(f, "established_server",
		f->srv && f->srv->have_svc ? json_integer((json_int_t)f->srv->svc_estab)
					   : json_null());
	col_add(f, "server_open",
		f->srv && f->srv->last ? json_integer((json_int_t)jget_u(f->srv->last, "open"))
				       : json_null());
	col_add(f, "accept_queue",
		f->srv && f->srv->watch ? json_integer((json_int_t)f->srv->aq_last) : json_null());
	col_add(f, "listen_overflows",
		f->srv && f->srv->watch ? json_integer((json_int_t)jget_u2(
						  f->srv->watch, "counters", "ListenOverflows"))
					: json_null());
	col_add(f, "errors_total", json_integer((json_int_t)errs));
	col_add(f, "tcp_mem_pages", json_integer((json_int_t)mem));
	col_add(f, "messages_sent", json_integer((json_int_t)sent));
	col_add(f, "replies", json_integer((json_int_t)replies));
	col_add(f, "replies_missing", json_integer((json_int_t)missing));
	for (size_t k = 0; k < sizeof(st) / sizeof(st[0]); k++) {
		json_t *a = json_object_get(states, st[k].col);

		/* before the hosts' first dumps: 0 (the watches dump at once) */
		json_array_append_new(a, json_integer((json_int_t)state[st[k].state]));
	}
	col_add(f, "ping_p50_ms", num(iv.ping_p50_ms));
	col_add(f, "ping_max_ms", num(iv.ping_max_ms));
	col_add(f, "pings_sent", json_integer(iv.sent));
	col_add(f, "pings_lost", json_integer(iv.lost));
	col_add(f, "probe_connect_ms", num(iv.conn_max_ms));
	col_add(f, "probe_connect_failures", json_integer(iv.fail));
	f->final_sum_estab = estab;
}

/* Moves the flood round through ramp, hold and drain by what the hosts
 * say. */
static void advance(struct fleet *f)
{
	unsigned running = 0, holding = 0, ended = 0;

	for (unsigned i = 0; i < f->nload; i++) {
		struct fhost *h = &f->h[i];

		if (strcmp(h->state, "running"))
			continue;
		running++;
		holding += h->hold_from_s >= 0;
		ended += h->final_seen;
	}
	if (f->phase == PH_RAMP && running && f->lab->client_mode == CLIENT_HOLD &&
	    holding == running)
		enter_phase(f, PH_HOLD);
	if ((f->phase == PH_HOLD || (f->phase == PH_RAMP && f->lab->client_mode == CLIENT_CHURN)) &&
	    ended)
		enter_phase(f, PH_DRAIN);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct fleet *f = arg;

	(void)fd;
	(void)what;
	advance(f);
	tick(f);
}

/* ---- the rounds ---- */

static char *host_csv(struct fleet *f, int loads, int only_ready)
{
	size_t len = 0;
	char *s = NULL;
	FILE *m = open_memstream(&s, &len);
	int first = 1;

	if (!m)
		return NULL;
	for (unsigned i = 0; i < f->nh; i++) {
		struct fhost *h = &f->h[i];

		if ((h == f->srv) == loads)
			continue;
		if (only_ready && strcmp(h->state, "ready"))
			continue;
		fprintf(m, "%s%s", first ? "" : ",", h->name);
		first = 0;
	}
	fclose(m);
	if (first) {
		free(s);
		return NULL;
	}
	return s;
}

/* The check round: every host reached, its connlab asked whether its share
 * would run there. The number of load hosts ready. */
static unsigned check_round(struct fleet *f)
{
	char *all = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&all, &len);
	unsigned ready = 0;

	for (unsigned i = 0; i < f->nh; i++)
		fprintf(m, "%s%s", i ? "," : "", f->h[i].name);
	fclose(m);
	if (spawn_pdsh(f, ROUND_CHECK, all, f->nh,
		       (unsigned)(f->lab->fleet.start_timeout_us / 1000000))) {
		free(all);
		return 0;
	}
	free(all);
	wait_round(f, ROUND_CHECK, f->lab->fleet.start_timeout_us + 5000000);
	end_round(f, ROUND_CHECK);
	for (unsigned i = 0; i < f->nh; i++) {
		struct fhost *h = &f->h[i];
		const char *v;

		if (h == f->srv) {
			if (h->watch) {
				h->state = "ready";
			} else {
				h->state = "unreached";
				if (!h->why[0])
					snprintf(h->why, sizeof(h->why),
						 "no answer from connlab watch there");
			}
			continue;
		}
		if (!h->check) {
			h->state = "unreached";
			if (!h->why[0])
				snprintf(h->why, sizeof(h->why), "no answer from connlab there");
			continue;
		}
		v = json_string_value(json_object_get(h->check, "connlab"));
		if (v && strcmp(v, CONNLAB_VERSION) && json_array_size(h->msgs) < MSGS_MAX)
			json_array_append_new(h->msgs, json_sprintf("connlab %s there, %s here", v,
								    CONNLAB_VERSION));
		if (!json_is_true(json_object_get(h->check, "ok"))) {
			h->state = "not ready";
			if (jget_u(h->check, "sources_missing"))
				snprintf(
					h->why, sizeof(h->why),
					"%llu of its %llu source addresses are not on the host: %s",
					(unsigned long long)jget_u(h->check, "sources_missing"),
					(unsigned long long)jget_u(h->check, "sources"),
					json_string_value(
						json_object_get(h->check, "sources_missing_list")));
			continue;
		}
		h->state = "ready";
		h->why[0] = 0;
		ready++;
	}
	return ready;
}

static int server_listening(const struct fleet *f)
{
	if (!f->srv)
		return 1;
	if (f->lab->fleet.server == FLEET_SERVER_RUNNING)
		return f->srv->watch != NULL;
	return f->srv->last && jget_u(f->srv->last, "listening") >= f->lab->ports.n;
}

static int server_round(struct fleet *f)
{
	uint64_t until;

	f->srv->hold_from_s = -1;
	if (spawn_pdsh(f, ROUND_SERVER, f->srv->name, 1, 0))
		return -1;
	until = clock_now_ns() + f->lab->fleet.start_timeout_us * 1000;
	while (!server_listening(f) && !f->interrupted && !round_done(&f->pr[ROUND_SERVER]) &&
	       clock_now_ns() < until) {
		struct timeval tv = { 0, 100000 };

		event_base_loopexit(f->base, &tv);
		event_base_dispatch(f->base);
	}
	if (!server_listening(f)) {
		f->srv->state = "failed";
		snprintf(f->reason, sizeof(f->reason),
			 "the server on %s did not listen on %s within fleet.start_timeout%s%s",
			 f->srv->name, f->lab->fleet.target, f->srv->why[0] ? ": " : "",
			 f->srv->why);
		return -1;
	}
	f->srv->state = "running";
	return 0;
}

/* ---- the result ---- */

/* hosts' histograms under key, merged bucket by bucket */
static json_t *merged_hist(struct fleet *f, const char *key, int load_only)
{
	static struct hist h;
	unsigned n = 0;

	memset(&h, 0, sizeof(h));
	for (unsigned i = 0; i < f->nh; i++) {
		const char *t = json_string_value(json_object_get(f->h[i].last, key));

		if ((!load_only || &f->h[i] != f->srv) && t && hist_parse_add(&h, t) == 0)
			n++;
	}
	if (!n)
		return json_null();
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:i}", "count", (json_int_t)h.count,
			 "p50_us", (json_int_t)hist_quantile(&h, 0.5), "p90_us",
			 (json_int_t)hist_quantile(&h, 0.9), "p99_us",
			 (json_int_t)hist_quantile(&h, 0.99), "p999_us",
			 (json_int_t)hist_quantile(&h, 0.999), "max_us", (json_int_t)h.max,
			 "mean_us", (json_int_t)(h.count ? h.sum / h.count : 0), "floods", (int)n);
}

static json_t *host_json(struct fleet *f, struct fhost *h)
{
	json_t *o = json_object(), *k = json_object(), *peak = json_object();
	const struct fleet_host_plan *hp = h->rank >= 0 ? &f->fp->host[h->rank] : NULL;

	json_object_set_new(o, "name", json_string(h->name));
	json_object_set_new(o, "role", json_string(hp ? "load" : "server"));
	json_object_set_new(o, "rank", hp ? json_integer(h->rank) : json_null());
	json_object_set_new(o, "state", json_string(h->state));
	json_object_set_new(o, "why", h->why[0] ? json_string(h->why) : json_null());
	json_object_set_new(o, "exit_code",
			    h->exit_code >= 0 ? json_integer(h->exit_code) : json_null());
	json_object_set_new(o, "connlab",
			    json_incref(json_object_get(h->check, "connlab")) ?: json_null());
	if (hp) {
		json_t *fl = h->last;
		json_t *errs = json_object_get(fl, "errors"), *by = json_object(), *v;
		const char *name;

		json_object_set_new(
			o, "share",
			json_pack("{s:I, s:o, s:s, s:I, s:i}", "connections",
				  (json_int_t)hp->connections, "rate",
				  hp->rate ? json_integer((json_int_t)hp->rate) : json_null(),
				  "sources", hp->sources, "source_addresses", (json_int_t)hp->nsrc,
				  "floods_planned", (int)hp->floods));
		/* errors by name, over the phases */
		json_object_foreach(errs, name, v)
		{
			uint64_t n = 0;
			const char *ph;
			json_t *c;

			json_object_foreach(v, ph, c) n +=
				json_is_integer(c) ? (uint64_t)json_integer_value(c) : 0;
			json_object_set_new(by, name, json_integer((json_int_t)n));
		}
		json_object_set_new(
			o, "flood",
			fl ? json_pack(
				     "{s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:I, s:b, s:o, s:o}",
				     "opened", (json_int_t)jget_u(fl, "opened"), "established",
				     (json_int_t)jget_u(fl, "established"), "open",
				     (json_int_t)jget_u(fl, "open"), "open_peak",
				     (json_int_t)h->peak_open, "closed",
				     (json_int_t)jget_u(fl, "closed"), "closed_by_peer",
				     (json_int_t)jget_u(fl, "closed_by_peer"), "ramp_s",
				     json_incref(json_object_get(fl, "ramp_s")) ?: json_null(),
				     "connect_us",
				     json_incref(json_object_get(fl, "connect_us")) ?: json_null(),
				     "errors", by, "errors_total",
				     (json_int_t)jget_u(fl, "errors_total"), "final", h->final_seen,
				     "workers",
				     json_incref(json_object_get(fl, "workers")) ?: json_null(),
				     "messages",
				     json_incref(json_object_get(fl, "messages")) ?: json_null())
			   : json_null());
		if (!fl) {
			json_decref(by);
		} else {
			/* how long it held, by its own clock */
			json_t *from = json_object_get(fl, "hold_from_s"),
			       *end = json_object_get(fl, "hold_end_s");

			json_object_set_new(json_object_get(o, "flood"), "held_s",
					    json_is_number(from) && json_is_number(end)
						    ? json_real(json_number_value(end) -
								json_number_value(from))
						    : json_null());
		}
	} else {
		json_t *sv = h->last;

		json_object_set_new(
			o, "server",
			sv ? json_pack("{s:I, s:I, s:I, s:I, s:o}", "accepted",
				       (json_int_t)jget_u(sv, "accepted"), "open",
				       (json_int_t)jget_u(sv, "open"), "open_peak",
				       (json_int_t)h->peak_open, "listening",
				       (json_int_t)jget_u(sv, "listening"), "errors",
				       json_incref(json_object_get(sv, "errors")) ?: json_null())
			   : json_null());
	}
	/* its kernel, from connlab watch there */
	if (h->watch) {
		json_object_set_new(peak, "ESTABLISHED", json_integer((json_int_t)h->peak_estab));
		json_object_set_new(peak, "TIME_WAIT", json_integer((json_int_t)h->peak_tw));
		for (int s = 1; s < ST_MAX; s++)
			if (s != ST_ESTABLISHED && s != ST_TIME_WAIT)
				json_object_set_new(peak, sampler_state_name(s),
						    json_integer((json_int_t)h->peak_state[s]));
		json_object_set_new(k, "peak", peak);
		if (h->have_svc) {
			json_t *sp = json_object();

			for (int s = 1; s < ST_MAX; s++)
				json_object_set_new(sp, sampler_state_name(s),
						    json_integer((json_int_t)h->peak_svc[s]));
			json_object_set_new(k, "service_peak", sp);
		} else {
			json_object_set_new(k, "service_peak", json_null());
		}
		json_object_set_new(k, "last", json_incref(h->watch));
		json_object_set_new(k, "tcp_mem_pages_peak",
				    json_integer((json_int_t)h->peak_mem_pages));
		json_object_set_new(k, "accept_queue_peak", json_integer((json_int_t)h->peak_aq));
		json_object_set_new(o, "kernel", k);
	} else {
		json_decref(peak);
		json_decref(k);
		json_object_set_new(o, "kernel", json_null());
	}
	json_object_set_new(o, "messages", json_incref(h->msgs));
	return o;
}

static json_t *result_json(struct fleet *f)
{
	json_t *j = json_object(), *phases = json_array(), *hosts = json_array(),
	       *errors = json_object(), *ping, *probe, *hostf;
	char *labtext = NULL, when[32];
	size_t lablen = 0;
	FILE *mf = open_memstream(&labtext, &lablen);
	struct utsname u;
	struct tm tm;
	uint64_t made = 0, errs_total = 0, final_open = 0, sent = 0, replies = 0, missing = 0,
		 blocked = 0, peak_tw = 0, peak_cw = 0, peak_mem = 0;
	unsigned ran = 0, failed = 0;
	double ramp = -1;

	lab_write(f->lab, mf);
	fclose(mf);
	gmtime_r(&f->started_wall, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(j, "schema", json_integer(1));
	json_object_set_new(j, "connlab", json_string(CONNLAB_VERSION));
	json_object_set_new(j, "kind", json_string("fleet"));
	json_object_set_new(j, "lab",
			    json_pack("{s:s, s:s, s:s}", "name", f->lab->name, "source",
				      f->lab->source, "resolved", labtext ? labtext : ""));
	free(labtext);
	uname(&u);
	hostf = json_pack("{s:s, s:s, s:I, s:I, s:s}", "kernel", u.release, "machine", u.machine,
			  "cpus", (json_int_t)sysconf(_SC_NPROCESSORS_ONLN), "memory_bytes",
			  (json_int_t)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE), "role",
			  "coordinator: the probes run here");
	json_object_set_new(hostf, "fd_limit", json_integer((json_int_t)procfs_nofile_hard()));
	json_object_set_new(j, "host", hostf);
	json_object_set_new(j, "rootless", json_false());
	json_object_set_new(
		j, "unavailable",
		json_pack(
			"{s:s, s:s}", "slab_caches",
			"a fleet's hosts report sockstat, not /proc/slabinfo: kernel memory per connection is not measured",
			"kernel_log", "the hosts' kernel logs are not read"));
	if (f->ping_unavailable[0])
		json_object_set_new(json_object_get(j, "unavailable"), "ping",
				    json_string(f->ping_unavailable));
	json_object_set_new(j, "started", json_string(when));
	json_object_set_new(j, "outcome", json_string(f->outcome));
	json_object_set_new(j, "reason", json_string(f->reason));
	for (int p = 0; p < PH_COUNT; p++)
		if (f->phase_seen[p])
			json_array_append_new(phases, json_pack("{s:s, s:f, s:f}", "name",
								phase_name(p, f->lab->client_mode),
								"start_s", f->phase_t[p][0],
								"end_s", f->phase_t[p][1]));
	json_object_set_new(j, "phases", phases);
	for (unsigned i = 0; i < f->nh; i++) {
		struct fhost *h = &f->h[i];
		json_t *e, *v;
		const char *name;

		json_array_append_new(hosts, host_json(f, h));
		if (h == f->srv)
			continue;
		if (!strcmp(h->state, "done") || !strcmp(h->state, "stopped"))
			ran++;
		else
			failed++;
		made += jget_u(h->last, "established");
		final_open += jget_u(h->last, "open");
		errs_total += jget_u(h->last, "errors_total");
		sent += jget_u2(h->last, "messages", "sent");
		replies += jget_u2(h->last, "messages", "replies");
		missing += jget_u2(h->last, "messages", "missing");
		blocked += jget_u2(h->last, "messages", "send_blocked");
		if (h->peak_tw > peak_tw)
			peak_tw = h->peak_tw;
		if (h->peak_state[ST_CLOSE_WAIT] > peak_cw)
			peak_cw = h->peak_state[ST_CLOSE_WAIT];
		peak_mem += h->peak_mem_pages;
		if (json_is_number(json_object_get(h->last, "ramp_s")) &&
		    json_number_value(json_object_get(h->last, "ramp_s")) > ramp)
			ramp = json_number_value(json_object_get(h->last, "ramp_s"));
		e = json_object_get(h->last, "errors");
		json_object_foreach(e, name, v)
		{
			const char *ph;
			json_t *c;
			uint64_t n = jget_u(errors, name);

			json_object_foreach(v, ph, c) n +=
				json_is_integer(c) ? (uint64_t)json_integer_value(c) : 0;
			json_object_set_new(errors, name, json_integer((json_int_t)n));
		}
	}
	json_object_set_new(j, "hosts", hosts);
	json_object_set_new(
		j, "plan",
		json_pack("{s:I, s:i, s:s, s:s, s:s, s:s, s:s, s:i, s:s}", "connections",
			  (json_int_t)f->fp->connections, "hosts", (int)f->fp->nhosts, "transport",
			  f->lab->fleet.transport == FLEET_EXEC ? "exec" : "ssh", "target",
			  f->fp->target_text, "family", f->fp->six ? "ipv6" : "ipv4", "client_mode",
			  client_mode_name(f->lab->client_mode), "server_mode",
			  f->srv && f->lab->fleet.server == FLEET_SERVER_START
				  ? server_mode_name(f->lab->server_mode)
				  : "yours",
			  "server_ports", (int)f->lab->ports.n, "server_host",
			  f->srv ? f->srv->name : ""));
	json_object_set_new(j, "connections",
			    json_pack("{s:I, s:I, s:I, s:I, s:o, s:o}", "target",
				      (json_int_t)f->fp->connections, "made", (json_int_t)made,
				      "established_peak", (json_int_t)f->peak_sum_estab,
				      "established_final", (json_int_t)f->final_sum_estab, "ramp_s",
				      ramp >= 0 ? json_real(ramp) : json_null(), "ramp_rate",
				      ramp > 0 ? json_real((double)made / ramp) : json_null()));
	json_object_set_new(
		j, "totals",
		json_pack("{s:i, s:i, s:i, s:I, s:I, s:I, s:I, s:o}", "hosts", (int)f->nload,
			  "hosts_ran", (int)ran, "hosts_failed", (int)failed, "established",
			  (json_int_t)made, "open_final", (json_int_t)final_open,
			  "kernel_established_peak", (json_int_t)f->peak_sum_estab, "errors_total",
			  (json_int_t)errs_total, "server_kernel_established_peak",
			  f->srv && f->srv->watch ? json_integer((json_int_t)f->peak_srv_estab)
						  : json_null()));
	json_object_set_new(j, "peaks",
			    json_pack("{s:I, s:o, s:I, s:I, s:I}", "established_clients",
				      (json_int_t)f->peak_sum_estab, "established_server",
				      f->srv && f->srv->watch
					      ? json_integer((json_int_t)f->peak_srv_estab)
					      : json_null(),
				      "time_wait", (json_int_t)peak_tw, "close_wait",
				      (json_int_t)peak_cw, "tcp_mem_pages", (json_int_t)peak_mem));
	if (f->srv && f->srv->watch)
		json_object_set_new(json_object_get(j, "peaks"), "syn_recv",
				    json_integer((json_int_t)f->srv->peak_state[ST_SYN_RECV]));
	json_object_set_new(j, "errors", errors);
	json_object_set_new(j, "errors_total", json_integer((json_int_t)errs_total));
	json_object_set_new(j, "connect", merged_hist(f, "connect_hist", 1));
	json_object_set_new(j, "first_byte", merged_hist(f, "first_byte_hist", 1));
	if (f->lab->message[0]) {
		json_t *m =
			json_pack("{s:I, s:I, s:I, s:I, s:n}", "sent", (json_int_t)sent, "replies",
				  (json_int_t)replies, "missing", (json_int_t)missing,
				  "send_blocked", (json_int_t)blocked, "rate_hold_per_s");

		json_object_set_new(m, "reply", merged_hist(f, "reply_hist", 1));
		json_object_set_new(j, "messages", m);
	} else {
		json_object_set_new(j, "messages", json_null());
	}
	run_probes_json(f->phase_seen, &f->tally, &ping, &probe);
	json_object_set_new(j, "ping", ping);
	json_object_set_new(j, "probe_connect", probe);
	json_object_set_new(j, "timeline", json_incref(f->tl));
	json_object_set_new(j, "outdir", json_string(f->outdir));
	return j;
}

/* ---- the run ---- */

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

static void lab_dir(const struct lab *lab, char *buf, size_t len)
{
	const char *slash = strrchr(lab->source, '/');
	char rel[512];

	if (slash)
		snprintf(rel, sizeof(rel), "%.*s", (int)(slash - lab->source), lab->source);
	else
		snprintf(rel, sizeof(rel), ".");
	if (!realpath(rel, buf))
		snprintf(buf, len, "%s", rel);
}

static void finish_hosts(struct fleet *f)
{
	for (unsigned i = 0; i < f->nload; i++) {
		struct fhost *h = &f->h[i];

		if (strcmp(h->state, "running"))
			continue;
		if (!h->last) {
			h->state = "never started";
			if (!h->why[0])
				snprintf(h->why, sizeof(h->why), "its flood wrote nothing");
		} else if (h->exit_code > 0) {
			h->state = "failed";
			if (!h->why[0] || !h->final_seen)
				snprintf(h->why + strlen(h->why), sizeof(h->why) - strlen(h->why),
					 "%sits command exited with status %d",
					 h->why[0] ? "; " : "", h->exit_code);
		} else if (h->final_seen) {
			h->state = "done";
			h->why[0] = 0;
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
		f->srv->state = "stopped";
		snprintf(f->srv->why, sizeof(f->srv->why),
			 "stopped by the coordinator at the end; figures as of its last line");
	}
}

int fleet_run(const struct fleet_opts *o, json_t **result, char *outdir, size_t len)
{
	static struct fleet fl;
	struct fleet *f = &fl;
	const struct lab *lab = o->lab;
	unsigned ready;
	int status = EXIT_OK;
	sigset_t block;
	char *csv;

	memset(f, 0, sizeof(*f));
	*result = NULL;
	f->o = o;
	f->lab = lab;
	f->fp = o->fp;
	f->waiting = -1;
	f->t0 = clock_now_ns();
	f->started_wall = time(NULL);
	probe_tally_init(&f->tally);
	lab_dir(lab, f->labdir, sizeof(f->labdir));
	f->nload = f->fp->nhosts;
	f->nh = f->nload + (lab->fleet.server_host[0] ? 1 : 0);
	f->h = calloc(f->nh, sizeof(*f->h));
	if (!f->h)
		return EXIT_CANNOT_RUN;
	for (unsigned i = 0; i < f->nh; i++) {
		struct fhost *h = &f->h[i];

		snprintf(h->name, sizeof(h->name), "%.63s",
			 i < f->nload ? f->fp->host[i].name : lab->fleet.server_host);
		h->rank = i < f->nload ? (int)i : -1;
		h->state = "planned";
		h->exit_code = -1;
		h->hold_from_s = -1;
		h->msgs = json_array();
	}
	if (f->nh > f->nload)
		f->srv = &f->h[f->nload];
	if (make_outdir(f)) {
		free(f->h);
		return EXIT_CANNOT_RUN;
	}
	snprintf(outdir, len, "%s", f->outdir);
	f->tl = json_object();
	json_object_set_new(f->tl, "interval_s", json_real((double)lab->interval_us / 1e6));
	json_object_set_new(f->tl, "states", json_object());
	{
		static const char *const cols[] = { "established", "time_wait", "close_wait",
						    "syn_sent",	   "syn_recv",	"fin_wait1",
						    "fin_wait2",   "last_ack",	"closing" };
		json_t *hosts = json_object();

		for (size_t k = 0; k < sizeof(cols) / sizeof(cols[0]); k++)
			json_object_set_new(json_object_get(f->tl, "states"), cols[k],
					    json_array());
		for (unsigned i = 0; i < f->nload; i++) {
			f->h[i].tl_open = json_array();
			f->h[i].tl_estab = json_array();
			json_object_set_new(hosts, f->h[i].name,
					    json_pack("{s:O, s:O}", "open", f->h[i].tl_open,
						      "established", f->h[i].tl_estab));
			json_decref(f->h[i].tl_open);
			json_decref(f->h[i].tl_estab);
		}
		json_object_set_new(f->tl, "hosts", hosts);
	}
	f->base = event_base_new();
	sigemptyset(&block);
	sigaddset(&block, SIGPIPE);
	sigprocmask(SIG_BLOCK, &block, NULL);
	f->sig[0] = evsignal_new(f->base, SIGINT, on_signal, f);
	f->sig[1] = evsignal_new(f->base, SIGTERM, on_signal, f);
	event_add(f->sig[0], NULL);
	event_add(f->sig[1], NULL);
	{
		f->sig[2] = evsignal_new(f->base, SIGCHLD, on_signal, f);
		event_add(f->sig[2], NULL);
		f->deadline = evtimer_new(f->base, on_deadline, f);
		snprintf(f->outcome, sizeof(f->outcome), "ok");
		enter_phase(f, PH_PREFLIGHT);
		/* 1. every host: reachable, its sources there, its share fits */
		ready = check_round(f);
		if (f->interrupted) {
			status = EXIT_INTERRUPTED;
			snprintf(f->reason, sizeof(f->reason),
				 "interrupted while checking the hosts");
			goto out;
		}
		for (unsigned i = 0; i < f->nh; i++) {
			struct fhost *h = &f->h[i];

			if (strcmp(h->state, "ready"))
				fprintf(stderr, "connlab fleet: host %s %s: %s\n", h->name,
					h->state, h->why);
		}
		if (f->srv && strcmp(f->srv->state, "ready")) {
			status = EXIT_CANNOT_RUN;
			snprintf(f->reason, sizeof(f->reason), "the server host %s is %s: %s",
				 f->srv->name, f->srv->state, f->srv->why);
			goto out;
		}
		if (!ready || (ready < f->nload && lab->fleet.on_failure == FLEET_STOP)) {
			char names[300] = "";
			size_t at = 0;

			for (unsigned i = 0; i < f->nload && at < sizeof(names) - 1; i++)
				if (strcmp(f->h[i].state, "ready"))
					at += (size_t)snprintf(names + at, sizeof(names) - at,
							       "%s%s", at ? ", " : "",
							       f->h[i].name);
			status = EXIT_CANNOT_RUN;
			snprintf(
				f->reason, sizeof(f->reason),
				ready ? "host%s %s cannot run its share and fleet.on_failure = stop"
				      : "no load host can run its share (%s%s)",
				ready ? (strchr(names, ',') ? "s" : "") : names,
				ready ? names : "");
			goto out;
		}
		/* 2. the server, when the lab starts it; connlab watch there */
		enter_phase(f, PH_SERVERS);
		if (f->srv && server_round(f)) {
			status = f->interrupted ? EXIT_INTERRUPTED : EXIT_CANNOT_RUN;
			if (f->interrupted)
				snprintf(f->reason, sizeof(f->reason),
					 "interrupted while starting the server");
			goto out;
		}
		/* 3. the probes from here, first without load */
		{
			/* over the target's family: ICMP or ICMPv6 echo, connects */
			uint32_t t = f->fp->target;
			const struct addr6 *t6 = f->fp->six ? &f->fp->target6 : NULL;
			int e;

			e = probe_start(f->base, -1, t, t6, lab->ports.port[0],
					lab->ping_interval_us, lab->connect_interval_us, on_probe,
					f, &f->probe);
			if (e && lab->ping_interval_us) {
				snprintf(
					f->ping_unavailable, sizeof(f->ping_unavailable),
					"no ping from this host (%s): ping sockets need the group in net.ipv4.ping_group_range",
					strerror(-e));
				e = probe_start(f->base, -1, t, t6, lab->ports.port[0], 0,
						lab->connect_interval_us, on_probe, f, &f->probe);
			}
			if (e)
				f->probe = NULL;
		}
		{
			struct timeval tv = clock_tv(lab->interval_us);

			f->tick = event_new(f->base, -1, EV_PERSIST, on_tick, f);
			event_add(f->tick, &tv);
		}
		enter_phase(f, PH_BEFORE);
		{
			uint64_t until = clock_now_ns() + 3 * lab->interval_us * 1000;

			while (!f->interrupted && clock_now_ns() < until) {
				struct timeval tv = { 0, 100000 };

				event_base_loopexit(f->base, &tv);
				event_base_dispatch(f->base);
			}
		}
		if (f->interrupted) {
			status = EXIT_INTERRUPTED;
			snprintf(f->reason, sizeof(f->reason),
				 "interrupted before the floods started");
			goto out;
		}
		/* 4. the floods */
		csv = host_csv(f, 1, 1);
		for (unsigned i = 0; i < f->nload; i++)
			if (!strcmp(f->h[i].state, "ready"))
				f->h[i].state = "running";
		enter_phase(f, PH_RAMP);
		/* pdsh -u: the floods' own bound, and a minute for ssh */
		if (!csv || spawn_pdsh(f, ROUND_FLOOD, csv, ready,
				       (unsigned)(fleet_flood_bound_us(lab) / 1000000) + 60)) {
			free(csv);
			status = EXIT_CANNOT_RUN;
			snprintf(f->reason, sizeof(f->reason), "cannot start pdsh for the floods");
			goto out;
		}
		free(csv);
		wait_round(f, ROUND_FLOOD, 0);
		if (f->phase != PH_DRAIN)
			enter_phase(f, PH_DRAIN);
		tick(f);
	}
out:
	end_round(f, ROUND_FLOOD);
	if (f->srv)
		end_round(f, ROUND_SERVER);
	enter_phase(f, PH_TEARDOWN);
	f->phase_t[PH_TEARDOWN][1] = now_s(f);
	finish_hosts(f);
	if (f->interrupted && status == EXIT_OK) {
		status = EXIT_INTERRUPTED;
		snprintf(f->reason, sizeof(f->reason), "interrupted (Ctrl-C or SIGTERM)");
	}
	if (status == EXIT_OK) {
		unsigned bad = 0;

		for (unsigned i = 0; i < f->nload; i++)
			bad += strcmp(f->h[i].state, "done") != 0;
		if (bad)
			snprintf(f->reason, sizeof(f->reason),
				 "%u of %u load hosts did not run to the end (see hosts)", bad,
				 f->nload);
	}
	snprintf(f->outcome, sizeof(f->outcome), "%s",
		 status == EXIT_OK	      ? "ok"
		 : status == EXIT_INTERRUPTED ? "interrupted"
					      : "cannot run");
	probe_stop(f->probe);
	*result = result_json(f);
	if (f->tick)
		event_free(f->tick);
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
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	return status;
}
