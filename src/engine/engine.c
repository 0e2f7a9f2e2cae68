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
#include "engine/supervisor.h"
#include "util/text.h"
#include "util/clock.h"
#include "util/errnames.h"
#include "util/log.h"
#include "util/procfs.h"
#include "util/status.h"
#include "util/units.h"

_Static_assert(ENGINE_ERR_SLOTS > 14, "errnames must fit in ENGINE_ERR_SLOTS");

void engine_error(struct engine_stats *st, int err, enum engine_phase phase)
{
	const struct errname *e = errname_by_value(err);
	size_t slot = e ? (size_t)(e - errnames) : ENGINE_ERR_SLOTS - 1;

	if (!e)
		__atomic_store_n(&st->other_errno, err, __ATOMIC_RELAXED);
	STAT_ADD(st->errors[slot][phase], 1);
}

uint64_t engine_cpu_ns(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000ULL +
	       ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000ULL;
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

static void stop_workers(struct supervisor *s);

static void print_stats(struct supervisor *s, int final)
{
	json_t *j = stats_line(s, final);
	char *line = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));

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

/* keep_going: a worker a signal ended, the others run on; 1 when so */
static int worker_lost(struct supervisor *s, unsigned w, pid_t pid, int st)
{
	if (!s->o->keep_going || s->stopping || !WIFSIGNALED(st) || !s->running)
		return 0;
	s->lost_workers++;
	log_msg(LOGL_INFO, "%s worker %u (pid %d) ended by signal %d (SIG%s); %u %s on", s->o->role,
		w, (int)pid, WTERMSIG(st), sigabbrev_np(WTERMSIG(st)) ?: "?", s->running,
		s->running == 1 ? "runs" : "run");
	return 1;
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
				if (worker_lost(s, w, pid, st))
					continue;
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
