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
#include <unistd.h>

#include "netns/netns.h"

void host_probe_open(struct host_probe *hp)
{
	int r;

	memset(hp, 0, sizeof(*hp));
	hp->ns_fd = -1;
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
	hp->ns_fd = -1;
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
