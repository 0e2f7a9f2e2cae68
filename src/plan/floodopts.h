/* SPDX-License-Identifier: MIT */
/* floodopts.h - the options of connlab flood that carry a lab's client
 * side, built in one place: the run puts them in a flood's argv, the
 * fleet writes them into the script its hosts run. */
#ifndef CONNLAB_PLAN_FLOODOPTS_H
#define CONNLAB_PLAN_FLOODOPTS_H

#include <stdint.h>

#include "lab/lab.h"

/* What differs from one flood process to the next. */
struct flood_share {
	const char *target, *source; /* source NULL: none */
	uint64_t connections;	     /* this process's, or the lab's with share */
	const char *share;	     /* --share RANK/N (the fleet), or NULL */
	uint64_t rate;		     /* connects a second, 0: unlimited */
	uint64_t inflight;
	uint64_t workers; /* 0: the flood's own default */
	uint64_t duration_us;
};

#define FLOOD_OPTS_MAX 48
struct flood_opts {
	unsigned n;
	struct {
		const char *name;  /* "--rate" */
		const char *value; /* NULL: a flag */
	} o[FLOOD_OPTS_MAX];
	char buf[8192]; /* the values formatted here (a message: up to 4000) */
	size_t used;
};

/* The options, in the order connlab flood's help lists them. */
void flood_opts_build(const struct lab *lab, const struct flood_share *s, struct flood_opts *f);
/* One more option (name, and value or NULL), its value copied. */
void flood_opts_add(struct flood_opts *f, const char *name, const char *value);
/* The --tls options of the lab's built-in server (server 1) or flood,
 * when that end speaks TLS (tlsargs.c); its files' paths made whole. */
void tls_opts_add(const struct lab *lab, int server, struct flood_opts *f);

#endif
