/* SPDX-License-Identifier: MIT */
/* plan.c - `connlab plan`: the resolved lab and its plan, or the
 * refusal with the computed fix. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cli.h"
#include "host/host.h"
#include "plan/fleet.h"
#include "lab/hostlist.h"
#include "plan/plan.h"
#include "util/log.h"

static int cmd_plan(int argc, char **argv);

const struct command command_plan = {
	.name = "plan",
	.summary =
		"show the resolved lab and how it spreads over namespaces, addresses and processes",
	.usage =
		"connlab plan [LAB] [--set SECTION.KEY=VALUE]... [--event TIME:EVENT]... [-c N] [--hosts N|auto] [--fd-limit N] [--json]",
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
		"  -e, --event TIME:EVENT       one more [events] line, as connlab run takes it\n"
		"  -c, --connections N          the same as --set clients.connections=N\n"
		"      --fd-limit N             plan for this open-file hard limit instead of\n"
		"                               this machine's (ulimit -Hn)\n"
		"      --hosts N|auto           a fleet on paper: how N load hosts (auto: as many\n"
		"                               as hosts like this one need) share the\n"
		"                               connections, the source addresses and flood\n"
		"                               processes each needs, and their memory\n"
		"      --json                   print the plan as JSON\n"
		"\n"
		"A lab with a [fleet] section (connlab fleet) is planned host by host.\n"
		"\n"
		"Exit status: 0 the plan works, 2 the lab or the plan is wrong (the message\n"
		"says what to change).\n",
	.run = cmd_plan,
	.fleet_labs = 1,
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
				  "link_address", addr_fmt_ipv4(netns->link_peer, a, sizeof(a)),
				  "first_address", addr_fmt_ipv4(netns->first_addr, b, sizeof(b)),
				  "server_link_address",
				  addr_fmt_ipv4(netns->link_srv, c, sizeof(c)), "addresses",
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
			    json_string(addr_fmt_ipv4(p->service_addr, a, sizeof(a))));
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
	if (lab->family != FAMILY_IPV4) {
		/* the IPv6 twins of every address (plan_addr6) */
		struct addr6 s6 = plan_addr6(lab, p->service_addr);
		char a6[64];
		size_t i;
		json_t *ns;

		json_object_set_new(root, "service_address6",
				    json_string(addr_fmt_ipv6(&s6, a6, sizeof(a6))));
		json_array_foreach(nss, i, ns)
		{
			const struct plan_netns *netns = &p->netns[i];
			struct addr6 f6 = plan_addr6(lab, netns->first_addr),
				     l6 = plan_addr6(lab, netns->link_peer),
				     k6 = plan_addr6(lab, netns->link_srv);

			json_object_set_new(ns, "first_address6",
					    json_string(addr_fmt_ipv6(&f6, a6, sizeof(a6))));
			json_object_set_new(ns, "link_address6",
					    json_string(addr_fmt_ipv6(&l6, a6, sizeof(a6))));
			json_object_set_new(ns, "server_link_address6",
					    json_string(addr_fmt_ipv6(&k6, a6, sizeof(a6))));
		}
	}
	json_object_set_new(root, "family",
			    json_string(lab->family == FAMILY_IPV6   ? "ipv6"
					: lab->family == FAMILY_DUAL ? "dual"
								     : "ipv4"));
	json_object_set_new(root, "namespaces", nss);
	json_t *w = json_array();
	for (unsigned i = 0; i < p->n_warn; i++)
		json_array_append_new(w, json_string(p->warn[i]));
	json_object_set_new(root, "warnings", w);
	return root;
}

/* A fleet lab, or a fleet on paper (--hosts): plan/fleet.c's plan. */
static int plan_fleet(struct lab *lab, const struct plan_env *env, int paper, uint64_t hosts,
		      int json)
{
	struct fleet_plan fp;
	char err[768], why[300];
	struct lab_diag diag = { 0 };

	if (paper) {
		char set[64];

		if (!hosts) {
			hosts = fleet_hosts_needed(lab->connections, lab->ports.n, env->fd_limit,
						   env->mem_available, why, sizeof(why));
			printf("%llu load hosts for %llu connections: %s\n",
			       (unsigned long long)hosts, (unsigned long long)lab->connections,
			       why);
		}
		snprintf(set, sizeof(set), "fleet.hosts=load[1-%llu]", (unsigned long long)hosts);
		if (hosts == 1)
			snprintf(set, sizeof(set), "fleet.hosts=load1");
		if (lab_set(lab, set, &diag) ||
		    (!lab->fleet.target[0] && lab_set(lab, "fleet.target=198.18.0.1", &diag))) {
			fprintf(stderr, "connlab: %s\n", diag.msg[0]);
			return EXIT_USAGE;
		}
	}
	if (fleet_plan_build(lab, env->fd_limit, paper, &fp, err, sizeof(err))) {
		fprintf(stderr, "connlab: %s: cannot work: %s\n", lab->source, err);
		return EXIT_USAGE;
	}
	if (json) {
		json_t *j = json_object(), *a = json_array();

		for (unsigned i = 0; i < fp.nhosts; i++) {
			const struct fleet_host_plan *h = &fp.host[i];

			json_array_append_new(
				a,
				json_pack("{s:s, s:i, s:I, s:I, s:s, s:I, s:I, s:I, s:i, s:I, s:I}",
					  "name", h->name, "rank", (int)h->rank, "connections",
					  (json_int_t)h->connections, "rate", (json_int_t)h->rate,
					  "sources", h->sources, "source_addresses",
					  (json_int_t)h->nsrc, "sources_needed",
					  (json_int_t)h->sources_needed, "per_pair_max",
					  (json_int_t)h->per_pair_max, "floods", (int)h->floods,
					  "kernel_bytes_estimate", (json_int_t)h->kernel_bytes,
					  "user_bytes_estimate", (json_int_t)h->user_bytes));
		}
		json_object_set_new(j, "connections", json_integer((json_int_t)fp.connections));
		json_object_set_new(j, "fd_limit", json_integer((json_int_t)fp.fd_limit));
		json_object_set_new(j, "hosts", a);
		json_dumpf(j, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(j);
	} else {
		if (!paper)
			lab_write(lab, stdout);
		fleet_plan_write(&fp, lab, stdout);
	}
	fleet_plan_free(&fp);
	return EXIT_OK;
}

static int cmd_plan(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "set", required_argument, NULL, 's' },
		{ "event", required_argument, NULL, 'e' },
		{ "connections", required_argument, NULL, 'c' },
		{ "fd-limit", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "hosts", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct cli_sets sets = { 0 };
	struct plan_env env;
	static struct lab lab;
	static struct plan plan;
	struct host_facts facts;
	struct forecast fc;
	char err[512];
	int json = 0, plain = 0, opt, r;
	uint64_t fd_limit = 0, hosts = 0;
	int paper = 0;

	plan_env_read(&env);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":s:e:c:jh", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (cli_sets_add(&sets, optarg))
				return EXIT_USAGE;
			break;
		case 'e':
			if (cli_sets_event(&sets, optarg))
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
		case 'H':
			paper = 1;
			if (strcmp(optarg, "auto") &&
			    (units_parse_count(optarg, &hosts, err, sizeof(err)) || !hosts ||
			     hosts > HOSTLIST_MAX))
				return cli_usage_error(
					&command_plan,
					"--hosts: expected 1 to %d or auto, got '%s'", HOSTLIST_MAX,
					optarg);
			break;
		case 'h':
			return cli_help(&command_plan);
		default:
			return cli_option_error(&command_plan, opt, argv);
		}
	}
	r = cli_lab_plan(&command_plan, argc, argv, optind, &sets, &lab, &env, &plan);
	if (r)
		return r;
	if (paper || lab_is_fleet(&lab))
		return plan_fleet(&lab, &env, paper, hosts, json);
	r = cli_lab_sysctls(&lab);
	if (!r)
		r = cli_lab_message(&lab);
	if (r)
		return r;
	host_facts_read(&facts);
	host_forecast(&facts, &lab, &plan, &fc);
	if (json) {
		json_t *j = plan_json(&plan, &lab);

		json_object_set_new(j, "forecast", forecast_json(&fc));
		json_dumpf(j, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(j);
		return EXIT_OK;
	}
	if (plain) {
		plan_write_needs(&plan, &lab, stdout);
		fputs("\n", stdout);
		forecast_write(&fc, stdout);
		return EXIT_OK;
	}
	lab_write(&lab, stdout);
	fputc('\n', stdout);
	plan_write(&plan, &lab, stdout);
	fputs("\nForecast: the limits this host sets, in connections held at once\n  ", stdout);
	forecast_write(&fc, stdout);
	return EXIT_OK;
}
