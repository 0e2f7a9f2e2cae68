/* SPDX-License-Identifier: MIT */
/* floodargs.h - private to `connlab flood` (flood.c, floodfleet.c): what
 * its options set, and the setters of the options a fleet uses. */
#ifndef CONNLAB_CMD_FLOODARGS_H
#define CONNLAB_CMD_FLOODARGS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "engine/flood.h"
#include "engine/tls.h"

/* What the options set: the engine's configuration and the command's
 * own. */
struct flood_args {
	struct flood_cfg cfg;
	struct engine_opts eo;
	uint64_t workers, hold_us, ramp_timeout_us;
	int have_target, beyond, reply_given, check;
	unsigned rank, hosts;
	double share6;
	uint32_t sources[SOURCES_MAX];
	struct addr6 sources6[SOURCES_MAX];
	char message[4096], share[32];
	char end_name[72], end_tell[72];
	double end_at, end_grace_s;
	struct tls_cfg tls;
};

/* A setter: 0, or -1 with what is wrong in err (the option's name is
 * added in front). */
typedef int (*flood_set)(struct flood_args *a, const char *v, char *err, size_t len);

/* floodfleet.c: --share, --end-name, --end, --end-at, --end-grace, --check */
int flood_set_share(struct flood_args *a, const char *v, char *err, size_t len);
int flood_set_end_listen(struct flood_args *a, const char *v, char *err, size_t len);
int flood_set_end_tell(struct flood_args *a, const char *v, char *err, size_t len);
int flood_set_end_at(struct flood_args *a, const char *v, char *err, size_t len);
int flood_set_end_grace(struct flood_args *a, const char *v, char *err, size_t len);
int flood_set_check(struct flood_args *a, const char *v, char *err, size_t len);
/* --check: one JSON line saying whether the flood would run here; the
 * exit status */
int flood_check_line(struct flood_args *a, size_t missing, const char *list);

#endif
