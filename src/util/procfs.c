/* SPDX-License-Identifier: MIT */
/* procfs.c - /proc/meminfo, RLIMIT_NOFILE, statm and smaps_rollup, the
 * lab processes' fds, limits and peak memory, /proc/slabinfo. */
#include "util/procfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
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

uint64_t procfs_read_u64(const char *path)
{
	unsigned long long v = 0;
	FILE *f = fopen(path, "re");

	if (f && fscanf(f, "%llu", &v) != 1)
		v = 0;
	if (f)
		fclose(f);
	return v;
}

long procfs_read_text(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (len)
		buf[0] = 0;
	if (!f)
		return -errno;
	n = len ? fread(buf, 1, len - 1, f) : 0;
	fclose(f);
	if (len)
		buf[n] = 0;
	return (long)n;
}

uint64_t procfs_meminfo_kb(const char *key)
{
	char buf[8192];

	if (procfs_read_text("/proc/meminfo", buf, sizeof(buf)) < 0)
		return 0;
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

int64_t procfs_fds(pid_t pid)
{
	char path[64];
	struct stat st;
	struct dirent *d;
	int64_t n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	/* Linux 6.2 and later: the directory's size is the count */
	if (stat(path, &st) == 0 && st.st_size > 0)
		return (int64_t)st.st_size;
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		n += d->d_name[0] != '.';
	closedir(dir);
	return n;
}

uint64_t procfs_nofile_of(pid_t pid)
{
	char path[64], line[160], soft[32];
	uint64_t v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/limits", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Max open files", 14) && sscanf(line + 14, "%31s", soft) == 1) {
			v = !strcmp(soft, "unlimited") ? UINT64_MAX : strtoull(soft, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

uint64_t procfs_hwm(pid_t pid)
{
	char path[64], line[128];
	unsigned long long kb = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

int procfs_comm(pid_t pid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	if (!f || !fgets(buf, (int)len, f)) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

char procfs_state(pid_t pid)
{
	char path[64], buf[512], *p;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	/* "PID (COMM) S ...": the name may hold spaces and parentheses */
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

unsigned procfs_children(pid_t pid, pid_t *out, unsigned max)
{
	char path[96], buf[8192];
	unsigned n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f)) {
		char *save, *tok = strtok_r(buf, " \n", &save);

		for (; tok && n < max; tok = strtok_r(NULL, " \n", &save))
			out[n++] = (pid_t)atoi(tok);
	}
	fclose(f);
	return n;
}

int procfs_slabinfo_parse(const char *text, procfs_slab_fn fn, void *arg)
{
	long page = sysconf(_SC_PAGESIZE);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		char name[64];
		unsigned long long active, num, size, per, pages, aslabs, nslabs;
		const char *sd = strstr(l, ": slabdata");
		const char *eol = strchr(l, '\n');

		if (*l == '#' || !strncmp(l, "slabinfo", 8) || !sd || (eol && sd > eol))
			continue;
		if (sscanf(l, "%63s %llu %llu %llu %llu %llu", name, &active, &num, &size, &per,
			   &pages) != 6 ||
		    sscanf(sd, ": slabdata %llu %llu", &aslabs, &nslabs) != 2)
			continue;
		struct procfs_slab s = {
			name,
			active,
			nslabs * pages * (unsigned long long)page,
			per ? (double)(pages * (unsigned long long)page) / (double)per : 0,
			num > active ? num - active : 0,
		};

		if (fn(&s, arg))
			break;
	}
	return 0;
}

int procfs_slabinfo(procfs_slab_fn fn, void *arg)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	int fd = open("/proc/slabinfo", O_RDONLY | O_CLOEXEC), e = 0;
	ssize_t n;

	if (fd < 0 || !buf) {
		e = fd < 0 ? -errno : -ENOMEM;
		goto out;
	}
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (len + 1 >= cap) {
			char *b = realloc(buf, cap * 2);

			if (!b) {
				e = -ENOMEM;
				goto out;
			}
			buf = b;
			cap *= 2;
		}
	}
	buf[len] = 0;
	e = procfs_slabinfo_parse(buf, fn, arg);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return e;
}
