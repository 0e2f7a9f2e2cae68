/* SPDX-License-Identifier: MIT */
/* up.c - `connlab up`: a lab's topology without traffic, named for
 * `ip netns exec`, or held in the foreground, or built once to see that
 * (and how fast) it builds; rootless, kept by a holder (run/holder.c). */
#define _GNU_SOURCE
#include <dirent.h>
#include <sched.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "run/holder.h"
#include "netns/netns.h"
#include "plan/plan.h"
#include "plan/topology.h"
#include "util/clock.h"
#include "util/log.h"

static int cmd_up(int argc, char **argv);

const struct command command_up = {
	.name = "up",
	.summary = "build a lab's namespaces, links and addresses, without traffic",
	.usage = "connlab up [LAB] [--set SECTION.KEY=VALUE]... [--foreground | --try]",
	.help = "Builds the topology of LAB (the built-in default lab without one): a server\n"
		"namespace, a probe namespace and the client namespaces, each joined to the\n"
		"server by a veth pair, with the lab's addresses, routes and sysctls. Nothing\n"
		"is added to the namespace connlab runs in, and no namespace has a route out.\n"
		"\n"
		"By default the namespaces are named /run/netns/connlab-LAB-srv, -probe, -c0,\n"
		"..., so that 'ip netns exec' enters them, and stay until 'connlab down LAB'.\n"
		"Without root (rootless, in a user namespace of its own) there are no names:\n"
		"a holder process keeps the lab, with a process in each namespace, and up\n"
		"prints 'nsenter --preserve-credentials -U -n -t PID' lines to enter them;\n"
		"ls lists it, down ends it, and so do a kill of the holder and a logout.\n"
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
	.run = cmd_up,
};

static int rootless_view;

static void print_topology(const struct topology *t, const struct plan *p, int named)
{
	char a[16], b[16], name[64], enter[160];
	/* the commands line up: nsenter's (rootless) are the longest */
	int width = rootless_view ? 72 : 48;

	for (unsigned i = 0; i < t->n; i++) {
		if (named) {
			topo_netns_path_name(t->lab, t->netns[i].name, name, sizeof(name));
			snprintf(enter, sizeof(enter), "ip netns exec %s bash", name);
		} else if (rootless_view) {
			snprintf(
				enter, sizeof(enter),
				"nsenter --preserve-credentials -U -t %d --net=/proc/%d/fd/%d bash",
				(int)getpid(), (int)getpid(), t->netns[i].fd);
		} else {
			snprintf(enter, sizeof(enter), "nsenter --net=/proc/%d/fd/%d bash",
				 (int)getpid(), t->netns[i].fd);
		}
		if (i == TOPO_SRV)
			printf("  %-6s %-*s service address %s on lo\n", t->netns[i].name, width,
			       enter, addr_fmt_ipv4(p->service_addr, a, sizeof(a)));
		else if (i == TOPO_PROBE)
			printf("  %-6s %-*s %s\n", t->netns[i].name, width, enter,
			       addr_fmt_ipv4(p->probe_addr, a, sizeof(a)));
		else {
			const struct plan_netns *netns = &p->netns[i - TOPO_CLIENT0];

			printf("  %-6s %-*s %u client %s %s-%s\n", t->netns[i].name, width, enter,
			       netns->n_addr, netns->n_addr == 1 ? "address" : "addresses",
			       addr_fmt_ipv4(netns->first_addr, a, sizeof(a)),
			       addr_fmt_ipv4(netns->first_addr + netns->n_addr - 1, b, sizeof(b)));
		}
	}
}

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

/* Builds the lab: named and left up, held while this command runs
 * (foreground), or built once and timed (try). An exit status. */
static int build(const struct lab *lab, const struct plan *plan, int foreground, int try_only)
{
	static struct topology topo;
	char err[768];
	double t0 = clock_now_s() * 1e3, t1, t2;
	int r = topo_build(lab, plan, !foreground && !try_only, &topo, err, sizeof(err));

	t1 = clock_now_s() * 1e3;
	if (r) {
		fprintf(stderr, "connlab: lab '%s': %s\n", lab->name, err);
		return r == -EEXIST || r == -EPERM || r == -EACCES || r == -EINVAL
			       ? EXIT_USAGE
			       : EXIT_CANNOT_RUN;
	}
	if (try_only) {
		topo_close(&topo);
		t2 = clock_now_s() * 1e3;
		printf("lab '%s': built %u namespaces, %u veth pairs and %u client addresses in %.1f ms; closed in %.1f ms\n",
		       lab->name, topo.n, topo.n - 1, plan->addresses, t1 - t0, t2 - t1);
		return EXIT_OK;
	}
	if (!foreground) {
		topo_close(&topo);
		printf("Lab '%s' is up: %u namespaces built in %.1f ms. Enter one with:\n",
		       lab->name, topo.n, t1 - t0);
		print_topology(&topo, plan, 1);
		printf("Take it down with: connlab down %s\n", lab->name);
		return EXIT_OK;
	}
	printf("Lab '%s' is up while this command runs (%u namespaces, built in %.1f ms); Ctrl-C takes it down. Enter one with:\n",
	       lab->name, topo.n, t1 - t0);
	print_topology(&topo, plan, 0);
	fflush(stdout);
	while (!stop_signal)
		pause();
	topo_close(&topo);
	printf("lab '%s' is down\n", lab->name);
	return EXIT_OK;
}

static int cmd_up(int argc, char **argv)
{
	int rootless = 0;
	static const struct option opts[] = {
		{ "set", required_argument, NULL, 's' },
		{ "foreground", no_argument, NULL, 'F' },
		{ "try", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static struct lab lab;
	static struct plan plan;
	struct cli_sets sets = { 0 };
	struct plan_env env;
	int foreground = 0, try_only = 0, opt, r;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":s:h", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (cli_sets_add(&sets, optarg))
				return EXIT_USAGE;
			break;
		case 'F':
			foreground = 1;
			break;
		case 'T':
			try_only = 1;
			break;
		case 'h':
			return cli_help(&command_up);
		default:
			return cli_option_error(&command_up, opt, argv);
		}
	}
	if (foreground && try_only)
		return cli_usage_error(&command_up, "--foreground and --try exclude each other");
	plan_env_read(&env);
	r = cli_lab_plan(&command_up, argc, argv, optind, &sets, &lab, &env, &plan);
	if (r)
		return r;
	r = cli_lab_sysctls(&lab);
	if (r)
		return r;
	r = cli_need_privileges(&rootless);
	if (r)
		return r;
	if (rootless && !foreground && !try_only)
		return holder_up(&lab, &plan);
	rootless_view = rootless;
	/* rootless: out of the host's namespace for good (no way back) */
	if (rootless && unshare(CLONE_NEWNET)) {
		fprintf(stderr, "connlab: cannot make a network namespace of its own: %s\n",
			strerror(errno));
		return EXIT_CANNOT_RUN;
	}
	if (foreground) {
		/* stop signals are taken before anything exists, so none is lost */
		struct sigaction sa = { .sa_handler = on_stop };

		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
	}
	return build(&lab, &plan, foreground, try_only);
}
