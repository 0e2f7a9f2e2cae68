/* SPDX-License-Identifier: MIT */
/* kmsg.c - the kernel's log during a run: records of /dev/kmsg (such as
 * "nf_conntrack: table full, dropping packet") kept for the result. */
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

void run_kmsg_open(struct run *r)
{
	r->kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (r->kmsg_fd < 0)
		snprintf(r->kmsg_why, sizeof(r->kmsg_why), "cannot read /dev/kmsg: %s%s",
			 strerror(errno),
			 r->rootless
				 ? " (the kernel log is the host's root's; this run is rootless)"
				 : "");
	r->klog = calloc(KLOG_MAX, sizeof(*r->klog));
	if (r->kmsg_fd < 0 || !r->klog)
		return; /* no kernel log here (containers): nothing to keep */
	lseek(r->kmsg_fd, 0, SEEK_END);
	r->ev_kmsg = event_new(r->base, r->kmsg_fd, EV_READ | EV_PERSIST, on_kmsg, r);
	event_add(r->ev_kmsg, NULL);
}
