/* SPDX-License-Identifier: MIT */
/* dumper.c - see dumper.h. */
#define _GNU_SOURCE
#include "run/dumper.h"

#include "util/clock.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void *run(void *arg)
{
	struct dumper *d = arg;
	static struct netns_sample tmp[TOPO_NETNS_MAX];
	int ok[TOPO_NETNS_MAX];

	/* a background pass over every socket: not at the launcher's raised
	 * priority (nice is per thread on Linux), or a dump of a million
	 * sockets takes a core from the lab for half a second at a time */
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 0);
	pthread_mutex_lock(&d->mu);
	for (;;) {
		double c0, w0;
		uint64_t one = 1;

		while (!d->request && !d->quit)
			pthread_cond_wait(&d->cv, &d->mu);
		if (d->quit)
			break;
		d->request = 0;
		pthread_mutex_unlock(&d->mu);
		c0 = clock_of_s(CLOCK_THREAD_CPUTIME_ID);
		w0 = clock_of_s(CLOCK_MONOTONIC);
		for (unsigned i = 0; i < d->n; i++)
			ok[i] = sampler_dump_states(&d->samp[i], d->mask, &tmp[i]) == 0;
		pthread_mutex_lock(&d->mu);
		for (unsigned i = 0; i < d->n; i++) {
			d->ok[i] = ok[i];
			if (ok[i])
				d->out[i] = tmp[i];
		}
		d->cpu_s = clock_of_s(CLOCK_THREAD_CPUTIME_ID) - c0;
		d->wall_s = clock_of_s(CLOCK_MONOTONIC) - w0;
		d->busy = 0;
		pthread_cond_broadcast(&d->cv);
		if (write(d->efd, &one, sizeof(one)) < 0) {
			/* the counter cannot overflow at one per dump */
		}
	}
	pthread_mutex_unlock(&d->mu);
	return NULL;
}

int dumper_start(struct dumper *d, struct sampler_netns *samp, unsigned n, uint32_t mask)
{
	sigset_t all, old;
	int r;

	memset(d, 0, sizeof(*d));
	d->samp = samp;
	d->n = n;
	d->mask = mask;
	d->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (d->efd < 0)
		return -errno;
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->cv, NULL);
	/* signals are the loop's: the thread takes none */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&d->thread, NULL, run, d);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r) {
		close(d->efd);
		d->efd = -1;
		return -r;
	}
	d->started = 1;
	return 0;
}

int dumper_request(struct dumper *d)
{
	int r = 0;

	pthread_mutex_lock(&d->mu);
	if (d->busy) {
		r = -EBUSY;
	} else {
		d->busy = d->request = 1;
		pthread_cond_broadcast(&d->cv);
	}
	pthread_mutex_unlock(&d->mu);
	return r;
}

int dumper_collect(struct dumper *d, struct netns_sample *out, unsigned n, double *cpu_s,
		   double *wall_s)
{
	uint64_t v;
	int any = 0;

	if (read(d->efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	pthread_mutex_lock(&d->mu);
	for (unsigned i = 0; i < n && i < d->n; i++) {
		if (!d->ok[i])
			continue;
		memcpy(out[i].state, d->out[i].state, sizeof(out[i].state));
		out[i].accept_queue = d->out[i].accept_queue;
		out[i].accept_queue_max = d->out[i].accept_queue_max;
		out[i].have_states = 1;
		any = 1;
	}
	*cpu_s = d->cpu_s;
	*wall_s = d->wall_s;
	pthread_mutex_unlock(&d->mu);
	return any;
}

void dumper_wait(struct dumper *d)
{
	if (!d->started)
		return;
	pthread_mutex_lock(&d->mu);
	while (d->busy)
		pthread_cond_wait(&d->cv, &d->mu);
	pthread_mutex_unlock(&d->mu);
}

void dumper_stop(struct dumper *d)
{
	if (!d->started)
		return;
	pthread_mutex_lock(&d->mu);
	d->quit = 1;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
	pthread_join(d->thread, NULL);
	pthread_mutex_destroy(&d->mu);
	pthread_cond_destroy(&d->cv);
	close(d->efd);
	d->started = 0;
}
