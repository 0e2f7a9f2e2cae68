/* SPDX-License-Identifier: MIT */
/* fdset.h - many sockets, no per-socket allocation: an epoll set of its own,
 * polled through one libevent event. The engines keep per-connection state
 * in flat arrays indexed by fd (a few bytes each) instead of a libevent
 * event per connection (~130 bytes plus its allocation); timers, signals and
 * listeners stay on the libevent loop. Closing a socket removes it from the
 * set (the kernel drops the registration with the last reference). */
#ifndef CONNLAB_FDSET_H
#define CONNLAB_FDSET_H

#include <event2/event.h>
#include <event2/event_struct.h>
#include <stdint.h>
#include "util/compiler.h"

typedef void (*fdset_cb)(int fd, uint32_t events, void *arg);

struct fdset {
	int epfd;
	struct event ev;
	fdset_cb cb;
	void *arg;
};

/* An event base for a loop that polls an fdset: libevent's poll backend
 * (the loop watches a handful of descriptors: the set, signals, listeners).
 * Not epoll: an epoll set registered in another epoll set is "nested", and
 * then every EPOLL_CTL_ADD into it takes the kernel's global epnested_mutex
 * and checks wake-up paths; with 115 processes adding a socket per
 * connection, that is measurable (perf: mutex spinning in do_epoll_ctl). */
struct event_base *fdset_base_new(void);

/* 0, or -errno. */
WUR int fdset_init(struct fdset *s, struct event_base *base, fdset_cb cb, void *arg);
/* Registers fd for events (EPOLLIN, EPOLLOUT..., EPOLLET for edge-triggered);
 * 0 or -errno. */
WUR int fdset_add(struct fdset *s, int fd, uint32_t events);
/* Changes what fd is watched for; takes it out of the set. 0 or -errno. */
WUR int fdset_mod(struct fdset *s, int fd, uint32_t events);
WUR int fdset_del(struct fdset *s, int fd);
void fdset_free(struct fdset *s);

#endif
