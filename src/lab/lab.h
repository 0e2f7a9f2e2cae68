/* SPDX-License-Identifier: MIT */
/* lab.h - a lab as parsed from a lab file (INI) and --set overrides: plain
 * values, no pointers, so a lab can be copied and compared freely. */
#ifndef CONNLAB_LAB_H
#define CONNLAB_LAB_H

#include <stdint.h>
#include <stdio.h>

#include "engine/modes.h"
#include "lab/events.h"
#include "lab/expect.h"
#include "util/compiler.h"
#include "util/units.h"

#define LAB_NAME_MAX 20
#define LAB_COMMAND_MAX 200
#define LAB_SYSCTL_MAX 64
#define LAB_SYSCTL_NAME_MAX 80
#define LAB_SYSCTL_VALUE_MAX 64
#define LAB_EXPECT_MAX 64
#define LAB_DIAG_MAX 16
#define LAB_LINE_MAX 199
#define LAB_MESSAGE_MAX                                                                            \
	4000 /* clients.message, escaped (a file's bytes as \xNN) */ /* longest line inih reads    \
									whole (INI_MAX_LINE - 1) */

enum { FAMILY_IPV4, FAMILY_IPV6, FAMILY_DUAL };
enum { FLEET_SSH, FLEET_EXEC };
enum { FLEET_SERVER_START, FLEET_SERVER_RUNNING };
enum { FLEET_CONTINUE, FLEET_STOP };
/* tls.enable: which of the lab's ends speak TLS */
enum { TLS_ENABLE_OFF, TLS_ENABLE_ON, TLS_ENABLE_SERVER, TLS_ENABLE_CLIENTS };

struct sysctl_setting {
	char name[LAB_SYSCTL_NAME_MAX];
	char value[LAB_SYSCTL_VALUE_MAX];
	int line;     /* 0: a default of every lab, -1: --set */
	int optional; /* "-name = value": skipped where it cannot be set */
};

struct lab {
	char source[256]; /* file name, or "(built-in default.lab)" */

	/* [lab] */
	char name[LAB_NAME_MAX + 1];
	uint64_t duration_us;
	uint64_t ramp_timeout_us;
	uint64_t drain_timeout_us;
	uint64_t interval_us;
	struct cidr pool;
	int family;	    /* FAMILY_IPV4, FAMILY_IPV6 or FAMILY_DUAL */
	struct cidr6 pool6; /* IPv6 addresses: the IPv4 plan's, mirrored */
	struct memory_floor {
		uint64_t percent; /* of MemTotal; 0 with bytes 0: off */
		uint64_t bytes;
	} memory_floor;

	/* [server] */
	struct port_list ports;
	enum server_mode server_mode;
	uint64_t keepalive_us;
	uint64_t server_workers; /* 0: auto */
	uint64_t backlog;
	char server_command[LAB_COMMAND_MAX + 1];
	char server_setup[LAB_COMMAND_MAX + 1];

	/* [clients] */
	uint64_t connections;
	uint64_t rate;	    /* per second, 0: unlimited */
	uint64_t addresses; /* 0: auto */
	uint64_t namespaces;
	enum client_mode client_mode;
	uint64_t client_workers; /* 0: auto */
	uint64_t inflight;
	enum closer closer;
	int beyond_ports; /* 1: try past the local ports (shows EADDRNOTAVAIL) */
	uint64_t connect_timeout_us;
	uint64_t ipv6_permille; /* dual: of every 1000 connections, over IPv6 */
	/* hold: a lost connection opened again (enum reconnect_mode), and
	 * backoff's bounds and jitter (enum jitter_kind) */
	int reconnect;
	uint64_t backoff_base_us, backoff_max_us;
	int backoff_jitter;
	char client_command[LAB_COMMAND_MAX + 1];
	/* messages: as written (escapes kept), "" for none */
	char message[LAB_MESSAGE_MAX + 1];
	uint64_t message_interval_us; /* hold: 0 off */
	struct reply {
		enum reply_kind kind;
		uint64_t bytes;
	} reply;
	uint64_t reply_timeout_us; /* 0: none */

	/* [fleet]: load hosts over pdsh (connlab fleet); hosts "" for none */
	struct lab_fleet {
		char hosts[LAB_COMMAND_MAX + 1];       /* a pdsh host list */
		int transport;			       /* FLEET_SSH or FLEET_EXEC */
		char exec[LAB_COMMAND_MAX + 1];	       /* exec: the command before connlab's */
		char ssh_options[LAB_COMMAND_MAX + 1]; /* PDSH_SSH_ARGS_APPEND */
		char connlab[LAB_COMMAND_MAX + 1];     /* connlab on the hosts */
		char target[LAB_COMMAND_MAX + 1];      /* the service's address */
		char sources[LAB_COMMAND_MAX + 1];     /* per host, with %n and %h */
		char server_host[LAB_COMMAND_MAX + 1];
		int server;	/* FLEET_SERVER_START or FLEET_SERVER_RUNNING */
		int on_failure; /* FLEET_CONTINUE or FLEET_STOP */
		uint64_t start_timeout_us;
	} fleet;

	/* [tls] (docs/tls.md); the choices are engine/tls.h's enums */
	struct lab_tls {
		int enable;  /* TLS_ENABLE_OFF... */
		int library; /* an index in lab_tls_libraries */
		int version; /* enum tls_version */
		int key_type;
		char cert[LAB_COMMAND_MAX + 1]; /* paths, relative to the lab file */
		char key[LAB_COMMAND_MAX + 1];
		char ca[LAB_COMMAND_MAX + 1];
		char group[32];
		int resume; /* enum tls_resume */
		uint64_t resume_permille;
		int release_buffers; /* 1: on */
		char sni[LAB_COMMAND_MAX + 1];
	} tls;

	/* [probe] */
	uint64_t ping_interval_us;    /* 0: off */
	uint64_t connect_interval_us; /* 0: off */

	/* [sysctl], the lab defaults first */
	unsigned n_sysctl;
	struct sysctl_setting sysctl[LAB_SYSCTL_MAX];

	/* [expect] */
	unsigned n_expect;
	int expect_off; /* --set expect.X=off was given */
	struct expectation expect[LAB_EXPECT_MAX];

	/* [events] and --event, in the order given */
	unsigned n_event;
	struct lab_event event[LAB_EVENTS_MAX];

	/* where each key of the table in keys.c was set: 0 default,
	 * -1 --set, otherwise its line */
	int key_line[96];

	/* what each --set changed: the key, its value before (as the lab
	 * file or the default had it; "" when it had none) and after */
	unsigned n_changes;
	struct lab_change {
		char key[96], from[96], to[96];
		int from_line; /* as key_line */
	} changes[16];
};

/* Errors found while reading a lab: each "file:line: what; what to do". */
struct lab_diag {
	unsigned n;
	unsigned dropped;
	char msg[LAB_DIAG_MAX][320];
};

/* A lab with every default set and no file read. */
void lab_init(struct lab *lab, const char *source);

/* Parses a lab file held in memory (it need not be NUL-terminated) on top
 * of what lab holds. Returns 0, or -EINVAL with every problem in diag. */
WUR int lab_parse(struct lab *lab, const char *buf, size_t len, struct lab_diag *diag);

/* Reads and parses a file; -errno when it cannot be read (in diag too). */
WUR int lab_load_file(struct lab *lab, const char *path, struct lab_diag *diag);

/* The built-in default lab (lab/default.lab compiled in). */
WUR int lab_load_default(struct lab *lab, struct lab_diag *diag);

/* Applies "section.key=value" on top of a parsed lab. For [sysctl]:
 * "sysctl.net.ipv4.tcp_tw_reuse=1"; for [expect]: "expect.METRIC=OP VALUE"
 * replaces the expectations on METRIC, "expect.METRIC=off" removes them. */
WUR int lab_set(struct lab *lab, const char *assignment, struct lab_diag *diag);

/* Checks what involves several keys; run after every --set. */
WUR int lab_validate(struct lab *lab, struct lab_diag *diag);

/* The value of a sysctl the lab sets, or NULL. */
const char *lab_sysctl_get(const struct lab *lab, const char *name);
/* The folder of the lab file, absolute where it can be: {labdir}. */
void lab_dir(const struct lab *lab, char *dir, size_t len);
/* lab.memory_floor in bytes on a host of mem_total bytes; 0: off. */
uint64_t lab_memory_floor_bytes(const struct lab *lab, uint64_t mem_total);

/* Was key ("lab.memory_floor") set by the lab file or --set, not left at
 * its default? */
int lab_key_set(const struct lab *lab, const char *key);

/* A fleet lab (connlab fleet): [fleet] names hosts. */
int lab_is_fleet(const struct lab *lab);

/* Writes the resolved lab as a lab file, with where each value came from. */
void lab_write(const struct lab *lab, FILE *out);

/* Looks up a numeric key ("clients.connections") for expectations that
 * compare against the lab itself. */
WUR int lab_key_number(const struct lab *lab, const char *key, double *out);

/* Prints every key with its type, default and range (for docs and help). */
void lab_keys_write_reference(FILE *out);

#endif
