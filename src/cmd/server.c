/* SPDX-License-Identifier: MIT */
/* server.c - `connlab server`: its options, checked and turned into the engine's
 * configuration; the work is in engine/server.c. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/tlsopt.h"
#include "engine/budget.h"
#include "engine/engine.h"
#include "engine/server.h"
#include "util/log.h"
#include "util/procfs.h"
#include "util/status.h"
#include "util/units.h"

static int cmd_server(int argc, char **argv);

const struct command command_server = {
	.name = "server",
	.summary = "accept and hold connections (one of the lab's roles; usable alone)",
	.usage = "connlab server [--address A] [--ports P] [--workers N|auto] [--mode M] [options]",
	.help = "Listens on PORTS of ADDRESS with N worker processes sharing each port\n"
		"(SO_REUSEPORT) and holds connections at a few hundred bytes each. A worker\n"
		"near its open-file limit leaves the port group, so that the kernel gives new\n"
		"connections to the others, and rejoins below 90% of it.\n"
		"\n"
		"Options:\n"
		"  -a, --address A          address to listen on (default 0.0.0.0): IPv4 or\n"
		"                           IPv6 (2001:2::1, ::); once more for the other\n"
		"                           family (dual stack: IPV6_V6ONLY on the IPv6 one)\n"
		"  -p, --ports P            8081, 8081-8084 or 80,8080 (default 8081)\n"
		"  -w, --workers N|auto     processes (default 1); auto: enough for\n"
		"                           --max-connections under the open-file limit\n"
		"  -m, --max-connections N  what auto plans for (default 10k)\n"
		"  -M, --mode M             keepalive: a welcome line, then \"ok\" every interval\n"
		"                           echo: sends back what it reads\n"
		"                           close: writes \"bye\" and closes first (TIME_WAIT here)\n"
		"                           silent: never reads or closes (CLOSE_WAIT here)\n"
		"                           noaccept: listens, never accepts (accept queue fills)\n"
		"  -i, --interval D         keepalive line interval (default 10s)\n"
		"  -b, --backlog N          listen backlog (default 4096; capped by somaxconn)\n"
		"  -d, --duration D         stop after D (default: at SIGTERM or SIGINT)\n"
		"  -k, --keep-going         a worker that a signal ends leaves the others\n"
		"                           running (default: every worker stops)\n"
		"  -s, --stats-interval D   a JSON stats line every D (default 1s; 0: only the last)\n"
		"  -f, --stats-fd N         write stats lines to descriptor N (default 1)\n"
		"\n"
		"TLS:\n" TLSOPT_HELP_SERVER "\n"
		"Stats line: {\"t\", \"role\":\"server\", \"workers\", \"accepted\", \"open\", \"closed\",\n"
		"\"accepted_by_worker\", \"workers_lost\", \"closed_by_peer\", \"listening\", \"bytes_in\",\n"
		"\"bytes_out\", \"rss_bytes\", \"cpu_s\", \"tls\", \"errors\": {\"EMFILE\": {\"accept\": n}},\n"
		"\"errors_total\", \"final\"}; see docs/engines.md.\n",
	.run = cmd_server,
};

struct server_args {
	struct server_cfg cfg;
	struct tls_cfg tls;
	struct engine_opts eo;
	uint64_t workers, max_conn;
	int auto_workers;
};

/* One option and its value: EXIT_OK, or a usage error said. */
static int server_option(int opt, const char *v, struct server_args *a)
{
	struct server_cfg *cfg = &a->cfg;
	char err[256];
	uint64_t n;

	switch (opt) {
	case 'a':
		return cli_addr_option(&command_server, "--address", v, &cfg->address, &cfg->has4,
				       &cfg->address6, &cfg->has6);
	case 'p':
		if (units_parse_ports(v, &cfg->ports, err, sizeof(err)))
			return cli_usage_error(&command_server, "--ports: %s", err);
		return EXIT_OK;
	case 'w':
		a->auto_workers = !strcmp(v, "auto");
		if (!a->auto_workers && (units_parse_count(v, &a->workers, err, sizeof(err)) ||
					 !a->workers || a->workers > 1024))
			return cli_usage_error(&command_server,
					       "--workers: expected 1 to 1024 or auto, got '%s'",
					       v);
		return EXIT_OK;
	case 'm':
		if (units_parse_count(v, &a->max_conn, err, sizeof(err)) || !a->max_conn)
			return cli_usage_error(&command_server, "--max-connections: %s",
					       a->max_conn ? err : "must be at least 1");
		return EXIT_OK;
	case 'M':
		if (server_mode_parse(v, &cfg->mode, err, sizeof(err)))
			return cli_usage_error(&command_server, "--mode: %s", err);
		return EXIT_OK;
	case 'i':
		if (units_parse_duration(v, &cfg->interval_us, err, sizeof(err)) ||
		    cfg->interval_us < 16000)
			return cli_usage_error(&command_server, "--interval: %s",
					       cfg->interval_us < 16000 ? "at least 16ms" : err);
		return EXIT_OK;
	case 'd':
		if (units_parse_duration(v, &cfg->duration_us, err, sizeof(err)))
			return cli_usage_error(&command_server, "--duration: %s", err);
		return EXIT_OK;
	case 'k':
		a->eo.keep_going = 1;
		return EXIT_OK;
	case 'b':
		if (units_parse_count(v, &n, err, sizeof(err)) || !n || n > 65535)
			return cli_usage_error(&command_server,
					       "--backlog: expected 1 to 65535, got '%s'", v);
		cfg->backlog = (unsigned)n;
		return EXIT_OK;
	case 's':
	case 'f':
		return cli_engine_option(&command_server, opt, v, &a->eo) ? EXIT_USAGE : EXIT_OK;
	default:
		return tlsopt_parse(&command_server, opt, v, &a->tls) ? EXIT_USAGE : EXIT_OK;
	}
}

static int cmd_server(int argc, char **argv)
{
	static const struct option own[] = {
		{ "address", required_argument, NULL, 'a' },
		{ "ports", required_argument, NULL, 'p' },
		{ "workers", required_argument, NULL, 'w' },
		{ "max-connections", required_argument, NULL, 'm' },
		{ "mode", required_argument, NULL, 'M' },
		{ "interval", required_argument, NULL, 'i' },
		{ "duration", required_argument, NULL, 'd' },
		{ "backlog", required_argument, NULL, 'b' },
		{ "keep-going", no_argument, NULL, 'k' },
		{ "stats-interval", required_argument, NULL, 's' },
		{ "stats-fd", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
	};
	static struct option opts[sizeof(own) / sizeof(own[0]) + TLSOPT_COUNT + 1];
	static struct server_args a;
	int opt, rc;

	memcpy(opts, own, sizeof(own));
	memcpy(opts + sizeof(own) / sizeof(own[0]), tlsopt_options, sizeof(tlsopt_options));

	a = (struct server_args){
		.cfg = { .ports = { .n = 1, .port = { 8081 } },
			 .interval_us = 10000000,
			 .backlog = 4096 },
		.eo = { .role = "server", .stats_interval_us = 1000000, .stats_fd = 1 },
		.tls = { .resume_permille = 1000 },
		.workers = 1,
		.max_conn = 10000,
	};
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":a:p:w:m:M:i:d:b:ks:f:h", opts, NULL)) != -1) {
		if (opt == 'h')
			return cli_help(&command_server);
		if (opt == ':' || opt == '?')
			return cli_option_error(&command_server, opt, argv);
		if ((rc = server_option(opt, optarg, &a)) != EXIT_OK)
			return rc;
	}
	if (optind < argc)
		return cli_usage_error(&command_server, "unexpected argument '%s'", argv[optind]);
	if (!a.cfg.has4 && !a.cfg.has6)
		a.cfg.has4 = 1; /* 0.0.0.0 */
	a.cfg.fd_limit = procfs_nofile_raise();
	if (a.cfg.fd_limit < 256) {
		log_msg(LOGL_ERROR,
			"the open-file limit is %llu; raise it (ulimit -n) to at least 256",
			(unsigned long long)a.cfg.fd_limit);
		return EXIT_USAGE;
	}
	if (a.auto_workers)
		a.workers = budget_server_workers(a.max_conn, budget_fd_usable(a.cfg.fd_limit),
						  a.cfg.ports.n);
	if ((rc = tlsopt_finish(&command_server, &a.tls, 1, &a.cfg.tls_ctx)) != EXIT_OK)
		return rc;
	a.cfg.tls_lib = a.tls.on ? a.tls.lib : NULL;
	a.eo.tls = a.tls.on;
	a.eo.workers = (unsigned)a.workers;
	a.eo.worker = server_worker;
	a.eo.arg = &a.cfg;
	rc = engine_run(&a.eo);
	if (a.cfg.tls_ctx)
		a.tls.lib->ctx_free(a.cfg.tls_ctx);
	return rc;
}
