/* SPDX-License-Identifier: MIT */
/* rules.h - private to the findings (findings.c, evidence.c, rules_*.c):
 * the shape of a rule, the evidence kit its judge uses, and each family's
 * rows. A rule is a row of data (its id, family, where it applies, its
 * explanation and fix with {slots}, the rules it reads, the rules that
 * demote it) and one judge that computes its numbers, title and evidence.
 * The driver (findings.c) orders the rules by what they read, applies
 * demotions and fills the slots; docs/internals.md says how to add one. */
#ifndef CONNLAB_REPORT_RULES_H
#define CONNLAB_REPORT_RULES_H

#include <jansson.h>
#include <stddef.h>

/* Where a rule applies: a run of one box or a fleet, holding or churning. */
enum rule_where {
	RULE_BOX = 1,
	RULE_FLEET = 2,
	RULE_HOLD = 4,
	RULE_CHURN = 8,
	RULE_ANYWHERE = RULE_BOX | RULE_FLEET | RULE_HOLD | RULE_CHURN,
};

/* The severities a rule may give (for ordering: "*cause" in after[]). */
enum rule_may { MAY_CAUSE = 1, MAY_WARNING = 2, MAY_NOTE = 4 };

/* A finding that, when present, demotes this rule's from cause to
 * warning, and the note appended to its title. subject: the demoting
 * finding's title must begin with it (NULL: any). */
struct rule_demoter {
	const char *id, *subject, *note;
};

#define RULE_TEXTS 6
#define RULE_AFTER 6
#define RULE_DEMOTERS 4

struct fctx;
struct rule {
	const char *id, *family;
	const char *summary; /* one line for `connlab help findings` */
	unsigned where;	     /* enum rule_where */
	unsigned may;	     /* enum rule_may */
	int rank;	     /* among rules free to run: deeper causes first */
	/* what the judge reads (rule_found) or must follow: ids, families,
	 * "*cause" (every rule that may give a cause) or "*warning" */
	const char *after[RULE_AFTER];
	struct rule_demoter demoted_by[RULE_DEMOTERS];
	/* the texts, with {slot}s the judge fills; the judge picks one of
	 * each (a NULL why or fix is the first one's; try follows fix) */
	const char *why[RULE_TEXTS], *fix[RULE_TEXTS], *try_[RULE_TEXTS];
	void (*judge)(struct fctx *x);
};

#define RULE_SLOTS 8
struct draft {
	json_t *f; /* id, severity, title, since_s, evidence */
	const struct rule *rule;
	int why, fix; /* indexes into the rule's texts */
	int nslots;
	struct {
		const char *name;
		char value[1200];
	} slot[RULE_SLOTS];
};

/* A lab process's output: logs/NAME.log (children.log in older runs, of
 * every process: process NULL), its first 16 MiB, NUL-terminated. */
struct runlog {
	const char *file, *process;
	char *text;
};
#define FCTX_LOGS 40

/* A line found in a log. */
struct hit {
	const struct runlog *log;
	unsigned line, count; /* its number (from 1), and how many lines hold the needle */
	char text[300];
};

struct fctx {
	json_t *res;
	struct runlog logs[FCTX_LOGS];
	size_t nlogs;
	int missed; /* a target missed, an expectation failed, or the run failed */
	int churn, user_server, user_clients;
	double target, peak;
	json_t *out;			 /* the findings decided so far, in order */
	const struct rule *rule;	 /* the rule being judged */
	const struct rule *const *rules; /* those that apply to this run, in order */
	size_t nrules;
	struct draft *drafts; /* what the rule found */
	size_t ndrafts, cap;
};

/* ---- evidence.c: the vocabulary of citations ---- */

/* A place in result.json and what it is, written once; paths with a %ld
 * (an index) or %s (a namespace or a name) take those arguments; a label
 * "%s" is the first string argument. */
enum ev {
	EV_PEAK,
	EV_TARGET,
	EV_ERRORS,
	EV_ENOSPC,
	EV_EMFILE,
	EV_ENFILE,
	EV_ETIMEDOUT,
	EV_EADDRNOTAVAIL,
	EV_ECONNRESET,
	EV_ECONNREFUSED,
	EV_EPOLL_MAX,
	EV_HOST_FD_LIMIT,
	EV_CLOSED_COUNT,
	EV_CLOSED_BYTES,
	EV_CLOSED_LIFE,
	EV_LINES,
	EV_REASON,
	EV_MEM_AT_FLOOR,
	EV_MEM_FLOOR,
	EV_MEM_TOTAL,
	EV_MEM_MIN,
	EV_USABLE_AT_FLOOR,
	EV_PINNED_AT_FLOOR,
	EV_FREE_AT_FLOOR,
	EV_USABLE_MIN,
	EV_FORECAST_HOLDS,
	EV_FORECAST_MEMORY,
	EV_EPOLL_FIX,
	EV_SLAB_PER_CONN,
	EV_SLAB_BEFORE,
	EV_SLAB_HOLD,
	EV_MEASURED,
	EV_SLAB_CACHE,
	EV_SLAB_OTHER,
	EV_USER_PSS,
	EV_LAUNCHER_CPU,
	EV_CPUS,
	EV_RAMP_STALLED,
	EV_PHASE_START,
	EV_PHASE_END,
	EV_TL_EST_EARLY,
	EV_TL_EST_END,
	EV_TL_CONNECT_EARLY,
	EV_TL_CONNECT_LATE,
	EV_TL_TCP_MEM,
	EV_TL_PHASE,
	EV_TL_CONNTRACK,
	EV_TL_ACCEPT_QUEUE,
	EV_TL_CLOSE_WAIT,
	EV_TL_PINGS_LOST,
	EV_TL_SAMPLE_LAG,
	EV_PROC_SIGNAL,
	EV_PROC_CODE,
	EV_PROC_PHASE,
	EV_PROC_RSS,
	EV_PROC_FDS,
	EV_PROC_FD_LIMIT,
	EV_PROC_STOPPED,
	EV_PROC_STOPPED_PHASE,
	EV_COUNTER, /* counters.NS.NAME, labelled by its name */
	EV_SRV_OVERFLOWS,
	EV_SRV_DROPS,
	EV_SRV_RSTS,
	EV_SRV_ESTAB_RESETS,
	EV_TCP_MEM_PEAK,
	EV_TCP_MEM_MARKS,
	EV_ORPHANS,
	EV_CT_PEAK,
	EV_CT_MAX,
	EV_CT_DROPS,
	EV_PINGS_LOST,
	EV_PINGS_SENT,
	EV_PING_HOLD_LOST,
	EV_PING_RAMP_LOST,
	EV_PING_HOLD_SENT,
	EV_PING_RAMP_SENT,
	EV_PING_BEFORE_P99,
	EV_PING_QUIET_P99,
	EV_PING_HOLD_P99,
	EV_PING_RAMP_P99,
	EV_PING_BEFORE_P50,
	EV_PING_HOLD_P50,
	EV_PING_RAMP_P50,
	EV_PING_HOLD_P90,
	EV_PING_RAMP_P90,
	EV_PROBE_FAILURES,
	EV_SYN_RECV,
	EV_BACKLOG,
	EV_TIME_WAIT,
	EV_CLOSE_WAIT,
	EV_NS_CLOSE_WAIT,
	EV_NS_FIN_WAIT2,
	EV_ADDRESSES,
	EV_SERVER_PORTS,
	EV_LOCAL_PORTS,
	EV_PORT_FIRST,
	EV_PORT_LAST,
	EV_LINK_DROPS,
	EV_KLOG,
	EV_HOST_STATE,
	EV_HOST_WHY,
	EV_HOST_SHARE,
	EV_HOST_EXIT,
	EV_HOST_ESTABLISHED,
	EV_HOST_ENDED,
	EV_HOST_HELD,
	EV_HOST_EADDRNOTAVAIL,
	EV_HOST_SOURCES,
	EV_HOST_TIME_WAIT,
	EV_HOST_OVERFLOWS,
	EV_HOST_DROPS,
	EV_HOST_ACCEPT_PEAK,
	EV_PROG_VALUE,
	EV_PROG_WHERE,
	EV_PROG_CONFIG,
	EV_CHANGE_FROM,
	EV_CHANGE_TO,
	EV_EXPECT_ACTUAL,
	EV_PROBE_REPLY_P50,
	EV_FLOOD_REPLY_P50,
	EV_SEND_LAG_P99,
	EV_RECONNECT,
	EV_EVT_LOST,
	EV_EVT_KLOST,
	EV_EVT_RESET_AT_CONNECT,
	EV_EVT_RECONNECTS,
	EV_EVT_WAIT_P90,
	EV_EVT_OVERFLOWS,
	EV_EVT_COOKIES,
	EV_EVT_SYN_RETRANS,
	EV_EVT_RATE,
	EV_EVT_CONNECT_P99,
	EV_EVT_CONNECT_1S,
	EV_EVT_CONNECT_3S,
	EV_EVT_TW,
	EV_EVT_ACCEPTS,
	EV_EVT_TARGET,
	EV_EVT_ESTAB_MIN,
	EV_EVT_RECOVERED,
	EV_EVT_RECOVERED99,
	EV_EVT_DISTURBED,
	EV_TLS_RATE,
	EV_TLS_SRV_CPU,
	EV_TLS_CLI_CPU,
	EV_TLS_HANDSHAKES,
	EV_TLS_SRV_HANDSHAKES,
	EV_TLS_OFFERED,
	EV_TLS_RESUMED,
	EV_TLS_SRV_RESUMED,
	EV_TLS_LIBRARY,
	EV_TLS_RESUME,
	EV_TLS_MEM_SRV,
	EV_TLS_MEM_CLI,
	EV_TLS_CLI_ERR,
	EV_TLS_CLI_ERR_TEXT,
	EV_TLS_SRV_ERR,
	EV_TLS_SRV_ERR_TEXT,
	EV_CLIENT_RATE,
	EV_SERVER_WORKERS,
	EV_RAMP_RATE,
	EV_COUNT
};

struct evidence {
	const char *path, *label;
};

/* Cites the value at the vocabulary's place (its arguments: %ld and %s
 * as the path has them); nothing when the value is absent or null. */
void cite(const struct fctx *x, struct draft *d, enum ev e, ...);
/* A line of a process's output as evidence. */
void cite_line(struct draft *d, const char *what, const struct hit *h);
/* The first kernel log line holding needle, when there is one. */
void cite_klog(const struct fctx *x, struct draft *d, const char *needle);

/* ---- evidence.c: reading the run ---- */

double num(const struct fctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *str(const struct fctx *x, const char *path);
/* errors.X and the like: 0 when the object is there without the member */
double count(const struct fctx *x, const char *path);
/* A number as a finding prints it: whole numbers plain, "-" for NAN. */
const char *fmt_n(double v, char *buf, size_t len);
/* The first line holding needle in the output of process (NULL: of any),
 * in h; 0 when none, else its line number. */
unsigned log_find(const struct fctx *x, const char *process, const char *needle, struct hit *h);
/* The last n lines with text of process's output, oldest first, in h[];
 * how many. */
unsigned log_tail(const struct fctx *x, const char *process, unsigned n, struct hit *h);
/* The first kernel log line holding needle, its index; -1 when none. */
int klog_find(const struct fctx *x, const char *needle);
/* The namespace where counter name grew most: its name, the growth. */
double counter_max(const struct fctx *x, const char *name, const char **ns);
size_t tl_len(const struct fctx *x);
double tl(const struct fctx *x, const char *col, size_t i);
/* The first sample where col exceeds above, the largest; -1 when none. */
long tl_first(const struct fctx *x, const char *col, double above);
long tl_max(const struct fctx *x, const char *col);
double tl_t(const struct fctx *x, long i);
/* The first and last samples of phase with a value in col: 0, or -1. */
int tl_span(const struct fctx *x, const char *phase, const char *col, long *lo, long *hi);
/* The index of phase name in "phases", or -1 when the run never entered it. */
int phase_index(const struct fctx *x, const char *name);
/* The role of a processes[] entry: server, flood or command. */
const char *role_of(json_t *p);

/* ---- rule.c: what a judge calls ---- */

/* Does r follow dep (read its findings, or must come after it: its
 * after[] names dep's id or family, or "*cause" or "*warning" where dep
 * may give one and follows no star itself; or dep may demote it)? */
int rule_follows(const struct rule *r, const struct rule *dep);

/* A new finding of the rule being judged. since: NAN when unknown. The
 * draft is valid until the judge's next finding(). */
struct draft *finding(struct fctx *x, const char *severity, double since, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Fills {name} in the texts. */
void slot(struct draft *d, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* cause when the run missed its target, warning otherwise */
const char *severity(const struct fctx *x);
/* Has a rule that this one declares in after[] found id, its title
 * beginning with subject (NULL: any)? */
int rule_found(const struct fctx *x, const char *id, const char *subject);
/* Has any rule this one follows found a cause? */
int rule_any_cause(const struct fctx *x);
/* The ids of the findings so far active at t (since_s at or before it). */
void rule_active_at(const struct fctx *x, double t, char *buf, size_t len);

/* ---- the families ---- */

extern const struct rule rules_limits[], rules_servers[], rules_queues[], rules_ports[],
	rules_closes[], rules_ramp[], rules_notes[], rules_fleet[], rules_storm[], rules_tls[];
extern const size_t rules_limits_n, rules_servers_n, rules_queues_n, rules_ports_n, rules_closes_n,
	rules_ramp_n, rules_notes_n, rules_fleet_n, rules_storm_n, rules_tls_n;

/* rules_servers.c: the index in processes[] of the user's server command
 * (its main process), or -1 */
long server_process(const struct fctx *x);
/* What the counters say the server did to connections, one clause:
 * closed after accept, accept queue overflows, resets, timeouts. */
void mechanism(const struct fctx *x, char *buf, size_t len);

#endif
