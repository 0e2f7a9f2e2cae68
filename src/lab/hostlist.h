/* SPDX-License-Identifier: MIT */
/* hostlist.h - pdsh's host lists: "load[1-8]", "web[01-10],db1",
 * "rack[1-2]-n[1-4]" expanded in pdsh's order (left to right, the last
 * bracket fastest), so that position i is pdsh's rank %n of that host. */
#ifndef CONNLAB_HOSTLIST_H
#define CONNLAB_HOSTLIST_H

#include <stddef.h>
#include "util/compiler.h"

#define HOSTLIST_MAX 1024 /* hosts one list may name */
#define HOSTNAME_MAX 64

struct hostlist {
	size_t n;
	char (*name)[HOSTNAME_MAX]; /* n names, malloc'd */
};

/* Expands s into hl (hostlist_free it). 0, or -EINVAL with the reason in
 * err: an unclosed bracket, a range backwards, a duplicate host, a name
 * that is not a host name, more than HOSTLIST_MAX hosts. */
WUR int hostlist_expand(const char *s, struct hostlist *hl, char *err, size_t errlen);
void hostlist_free(struct hostlist *hl);
/* The index of name in hl, or -1. */
int hostlist_find(const struct hostlist *hl, const char *name);

/* A template with pdsh's %h (host), %n (rank) and %% substituted; 0, or
 * -ENOSPC when it does not fit. */
WUR int hostlist_subst(const char *tmpl, const char *host, unsigned rank, char *out, size_t len);

#endif
