/* SPDX-License-Identifier: MIT */
/* jpath.c - JSON by path: the one reader (util/jpath.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jpath.h"

json_t *jpath(json_t *v, const char *path)
{
	char step[128];

	while (v && *path) {
		size_t n = strcspn(path, ".[");

		if (n) {
			snprintf(step, sizeof(step), "%.*s", (int)n, path);
			v = json_object_get(v, step);
			path += n;
		}
		if (*path == '[') {
			char *end;
			long i = strtol(path + 1, &end, 10);

			if (*end != ']' || i < 0)
				return NULL;
			v = json_array_get(v, (size_t)i);
			path = end + 1;
		}
		if (*path == '.')
			path++;
	}
	return v;
}

uint64_t jpath_u(json_t *v, const char *path)
{
	json_t *x = jpath(v, path);

	return json_is_integer(x) && json_integer_value(x) > 0 ? (uint64_t)json_integer_value(x)
							       : 0;
}
