/* run.c - `connlab run`: preflight, build, servers, probe, ramp, hold (or
 * churn), drain, teardown, report. The launcher is one libevent loop: child
 * stats arrive over pipes, the kernel is sampled on a timer, signals end
 * the run in order (a second Ctrl-C at once). Children are this binary
 * re-executed inside their namespace, with PR_SET_PDEATHSIG: a kill -9 of
 * the launcher takes them, and with them the anonymous namespaces. */
#define _GNU_SOURCE
#include "run.h"

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

#include "cli.h"
#include "dumper.h"

#define IP_BIND_ADDRESS_NO_PORT_ 24 /* linux/in.h, not in every libc */
#include "log.h"
#include "netns.h"

static const char *const phase_names[PH_COUNT] = {
	"preflight", "build", "servers", "before", "ramp", "hold", "drain", "teardown",
};

double run_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double elapsed(const struct run *r)
{
	return run_now_s() - r->start_s;
}

/* churn has no ramp: the floods open and close until they are done */
static const char *phase_label(const struct run *r, enum phase p)
{
	return p == PH_RAMP && r->lab->client_mode == CLIENT_CHURN ? "churn" : phase_names[p];
}

static void phase_enter(struct run *r, enum phase p)
{
	double t = elapsed(r);

	if (r->phase_seen[r->phase])
		r->phase_t[r->phase][1] = t;
	r->phase = p;
	r->phase_seen[p] = 1;
	r->phase_t[p][0] = t;
	r->phase_t[p][1] = t;
	if (!r->tty)
		printf("[%7.1fs] phase %s\n", t, phase_label(r, p));
	fflush(stdout);
}

static void fail(struct run *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- children ---- */

static void on_stats_line(struct bufferevent *bev, void *arg)
{
	struct child *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char *line;
	size_t len;

	while ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF))) {
		json_t *j = json_loads(line, 0, NULL);

		if (j) {
			json_decref(c->last);
			c->last = j;
		}
		free(line);
	}
}

static void on_stats_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	(void)arg; /* EOF: the child is exiting; SIGCHLD tells the rest */
}

/* In a forked child, before exec: die with the launcher (and check that it
 * is not already gone), take signals again but leave Ctrl-C to the
 * launcher, enter namespace ns, write output to the run's log. */
static void child_prepare(const struct run *r, unsigned ns, pid_t parent, int own_group)
{
	sigset_t none;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGINT, SIG_IGN);
	if (own_group)
		setpgid(0, 0);
	if (setns(r->topo.ns[ns].fd, CLONE_NEWNET))
		_exit(126);
	if (r->log_fd >= 0) {
		dup2(r->log_fd, 2);
		dup2(r->log_fd, 1);
	}
}

/* Forks this binary into namespace ns with argv; its stats lines come on
 * its fd 3. */
static int spawn(struct run *r, const char *name, int is_flood, unsigned ns, char **argv)
{
	struct child *c = &r->child[r->nchild];
	pid_t parent = getpid(), pid;
	int p[2];

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		child_prepare(r, ns, parent, 0);
		dup2(p[1], 3);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(p[1]);
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->is_flood = is_flood;
	c->ns = (int)ns;
	c->pid = pid;
	c->stats_fd = p[0];
	evutil_make_socket_nonblocking(p[0]);
	c->bev = bufferevent_socket_new(r->base, p[0], BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(c->bev, on_stats_line, NULL, on_stats_event, c);
	bufferevent_enable(c->bev, EV_READ);
	r->nchild++;
	return 0;
}

static void signal_child(const struct child *c, int sig)
{
	if (c->group)
		kill(-c->pid, sig); /* a user's command and whatever it started */
	else if (!c->exited)
		kill(c->pid, sig);
}

static void signal_children(struct run *r, int is_flood, int sig)
{
	for (unsigned i = 0; i < r->nchild; i++)
		if (r->child[i].is_flood == is_flood && (!r->child[i].exited || r->child[i].group))
			signal_child(&r->child[i], sig);
}

static int children_running(const struct run *r, int is_flood)
{
	int n = 0;

	for (unsigned i = 0; i < r->nchild; i++)
		n += r->child[i].is_flood == is_flood && !r->child[i].exited;
	return n;
}

static uint64_t child_sum(const struct run *r, int is_flood, const char *key)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < r->nchild; i++) {
		const struct child *c = &r->child[i];
		json_t *v =
			c->is_flood == is_flood && c->last ? json_object_get(c->last, key) : NULL;

		if (json_is_integer(v))
			sum += (uint64_t)json_integer_value(v);
	}
	return sum;
}

/* The floods' socket errors so far, from their last stats lines: by
 * errnames[] index into by_name (may be NULL); returns the total. */
uint64_t run_flood_errors(const struct run *r, uint64_t *by_name)
{
	uint64_t sum = 0;

	if (by_name)
		memset(by_name, 0, ERRNAMES_MAX * sizeof(*by_name));
	for (unsigned i = 0; i < r->nchild; i++) {
		json_t *e = r->child[i].last ? json_object_get(r->child[i].last, "errors") : NULL;
		const char *k;
		json_t *byphase;

		if (!r->child[i].is_flood)
			continue;
		json_object_foreach(e, k, byphase)
		{
			const struct errname *en = errname_by_name(k);
			const char *ph;
			json_t *n;
			uint64_t v = 0;

			json_object_foreach(byphase, ph, n) v += (uint64_t)json_integer_value(n);
			sum += v;
			if (en && by_name)
				by_name[en - errnames] += v;
		}
	}
	return sum;
}

static void start_teardown(struct run *r);
static void substitute(const char *in, char *out, size_t len, const char *const *keys,
		       const char *const *vals, size_t n);
static void on_probe(void *arg, int is_ping, int64_t us, int err);
static int start_builtin_servers(struct run *r);

static void on_sigchld(struct run *r)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (unsigned i = 0; i < r->nchild; i++) {
			struct child *c = &r->child[i];
			int expected;

			if (c->pid != pid)
				continue;
			c->exited = 1;
			c->status = st;
			/* floods end on their own in churn mode, and when told to */
			expected = r->phase >= PH_TEARDOWN ||
				   (c->is_flood &&
				    (r->phase == PH_DRAIN || r->lab->client_mode == CLIENT_CHURN));
			if (!expected || WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st))) {
				if (expected && WIFSIGNALED(st) &&
				    (WTERMSIG(st) == SIGTERM || WTERMSIG(st) == SIGKILL))
					continue;
				fail(r, EXIT_CANNOT_RUN, "%s (pid %d) %s %d during the %s phase",
				     c->name, (int)pid,
				     WIFSIGNALED(st) ? "died of signal" : "exited with status",
				     WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st),
				     phase_label(r, r->phase));
			}
		}
	}
}

/* ---- failure and the end ---- */

static void fail(struct run *r, int status, const char *fmt, ...)
{
	va_list ap;

	if (r->exit_status)
		return; /* the first reason stands */
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
	r->outcome = status == EXIT_INTERRUPTED ? "interrupted" : "failed";
	r->exit_status = status;
	if (status != EXIT_INTERRUPTED)
		log_msg(LOG_ERROR, "%s", r->reason);
	if (r->phase < PH_DRAIN) {
		phase_enter(r, PH_DRAIN);
		signal_children(r, 1, SIGTERM);
	} else if (r->phase == PH_DRAIN && status != EXIT_INTERRUPTED) {
		start_teardown(r);
	}
}

static void start_teardown(struct run *r)
{
	if (r->phase >= PH_TEARDOWN)
		return;
	phase_enter(r, PH_TEARDOWN);
	signal_children(r, 1, SIGKILL);
	signal_children(r, 0, SIGTERM);
}

/* ---- memory ---- */

static uint64_t meminfo_kb(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "re");
	char line[128];
	unsigned long long v = 0;
	size_t kl = strlen(key);

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':')
			sscanf(line + kl + 1, "%llu", &v);
	fclose(f);
	return v;
}

static uint64_t pss_of(pid_t pid)
{
	char path[64], line[128];
	unsigned long long kb = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Pss: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

/* Pss of pid and all its descendants (workers under a supervisor). */
static uint64_t pss_tree(pid_t pid)
{
	char path[96], buf[4096];
	uint64_t sum = pss_of(pid);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	f = fopen(path, "re");
	if (!f)
		return sum;
	if (fgets(buf, sizeof(buf), f)) {
		char *save, *tok = strtok_r(buf, " \n", &save);

		for (; tok; tok = strtok_r(NULL, " \n", &save))
			sum += pss_tree((pid_t)atoi(tok));
	}
	fclose(f);
	return sum;
}

static double cpu_self_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* ---- sampling ---- */

#define STATE_MASK                                                                                 \
	((1u << ST_SYN_SENT) | (1u << ST_SYN_RECV) | (1u << ST_FIN_WAIT1) | (1u << ST_FIN_WAIT2) | \
	 (1u << ST_CLOSE_WAIT) | (1u << ST_LAST_ACK) | (1u << ST_CLOSING) | (1u << ST_LISTEN))

static size_t counter_index(const char *name)
{
	for (size_t i = 0; i < expect_counters_count; i++)
		if (!strcmp(expect_counters[i], name))
			return i;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* ---- state dumps, on their own thread (dumper.h) ---- */

static uint64_t sockets_now(const struct run *r)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < r->topo.n; i++)
		n += r->now[i].inuse + r->now[i].tw;
	return n;
}

/* sock_diag walks every socket of a hash: keep the dumps under 1% of a
 * core (the launcher's whole budget at 1M is 2%; its probes and sampling
 * take about 0.4%). The next dump's cost is predicted from the last one's
 * per socket, so a ramp from thousands to a million sockets does not start
 * a dump of seconds on the strength of one that took milliseconds. */
#define DUMP_BUDGET 0.01

/* What the next dump will cost: the sockets there are now at the last
 * dump's cost per socket, once a dump has walked enough of them (100k) to
 * tell; before that 0.5 us per socket, about what an empty filtered dump of
 * two million sockets cost here (0.58 s). A small dump's own time is mostly
 * its fixed cost and the packet processing charged to its thread, and
 * scaling it up would put the next dump off for minutes. */
static double dump_predicted(const struct run *r)
{
	double now = (double)sockets_now(r), then = (double)r->dump_sockets;
	double p = now * (then >= 100000 ? r->dump_cost_s / then : 0.5e-6);

	return now <= then && r->dump_cost_s > p ? r->dump_cost_s : p;
}

static void dumped(struct run *r)
{
	double cpu, wall, iv = (double)r->lab->interval_us / 1e6;

	if (!dumper_collect(&r->dumper, r->now, r->topo.n, &cpu, &wall))
		return;
	for (unsigned i = 0; i < r->topo.n; i++)
		for (int st = 0; st < ST_MAX; st++)
			if (r->now[i].state[st] > r->peak_state[i][st])
				r->peak_state[i][st] = r->now[i].state[st];
	/* the thread's CPU time includes the softirqs (packet processing) that
	 * ran on its CPU meanwhile, and its wall time the waits for a CPU: the
	 * smaller of the two is the nearer to the dump's own cost */
	r->dump_cost_s = cpu < wall ? cpu : wall;
	r->dump_wall_s = wall;
	r->ndumps++;
	r->last_dump_s = r->dump_started_s; /* the counts are as of the dump */
	/* a little early: samples come every interval, give or take */
	cpu = r->dump_cost_s;
	r->next_dump_s =
		r->dump_started_s + (cpu / DUMP_BUDGET > iv ? cpu / DUMP_BUDGET : iv) - iv / 10;
}

static void dump_maybe(struct run *r, double t)
{
	double gap = dump_predicted(r) / DUMP_BUDGET;

	if (!r->dumper.started || t < r->next_dump_s)
		return;
	if (t - r->dump_started_s < gap) {
		r->next_dump_s = r->dump_started_s + gap;
		return;
	}
	if (dumper_request(&r->dumper) == 0) {
		r->dump_started_s = t;
		r->dump_sockets = sockets_now(r);
		/* a dump of milliseconds: wait for it, so this sample has it */
		if (dump_predicted(r) < 0.005) {
			dumper_wait(&r->dumper);
			dumped(r);
		}
	}
}

static void on_dumped(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	dumped(arg);
}

/* The end: one more dump when it is cheap (under half a second), so the
 * final counts are the final state; then the thread stops. */
static void dump_final(struct run *r)
{
	if (!r->dumper.started)
		return;
	if (dump_predicted(r) < 0.5 && dumper_request(&r->dumper) == 0) {
		r->dump_started_s = elapsed(r);
		r->dump_sockets = sockets_now(r);
	}
	dumper_wait(&r->dumper);
	dumped(r);
	dumper_stop(&r->dumper);
}

static void sample(struct run *r)
{
	double t = elapsed(r);
	struct row row = { .t = t,
			   .phase = r->phase,
			   .ping_ms = r->iv_ping_max,
			   .ping_lost = r->iv_ping_lost,
			   .ping_sent = r->iv_ping_sent,
			   .ping_p50_ms = -1,
			   .probe_ms = r->iv_probe,
			   .probe_fail = r->iv_probe_fail };
	size_t lo = counter_index("ListenOverflows");

	dump_maybe(r, t); /* before the sums: a quick dump is in this row */
	for (unsigned i = 0; i < r->topo.n; i++) {
		struct ns_sample *s = &r->now[i];

		if (sampler_read(&r->samp[i], s))
			continue;
		if (s->tw > r->peak_tw[i])
			r->peak_tw[i] = s->tw;
		if (s->curr_estab > r->peak_estab[i])
			r->peak_estab[i] = s->curr_estab;
		row.time_wait += s->tw;
		for (int st = 0; st < ST_MAX; st++)
			row.state[st] += st == ST_ESTABLISHED ? s->curr_estab
					 : st == ST_TIME_WAIT ? s->tw
							      : s->state[st];
		if (i == TOPO_SRV) /* the kernel counts orphans for the whole host */
			row.orphans = s->orphan;
		row.close_wait += s->state[ST_CLOSE_WAIT];
		if (s->ct_count > r->ct_peak[i])
			r->ct_peak[i] = s->ct_count;
		row.conntrack_drops += (s->ct_drop - r->first[i].ct_drop) +
				       (s->ct_early_drop - r->first[i].ct_early_drop) +
				       (s->ct_insert_failed - r->first[i].ct_insert_failed);
		if (i == TOPO_SRV) {
			row.conntrack_srv = s->ct_count;
			row.estab_srv = s->curr_estab;
			row.syn_recv = s->state[ST_SYN_RECV];
			row.accept_queue = s->accept_queue;
			row.listen_overflows = s->counter[lo] - r->first[i].counter[lo];
		} else if (i >= TOPO_CLIENT0) {
			row.estab_clients += s->curr_estab;
		}
	}
	row.states_age_s = t - r->last_dump_s;
	for (unsigned k = TOPO_PROBE; r->srv_nl && k < r->topo.n; k++) {
		struct rtnl_link_stats64 st;

		if (nl_link_stats(r->srv_nl, TOPO_SRV_IFINDEX0 + (int)k, &st, NULL) == 0)
			r->drops_now[k] = st.rx_dropped + st.tx_dropped;
		row.link_drops += r->drops_now[k] - r->drops_first[k];
	}
	row.flood_open = child_sum(r, 1, "open");
	row.flood_connected = child_sum(r, 1, "established");
	row.flood_errors = child_sum(r, 1, "errors_total");
	row.server_open = child_sum(r, 0, "open");
	row.slab_kb = meminfo_kb("Slab");
	run_flood_errors(r, row.err);
	if (r->iv_ping_n) {
		qsort(r->iv_ping_ms, r->iv_ping_n, sizeof(double), cmp_double);
		row.ping_p50_ms = r->iv_ping_ms[r->iv_ping_n / 2];
	}
	if (row.estab_clients > r->peak_estab_clients)
		r->peak_estab_clients = row.estab_clients;
	if (row.time_wait > r->peak_tw_total)
		r->peak_tw_total = row.time_wait;
	if (row.close_wait > r->peak_close_wait)
		r->peak_close_wait = row.close_wait;
	if (row.syn_recv > r->peak_syn_recv)
		r->peak_syn_recv = row.syn_recv;
	if (row.orphans > r->peak_orphans)
		r->peak_orphans = row.orphans;
	if (r->phase <= PH_HOLD)
		r->final_estab_clients = row.estab_clients;
	r->now_estab_clients = row.estab_clients;
	if (r->nrows == r->cap_rows) {
		size_t cap = r->cap_rows ? r->cap_rows * 2 : 256;
		struct row *n = realloc(r->rows, cap * sizeof(*n));

		if (n) {
			r->rows = n;
			r->cap_rows = cap;
		}
	}
	if (r->nrows < r->cap_rows)
		r->rows[r->nrows++] = row;
	r->iv_ping_max = -1;
	r->iv_ping_lost = r->iv_ping_sent = r->iv_ping_n = 0;
	r->iv_probe = -1;
	r->iv_probe_fail = 0;

	if (r->tty || (r->nrows % 5) == 0) {
		char line[256];

		snprintf(
			line, sizeof(line),
			"[%7.1fs] %-8s established %llu/%llu  TIME_WAIT %llu  ping %s%.2f ms  lost %u  errors %llu",
			t, phase_label(r, r->phase), (unsigned long long)row.estab_clients,
			(unsigned long long)r->plan->connections, (unsigned long long)row.time_wait,
			row.ping_ms < 0 ? "-" : "", row.ping_ms < 0 ? 0.0 : row.ping_ms,
			row.ping_lost, (unsigned long long)row.flood_errors);
		if (r->tty)
			printf("\r%-110s", line);
		else
			printf("%s\n", line);
		fflush(stdout);
	}
}

static void on_sample(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sample(arg);
}

static void on_probe(void *arg, int is_ping, int64_t us, int err)
{
	struct run *r = arg;
	enum phase p = r->phase;

	(void)err;
	if (p >= PH_TEARDOWN)
		return; /* the lab is going away: not a measurement */
	if (is_ping) {
		r->ping_sent[p]++;
		r->iv_ping_sent++;
		if (us < 0) {
			r->ping_lost[p]++;
			r->iv_ping_lost++;
		} else {
			hist_add(&r->ping[p], (uint64_t)us);
			if ((double)us / 1000 > r->iv_ping_max)
				r->iv_ping_max = (double)us / 1000;
			if (r->iv_ping_n < sizeof(r->iv_ping_ms) / sizeof(r->iv_ping_ms[0]))
				r->iv_ping_ms[r->iv_ping_n++] = (double)us / 1000;
		}
	} else if (us < 0) {
		r->probe_fail[p]++;
		r->iv_probe_fail++;
	} else {
		hist_add(&r->probe_conn[p], (uint64_t)us);
		if ((double)us / 1000 > r->iv_probe)
			r->iv_probe = (double)us / 1000;
	}
}

/* ---- the kernel's log ---- */

#define KLOG_MAX 200

/* Records of /dev/kmsg printed during the run ("nf_conntrack: table full,
 * dropping packet", "TCP: out of memory", ...): kept for the results. */
static void on_kmsg(evutil_socket_t fd, short what, void *arg)
{
	struct run *r = arg;
	char rec[2048];
	ssize_t n;

	(void)what;
	while ((n = read((int)fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		char *msg, *end;

		if (n <= 0)
			continue; /* EPIPE: records were overwritten; read on */
		rec[n] = 0;
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		end = strchr(msg, '\n');
		if (end)
			*end = 0;
		if (r->nklog == KLOG_MAX) {
			r->klog_dropped++;
			continue;
		}
		r->klog[r->nklog] = strdup(msg);
		if (r->klog[r->nklog])
			r->nklog++;
	}
}

static void kmsg_open(struct run *r)
{
	r->kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	r->klog = calloc(KLOG_MAX, sizeof(*r->klog));
	if (r->kmsg_fd < 0 || !r->klog)
		return; /* no kernel log here (containers): nothing to keep */
	lseek(r->kmsg_fd, 0, SEEK_END);
	r->ev_kmsg = event_new(r->base, r->kmsg_fd, EV_READ | EV_PERSIST, on_kmsg, r);
	event_add(r->ev_kmsg, NULL);
}

/* Forks `/bin/sh -c line` into namespace ns, in a process group of its
 * own; the pid, or -errno. */
static pid_t fork_sh(struct run *r, unsigned ns, const char *line)
{
	pid_t parent = getpid(), pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		child_prepare(r, ns, parent, 1);
		execl("/bin/sh", "sh", "-c", line, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* [server] setup: runs to its end in the server namespace (30 s at most). */
static int run_setup(struct run *r)
{
	char cmd[1100], dir[300];
	const char *keys[] = { "{labdir}" }, *vals[] = { dir };
	const char *slash = strrchr(r->lab->source, '/');
	pid_t pid;
	int st = 0;

	if (slash)
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - r->lab->source), r->lab->source);
	else
		snprintf(dir, sizeof(dir), ".");
	substitute(r->lab->server_setup, cmd, sizeof(cmd), keys, vals, 1);
	pid = fork_sh(r, TOPO_SRV, cmd);
	if (pid < 0)
		return (int)pid;
	for (int i = 0; i < 600; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid) {
			if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
				return 0;
			fail(r, EXIT_CANNOT_RUN,
			     "server.setup '%s' %s %d (its output is in %s/children.log)",
			     r->lab->server_setup,
			     WIFSIGNALED(st) ? "died of signal" : "exited with status",
			     WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st), r->outdir);
			return -EINVAL;
		}
		usleep(50000);
	}
	kill(-pid, SIGKILL);
	waitpid(pid, &st, 0);
	fail(r, EXIT_CANNOT_RUN, "server.setup '%s' did not finish within 30 s",
	     r->lab->server_setup);
	return -ETIMEDOUT;
}

/* ---- phases ---- */

/* "{address}" and the like replaced in a user's command */
static void substitute(const char *in, char *out, size_t len, const char *const *keys,
		       const char *const *vals, size_t n)
{
	size_t o = 0;

	while (*in && o + 1 < len) {
		size_t i, kl = 0;

		for (i = 0; i < n; i++) {
			kl = strlen(keys[i]);
			if (!strncmp(in, keys[i], kl))
				break;
		}
		if (i < n) {
			o += (size_t)snprintf(out + o, len - o, "%s", vals[i]);
			in += kl;
		} else {
			out[o++] = *in++;
		}
	}
	out[o < len ? o : len - 1] = 0;
}

/* A user's command runs as `exec COMMAND` under /bin/sh, so that the
 * program itself keeps PR_SET_PDEATHSIG, in a process group of its own that
 * the launcher signals as a whole. */
static int spawn_command(struct run *r, const char *name, int is_flood, unsigned ns,
			 const char *cmd)
{
	char line[1100];
	struct child *c;
	pid_t pid;

	snprintf(line, sizeof(line), "exec %s", cmd);
	pid = fork_sh(r, ns, line);
	if (pid < 0)
		return (int)pid;
	setpgid(pid, pid); /* also here: no race with the first signal */
	c = &r->child[r->nchild++];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->is_flood = is_flood;
	c->ns = (int)ns;
	c->pid = pid;
	c->stats_fd = -1;
	c->group = 1;
	return 0;
}

/* Is something listening on the service address? A connect from the probe
 * namespace, waited for at most 100 ms. */
static int service_answers(struct run *r)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(r->lab->ports.port[0]),
				  .sin_addr.s_addr = htonl(r->plan->service_addr) };
	struct pollfd pfd;
	int saved, fd, err = 1;
	socklen_t len = sizeof(err);

	if (netns_enter(r->topo.ns[TOPO_PROBE].fd, &saved))
		return 0;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (netns_leave(saved) || fd < 0) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		err = 0;
	} else if (errno == EINPROGRESS) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, 100) == 1)
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	}
	close(fd);
	return err == 0;
}

static int start_servers(struct run *r)
{
	if (r->lab->server_command[0]) {
		char addr[16], port[8], cmd[1024];
		const char *keys[] = { "{address}", "{port}" }, *vals[] = { addr, port };

		units_fmt_ipv4(r->plan->service_addr, addr, sizeof(addr));
		snprintf(port, sizeof(port), "%u", r->lab->ports.port[0]);
		substitute(r->lab->server_command, cmd, sizeof(cmd), keys, vals, 2);
		r->user_server = 1;
		return spawn_command(r, "server command", 0, TOPO_SRV, cmd);
	}
	return start_builtin_servers(r);
}

static int start_builtin_servers(struct run *r)
{
	char ports[256], addr[16], workers[16], interval[32], backlog[16];
	char *argv[] = { "connlab",
			 "server",
			 "--address",
			 addr,
			 "--ports",
			 ports,
			 "--workers",
			 workers,
			 "--mode",
			 (char *)lab_server_mode_name(r->lab->server_mode),
			 "--interval",
			 interval,
			 "--backlog",
			 backlog,
			 "--stats-interval",
			 "500ms",
			 "--stats-fd",
			 "3",
			 NULL };

	units_fmt_ports(&r->lab->ports, ports, sizeof(ports));
	units_fmt_ipv4(r->plan->service_addr, addr, sizeof(addr));
	snprintf(workers, sizeof(workers), "%u", r->plan->server_workers);
	units_fmt_duration(r->lab->keepalive_us, interval, sizeof(interval));
	snprintf(backlog, sizeof(backlog), "%llu", (unsigned long long)r->lab->backlog);
	r->server_ready_needed = (uint64_t)r->plan->server_workers * r->lab->ports.n;
	if (r->lab->server_mode == SERVER_NOACCEPT)
		r->server_ready_needed = 0;
	return spawn(r, "server", 0, TOPO_SRV, argv);
}

static int start_floods(struct run *r)
{
	const struct plan *p = r->plan;

	if (r->lab->client_command[0]) {
		for (unsigned i = 0; i < p->namespaces; i++) {
			const struct plan_ns *ns = &p->ns[i];
			char addr[16], port[8], src[40], conns[24], a[16], b[16], cmd[1024],
				name[32];
			const char *keys[] = { "{address}", "{port}", "{source}", "{connections}" };
			const char *vals[] = { addr, port, src, conns };

			units_fmt_ipv4(p->service_addr, addr, sizeof(addr));
			snprintf(port, sizeof(port), "%u", r->lab->ports.port[0]);
			snprintf(src, sizeof(src), "%s-%s",
				 units_fmt_ipv4(ns->first_addr, a, sizeof(a)),
				 units_fmt_ipv4(ns->first_addr + ns->n_addr - 1, b, sizeof(b)));
			snprintf(conns, sizeof(conns), "%llu", (unsigned long long)ns->connections);
			substitute(r->lab->client_command, cmd, sizeof(cmd), keys, vals, 4);
			snprintf(name, sizeof(name), "client command c%u", i);
			if (spawn_command(r, name, 1, TOPO_CLIENT0 + i, cmd))
				return -errno;
		}
		r->user_clients = 1;
		return 0;
	}
	for (unsigned i = 0; i < p->namespaces; i++) {
		const struct plan_ns *ns = &p->ns[i];
		char target[16], ports[256], src[40], a[16], b[16], conns[24], rate[32],
			inflight[24];
		char workers[16], duration[32], timeout[32], name[32];
		uint64_t share_rate = r->lab->rate ? r->lab->rate / p->namespaces +
							     (i < r->lab->rate % p->namespaces)
						   : 0;
		uint64_t dur = r->lab->client_mode == CLIENT_HOLD
				       ? r->lab->ramp_timeout_us + r->lab->duration_us + 60000000
				       : r->lab->duration_us;
		char *argv[] = { "connlab",
				 "flood",
				 "--target",
				 target,
				 "--ports",
				 ports,
				 "--source",
				 src,
				 "--connections",
				 conns,
				 "--rate",
				 rate,
				 "--inflight",
				 inflight,
				 "--workers",
				 workers,
				 "--mode",
				 (char *)lab_client_mode_name(r->lab->client_mode),
				 "--closer",
				 r->lab->closer == CLOSER_CLIENT ? "client" : "server",
				 "--duration",
				 duration,
				 "--connect-timeout",
				 timeout,
				 "--stats-interval",
				 "500ms",
				 "--stats-fd",
				 "3",
				 NULL,
				 NULL };
		int e;

		units_fmt_ipv4(p->service_addr, target, sizeof(target));
		units_fmt_ports(&r->lab->ports, ports, sizeof(ports));
		snprintf(src, sizeof(src), "%s-%s", units_fmt_ipv4(ns->first_addr, a, sizeof(a)),
			 units_fmt_ipv4(ns->first_addr + ns->n_addr - 1, b, sizeof(b)));
		snprintf(conns, sizeof(conns), "%llu", (unsigned long long)ns->connections);
		if (share_rate)
			snprintf(rate, sizeof(rate), "%llu/s", (unsigned long long)share_rate);
		else
			snprintf(rate, sizeof(rate), "unlimited");
		snprintf(inflight, sizeof(inflight), "%llu",
			 (unsigned long long)(r->lab->inflight / p->namespaces + 1));
		snprintf(workers, sizeof(workers), "%u", ns->workers);
		units_fmt_duration(dur, duration, sizeof(duration));
		units_fmt_duration(r->lab->connect_timeout_us, timeout, sizeof(timeout));
		snprintf(name, sizeof(name), "flood c%u", i);
		if (r->lab->beyond_ports) /* the slot before the last NULL */
			argv[sizeof(argv) / sizeof(argv[0]) - 2] = "--beyond-ports";
		e = spawn(r, name, 1, TOPO_CLIENT0 + i, argv);
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

static void take_memory(struct run *r, int before)
{
	uint64_t pss = pss_of(getpid());

	for (unsigned i = 0; i < r->nchild; i++)
		if (!r->child[i].exited)
			pss += pss_tree(r->child[i].pid);
	if (before) {
		r->slab_before_kb = meminfo_kb("Slab");
		r->pss_before = pss;
	} else {
		r->slab_hold_kb = meminfo_kb("Slab");
		r->pss_hold = pss;
		/* each connection once: the server side's CurrEstab */
		r->estab_at_mem = r->now[TOPO_SRV].curr_estab;
	}
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct run *r = arg;
	double t = elapsed(r), in_phase = t - r->phase_t[r->phase][0];

	(void)fd;
	(void)what;
	switch (r->phase) {
	case PH_SERVERS:
		if (r->user_server ? service_answers(r)
				   : child_sum(r, 0, "listening") >= r->server_ready_needed &&
					     (r->server_ready_needed || in_phase > 0.5)) {
			take_memory(r, 1);
			phase_enter(r, PH_BEFORE);
			/* measured from here: the network before any load */
			if (probe_start(r->base, r->topo.ns[TOPO_PROBE].fd, r->plan->service_addr,
					r->lab->ports.port[0], r->lab->ping_interval_us,
					r->lab->connect_interval_us, on_probe, r, &r->probe))
				fail(r, EXIT_CANNOT_RUN,
				     "cannot start the probes in the probe namespace");
		} else if (in_phase > 15) {
			fail(r, EXIT_CANNOT_RUN,
			     "the server did not listen within 15 s (see %s/children.log)",
			     r->outdir);
		}
		break;
	case PH_BEFORE:
		if (in_phase >= 2) {
			if (start_floods(r)) {
				fail(r, EXIT_CANNOT_RUN, "cannot start the flood: %s",
				     strerror(errno));
				break;
			}
			phase_enter(r, PH_RAMP);
		}
		break;
	case PH_RAMP:
		if (r->lab->client_mode == CLIENT_CHURN) {
			/* churn for the lab's duration, observing what is left even
			 * when the floods have made all their connections sooner */
			if (!children_running(r, 1) &&
			    in_phase * 1e6 >= (double)r->lab->duration_us) {
				r->ramp_s = in_phase;
				phase_enter(r, PH_DRAIN);
			}
		} else if (floods_reached(r)) {
			r->ramp_s = in_phase;
			phase_enter(r, PH_HOLD);
			r->cpu_hold_start = cpu_self_s();
		} else if (in_phase * 1e6 > (double)r->lab->ramp_timeout_us) {
			log_msg(LOG_WARN,
				"the target was not reached within lab.ramp_timeout; holding what is open");
			phase_enter(r, PH_HOLD);
			r->cpu_hold_start = cpu_self_s();
		}
		break;
	case PH_HOLD:
		if (!r->pss_hold && in_phase >= 1)
			take_memory(r, 0);
		if (in_phase * 1e6 >= (double)r->lab->duration_us) {
			r->cpu_hold_s = cpu_self_s() - r->cpu_hold_start;
			r->hold_wall_s = in_phase;
			if (!r->pss_hold)
				take_memory(r, 0);
			phase_enter(r, PH_DRAIN);
			signal_children(r, 1, SIGTERM);
		}
		break;
	case PH_DRAIN:
		if (!children_running(r, 1) || in_phase * 1e6 > (double)r->lab->drain_timeout_us)
			start_teardown(r);
		break;
	case PH_TEARDOWN:
		if (!children_running(r, 0) && !children_running(r, 1))
			event_base_loopbreak(r->base);
		else if (in_phase > 10) {
			for (unsigned i = 0; i < r->nchild; i++)
				signal_child(&r->child[i], SIGKILL);
		}
		break;
	default:
		break;
	}
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct run *r = arg;

	(void)what;
	if (sig == SIGCHLD) {
		on_sigchld(r);
		return;
	}
	if (++r->interrupts == 1) {
		if (r->tty)
			printf("\n");
		log_msg(LOG_INFO,
			"stopping: draining and tearing down (Ctrl-C again to stop at once)");
		fail(r, EXIT_INTERRUPTED, "interrupted by signal %d", (int)sig);
		return;
	}
	log_msg(LOG_INFO, "stopping at once");
	for (unsigned i = 0; i < r->nchild; i++)
		signal_child(&r->child[i], SIGKILL);
	if (r->phase < PH_TEARDOWN)
		phase_enter(r, PH_TEARDOWN);
}

/* ---- preflight ---- */

static int make_outdir(struct run *r, const char *out)
{
	char stamp[32], path[600];
	struct tm tm;
	int fd;

	if (out) {
		snprintf(r->outdir, sizeof(r->outdir), "%s", out);
		if (mkdir(out, 0755) && errno != EEXIST)
			goto fail;
	} else {
		gmtime_r(&r->started_wall, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
		if (mkdir("runs", 0755) && errno != EEXIST)
			goto fail_runs;
		for (int n = 1; n < 100; n++) {
			if (n == 1)
				snprintf(r->outdir, sizeof(r->outdir), "runs/%s-%s", stamp,
					 r->lab->name);
			else
				snprintf(r->outdir, sizeof(r->outdir), "runs/%s-%s-%d", stamp,
					 r->lab->name, n);
			if (mkdir(r->outdir, 0755) == 0)
				break;
			if (errno != EEXIST)
				goto fail;
		}
	}
	/* never overwrite a run: the directory must hold no results yet */
	snprintf(path, sizeof(path), "%s/result.json", r->outdir);
	if (access(path, F_OK) == 0) {
		log_msg(LOG_ERROR, "%s already holds a run; choose another --out", r->outdir);
		return -EEXIST;
	}
	snprintf(path, sizeof(path), "%s/children.log", r->outdir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_APPEND, 0644);
	if (fd < 0)
		goto fail;
	r->log_fd = fd;
	return 0;
fail_runs:
	snprintf(r->outdir, sizeof(r->outdir), "runs");
fail:
	log_msg(LOG_ERROR,
		"cannot write the run directory %s: %s; use --out DIR with a writable directory",
		r->outdir, strerror(errno));
	return -errno;
}

static int preflight(struct run *r)
{
	struct rlimit rl;
	uint64_t need = r->plan->kernel_bytes + r->plan->user_bytes;

	if (r->plan->mem_available && need > r->plan->mem_available * 9 / 10) {
		log_msg(LOG_ERROR,
			"the lab needs about %llu MiB of memory and %llu MiB are available: fewer clients.connections",
			(unsigned long long)(need >> 20),
			(unsigned long long)(r->plan->mem_available >> 20));
		return EXIT_CANNOT_RUN;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max < 256) {
		log_msg(LOG_ERROR, "the open-file hard limit is %llu: raise it to at least 256",
			(unsigned long long)rl.rlim_max);
		return EXIT_CANNOT_RUN;
	}
	{
		int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int bad = fd >= 0 &&
			  setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT_, &one, sizeof(one)) &&
			  errno == ENOPROTOOPT;

		if (fd >= 0)
			close(fd);
		if (bad) {
			log_msg(LOG_ERROR,
				"this kernel lacks IP_BIND_ADDRESS_NO_PORT (Linux 4.2 and later), which the flood needs to put more than 64k connections on one source address");
			return EXIT_CANNOT_RUN;
		}
	}
	if (access("/proc/self/exe", X_OK)) {
		log_msg(LOG_ERROR, "cannot re-execute connlab through /proc/self/exe: %s",
			strerror(errno));
		return EXIT_CANNOT_RUN;
	}
	return 0;
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "set", required_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'o' },
		{ "keep", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static struct lab lab;
	static struct plan plan;
	static struct run run;
	struct run *r = &run;
	struct cli_sets sets = { 0 };
	struct plan_env env;
	const char *out = NULL;
	static const int sigs[4] = { SIGINT, SIGTERM, SIGHUP, SIGCHLD };
	sigset_t block, old;
	char err[768];
	int opt, st;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "s:o:kh", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (cli_sets_add(&sets, optarg))
				return EXIT_USAGE;
			break;
		case 'o':
			out = optarg;
			break;
		case 'k':
			r->keep = 1;
			break;
		case 'h':
			return cmd_help(2, (char *[]){ "help", "run", NULL });
		default:
			return cli_usage_error("run", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return cli_usage_error("run", "one lab file at most, got '%s' and '%s'",
				       argv[optind], argv[optind + 1]);
	st = cli_lab_load(&lab, optind < argc ? argv[optind] : NULL, &sets);
	if (st)
		return st;
	plan_env_read(&env);
	if (plan_build(&lab, &env, &plan, err, sizeof(err))) {
		fprintf(stderr, "connlab: %s: cannot work: %s\n", lab.source, err);
		return EXIT_USAGE;
	}
	r->lab = &lab;
	r->plan = &plan;
	r->log_fd = -1;
	r->kmsg_fd = -1;
	r->outcome = "completed";
	r->ramp_s = -1;
	r->iv_ping_max = -1;
	r->iv_probe = -1;
	r->tty = isatty(1);
	r->started_wall = time(NULL);
	r->start_s = run_now_s();
	phase_enter(r, PH_PREFLIGHT);
	st = preflight(r);
	if (st)
		return st;
	st = cli_need_privileges();
	if (st)
		return st;
	if (make_outdir(r, out))
		return EXIT_CANNOT_RUN;

	/* signals wait in the kernel until the loop takes them */
	sigemptyset(&block);
	for (int i = 0; i < 4; i++)
		sigaddset(&block, sigs[i]);
	sigprocmask(SIG_BLOCK, &block, &old);
	phase_enter(r, PH_BUILD);
	if (topo_build(&lab, &plan, r->keep, &r->topo, err, sizeof(err))) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		fprintf(stderr, "connlab: lab '%s': %s\n", lab.name, err);
		snprintf(r->reason, sizeof(r->reason), "%s", err);
		r->outcome = "failed";
		r->exit_status = EXIT_CANNOT_RUN;
		phase_enter(r, PH_TEARDOWN);
		return report_write(r);
	}
	for (unsigned i = 0; i < r->topo.n; i++) {
		if (sampler_ns_open(&r->samp[i], r->topo.ns[i].fd) ||
		    sampler_read(&r->samp[i], &r->first[i])) {
			fail(r, EXIT_CANNOT_RUN,
			     "cannot read the kernel's counters in namespace %s",
			     r->topo.ns[i].name);
			break;
		}
		r->now[i] = r->first[i];
	}
	if (!r->exit_status && dumper_start(&r->dumper, r->samp, r->topo.n, STATE_MASK))
		fail(r, EXIT_CANNOT_RUN, "cannot start the state dump thread");
	if (!r->exit_status && nl_open(r->topo.ns[TOPO_SRV].fd, &r->srv_nl) == 0) {
		for (unsigned k = TOPO_PROBE; k < r->topo.n; k++) {
			struct rtnl_link_stats64 ls;

			if (nl_link_stats(r->srv_nl, TOPO_SRV_IFINDEX0 + (int)k, &ls, NULL) == 0)
				r->drops_first[k] = r->drops_now[k] = ls.rx_dropped + ls.tx_dropped;
		}
	}
	{
		FILE *f = fopen("/proc/sys/net/netfilter/nf_conntrack_max", "re");

		if (f) {
			if (fscanf(f, "%llu", (unsigned long long *)&r->ct_max) != 1)
				r->ct_max = 0;
			fclose(f);
		}
	}
	r->base = event_base_new();
	for (int i = 0; i < 4; i++) {
		r->ev_sig[i] = evsignal_new(r->base, sigs[i], on_signal, r);
		event_add(r->ev_sig[i], NULL);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	{
		struct timeval iv = { .tv_sec = (time_t)(lab.interval_us / 1000000),
				      .tv_usec = (suseconds_t)(lab.interval_us % 1000000) };
		struct timeval tick = { .tv_usec = 100000 };

		r->ev_sample = event_new(r->base, -1, EV_PERSIST, on_sample, r);
		event_add(r->ev_sample, &iv);
		r->ev_tick = event_new(r->base, -1, EV_PERSIST, on_tick, r);
		event_add(r->ev_tick, &tick);
		if (r->dumper.started) {
			r->ev_dump = event_new(r->base, r->dumper.efd, EV_READ | EV_PERSIST,
					       on_dumped, r);
			event_add(r->ev_dump, NULL);
		}
	}
	kmsg_open(r);
	if (!r->exit_status && r->lab->server_setup[0])
		run_setup(r);
	if (!r->exit_status) {
		phase_enter(r, PH_SERVERS);
		if (start_servers(r))
			fail(r, EXIT_CANNOT_RUN, "cannot start the server: %s", strerror(errno));
	}
	if (r->exit_status && !r->nchild)
		phase_enter(r, PH_TEARDOWN);
	if (r->nchild || r->phase < PH_TEARDOWN)
		event_base_dispatch(r->base);
	if (r->tty)
		printf("\n");
	dump_final(r);
	sample(r);
	probe_stop(r->probe);
	nl_close(r->srv_nl);
	for (unsigned i = 0; i < r->topo.n; i++)
		sampler_ns_close(&r->samp[i]);
	topo_close(&r->topo);
	st = report_write(r);
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
	event_free(r->ev_sample);
	event_free(r->ev_tick);
	if (r->ev_dump)
		event_free(r->ev_dump);
	for (int i = 0; i < 4; i++)
		event_free(r->ev_sig[i]);
	event_base_free(r->base);
	free(r->rows);
	if (r->log_fd >= 0)
		close(r->log_fd);
	return st;
}
