/* SPDX-License-Identifier: MIT */
/* endsock.c - a fleet host's flood ends its hold when the coordinator says
 * so (endsock.h): one listening socket, one byte back to say it was heard. */
#define _GNU_SOURCE
#include "engine/endsock.h"

#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"

struct endsock {
	int fd;
	struct event *ev;
	void (*told)(void *, double);
	void *arg;
};

int endsock_name_ok(const char *name)
{
	size_t n = strlen(name);

	return n >= 1 && n <= 64 &&
	       strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
		       n;
}

/* @connlab-end-NAME: the leading 0 makes it abstract (no file) */
static socklen_t end_addr(const char *name, struct sockaddr_un *a)
{
	int n;

	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	n = snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "connlab-end-%s", name);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

static void on_accept(evutil_socket_t fd, short what, void *arg)
{
	struct endsock *e = arg;
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	struct timeval tv = { .tv_sec = 1 };
	char line[64], *end;
	ssize_t n;
	double at;
	int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

	(void)what;
	if (c < 0)
		return;
	/* another user on the host may not end this flood's hold; the word
	 * is one line, the wall-clock time of the end */
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &cl) || cred.uid != geteuid() ||
	    (n = read(c, line, sizeof(line) - 1)) <= 0) {
		close(c);
		return;
	}
	line[n] = 0;
	at = strtod(line, &end);
	if (end == line || (*end && *end != '\n') || !(at >= 0)) {
		close(c);
		return;
	}
	/* the teller may be gone (it waited 5 s for a stopped flood): no
	 * SIGPIPE for that; the hold ends all the same */
	(void)send(c, "1", 1, MSG_NOSIGNAL);
	close(c);
	e->told(e->arg, at);
}

struct endsock *endsock_listen(struct event_base *base, const char *name,
			       void (*told)(void *, double), void *arg, char *err, size_t len)
{
	struct sockaddr_un a;
	socklen_t al = end_addr(name, &a);
	struct endsock *e = calloc(1, sizeof(*e));

	if (!e) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	e->told = told;
	e->arg = arg;
	e->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (e->fd < 0 || bind(e->fd, (struct sockaddr *)&a, al) || listen(e->fd, 8)) {
		snprintf(err, len, "cannot listen on the end socket @connlab-end-%s: %s%s", name,
			 strerror(errno),
			 errno == EADDRINUSE ? " (another flood of that name runs here)" : "");
		endsock_free(e);
		return NULL;
	}
	e->ev = event_new(base, e->fd, EV_READ | EV_PERSIST, on_accept, e);
	if (!e->ev || event_add(e->ev, NULL)) {
		snprintf(err, len, "cannot watch the end socket");
		endsock_free(e);
		return NULL;
	}
	return e;
}

void endsock_free(struct endsock *e)
{
	if (!e)
		return;
	if (e->ev)
		event_free(e->ev);
	if (e->fd >= 0)
		close(e->fd);
	free(e);
}

/* connects to NAME and says when; *pid: the listener's, from the kernel */
static int say_when(const char *name, double at, pid_t *pid, int *answered)
{
	struct sockaddr_un a;
	socklen_t al = end_addr(name, &a), cl = sizeof(struct ucred);
	struct timeval tv = { .tv_sec = 5 };
	struct ucred cred;
	char c, line[64];
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), e = 0;
	int n = snprintf(line, sizeof(line), "%.6f\n", at);

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, al) ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl))
		e = -errno;
	else if (cred.uid != geteuid())
		e = -EPERM; /* another user's socket of that name: not ours */
	if (!e) {
		*pid = cred.pid;
		/* a stopped flood neither reads nor answers: the kernel took
		 * the connection, and the word waits in its queue */
		*answered = write(fd, line, (size_t)n) == n && read(fd, &c, 1) == 1;
	}
	close(fd);
	return e;
}

static int pidfd_of(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* until the process of pidfd ends, at most until the wall-clock time
 * until: 1 ended, 0 not */
static int ended_by(int pidfd, double until)
{
	for (;;) {
		double left = until - clock_of_s(CLOCK_REALTIME);
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		int r = poll(&p, 1, left > 0 ? (int)(left * 1000) + 1 : 0);

		if (r > 0)
			return 1;
		if (r == 0 || (r < 0 && errno != EINTR))
			return 0;
	}
}

static void signal_it(int pidfd, int sig)
{
	syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

int endsock_tell(const char *name, double at, double grace_s, char *err, size_t len)
{
	double now = clock_of_s(CLOCK_REALTIME), due = (at > now ? at : now) + grace_s;
	pid_t pid = 0;
	int answered = 0, pidfd, e = say_when(name, at, &pid, &answered);

	if (e == -ECONNREFUSED || e == -ENOENT) {
		snprintf(err, len, "no flood named '%s' holds here (it ended already?)", name);
		return -ECONNREFUSED;
	}
	if (e) {
		snprintf(err, len, "cannot tell the flood '%s' to end: %s", name,
			 e == -EPERM ? "the socket is another user's" : strerror(-e));
		return e;
	}
	pidfd = pidfd_of(pid);
	if (pidfd < 0)
		return 0; /* it ended since */
	if (ended_by(pidfd, due)) {
		close(pidfd);
		return 0;
	}
	/* a stopped flood ends too: SIGCONT after SIGTERM */
	signal_it(pidfd, SIGTERM);
	signal_it(pidfd, SIGCONT);
	e = ended_by(pidfd, clock_of_s(CLOCK_REALTIME) + 5);
	if (!e)
		signal_it(pidfd, SIGKILL);
	close(pidfd);
	snprintf(
		err, len,
		"the flood (pid %d) %s and had not ended %.0f s after its end: ended it with SIGTERM%s",
		(int)pid, answered ? "heard the end" : "did not answer the end (stopped?)", grace_s,
		e ? "" : ", then SIGKILL");
	return -ETIMEDOUT;
}
