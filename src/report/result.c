/* SPDX-License-Identifier: MIT */
/* result.c - reading result.json: loading a run directory's, numbers at
 * dotted paths; and writing a run directory's files atomically. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/report.h"
#include "util/log.h"
#include "util/textfile.h"

/* A result.json of a million-connection run is a few MiB; 256 MiB is none. */
#define RESULT_JSON_MAX (256u << 20)

json_t *report_load(const char *dir, char *err, size_t errlen)
{
	char path[1024], *text = NULL;
	size_t len = 0;
	struct stat st;
	json_error_t e;
	json_t *j;

	snprintf(path, sizeof(path), "%s/result.json", dir);
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: %s; give a run directory (runs/<time>-<lab>/)", dir,
			 stat(dir, &st) ? strerror(errno) : "not a directory");
		return NULL;
	}
	if (access(path, F_OK)) {
		snprintf(
			err, errlen,
			"%s is not a run directory: it has no result.json; 'connlab run' writes one into runs/<time>-<lab>/",
			dir);
		return NULL;
	}
	if (textfile_read(path, RESULT_JSON_MAX, &text, &len, err, errlen))
		return NULL; /* a directory, a device, binary: said before it is read */
	j = json_loadb(text, len, 0, &e);
	free(text);
	if (!j) {
		if (e.line > 0)
			snprintf(err, errlen, "%s:%d: %s (a result.json cut short or edited?)",
				 path, e.line, e.text);
		else
			snprintf(err, errlen, "%s: %s", path, e.text);
		return NULL;
	}
	if (json_integer_value(json_object_get(j, "schema")) != 1) {
		snprintf(err, errlen, "%s: not a connlab result of schema 1", path);
		json_decref(j);
		return NULL;
	}
	return j;
}

/* "c*" matches c0, c12 (a digit after the prefix); "*" every member */
static int step_matches(const char *pattern, size_t plen, const char *name)
{
	if (plen == 0)
		return 1;
	return !strncmp(name, pattern, plen) && name[plen] >= '0' && name[plen] <= '9';
}

static double lookup_one(json_t *v, const char *path)
{
	const char *dot = strchr(path, '.');
	char key[64];
	size_t n = dot ? (size_t)(dot - path) : strlen(path);

	if (!strpbrk(path, "*#")) { /* a plain path: the one reader */
		json_t *x = jpath(v, path);

		return json_is_number(x) ? json_number_value(x) : NAN;
	}
	if (n >= sizeof(key) || !v)
		return NAN;
	memcpy(key, path, n);
	key[n] = 0;
	if (n && key[n - 1] == '*' && dot) {
		const char *k;
		json_t *m;
		double sum = 0;
		int any = 0;

		json_object_foreach(v, k, m)
		{
			double x = step_matches(key, n - 1, k) ? lookup_one(m, dot + 1) : NAN;

			if (!isnan(x)) {
				sum += x;
				any = 1;
			}
		}
		return any ? sum : NAN;
	}
	if (!strcmp(key, "#"))
		return json_is_array(v) ? (double)json_array_size(v) : NAN;
	v = json_object_get(v, key);
	if (dot)
		return lookup_one(v, dot + 1);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

double report_lookup(json_t *v, const char *path)
{
	const char *plus = strstr(path, " + "), * or = strstr(path, " | ");
	char first[128];
	double a, b;

	if (or) { /* the first that is there: a newer path, then an older one */
		snprintf(first, sizeof(first), "%.*s", (int)(or -path), path);
		a = report_lookup(v, first);
		return isnan(a) ? report_lookup(v, or +3) : a;
	}
	if (!plus)
		return lookup_one(v, path);
	snprintf(first, sizeof(first), "%.*s", (int)(plus - path), path);
	a = lookup_one(v, first);
	b = report_lookup(v, plus + 3);
	return isnan(a) || isnan(b) ? NAN : a + b;
}

void report_expectation_xml(FILE *f, json_t *e)
{
	static const char *const parts[] = { "metric", "op", "text" };

	for (size_t i = 0; i < 3; i++) {
		const char *s = json_string_value(json_object_get(e, parts[i]));

		if (i)
			fputc(' ', f);
		report_xml_escape(f, s ? s : "");
	}
}

double report_lookup_count(json_t *v, const char *path)
{
	double x = report_lookup(v, path);
	const char *dot = strrchr(path, '.');
	char parent[128];

	if (!isnan(x) || !dot || strstr(path, " + "))
		return x;
	snprintf(parent, sizeof(parent), "%.*s", (int)(dot - path), path);
	/* the object is there, the member is not: none happened */
	return strchr(parent, '.') || !json_is_object(json_object_get(v, parent)) ? x : 0;
}

int report_write_atomic(const char *dir, const char *name, void (*fn)(FILE *, void *), void *arg)
{
	char tmp[700], path[700];
	FILE *f;
	int fd, r = 0;

	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		r = -errno;
		log_msg(LOGL_ERROR, "cannot write %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return r;
	}
	fn(f, arg);
	if (fflush(f) || fsync(fileno(f)))
		r = -errno;
	if (fclose(f) && !r)
		r = -errno;
	if (!r && rename(tmp, path))
		r = -errno;
	if (r) {
		log_msg(LOGL_ERROR, "cannot write %s: %s%s", path, strerror(-r),
			r == -ENOSPC || r == -EDQUOT ? ": free some space and run it again" : "");
		unlink(tmp);
	}
	return r;
}
