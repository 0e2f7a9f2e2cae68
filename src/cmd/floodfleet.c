/* SPDX-License-Identifier: MIT */
/* floodfleet.c - the options of `connlab flood` that a fleet uses: this
 * host's share, the end of its hold told over the end socket, and the
 * check the coordinator runs first. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/floodargs.h"
#include "engine/endsock.h"
#include "host/host.h"
#include "util/clock.h"
#include "util/procfs.h"
#include "util/status.h"
#include "util/units.h"

#ifndef CONNLAB_VERSION
#define CONNLAB_VERSION "0.0.0"
#endif

/* "R/N": this host's rank and the number of hosts */
static int parse_share(const char *s, unsigned *rank, unsigned *hosts)
{
	char *end;
	unsigned long r = strtoul(s, &end, 10), n;

	if (end == s || *end != '/')
		return -1;
	s = end + 1;
	n = strtoul(s, &end, 10);
	if (end == s || *end || !n || r >= n || n > 100000)
		return -1;
	*rank = (unsigned)r;
	*hosts = (unsigned)n;
	return 0;
}

int flood_set_share(struct flood_args *a, const char *v, char *err, size_t len)
{
	if (parse_share(v, &a->rank, &a->hosts)) {
		snprintf(err, len, "expected RANK/HOSTS with RANK from 0 to HOSTS-1, got '%s'", v);
		return -1;
	}
	snprintf(a->share, sizeof(a->share), "%u/%u", a->rank, a->hosts);
	return 0;
}

static int set_end_name(char *dst, size_t dlen, const char *v, char *err, size_t len)
{
	if (!endsock_name_ok(v)) {
		snprintf(err, len, "expected 1 to 64 letters, digits, '.', '_' or '-', got '%s'",
			 v);
		return -1;
	}
	snprintf(dst, dlen, "%s", v);
	return 0;
}

int flood_set_end_listen(struct flood_args *a, const char *v, char *err, size_t len)
{
	return set_end_name(a->end_name, sizeof(a->end_name), v, err, len);
}

int flood_set_end_tell(struct flood_args *a, const char *v, char *err, size_t len)
{
	return set_end_name(a->end_tell, sizeof(a->end_tell), v, err, len);
}

int flood_set_end_at(struct flood_args *a, const char *v, char *err, size_t len)
{
	char *end;

	a->end_at = strtod(v, &end);
	if (end == v || *end || !(a->end_at >= 0) || a->end_at > 1e11) {
		snprintf(err, len, "expected seconds since 1970, got '%s'", v);
		return -1;
	}
	return 0;
}

int flood_set_end_grace(struct flood_args *a, const char *v, char *err, size_t len)
{
	uint64_t us;

	if (units_parse_duration(v, &us, err, len))
		return -1;
	if (!us) {
		snprintf(err, len, "must be more than 0");
		return -1;
	}
	a->end_grace_s = (double)us / 1e6;
	return 0;
}

int flood_set_check(struct flood_args *a, const char *v, char *err, size_t len)
{
	(void)v, (void)err, (void)len;
	a->check = 1;
	return 0;
}

int flood_check_line(struct flood_args *a, size_t missing, const char *list)
{
	char err[400];
	int fits =
		!missing && host_flood_fits(&a->cfg, a->beyond, &a->workers, err, sizeof(err)) == 0;
	json_t *j = json_object();
	char *line;

	json_object_set_new(j, "role", json_string("check"));
	json_object_set_new(j, "connlab", json_string(CONNLAB_VERSION));
	json_object_set_new(j, "share", a->hosts ? json_string(a->share) : json_null());
	json_object_set_new(j, "connections", json_integer((json_int_t)a->cfg.connections));
	json_object_set_new(j, "sources", json_integer((json_int_t)a->cfg.nsrc));
	json_object_set_new(j, "sources_missing", json_integer((json_int_t)missing));
	json_object_set_new(j, "sources_missing_list", json_string(list));
	json_object_set_new(j, "fd_limit", json_integer((json_int_t)procfs_nofile_raise()));
	json_object_set_new(j, "workers",
			    fits ? json_integer((json_int_t)a->workers) : json_null());
	json_object_set_new(j, "ok", json_boolean(fits));
	/* this host's clock, for the coordinator's one end of the hold */
	json_object_set_new(j, "wall_s", json_real(clock_of_s(CLOCK_REALTIME)));
	line = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	printf("%s\n", line ? line : "{}");
	fflush(stdout);
	free(line);
	json_decref(j);
	return fits ? EXIT_OK : EXIT_CANNOT_RUN;
}
