/* main.c - connlab's entry point: the table of commands and help. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "expect.h"
#include "log.h"

#ifndef CONNLAB_VERSION
#define CONNLAB_VERSION "0.0.0"
#endif

const struct command commands[] = {
	{ "run", "run a lab: build it, load it, measure, tear down, write the results",
	  "connlab run [LAB] [--set SECTION.KEY=VALUE]... [--out DIR] [--keep]",
	  "Runs LAB (the built-in default lab without one): preflight, build the\n"
	  "namespaces, start the servers and wait until they listen, ping and probe\n"
	  "from the probe namespace, start the floods (ramp), hold for lab.duration\n"
	  "(or churn), drain, tear down. The kernel of every lab namespace is sampled\n"
	  "each lab.interval. Results go to runs/<UTC time>-<lab>/: result.json,\n"
	  "timeline.csv, junit.xml and children.log; the summary is printed.\n"
	  "\n"
	  "Options:\n"
	  "  -s, --set SECTION.KEY=VALUE  override a key of the lab file (repeatable)\n"
	  "  -o, --out DIR                the run directory (it must not hold a run)\n"
	  "  -k, --keep                   name the namespaces (connlab-LAB-*) so that they\n"
	  "                               can be entered with ip netns exec; they stay\n"
	  "                               until 'connlab down LAB'\n"
	  "\n"
	  "Ctrl-C or SIGTERM drains and tears down, and still writes the results; a\n"
	  "second Ctrl-C stops at once. kill -9 leaves nothing behind either.\n"
	  "\n"
	  "Exit status: 0 every expectation holds; 1 an expectation failed; 2 usage or\n"
	  "lab error; 3 the lab could not run (the reason is printed and in\n"
	  "result.json); 130 interrupted.\n",
	  cmd_run },
	{ "report", "show a run's results, or compare two runs",
	  "connlab report RUNDIR | connlab report [-o FILE] RUNDIR_A RUNDIR_B",
	  "With one run directory: prints the run's summary and writes RUNDIR/report.html\n"
	  "again, both from result.json alone (every run writes them; this is for a run\n"
	  "directory copied elsewhere, or a page lost).\n"
	  "With two: the key figures side by side with the change from A to B, and a\n"
	  "comparison page with the charts of both runs overlaid (A solid, B dashed),\n"
	  "written to RUNDIR_B/compare.html or to FILE with -o. For the before and after\n"
	  "of a fix:\n"
	  "\n"
	  "  connlab run lab/time-wait.lab --out runs/before\n"
	  "  connlab run lab/time-wait.lab --set sysctl.net.ipv4.tcp_tw_reuse=1 --out runs/after\n"
	  "  connlab report runs/before runs/after\n"
	  "\n"
	  "  -o, --output FILE   where to write the comparison page\n"
	  "\n"
	  "report.html is one file with no scripts and no links out: open it from disk\n"
	  "or keep it as a CI artifact.\n",
	  cmd_report },
	{ "plan",
	  "show the resolved lab and how it spreads over namespaces, addresses and processes",
	  "connlab plan [LAB] [--set SECTION.KEY=VALUE]... [-c N] [--fd-limit N] [--json]",
	  "Reads LAB (a lab file; without one, the built-in default lab), applies the\n"
	  "--set overrides and prints the resolved lab, with where each value came\n"
	  "from, then the plan: the namespaces and their addresses, how the connections\n"
	  "spread over client addresses, server ports and client namespaces, the\n"
	  "server and flood processes and their file descriptors, a memory estimate,\n"
	  "and why each number is what it is. A plan that cannot work is refused with\n"
	  "the computed fix; the same check runs before every run.\n"
	  "\n"
	  "Options:\n"
	  "  -s, --set SECTION.KEY=VALUE  override a key of the lab file (repeatable):\n"
	  "                               --set clients.connections=5000\n"
	  "                               --set sysctl.net.ipv4.tcp_tw_reuse=1\n"
	  "                               --set 'expect.ping.loss=<= 1%'  (or =off)\n"
	  "  -c, --connections N          the same as --set clients.connections=N\n"
	  "      --fd-limit N             plan for this open-file hard limit instead of\n"
	  "                               this machine's (ulimit -Hn)\n"
	  "      --json                   print the plan as JSON\n"
	  "\n"
	  "Exit status: 0 the plan works, 2 the lab or the plan is wrong (the message\n"
	  "says what to change).\n",
	  cmd_plan },
	{ "up", "build a lab's namespaces, links and addresses, without traffic",
	  "connlab up [LAB] [--set SECTION.KEY=VALUE]... [--foreground | --try]",
	  "Builds the topology of LAB (the built-in default lab without one): a server\n"
	  "namespace, a probe namespace and the client namespaces, each joined to the\n"
	  "server by a veth pair, with the lab's addresses, routes and sysctls. Nothing\n"
	  "is added to the namespace connlab runs in, and no namespace has a route out.\n"
	  "\n"
	  "By default the namespaces are named /run/netns/connlab-LAB-srv, -probe, -c0,\n"
	  "..., so that 'ip netns exec' enters them, and stay until 'connlab down LAB'.\n"
	  "\n"
	  "Options:\n"
	  "  -s, --set SECTION.KEY=VALUE  override a key of the lab file (repeatable)\n"
	  "      --foreground             no names: the lab lives while this command runs\n"
	  "                               (Ctrl-C or SIGTERM ends it; so does kill -9);\n"
	  "                               it prints nsenter commands to enter each namespace\n"
	  "      --try                    build the lab without names, report the time it\n"
	  "                               took, and tear it down\n"
	  "\n"
	  "Exit status: 0 built; 2 lab error, lab already up, or missing privileges;\n"
	  "3 the kernel refused (the message says what).\n",
	  cmd_up },
	{ "down", "remove labs built by 'connlab up'", "connlab down LAB... | --all",
	  "Removes the named namespaces of each LAB (/run/netns/connlab-LAB-*), and so\n"
	  "every veth pair, address and route in them. Processes still running inside\n"
	  "are named (they keep their namespace alive until they exit). Taking down a\n"
	  "lab that is not up says so and succeeds.\n"
	  "\n"
	  "Options:\n"
	  "  -a, --all   every connlab lab\n",
	  cmd_down },
	{ "ls", "list the labs that are up", "connlab ls",
	  "Lists the labs whose named namespaces exist under /run/netns.\n", cmd_ls },
	{ "server", "accept and hold connections (one of the lab's roles; usable alone)",
	  "connlab server [--address A] [--ports P] [--workers N|auto] [--mode M] [options]",
	  "Listens on PORTS of ADDRESS with N worker processes sharing each port\n"
	  "(SO_REUSEPORT) and holds connections at a few hundred bytes each. A worker\n"
	  "near its open-file limit leaves the port group, so that the kernel gives new\n"
	  "connections to the others, and rejoins below 90% of it.\n"
	  "\n"
	  "Options:\n"
	  "  -a, --address A          address to listen on (default 0.0.0.0)\n"
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
	  "  -s, --stats-interval D   a JSON stats line every D (default 1s; 0: only the last)\n"
	  "  -f, --stats-fd N         write stats lines to descriptor N (default 1)\n"
	  "\n"
	  "Stats line: {\"t\", \"role\":\"server\", \"workers\", \"accepted\", \"open\", \"closed\",\n"
	  "\"closed_by_peer\", \"listening\", \"bytes_in\", \"bytes_out\", \"rss_bytes\",\n"
	  "\"errors\": {\"EMFILE\": {\"accept\": n}}, \"errors_total\", \"final\"}; see docs/engines.md.\n",
	  cmd_server },
	{ "flood", "open and hold, or churn, many connections (a lab role; usable alone)",
	  "connlab flood --target A [--ports P] [--source LIST] [--connections N] [--rate R/s] [options]",
	  "Opens connections to TARGET's PORTS from the SOURCE addresses, paced at RATE\n"
	  "with at most INFLIGHT connects in progress, with N worker processes, and\n"
	  "holds them (hold) or closes each once connected (churn). Every socket binds\n"
	  "its source address with IP_BIND_ADDRESS_NO_PORT, so one address can hold\n"
	  "more than 64k connections to several server ports. Always ends: at\n"
	  "--duration, SIGTERM or SIGINT (churn: also when all connections are done),\n"
	  "closing every socket and writing a final stats line.\n"
	  "\n"
	  "Options:\n"
	  "  -t, --target A           server address (required)\n"
	  "  -p, --ports P            server ports: 8081, 8081-8084, 80,8080 (default 8081)\n"
	  "  -S, --source LIST        source addresses: 198.18.1.1-198.18.1.16, a CIDR\n"
	  "                           range or a list; each socket takes the next\n"
	  "                           (default: the kernel chooses)\n"
	  "  -c, --connections N      hold: to open and hold; churn: to open in all (1k)\n"
	  "  -r, --rate R/s           new connections per second, all workers (20k/s),\n"
	  "                           or unlimited\n"
	  "  -i, --inflight N         most connects in progress at once (1000)\n"
	  "  -w, --workers N|auto     processes (default auto: enough for the open-file\n"
	  "                           limit)\n"
	  "  -M, --mode hold|churn    (default hold)\n"
	  "  -C, --closer client|server  churn: who closes first and keeps TIME_WAIT\n"
	  "  -R, --reconnect          hold: reopen connections the server closes\n"
	  "  -B, --beyond-ports       hold: try even when the connections need more local\n"
	  "                           ports than there are (to show EADDRNOTAVAIL)\n"
	  "  -T, --connect-timeout D  a slower connect counts as ETIMEDOUT (10s)\n"
	  "  -d, --duration D         the longest run (default 60s)\n"
	  "  -s, --stats-interval D   a JSON stats line every D (default 1s; 0: only the last)\n"
	  "  -f, --stats-fd N         write stats lines to descriptor N (default 1)\n"
	  "\n"
	  "Stats line: {\"t\", \"role\":\"flood\", \"workers\", \"target\", \"opened\",\n"
	  "\"connecting\", \"established\", \"open\", \"closed\", \"closed_by_peer\",\n"
	  "\"lines_in\", \"bytes_in\", \"connect_us\": {\"count\", \"p50\", \"p90\", \"p99\",\n"
	  "\"p999\", \"max\", \"mean\"}, \"ramp_s\", \"rss_bytes\", \"errors\":\n"
	  "{\"EADDRNOTAVAIL\": {\"connect\": n}}, \"errors_total\", \"final\"}. The first\n"
	  "error of each kind is explained on stderr.\n",
	  cmd_flood },
	{ "help", "show help for a command, the lab file keys or the metrics",
	  "connlab help [COMMAND | labfile | metrics]",
	  "connlab help COMMAND   the options of a command\n"
	  "connlab help labfile   every lab file key with its type, default and range\n"
	  "connlab help metrics   the metric names that [expect] lines can use\n",
	  cmd_help },
	{ 0 },
};

const struct command *command_find(const char *name)
{
	for (const struct command *c = commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static void usage(FILE *out)
{
	fprintf(out,
		"connlab %s - a one-machine lab for connection-scale experiments on Linux\n"
		"\n"
		"usage: connlab <command> [options]\n"
		"       connlab --help | --version\n"
		"\n"
		"Commands:\n",
		CONNLAB_VERSION);
	for (const struct command *c = commands; c->name; c++)
		fprintf(out, "  %-8s %s\n", c->name, c->summary);
	fprintf(out, "\n'connlab help COMMAND' tells more; lab files: 'connlab help labfile'.\n");
}

int cmd_help(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2) {
		usage(stdout);
		return EXIT_OK;
	}
	if (argc > 2)
		return cli_usage_error("help", "one topic at a time");
	if (!strcmp(argv[1], "labfile")) {
		printf("Lab file keys (INI; values with units: 500ms 30s 2m, 100k 1M, 20k/s, 0.1%%):\n");
		lab_keys_write_reference(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "metrics")) {
		printf("Metrics for [expect] lines (METRIC OP VALUE):\n");
		expect_metrics_write(stdout);
		return EXIT_OK;
	}
	c = command_find(argv[1]);
	if (!c)
		return cli_usage_error(
			"help", "no help for '%s': try a command, labfile or metrics", argv[1]);
	printf("usage: %s\n\n%s", c->usage, c->help);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("connlab %s\n", CONNLAB_VERSION);
		return EXIT_OK;
	}
	c = command_find(argv[1]);
	if (!c) {
		if (argv[1][0] == '-')
			return cli_usage_error(NULL, "unknown option '%s'", argv[1]);
		return cli_usage_error(NULL, "unknown command '%s'", argv[1]);
	}
	return c->run(argc - 1, argv + 1);
}
