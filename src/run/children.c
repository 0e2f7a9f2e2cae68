/* SPDX-License-Identifier: MIT */
/* children.c - the lab's processes: this binary re-executed in a namespace
 * (its stats lines on a pipe), or a user's command under /bin/sh in a
 * process group of its own; signalled, reaped, and their stats summed. */
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

#include "lab/programs.h"
#include "run/dumper.h"

#include "netns/netns.h"
#include "util/jpath.h"

/* ---- children ---- */

/* a flood's stats line inside its hold (or any line of a flood that has
 * no hold, churn): note its time and messages sent */
static void note_messages(struct child *c, json_t *j)
{
	json_t *t = json_object_get(j, "t"), *from = json_object_get(j, "hold_from_s");
	json_t *end = json_object_get(j, "hold_end_s");
	json_t *sent = json_object_get(json_object_get(j, "messages"), "sent");
	int slot = c->msg_lines ? 1 : 0;

	if (!c->is_flood || !json_is_number(t) || !json_is_integer(sent))
		return;
	if (json_object_get(j, "hold_s") &&
	    (!json_is_number(from) || json_number_value(t) < json_number_value(from) ||
	     (json_is_number(end) && json_number_value(t) > json_number_value(end))))
		return;
	c->msg_t[slot] = json_number_value(t);
	c->msg_sent[slot] = (uint64_t)json_integer_value(sent);
	c->msg_lines++;
}

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
			note_messages(c, j);
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

int run_log_open(const struct run *r, const char *name, char *rel, size_t len)
{
	char path[700];
	size_t o = (size_t)snprintf(rel, len, "logs/");
	int fd;

	for (const char *p = name; *p && o + 5 < len; p++)
		rel[o++] = *p == ' ' || *p == '/' ? '-' : *p;
	snprintf(rel + o, len - o, ".log");
	snprintf(path, sizeof(path), "%s/%s", r->outdir, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		log_msg(LOGL_WARN, "cannot write %s: %s; %s's output is lost", path,
			strerror(errno), name);
	return fd;
}

/* In a forked child, before exec: die with the launcher (and check that it
 * is not already gone), take signals again but leave Ctrl-C to the
 * launcher, take the open-file limit the lab gives (the hard one), enter
 * namespace netns, write output to log_fd. */
static void child_prepare(const struct run *r, unsigned netns, pid_t parent, int own_group,
			  int log_fd)
{
	sigset_t none;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	procfs_nofile_raise();
	if (r->reniced) /* the launcher's priority is its own */
		setpriority(PRIO_PROCESS, 0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGINT, SIG_IGN);
	if (own_group)
		setpgid(0, 0);
	if (setns(r->topo.netns[netns].fd, CLONE_NEWNET))
		_exit(126);
	if (log_fd >= 0) {
		dup2(log_fd, 2);
		dup2(log_fd, 1);
	}
}

static void child_note(struct child *c, const char *name, const char *log, int is_flood,
		       unsigned netns, pid_t pid)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->log, sizeof(c->log), "%s", log);
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->is_flood = is_flood;
	c->netns = (int)netns;
	c->pid = pid;
}

/* Forks this binary into namespace netns with argv; its stats lines come on
 * its fd 3. */
int run_spawn(struct run *r, const char *name, int is_flood, unsigned netns, char **argv)
{
	struct child *c = &r->child[r->nchild];
	pid_t parent = getpid(), pid;
	char log[sizeof(c->log)];
	int p[2], lfd;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	lfd = run_log_open(r, name, log, sizeof(log));
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		if (lfd >= 0)
			close(lfd);
		return -errno;
	}
	if (pid == 0) {
		child_prepare(r, netns, parent, 0, lfd);
		dup2(p[1], 3);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(p[1]);
	if (lfd >= 0)
		close(lfd);
	child_note(c, name, log, is_flood, netns, pid);
	c->stats_fd = p[0];
	evutil_make_socket_nonblocking(p[0]);
	c->bev = bufferevent_socket_new(r->base, p[0], BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(c->bev, on_stats_line, NULL, on_stats_event, c);
	bufferevent_enable(c->bev, EV_READ);
	r->nchild++;
	return 0;
}

void run_signal_child(const struct child *c, int sig)
{
	pid_t to = c->group ? -c->pid : c->pid; /* a command: whatever it started */

	if (!c->group && c->exited)
		return;
	kill(to, sig);
	if (sig == SIGTERM)
		kill(to, SIGCONT); /* a stopped process ends too, now */
}

void run_signal_children(struct run *r, int is_flood, int sig)
{
	for (unsigned i = 0; i < r->nchild; i++)
		if (r->child[i].is_flood == is_flood && (!r->child[i].exited || r->child[i].group))
			run_signal_child(&r->child[i], sig);
}

int run_children_running(const struct run *r, int is_flood)
{
	int n = 0;

	for (unsigned i = 0; i < r->nchild; i++)
		n += r->child[i].is_flood == is_flood && !r->child[i].exited;
	return n;
}

uint64_t run_child_sum(const struct run *r, int is_flood, const char *key)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < r->nchild; i++) {
		const struct child *c = &r->child[i];
		json_t *v = c->is_flood == is_flood && c->last ? jpath(c->last, key) : NULL;

		if (json_is_integer(v))
			sum += (uint64_t)json_integer_value(v);
	}
	return sum;
}

uint64_t run_flood_messages(const struct run *r, const char *key)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < r->nchild; i++) {
		const struct child *c = &r->child[i];
		json_t *m = c->is_flood && c->last ? json_object_get(c->last, "messages") : NULL;
		json_t *v = m ? json_object_get(m, key) : NULL;

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

/* Forks `/bin/sh -c line` into namespace netns, in a process group of its
 * own; the pid, or -errno. */
pid_t run_fork_sh(struct run *r, unsigned netns, const char *line, const char *name, char *log,
		  size_t len)
{
	pid_t parent = getpid(), pid;
	int lfd = run_log_open(r, name, log, len);

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		child_prepare(r, netns, parent, 1, lfd);
		execl("/bin/sh", "sh", "-c", line, (char *)NULL);
		_exit(127);
	}
	if (pid < 0)
		pid = -errno; /* before close() may change errno */
	if (lfd >= 0)
		close(lfd);
	return pid;
}

/* [server] setup: runs to its end in the server namespace (30 s at most). */
/* "{address}" and the like replaced in a user's command */
void run_substitute(const char *in, char *out, size_t len, const char *const *keys,
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
int run_spawn_command(struct run *r, const char *name, int is_flood, unsigned netns,
		      const char *cmd)
{
	char line[1100], log[sizeof(r->child[0].log)];
	struct child *c;
	pid_t pid;

	snprintf(line, sizeof(line), "exec %s", cmd);
	pid = run_fork_sh(r, netns, line, name, log, sizeof(log));
	if (pid < 0)
		return (int)pid;
	setpgid(pid, pid); /* also here: no race with the first signal */
	c = &r->child[r->nchild++];
	child_note(c, name, log, is_flood, netns, pid);
	c->stats_fd = -1;
	c->group = 1;
	return 0;
}

/* Is something listening on the service address? A connect from the probe
 * namespace, waited for at most 100 ms. */

json_t *run_server_program_json(const struct run *r)
{
	struct prog_setting s;
	json_t *j;

	if (!r->server_cmd[0] || programs_read(r->server_cmd, sysconf(_SC_NPROCESSORS_ONLN), &s))
		return json_null();
	j = json_pack("{s:s, s:s, s:o, s:s, s:I, s:s}", "name", s.prog->name, "setting",
		      s.prog->setting, "value", s.value >= 0 ? json_integer(s.value) : json_null(),
		      "set_in", programs_where(&s), "workers", (json_int_t)s.workers, "command",
		      r->lab->server_command);
	if (s.where == 2)
		json_object_set_new(j, "config",
				    json_pack("{s:s, s:i, s:s}", "file", s.file, "line",
					      (int)s.line, "text", s.text));
	return j;
}
