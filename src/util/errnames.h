/* SPDX-License-Identifier: MIT */
/* errnames.h - the socket errors connlab counts, by name, with what each
 * means for a connection lab in plain words. */
#ifndef CONNLAB_ERRNAMES_H
#define CONNLAB_ERRNAMES_H

#include <stddef.h>

struct errname {
	int err;
	const char *name;
	const char *meaning;
};

/* errnames_count never exceeds this (a static check in errnames.c) */
#define ERRNAMES_MAX 16

extern const struct errname errnames[];
extern const size_t errnames_count;

/* The entry for an errno value or name, or NULL. */
const struct errname *errname_by_value(int err);
const struct errname *errname_by_name(const char *name);

#endif
