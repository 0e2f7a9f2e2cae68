/* SPDX-License-Identifier: MIT */
/* preflight.c - before anything is built: memory, the open-file limit,
 * IP_BIND_ADDRESS_NO_PORT, re-execution through /proc/self/exe; and the
 * run directory, which never overwrites a run. */
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

/* ---- preflight ---- */

int run_make_outdir(struct run *r, const char *out)
{
	char stamp[32], path[600];
	struct tm tm;
	int fd;

	if (out) {
		snprintf(r->outdir, sizeof(r->outdir), "%s", out);
		if (mkdir(out, 0755) && errno != EEXIST)
			goto fail;
	} else {
		gmtime_r(&r->started_wall, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
		if (mkdir("runs", 0755) && errno != EEXIST)
			goto fail_runs;
		for (int n = 1; n < 100; n++) {
			if (n == 1)
				snprintf(r->outdir, sizeof(r->outdir), "runs/%s-%s", stamp,
					 r->lab->name);
			else
				snprintf(r->outdir, sizeof(r->outdir), "runs/%s-%s-%d", stamp,
					 r->lab->name, n);
			if (mkdir(r->outdir, 0755) == 0)
				break;
			if (errno != EEXIST)
				goto fail;
		}
	}
	/* never overwrite a run: the directory must hold no results yet */
	snprintf(path, sizeof(path), "%s/result.json", r->outdir);
	if (access(path, F_OK) == 0) {
		log_msg(LOGL_ERROR, "%s already holds a run; choose another --out", r->outdir);
		return -EEXIST;
	}
	snprintf(path, sizeof(path), "%s/children.log", r->outdir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_APPEND, 0644);
	if (fd < 0)
		goto fail;
	r->log_fd = fd;
	return 0;
fail_runs:
	snprintf(r->outdir, sizeof(r->outdir), "runs");
fail:
	log_msg(LOGL_ERROR,
		"cannot write the run directory %s: %s; use --out DIR with a writable directory",
		r->outdir, strerror(errno));
	return -errno;
}

int run_preflight(struct run *r)
{
	uint64_t need = r->plan->kernel_bytes + r->plan->user_bytes;

	/* a lab that sets its memory floor itself asks to run into it (the
	 * ceiling lab): the floor, not the estimate, ends its ramp */
	if (r->plan->mem_available && need > r->plan->mem_available * 9 / 10 && r->floor_kb &&
	    lab_key_set(r->lab, "lab.memory_floor")) {
		log_msg(LOGL_WARN,
			"the lab needs about %llu MiB of memory and %llu MiB are available: the ramp will stop at lab.memory_floor",
			(unsigned long long)(need >> 20),
			(unsigned long long)(r->plan->mem_available >> 20));
	} else if (r->plan->mem_available && need > r->plan->mem_available * 9 / 10) {
		log_msg(LOGL_ERROR,
			"the lab needs about %llu MiB of memory and %llu MiB are available: fewer clients.connections (or set lab.memory_floor to run until memory is short, as lab/ceiling.lab does)",
			(unsigned long long)(need >> 20),
			(unsigned long long)(r->plan->mem_available >> 20));
		return EXIT_CANNOT_RUN;
	}
	if (procfs_nofile_hard() < 256) {
		log_msg(LOGL_ERROR, "the open-file hard limit is %llu: raise it to at least 256",
			(unsigned long long)procfs_nofile_hard());
		return EXIT_CANNOT_RUN;
	}
	{
		int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int bad = fd >= 0 &&
			  setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one)) &&
			  errno == ENOPROTOOPT;

		if (fd >= 0)
			close(fd);
		if (bad) {
			log_msg(LOGL_ERROR,
				"this kernel lacks IP_BIND_ADDRESS_NO_PORT (Linux 4.2 and later), which the flood needs to put more than 64k connections on one source address");
			return EXIT_CANNOT_RUN;
		}
	}
	if (access("/proc/self/exe", X_OK)) {
		log_msg(LOGL_ERROR, "cannot re-execute connlab through /proc/self/exe: %s",
			strerror(errno));
		return EXIT_CANNOT_RUN;
	}
	return 0;
}
