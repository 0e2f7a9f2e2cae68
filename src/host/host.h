/* SPDX-License-Identifier: MIT */
/* host.h - what this host has and what a lab needs of it: the facts
 * (limits, memory, kernel features, privileges, read from /proc and by
 * trying), a fresh network namespace that answers for the kernel, and the
 * checks (ok, warn, blocks, each with the number found, the number needed
 * and the fix). `connlab doctor` prints them; `connlab run` refuses a lab
 * that a check blocks, before anything is built. */
#ifndef CONNLAB_HOST_H
#define CONNLAB_HOST_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "engine/flood.h"
#include "kernel/tuning.h"
#include "lab/lab.h"
#include "plan/plan.h"

struct host_facts {
	char release[80];
	unsigned version; /* kernel_version_code */
	unsigned cpus;
	uid_t euid;
	uint64_t cap_eff;
	int init_userns; /* the host's user namespace (uid_map 0 0 4294967295) */
	uid_t outer_uid; /* the uid outside a user namespace (uid_map), else euid */
	uint64_t nofile_soft, nofile_hard;
	uint64_t nr_open, file_max, files_open;
	uint64_t mem_total, mem_available; /* bytes */
	uint64_t page_size;
	uint64_t tcp_mem[3]; /* pages; 0: unknown */
	uint64_t tcp_pages;  /* TCP memory in use now (sockstat), pages */
	uint64_t max_orphans;
	int conntrack; /* nf_conntrack loaded */
	uint64_t ct_max, ct_count;
	uint64_t gc_thresh[3];
	uint64_t neigh_entries; /* neighbour entries now, all namespaces */
	int ipv6;		/* the kernel has IPv6 (/proc/sys/net/ipv6) */
	uint64_t gc_thresh6[3];
	uint64_t neigh6_entries; /* IPv6 neighbour entries now (ndisc_cache) */
	uint64_t epoll_watches;
	int bind_no_port;	  /* IP_BIND_ADDRESS_NO_PORT: 1 yes, 0 no */
	int child_ehash;	  /* net.ipv4.tcp_child_ehash_entries exists */
	int migrate_req;	  /* net.ipv4.tcp_migrate_req exists */
	int64_t max_userns;	  /* user.max_user_namespaces, -1 absent */
	int unpriv_userns;	  /* kernel.unprivileged_userns_clone, -1 absent */
	int apparmor_userns;	  /* kernel.apparmor_restrict_unprivileged_userns, -1 absent */
	int proc_sys_ro;	  /* /proc/sys is mounted read-only */
	int proc_sys_fix;	  /* 0: connlab can remount it in a mount namespace; -errno */
	int fresh_tw_reuse;	  /* tcp_tw_reuse in a fresh namespace, -1 unknown */
	char rootless_error[400]; /* why a user namespace was refused, set by the caller */
};

/* Reads the facts. A child is forked to try the /proc/sys remount where
 * /proc/sys is read-only; nothing of the host is changed. */
void host_facts_read(struct host_facts *f);

/* A fresh network namespace that answers for the running kernel (needs
 * CAP_SYS_ADMIN; in a user namespace, f says so, a child holds it);
 * probed is 0 and why says why without one. */
struct host_probe {
	int ns_fd;
	int probed;
	char why[160];
	pid_t child; /* rootless: the child that holds the fresh namespace */
	int to;
	FILE *from;
};
void host_probe_open(struct host_probe *hp, const struct host_facts *f);
void host_probe_close(struct host_probe *hp);
/* The kernel view tuning_classify uses: lookups on the host and in the
 * probe's namespace, values tried there. */
void host_kernel_view(struct kernel_view *kv, struct host_probe *hp, const struct host_facts *f);

struct host_check {
	char id[24];
	enum level level;
	char title[64];
	char found[240];
	char needed[240];
	char why[1400];
	char fix[400];
};

/* forecast.c - how many connections this host holds for a lab, and which
 * limit it meets first: memory above the lab's floor, epoll watches, local
 * ports, the conntrack table, open files, each with its numbers. `connlab
 * plan`, `doctor` and the run (result.json's forecast) say the same. */
enum forecast_limit { FC_MEMORY, FC_EPOLL, FC_PORTS, FC_CONNTRACK, FC_FILES, FC_COUNT };

struct forecast_kind {
	const char *id;	  /* result.json's forecast.limits key */
	const char *name; /* in a sentence */
	const char *come; /* "comes" or "come" */
};
extern const struct forecast_kind forecast_kinds[FC_COUNT];

struct forecast_row {
	int applies;	      /* 0: not a limit here (why says why) */
	uint64_t connections; /* held at once when it is met */
	char why[240];	      /* its numbers */
};

struct forecast {
	uint64_t asked;	     /* held at once: clients.connections (inflight in churn) */
	uint64_t holds;	     /* what the host holds of them */
	int first;	     /* the lowest limit (met first when below asked), -1: none */
	uint64_t conn_bytes; /* kernel and user memory per connection */
	int cost_measured;   /* the kernel's part from this host's slab objects */
	uint64_t available, floor, fixed; /* MemAvailable, the floor, per-process memory */
	uint64_t spare; /* free objects in the socket caches the lab will take first */
	struct forecast_row row[FC_COUNT];
};

/* The forecast of lab on the host of f, as planned in p. */
void host_forecast(const struct host_facts *f, const struct lab *lab, const struct plan *p,
		   struct forecast *fc);
/* A value for fs.epoll.max_user_watches that memory can hold: the watches
 * of what memory above the floor holds (or of what is asked, if less);
 * 0 when memory comes first anyway and raising it would not help. */
uint64_t forecast_epoll_raise(const struct forecast *fc);
/* "holds N of M connections asked: LIMIT comes first", and a line a limit. */
void forecast_write(const struct forecast *fc, FILE *out);
json_t *forecast_json(const struct forecast *fc);
#define HOST_CHECKS_MAX 32

struct host_report {
	unsigned n, blocks, warns;
	struct host_check c[HOST_CHECKS_MAX];
	struct tuning sysctls; /* the lab's [sysctl], classified */
	struct forecast forecast;
};

/* What the lab needs of the host, from its plan. */
struct host_needs {
	uint64_t files, kernel_bytes, user_bytes, tcp_pages;
	unsigned neighbours, processes;
	int stateful; /* stateful firewall rules see the lab's connections */
	char stateful_why[160];
};
void host_needs_of(const struct lab *lab, const struct plan *p, struct host_needs *n);

/* The scale a tuning file is judged for. */
void host_tuning_scale(const struct lab *lab, const struct plan *p, struct tuning_scale *sc);

/* Every check of the lab against the facts; kv answers for the lab's
 * sysctls. out->sysctls is to be freed with host_report_free. */
void host_check_all(const struct host_facts *f, const struct kernel_view *kv, const struct lab *lab,
		    const struct plan *p, struct host_report *out);
void host_report_free(struct host_report *r);

/* Only the privileges: 0 when connlab can build a lab, otherwise the
 * lines to print (each ending in '\n') in msg. */
int host_privileges(const struct host_facts *f, char *msg, size_t len);

/* Without privileges: moves the process into a user namespace of its own
 * (netns_userns_enter), in which it may build a lab. 0, or -errno with the
 * reason in plain words in msg: the setting that forbids it (read from
 * f) and its fix. Before any thread is created. */
int host_enter_rootless(const struct host_facts *f, char *msg, size_t len);
/* What commands that only look (doctor) do: without privileges, enter a
 * user namespace if one may be had. Reads the facts as they are then;
 * rootless_error says why not. 1 when it entered one. */
int host_facts_rootless(struct host_facts *f);

void host_report_write(const struct host_report *r, const struct host_facts *f,
		       const struct lab *lab, FILE *out);

/* ---- sources.c: can this host run a flood ---- */

/* Whether the flood's connections fit the local ports and the open-file
 * limit (raised to its hard limit here); *workers (0: auto) set. 0, or
 * -1 with what to change in err. */
int host_flood_fits(struct flood_cfg *cfg, int beyond, uint64_t *workers, char *err, size_t errlen);
/* The flood's source addresses this host does not have (a bind to them
 * fails with EADDRNOTAVAIL), as ranges in buf; their number. */
size_t host_sources_missing(const struct flood_cfg *cfg, char *buf, size_t len);

#endif
