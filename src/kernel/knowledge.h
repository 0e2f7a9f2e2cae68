/* SPDX-License-Identifier: MIT */
/* knowledge.h - what connlab knows about the kernel's sysctls, in one
 * table: each name's scope (per network namespace, host-wide, read-only,
 * removed), the kernel versions, its unit, its default in a fresh
 * namespace, what it does, when it matters for a connection-scale test,
 * and which values are risky. The doctor (tuning files, host checks) and
 * the findings both read it; a root test checks every scope against the
 * running kernel in a fresh namespace. */
#ifndef CONNLAB_KERNEL_KNOWLEDGE_H
#define CONNLAB_KERNEL_KNOWLEDGE_H

#include <stddef.h>
#include <stdint.h>

enum kscope {
	KSCOPE_NETNS,	 /* per network namespace and writable there: a lab sets it */
	KSCOPE_NETNS_RO, /* shown in every namespace, written only in the host's */
	KSCOPE_HOST,	 /* a net.* name of the host's namespace only */
	KSCOPE_GLOBAL,	 /* not a network sysctl: one value for the whole kernel */
	KSCOPE_READONLY, /* a figure the kernel shows; nobody writes it */
	KSCOPE_REMOVED,	 /* gone from the kernel */
};

enum kunit {
	KU_NUM,	     /* a count */
	KU_BOOL,     /* 0 or 1 */
	KU_MODE,     /* a small number with meanings */
	KU_BYTES,    /* one size in bytes */
	KU_KBYTES,   /* one size in KiB */
	KU_PAGES3,   /* three sizes in pages: a unit trap */
	KU_BYTES3,   /* three sizes in bytes: min, default, max */
	KU_SECONDS,  /* seconds */
	KU_MS,	     /* milliseconds */
	KU_US,	     /* microseconds */
	KU_USER_HZ,  /* hundredths of a second (USER_HZ jiffies): a unit trap */
	KU_RANGE,    /* two numbers, low and high */
	KU_PORTLIST, /* ports and ranges, comma-separated */
	KU_NAME,     /* a word, such as a congestion control */
	KU_NUM3,     /* three numbers (file-nr) */
};

/* When a sysctl matters for a connection-scale lab (bits). */
enum kneed {
	KN_NEVER = 0,	       /* connlab's labs never meet it */
	KN_ALWAYS = 1 << 0,    /* every lab */
	KN_CHURN = 1 << 1,     /* connections opened and closed */
	KN_BURST = 1 << 2,     /* many SYNs at once: every ramp */
	KN_DATA = 1 << 3,      /* bytes moving: buffers, windows, loss */
	KN_SCALE = 1 << 4,     /* a host-wide limit that the lab's size reaches */
	KN_CONNTRACK = 1 << 5, /* only with stateful firewall rules */
	KN_KEEPALIVE = 1 << 6, /* only for sockets with SO_KEEPALIVE (a user's program) */
	KN_CLOSE = 1 << 7,     /* closing sockets: churn, and the drain of every lab */
};

struct ksysctl {
	const char *name; /* a '*' component matches one word: net.ipv4.conf.*.rp_filter */
	enum kscope scope;
	enum kunit unit;
	const char *since;   /* first kernel with it, or NULL: long before 4.0 */
	const char *gone;    /* KSCOPE_REMOVED: the release that removed it;
			      * otherwise the release since which it does nothing */
	const char *dflt;    /* a fresh namespace's value on a current kernel;
			      * NULL: computed at boot (from memory or hash sizes);
			      * "=host": a new namespace copies the host's value */
	const char *does;    /* what it does, one sentence */
	const char *matters; /* when it matters at connection scale */
	unsigned need;	     /* KN_* bits */
	const char *module;  /* exists only with this module loaded, or NULL */
	const char *renamed; /* the name it has now, or NULL */
	/* a risky value: the reason in buf and 1, otherwise 0 */
	int (*risky)(const char *value, char *buf, size_t len);
	/* a sentence more on a value that is fine (buf empty: none) */
	void (*note)(const char *value, char *buf, size_t len);
	/* a value this kernel does not have: the sysctl that lists those it
	 * has, and the sentence (%1$s the value, %2$s ": it has LIST" or "") */
	const char *choices_from, *no_such;
};

/* Values two sysctls must agree on. NOT_ABOVE and NOT_BELOW: text takes
 * the value, the other's, where the other's comes from and its name
 * (%1$lld %2$lld %3$s %4$s); NEEDS: when the value is `when`, the other
 * must not be 0, and text takes the other's name and where it comes from. */
enum krel { KR_NOT_ABOVE, KR_NOT_BELOW, KR_NEEDS };
struct krelation {
	const char *name, *other;
	enum krel kind;
	long long when;
	const char *text;
};
extern const struct krelation krelations[];
extern const size_t krelations_count;

extern const struct ksysctl ksysctls[];
extern const size_t ksysctls_count;

/* The entry for name (dots or slashes; a device component matches '*'),
 * or NULL. */
const struct ksysctl *kernel_sysctl_find(const char *name);

/* Writes name with dots: "net/ipv4/tcp_tw_reuse" -> "net.ipv4.tcp_tw_reuse".
 * 0, or -1 when it does not fit or holds characters no sysctl name has. */
int kernel_sysctl_normalize(const char *name, char *out, size_t len);

/* "4.12" -> 4012; 0 for NULL or garbage. */
unsigned kernel_version_code(const char *v);
/* The running kernel's version code (uname), 0 when unknown. */
unsigned kernel_version_running(void);

const char *kernel_scope_name(enum kscope s);
const char *kernel_unit_name(enum kunit u);

/* Where a change to name is made, as a fix says it: "--set sysctl.NAME=V"
 * for a per-namespace sysctl, "sysctl -w NAME=V on the host" otherwise. */
char *kernel_sysctl_how(const char *name, const char *value, char *buf, size_t len);

#endif
