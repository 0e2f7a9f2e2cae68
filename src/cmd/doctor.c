/* SPDX-License-Identifier: MIT */
/* doctor.c - `connlab doctor`: what this host needs for a lab (or for N
 * connections), each check ok, warn or blocks; and with --sysctl, a
 * verdict on every line of tuning files. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "host/host.h"
#include "kernel/tuning.h"
#include "util/log.h"
#include "util/textfile.h"

static int cmd_doctor(int argc, char **argv);

const struct command command_doctor = {
	.name = "doctor",
	.summary = "check this host for a lab, or explain every line of a tuning file",
	.usage =
		"connlab doctor [LAB] [-c N] [--set SECTION.KEY=VALUE]... [--sysctl FILE]... [--json]\n"
		"       connlab doctor --kernel [--json]",
	.help = "Without --sysctl: what this host needs for LAB (without one, the built-in\n"
		"default lab; with -c N, for N connections), each check ok, warn or blocks,\n"
		"with the number found, the number needed, why, and the fix: privileges,\n"
		"/proc/sys, the open-file limits and fs.nr_open, fs.file-max, memory,\n"
		"net.ipv4.tcp_mem, tcp_max_orphans, epoll watches, conntrack, the neighbour\n"
		"table, local ports (and TIME_WAIT for churn), kernel features (by trying),\n"
		"user namespaces, and the lab's own sysctls, tried in a fresh namespace.\n"
		"`connlab run` makes the same checks before it builds anything, and refuses\n"
		"a lab that one of them blocks.\n"
		"\n"
		"With --sysctl FILE (sysctl.conf or limits.conf lines; - for standard input;\n"
		"repeatable): one verdict and a sentence for every line, judged for the lab:\n"
		"netns (a lab sets it in [sysctl]), global, removed, unknown, read-only,\n"
		"refused, inconsistent, risky, unit-trap, no-effect, repeated, malformed;\n"
		"then the per-namespace lines as a ready [sysctl] section.\n"
		"\n"
		"Options:\n"
		"  -c, --connections N   the host's needs for N connections (addresses auto)\n"
		"  -s, --set S.K=V       override a key of the lab, as for connlab run\n"
		"      --sysctl FILE     explain a tuning file instead (repeatable, - = stdin)\n"
		"      --kernel          check connlab's table of sysctls against this kernel:\n"
		"                        each name's scope in a fresh network namespace\n"
		"      --json            the checks or the verdicts as JSON\n"
		"\n"
		"Exit status: 0 nothing blocks, 1 a check or a line blocks, 2 usage or lab\n"
		"errors.\n",
	.run = cmd_doctor,
};

static json_t *checks_json(const struct host_report *r, const struct host_facts *f,
			   const struct lab *lab)
{
	json_t *root = json_object(), *arr = json_array(), *sys = json_array();

	for (unsigned i = 0; i < r->n; i++) {
		const struct host_check *c = &r->c[i];

		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:s?}", "id",
						     c->id, "level", level_name(c->level), "title",
						     c->title, "found", c->found, "needed",
						     c->needed, "why", *c->why ? c->why : NULL,
						     "fix", *c->fix ? c->fix : NULL));
	}
	for (unsigned i = 0; i < r->sysctls.n; i++) {
		const struct tuning_line *l = &r->sysctls.line[i];

		json_array_append_new(sys, json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", l->name,
						     "value", l->value, "verdict",
						     tuning_verdict_name(l->verdict), "level",
						     level_name(l->level), "text", l->text));
	}
	json_object_set_new(root, "lab", json_string(lab->name));
	json_object_set_new(root, "connections", json_integer((json_int_t)lab->connections));
	json_object_set_new(
		root, "host",
		json_pack("{s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:[I,I,I], s:I, s:b, s:I}",
			  "kernel", f->release, "cpus", (int)f->cpus, "memory_bytes",
			  (json_int_t)f->mem_total, "mem_available_bytes",
			  (json_int_t)f->mem_available, "nofile_soft", (json_int_t)f->nofile_soft,
			  "nofile_hard", (json_int_t)f->nofile_hard, "nr_open",
			  (json_int_t)f->nr_open, "file_max", (json_int_t)f->file_max, "files_open",
			  (json_int_t)f->files_open, "tcp_mem_pages", (json_int_t)f->tcp_mem[0],
			  (json_int_t)f->tcp_mem[1], (json_int_t)f->tcp_mem[2], "tcp_max_orphans",
			  (json_int_t)f->max_orphans, "conntrack_loaded", f->conntrack,
			  "epoll_max_user_watches", (json_int_t)f->epoll_watches));
	json_object_set_new(root, "checks", arr);
	json_object_set_new(root, "forecast", forecast_json(&r->forecast));
	json_object_set_new(root, "lab_sysctls", sys);
	json_object_set_new(root, "blocks", json_integer(r->blocks));
	json_object_set_new(root, "warnings", json_integer(r->warns));
	json_object_set_new(root, "verdict", json_string(r->blocks ? "blocked" : "ready"));
	return root;
}

static json_t *tuning_json(const struct tuning *t, const struct tuning_scale *sc)
{
	json_t *root = json_object(), *arr = json_array(), *counts = json_object();
	char *section = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&section, &len);

	for (unsigned i = 0; i < t->n; i++) {
		const struct tuning_line *l = &t->line[i];
		json_t *o = json_pack(
			"{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "file", l->file, "line",
			l->line, "kind", l->kind == TK_LIMIT ? "limit" : "sysctl", "name", l->name,
			"value", l->value, "verdict", tuning_verdict_name(l->verdict), "level",
			level_name(l->level), "text", l->text, "in_section", l->in_section > 0);

		if (l->kind == TK_LIMIT) {
			json_object_set_new(o, "domain", json_string(l->domain));
			json_object_set_new(o, "type", json_string(l->type));
		}
		json_array_append_new(arr, o);
	}
	for (int v = 0; v < TV_COUNT; v++)
		if (t->count[v])
			json_object_set_new(counts, tuning_verdict_name((enum tverdict)v),
					    json_integer(t->count[v]));
	if (mem) {
		tuning_write_section(t, mem);
		fclose(mem);
	}
	json_object_set_new(root, "for", json_string(sc->label));
	json_object_set_new(root, "lines", arr);
	json_object_set_new(root, "counts", counts);
	json_object_set_new(root, "blocks", json_integer(t->blocks));
	json_object_set_new(root, "warnings", json_integer(t->warns));
	json_object_set_new(root, "sysctl_section", json_string(section ? section : ""));
	free(section);
	return root;
}

/* A tuning file is text of a few thousand lines: 16 MiB is far beyond any. */
#define TUNING_FILE_MAX (16u << 20)

static int doctor_sysctl(const char *const *files, int nfiles, const struct lab *lab,
			 const struct plan *plan, int json)
{
	struct host_facts f;
	struct host_probe hp;
	struct kernel_view kv;
	struct tuning t;
	struct tuning_scale sc;
	int st;

	tuning_init(&t);
	for (int i = 0; i < nfiles; i++) {
		char *text = NULL, err[600];
		size_t len = 0;
		int r = textfile_read(files[i], TUNING_FILE_MAX, &text, &len, err, sizeof(err));

		if (r) {
			fprintf(stderr,
				"connlab: %s; --sysctl takes a sysctl.conf or limits.conf file\n",
				err);
			tuning_free(&t);
			return EXIT_USAGE;
		}
		r = tuning_parse(&t, strcmp(files[i], "-") ? files[i] : "(stdin)", text, len);
		free(text);
		if (r) {
			fprintf(stderr, "connlab: out of memory\n");
			tuning_free(&t);
			return EXIT_CANNOT_RUN;
		}
	}
	host_facts_rootless(&f);
	host_probe_open(&hp, &f);
	host_kernel_view(&kv, &hp, &f);
	host_tuning_scale(lab, plan, &sc);
	tuning_classify(&t, &kv, &sc);
	if (json) {
		json_t *j = tuning_json(&t, &sc);

		json_object_set_new(j, "kernel", json_string(f.release));
		json_object_set_new(j, "probed", json_boolean(hp.probed));
		json_dumpf(j, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(j);
	} else {
		if (!hp.probed)
			printf("(%s)\n\n", hp.why);
		tuning_write(&t, &sc, stdout);
	}
	st = t.blocks ? EXIT_EXPECT_FAILED : EXIT_OK;
	host_probe_close(&hp);
	tuning_free(&t);
	return st;
}

/* The table against the running kernel: each entry's scope as a fresh
 * namespace shows it. 0 when they agree everywhere. */
static int doctor_kernel(int json)
{
	struct host_facts f;
	struct host_probe hp;
	struct kernel_view kv;
	json_t *arr = json_array();
	unsigned disagree = 0, checked = 0;

	host_facts_rootless(&f);
	host_probe_open(&hp, &f);
	host_kernel_view(&kv, &hp, &f);
	if (!hp.probed) {
		fprintf(stderr, "connlab: %s; the table can be checked only with CAP_SYS_ADMIN\n",
			hp.why);
		json_decref(arr);
		return EXIT_CANNOT_RUN;
	}
	if (!json)
		printf("connlab's table against this kernel (Linux %s), each name looked up on the\nhost and in a fresh network namespace:\n\n",
		       f.release);
	for (size_t i = 0; i < ksysctls_count; i++) {
		const struct ksysctl *k = &ksysctls[i];
		char name[160];
		const char *star;
		struct kname kn;
		const char *got, *note = "";
		int ok;

		star = strchr(k->name, '*');
		/* a device component: the "all" (conf) or "default" (neigh) entry */
		snprintf(name, sizeof(name), "%.*s%s%s", star ? (int)(star - k->name) : 0x7fff,
			 k->name, star ? (strstr(k->name, ".neigh.") ? "default" : "all") : "",
			 star ? star + 1 : "");
		if (kv.lookup(kv.arg, name, &kn))
			continue;
		if (!kn.host && kn.netns <= 0)
			got = "absent";
		else if (strncmp(name, "net.", 4))
			got = kn.host_rw ? "global" : "read-only";
		else if (!kn.host_rw)
			got = "read-only";
		else if (kn.netns && kn.netns_rw)
			got = "netns";
		else if (kn.netns)
			got = "host, shown in namespaces";
		else
			got = "host";
		if (k->scope == KSCOPE_REMOVED)
			ok = !strcmp(got, "absent");
		else if (!strcmp(got, "absent") && k->module && !f.conntrack)
			ok = 1, note = " (module not loaded)";
		else if (!strcmp(got, "absent") && k->since &&
			 f.version < kernel_version_code(k->since))
			ok = 1, note = " (newer than this kernel)";
		else
			ok = !strcmp(got, kernel_scope_name(k->scope));
		checked++;
		disagree += !ok;
		if (json)
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:b}", "name", name,
							     "table", kernel_scope_name(k->scope),
							     "kernel", got, "agree", ok));
		else
			printf("  %-9s %-52s table: %-26s kernel: %s%s\n", ok ? "ok" : "DISAGREES",
			       name, kernel_scope_name(k->scope), got, note);
	}
	host_probe_close(&hp);
	if (json) {
		json_t *j = json_pack("{s:s, s:I, s:I, s:o}", "kernel", f.release, "checked",
				      (json_int_t)checked, "disagree", (json_int_t)disagree,
				      "entries", arr);

		json_dumpf(j, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(j);
	} else {
		json_decref(arr);
		printf("\n%u names checked, %u %s.\n", checked, disagree,
		       disagree == 1 ? "disagrees (the kernel is right)" : "disagree");
	}
	return disagree ? EXIT_EXPECT_FAILED : EXIT_OK;
}

static int cmd_doctor(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "set", required_argument, NULL, 's' },
		{ "connections", required_argument, NULL, 'c' },
		{ "sysctl", required_argument, NULL, 'y' },
		{ "json", no_argument, NULL, 'j' },
		{ "kernel", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct cli_sets sets = { 0 };
	struct plan_env env;
	static struct lab lab;
	static struct plan plan;
	static struct host_report rep;
	const char *files[32];
	int nfiles = 0, json = 0, kernel = 0, opt, r;

	plan_env_read(&env);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":s:c:jh", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (cli_sets_add(&sets, optarg))
				return EXIT_USAGE;
			break;
		case 'c':
			if (cli_sets_connections(&sets, optarg))
				return EXIT_USAGE;
			break;
		case 'y':
			if (nfiles == (int)(sizeof(files) / sizeof(files[0])))
				return cli_usage_error(&command_doctor,
						       "at most 32 --sysctl files");
			files[nfiles++] = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'k':
			kernel = 1;
			break;
		case 'h':
			return cli_help(&command_doctor);
		default:
			return cli_option_error(&command_doctor, opt, argv);
		}
	}
	if (kernel) {
		if (nfiles || optind < argc || sets.n)
			return cli_usage_error(&command_doctor,
					       "--kernel takes no lab and no --sysctl");
		return doctor_kernel(json);
	}
	r = cli_lab_plan(&command_doctor, argc, argv, optind, &sets, &lab, &env, &plan);
	if (r)
		return r;
	if (nfiles)
		return doctor_sysctl(files, nfiles, &lab, &plan, json);
	{
		struct host_facts f;
		struct host_probe hp;
		struct kernel_view kv;

		host_facts_rootless(&f);
		host_probe_open(&hp, &f);
		host_kernel_view(&kv, &hp, &f);
		host_check_all(&f, &kv, &lab, &plan, &rep);
		if (json) {
			json_t *j = checks_json(&rep, &f, &lab);

			json_dumpf(j, stdout, JSON_INDENT(2));
			fputc('\n', stdout);
			json_decref(j);
		} else {
			host_report_write(&rep, &f, &lab, stdout);
			if (!hp.probed)
				printf("(%s)\n", hp.why);
		}
		r = rep.blocks ? EXIT_EXPECT_FAILED : EXIT_OK;
		host_report_free(&rep);
		host_probe_close(&hp);
	}
	return r;
}
