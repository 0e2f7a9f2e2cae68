/* SPDX-License-Identifier: MIT */
/* engine.c - the supervisor of server and flood workers. */
#define _GNU_SOURCE
#include "engine/engine.h"

#include <errno.h>
#include <event2/event.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/endsock.h"
#include "util/text.h"
#include "util/clock.h"
#include "util/errnames.h"
#include "util/log.h"
#include "util/procfs.h"
#include "util/status.h"
#include "util/units.h"

_Static_assert(ENGINE_ERR_SLOTS > 14, "errnames must fit in ENGINE_ERR_SLOTS");

static const char *const phase_names[PHASE_COUNT] = { "bind", "connect", "established", "accept" };

void engine_error(struct engine_stats *st, int err, enum engine_phase phase)
{
	const struct errname *e = errname_by_value(err);
	size_t slot = e ? (size_t)(e - errnames) : ENGINE_ERR_SLOTS - 1;

	if (!e)
		__atomic_store_n(&st->other_errno, err, __ATOMIC_RELAXED);
	STAT_ADD(st->errors[slot][phase], 1);
}

static void on_stop_signal(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

void engine_stop_on_signals(struct event_base *base)
{
	/* freed with the base's process: workers exit after their loop */
	event_add(evsignal_new(base, SIGTERM, on_stop_signal, base), NULL);
	event_add(evsignal_new(base, SIGINT, on_stop_signal, base), NULL);
}

void engine_stop_after(struct event_base *base, uint64_t us)
{
	struct timeval tv = clock_tv(us);

	event_add(event_new(base, -1, 0, on_stop_signal, base), &tv);
}

struct supervisor {
	const struct engine_opts *o;
	struct engine_stats *stats;
	pid_t *pids;
	int *status;
	unsigned running;
	int stopping;
	int failed;
	uint64_t start_ns;
	uint64_t seen_errors[ENGINE_ERR_SLOTS];
	int seen_other;
	FILE *out;
	struct event_base *base;
	struct event *hold_check, *hold_end;
	uint64_t hold_from_ns; /* when the hold began (0: not yet) */
	uint64_t hold_end_ns;  /* when it ended (0: not yet) */
	int ramp_timed_out;
	struct endsock *end;	/* the coordinator's word (end_name) */
	struct event *told_end; /* the end that word set */
	int told;		/* the hold ended by that word */
};

/* When the last worker's share was up, or 0 while one's is not. */
static uint64_t reached_ns(const struct supervisor *s)
{
	uint64_t latest = 0;

	for (unsigned w = 0; w < s->o->workers; w++) {
		uint64_t r = __atomic_load_n(&s->stats[w].target_reached_ns, __ATOMIC_RELAXED);

		if (!r)
			return 0;
		if (r > latest)
			latest = r;
	}
	return latest;
}

static void sum_stats(const struct supervisor *s, struct engine_stats *sum, uint64_t *reached)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned w = 0; w < s->o->workers; w++) {
		const struct engine_stats *st = &s->stats[w];

		sum->opened += st->opened;
		sum->established += st->established;
		sum->established6 += st->established6;
		sum->open += st->open;
		sum->connecting += st->connecting;
		sum->closed += st->closed;
		sum->closed_by_peer += st->closed_by_peer;
		sum->bytes_in += st->bytes_in;
		sum->bytes_out += st->bytes_out;
		sum->lines_in += st->lines_in;
		sum->listening += st->listening;
		sum->rss_bytes += st->rss_bytes;
		if (st->other_errno)
			sum->other_errno = st->other_errno;
		for (unsigned e = 0; e < ENGINE_ERR_SLOTS; e++)
			for (unsigned p = 0; p < PHASE_COUNT; p++)
				sum->errors[e][p] += st->errors[e][p];
		hist_merge(&sum->connect_us, &st->connect_us);
		hist_merge(&sum->peer_close_life_us, &st->peer_close_life_us);
		hist_merge(&sum->first_byte_us, &st->first_byte_us);
		hist_merge(&sum->reply_us, &st->reply_us);
		hist_merge(&sum->send_lag_us, &st->send_lag_us);
		sum->messages_sent += st->messages_sent;
		sum->replies += st->replies;
		sum->replies_missing += st->replies_missing;
		sum->send_blocked += st->send_blocked;
		if (!sum->peer_sample_len) {
			uint32_t n = __atomic_load_n(&st->peer_sample_len, __ATOMIC_ACQUIRE);

			memcpy(sum->peer_sample, st->peer_sample, n);
			sum->peer_sample_len = n;
		}
	}
	*reached = reached_ns(s);
}

static void stop_workers(struct supervisor *s);

static json_t *hist_json(const struct hist *h)
{
	return json_pack(
		"{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "count", (json_int_t)h->count, "p50",
		(json_int_t)hist_quantile(h, 0.5), "p90", (json_int_t)hist_quantile(h, 0.9), "p99",
		(json_int_t)hist_quantile(h, 0.99), "p999", (json_int_t)hist_quantile(h, 0.999),
		"max", (json_int_t)h->max, "mean", (json_int_t)(h->count ? h->sum / h->count : 0));
}

/* the supervisor's own: time, role, the hold's times */
static void stats_head(const struct supervisor *s, json_t *j, uint64_t now)
{
	json_object_set_new(j, "t", json_real((double)(now - s->start_ns) / 1e9));
	json_object_set_new(j, "role", json_string(s->o->role));
	json_object_set_new(j, "pid", json_integer(getpid()));
	json_object_set_new(j, "workers", json_integer(s->o->workers));
	if (s->o->share)
		json_object_set_new(j, "share", json_string(s->o->share));
	if (!s->o->hold_us)
		return;
	json_object_set_new(j, "hold_s", json_real((double)s->o->hold_us / 1e6));
	json_object_set_new(j, "hold_from_s",
			    s->hold_from_ns
				    ? json_real((double)(s->hold_from_ns - s->start_ns) / 1e9)
				    : json_null());
	json_object_set_new(j, "hold_end_s",
			    s->hold_end_ns ? json_real((double)(s->hold_end_ns - s->start_ns) / 1e9)
					   : json_null());
	json_object_set_new(j, "ramp_timed_out", json_boolean(s->ramp_timed_out));
	if (s->o->end_name)
		json_object_set_new(j, "end_told", json_boolean(s->told));
}

/* the histograms' buckets themselves, so that the launcher merges the
 * flood processes exactly; and the messages */
static void stats_hists(const struct engine_stats *sum, json_t *j)
{
	static char ht[16384];

	if (hist_text(&sum->connect_us, ht, sizeof(ht)))
		json_object_set_new(j, "connect_hist", json_string(ht));
	if (sum->first_byte_us.count && hist_text(&sum->first_byte_us, ht, sizeof(ht)))
		json_object_set_new(j, "first_byte_hist", json_string(ht));
	if (!sum->messages_sent && !sum->replies && !sum->replies_missing)
		return;
	json_object_set_new(
		j, "messages",
		json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "sent",
			  (json_int_t)sum->messages_sent, "replies", (json_int_t)sum->replies,
			  "missing", (json_int_t)sum->replies_missing, "send_blocked",
			  (json_int_t)sum->send_blocked, "reply_p50_us",
			  (json_int_t)hist_quantile(&sum->reply_us, 0.5), "reply_p99_us",
			  (json_int_t)hist_quantile(&sum->reply_us, 0.99), "reply_max_us",
			  (json_int_t)sum->reply_us.max));
	if (hist_text(&sum->reply_us, ht, sizeof(ht)))
		json_object_set_new(j, "reply_hist", json_string(ht));
	if (sum->send_lag_us.count && hist_text(&sum->send_lag_us, ht, sizeof(ht)))
		json_object_set_new(j, "send_lag_hist", json_string(ht));
}

/* a flood's: its connections, what the servers closed, connect times */
static void stats_flood(const struct supervisor *s, const struct engine_stats *sum,
			uint64_t reached, json_t *j)
{
	char sample[4 * sizeof(sum->peer_sample) + 1];

	json_object_set_new(j, "target", json_integer((json_int_t)s->o->target));
	json_object_set_new(j, "opened", json_integer((json_int_t)sum->opened));
	json_object_set_new(j, "connecting", json_integer((json_int_t)sum->connecting));
	json_object_set_new(j, "established", json_integer((json_int_t)sum->established));
	json_object_set_new(j, "established_ipv6", json_integer((json_int_t)sum->established6));
	json_object_set_new(j, "lines_in", json_integer((json_int_t)sum->lines_in));
	if (sum->closed_by_peer) {
		json_object_set_new(
			j, "closed_by_peer_life_ms",
			json_pack("{s:f, s:f}", "p50",
				  (double)hist_quantile(&sum->peer_close_life_us, 0.5) / 1e3, "max",
				  (double)sum->peer_close_life_us.max / 1e3));
		json_object_set_new(j, "closed_by_peer_sample",
				    json_string(text_escape(sum->peer_sample, sum->peer_sample_len,
							    sample, sizeof(sample))));
	}
	json_object_set_new(j, "connect_us", hist_json(&sum->connect_us));
	stats_hists(sum, j);
	json_object_set_new(j, "ramp_s",
			    reached ? json_real((double)(reached - s->start_ns) / 1e9)
				    : json_null());
}

/* errors by name and phase; the first of each kind explained on stderr;
 * their total */
static uint64_t stats_errors(struct supervisor *s, const struct engine_stats *sum, json_t *j)
{
	json_t *errs = json_object();
	uint64_t total = 0;

	for (unsigned e = 0; e < ENGINE_ERR_SLOTS; e++) {
		json_t *by_phase = NULL;
		uint64_t n = 0;

		for (unsigned p = 0; p < PHASE_COUNT; p++) {
			if (!sum->errors[e][p])
				continue;
			if (!by_phase)
				by_phase = json_object();
			json_object_set_new(by_phase, phase_names[p],
					    json_integer((json_int_t)sum->errors[e][p]));
			n += sum->errors[e][p];
		}
		if (!by_phase)
			continue;
		total += n;
		json_object_set_new(errs, e < errnames_count ? errnames[e].name : "other",
				    by_phase);
		if (!s->seen_errors[e] && e < errnames_count)
			log_msg(LOGL_WARN, "%s: %s: %s", s->o->role, errnames[e].name,
				errnames[e].meaning);
		s->seen_errors[e] = n;
	}
	json_object_set_new(j, "errors", errs);
	if (sum->other_errno) { /* what "other" was, by name */
		const char *name = strerrorname_np(sum->other_errno);

		json_object_set_new(j, "other_errno", json_string(name ? name : "?"));
		if (!s->seen_other)
			log_msg(LOGL_WARN, "%s: %s: %s (an error connlab has no name for)",
				s->o->role, name ? name : "?", strerror(sum->other_errno));
		s->seen_other = 1;
	}
	return total;
}

static void print_stats(struct supervisor *s, int final)
{
	static struct engine_stats sum;
	uint64_t reached, total;
	json_t *j = json_object();
	char *line;

	sum_stats(s, &sum, &reached);
	stats_head(s, j, clock_now_ns());
	json_object_set_new(j, "open", json_integer((json_int_t)sum.open));
	json_object_set_new(j, "closed", json_integer((json_int_t)sum.closed));
	json_object_set_new(j, "closed_by_peer", json_integer((json_int_t)sum.closed_by_peer));
	json_object_set_new(j, "bytes_in", json_integer((json_int_t)sum.bytes_in));
	json_object_set_new(j, "bytes_out", json_integer((json_int_t)sum.bytes_out));
	json_object_set_new(j, "rss_bytes", json_integer((json_int_t)sum.rss_bytes));
	if (!strcmp(s->o->role, "server")) {
		json_object_set_new(j, "accepted", json_integer((json_int_t)sum.opened));
		json_object_set_new(j, "listening", json_integer((json_int_t)sum.listening));
	} else {
		stats_flood(s, &sum, reached, j);
	}
	total = stats_errors(s, &sum, j);
	json_object_set_new(j, "errors_total", json_integer((json_int_t)total));
	json_object_set_new(j, "final", json_boolean(final));
	line = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
	if (line) {
		/* a reader that went away (a fleet's ssh ended) stops the
		 * work: nobody would see its results */
		if ((fprintf(s->out, "%s\n", line) < 0 || fflush(s->out)) && errno == EPIPE &&
		    !final) {
			log_msg(LOGL_WARN, "%s: its stats reader is gone: stopping", s->o->role);
			stop_workers(s);
		}
		free(line);
	}
	json_decref(j);
}

static void on_stats(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	print_stats(arg, 0);
}

static void stop_workers(struct supervisor *s)
{
	if (s->stopping)
		return;
	s->stopping = 1;
	for (unsigned w = 0; w < s->o->workers; w++)
		if (s->pids[w] > 0 && s->status[w] == -1) {
			kill(s->pids[w], SIGTERM);
			kill(s->pids[w], SIGCONT); /* a stopped worker ends too */
		}
}

static void on_hold_end(evutil_socket_t fd, short what, void *arg)
{
	struct supervisor *s = arg;

	(void)fd;
	(void)what;
	s->hold_end_ns = clock_now_ns();
	stop_workers(s);
}

static void on_told_end(evutil_socket_t fd, short what, void *arg)
{
	struct supervisor *s = arg;

	(void)fd;
	(void)what;
	if (s->stopping)
		return;
	s->told = 1;
	on_hold_end(-1, 0, s);
}

/* the coordinator's word: the hold ends at the wall-clock time at (now
 * when it has passed; a ramp not done then ends too) */
static void on_told(void *arg, double at)
{
	struct supervisor *s = arg;
	double wait = at - clock_of_s(CLOCK_REALTIME);
	struct timeval tv = clock_tv(wait > 0 ? (uint64_t)(wait * 1e6) : 0);

	if (s->stopping)
		return;
	if (!s->told_end)
		s->told_end = event_new(s->base, -1, 0, on_told_end, s);
	if (s->told_end)
		event_add(s->told_end, &tv);
}

/* --hold: the hold begins when every worker's share is up, or when the
 * ramp has run out of time; then it lasts hold_us */
static void on_hold_check(evutil_socket_t fd, short what, void *arg)
{
	struct supervisor *s = arg;
	uint64_t reached = reached_ns(s), now = clock_now_ns();
	struct timeval tv;

	(void)fd;
	(void)what;
	if (s->hold_from_ns || s->stopping)
		return;
	if (!reached && now - s->start_ns < s->o->ramp_timeout_us * 1000)
		return;
	s->ramp_timed_out = !reached;
	s->hold_from_ns = now;
	event_del(s->hold_check);
	tv = clock_tv(s->o->hold_us);
	s->hold_end = event_new(s->base, -1, 0, on_hold_end, s);
	event_add(s->hold_end, &tv);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct supervisor *s = arg;

	(void)what;
	if (sig == SIGCHLD) {
		pid_t pid;
		int st;

		while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
			for (unsigned w = 0; w < s->o->workers; w++) {
				if (s->pids[w] != pid)
					continue;
				s->status[w] = st;
				s->running--;
				if (WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st))) {
					if (!s->failed)
						log_msg(LOGL_ERROR,
							"%s worker %u (pid %d) %s %d%s%s%s",
							s->o->role, w, (int)pid,
							WIFSIGNALED(st) ? "died of signal"
									: "exited with status",
							WIFSIGNALED(st) ? WTERMSIG(st)
									: WEXITSTATUS(st),
							WIFSIGNALED(st) ? " (SIG" : "",
							WIFSIGNALED(st)
								? sigabbrev_np(WTERMSIG(st)) ?: "?"
								: "",
							WIFSIGNALED(st) ? ")" : "");
					s->failed = 1;
					stop_workers(s);
				}
			}
		}
		if (s->running == 0)
			event_base_loopbreak(s->base);
		return;
	}
	if (sig == SIGUSR1) { /* the launcher's "hold what you have" */
		for (unsigned w = 0; w < s->o->workers; w++)
			if (s->pids[w] > 0 && s->status[w] == -1)
				kill(s->pids[w], SIGUSR1);
		return;
	}
	stop_workers(s);
}

/* The workers, each forked with its own stats slot; 0, or an exit status
 * when one could not start (those that did are stopped). */
static int start_workers(struct supervisor *s, const sigset_t *old)
{
	const struct engine_opts *o = s->o;
	pid_t parent = getpid();

	for (unsigned w = 0; w < o->workers; w++) {
		pid_t pid;

		s->status[w] = -1;
		fflush(NULL);
		pid = fork();
		if (pid < 0) {
			log_msg(LOGL_ERROR, "cannot start %s worker %u: %s", o->role, w,
				strerror(errno));
			return EXIT_CANNOT_RUN;
		}
		if (pid == 0) {
			/* die with the supervisor; it may already be gone */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != parent)
				_exit(1);
			/* until a worker takes SIGUSR1 (a flood does), it is not fatal */
			signal(SIGUSR1, SIG_IGN);
			sigprocmask(SIG_SETMASK, old, NULL);
			_exit(o->worker(w, &s->stats[w], o->arg));
		}
		s->pids[w] = pid;
		s->running++;
	}
	return 0;
}

static const int engine_sigs[4] = { SIGTERM, SIGINT, SIGCHLD, SIGUSR1 };

/* the supervisor's loop: signals, the stats line, the hold's check */
static int loop_new(struct supervisor *s, struct event **ev_sig, struct event **ev_stats)
{
	s->base = event_base_new();
	if (!s->base)
		return EXIT_CANNOT_RUN;
	for (int i = 0; i < 4; i++) {
		ev_sig[i] = evsignal_new(s->base, engine_sigs[i], on_signal, s);
		event_add(ev_sig[i], NULL);
	}
	if (s->o->stats_interval_us) {
		struct timeval tv = clock_tv(s->o->stats_interval_us);

		*ev_stats = event_new(s->base, -1, EV_PERSIST, on_stats, s);
		event_add(*ev_stats, &tv);
	}
	if (s->o->hold_us) {
		struct timeval tv = clock_tv(100000);

		s->hold_check = event_new(s->base, -1, EV_PERSIST, on_hold_check, s);
		event_add(s->hold_check, &tv);
	}
	if (s->o->end_name) {
		char err[200];

		s->end = endsock_listen(s->base, s->o->end_name, on_told, s, err, sizeof(err));
		if (!s->end) {
			log_msg(LOGL_ERROR, "%s", err);
			return EXIT_CANNOT_RUN;
		}
	}
	return 0;
}

static void loop_free(struct supervisor *s, struct event **ev_sig, struct event *ev_stats)
{
	if (ev_stats)
		event_free(ev_stats);
	if (s->hold_check)
		event_free(s->hold_check);
	if (s->hold_end)
		event_free(s->hold_end);
	endsock_free(s->end);
	if (s->told_end)
		event_free(s->told_end);
	for (int i = 0; i < 4; i++)
		if (ev_sig[i])
			event_free(ev_sig[i]);
	if (s->base)
		event_base_free(s->base);
}

int engine_run(const struct engine_opts *o)
{
	struct supervisor s = { .o = o, .out = NULL };
	struct event *ev_stats = NULL, *ev_sig[4] = { 0 };
	sigset_t block, old;
	size_t len = sizeof(struct engine_stats) * o->workers;
	int ret = 0;

	s.out = fdopen(dup(o->stats_fd), "w");
	if (!s.out) {
		log_msg(LOGL_ERROR, "cannot write stats to fd %d: %s", o->stats_fd,
			strerror(errno));
		return EXIT_CANNOT_RUN;
	}
	s.stats = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	s.pids = calloc(o->workers, sizeof(*s.pids));
	s.status = calloc(o->workers, sizeof(*s.status));
	if (s.stats == MAP_FAILED || !s.pids || !s.status) {
		log_msg(LOGL_ERROR, "out of memory for %u workers", o->workers);
		ret = EXIT_CANNOT_RUN;
		goto out;
	}
	sigemptyset(&block);
	for (int i = 0; i < 4; i++)
		sigaddset(&block, engine_sigs[i]);
	sigprocmask(SIG_BLOCK, &block, &old);
	s.start_ns = clock_now_ns();
	ret = start_workers(&s, &old);
	if (!loop_new(&s, ev_sig, &ev_stats) && ret)
		stop_workers(&s);
	else if (!s.base)
		ret = EXIT_CANNOT_RUN;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (s.base && s.running)
		event_base_dispatch(s.base);
	print_stats(&s, 1);
	if (s.failed)
		ret = EXIT_CANNOT_RUN;
	loop_free(&s, ev_sig, ev_stats);
out:
	if (s.stats != MAP_FAILED)
		munmap(s.stats, len);
	free(s.pids);
	free(s.status);
	fclose(s.out);
	return ret;
}
