/* SPDX-License-Identifier: MIT */
/* ns.c - network namespaces: create and hold by descriptor, enter and
 * leave, sysctls inside one, names under /run/netns (like `ip netns`). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "netns.h"

#define NETNS_RUN_DIR "/run/netns"

static int open_self(int *fd)
{
	*fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	return *fd < 0 ? -errno : 0;
}

int netns_enter(int fd, int *saved)
{
	int r;

	if (saved) {
		r = open_self(saved);
		if (r)
			return r;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		r = -errno;
		if (saved)
			close(*saved);
		return r;
	}
	return 0;
}

int netns_leave(int saved)
{
	int r = setns(saved, CLONE_NEWNET) < 0 ? -errno : 0;

	close(saved);
	return r;
}

int netns_new(int *fd)
{
	int saved, r, r2;

	r = open_self(&saved);
	if (r)
		return r;
	if (unshare(CLONE_NEWNET) < 0) {
		r = -errno;
		close(saved);
		return r;
	}
	r = open_self(fd);
	r2 = netns_leave(saved);
	if (r2 && !r) {
		close(*fd);
		r = r2;
	}
	return r;
}

static int sysctl_path(const char *name, char *path, size_t len)
{
	size_t off = (size_t)snprintf(path, len, "/proc/sys/");

	if (strstr(name, "..") || strchr(name, '/') || strlen(name) + off >= len)
		return -EINVAL;
	for (; *name; name++)
		path[off++] = *name == '.' ? '/' : *name;
	path[off] = 0;
	return 0;
}

/* Opens /proc/sys/NAME while inside the namespace of fd: the sysctl
 * tables seen through /proc/sys are those of the opening task's namespace. */
static int sysctl_open(int fd, const char *name, int flags, int *out)
{
	char path[256];
	int saved, r, r2;

	r = sysctl_path(name, path, sizeof(path));
	if (r)
		return r;
	if (fd < 0) {
		*out = open(path, flags | O_CLOEXEC);
		return *out < 0 ? -errno : 0;
	}
	r = netns_enter(fd, &saved);
	if (r)
		return r;
	*out = open(path, flags | O_CLOEXEC);
	r = *out < 0 ? -errno : 0;
	r2 = netns_leave(saved);
	if (r2 && !r) {
		close(*out);
		r = r2;
	}
	return r;
}

int netns_sysctl_write(int fd, const char *name, const char *value)
{
	size_t len = strlen(value);
	int sfd, r;
	ssize_t n;

	r = sysctl_open(fd, name, O_WRONLY, &sfd);
	if (r)
		return r;
	n = write(sfd, value, len);
	r = n < 0 ? -errno : (size_t)n == len ? 0 : -EIO;
	close(sfd);
	return r;
}

int netns_sysctl_read(int fd, const char *name, char *value, size_t len)
{
	int sfd, r;
	ssize_t n;

	if (len == 0)
		return -EINVAL;
	r = sysctl_open(fd, name, O_RDONLY, &sfd);
	if (r)
		return r;
	n = read(sfd, value, len - 1);
	r = n < 0 ? -errno : 0;
	if (n >= 0) {
		while (n > 0 && (value[n - 1] == '\n' || value[n - 1] == ' '))
			n--;
		value[n] = 0;
		for (char *p = value; *p; p++)
			if (*p == '\t')
				*p = ' ';
	}
	close(sfd);
	return r;
}

/* The mount namespace connlab started in, when netns_sysctl_writable()
 * moved the process into one of its own; -1 otherwise. */
static int orig_mnt = -1;

int netns_sysctl_writable(void)
{
	struct statvfs sv;
	unsigned long keep;
	int fd, r, cwd;

	if (orig_mnt >= 0 || statvfs("/proc/sys", &sv) < 0 || !(sv.f_flag & ST_RDONLY))
		return 0;
	fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (unshare(CLONE_NEWNS) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	/* mounts of the host still reach us; ours reach nobody */
	if (mount("", "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		goto fail;
	keep = (sv.f_flag & ST_NOSUID ? MS_NOSUID : 0) | (sv.f_flag & ST_NODEV ? MS_NODEV : 0) |
	       (sv.f_flag & ST_NOEXEC ? MS_NOEXEC : 0);
	if (mount(NULL, "/proc/sys", NULL, MS_REMOUNT | MS_BIND | keep, NULL) < 0)
		goto fail;
	orig_mnt = fd;
	return 0;
fail:
	r = -errno;
	/* back to where names outlive us (setns moves to the root: come back) */
	cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (setns(fd, CLONE_NEWNS) < 0 || (cwd >= 0 && fchdir(cwd) < 0))
		r = -errno;
	if (cwd >= 0)
		close(cwd);
	close(fd);
	return r;
}

/* Runs fn in the mount namespace connlab started in: names of namespaces
 * must outlive the process, so they cannot be mounted in its own one. */
static int in_orig_mnt(int (*fn)(const char *name, int fd), const char *name, int nsfd)
{
	int self, cwd, r, r2 = 0;

	if (orig_mnt < 0)
		return fn(name, nsfd);
	self = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (self < 0 || cwd < 0 || setns(orig_mnt, CLONE_NEWNS) < 0) {
		r = -errno;
		goto out;
	}
	r = fn(name, nsfd);
	if (setns(self, CLONE_NEWNS) < 0)
		r2 = -errno;
	if (fchdir(cwd) < 0 && !r2) /* setns moved us to the root */
		r2 = -errno;
out:
	if (self >= 0)
		close(self);
	if (cwd >= 0)
		close(cwd);
	return r ? r : r2;
}

static int valid_name(const char *name)
{
	return *name && strlen(name) < 200 && !strchr(name, '/') && strcmp(name, ".") &&
	       strcmp(name, "..");
}

/* /run/netns as a shared mount point of its own, so that names made here
 * show up in every mount namespace, as iproute2 does it. */
static int run_dir_prepare(void)
{
	if (mkdir(NETNS_RUN_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	if (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) == 0)
		return 0;
	if (errno != EINVAL)
		return -errno;
	/* not a mount point yet */
	if (mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none", MS_BIND | MS_REC, NULL) < 0)
		return -errno;
	if (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) < 0)
		return -errno;
	return 0;
}

static int name_here(const char *name, int fd)
{
	char path[256], src[64];
	int f, r;

	r = run_dir_prepare();
	if (r)
		return r;
	snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", name);
	f = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (f < 0)
		return -errno;
	close(f);
	snprintf(src, sizeof(src), "/proc/self/fd/%d", fd);
	if (mount(src, path, "none", MS_BIND, NULL) < 0) {
		r = -errno;
		unlink(path);
		return r;
	}
	return 0;
}

int netns_name(int fd, const char *name)
{
	if (!valid_name(name))
		return -EINVAL;
	return in_orig_mnt(name_here, name, fd);
}

static int unname_here(const char *name, int fd)
{
	char path[256];
	int r = 0;

	(void)fd;
	snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", name);
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL)
		r = errno == ENOENT ? -ENOENT : -errno;
	if (unlink(path) < 0 && !r)
		r = -errno;
	return r;
}

int netns_unname(const char *name)
{
	if (!valid_name(name))
		return -EINVAL;
	return in_orig_mnt(unname_here, name, -1);
}

int netns_open_named(const char *name, int *fd)
{
	char path[256];

	if (!valid_name(name))
		return -EINVAL;
	snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", name);
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	return *fd < 0 ? -errno : 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int netns_list(const char *prefix, int (*fn)(const char *name, void *arg), void *arg)
{
	struct dirent **list;
	int n = scandir(NETNS_RUN_DIR, &list, NULL, by_name), r = 0;

	if (n < 0)
		return errno == ENOENT ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		if (!r && !strncmp(list[i]->d_name, prefix, strlen(prefix)))
			r = fn(list[i]->d_name, arg);
		free(list[i]);
	}
	free(list);
	return r;
}

int netns_inode(int fd, uint64_t *ino)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	*ino = (uint64_t)st.st_ino;
	return 0;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;
	size_t n = strlen(text);

	if (fd < 0)
		return -errno;
	if (write(fd, text, n) != (ssize_t)n)
		r = -errno;
	close(fd);
	return r;
}

int netns_userns_enter(void)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char map[64];
	int r;

	if (unshare(CLONE_NEWUSER) < 0)
		return -errno;
	/* an unprivileged map may name only the caller's own ids, and the
	 * gid map only once setgroups is denied */
	r = write_file("/proc/self/setgroups", "deny");
	if (r && r != -ENOENT)
		return r;
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
	r = write_file("/proc/self/uid_map", map);
	if (r)
		return r;
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
	return write_file("/proc/self/gid_map", map);
}
