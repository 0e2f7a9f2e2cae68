/* SPDX-License-Identifier: MIT */
/* preflight.c - before anything is built: the host's checks (the same as
 * `connlab doctor`: memory, limits, kernel features, the lab's sysctls
 * tried in a fresh namespace), re-execution through /proc/self/exe; and
 * the run directory, which never overwrites a run. */
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

#include "host/host.h"
#include "run/dumper.h"

#include "netns/netns.h"

/* ---- preflight ---- */

int run_outdir_check(const char *out, char *err, size_t len)
{
	char path[600];
	struct stat st;

	if (!out || stat(out, &st))
		return 0; /* none given, or made later */
	if (!S_ISDIR(st.st_mode))
		return snprintf(err, len, "--out %s: not a directory; give a directory for the run",
				out),
		       -ENOTDIR;
	snprintf(path, sizeof(path), "%s/result.json", out);
	if (!access(path, F_OK))
		return snprintf(
			       err, len,
			       "--out %s already holds a run (its result.json); choose another directory",
			       out),
		       -EEXIST;
	return 0;
}

int run_outdir_make(const char *out, time_t started, const char *name, char *dir, size_t len)
{
	char stamp[32], path[600];
	struct tm tm;

	if (out) {
		snprintf(dir, len, "%s", out);
		if (mkdir(out, 0755) && errno != EEXIST)
			goto fail;
	} else {
		gmtime_r(&started, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
		if (mkdir("runs", 0755) && errno != EEXIST)
			goto fail_runs;
		for (int n = 1; n < 100; n++) {
			if (n == 1)
				snprintf(dir, len, "runs/%s-%s", stamp, name);
			else
				snprintf(dir, len, "runs/%s-%s-%d", stamp, name, n);
			if (mkdir(dir, 0755) == 0)
				break;
			if (errno != EEXIST)
				goto fail;
		}
	}
	/* never overwrite a run: the directory must hold no results yet */
	snprintf(path, sizeof(path), "%s/result.json", dir);
	if (access(path, F_OK) == 0) {
		log_msg(LOGL_ERROR, "%s already holds a run; choose another --out", dir);
		return -EEXIST;
	}
	return 0;
fail_runs:
	snprintf(dir, len, "runs");
fail:
	log_msg(LOGL_ERROR,
		"cannot write the run directory %s: %s; use --out DIR with a writable directory",
		dir, strerror(errno));
	return -errno;
}

int run_make_outdir(struct run *r, const char *out)
{
	char path[600];
	int e = run_outdir_make(out, r->started_wall, r->lab->name, r->outdir, sizeof(r->outdir));

	if (e)
		return e;
	/* logs/: a file for each lab process's output (run_log_open) */
	snprintf(path, sizeof(path), "%s/logs", r->outdir);
	if (mkdir(path, 0755) && errno != EEXIST) {
		log_msg(LOGL_ERROR,
			"cannot write the run directory %s: %s; use --out DIR with a writable directory",
			r->outdir, strerror(errno));
		return -errno;
	}
	return 0;
}

int run_preflight(struct run *r)
{
	struct host_facts f;
	struct host_probe hp;
	struct kernel_view kv;
	static struct host_report rep;
	unsigned blocks;

	/* the checks of `connlab doctor`, one implementation */
	host_facts_read(&f);
	memcpy(r->host_tcp_mem, f.tcp_mem, sizeof(r->host_tcp_mem));
	host_probe_open(&hp, &f);
	host_kernel_view(&kv, &hp, &f);
	host_check_all(&f, &kv, r->lab, r->plan, &rep);
	r->forecast = rep.forecast;
	r->have_forecast = 1;
	for (unsigned i = 0; i < rep.n; i++) {
		const struct host_check *c = &rep.c[i];

		if (c->level == LEVEL_OK)
			continue;
		log_msg(c->level == LEVEL_BLOCKS ? LOGL_ERROR : LOGL_WARN,
			"%s: %s; needs %s%s%s%s%s", c->title, c->found, c->needed,
			*c->why ? ": " : "", c->why, *c->fix ? "; fix: " : "", c->fix);
	}
	blocks = rep.blocks;
	host_report_free(&rep);
	host_probe_close(&hp);
	if (blocks) {
		log_msg(LOGL_ERROR, "nothing was built; 'connlab doctor' shows every check");
		return EXIT_CANNOT_RUN;
	}
	if (access("/proc/self/exe", X_OK)) {
		log_msg(LOGL_ERROR, "cannot re-execute connlab through /proc/self/exe: %s",
			strerror(errno));
		return EXIT_CANNOT_RUN;
	}
	return 0;
}
