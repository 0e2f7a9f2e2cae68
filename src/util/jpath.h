/* SPDX-License-Identifier: MIT */
/* jpath.h - the one reader of JSON by path ("a.b[3].c"): result.json for
 * the report, the hosts' stats lines for the fleet. */
#ifndef CONNLAB_UTIL_JPATH_H
#define CONNLAB_UTIL_JPATH_H

#include <jansson.h>
#include <stdint.h>

/* The value at path under v ("a.b[3].c": members by name, array
 * elements by index), or NULL when any step is missing. */
json_t *jpath(json_t *v, const char *path);
/* The non-negative integer at path, 0 when absent or not one. */
uint64_t jpath_u(json_t *v, const char *path);

#endif
