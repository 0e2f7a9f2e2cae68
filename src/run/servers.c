/* SPDX-License-Identifier: MIT */
/* servers.c - the lab's server: the built-in one (connlab server with the
 * lab's keys) or the user's command, started at the servers phase and
 * again by a restart event; whether the service answers. */
#define _GNU_SOURCE
#include "run/launcher.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/random.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/tls.h"
#include "netns/netns.h"
#include "plan/floodopts.h"

int run_service_answers(struct run *r)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sa4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sa6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl;
	struct pollfd pfd;
	int saved, fd, err = 1;
	socklen_t len = sizeof(err);

	if (netns_enter(r->topo.netns[TOPO_PROBE].fd, &saved))
		return 0;
	memset(&ss, 0, sizeof(ss));
	if (r->lab->family == FAMILY_IPV6) {
		struct addr6 a = plan_addr6(r->lab, r->plan->service_addr);

		sa6->sin6_family = AF_INET6;
		sa6->sin6_port = htons(r->lab->ports.port[0]);
		memcpy(&sa6->sin6_addr, a.b, 16);
		sl = sizeof(*sa6);
	} else {
		sa4->sin_family = AF_INET;
		sa4->sin_port = htons(r->lab->ports.port[0]);
		sa4->sin_addr.s_addr = htonl(r->plan->service_addr);
		sl = sizeof(*sa4);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (netns_leave(saved) || fd < 0) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	if (connect(fd, (struct sockaddr *)&ss, sl) == 0) {
		err = 0;
	} else if (errno == EINPROGRESS) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, 100) == 1)
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	}
	close(fd);
	return err == 0;
}

/* connlab server's options for the lab, after "connlab server" */
static void server_opts(struct run *r, struct flood_opts *o)
{
	char v[256]; /* the longest: 64 ports */
	struct addr6 s6 = plan_addr6(r->lab, r->plan->service_addr);

	memset(o, 0, sizeof(*o));
	if (r->lab->family != FAMILY_IPV6)
		flood_opts_add(o, "--address", addr_fmt_ipv4(r->plan->service_addr, v, sizeof(v)));
	if (r->lab->family != FAMILY_IPV4)
		flood_opts_add(o, "--address", addr_fmt_ipv6(&s6, v, sizeof(v)));
	flood_opts_add(o, "--ports", units_fmt_ports(&r->lab->ports, v, sizeof(v)));
	snprintf(v, sizeof(v), "%u", r->plan->server_workers);
	flood_opts_add(o, "--workers", v);
	flood_opts_add(o, "--mode", server_mode_name(r->lab->server_mode));
	flood_opts_add(o, "--interval", units_fmt_duration(r->lab->keepalive_us, v, sizeof(v)));
	snprintf(v, sizeof(v), "%llu", (unsigned long long)r->lab->backlog);
	flood_opts_add(o, "--backlog", v);
	flood_opts_add(o, "--stats-interval", "500ms");
	flood_opts_add(o, "--stats-fd", "3");
	/* a kill event's workers die; the rest of the group serves on */
	for (unsigned i = 0; i < r->lab->n_event; i++)
		if (r->lab->event[i].kind == EVENT_KILL) {
			flood_opts_add(o, "--keep-going", NULL);
			break;
		}
	tls_opts_add(r->lab, 1, o);
}

/* TLS: one set of session-ticket keys for the run, so that a ticket made
 * before a restart event resumes after it (as a server with a key file) */
static void ticket_keys(void)
{
	uint8_t k[TLS_TICKET_KEY_LEN];
	char hex[2 * TLS_TICKET_KEY_LEN + 1];

	if (getenv("CONNLAB_TLS_TICKET_KEY"))
		return; /* this run's (a restart keeps them), or the user's */
	if (getrandom(k, sizeof(k), 0) != (ssize_t)sizeof(k))
		return; /* then each start makes its own, and says so by resuming none */
	for (size_t i = 0; i < sizeof(k); i++)
		snprintf(hex + 2 * i, 3, "%02x", k[i]);
	setenv("CONNLAB_TLS_TICKET_KEY", hex, 1);
}

static int start_builtin_servers(struct run *r)
{
	static struct flood_opts o;
	char *argv[2 * FLOOD_OPTS_MAX + 3];
	unsigned at = 0;

	server_opts(r, &o);
	if (r->lab->tls.enable == TLS_ENABLE_ON || r->lab->tls.enable == TLS_ENABLE_SERVER)
		ticket_keys();
	argv[at++] = "connlab";
	argv[at++] = "server";
	for (unsigned k = 0; k < o.n; k++) {
		argv[at++] = (char *)o.o[k].name;
		if (o.o[k].value)
			argv[at++] = (char *)o.o[k].value;
	}
	argv[at] = NULL;
	/* every worker listens on every port of every family */
	r->server_ready_needed = (uint64_t)r->plan->server_workers * r->lab->ports.n *
				 (r->lab->family == FAMILY_DUAL ? 2 : 1);
	if (r->lab->server_mode == SERVER_NOACCEPT)
		r->server_ready_needed = 0;
	return run_spawn(r, "server", 0, TOPO_SRV, argv);
}

int run_start_servers(struct run *r)
{
	if (r->lab->server_command[0]) {
		char addr[INET6_ADDRSTRLEN], addr6[INET6_ADDRSTRLEN], port[8], cmd[1024], dir[300];
		const char *keys[] = { "{address}", "{port}", "{labdir}", "{address6}" },
			   *vals[] = { addr, port, dir, addr6 };
		struct addr6 s6 = plan_addr6(r->lab, r->plan->service_addr);

		/* {address}: the lab's family's (IPv4 in dual); {address6}: IPv6 */
		addr_fmt_ipv6(&s6, addr6, sizeof(addr6));
		if (r->lab->family == FAMILY_IPV6)
			snprintf(addr, sizeof(addr), "%s", addr6);
		else
			addr_fmt_ipv4(r->plan->service_addr, addr, sizeof(addr));
		snprintf(port, sizeof(port), "%u", r->lab->ports.port[0]);
		lab_dir(r->lab, dir, sizeof(dir));
		run_substitute(r->lab->server_command, cmd, sizeof(cmd), keys, vals, 4);
		snprintf(r->server_cmd, sizeof(r->server_cmd), "%s", cmd);
		r->user_server = 1;
		return run_spawn_command(r, "server command", 0, TOPO_SRV, cmd);
	}
	return start_builtin_servers(r);
}
