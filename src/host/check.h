/* SPDX-License-Identifier: MIT */
/* check.h - private to the host checks (checks.c, checks_net.c): adding a
 * check to a report, and each group of checks. */
#ifndef CONNLAB_HOST_CHECK_H
#define CONNLAB_HOST_CHECK_H

#include "host/host.h"

/* A new check of r, with its id, title and level. */
struct host_check *host_check_add(struct host_report *r, const char *id, const char *title,
				  enum level lv);
#define SET(field, ...) snprintf(c->field, sizeof(c->field), __VA_ARGS__)

/* checks_net.c: epoll, conntrack, neighbours, IPv6, ports */
void host_check_net(struct host_report *r, const struct host_facts *f, const struct lab *lab,
		    const struct plan *p, const struct host_needs *n);
/* checks_net.c: the lab's sysctls against the kernel */
void host_check_lab_sysctls(struct host_report *r, const struct kernel_view *kv,
			    const struct lab *lab, const struct plan *p);

#endif
