/* SPDX-License-Identifier: MIT */
/* tuning.h - a tuning file explained line by line: sysctl.conf lines
 * (name = value) and limits.conf lines (domain type item value), each
 * given one verdict and a sentence from the knowledge table, the running
 * kernel (through a view the caller provides) and the lab at hand. */
#ifndef CONNLAB_KERNEL_TUNING_H
#define CONNLAB_KERNEL_TUNING_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/status.h"

#include "kernel/knowledge.h"

enum tverdict {
	TV_NETNS,	 /* per network namespace: a lab can set it */
	TV_GLOBAL,	 /* host-wide */
	TV_REMOVED,	 /* removed from the kernel */
	TV_UNKNOWN,	 /* this kernel has no such name */
	TV_READONLY,	 /* cannot be written */
	TV_REFUSED,	 /* the value is wrong for it */
	TV_INCONSISTENT, /* contradicts another line or the host */
	TV_RISKY,	 /* works, with a cost */
	TV_UNIT_TRAP,	 /* pages or jiffies, not what it looks like */
	TV_NO_EFFECT,	 /* changes nothing for the lab at hand */
	TV_REPEATED,	 /* set again later: this line does not count */
	TV_MALFORMED,	 /* not a line of either format */
	TV_COUNT,
};

/* What the running kernel says of one name. */
struct kname {
	int host;     /* exists where doctor runs (the host's namespace) */
	int netns;    /* exists in a fresh network namespace; -1: not probed */
	int host_rw;  /* writable there (opened for writing, nothing written) */
	int netns_rw; /* -1: not probed */
	char host_value[160];
	char netns_value[160];
};

struct kernel_view {
	unsigned version;   /* kernel_version_code of the running kernel */
	char release[80];   /* uname -r */
	int probed;	    /* a fresh namespace answered lookups */
	int conntrack;	    /* nf_conntrack is loaded */
	uint64_t nr_open;   /* the host's fs.nr_open, 0: unknown */
	uint64_t mem_total; /* bytes */
	uint64_t page_size;
	/* 0 and *out filled, or -errno */
	int (*lookup)(void *arg, const char *name, struct kname *out);
	/* writes value in a fresh namespace: 0, -errno, -ENOSYS (no probe) */
	int (*try_value)(void *arg, const char *name, const char *value);
	void *arg;
};

/* A kernel that is exactly the table, at version (tests, and the scope
 * the table claims): every name exists where its scope says, with its
 * default; values are checked by their unit only. */
void kernel_view_table(struct kernel_view *v, unsigned version, uint64_t mem_total);

/* The lab a tuning file is judged for. */
struct tuning_scale {
	char label[160];      /* "lab 'default' (100k connections, hold)" */
	uint64_t connections; /* held (hold) or in all (churn) */
	uint64_t rate;	      /* per second, 0: unlimited */
	int churn;
	int moves_data;	      /* the lab sends more than a line now and then */
	int user_command;     /* a user's server or client program */
	int stateful;	      /* stateful firewall rules see the lab's connections */
	unsigned neighbours;  /* neighbour entries the lab makes */
	uint64_t files;	      /* files the lab opens, both ends */
	uint64_t tcp_pages;   /* TCP memory the lab needs, pages */
	uint64_t per_process; /* connections one process holds in the plan */
	unsigned n_lab;	      /* the lab's own sysctls */
	const char *lab_name[64], *lab_value[64];
};

enum tkind { TK_SYSCTL, TK_LIMIT };

struct tuning_line {
	char file[160];
	int line;
	enum tkind kind;
	char name[160]; /* sysctl: normalized; limits: the item */
	char value[200];
	char domain[64], type[8]; /* limits.conf */
	int dash;		  /* sysctl.d "-name = value": errors ignored */
	const struct ksysctl *k;
	enum tverdict verdict;
	enum level level;
	int in_section; /* goes into the ready [sysctl] section */
	int scope;	/* enum kscope as this kernel has it; -1 not known */
	char text[900];
};

struct tuning {
	unsigned n, cap;
	struct tuning_line *line;
	unsigned count[TV_COUNT];
	unsigned blocks, warns;
};

void tuning_init(struct tuning *t);
void tuning_free(struct tuning *t);

/* Reads the lines of one file held in memory; blank lines and comments
 * are skipped, lines of neither format are kept as TV_MALFORMED. 0, or
 * -ENOMEM. */
int tuning_parse(struct tuning *t, const char *file, const char *text, size_t len);

/* Gives every line its verdict, level and sentence. */
void tuning_classify(struct tuning *t, const struct kernel_view *kv, const struct tuning_scale *sc);

const char *tuning_verdict_name(enum tverdict v);

/* The report: every line with its verdict, a count, and the ready
 * [sysctl] section. */
void tuning_write(const struct tuning *t, const struct tuning_scale *sc, FILE *out);
/* Only the ready [sysctl] section (nothing when no line goes in it). */
void tuning_write_section(const struct tuning *t, FILE *out);

#endif
