/* SPDX-License-Identifier: MIT */
/* probe.c - the running kernel as tuning_classify asks it: does a name
 * exist on the host, in a fresh network namespace, is it writable there
 * (its mode: nothing is written to find out), and does the kernel take a
 * value (written in the fresh namespace only, which is thrown away). */
#define _GNU_SOURCE
#include "host/host.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netns/netns.h"

/* In a user namespace of its own (rootless) a process cannot go back to
 * the host's network namespace once it leaves it, so the fresh namespace
 * is a child's: it answers lookups and trials over a pair of pipes, one
 * line each way, and exits when the pipe closes. */
static void serve(int in, int out)
{
	char line[512], value[200], reply[400];
	FILE *fi = fdopen(in, "r");

	while (fi && fgets(line, sizeof(line), fi)) {
		char *name = line + 2, *v;
		int exists, rw;

		line[strcspn(line, "\n")] = 0;
		v = strchr(name, ' ');
		if (v)
			*v++ = 0;
		if (line[0] == 'L') {
			char path[300];
			struct stat st;
			FILE *fp;

			snprintf(path, sizeof(path), "/proc/sys/");
			for (size_t i = strlen(path), j = 0; name[j] && i + 1 < sizeof(path); j++)
				path[i++] = name[j] == '.' ? '/' : name[j], path[i] = 0;
			exists = stat(path, &st) == 0 && S_ISREG(st.st_mode);
			rw = exists && (st.st_mode & 0200);
			value[0] = 0;
			if (exists && (fp = fopen(path, "re"))) {
				if (!fgets(value, sizeof(value), fp))
					value[0] = 0;
				value[strcspn(value, "\n")] = 0;
				fclose(fp);
			}
			snprintf(reply, sizeof(reply), "%d %d %s\n", exists, rw, value);
		} else {
			char before[200];
			int r;

			if (netns_sysctl_read(-1, name, before, sizeof(before)))
				before[0] = 0;
			r = netns_sysctl_write(-1, name, v ? v : "");
			if (!r && *before && netns_sysctl_write(-1, name, before))
				r = 0;
			snprintf(reply, sizeof(reply), "%d\n", r);
		}
		if (write(out, reply, strlen(reply)) < 0)
			break;
	}
	_exit(0);
}

static int child_open(struct host_probe *hp)
{
	int to[2], from[2];
	pid_t pid;

	if (pipe2(to, O_CLOEXEC) || pipe2(from, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		close(to[1]);
		close(from[0]);
		if (unshare(CLONE_NEWNET))
			_exit(1);
		serve(to[0], from[1]);
	}
	close(to[0]);
	close(from[1]);
	hp->child = pid;
	hp->to = to[1];
	hp->from = fdopen(from[0], "r");
	return hp->from ? 0 : -errno;
}

static int ask(struct host_probe *hp, const char *req, char *reply, size_t len)
{
	if (write(hp->to, req, strlen(req)) != (ssize_t)strlen(req) ||
	    !fgets(reply, (int)len, hp->from))
		return -EIO;
	reply[strcspn(reply, "\n")] = 0;
	return 0;
}

void host_probe_open(struct host_probe *hp, const struct host_facts *f)
{
	int r;

	memset(hp, 0, sizeof(*hp));
	hp->ns_fd = hp->to = -1;
	if (!f->init_userns) {
		r = child_open(hp);
		if (r)
			snprintf(
				hp->why, sizeof(hp->why),
				"no fresh network namespace to ask (%s): scopes are the table's, values are not tried",
				strerror(-r));
		else
			hp->probed = 1;
		return;
	}
	r = netns_new(&hp->ns_fd);
	if (r) {
		hp->ns_fd = -1;
		snprintf(
			hp->why, sizeof(hp->why),
			"no fresh network namespace to ask (%s): scopes are the table's, values are not tried",
			strerror(-r));
		return;
	}
	hp->probed = 1;
}

void host_probe_close(struct host_probe *hp)
{
	if (hp->ns_fd >= 0)
		close(hp->ns_fd);
	if (hp->child > 0) {
		close(hp->to);
		fclose(hp->from);
		waitpid(hp->child, NULL, 0);
		hp->child = 0;
	}
	hp->ns_fd = hp->to = -1;
	hp->probed = 0;
}

static void path_of(const char *name, char *path, size_t len)
{
	size_t n = (size_t)snprintf(path, len, "/proc/sys/");

	for (const char *p = name; *p && n + 1 < len; p++)
		path[n++] = *p == '.' ? '/' : *p;
	path[n] = 0;
}

/* exists, writable (by its mode) and the value, in the calling thread's
 * namespace */
static void look(const char *name, int *exists, int *rw, char *value, size_t len)
{
	char path[300];
	struct stat st;
	FILE *fp;

	path_of(name, path, sizeof(path));
	*exists = stat(path, &st) == 0 && S_ISREG(st.st_mode);
	*rw = *exists && (st.st_mode & 0200);
	value[0] = 0;
	if (!*exists || !(st.st_mode & 0400))
		return;
	fp = fopen(path, "re");
	if (!fp)
		return;
	if (fgets(value, (int)len, fp)) {
		value[strcspn(value, "\n")] = 0;
		for (char *p = value; *p; p++)
			if (*p == '\t')
				*p = ' ';
	}
	fclose(fp);
}

static int view_lookup(void *arg, const char *name, struct kname *out)
{
	struct host_probe *hp = arg;
	int saved;

	memset(out, 0, sizeof(*out));
	if (strstr(name, "..") || strchr(name, '*'))
		return -EINVAL;
	look(name, &out->host, &out->host_rw, out->host_value, sizeof(out->host_value));
	out->netns = out->netns_rw = -1;
	if (hp->probed && hp->child > 0) {
		char req[300], reply[400];
		int n = 0;

		snprintf(req, sizeof(req), "L %s\n", name);
		if (ask(hp, req, reply, sizeof(reply)) ||
		    sscanf(reply, "%d %d %n", &out->netns, &out->netns_rw, &n) < 2)
			return -EIO;
		snprintf(out->netns_value, sizeof(out->netns_value), "%s", reply + n);
		return 0;
	}
	if (!hp->probed || netns_enter(hp->ns_fd, &saved))
		return 0;
	look(name, &out->netns, &out->netns_rw, out->netns_value, sizeof(out->netns_value));
	if (netns_leave(saved))
		return -EIO;
	return 0;
}

static int view_try(void *arg, const char *name, const char *value)
{
	struct host_probe *hp = arg;
	char before[200];
	int r;

	if (!hp->probed)
		return -ENOSYS;
	if (hp->child > 0) {
		char req[400], reply[64];

		snprintf(req, sizeof(req), "T %s %s\n", name, value);
		if (ask(hp, req, reply, sizeof(reply)))
			return -EIO;
		r = atoi(reply);
		return r == -EROFS ? -ENOSYS : r;
	}
	if (netns_sysctl_read(hp->ns_fd, name, before, sizeof(before)))
		before[0] = 0;
	r = netns_sysctl_write(hp->ns_fd, name, value);
	if (r == -EROFS) /* /proc/sys mounted read-only (a container): not tried */
		return -ENOSYS;
	if (!r && *before && netns_sysctl_write(hp->ns_fd, name, before))
		return 0; /* taken; putting the old value back is best effort */
	return r;
}

void host_kernel_view(struct kernel_view *kv, struct host_probe *hp, const struct host_facts *f)
{
	memset(kv, 0, sizeof(*kv));
	kv->version = f->version;
	snprintf(kv->release, sizeof(kv->release), "%s", f->release);
	kv->probed = hp->probed;
	kv->conntrack = f->conntrack;
	kv->nr_open = f->nr_open;
	kv->mem_total = f->mem_total;
	kv->page_size = f->page_size;
	kv->lookup = view_lookup;
	kv->try_value = view_try;
	kv->arg = hp;
}
