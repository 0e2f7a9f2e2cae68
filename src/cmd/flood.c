/* SPDX-License-Identifier: MIT */
/* flood.c - `connlab flood`: its options, checked and turned into the engine's
 * configuration; the work is in engine/flood.c. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <getopt.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/floodargs.h"
#include "cmd/tlsopt.h"
#include "engine/budget.h"
#include "engine/endsock.h"
#include "engine/engine.h"
#include "engine/flood.h"
#include "host/host.h"
#include "util/clock.h"
#include "util/text.h"
#include "util/log.h"
#include "util/procfs.h"
#include "util/status.h"
#include "util/units.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif
#ifndef CONNLAB_VERSION
#define CONNLAB_VERSION "0.0.0"
#endif

static int cmd_flood(int argc, char **argv);

const struct command command_flood = {
	.name = "flood",
	.summary = "open and hold, or churn, many connections (a lab role; usable alone)",
	.usage =
		"connlab flood --target A [--ports P] [--source LIST] [--connections N] [--rate R/s] [options]",
	.help = "Opens connections to TARGET's PORTS from the SOURCE addresses, paced at RATE\n"
		"with at most INFLIGHT connects in progress, with N worker processes, and\n"
		"holds them (hold) or closes each once connected (churn). Every socket binds\n"
		"its source address with IP_BIND_ADDRESS_NO_PORT, so one address can hold\n"
		"more than 64k connections to several server ports. Always ends: at\n"
		"--duration, SIGTERM or SIGINT (churn: also when all connections are done),\n"
		"closing every socket and writing a final stats line.\n"
		"\n"
		"Options:\n"
		"  -t, --target A           server address (required): IPv4 or IPv6; once more\n"
		"                           for the other family (dual stack)\n"
		"  -p, --ports P            server ports: 8081, 8081-8084, 80,8080 (default 8081)\n"
		"  -S, --source LIST        source addresses: 198.18.1.1-198.18.1.16, a CIDR\n"
		"                           range or a list; each socket takes the next\n"
		"                           (default: the kernel chooses); IPv6 sources the\n"
		"                           same way (2001:2::10-2001:2::1f, 2001:2::100/120),\n"
		"                           given with their own --source\n"
		"  -6, --ipv6-share P       with both families: the share of connections over\n"
		"                           IPv6 (default 50%)\n"
		"  -c, --connections N      hold: to open and hold; churn: to open in all (1k)\n"
		"  -r, --rate R/s           new connections per second, all workers (20k/s),\n"
		"                           or unlimited\n"
		"  -i, --inflight N         most connects in progress at once (1000)\n"
		"  -w, --workers N|auto     processes (default auto: enough for the open-file\n"
		"                           limit)\n"
		"  -M, --mode hold|churn    (default hold)\n"
		"  -C, --closer client|server  churn: who closes first and keeps TIME_WAIT\n"
		"  -R, --reconnect P        hold: a connection the server closes or resets\n"
		"                           is opened again: off (default), immediate, or\n"
		"                           backoff[:BASE:MAX[:JITTER]] (100ms:30s:full)\n"
		"  -m, --message TEXT       send TEXT (escapes \\r \\n \\t \\xNN): hold: on every\n"
		"                           connection once per --message-interval; churn:\n"
		"                           once after connecting, closed after the reply\n"
		"  -I, --message-interval D hold: each connection's interval, spread evenly (10s)\n"
		"  -y, --reply R            what ends a reply: line (default), bytes:N, close,\n"
		"                           none; one message outstanding per connection\n"
		"  -Y, --reply-timeout D    a later reply counts as missing (default: none)\n"
		"  -B, --beyond-ports       hold: try even when the connections need more local\n"
		"                           ports than there are (to show EADDRNOTAVAIL)\n"
		"  -T, --connect-timeout D  a slower connect counts as ETIMEDOUT (10s)\n"
		"  -d, --duration D         the longest run (default 60s)\n"
		"  -H, --hold D             hold: stop D after the connections are up (or after\n"
		"                           --ramp-timeout when they are not); for hosts that no\n"
		"                           launcher stops\n"
		"      --ramp-timeout D     with --hold (default 5m)\n"
		"  -x, --share R/N          host R (0 to N-1) of N: take this host's share of\n"
		"                           --connections, --rate and --inflight (connlab fleet)\n"
		"      --end-name NAME      with --hold: also end the hold when told by\n"
		"                           connlab flood --end NAME on this host (connlab fleet;\n"
		"                           --hold stays the bound)\n"
		"      --end NAME           tell the flood of --end-name NAME here to end its\n"
		"                           hold, and wait until it has: 0 it did, 1 no such\n"
		"                           flood, 3 it did not end in time (stopped?) and was\n"
		"                           ended by signal\n"
		"      --end-at T           with --end: at T, seconds since 1970 (this host's\n"
		"                           clock; default now)\n"
		"      --end-grace D        with --end: how long past its end the flood may\n"
		"                           take before it is signalled (default 10s)\n"
		"      --check              check the sources, ports and limits, print one JSON\n"
		"                           line and exit: 0 when it would run, 3 when not\n"
		"  -s, --stats-interval D   a JSON stats line every D (default 1s; 0: only the last)\n"
		"  -f, --stats-fd N         write stats lines to descriptor N (default 1)\n"
		"\n"
		"TLS:\n" TLSOPT_HELP_FLOOD "\n"
		"Stats line: {\"t\", \"role\":\"flood\", \"workers\", \"target\", \"opened\",\n"
		"\"connecting\", \"established\", \"open\", \"closed\", \"closed_by_peer\",\n"
		"\"lines_in\", \"bytes_in\", \"connect_us\": {\"count\", \"p50\", \"p90\", \"p99\",\n"
		"\"p999\", \"max\", \"mean\"}, \"ramp_s\", \"rss_bytes\", \"errors\":\n"
		"{\"EADDRNOTAVAIL\": {\"connect\": n}}, \"errors_total\", \"final\"}. The first\n"
		"error of each kind is explained on stderr. Every source address must be on\n"
		"this host: the missing ones are named, and nothing starts.\n",
	.run = cmd_flood,
};

static int set_target(struct flood_args *a, const char *v, char *err, size_t len)
{
	a->have_target = 1;
	return cli_addr_parse(v, &a->cfg.target, &a->cfg.has4, &a->cfg.target6, &a->cfg.has6, err,
			      len);
}

static int set_ipv6_share(struct flood_args *a, const char *v, char *err, size_t len)
{
	if (units_parse_percent(v, &a->share6, err, len) || a->share6 > 1) {
		snprintf(err, len, "expected 0%% to 100%%, got '%s'", v);
		return -1;
	}
	return 0;
}

static int set_ports(struct flood_args *a, const char *v, char *err, size_t len)
{
	return units_parse_ports(v, &a->cfg.ports, err, len);
}

static int set_source(struct flood_args *a, const char *v, char *err, size_t len)
{
	struct flood_cfg *c = &a->cfg;

	if (addr_is_ipv6(v)) {
		if (c->src6) {
			snprintf(err, len, "one IPv6 --source list");
			return -1;
		}
		c->src6 = a->sources6;
		return addr_parse_list6(v, a->sources6, SOURCES_MAX, &c->nsrc6, err, len);
	}
	if (c->src) {
		snprintf(err, len, "one IPv4 --source list");
		return -1;
	}
	c->src = a->sources;
	return addr_parse_list(v, a->sources, SOURCES_MAX, &c->nsrc, err, len);
}

/* a count of at least 1 */
static int count_1(const char *v, uint64_t *n, char *err, size_t len)
{
	if (units_parse_count(v, n, err, len))
		return -1;
	if (!*n)
		snprintf(err, len, "must be at least 1");
	return *n ? 0 : -1;
}

static int set_connections(struct flood_args *a, const char *v, char *err, size_t len)
{
	return count_1(v, &a->cfg.connections, err, len);
}

static int set_rate(struct flood_args *a, const char *v, char *err, size_t len)
{
	return units_parse_rate(v, &a->cfg.rate, err, len);
}

static int set_inflight(struct flood_args *a, const char *v, char *err, size_t len)
{
	return count_1(v, &a->cfg.inflight, err, len);
}

static int set_workers(struct flood_args *a, const char *v, char *err, size_t len)
{
	a->workers = 0;
	if (!strcmp(v, "auto"))
		return 0;
	if (units_parse_count(v, &a->workers, err, len) || !a->workers || a->workers > 4096) {
		snprintf(err, len, "expected 1 to 4096 or auto, got '%s'", v);
		return -1;
	}
	return 0;
}

static int set_mode(struct flood_args *a, const char *v, char *err, size_t len)
{
	return client_mode_parse(v, &a->cfg.mode, err, len);
}

static int set_closer(struct flood_args *a, const char *v, char *err, size_t len)
{
	return closer_parse(v, &a->cfg.closer, err, len);
}

/* a duration of at least min_us */
static int duration_min(const char *v, uint64_t *us, uint64_t min_us, const char *below, char *err,
			size_t len)
{
	if (units_parse_duration(v, us, err, len))
		return -1;
	if (*us < min_us)
		snprintf(err, len, "%s", below);
	return *us < min_us ? -1 : 0;
}

static int set_duration(struct flood_args *a, const char *v, char *err, size_t len)
{
	return duration_min(v, &a->cfg.duration_us, 1,
			    "a flood always ends: give a duration such as 60s", err, len);
}

static int set_connect_timeout(struct flood_args *a, const char *v, char *err, size_t len)
{
	return duration_min(v, &a->cfg.connect_timeout_us, 1000, "at least 1ms", err, len);
}

static int set_reconnect(struct flood_args *a, const char *v, char *err, size_t len)
{
	return reconnect_policy_parse(v, &a->cfg.reconnect, err, len);
}

static int set_beyond(struct flood_args *a, const char *v, char *err, size_t len)
{
	(void)v, (void)err, (void)len;
	a->beyond = 1;
	return 0;
}

static int set_message(struct flood_args *a, const char *v, char *err, size_t len)
{
	if (text_unescape(v, a->message, sizeof(a->message), &a->cfg.message_len, err, len))
		return -1;
	a->cfg.message = a->message;
	if (a->cfg.reply == REPLY_NONE && !a->reply_given)
		a->cfg.reply = REPLY_LINE;
	return 0;
}

static int set_message_interval(struct flood_args *a, const char *v, char *err, size_t len)
{
	return duration_min(v, &a->cfg.message_interval_us, 10000, "at least 10ms", err, len);
}

static int set_reply(struct flood_args *a, const char *v, char *err, size_t len)
{
	a->reply_given = 1;
	return flood_reply_parse(v, &a->cfg.reply, &a->cfg.reply_bytes, err, len);
}

static int set_reply_timeout(struct flood_args *a, const char *v, char *err, size_t len)
{
	return units_parse_duration(v, &a->cfg.reply_timeout_us, err, len);
}

static int set_stats_interval(struct flood_args *a, const char *v, char *err, size_t len)
{
	return cli_engine_parse('s', v, &a->eo, err, len);
}

static int set_stats_fd(struct flood_args *a, const char *v, char *err, size_t len)
{
	return cli_engine_parse('f', v, &a->eo, err, len);
}

static int set_hold(struct flood_args *a, const char *v, char *err, size_t len)
{
	return duration_min(v, &a->hold_us, 1, "must be more than 0", err, len);
}

static int set_ramp_timeout(struct flood_args *a, const char *v, char *err, size_t len)
{
	return duration_min(v, &a->ramp_timeout_us, 1, "must be more than 0", err, len);
}

/* The options: the long name, the short one, whether it takes a value,
 * and its setter (the help text lists them in the same order). */
static const struct flood_option {
	const char *name;
	int key, arg;
	flood_set set;
} flood_options[] = {
	{ "target", 't', 1, set_target },
	{ "ports", 'p', 1, set_ports },
	{ "source", 'S', 1, set_source },
	{ "ipv6-share", '6', 1, set_ipv6_share },
	{ "connections", 'c', 1, set_connections },
	{ "rate", 'r', 1, set_rate },
	{ "inflight", 'i', 1, set_inflight },
	{ "workers", 'w', 1, set_workers },
	{ "mode", 'M', 1, set_mode },
	{ "closer", 'C', 1, set_closer },
	{ "reconnect", 'R', 1, set_reconnect },
	{ "message", 'm', 1, set_message },
	{ "message-interval", 'I', 1, set_message_interval },
	{ "reply", 'y', 1, set_reply },
	{ "reply-timeout", 'Y', 1, set_reply_timeout },
	{ "beyond-ports", 'B', 0, set_beyond },
	{ "connect-timeout", 'T', 1, set_connect_timeout },
	{ "duration", 'd', 1, set_duration },
	{ "hold", 'H', 1, set_hold },
	{ "ramp-timeout", 'E', 1, set_ramp_timeout },
	{ "share", 'x', 1, flood_set_share },
	{ "end-name", 'N', 1, flood_set_end_listen },
	{ "end", 'e', 1, flood_set_end_tell },
	{ "end-at", 'A', 1, flood_set_end_at },
	{ "end-grace", 'G', 1, flood_set_end_grace },
	{ "check", 'K', 0, flood_set_check },
	{ "stats-interval", 's', 1, set_stats_interval },
	{ "stats-fd", 'f', 1, set_stats_fd },
};
#define NOPTIONS (sizeof(flood_options) / sizeof(flood_options[0]))

/* The options through getopt_long, each by its setter: 0, or an exit
 * status (a usage error said), or -1 when help was printed. */
static int parse_options(int argc, char **argv, struct flood_args *a)
{
	struct option lo[NOPTIONS + TLSOPT_COUNT + 2] = { { 0 } };
	char short_[3 * NOPTIONS + 4] = ":", err[256];
	size_t o = 1;
	int opt, idx;

	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct flood_option *f = &flood_options[i];

		lo[i] = (struct option){ f->name, f->arg ? required_argument : no_argument, NULL,
					 f->key };
		short_[o++] = (char)f->key;
		if (f->arg)
			short_[o++] = ':';
	}
	memcpy(lo + NOPTIONS, tlsopt_options, sizeof(tlsopt_options));
	lo[NOPTIONS + TLSOPT_COUNT] = (struct option){ "help", no_argument, NULL, 'h' };
	strcpy(short_ + o, "h");
	opterr = 0;
	while ((opt = getopt_long(argc, argv, short_, lo, &idx)) != -1) {
		size_t i = 0;

		if (opt == 'h')
			return cli_help(&command_flood), -1;
		while (i < NOPTIONS && flood_options[i].key != opt)
			i++;
		if (i == NOPTIONS && opt >= TLSOPT_FIRST) {
			if (tlsopt_parse(&command_flood, opt, optarg, &a->tls))
				return EXIT_USAGE;
			continue;
		}
		if (i == NOPTIONS) /* ':' a missing value, '?' an unknown option */
			return cli_option_error(&command_flood, opt, argv);
		if (flood_options[i].set(a, optarg, err, sizeof(err)))
			return cli_usage_error(&command_flood, "--%s: %s", flood_options[i].name,
					       err);
	}
	if (optind < argc)
		return cli_usage_error(&command_flood, "unexpected argument '%s'", argv[optind]);
	return EXIT_OK;
}

/* What the options mean together: 0, or an exit status after saying why. */
static int finish_options(struct flood_args *a)
{
	struct flood_cfg *c = &a->cfg;

	if (c->message && c->mode == CLIENT_HOLD && !c->message_interval_us)
		c->message_interval_us = 10000000; /* a heartbeat every 10 s */
	if (!c->message && (c->message_interval_us || a->reply_given || c->reply_timeout_us))
		return cli_usage_error(
			&command_flood,
			"--message-interval, --reply and --reply-timeout need --message");
	if (!a->have_target)
		return cli_usage_error(&command_flood, "--target ADDRESS is required");
	if (a->hold_us && c->mode != CLIENT_HOLD)
		return cli_usage_error(&command_flood, "--hold is for --mode hold");
	if (a->end_name[0] && !a->hold_us)
		return cli_usage_error(&command_flood, "--end-name needs --hold (the bound)");
	if (a->hosts) {
		c->connections = budget_share(c->connections, a->rank, a->hosts);
		if (c->rate)
			c->rate = budget_share_cap(c->rate, a->rank, a->hosts);
		c->inflight = budget_share_cap(c->inflight, a->rank, a->hosts);
		if (!c->connections)
			return cli_usage_error(&command_flood,
					       "--share %s leaves this host no connection",
					       a->share);
		a->eo.share = a->share;
	}
	if ((c->src && !c->has4) || (c->src6 && !c->has6))
		return cli_usage_error(&command_flood, "--source: %s sources need an %s --target",
				       c->src && !c->has4 ? "IPv4" : "IPv6",
				       c->src && !c->has4 ? "IPv4" : "IPv6");
	if (a->share6 >= 0 && !(c->has4 && c->has6))
		return cli_usage_error(&command_flood,
				       "--ipv6-share needs an IPv4 and an IPv6 --target");
	c->ipv6_permille = a->share6 >= 0 ? (unsigned)(a->share6 * 1000 + 0.5) : 500;
	if (!c->src) {
		a->sources[0] = 0; /* INADDR_ANY: the kernel picks the source address */
		c->src = a->sources;
		c->nsrc = 1;
	}
	if (!c->src6) { /* in6addr_any */
		memset(&a->sources6[0], 0, sizeof(a->sources6[0]));
		c->src6 = a->sources6;
		c->nsrc6 = 1;
	}
	return EXIT_OK;
}

static int cmd_flood(int argc, char **argv)
{
	static struct flood_args a;
	char missing[512], err[400];
	size_t n;
	int rc;

	a = (struct flood_args){
		.cfg = { .ports = { .n = 1, .port = { 8081 } },
			 .connections = 1000,
			 .rate = 20000,
			 .inflight = 1000,
			 .duration_us = 60000000,
			 .connect_timeout_us = 10000000 },
		.eo = { .role = "flood", .stats_interval_us = 1000000, .stats_fd = 1 },
		.ramp_timeout_us = 300000000,
		.share6 = -1,
		.end_grace_s = 10,
		.tls = { .resume_permille = 1000 },
	};
	if ((rc = parse_options(argc, argv, &a)) != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	if (a.end_tell[0]) {
		rc = endsock_tell(a.end_tell, a.end_at, a.end_grace_s, err, sizeof(err));
		if (rc)
			log_msg(LOGL_ERROR, "%s", err);
		return !rc ? EXIT_OK : rc == -ECONNREFUSED ? EXIT_EXPECT_FAILED : EXIT_CANNOT_RUN;
	}
	if ((rc = finish_options(&a)) != EXIT_OK)
		return rc;
	/* the arguments first, then what this host has */
	if (!a.check && host_flood_fits(&a.cfg, a.beyond, &a.workers, err, sizeof(err))) {
		log_msg(LOGL_ERROR, "%s", err);
		return EXIT_USAGE;
	}
	n = host_sources_missing(&a.cfg, missing, sizeof(missing));
	if (a.check)
		return flood_check_line(&a, n, missing);
	if (n) {
		log_msg(LOGL_ERROR,
			"%zu of the %zu source addresses are not on this host: %s; add them (ip addr add ADDRESS dev lo, or one local route for a range: ip route add local 10.1.0.0/24 dev lo, or 2001:db8:1::/64), or give --source addresses it has",
			n, (a.cfg.has4 ? a.cfg.nsrc : 0) + (a.cfg.has6 ? a.cfg.nsrc6 : 0), missing);
		return EXIT_CANNOT_RUN;
	}
	if ((rc = tlsopt_finish(&command_flood, &a.tls, 0, &a.cfg.tls_ctx)) != EXIT_OK)
		return rc;
	a.cfg.tls_lib = a.tls.on ? a.tls.lib : NULL;
	a.cfg.tls_resume_permille = a.tls.resume ? a.tls.resume_permille : 0;
	a.eo.tls = a.tls.on;
	a.cfg.workers = (unsigned)a.workers;
	a.eo.workers = a.cfg.workers;
	a.eo.target = a.cfg.connections;
	a.eo.hold_us = a.hold_us;
	a.eo.ramp_timeout_us = a.ramp_timeout_us;
	a.eo.end_name = a.end_name[0] ? a.end_name : NULL;
	a.eo.worker = flood_worker;
	a.eo.arg = &a.cfg;
	rc = engine_run(&a.eo);
	if (a.cfg.tls_ctx)
		a.tls.lib->ctx_free(a.cfg.tls_ctx);
	return rc;
}
