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
#include "engine/budget.h"
#include "engine/engine.h"
#include "engine/flood.h"
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
		"                           IPv6 (default 50%%)\n"
		"  -c, --connections N      hold: to open and hold; churn: to open in all (1k)\n"
		"  -r, --rate R/s           new connections per second, all workers (20k/s),\n"
		"                           or unlimited\n"
		"  -i, --inflight N         most connects in progress at once (1000)\n"
		"  -w, --workers N|auto     processes (default auto: enough for the open-file\n"
		"                           limit)\n"
		"  -M, --mode hold|churn    (default hold)\n"
		"  -C, --closer client|server  churn: who closes first and keeps TIME_WAIT\n"
		"  -R, --reconnect          hold: reopen connections the server closes\n"
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
		"      --check              check the sources, ports and limits, print one JSON\n"
		"                           line and exit: 0 when it would run, 3 when not\n"
		"  -s, --stats-interval D   a JSON stats line every D (default 1s; 0: only the last)\n"
		"  -f, --stats-fd N         write stats lines to descriptor N (default 1)\n"
		"\n"
		"Stats line: {\"t\", \"role\":\"flood\", \"workers\", \"target\", \"opened\",\n"
		"\"connecting\", \"established\", \"open\", \"closed\", \"closed_by_peer\",\n"
		"\"lines_in\", \"bytes_in\", \"connect_us\": {\"count\", \"p50\", \"p90\", \"p99\",\n"
		"\"p999\", \"max\", \"mean\"}, \"ramp_s\", \"rss_bytes\", \"errors\":\n"
		"{\"EADDRNOTAVAIL\": {\"connect\": n}}, \"errors_total\", \"final\"}. The first\n"
		"error of each kind is explained on stderr. Every source address must be on\n"
		"this host: the missing ones are named, and nothing starts.\n",
	.run = cmd_flood,
};

static int local_port_range(unsigned *lo, unsigned *hi)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "%u %u", lo, hi);
	fclose(f);
	return n == 2 ? 0 : -1;
}

/* Whether the connections fit the local ports and the open-file limit
 * (raised to its hard limit here); workers (0: auto) set. 0, or -1 after
 * saying what to change. */
static int flood_fits(struct flood_cfg *cfg, int beyond, uint64_t *workersp)
{
	uint64_t workers = *workersp, usable;
	unsigned lo, hi;

	/* each family has its own pairs of (source address, server port),
	 * from the one port range (net.ipv4.ip_local_port_range holds for
	 * IPv6 too) */
	for (int six = 0; six < 2; six++) {
		size_t nsrc = six ? cfg->nsrc6 : cfg->nsrc;
		uint64_t conns =
			!cfg->has4 || !cfg->has6
				? cfg->connections
				: (six ? cfg->connections * cfg->ipv6_permille / 1000
				       : cfg->connections -
						   cfg->connections * cfg->ipv6_permille / 1000);

		if (!(six ? cfg->has6 : cfg->has4))
			continue;
		if (cfg->mode == CLIENT_HOLD && !beyond && local_port_range(&lo, &hi) == 0 &&
		    !budget_ports_fit(conns, nsrc, cfg->ports.n, hi - lo + 1)) {
			log_msg(LOGL_ERROR,
				"%llu connections over %zu %ssource %s and %u server %s need more local ports than the %u of %u-%u: use at least %llu source addresses",
				(unsigned long long)conns, nsrc, six ? "IPv6 " : "",
				nsrc == 1 ? "address" : "addresses", cfg->ports.n,
				cfg->ports.n == 1 ? "port" : "ports", hi - lo + 1, lo, hi,
				(unsigned long long)budget_ports_sources(conns, cfg->ports.n,
									 hi - lo + 1));
			return -1;
		}
	}
	cfg->fd_limit = procfs_nofile_raise();
	usable = budget_fd_usable(cfg->fd_limit);
	if (!workers) {
		uint64_t sockets = cfg->mode == CLIENT_HOLD ? cfg->connections : cfg->inflight;

		workers = (sockets + usable - 1) / usable;
	} else if (cfg->mode == CLIENT_HOLD &&
		   (cfg->connections + workers - 1) / workers > usable) {
		log_msg(LOGL_ERROR,
			"%llu connections need at least %llu flood workers with an open-file limit of %llu; use --workers %llu or auto",
			(unsigned long long)cfg->connections,
			(unsigned long long)((cfg->connections + usable - 1) / usable),
			(unsigned long long)cfg->fd_limit,
			(unsigned long long)((cfg->connections + usable - 1) / usable));
		return -1;
	}
	*workersp = workers;
	return 0;
}

/* The source addresses this host does not have (a bind to them fails
 * with EADDRNOTAVAIL), as ranges in buf; their number. */
/* sa is not on this host: a bind to it (port 0, as the flood binds)
 * fails with EADDRNOTAVAIL */
static int absent(const struct sockaddr *sa, socklen_t len)
{
	int one = 1, gone = 0, fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0) {
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		gone = bind(fd, sa, len) < 0 && errno == EADDRNOTAVAIL;
		close(fd);
	}
	return gone;
}

static size_t sources_missing(const struct flood_cfg *cfg, char *buf, size_t len)
{
	size_t missing = 0, o = 0;
	uint32_t run_lo = 0, run_hi = 0;
	int in_run = 0;

	buf[0] = 0;
	for (size_t i = 0; i <= cfg->nsrc; i++) {
		int gone = 0;

		if (i < cfg->nsrc && cfg->src[i]) {
			struct sockaddr_in sa = { .sin_family = AF_INET,
						  .sin_addr.s_addr = htonl(cfg->src[i]) };

			gone = absent((struct sockaddr *)&sa, sizeof(sa));
		}
		if (gone) {
			missing++;
			if (in_run && cfg->src[i] == run_hi + 1) {
				run_hi = cfg->src[i];
				continue;
			}
		}
		if (in_run && o < len) { /* the run before this address ends */
			char a[16], b[16];

			o += (size_t)snprintf(
				buf + o, len - o, "%s%s%s%s", o ? "," : "",
				units_fmt_ipv4(run_lo, a, sizeof(a)), run_hi != run_lo ? "-" : "",
				run_hi != run_lo ? units_fmt_ipv4(run_hi, b, sizeof(b)) : "");
			in_run = 0;
		}
		if (gone) {
			run_lo = run_hi = cfg->src[i];
			in_run = 1;
		}
	}
	for (size_t i = 0; i < cfg->nsrc6 && cfg->has6; i++) {
		struct sockaddr_in6 sa = { .sin6_family = AF_INET6 };

		memcpy(&sa.sin6_addr, cfg->src6[i].b, 16);
		if (absent((struct sockaddr *)&sa, sizeof(sa))) {
			char a[INET6_ADDRSTRLEN];

			if (missing++ < 8 && o < len)
				o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? "," : "",
						      units_fmt_ipv6(&cfg->src6[i], a, sizeof(a)));
		}
	}
	if (o >= len && len > 4)
		strcpy(buf + len - 4, "...");
	return missing;
}

/* "R/N": this host's rank and the number of hosts */
static int parse_share(const char *s, unsigned *rank, unsigned *hosts)
{
	char *end;
	unsigned long r = strtoul(s, &end, 10), n;

	if (end == s || *end != '/')
		return -1;
	s = end + 1;
	n = strtoul(s, &end, 10);
	if (end == s || *end || !n || r >= n || n > 100000)
		return -1;
	*rank = (unsigned)r;
	*hosts = (unsigned)n;
	return 0;
}

/* share r of n of a total: n parts that differ by one at most */
static int cmd_flood(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "ports", required_argument, NULL, 'p' },
		{ "source", required_argument, NULL, 'S' },
		{ "connections", required_argument, NULL, 'c' },
		{ "rate", required_argument, NULL, 'r' },
		{ "inflight", required_argument, NULL, 'i' },
		{ "workers", required_argument, NULL, 'w' },
		{ "mode", required_argument, NULL, 'M' },
		{ "closer", required_argument, NULL, 'C' },
		{ "duration", required_argument, NULL, 'd' },
		{ "connect-timeout", required_argument, NULL, 'T' },
		{ "reconnect", no_argument, NULL, 'R' },
		{ "beyond-ports", no_argument, NULL, 'B' },
		{ "message", required_argument, NULL, 'm' },
		{ "message-interval", required_argument, NULL, 'I' },
		{ "reply", required_argument, NULL, 'y' },
		{ "reply-timeout", required_argument, NULL, 'Y' },
		{ "stats-interval", required_argument, NULL, 's' },
		{ "stats-fd", required_argument, NULL, 'f' },
		{ "hold", required_argument, NULL, 'H' },
		{ "ramp-timeout", required_argument, NULL, 'E' },
		{ "share", required_argument, NULL, 'x' },
		{ "check", no_argument, NULL, 'K' },
		{ "ipv6-share", required_argument, NULL, '6' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static struct flood_cfg cfg = { .ports = { .n = 1, .port = { 8081 } },
					.connections = 1000,
					.rate = 20000,
					.inflight = 1000,
					.duration_us = 60000000,
					.connect_timeout_us = 10000000 };
	static uint32_t sources[SOURCES_MAX];
	static struct addr6 sources6[SOURCES_MAX];
	double share6 = -1;
	static char message[4096];
	struct engine_opts eo = { .role = "flood", .stats_interval_us = 1000000, .stats_fd = 1 };
	uint64_t workers = 0, hold_us = 0, ramp_timeout_us = 300000000;
	int have_target = 0, beyond = 0, reply_given = 0, check = 0, opt;
	unsigned rank = 0, hosts = 0;
	static char share[32], missing[512];
	char err[256];

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "t:p:S:c:r:i:w:M:C:d:T:RBm:I:y:Y:s:f:H:E:x:K6:h",
				  opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			if (cli_addr_option(&command_flood, "--target", optarg, &cfg.target,
					    &cfg.has4, &cfg.target6, &cfg.has6))
				return EXIT_USAGE;
			have_target = 1;
			break;
		case '6':
			if (units_parse_percent(optarg, &share6, err, sizeof(err)) || share6 > 1)
				return cli_usage_error(
					&command_flood,
					"--ipv6-share: expected 0%% to 100%%, got '%s'", optarg);
			break;
		case 'p':
			if (units_parse_ports(optarg, &cfg.ports, err, sizeof(err)))
				return cli_usage_error(&command_flood, "--ports: %s", err);
			break;
		case 'S':
			if (units_is_ipv6(optarg)) {
				if (cfg.src6 ||
				    units_parse_addr6_list(optarg, sources6, SOURCES_MAX,
							   &cfg.nsrc6, err, sizeof(err)))
					return cli_usage_error(&command_flood, "--source: %s",
							       cfg.src6 ? "one IPv6 --source list"
									: err);
				cfg.src6 = sources6;
			} else {
				if (cfg.src || units_parse_addr_list(optarg, sources, SOURCES_MAX,
								     &cfg.nsrc, err, sizeof(err)))
					return cli_usage_error(&command_flood, "--source: %s",
							       cfg.src ? "one IPv4 --source list"
								       : err);
				cfg.src = sources;
			}
			break;
		case 'c':
			if (units_parse_count(optarg, &cfg.connections, err, sizeof(err)) ||
			    !cfg.connections)
				return cli_usage_error(&command_flood, "--connections: %s",
						       cfg.connections ? err
								       : "must be at least 1");
			break;
		case 'r':
			if (units_parse_rate(optarg, &cfg.rate, err, sizeof(err)))
				return cli_usage_error(&command_flood, "--rate: %s", err);
			break;
		case 'i':
			if (units_parse_count(optarg, &cfg.inflight, err, sizeof(err)) ||
			    !cfg.inflight)
				return cli_usage_error(&command_flood, "--inflight: %s",
						       cfg.inflight ? err : "must be at least 1");
			break;
		case 'w':
			if (!strcmp(optarg, "auto"))
				workers = 0;
			else if (units_parse_count(optarg, &workers, err, sizeof(err)) ||
				 !workers || workers > 4096)
				return cli_usage_error(
					&command_flood,
					"--workers: expected 1 to 4096 or auto, got '%s'", optarg);
			break;
		case 'M':
			if (client_mode_parse(optarg, &cfg.mode, err, sizeof(err)))
				return cli_usage_error(&command_flood, "--mode: %s", err);
			break;
		case 'C':
			if (closer_parse(optarg, &cfg.closer, err, sizeof(err)))
				return cli_usage_error(&command_flood, "--closer: %s", err);
			break;
		case 'd':
			if (units_parse_duration(optarg, &cfg.duration_us, err, sizeof(err)) ||
			    !cfg.duration_us)
				return cli_usage_error(
					&command_flood, "--duration: %s",
					cfg.duration_us
						? err
						: "a flood always ends: give a duration such as 60s");
			break;
		case 'T':
			if (units_parse_duration(optarg, &cfg.connect_timeout_us, err,
						 sizeof(err)) ||
			    cfg.connect_timeout_us < 1000)
				return cli_usage_error(
					&command_flood, "--connect-timeout: %s",
					cfg.connect_timeout_us < 1000 ? "at least 1ms" : err);
			break;
		case 'R':
			cfg.reconnect = 1;
			break;
		case 'B':
			beyond = 1;
			break;
		case 'm':
			if (units_unescape(optarg, message, sizeof(message), &cfg.message_len, err,
					   sizeof(err)))
				return cli_usage_error(&command_flood, "--message: %s", err);
			cfg.message = message;
			if (cfg.reply == REPLY_NONE && !reply_given)
				cfg.reply = REPLY_LINE;
			break;
		case 'I':
			if (units_parse_duration(optarg, &cfg.message_interval_us, err,
						 sizeof(err)) ||
			    cfg.message_interval_us < 10000)
				return cli_usage_error(
					&command_flood, "--message-interval: %s",
					cfg.message_interval_us < 10000 ? "at least 10ms" : err);
			break;
		case 'y':
			reply_given = 1;
			if (flood_reply_parse(optarg, &cfg.reply, &cfg.reply_bytes, err,
					      sizeof(err)))
				return cli_usage_error(&command_flood, "--reply: %s", err);
			break;
		case 'Y':
			if (units_parse_duration(optarg, &cfg.reply_timeout_us, err, sizeof(err)))
				return cli_usage_error(&command_flood, "--reply-timeout: %s", err);
			break;
		case 's':
		case 'f':
			if (cli_engine_option(&command_flood, opt, optarg, &eo))
				return EXIT_USAGE;
			break;
		case 'H':
			if (units_parse_duration(optarg, &hold_us, err, sizeof(err)) || !hold_us)
				return cli_usage_error(&command_flood, "--hold: %s",
						       hold_us ? err : "must be more than 0");
			break;
		case 'E':
			if (units_parse_duration(optarg, &ramp_timeout_us, err, sizeof(err)) ||
			    !ramp_timeout_us)
				return cli_usage_error(&command_flood, "--ramp-timeout: %s",
						       ramp_timeout_us ? err
								       : "must be more than 0");
			break;
		case 'x':
			if (parse_share(optarg, &rank, &hosts))
				return cli_usage_error(
					&command_flood,
					"--share: expected RANK/HOSTS with RANK from 0 to HOSTS-1, got '%s'",
					optarg);
			snprintf(share, sizeof(share), "%u/%u", rank, hosts);
			break;
		case 'K':
			check = 1;
			break;
		case 'h':
			return cli_help(&command_flood);
		default:
			return cli_usage_error(&command_flood, "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error(&command_flood, "unexpected argument '%s'", argv[optind]);
	if (cfg.message && cfg.mode == CLIENT_HOLD && !cfg.message_interval_us)
		cfg.message_interval_us = 10000000; /* a heartbeat every 10 s */
	if (!cfg.message && (cfg.message_interval_us || reply_given || cfg.reply_timeout_us))
		return cli_usage_error(
			&command_flood,
			"--message-interval, --reply and --reply-timeout need --message");
	if (!have_target)
		return cli_usage_error(&command_flood, "--target ADDRESS is required");
	if (hold_us && cfg.mode != CLIENT_HOLD)
		return cli_usage_error(&command_flood, "--hold is for --mode hold");
	if (hosts) {
		cfg.connections = budget_share(cfg.connections, rank, hosts);
		if (cfg.rate)
			cfg.rate = budget_share_cap(cfg.rate, rank, hosts);
		cfg.inflight = budget_share_cap(cfg.inflight, rank, hosts);
		if (!cfg.connections)
			return cli_usage_error(&command_flood,
					       "--share %s leaves this host no connection", share);
		eo.share = share;
	}
	if ((cfg.src && !cfg.has4) || (cfg.src6 && !cfg.has6))
		return cli_usage_error(&command_flood, "--source: %s sources need an %s --target",
				       cfg.src && !cfg.has4 ? "IPv4" : "IPv6",
				       cfg.src && !cfg.has4 ? "IPv4" : "IPv6");
	if (share6 >= 0 && !(cfg.has4 && cfg.has6))
		return cli_usage_error(&command_flood,
				       "--ipv6-share needs an IPv4 and an IPv6 --target");
	cfg.ipv6_permille = share6 >= 0 ? (unsigned)(share6 * 1000 + 0.5) : 500;
	if (!cfg.src) {
		sources[0] = 0; /* INADDR_ANY: the kernel picks the source address */
		cfg.src = sources;
		cfg.nsrc = 1;
	}
	if (!cfg.src6) { /* in6addr_any */
		memset(&sources6[0], 0, sizeof(sources6[0]));
		cfg.src6 = sources6;
		cfg.nsrc6 = 1;
	}
	/* the arguments first, then what this host has */
	if (!check && flood_fits(&cfg, beyond, &workers))
		return EXIT_USAGE;
	{
		size_t n = sources_missing(&cfg, missing, sizeof(missing));

		if (n && !check) {
			log_msg(LOGL_ERROR,
				"%zu of the %zu source addresses are not on this host: %s; add them (ip addr add ADDRESS dev lo, or one local route for a range: ip route add local 10.1.0.0/24 dev lo, or 2001:db8:1::/64), or give --source addresses it has",
				n, (cfg.has4 ? cfg.nsrc : 0) + (cfg.has6 ? cfg.nsrc6 : 0), missing);
			return EXIT_CANNOT_RUN;
		}
		if (check) {
			json_t *j = json_object();
			char *line;
			int fits;

			fits = !n && flood_fits(&cfg, beyond, &workers) == 0;
			json_object_set_new(j, "role", json_string("check"));
			json_object_set_new(j, "connlab", json_string(CONNLAB_VERSION));
			json_object_set_new(j, "share", hosts ? json_string(share) : json_null());
			json_object_set_new(j, "connections",
					    json_integer((json_int_t)cfg.connections));
			json_object_set_new(j, "sources", json_integer((json_int_t)cfg.nsrc));
			json_object_set_new(j, "sources_missing", json_integer((json_int_t)n));
			json_object_set_new(j, "sources_missing_list", json_string(missing));
			json_object_set_new(j, "fd_limit",
					    json_integer((json_int_t)procfs_nofile_raise()));
			json_object_set_new(j, "workers",
					    fits ? json_integer((json_int_t)workers) : json_null());
			json_object_set_new(j, "ok", json_boolean(fits));
			line = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
			printf("%s\n", line ? line : "{}");
			fflush(stdout);
			free(line);
			json_decref(j);
			return fits ? EXIT_OK : EXIT_CANNOT_RUN;
		}
	}
	cfg.workers = (unsigned)workers;
	eo.workers = cfg.workers;
	eo.target = cfg.connections;
	eo.hold_us = hold_us;
	eo.ramp_timeout_us = ramp_timeout_us;
	eo.worker = flood_worker;
	eo.arg = &cfg;
	return engine_run(&eo);
}
