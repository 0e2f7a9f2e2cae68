/* SPDX-License-Identifier: MIT */
/* needs.c - what a lab needs of a host (memory, files, conntrack entries,
 * neighbours, TCP memory) and the scale a tuning file is judged at; the
 * lab's firewall setup read to see whether it tracks connections. */
#define _GNU_SOURCE
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/budget.h"
#include "host/host.h"
#include "util/procfs.h"

/* stateful firewall rules in the lab's setup command, or in a file it
 * names under {labdir} */
static int rules_stateful(const char *text, char *why, size_t len, const char *where)
{
	static const char *const words[] = { "ct state", "ct status",  "ct mark", "-m conntrack",
					     "-m state", "masquerade", "snat ",	  "dnat ",
					     "-j SNAT",	 "-j DNAT" };

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(text, words[i])) {
			if (strstr(text, "notrack")) {
				snprintf(
					why, len,
					"%s has stateful rules (%s) and notrack rules: doctor assumes the lab's connections are not tracked",
					where, words[i]);
				return 0;
			}
			snprintf(why, len, "%s has stateful rules (%s)", where, words[i]);
			return 1;
		}
	return 0;
}

static int lab_stateful(const struct lab *lab, char *why, size_t len)
{
	const char *s = lab->server_setup, *p;
	char dir[256], path[600], buf[8192];

	why[0] = 0;
	if (!*s)
		return 0;
	if (rules_stateful(s, why, len, "server.setup"))
		return 1;
	p = strstr(s, "{labdir}/");
	if (!p)
		return 0;
	snprintf(dir, sizeof(dir), "%s", lab->source);
	snprintf(path, sizeof(path), "%s/%.*s", dirname(dir), (int)strcspn(p + 9, " \t;&|'\""),
		 p + 9);
	if (procfs_read_text(path, buf, sizeof(buf)) < 0)
		return 0;
	return rules_stateful(buf, why, len, path);
}

void host_needs_of(const struct lab *lab, const struct plan *p, struct host_needs *n)
{
	int hold = lab->client_mode == CLIENT_HOLD;
	uint64_t conns = hold ? lab->connections : lab->inflight;

	memset(n, 0, sizeof(*n));
	n->processes = p->flood_workers + p->server_workers + 1;
	n->files = 2 * conns + (uint64_t)n->processes * 16;
	n->kernel_bytes = p->kernel_bytes;
	n->user_bytes = p->user_bytes;
	n->tcp_pages = (uint64_t)((double)conns * PLAN_TCP_PAGES_PER_CONN_DRAIN);
	n->neighbours = 2 * p->namespaces + 2;
	n->stateful = lab_stateful(lab, n->stateful_why, sizeof(n->stateful_why));
}

void host_tuning_scale(const struct lab *lab, const struct plan *p, struct tuning_scale *sc)
{
	struct host_needs n;
	char c[32];

	host_needs_of(lab, p, &n);
	memset(sc, 0, sizeof(*sc));
	snprintf(sc->label, sizeof(sc->label), "lab '%s' (%s connections, %s)", lab->name,
		 units_fmt_count(lab->connections, c, sizeof(c)),
		 client_mode_name(lab->client_mode));
	sc->connections = lab->connections;
	sc->rate = lab->rate;
	sc->churn = lab->client_mode != CLIENT_HOLD;
	sc->moves_data = lab->server_mode == SERVER_ECHO;
	sc->user_command = lab->server_command[0] || lab->client_command[0];
	sc->stateful = n.stateful;
	sc->neighbours = n.neighbours;
	sc->files = n.files;
	sc->tcp_pages = n.tcp_pages;
	sc->per_process = p->server_per_worker > p->fd_usable ? p->fd_usable : p->server_per_worker;
	for (unsigned i = 0; i < lab->n_sysctl && i < 64; i++) {
		sc->lab_name[sc->n_lab] = lab->sysctl[i].name;
		sc->lab_value[sc->n_lab++] = lab->sysctl[i].value;
	}
}
