/* SPDX-License-Identifier: MIT */
/* watch.c - `connlab watch`: the lab's kernel sampler for the namespace it
 * runs in, as JSON lines: what connlab fleet runs beside every flood and
 * server on other hosts, so that each machine's kernel speaks for itself. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "run/sampler.h"
#include "util/clock.h"
#include "kernel/counters.h"
#include "util/log.h"
#include "util/procfs.h"
#include "util/status.h"
#include "util/units.h"

static int cmd_watch(int argc, char **argv);

const struct command command_watch = {
	.name = "watch",
	.summary = "sample this namespace's kernel: sockets, states, counters (a fleet role)",
	.usage =
		"connlab watch [--interval D] [--states-every D] [--service A:PORTS] [--duration D] [--stats-fd N]",
	.help = "Samples the kernel of the network namespace it runs in, as a lab's sampler\n"
		"does, and writes one JSON line per sample: sockstat (inuse, orphan, tw,\n"
		"alloc, mem_pages), TCP's CurrEstab, the TCP counters since the start, the\n"
		"listeners' accept queues, connection tracking where loaded, MemAvailable,\n"
		"and sockets by TCP state (a sock_diag dump: it walks the whole TCP hash,\n"
		"so it runs every --states-every, not every sample). Always ends: at\n"
		"--duration, SIGTERM or SIGINT, or when its reader goes away.\n"
		"\n"
		"Options:\n"
		"  -i, --interval D       between samples (default 1s)\n"
		"  -e, --states-every D   between state dumps (default 5s; 0: only the last)\n"
		"  -S, --service A:PORTS  the dumps also count, by state, the sockets to or\n"
		"                         from A on PORTS (\"service\"): the lab's own, apart\n"
		"                         from ssh and everything else on the host; an IPv6\n"
		"                         A in brackets: [2001:db8::1]:80 (the dumps then walk\n"
		"                         IPv6 sockets too)\n"
		"  -d, --duration D       the longest watch (default 60s)\n"
		"  -f, --stats-fd N       write the lines to descriptor N (default 1)\n"
		"\n"
		"Line: {\"t\", \"role\":\"watch\", \"sockstat\": {...}, \"curr_estab\", \"counters\":\n"
		"{name: since the start}, \"accept_queue\", \"accept_queue_max\", \"conntrack\",\n"
		"\"mem_available_bytes\", \"states\" and \"service\" (when dumped), \"final\"}.\n",
	.run = cmd_watch,
};

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static json_t *sample_json(double t, const struct netns_sample *now,
			   const struct netns_sample *first, int final, int service)
{
	json_t *j = json_object(), *ctr = json_object();

	json_object_set_new(j, "t", json_real(t));
	json_object_set_new(j, "role", json_string("watch"));
	json_object_set_new(j, "sockstat",
			    json_pack("{s:I, s:I, s:I, s:I, s:I}", "inuse", (json_int_t)now->inuse,
				      "orphan", (json_int_t)now->orphan, "tw", (json_int_t)now->tw,
				      "alloc", (json_int_t)now->alloc, "mem_pages",
				      (json_int_t)now->mem_pages));
	json_object_set_new(j, "curr_estab", json_integer((json_int_t)now->curr_estab));
	for (size_t c = 0; c < kcounters_count; c++)
		json_object_set_new(
			ctr, kcounters[c],
			json_integer((json_int_t)(now->counter[c] - first->counter[c])));
	json_object_set_new(j, "counters", ctr);
	if (now->have_states) {
		json_t *st = json_object();

		for (int s = 1; s < ST_MAX; s++)
			json_object_set_new(st, sampler_state_name(s),
					    json_integer((json_int_t)now->state[s]));
		json_object_set_new(j, "states", st);
		if (service) {
			json_t *sv = json_object();

			for (int s = 1; s < ST_MAX; s++)
				if (now->service_state[s])
					json_object_set_new(
						sv, sampler_state_name(s),
						json_integer((json_int_t)now->service_state[s]));
			json_object_set_new(j, "service", sv);
		}
		json_object_set_new(j, "accept_queue", json_integer((json_int_t)now->accept_queue));
		json_object_set_new(j, "accept_queue_max",
				    json_integer((json_int_t)now->accept_queue_max));
	}
	if (now->have_conntrack)
		json_object_set_new(
			j, "conntrack",
			json_pack("{s:I, s:I, s:I, s:I}", "count", (json_int_t)now->ct_count,
				  "drop", (json_int_t)(now->ct_drop - first->ct_drop), "early_drop",
				  (json_int_t)(now->ct_early_drop - first->ct_early_drop),
				  "insert_failed",
				  (json_int_t)(now->ct_insert_failed - first->ct_insert_failed)));
	json_object_set_new(j, "mem_available_bytes",
			    json_integer((json_int_t)procfs_meminfo_kb("MemAvailable") * 1024));
	json_object_set_new(j, "final", json_boolean(final));
	return j;
}

struct watch_args {
	uint64_t interval, every, duration;
	int fd, six;
	uint32_t saddr;
	struct addr6 saddr6;
	struct port_list sports;
};

/* ADDRESS:PORTS, an IPv6 address in brackets: [2001:db8::1]:80 */
static int parse_service(const char *v, struct watch_args *w)
{
	char a[64], err[200];
	int br = v[0] == '[';
	const char *close = br ? strchr(v, ']') : NULL,
		   *colon = br ? (close && close[1] == ':' ? close + 1 : NULL) : strchr(v, ':');

	if (!br && colon && strchr(colon + 1, ':'))
		colon = NULL; /* an IPv6 address without its brackets */
	if (!colon || (size_t)(colon - v) >= sizeof(a))
		return cli_usage_error(
			&command_watch,
			"--service: expected ADDRESS:PORTS (an IPv6 address in brackets: [2001:db8::1]:80), got '%s'",
			v);
	snprintf(a, sizeof(a), "%.*s", (int)(colon - v) - 2 * br, v + br);
	if (addr_parse(a, &w->six, &w->saddr, &w->saddr6, err, sizeof(err)) ||
	    units_parse_ports(colon + 1, &w->sports, err, sizeof(err)))
		return cli_usage_error(&command_watch, "--service: %s", err);
	return EXIT_OK;
}

/* One option and its value: EXIT_OK, or a usage error said. */
static int watch_option(int opt, const char *v, struct watch_args *w)
{
	char err[200];
	uint64_t n;

	switch (opt) {
	case 'i':
		if (units_parse_duration(v, &w->interval, err, sizeof(err)) || w->interval < 10000)
			return cli_usage_error(&command_watch, "--interval: %s",
					       w->interval < 10000 ? "at least 10ms" : err);
		return EXIT_OK;
	case 'e':
		if (units_parse_duration(v, &w->every, err, sizeof(err)))
			return cli_usage_error(&command_watch, "--states-every: %s", err);
		return EXIT_OK;
	case 'd':
		if (units_parse_duration(v, &w->duration, err, sizeof(err)) || !w->duration)
			return cli_usage_error(
				&command_watch, "--duration: %s",
				w->duration ? err : "a watch always ends: give a duration");
		return EXIT_OK;
	case 'f':
		if (units_parse_uint(v, &n, err, sizeof(err)) || n > 1000000)
			return cli_usage_error(&command_watch,
					       "--stats-fd: expected a descriptor number, got '%s'",
					       v);
		w->fd = (int)n;
		return EXIT_OK;
	default:
		return parse_service(v, w);
	}
}

static int parse_watch(int argc, char **argv, struct watch_args *w)
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "states-every", required_argument, NULL, 'e' },
		{ "duration", required_argument, NULL, 'd' },
		{ "service", required_argument, NULL, 'S' },
		{ "stats-fd", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt, rc;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":i:e:d:f:S:h", opts, NULL)) != -1) {
		if (opt == 'h')
			return cli_help(&command_watch);
		if (opt == ':' || opt == '?')
			return cli_option_error(&command_watch, opt, argv);
		if ((rc = watch_option(opt, optarg, w)) != EXIT_OK)
			return rc;
	}
	if (optind < argc)
		return cli_usage_error(&command_watch, "unexpected argument '%s'", argv[optind]);
	return -1; /* go on */
}

/* Samples until the duration, a signal or a reader that went away. */
static void watch_loop(struct sampler_netns *s, const struct watch_args *w,
		       const struct netns_sample *first, FILE *out)
{
	uint64_t start = clock_now_ns(), next_dump = 0;
	static struct netns_sample now;

	for (uint64_t k = 1;; k++) {
		uint64_t at = start + k * w->interval * 1000, t = clock_now_ns();
		int final = 0;
		json_t *j;
		char *line;

		while (!stop && t < at && t - start < w->duration * 1000) {
			poll(NULL, 0, (int)((at - t) / 1000000 + 1));
			t = clock_now_ns();
		}
		final = stop || t - start >= w->duration * 1000;
		memset(&now, 0, sizeof(now));
		if (sampler_read(s, &now))
			return;
		if (final || (w->every && t >= next_dump)) {
			if (sampler_dump_states(s, ~0u, &now) == 0)
				now.have_states = 1;
			next_dump = t + w->every * 1000;
		}
		j = sample_json((double)(t - start) / 1e9, &now, first, final, w->saddr || w->six);
		line = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
		json_decref(j);
		if (!line || fprintf(out, "%s\n", line) < 0 || fflush(out) || final) {
			free(line);
			return; /* the last line, or nobody reads: stop */
		}
		free(line);
	}
}

static int cmd_watch(int argc, char **argv)
{
	static struct watch_args w;
	static struct netns_sample first;
	struct sampler_netns s;
	struct sigaction sa = { .sa_handler = on_stop };
	int e;
	FILE *out;

	w = (struct watch_args){
		.interval = 1000000, .every = 5000000, .duration = 60000000, .fd = 1
	};
	if ((e = parse_watch(argc, argv, &w)) >= 0)
		return e;
	out = fdopen(dup(w.fd), "w");
	if (!out) {
		log_msg(LOGL_ERROR, "cannot write to descriptor %d: %s", w.fd, strerror(errno));
		return EXIT_CANNOT_RUN;
	}
	e = sampler_netns_open(&s, -1);
	if (e) {
		log_msg(LOGL_ERROR, "cannot read this namespace's kernel figures: %s",
			strerror(-e));
		fclose(out);
		return EXIT_CANNOT_RUN;
	}
	s.service_addr = w.saddr;
	s.service6 = w.six;
	s.service_addr6 = w.saddr6;
	s.ipv6 |= w.six; /* the dumps walk IPv6 sockets too */
	s.service_ports = w.sports.port;
	s.service_nports = w.sports.n;
	/* a reader that went away ends the watch (write fails: EPIPE) */
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	memset(&first, 0, sizeof(first));
	e = sampler_read(&s, &first);
	if (e)
		log_msg(LOGL_ERROR, "cannot read /proc/net/sockstat, snmp or netstat here");
	else
		watch_loop(&s, &w, &first, out);
	sampler_netns_close(&s);
	fclose(out);
	return e ? EXIT_CANNOT_RUN : EXIT_OK;
}
