/* SPDX-License-Identifier: MIT */
/* labfile.h - private to src/lab/: the key table and what reading a lab
 * file (read.c), the model (labfile.c) and the keys (keys.c) share. */
#ifndef CONNLAB_LAB_LABFILE_H
#define CONNLAB_LAB_LABFILE_H

#include <stddef.h>
#include <stdint.h>

#include "lab/lab.h"
#include "util/compiler.h"

enum ktype {
	K_NAME,
	K_STRING,
	K_DURATION,
	K_DURATION_OFF, /* a duration or "off" (0) */
	K_COUNT,
	K_COUNT_AUTO, /* a count or "auto" (0) */
	K_RATE,
	K_CIDR,
	K_CIDR6,
	K_PERMILLE, /* a percentage, stored in thousandths */
	K_PORTS,
	K_SERVER_MODE,
	K_CLIENT_MODE,
	K_CLOSER,
	K_CHOICE,	 /* one of choices, stored as an int */
	K_HOSTLIST,	 /* a pdsh host list */
	K_ADDR_TEMPLATE, /* addresses, with pdsh's %n and %h */
	K_MEMFLOOR,	 /* a percent of memory, a size (512M, 2G) or off */
	K_MESSAGE,	 /* bytes with \r \n \t \xNN escapes */
	K_REPLY,	 /* line, bytes:N, close or none */
	K_TYPES
};

struct key {
	const char *section;
	const char *name;
	enum ktype type;
	size_t off;
	const char *def;
	uint64_t min, max; /* in the stored unit (us for durations) */
	const char *help;
	const char *const *choices; /* K_CHOICE: NULL-terminated */
};

/* A key type: its name in the reference, its parser (the range checked)
 * and formatter; numbers also their printer for a range, the word that
 * stands for 0 (off, auto, unlimited; NULL: none) and their unit. */
struct ktype_row {
	const char *name;
	int (*parse)(struct lab *lab, const struct key *k, const char *v, char *err, size_t len);
	void (*format)(const void *field, const struct key *k, char *buf, size_t len);
	char *(*format_number)(uint64_t v, char *buf, size_t len); /* NULL: not a number */
	const char *zero;
	enum metric_unit unit;
};
extern const struct ktype_row ktypes[K_TYPES];

extern const struct key keys[];
extern const size_t keys_count;
extern const char *const sections[];
extern const char *const lab_tls_libraries[]; /* tls.library's choices */
extern const size_t sections_count;

/* Sysctls every lab namespace gets unless the lab says otherwise. */
struct default_sysctl {
	const char *name, *value;
};
extern const struct default_sysctl default_sysctls[];
extern const size_t default_sysctls_count;

const struct key *key_find(const char *section, const char *name);
/* The key of section closest to a mistyped name, or NULL. */
const char *key_hint(const char *section, const char *name);
int section_known(const char *s);
/* Parses v into the key's field of lab, checking the range; 0 or -EINVAL
 * with the reason in err. */
int key_assign(struct lab *lab, const struct key *k, const char *v, char *err, size_t errlen);
void key_format(const struct lab *lab, const struct key *k, char *buf, size_t len);
/* The unit of a lab key an expectation compares with. */
enum metric_unit key_unit(const char *key);

/* 1 when s is a lab name: 1 to LAB_NAME_MAX letters, digits and -. */
int valid_name(const char *s);
/* s past spaces and tabs */
const char *skip_blank(const char *s);

void diag_add(struct lab_diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A [sysctl] or [expect] line put into lab (line: where it was set); 0 or
 * -EINVAL with the reason in err. */
int sysctl_put(struct lab *lab, const char *name, const char *value, int line, char *err,
	       size_t errlen);
int expect_put(struct lab *lab, const char *metric, const char *rhs, int line, char *err,
	       size_t errlen);
/* An [events] line ("20s", "restart 2s"), or --event's value with line
 * -1; 0, or -EINVAL with the reason in err. */
int event_put(struct lab *lab, const char *at, const char *what, int line, char *err,
	      size_t errlen);
/* The events and the reconnect keys against the rest of the lab: each
 * problem into diag with its file:line. */
void events_validate(const struct lab *lab, struct lab_diag *diag);
/* The [tls] keys against the rest of the lab (tlscheck.c). */
void tls_validate(const struct lab *lab, struct lab_diag *diag);
/* A path a lab names (tls.cert...), relative to the lab file's directory
 * unless absolute, into buf. */
const char *lab_path(const struct lab *lab, const char *path, char *buf, size_t len);
/* Where a line of the lab is: "FILE:LINE", "--set" (line -1), "--event"
 * (LAB_LINE_EVENT) or "FILE". */
void lab_where(const struct lab *lab, int line, char *buf, size_t len);

#endif
