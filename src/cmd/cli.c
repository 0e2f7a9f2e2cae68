/* SPDX-License-Identifier: MIT */
/* cli.c - loading labs for commands and printing what went wrong. */
#include "cmd/cli.h"
#include "host/host.h"
#include "kernel/knowledge.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "netns/netns.h"
#include "run/run.h"
#include "util/text.h"
#include "util/log.h"
#include "util/units.h"

int cli_sets_add(struct cli_sets *sets, const char *assignment)
{
	if (sets->n == (int)(sizeof(sets->item) / sizeof(sets->item[0]))) {
		log_msg(LOGL_ERROR, "too many --set options (at most %zu)",
			sizeof(sets->item) / sizeof(sets->item[0]));
		return EXIT_USAGE;
	}
	sets->item[sets->n++] = assignment;
	return EXIT_OK;
}

int cli_sets_event(struct cli_sets *sets, const char *arg)
{
	static char items[LAB_EVENTS_MAX][160];
	static unsigned n;
	struct lab_event e;
	char err[256], what[64], at[32];

	if (!strcmp(arg, "none"))
		return cli_sets_add(sets, "events.none=");
	if (event_parse_arg(arg, &e, err, sizeof(err))) {
		fprintf(stderr, "connlab: --event %s: %s\n", arg, err);
		return EXIT_USAGE;
	}
	if (n == LAB_EVENTS_MAX) {
		log_msg(LOGL_ERROR, "too many --event options (at most %d)", LAB_EVENTS_MAX);
		return EXIT_USAGE;
	}
	snprintf(items[n], sizeof(items[n]), "events.%s=%s",
		 units_fmt_duration(e.at_us, at, sizeof(at)), event_fmt(&e, what, sizeof(what)));
	return cli_sets_add(sets, items[n++]);
}

int cli_sets_connections(struct cli_sets *sets, const char *n)
{
	static char conn_set[64];

	/* "what do I need for N?": the addresses are worked out */
	snprintf(conn_set, sizeof(conn_set), "clients.connections=%s", n);
	if (cli_sets_add(sets, conn_set) || cli_sets_add(sets, "clients.addresses=auto"))
		return EXIT_USAGE;
	return EXIT_OK;
}

static void cli_diag_print(const struct lab_diag *d)
{
	for (unsigned i = 0; i < d->n; i++)
		fprintf(stderr, "%s\n", d->msg[i]);
	if (d->dropped)
		fprintf(stderr, "(and %u more problems)\n", d->dropped);
}

int cli_lab_finish(struct lab *lab, int bad, struct lab_diag *diag, const struct cli_sets *sets)
{
	for (int i = 0; !bad && i < sets->n; i++)
		bad |= lab_set(lab, sets->item[i], diag);
	if (!bad)
		bad = lab_validate(lab, diag);
	if (bad) {
		cli_diag_print(diag);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int cli_lab_load(struct lab *lab, const char *path, const struct cli_sets *sets)
{
	struct lab_diag diag = { 0 };
	int bad = path ? lab_load_file(lab, path, &diag) : lab_load_default(lab, &diag);

	return cli_lab_finish(lab, bad, &diag, sets);
}

int cli_lab_plan(const struct command *c, int argc, char **argv, int first,
		 const struct cli_sets *sets, struct lab *lab, const struct plan_env *env,
		 struct plan *plan)
{
	char err[768];
	int st;

	if (argc - first > 1)
		return cli_usage_error(c, "one lab file at most, got '%s' and '%s'", argv[first],
				       argv[first + 1]);
	st = cli_lab_load(lab, first < argc ? argv[first] : NULL, sets);
	if (st)
		return st;
	if (lab_is_fleet(lab)) {
		/* its hosts are planned by plan/fleet.c, not this machine */
		if (c->fleet_labs)
			return EXIT_OK;
		fprintf(stderr,
			"connlab: %s: this lab names load hosts in [fleet]: run it with 'connlab fleet %s' (it leaves the sealed lab), or remove fleet.hosts\n",
			lab->source, lab->source);
		return EXIT_USAGE;
	}
	if (plan_build(lab, env, plan, err, sizeof(err))) {
		fprintf(stderr, "connlab: %s: cannot work: %s\n", lab->source, err);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int cli_lab_run_plan(const struct command *c, int argc, char **argv, int first, const char *out,
		     const struct cli_sets *sets, struct lab *lab, struct plan *plan)
{
	struct plan_env env;
	char err[768];

	if (run_outdir_check(out, err, sizeof(err)))
		return cli_usage_error(c, "%s", err);
	plan_env_read(&env);
	return cli_lab_plan(c, argc, argv, first, sets, lab, &env, plan);
}

int cli_addr_parse(const char *arg, uint32_t *v4, int *has4, struct addr6 *v6, int *has6, char *err,
		   size_t len)
{
	int six = addr_is_ipv6(arg);

	if (six ? *has6 : *has4) {
		snprintf(err, len, "one %s address at most (one of each family)",
			 six ? "IPv6" : "IPv4");
		return -1;
	}
	if (addr_parse(arg, &six, v4, v6, err, len))
		return -1;
	*(six ? has6 : has4) = 1;
	return 0;
}

int cli_addr_option(const struct command *c, const char *opt, const char *arg, uint32_t *v4,
		    int *has4, struct addr6 *v6, int *has6)
{
	char err[200];

	if (cli_addr_parse(arg, v4, has4, v6, has6, err, sizeof(err)))
		return cli_usage_error(c, "%s: %s", opt, err);
	return EXIT_OK;
}

int cli_usage_error(const struct command *c, const char *fmt, ...)
{
	va_list ap;

	fputs("connlab: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (c)
		fprintf(stderr, "usage: %s\nMore: connlab help %s\n", c->usage, c->name);
	else
		fprintf(stderr, "usage: connlab <command> [options]\nMore: connlab --help\n");
	return EXIT_USAGE;
}

int cli_option_error(const struct command *c, int opt, char **argv)
{
	if (opt == ':')
		return cli_usage_error(c, "option '%s' needs a value", argv[optind - 1]);
	return cli_usage_error(c, "unknown option '%s'", argv[optind - 1]);
}

int cli_help(const struct command *c)
{
	printf("usage: %s\n\n%s", c->usage, c->help);
	return EXIT_OK;
}

int cli_engine_parse(int opt, const char *arg, struct engine_opts *eo, char *err, size_t len)
{
	uint64_t v;

	if (opt == 's')
		return units_parse_duration(arg, &eo->stats_interval_us, err, len);
	if (units_parse_uint(arg, &v, err, len) || v > 1000000) {
		snprintf(err, len, "expected a descriptor number, got '%s'", arg);
		return -1;
	}
	eo->stats_fd = (int)v;
	return 0;
}

int cli_engine_option(const struct command *c, int opt, const char *arg, struct engine_opts *eo)
{
	char err[200];

	if (opt != 's' && opt != 'f')
		return -1;
	if (cli_engine_parse(opt, arg, eo, err, sizeof(err)))
		return cli_usage_error(c, "%s: %s", opt == 's' ? "--stats-interval" : "--stats-fd",
				       err);
	return 0;
}

int cli_lab_message(struct lab *lab)
{
	char path[600], bytes[1001];
	const char *slash = strrchr(lab->source, '/');
	const char *name = lab->message + 1;
	FILE *fp;
	size_t n;

	if (lab->message[0] != '@')
		return EXIT_OK;
	if (name[0] == '/' || !slash)
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - lab->source), lab->source,
			 name);
	fp = fopen(path, "re");
	if (!fp) {
		fprintf(stderr,
			"connlab: %s: clients.message = @%s: cannot read %s: %s (a path relative to the lab file)\n",
			lab->source, name, path, strerror(errno));
		return EXIT_USAGE;
	}
	n = fread(bytes, 1, sizeof(bytes), fp);
	fclose(fp);
	if (n == 0 || n == sizeof(bytes)) {
		fprintf(stderr, "connlab: %s: clients.message = @%s: %s is %s (1 to %zu bytes)\n",
			lab->source, name, path, n ? "too long" : "empty", sizeof(bytes) - 1);
		return EXIT_USAGE;
	}
	/* from here on the lab holds the bytes themselves, escaped */
	text_escape(bytes, n, lab->message, sizeof(lab->message));
	return EXIT_OK;
}

int cli_lab_sysctls(const struct lab *lab)
{
	int bad = 0;

	for (unsigned i = 0; i < lab->n_sysctl; i++) {
		const struct sysctl_setting *s = &lab->sysctl[i];
		const struct ksysctl *k = kernel_sysctl_find(s->name);
		char where[320] = "";

		if (!k || k->scope == KSCOPE_NETNS || s->optional)
			continue;
		if (s->line > 0)
			snprintf(where, sizeof(where), "%s:%d: ", lab->source, s->line);
		else if (s->line < 0)
			snprintf(where, sizeof(where), "--set sysctl.%s: ", s->name);
		if (k->scope == KSCOPE_REMOVED)
			fprintf(stderr,
				"connlab: %ssysctl %s was removed from the kernel%s%s: remove it from the lab\n",
				where, s->name, k->gone ? " in Linux " : "",
				k->gone ? k->gone : "");
		else
			fprintf(stderr,
				"connlab: %ssysctl %s is not per network namespace (%s, in connlab's table): a lab sets only per-namespace sysctls; set it on the host as root (sysctl -w %s=%s), remove it from the lab, or mark it optional (-%s) to skip it where it cannot be set\n",
				where, s->name, kernel_scope_name(k->scope), s->name, s->value,
				s->name);
		bad = 1;
	}
	return bad ? EXIT_USAGE : EXIT_OK;
}

/* Each line of msg (each ending in '\n') on stderr, as connlab says it. */
static void print_lines(const char *msg)
{
	for (const char *line = msg, *nl; (nl = strchr(line, '\n')); line = nl + 1)
		fprintf(stderr, "connlab: %.*s\n", (int)(nl - line), line);
}

int cli_need_privileges(int *rootless)
{
	struct host_facts f;
	char msg[800], why[600];
	int r;

	*rootless = 0;
	host_facts_read(&f);
	if (host_privileges(&f, msg, sizeof(msg))) {
		/* an ordinary user: the same lab inside a user namespace (root
		 * without its capabilities is a container's: the flags say it) */
		if (f.euid == 0 && f.init_userns) {
			print_lines(msg);
			return EXIT_USAGE;
		}
		if (host_enter_rootless(&f, why, sizeof(why))) {
			print_lines(msg);
			fprintf(stderr, "connlab: and %s (docs/rootless.md)\n", why);
			return EXIT_USAGE;
		}
		*rootless = 1;
	} else if (!f.init_userns) {
		/* already root of a user namespace (unshare -Ur): the same limits */
		*rootless = 1;
	}
	r = netns_sysctl_writable();
	if (r) {
		fprintf(stderr,
			"connlab: /proc/sys is read-only here (a container?) and connlab could not make it writable in a mount namespace of its own: %s; %s (docs/docker.md)\n",
			strerror(-r),
			*rootless
				? "rootless, a user namespace may not remount it: run the container with --security-opt systempaths=unconfined (and docker/seccomp-rootless.json), or as root with --cap-add SYS_ADMIN (docs/rootless.md)"
			: r == -EACCES
				? "a security module forbids the mount: in Docker add --security-opt apparmor=unconfined (AppArmor) or --security-opt label=disable (SELinux)"
				: "in Docker, add --cap-add SYS_ADMIN");
		return EXIT_USAGE;
	}
	return 0;
}
