/* SPDX-License-Identifier: MIT */
/* endsock.h - the end of a fleet host's hold, told by the coordinator: an
 * abstract unix socket named after the run and the host's rank, in the
 * host's network namespace, heard only from the flood's own user. Nothing
 * is written on the host. */
#ifndef CONNLAB_ENGINE_ENDSOCK_H
#define CONNLAB_ENGINE_ENDSOCK_H

#include <stddef.h>

struct event_base;
struct endsock;

/* Whether name may name an end socket: 1 to 64 of [A-Za-z0-9._-]. */
int endsock_name_ok(const char *name);

/* Listens on @connlab-end-NAME; told(arg, at) runs when a peer of the same
 * uid says when the hold ends: at, a wall-clock time (CLOCK_REALTIME, in
 * seconds; 0: now). NULL with the reason in err. */
struct endsock *endsock_listen(struct event_base *base, const char *name,
			       void (*told)(void *, double), void *arg, char *err, size_t len);
void endsock_free(struct endsock *e);

/* Tells the flood listening on NAME to end its hold at the wall-clock time
 * at (0: now), then waits until it has ended. A flood that does not end by
 * at + grace_s (stopped, or stuck) is ended by its pid, which the kernel
 * gives for the socket: SIGCONT and SIGTERM, then SIGKILL 5 s later.
 * 0 when it ended at the word; -ECONNREFUSED: no flood by that name here;
 * -ETIMEDOUT: it had to be ended by signal; other -errno. err says what
 * happened when not 0. */
int endsock_tell(const char *name, double at, double grace_s, char *err, size_t len);

#endif
