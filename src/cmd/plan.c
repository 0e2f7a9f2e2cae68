/* SPDX-License-Identifier: MIT */
/* plan.c - `connlab plan`: the resolved lab and its plan, or the
 * refusal with the computed fix. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cli.h"
#include "plan/plan.h"
#include "util/log.h"

static int cmd_plan(int argc, char **argv);

const struct command command_plan = {
	.name = "plan",
	.summary =
		"show the resolved lab and how it spreads over namespaces, addresses and processes",
	.usage = "connlab plan [LAB] [--set SECTION.KEY=VALUE]... [-c N] [--fd-limit N] [--json]",
	.help = "Reads LAB (a lab file; without one, the built-in default lab), applies the\n"
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
	.run = cmd_plan,
};

static json_t *plan_json(const struct plan *p, const struct lab *lab)
{
	json_t *root = json_object(), *nss = json_array();
	char a[16], b[16], c[16];

	for (unsigned i = 0; i < p->namespaces; i++) {
		const struct plan_netns *netns = &p->netns[i];
		char name[16];

		snprintf(name, sizeof(name), "c%u", i);
		json_array_append_new(
			nss,
			json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "name", name,
				  "link_address", units_fmt_ipv4(netns->link_peer, a, sizeof(a)),
				  "first_address", units_fmt_ipv4(netns->first_addr, b, sizeof(b)),
				  "server_link_address",
				  units_fmt_ipv4(netns->link_srv, c, sizeof(c)), "addresses",
				  (json_int_t)netns->n_addr, "connections",
				  (json_int_t)netns->connections, "flood_processes",
				  (json_int_t)netns->workers, "per_process_max",
				  (json_int_t)netns->per_worker_max, "per_pair_max",
				  (json_int_t)netns->per_pair_max));
	}
	json_object_set_new(root, "lab", json_string(lab->name));
	json_object_set_new(root, "source", json_string(lab->source));
	json_object_set_new(root, "connections", json_integer((json_int_t)p->connections));
	json_object_set_new(root, "mode", json_string(client_mode_name(lab->client_mode)));
	json_object_set_new(root, "service_address",
			    json_string(units_fmt_ipv4(p->service_addr, a, sizeof(a))));
	json_object_set_new(root, "server_ports", json_integer(p->nports));
	json_object_set_new(root, "local_port_range",
			    json_pack("[i,i]", (int)p->port_lo, (int)p->port_hi));
	json_object_set_new(root, "client_addresses", json_integer(p->addresses));
	json_object_set_new(root, "server_workers", json_integer(p->server_workers));
	json_object_set_new(root, "flood_processes", json_integer(p->flood_workers));
	json_object_set_new(root, "fd_limit", json_integer((json_int_t)p->fd_limit));
	json_object_set_new(root, "fd_usable", json_integer((json_int_t)p->fd_usable));
	json_object_set_new(root, "per_pair_max", json_integer((json_int_t)p->per_pair_max));
	json_object_set_new(root, "pool_used", json_integer((json_int_t)p->pool_used));
	json_object_set_new(root, "kernel_bytes_estimate",
			    json_integer((json_int_t)p->kernel_bytes));
	json_object_set_new(root, "user_bytes_estimate", json_integer((json_int_t)p->user_bytes));
	json_object_set_new(root, "namespaces", nss);
	json_t *w = json_array();
	for (unsigned i = 0; i < p->n_warn; i++)
		json_array_append_new(w, json_string(p->warn[i]));
	json_object_set_new(root, "warnings", w);
	return root;
}

static int cmd_plan(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "set", required_argument, NULL, 's' },
		{ "connections", required_argument, NULL, 'c' },
		{ "fd-limit", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct cli_sets sets = { 0 };
	struct plan_env env;
	static struct lab lab;
	static struct plan plan;
	char err[512];
	int json = 0, plain = 0, opt, r;
	uint64_t fd_limit = 0;

	plan_env_read(&env);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "s:c:jh", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (cli_sets_add(&sets, optarg))
				return EXIT_USAGE;
			break;
		case 'c':
			if (cli_sets_connections(&sets, optarg))
				return EXIT_USAGE;
			plain = 1;
			break;
		case 'f':
			if (units_parse_count(optarg, &fd_limit, err, sizeof(err)))
				return cli_usage_error(&command_plan, "--fd-limit: %s", err);
			env.fd_limit = fd_limit;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			return cli_help(&command_plan);
		default:
			return cli_usage_error(&command_plan, "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	r = cli_lab_plan(&command_plan, argc, argv, optind, &sets, &lab, &env, &plan);
	if (r)
		return r;
	r = cli_lab_sysctls(&lab);
	if (!r)
		r = cli_lab_message(&lab);
	if (r)
		return r;
	if (json) {
		json_t *j = plan_json(&plan, &lab);

		json_dumpf(j, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(j);
		return EXIT_OK;
	}
	if (plain) {
		plan_write_needs(&plan, &lab, stdout);
		return EXIT_OK;
	}
	lab_write(&lab, stdout);
	fputc('\n', stdout);
	plan_write(&plan, &lab, stdout);
	return EXIT_OK;
}
