/* SPDX-License-Identifier: MIT */
/* classify.h - private to the tuning classifier (classify.c, lines.c):
 * what one classification carries, and the readers of a line's value
 * against the files, the host and the scale. */
#ifndef CONNLAB_KERNEL_CLASSIFY_H
#define CONNLAB_KERNEL_CLASSIFY_H

#include "kernel/tuning.h"

struct cx {
	struct tuning *t;
	const struct kernel_view *kv;
	const struct tuning_scale *sc;
	/* the well-formed lines in order of what they set, then of place:
	 * the last line of a name in O(log n), so that a file of 200k lines
	 * is read in linear time */
	const struct tuning_line **by_key;
	unsigned n_by_key;
};

/* Sorts c->t's well-formed lines into c->by_key: 0, or -ENOMEM. */
int cx_index(struct cx *c);
void cx_index_free(struct cx *c);
/* The last well-formed line that sets kind/name (limits: for domain and
 * type; sysctls: domain and type ""), or NULL. */
const struct tuning_line *cx_last(const struct cx *c, int kind, const char *name,
				  const char *domain, const char *type);

/* l's verdict, level and text */
void say(struct tuning_line *l, enum tverdict v, enum level lv, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* name's value as the files leave it, else the host's now; 0 unknown */
int value_of(const struct cx *c, const char *name, long long *out, int *from_file);
/* a whole number (a minus sign allowed) */
int all_digits(const char *s);
/* what the scale's lab sets name to, or NULL */
const char *lab_sets(const struct tuning_scale *sc, const char *name);
/* why the kernel would refuse v for k (into buf), or NULL */
const char *value_syntax(const struct ksysctl *k, const char *v, char *buf, size_t len);
/* the scope of l on this kernel (the kernel's word over the table's) */
enum kscope effective_scope(const struct cx *c, const struct tuning_line *l,
			    const struct kname *kn);
/* s with its first letter capitalised, into buf */
const char *sentence(const char *s, char *buf, size_t len);
void size_text(uint64_t bytes, char *buf, size_t len);
/* what the scale needs of a host-wide sysctl, into buf; its level */
enum level scale_note(const struct cx *c, const struct tuning_line *l, char *buf, size_t len);
/* why l changes nothing here (into buf), or NULL */
const char *no_effect(const struct cx *c, const struct tuning_line *l, char *buf, size_t len);

#endif
