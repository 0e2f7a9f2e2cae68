/* SPDX-License-Identifier: MIT */
/* knowledge.c - looking up the table of sysctls (sysctls.c): by name with
 * wildcards, names normalized, versions compared, scopes and units named,
 * and where a fix is made. */
#define _GNU_SOURCE
#include "kernel/knowledge.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "util/compiler.h"

int kernel_sysctl_normalize(const char *name, char *out, size_t len)
{
	size_t n = strlen(name);

	while (n && (name[n - 1] == ' ' || name[n - 1] == '\t'))
		n--;
	if (!n || n >= len)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (c == '/')
			c = '.';
		if (!(isalnum((unsigned char)c) || c == '.' || c == '_' || c == '-' || c == '*'))
			return -1;
		out[i] = c;
	}
	out[n] = 0;
	return 0;
}

/* name against a pattern whose '*' components match one word */
static int name_match(const char *pat, const char *name)
{
	while (*pat && *name) {
		if (*pat == '*') {
			pat++;
			while (*name && *name != '.')
				name++;
			continue;
		}
		if (*pat != *name)
			return 0;
		pat++;
		name++;
	}
	return !*pat && !*name;
}

const struct ksysctl *kernel_sysctl_find(const char *name)
{
	char n[160];

	if (kernel_sysctl_normalize(name, n, sizeof(n)))
		return NULL;
	for (size_t i = 0; i < ksysctls_count; i++)
		if (name_match(ksysctls[i].name, n))
			return &ksysctls[i];
	return NULL;
}

unsigned kernel_version_code(const char *v)
{
	unsigned a = 0, b = 0;

	if (!v || sscanf(v, "%u.%u", &a, &b) != 2)
		return 0;
	return a * 1000 + b;
}

unsigned kernel_version_running(void)
{
	struct utsname u;

	if (uname(&u))
		return 0;
	return kernel_version_code(u.release);
}

const char *kernel_scope_name(enum kscope s)
{
	static const char *const names[] = {
		[KSCOPE_NETNS] = "netns",	 [KSCOPE_NETNS_RO] = "host, shown in namespaces",
		[KSCOPE_HOST] = "host",		 [KSCOPE_GLOBAL] = "global",
		[KSCOPE_READONLY] = "read-only", [KSCOPE_REMOVED] = "removed",
	};

	return (unsigned)s < ARRAY_LEN(names) ? names[s] : "?";
}

const char *kernel_unit_name(enum kunit u)
{
	static const char *const names[] = {
		[KU_NUM] = "count",
		[KU_BOOL] = "0 or 1",
		[KU_MODE] = "mode",
		[KU_BYTES] = "bytes",
		[KU_KBYTES] = "KiB",
		[KU_PAGES3] = "pages (three numbers)",
		[KU_BYTES3] = "bytes (min, default, max)",
		[KU_SECONDS] = "seconds",
		[KU_MS] = "milliseconds",
		[KU_US] = "microseconds",
		[KU_USER_HZ] = "hundredths of a second",
		[KU_RANGE] = "two ports",
		[KU_PORTLIST] = "ports",
		[KU_NAME] = "name",
		[KU_NUM3] = "three numbers",
	};

	return (unsigned)u < ARRAY_LEN(names) ? names[u] : "?";
}

char *kernel_sysctl_how(const char *name, const char *value, char *buf, size_t len)
{
	const struct ksysctl *k = kernel_sysctl_find(name);
	int quote = strchr(value, ' ') != NULL;

	if (k && k->scope == KSCOPE_NETNS)
		snprintf(buf, len, "--set %ssysctl.%s=%s%s", quote ? "\"" : "", name, value,
			 quote ? "\"" : "");
	else
		snprintf(buf, len, "sysctl -w %s%s=%s%s on the host", quote ? "\"" : "", name,
			 value, quote ? "\"" : "");
	return buf;
}
