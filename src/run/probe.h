/* SPDX-License-Identifier: MIT */
/* probe.h - does the rest of the network still work? From a namespace
 * outside the flood: ICMP echo (through a datagram ping socket) and a timed
 * new TCP connection, on the caller's event loop. */
#ifndef CONNLAB_PROBE_H
#define CONNLAB_PROBE_H

#include <event2/event.h>
#include <stdint.h>
#include "util/compiler.h"
#include "util/units.h"

struct probe;

/* result: microseconds, or -1 for a lost ping or a failed connect (err
 * then says why) */
typedef void (*probe_cb)(void *arg, int is_ping, int64_t us, int err);

/* Sockets are created inside netns_fd (-1: the caller's own namespace,
 * whose ping_group_range is left as it is). Intervals of 0 disable that probe. A
 * ping without an answer within a second counts as lost; a connect that
 * takes more than 3 s as failed. */
/* target6 (not NULL): over IPv6 (ICMPv6 echo through a datagram socket,
 * and the connects), target unused. */
WUR int probe_start(struct event_base *base, int netns_fd, uint32_t target,
		    const struct addr6 *target6, uint16_t port, uint64_t ping_us,
		    uint64_t connect_us, probe_cb cb, void *arg, struct probe **out);
void probe_stop(struct probe *p);

#endif
