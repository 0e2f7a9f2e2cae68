/* SPDX-License-Identifier: MIT */
/* programs.h - what connlab knows about the servers users bring, in one
 * table (programs.c), in the shape of the kernel's (kernel/knowledge.h):
 * each program's connection limit (its setting, where it is set, its
 * default), the lines it prints or answers when it meets the limit, what
 * it then does, and how to raise it. The launcher reads the setting in
 * force from a lab's server command (and the config file it names) into
 * result.json; the findings quote the program's own lines; plan and
 * doctor name the setting. */
#ifndef CONNLAB_LAB_PROGRAMS_H
#define CONNLAB_LAB_PROGRAMS_H

#include <stddef.h>

/* What a program does at its limit. */
enum prog_act {
	PA_CLOSES = 1, /* accepts, answers (or not), closes */
	PA_REUSES,     /* closes idle connections to make room (nginx) */
	PA_STOPS,      /* stops accepting: the kernel's accept queue fills */
	PA_EXITS,      /* will not start, or ends */
	PA_LOWERS,     /* starts with a lower limit than asked */
};

/* Where its line stands: its own output, or the bytes it sent a client. */
enum prog_seen { PS_LOG = 1, PS_REPLY = 2 };

struct prog_line {
	const char *text; /* a part of the line that every version prints */
	enum prog_act act;
	unsigned seen; /* enum prog_seen bits */
};

#define PROG_LINES 5

struct program {
	const char *name;     /* as users write it: "memcached", "HAProxy" */
	const char *names[4]; /* the words of a command that mean it */
	const char *setting;  /* the setting that caps its connections */
	/* its command-line spellings: a spelling ending in '=' is glued to its
	 * value ("--maxclients=1000" or a key of -c key=value), another takes
	 * the next word or, for one letter, a glued number ("-c1024") */
	const char *opts[3];
	/* its config file: the option that names it, the one it reads when
	 * none is named, and the words of the setting there (NULL: none) */
	const char *conf_opt, *conf_default, *conf_key;
	const char *conf_workers; /* a per-process setting: the worker count's key */
	const char *conf_end;	  /* what ends a line of its config: ";" or "" */
	long dflt;		  /* the value when nothing sets it; 0: none */
	long extra;		  /* the open files it needs beyond the setting */
	int runtime;		  /* a language runtime: RLIMIT_NOFILE is its only limit */
	int lowers_own;		  /* sets its own RLIMIT_NOFILE from the setting */
	const char *at_limit;	  /* what it does there, one clause */
	struct prog_line lines[PROG_LINES];
};

extern const struct program programs[];
extern const size_t programs_count;

/* The row named name (a row's name or one of its words); NULL if none. */
const struct program *program_find(const char *name);

/* The program a server command runs and its setting in force. */
struct prog_setting {
	const struct program *prog; /* NULL: not a program of the table */
	long value;		    /* -1: not known */
	long workers;		    /* its worker processes (per-process settings), else 1 */
	int where;		    /* 1 command line, 2 config file, 3 its default */
	char file[256];		    /* the config file read, when where is 2 */
	unsigned line;		    /* the line there */
	char text[160];		    /* that line, trimmed */
};

/* Reads command (after {address} and the like are replaced): the first of
 * its words that names a program, and the setting from the words after it,
 * or its config file, or its default. 0 when a program is known. */
int programs_read(const char *command, long cpus, struct prog_setting *s);

/* Where s was read, in words: "command line", "config file", "its default". */
const char *programs_where(const struct prog_setting *s);

/* command with the setting at value (replaced where it stands on the
 * command line, or added after the program's word); -1 when the setting
 * is in a config file or the command does not fit in len. */
int programs_fix_command(const struct prog_setting *s, const char *command, long value, char *out,
			 size_t len);

/* The value the setting needs for target connections, in round figures. */
long programs_need(const struct prog_setting *s, double target);

#endif
