/* SPDX-License-Identifier: MIT */
/* rules_fleet.c - findings of a fleet (connlab fleet: result.json "hosts"):
 * hosts that were not reached, not ready or failed, a host's own ports,
 * and the server host's accept queue (docs/findings.md, docs/fleet.md). */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/report.h"
#include "report/rules.h"

static int is_server(json_t *h)
{
	return !strcmp(json_string_value(json_object_get(h, "role")) ?: "", "server");
}

/* The host's state when it has one to explain (state), else NULL: a host
 * that finished, a server stopped at the end, or a run the user stopped. */
static int host_in(const struct fctx *x, json_t *h, const char *state)
{
	const char *s = json_string_value(json_object_get(h, "state")) ?: "";

	if (!strcmp(s, "done") || !strcmp(s, "running") || (is_server(h) && !strcmp(s, "stopped")))
		return 0;
	if (!strcmp(s, "stopped") && !strcmp(str(x, "outcome") ?: "", "interrupted"))
		return 0;
	if (state)
		return !strcmp(s, state);
	/* nothing was tried there (pdsh could not be run): not the host's doing */
	return strcmp(s, "unreached") && strcmp(s, "not ready") && strcmp(s, "not started") &&
	       strcmp(s, "planned");
}

static void host_evidence(const struct fctx *x, struct draft *d, size_t i)
{
	cite(x, d, EV_HOST_STATE, (long)i);
	cite(x, d, EV_HOST_WHY, (long)i);
	cite(x, d, EV_HOST_SHARE, (long)i);
	cite(x, d, EV_HOST_EXIT, (long)i);
	cite(x, d, EV_HOST_ESTABLISHED, (long)i);
}

static const char *name_of(json_t *h)
{
	return json_string_value(json_object_get(h, "name")) ?: "?";
}

static const char *why_of(json_t *h, const char *otherwise)
{
	return json_string_value(json_object_get(h, "why")) ?: otherwise;
}

static void judge_unreached(struct fctx *x)
{
	json_t *h;
	size_t i;

	json_array_foreach(json_object_get(x->res, "hosts"), i, h)
	{
		struct draft *d;

		if (!host_in(x, h, "unreached"))
			continue;
		d = finding(x, is_server(h) ? "cause" : severity(x), NAN,
			    "Host %s was not reached: %s", name_of(h), why_of(h, "no answer"));
		host_evidence(x, d, i);
		d->why = !is_server(h);
		slot(d, "host", "%s", name_of(h));
	}
}

static void judge_not_ready(struct fctx *x)
{
	json_t *h;
	size_t i;
	char a[32];

	json_array_foreach(json_object_get(x->res, "hosts"), i, h)
	{
		struct draft *d;

		if (!host_in(x, h, "not ready"))
			continue;
		d = finding(x, severity(x), NAN, "Host %s could not run its share: %s", name_of(h),
			    why_of(h, "its check failed"));
		host_evidence(x, d, i);
		slot(d, "rank", "%s",
		     fmt_n(json_number_value(json_object_get(h, "rank")), a, sizeof(a)));
	}
}

static void judge_failed(struct fctx *x)
{
	json_t *h;
	size_t i;

	json_array_foreach(json_object_get(x->res, "hosts"), i, h)
	{
		struct draft *d;

		if (!host_in(x, h, NULL))
			continue;
		d = finding(x, is_server(h) ? "cause" : severity(x),
			    num(x, "hosts[%ld].ended_s", (long)i), "Host %s %s: %s", name_of(h),
			    json_string_value(json_object_get(h, "state")) ?: "",
			    why_of(h, "no reason given"));
		host_evidence(x, d, i);
		cite(x, d, EV_HOST_ENDED, (long)i);
		cite(x, d, EV_HOST_HELD, (long)i);
	}
}

static void judge_host_ports(struct fctx *x)
{
	int six = !strcmp(str(x, "plan.family") ?: "", "ipv6");
	json_t *h;
	size_t i;
	char a[32], b[32];

	json_array_foreach(json_object_get(x->res, "hosts"), i, h)
	{
		double e = json_number_value(jpath(h, "flood.errors.EADDRNOTAVAIL"));
		double src = json_number_value(jpath(h, "share.source_addresses"));
		double ports = num(x, "plan.server_ports");
		double share = json_number_value(jpath(h, "share.connections"));
		struct draft *d;

		if (!(e > 0))
			continue;
		d = finding(
			x, severity(x), NAN,
			"Host %s ran out of local ports: %s connects failed with EADDRNOTAVAIL over %s source %s",
			name_of(h), fmt_n(e, a, sizeof(a)), fmt_n(src, b, sizeof(b)),
			src == 1 ? "address" : "addresses");
		cite(x, d, EV_HOST_EADDRNOTAVAIL, (long)i);
		cite(x, d, EV_HOST_SOURCES, (long)i);
		cite(x, d, EV_HOST_SHARE, (long)i);
		cite(x, d, EV_SERVER_PORTS);
		cite(x, d, EV_HOST_TIME_WAIT, (long)i);
		slot(d, "sources", "%s", six ? "2001:db8:%n::1-2001:db8:%n::8" : "10.1.%n.0/24");
		slot(d, "share", "%s", fmt_n(share, a, sizeof(a)));
		slot(d, "ports", "%s", fmt_n(ports, a, sizeof(a)));
		slot(d, "need", "%s", fmt_n(ceil(share / (ports * 16000)), a, sizeof(a)));
	}
}

static void judge_server_accept_queue(struct fctx *x)
{
	json_t *h;
	size_t i;
	char a[32];

	json_array_foreach(json_object_get(x->res, "hosts"), i, h)
	{
		double over = json_number_value(jpath(h, "kernel.last.counters.ListenOverflows"));
		struct draft *d;

		if (!is_server(h) || !(over > 0))
			continue;
		d = finding(x, severity(x), NAN,
			    "The accept queue on the server host %s overflowed %s times",
			    name_of(h), fmt_n(over, a, sizeof(a)));
		cite(x, d, EV_HOST_OVERFLOWS, (long)i);
		cite(x, d, EV_HOST_DROPS, (long)i);
		cite(x, d, EV_HOST_ACCEPT_PEAK, (long)i);
		cite(x, d, EV_ETIMEDOUT);
	}
}

const struct rule rules_fleet[] = {
	{
		.id = "host-unreached",
		.family = "fleet",
		.summary = "a host did not answer pdsh's check round",
		.where = RULE_FLEET | RULE_HOLD | RULE_CHURN,
		.may = MAY_CAUSE | MAY_WARNING,
		.rank = 300,
		.why = { "connlab fleet reaches every host through pdsh before the run (the check round): with ssh, the host must accept the key without a prompt (BatchMode), be in known_hosts and have connlab on its PATH (or at fleet.connlab). A host that does not answer is left out: without the server host there is no service, so nothing ran; its share of the connections was not opened.",
			 "connlab fleet reaches every host through pdsh before the run (the check round): with ssh, the host must accept the key without a prompt (BatchMode), be in known_hosts and have connlab on its PATH (or at fleet.connlab). A host that does not answer is left out: the others ran; its share of the connections was not opened." },
		.fix = { "Try the same command by hand: pdsh -R ssh -w {host} connlab --version (with the options of fleet.ssh_options); docs/fleet.md lists what each host needs. To stop instead of going on without a host: --set fleet.on_failure=stop." },
		.judge = judge_unreached,
	},
	{
		.id = "host-not-ready",
		.family = "fleet",
		.summary = "a host's check failed: its source addresses, ports or open-file limit",
		.where = RULE_FLEET | RULE_HOLD | RULE_CHURN,
		.may = MAY_CAUSE | MAY_WARNING,
		.rank = 301,
		.why = { "Before the run each host's connlab flood --check binds every source address of its share (fleet.sources for its rank) and checks its ports and open-file limit. connlab never adds addresses or changes a host's network: a source address the host does not have would make every connect() from it fail." },
		.fix = { "Give the host its addresses (docs/fleet.md: ip addr add, or one local route for a whole range: ip route add local 10.1.{rank}.0/24 dev lo, and a route back on the server), or change fleet.sources." },
		.judge = judge_not_ready,
	},
	{
		.id = "host-failed",
		.family = "fleet",
		.summary = "a host's command did not run to the end",
		.where = RULE_FLEET | RULE_HOLD | RULE_CHURN,
		.may = MAY_CAUSE | MAY_WARNING,
		.rank = 302,
		.why = { "The host was reached and checked, but its command did not run to the end: what it printed is in hosts.log of the run directory (each line prefixed with the host), and its exit status in result.json. Its figures are those of its last stats line." },
		.fix = { "Read the host's lines in hosts.log; run its connlab flood by hand there with the same options (hosts.log shows the command)." },
		.judge = judge_failed,
	},
	{
		.id = "host-ports",
		.family = "fleet",
		.summary = "a host ran out of its own local ports (EADDRNOTAVAIL)",
		.where = RULE_FLEET | RULE_HOLD | RULE_CHURN,
		.may = MAY_CAUSE | MAY_WARNING,
		.rank = 310,
		.why = { "Each host has its own local ports: for one source address and one server port, the ports of its net.ipv4.ip_local_port_range, each taken while its socket is open or in TIME_WAIT. A host whose share needs more connections than its source addresses x server ports x local ports give fails with EADDRNOTAVAIL, whatever the other hosts do." },
		.fix = { "Give the host more source addresses (fleet.sources, such as {sources} with the addresses on the host, docs/fleet.md): {share} connections over {ports} server ports need at least {need} of them at 16k per pair; or widen the host's port range (sysctl net.ipv4.ip_local_port_range=\"1024 65535\" there)." },
		.judge = judge_host_ports,
	},
	{
		.id = "server-accept-queue",
		.family = "fleet",
		.summary = "the accept queue on the server host overflowed",
		.where = RULE_FLEET | RULE_HOLD | RULE_CHURN,
		.may = MAY_CAUSE | MAY_WARNING,
		.rank = 320,
		.why = { "Connections from every load host meet in the server's accept queues. A completed handshake waits there until the server calls accept(); the queue holds the listen backlog, capped by net.core.somaxconn of the server host. When it is full the kernel drops the final ACK (ListenOverflows) and new SYNs: connects time out on whichever hosts are ramping." },
		.fix = { "Make the server accept faster (more processes: server.workers for connlab server) or lower clients.rate; a longer queue absorbs bursts: server.backlog = 65535 and net.core.somaxconn = 65535 on the server host." },
		.judge = judge_server_accept_queue,
	},
};
const size_t rules_fleet_n = sizeof(rules_fleet) / sizeof(rules_fleet[0]);
