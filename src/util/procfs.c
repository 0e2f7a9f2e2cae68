/* SPDX-License-Identifier: MIT */
/* procfs.c - /proc/meminfo, RLIMIT_NOFILE, statm and smaps_rollup. */
#include "util/procfs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

uint64_t procfs_meminfo_parse(const char *text, const char *key)
{
	size_t kl = strlen(key);
	unsigned long long v = 0;

	for (const char *line = text; line && *line;
	     line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		if (!strncmp(line, key, kl) && line[kl] == ':' &&
		    sscanf(line + kl + 1, "%llu", &v) == 1)
			return v;
	return 0;
}

uint64_t procfs_meminfo_kb(const char *key)
{
	char buf[8192];
	FILE *f = fopen("/proc/meminfo", "re");
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	return procfs_meminfo_parse(buf, key);
}

uint64_t procfs_nofile_hard(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 1024;
	return rl.rlim_max == RLIM_INFINITY ? 1048576 : rl.rlim_max;
}

uint64_t procfs_nofile_soft(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 1024;
	return rl.rlim_cur == RLIM_INFINITY ? 1048576 : rl.rlim_cur;
}

uint64_t procfs_nofile_raise(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 1024;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return 1024;
	return rl.rlim_cur;
}

uint64_t procfs_rss_self(void)
{
	unsigned long size, resident;
	FILE *f = fopen("/proc/self/statm", "re");
	int n;

	if (!f)
		return 0;
	n = fscanf(f, "%lu %lu", &size, &resident);
	fclose(f);
	return n == 2 ? (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE) : 0;
}

uint64_t procfs_pss(pid_t pid)
{
	char path[64], line[128];
	unsigned long long kb = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Pss: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

uint64_t procfs_pss_tree(pid_t pid)
{
	char path[96], buf[4096];
	uint64_t sum = procfs_pss(pid);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	f = fopen(path, "re");
	if (!f)
		return sum;
	if (fgets(buf, sizeof(buf), f)) {
		char *save, *tok = strtok_r(buf, " \n", &save);

		for (; tok; tok = strtok_r(NULL, " \n", &save))
			sum += procfs_pss_tree((pid_t)atoi(tok));
	}
	fclose(f);
	return sum;
}
