/* SPDX-License-Identifier: MIT */
/* fdset.c - see fdset.h. */
#include "engine/fdset.h"

#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#define FDSET_BATCH 256

/* One batch per wake-up, then back to libevent: its timers and signals run
 * between batches, and the set stays readable while events remain. */
static void on_ready(evutil_socket_t fd, short what, void *arg)
{
	struct fdset *s = arg;
	struct epoll_event ev[FDSET_BATCH];
	int n = epoll_wait((int)fd, ev, FDSET_BATCH, 0);

	(void)what;
	for (int i = 0; i < n; i++)
		s->cb((int)ev[i].data.u64, ev[i].events, s->arg);
}

struct event_base *fdset_base_new(void)
{
	struct event_config *cfg = event_config_new();
	struct event_base *base;

	if (!cfg)
		return NULL;
	event_config_avoid_method(cfg, "epoll");
	event_config_avoid_method(cfg, "select");
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return base;
}

int fdset_init(struct fdset *s, struct event_base *base, fdset_cb cb, void *arg)
{
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0)
		return -errno;
	s->cb = cb;
	s->arg = arg;
	if (event_assign(&s->ev, base, s->epfd, EV_READ | EV_PERSIST, on_ready, s) ||
	    event_add(&s->ev, NULL)) {
		close(s->epfd);
		s->epfd = -1;
		return -ENOMEM;
	}
	return 0;
}

int fdset_add(struct fdset *s, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u64 = (uint64_t)fd };

	return epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

int fdset_mod(struct fdset *s, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u64 = (uint64_t)fd };

	return epoll_ctl(s->epfd, EPOLL_CTL_MOD, fd, &ev) ? -errno : 0;
}

int fdset_del(struct fdset *s, int fd)
{
	return epoll_ctl(s->epfd, EPOLL_CTL_DEL, fd, NULL) ? -errno : 0;
}

void fdset_free(struct fdset *s)
{
	if (s->epfd >= 0) {
		event_del(&s->ev);
		close(s->epfd);
		s->epfd = -1;
	}
}
