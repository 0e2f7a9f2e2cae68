/* SPDX-License-Identifier: MIT */
/* errnames.c - table of counted socket errors and their explanations. */
#include "util/errnames.h"

#include <errno.h>
#include <string.h>

const struct errname errnames[] = {
	{ EADDRNOTAVAIL, "EADDRNOTAVAIL",
	  "no free local port for this source address and destination (\"Cannot assign requested address\"): TIME_WAIT or the port range; add source addresses, widen net.ipv4.ip_local_port_range or set net.ipv4.tcp_tw_reuse=1" },
	{ EADDRINUSE, "EADDRINUSE",
	  "the local address and port are taken: a bind without IP_BIND_ADDRESS_NO_PORT, or the port range is exhausted" },
	{ ECONNREFUSED, "ECONNREFUSED",
	  "nothing listens on the target port, or the server's accept queue reset the connection" },
	{ ETIMEDOUT, "ETIMEDOUT",
	  "no answer in time: SYNs dropped (full accept or SYN queue, firewall, conntrack table full)" },
	{ ECONNRESET, "ECONNRESET", "the peer reset the connection" },
	{ EMFILE, "EMFILE",
	  "the process reached its open-file limit (RLIMIT_NOFILE): use more processes" },
	{ ENFILE, "ENFILE", "the system-wide open-file limit (fs.file-max) is reached" },
	{ ENOBUFS, "ENOBUFS", "the kernel is out of socket buffer memory (net.ipv4.tcp_mem)" },
	{ ENOMEM, "ENOMEM", "the kernel could not allocate memory for the socket" },
	{ EHOSTUNREACH, "EHOSTUNREACH", "no route to the target inside the lab" },
	{ ENETUNREACH, "ENETUNREACH", "no route to the target network inside the lab" },
	{ EPIPE, "EPIPE", "wrote to a connection the peer had closed" },
	{ EINPROGRESS, "EINPROGRESS", "connect still in progress when the run ended" },
	{ ENOSPC, "ENOSPC",
	  "epoll_ctl: the user's epoll watches are at fs.epoll.max_user_watches" },
};
const size_t errnames_count = sizeof(errnames) / sizeof(errnames[0]);
_Static_assert(sizeof(errnames) / sizeof(errnames[0]) <= ERRNAMES_MAX, "raise ERRNAMES_MAX");

const struct errname *errname_by_value(int err)
{
	for (size_t i = 0; i < errnames_count; i++)
		if (errnames[i].err == err)
			return &errnames[i];
	return NULL;
}

const struct errname *errname_by_name(const char *name)
{
	for (size_t i = 0; i < errnames_count; i++)
		if (!strcmp(errnames[i].name, name))
			return &errnames[i];
	return NULL;
}
