/* SPDX-License-Identifier: MIT */
/* run.h - one experiment: a lab and its plan in, a result out. The
 * launcher builds the lab, starts the servers, floods and probes, samples
 * the kernel, moves through the phases and tears everything down; its
 * state stays inside src/run/ (launcher.h). */
#ifndef CONNLAB_RUN_RUN_H
#define CONNLAB_RUN_RUN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "lab/lab.h"
#include "lab/phase.h"
#include "plan/plan.h"
#include "util/hist.h"

struct run_opts {
	const struct lab *lab;
	const struct plan *plan;
	const char *out; /* the run directory, NULL: runs/<UTC time>-<lab> */
	int keep;	 /* named namespaces that stay (connlab down removes them) */
	int rootless;	 /* built inside a user namespace of its own (an ordinary user) */
	/* NULL, or called in the launcher's loop after each sample with
	 * result.json so far (outcome "running"), its timeline only the rows
	 * since the call before; the callee takes it and must return at once:
	 * the probes are timed in this loop */
	void (*on_sample)(void *arg, json_t *partial);
	void *sample_arg;
};

/* Runs the lab. Returns the run's status: EXIT_OK (it ran; expectations
 * are judged by the caller), EXIT_CANNOT_RUN or EXIT_INTERRUPTED (the
 * reason is in the result), or EXIT_USAGE / EXIT_CANNOT_RUN with *result
 * NULL when nothing ran (preflight, privileges or the run directory
 * refused; the message is printed). *result is result.json's tree, which
 * the caller owns; outdir gets the run directory. */
int run_lab(const struct run_opts *o, json_t **result, char *outdir, size_t len);

/* What a run and a fleet share (shared.c, run.c, tally.c). */

/* The phases a launcher went through: the phase now, and the start and
 * end of each it entered (seconds since its start). */
struct phase_log {
	enum phase now;
	int seen[PH_COUNT];
	double t[PH_COUNT][2];
};

/* Enters phase p at t: the phase before ends there. */
void phase_log_enter(struct phase_log *l, enum phase p, double t);

/* result.json's head: schema, connlab's version, kind (NULL: a run of one
 * box) and the lab (name, source, the resolved text). */
void run_result_open(json_t *j, const struct lab *lab, const char *kind);
/* The host facts every result has: kernel, machine, cpus, memory_bytes,
 * fd_limit; the caller adds its own. */
json_t *run_host_json(uint64_t fd_limit);
/* started (UTC), outcome, reason, and the phases (named as mode names
 * them) with their times. */
void run_result_close(json_t *j, time_t started, const char *outcome, const char *reason,
		      const struct phase_log *l, enum client_mode mode);
/* The histograms at key of stats lines (NULL lines are skipped), merged
 * bucket by bucket: count, percentiles, max, mean, and how many lines
 * had one in "floods"; null when none had. */
json_t *run_merged_hist(json_t *const *lines, size_t n, const char *key);
/* A histogram as result.json gives one: count, p50_us .. max_us, mean_us. */
json_t *run_hist_json(const struct hist *h);
/* What a histogram gained between two copies of it (an event's window),
 * as run_hist_json gives it, with how many took at least 1 s and 3 s (the
 * kernel's SYN retransmits); null when nothing was added. */
json_t *run_hist_window_json(const struct hist *later, const struct hist *earlier);

/* The run directory: out, or runs/<UTC time of started>-<name> (made
 * unique); it must hold no result yet. 0, or -errno after saying why. */
int run_outdir_make(const char *out, time_t started, const char *name, char *dir, size_t len);
/* Whether OUT (NULL: the default) can take a run, before anything is
 * built: 0, or -errno with ERR saying why (a file, a run already there). */
int run_outdir_check(const char *out, char *err, size_t len);

/* What one probe measured: by phase for result.json, and by interval for
 * the timeline. A run keeps one per probe (two in a dual-stack lab), a
 * fleet one for the coordinator's probe. */
struct probe_tally {
	struct hist ping[PH_COUNT], conn[PH_COUNT];
	uint64_t sent[PH_COUNT], lost[PH_COUNT], fail[PH_COUNT];
	/* the reply probe's (rprobe.c): replies, and those missing */
	struct hist reply[PH_COUNT];
	uint64_t reply_missing[PH_COUNT];
	double iv_reply_ms[64]; /* this interval's (the first 64), for its median */
	unsigned iv_reply_n;
	/* this interval's: answered pings (the first 64, for the median), the
	 * slowest ping and connect in ms (-1: none), counts */
	double iv_ms[64], iv_ping_max, iv_conn_max;
	unsigned iv_n, iv_sent, iv_lost, iv_fail;
};

/* One interval of a probe, as the timeline gives it; -1: nothing answered. */
struct probe_interval {
	double ping_p50_ms, ping_max_ms, conn_max_ms;
	unsigned sent, lost, fail;
};

void probe_tally_init(struct probe_tally *t);
/* The reply probe's figures by phase and in all (result.json's
 * probe_reply); null when it never sent. */
json_t *run_reply_probe_json(const int *seen, const struct probe_tally *t);
/* A reply probe's answer in phase p: us, or -1 for a missing reply. */
void probe_tally_reply(struct probe_tally *t, enum phase p, int64_t us);
/* The median of this interval's reply probe answers, ms (-1: none); the
 * next interval begins. */
double probe_tally_reply_interval(struct probe_tally *t);
/* a probe's answer in phase p: us, or -1 for a lost ping or a failed
 * connect; answers from the teardown on are not measurements */
void probe_tally_add(struct probe_tally *t, enum phase p, int is_ping, int64_t us);
/* the interval so far, and a new interval begins */
struct probe_interval probe_tally_interval(struct probe_tally *t);

/* The probe's figures by phase, PH_BEFORE to PH_DRAIN where seen[p]:
 * result.json's "ping" (with sent, lost, loss) and "probe_connect" (with
 * failures), each with "all" over the phases. */
void run_probes_json(const int *seen, const struct probe_tally *t, json_t **ping_out,
		     json_t **probe_out);

#endif
