/* SPDX-License-Identifier: MIT */
/* facts.c - this host's limits, memory and kernel features, read from
 * /proc and by trying (a socket option, a remount in a forked child, a
 * fresh network namespace); nothing of the host is changed. */
#define _GNU_SOURCE
#include "host/host.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netns/netns.h"
#include "util/procfs.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

static int64_t read_i64(const char *path, int64_t absent)
{
	char buf[64];
	FILE *fp = fopen(path, "re");
	long long v;

	if (!fp)
		return absent;
	if (!fgets(buf, sizeof(buf), fp) || sscanf(buf, "%lld", &v) != 1)
		v = absent;
	fclose(fp);
	return v;
}

static void read_status(struct host_facts *f)
{
	char line[256];
	FILE *fp = fopen("/proc/self/status", "re");
	unsigned long long eff;

	while (fp && fgets(line, sizeof(line), fp))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			f->cap_eff = eff;
	if (fp)
		fclose(fp);
}

static void read_sockstat(struct host_facts *f)
{
	char line[256];
	FILE *fp = fopen("/proc/net/sockstat", "re");
	unsigned long long a, b, c, d, e;

	while (fp && fgets(line, sizeof(line), fp))
		if (sscanf(line, "TCP: inuse %llu orphan %llu tw %llu alloc %llu mem %llu", &a, &b,
			   &c, &d, &e) == 5)
			f->tcp_pages = e;
	if (fp)
		fclose(fp);
}

/* neighbour entries of all namespaces: the first field of the second line
 * of /proc/net/stat/arp_cache (hexadecimal, the same on every CPU line) */
static uint64_t neigh_of(const char *path)
{
	char line[512];
	FILE *fp = fopen(path, "re");
	uint64_t n = 0;

	if (fp && fgets(line, sizeof(line), fp) && fgets(line, sizeof(line), fp))
		n = strtoull(line, NULL, 16);
	if (fp)
		fclose(fp);
	return n;
}

static void read_neigh(struct host_facts *f)
{
	f->neigh_entries = neigh_of("/proc/net/stat/arp_cache");
	f->neigh6_entries = neigh_of("/proc/net/stat/ndisc_cache");
}

/* where /proc/sys is read-only: can connlab remount it in a mount
 * namespace of its own? Tried in a child, which exits. */
static int try_proc_sys_fix(void)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(-netns_sysctl_writable() & 0xff);
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) ? -WEXITSTATUS(st) : -EINTR;
}

void host_facts_read(struct host_facts *f)
{
	struct utsname u;
	struct statvfs sv;
	unsigned long long a, b, c;
	FILE *fp;
	int one = 1, fd, got;

	memset(f, 0, sizeof(*f));
	if (!uname(&u)) {
		snprintf(f->release, sizeof(f->release), "%s", u.release);
		f->version = kernel_version_code(u.release);
	}
	f->cpus = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	f->euid = geteuid();
	read_status(f);
	fp = fopen("/proc/self/uid_map", "re");
	got = fp && fscanf(fp, "%llu %llu %llu", &a, &b, &c) == 3;
	f->init_userns = !got || (a == 0 && b == 0 && c == 4294967295ULL);
	f->outer_uid = f->init_userns ? f->euid : (uid_t)b;
	if (fp)
		fclose(fp);
	f->nofile_soft = procfs_nofile_soft();
	f->nofile_hard = procfs_nofile_hard();
	f->nr_open = procfs_read_u64("/proc/sys/fs/nr_open");
	f->file_max = procfs_read_u64("/proc/sys/fs/file-max");
	fp = fopen("/proc/sys/fs/file-nr", "re");
	if (fp && fscanf(fp, "%llu %llu %llu", &a, &b, &c) == 3)
		f->files_open = a - b;
	if (fp)
		fclose(fp);
	f->mem_total = procfs_meminfo_kb("MemTotal") * 1024;
	f->mem_available = procfs_meminfo_kb("MemAvailable") * 1024;
	f->page_size = (uint64_t)sysconf(_SC_PAGESIZE);
	fp = fopen("/proc/sys/net/ipv4/tcp_mem", "re");
	if (fp && fscanf(fp, "%llu %llu %llu", &a, &b, &c) == 3) {
		f->tcp_mem[0] = a;
		f->tcp_mem[1] = b;
		f->tcp_mem[2] = c;
	}
	if (fp)
		fclose(fp);
	read_sockstat(f);
	f->max_orphans = procfs_read_u64("/proc/sys/net/ipv4/tcp_max_orphans");
	f->conntrack = access("/proc/sys/net/netfilter/nf_conntrack_max", F_OK) == 0;
	f->ct_max = procfs_read_u64("/proc/sys/net/netfilter/nf_conntrack_max");
	f->ct_count = procfs_read_u64("/proc/sys/net/netfilter/nf_conntrack_count");
	f->gc_thresh[0] = procfs_read_u64("/proc/sys/net/ipv4/neigh/default/gc_thresh1");
	f->gc_thresh[1] = procfs_read_u64("/proc/sys/net/ipv4/neigh/default/gc_thresh2");
	f->gc_thresh[2] = procfs_read_u64("/proc/sys/net/ipv4/neigh/default/gc_thresh3");
	f->ipv6 = access("/proc/sys/net/ipv6", F_OK) == 0;
	f->gc_thresh6[0] = procfs_read_u64("/proc/sys/net/ipv6/neigh/default/gc_thresh1");
	f->gc_thresh6[1] = procfs_read_u64("/proc/sys/net/ipv6/neigh/default/gc_thresh2");
	f->gc_thresh6[2] = procfs_read_u64("/proc/sys/net/ipv6/neigh/default/gc_thresh3");
	read_neigh(f);
	f->epoll_watches = procfs_read_u64("/proc/sys/fs/epoll/max_user_watches");
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	f->bind_no_port = fd >= 0 && setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
						sizeof(one)) == 0;
	if (fd >= 0)
		close(fd);
	f->child_ehash = access("/proc/sys/net/ipv4/tcp_child_ehash_entries", F_OK) == 0;
	f->migrate_req = access("/proc/sys/net/ipv4/tcp_migrate_req", F_OK) == 0;
	f->max_userns = read_i64("/proc/sys/user/max_user_namespaces", -1);
	f->unpriv_userns = (int)read_i64("/proc/sys/kernel/unprivileged_userns_clone", -1);
	f->apparmor_userns =
		(int)read_i64("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", -1);
	f->proc_sys_ro = statvfs("/proc/sys", &sv) == 0 && (sv.f_flag & ST_RDONLY);
	f->proc_sys_fix = f->proc_sys_ro ? try_proc_sys_fix() : 0;
	f->fresh_tw_reuse = -1;
}
