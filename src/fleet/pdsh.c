/* SPDX-License-Identifier: MIT */
/* pdsh.c - one pdsh process a round (check, server, floods): started in
 * a process group of its own with its output read as it comes, waited for
 * with a deadline, stopped with its group. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fleet/coord.h"
#include "util/clock.h"
#include "util/log.h"

/* PDSH_SSH_ARGS_APPEND for ssh: never a prompt, a bounded connect, the
 * lab's options with {labdir} filled in (for a lab's own ssh_config). */
static void ssh_env(const struct fleet *f)
{
	char *o = NULL, *at;

	if (asprintf(&o, "-o BatchMode=yes -o ConnectTimeout=%u %s",
		     (unsigned)(f->lab->fleet.start_timeout_us / 1000000),
		     f->lab->fleet.ssh_options) < 0)
		return;
	while ((at = strstr(o, "{labdir}"))) {
		char *n = NULL;

		*at = 0;
		if (asprintf(&n, "%s%s%s", o, f->labdir, at + 8) < 0)
			break;
		free(o);
		o = n;
	}
	setenv("PDSH_SSH_ARGS_APPEND", o, 1);
	free(o);
}

/* In the child: its own process group (stopping a round stops pdsh and
 * every ssh it started), gone with the coordinator, its output to the
 * pipes; an exec that fails says why on ready. */
static void __attribute__((noreturn)) pdsh_exec(const struct fleet *f, char **argv, pid_t parent,
						const int *out, const int *err, const int *ready)
{
	char buf[256];
	sigset_t none;
	int null;
	ssize_t k;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(127);
	dup2(out[1], 1);
	dup2(err[1], 2);
	null = open("/dev/null", O_RDONLY);
	if (null >= 0)
		dup2(null, 0);
	if (f->lab->fleet.transport == FLEET_SSH)
		ssh_env(f);
	/* pdsh and what it starts get the signals as they are */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], argv);
	snprintf(buf, sizeof(buf), "%s", strerror(errno));
	k = write(ready[1], buf, strlen(buf));
	(void)k;
	_exit(127);
}

/* In the coordinator: pdsh's output read as it comes. */
static void pdsh_attach(struct fleet *f, struct pdsh_proc *p, enum fleet_round round, int out,
			int err)
{
	p->running = 1;
	p->round = round;
	p->eof[0] = p->eof[1] = 0;
	for (int i = 0; i < 2; i++) {
		int fd = i ? err : out;

		evutil_make_socket_nonblocking(fd);
		p->bev[i] = bufferevent_socket_new(f->base, fd, BEV_OPT_CLOSE_ON_FREE);
		bufferevent_setcb(p->bev[i], fleet_on_read, NULL, fleet_on_event, f);
		bufferevent_enable(p->bev[i], EV_READ);
	}
}

static void log_argv(const struct fleet *f, enum fleet_round round, char **argv)
{
	if (!f->log)
		return;
	fprintf(f->log, "%.3f round %d:", fleet_now_s(f), (int)round);
	for (char **a = argv; *a; a++)
		fprintf(f->log, " [%s]", *a);
	fprintf(f->log, "\n");
	fflush(f->log);
}

int fleet_spawn_pdsh(struct fleet *f, enum fleet_round round, const char *hosts, unsigned nhosts,
		     unsigned timeout_s)
{
	struct pdsh_proc *p = &f->pr[round];
	char *script = round == ROUND_EVENT ? fleet_restart_script(f->srv_shell, f->run_id)
					    : fleet_script(f->lab, f->fp, round, f->run_id,
							   round == ROUND_END ? f->end_wall : NULL);
	char **argv = script ? fleet_pdsh_argv(f->lab, f->o->pdsh ? f->o->pdsh : "pdsh", hosts,
					       nhosts + 1, timeout_s, script, f->labdir)
			     : NULL;
	int out[2], err[2], ready[2];
	pid_t parent = getpid();
	char why[256];
	ssize_t k;
	int e;

	free(script);
	if (!argv)
		return -ENOMEM;
	if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC) || pipe2(ready, O_CLOEXEC)) {
		fleet_argv_free(argv);
		return -errno;
	}
	log_argv(f, round, argv);
	fflush(NULL);
	p->pid = fork();
	if (p->pid == 0)
		pdsh_exec(f, argv, parent, out, err, ready);
	e = p->pid < 0 ? -errno : 0;
	fleet_argv_free(argv);
	close(out[1]);
	close(err[1]);
	close(ready[1]);
	k = e ? -1 : read(ready[0], why, sizeof(why) - 1);
	close(ready[0]);
	if (e || k > 0) {
		if (!e) {
			why[k] = 0;
			waitpid(p->pid, NULL, 0);
			log_msg(LOGL_ERROR,
				"cannot run %s: %s; install pdsh (apt-get install pdsh), or give --pdsh PROGRAM",
				f->o->pdsh ? f->o->pdsh : "pdsh", why);
			e = -ENOENT;
		}
		close(out[0]);
		close(err[0]);
		p->pid = 0; /* nothing to stop or wait for */
		return e;
	}
	pdsh_attach(f, p, round, out[0], err[0]);
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
		for (int i = 0; i < ROUNDS; i++)
			if (f->pr[i].pid == pid && f->pr[i].running) {
				f->pr[i].running = 0;
				f->pr[i].status = st;
			}
	fleet_check_done(f);
}

void fleet_on_signal(evutil_socket_t sig, short what, void *arg)
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
	for (int r = 0; r < ROUNDS; r++)
		stop_round(f, r, SIGTERM);
}

void fleet_on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct fleet *f = arg;

	(void)fd;
	(void)what;
	if (f->waiting >= 0)
		stop_round(f, f->waiting, SIGTERM);
	event_base_loopbreak(f->base);
}

/* Runs the loop until round r's pdsh is done (or timeout_us, 0: none). */
void fleet_wait_round(struct fleet *f, enum fleet_round r, uint64_t timeout_us)
{
	struct timeval tv = clock_tv(timeout_us);

	f->waiting = (int)r;
	if (timeout_us)
		event_add(f->deadline, &tv);
	while (!fleet_round_done(&f->pr[r])) {
		event_base_loop(f->base, EVLOOP_ONCE);
		if (timeout_us && !evtimer_pending(f->deadline, NULL))
			break;
	}
	event_del(f->deadline);
	f->waiting = -1;
}

/* Stops a round that is still running and waits for it (at most 5 s,
 * then SIGKILL to its process group). */
void fleet_end_round(struct fleet *f, enum fleet_round r)
{
	if (!f->pr[r].pid)
		return;
	if (f->pr[r].running || !fleet_round_done(&f->pr[r])) {
		stop_round(f, r, SIGTERM);
		fleet_wait_round(f, r, 5000000);
		if (f->pr[r].running) {
			kill(-f->pr[r].pid, SIGKILL);
			fleet_wait_round(f, r, 2000000);
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
