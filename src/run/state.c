/* SPDX-License-Identifier: MIT */
/* state.c - where a run is: the phase it is in (entered, timed, said on
 * the terminal), its failure (the first reason stands; drain, then
 * teardown), and children that exit, expectedly or not. */
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

void run_phase_enter(struct run *r, enum phase p)
{
	double t = run_elapsed(r);

	phase_log_enter(&r->ph, p, t);
	if (p == PH_HOLD) /* the launcher's own CPU during the hold */
		r->cpu_hold_start = run_cpu_self_s();
	if (!r->tty)
		printf("[%7.1fs] phase %s\n", t, run_phase_label(r, p));
	fflush(stdout);
}

void run_fail(struct run *r, int status, const char *fmt, ...)
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
		log_msg(LOGL_ERROR, "%s", r->reason);
	if (r->ph.now < PH_DRAIN) {
		run_phase_enter(r, PH_DRAIN);
		run_signal_children(r, 1, SIGTERM);
	} else if (r->ph.now == PH_DRAIN && status != EXIT_INTERRUPTED) {
		run_start_teardown(r);
	}
}

void run_start_teardown(struct run *r)
{
	if (r->ph.now >= PH_TEARDOWN)
		return;
	run_phase_enter(r, PH_TEARDOWN);
	run_signal_children(r, 1, SIGKILL);
	run_signal_children(r, 0, SIGTERM);
}
/* A supervisor that ended because one of its workers did (status 3) said
 * which in its log ("flood worker 1 (pid 42) died of signal 9 (SIGKILL)"):
 * the last such line, into buf ("" without). */
static void worker_words(const struct run *r, const struct child *c, int st, char *buf, size_t len)
{
	char path[700], line[512];
	FILE *f;

	buf[0] = 0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != EXIT_CANNOT_RUN || !c->log[0])
		return;
	snprintf(path, sizeof(path), "%s/%s", r->outdir, c->log);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *w = strstr(line, " worker ");

		if (w && (strstr(w, "died of signal") || strstr(w, "exited with status"))) {
			line[strcspn(line, "\n")] = 0;
			snprintf(buf, len, ": its%s", w);
		}
	}
	fclose(f);
}

void run_reap(struct run *r)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (unsigned i = 0; i < r->nchild; i++) {
			struct child *c = &r->child[i];
			char words[300];
			int expected;

			if (c->pid != pid)
				continue;
			c->exited = 1;
			c->status = st;
			c->exit_s = run_elapsed(r);
			c->exit_phase = r->ph.now;
			/* floods end on their own in churn mode, and when told to */
			expected = r->ph.now >= PH_TEARDOWN || c->retired ||
				   (c->is_flood &&
				    (r->ph.now == PH_DRAIN || r->lab->client_mode == CLIENT_CHURN));
			if (!expected || WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st))) {
				if (expected && WIFSIGNALED(st) &&
				    (WTERMSIG(st) == SIGTERM || WTERMSIG(st) == SIGKILL))
					continue;
				worker_words(r, c, st, words, sizeof(words));
				run_fail(r, EXIT_CANNOT_RUN,
					 "%s (pid %d) %s %d during the %s phase%s", c->name,
					 (int)pid,
					 WIFSIGNALED(st) ? "died of signal" : "exited with status",
					 WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st),
					 run_phase_label(r, r->ph.now), words);
			}
		}
	}
}
