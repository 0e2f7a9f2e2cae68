/* SPDX-License-Identifier: MIT */
/* down.c - `connlab down`: the named namespaces of labs that `connlab up`
 * built removed (rootless labs: their holder ended), and the processes
 * still inside them named. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "netns/netns.h"
#include "plan/topology.h"
#include "run/holder.h"
#include "util/log.h"
#include "util/status.h"

static int cmd_down(int argc, char **argv);

const struct command command_down = {
	.name = "down",
	.summary = "remove labs built by 'connlab up'",
	.usage = "connlab down LAB... | --all",
	.help = "Removes the named namespaces of each LAB (/run/netns/connlab-LAB-*), and so\n"
		"(rootless labs: ends the holder process that keeps them)\n"
		"every veth pair, address and route in them. Processes still running inside\n"
		"are named (they keep their namespace alive until they exit). Taking down a\n"
		"lab that is not up says so and succeeds.\n"
		"\n"
		"Options:\n"
		"  -a, --all   every connlab lab\n",
	.run = cmd_down,
};

struct down_ctx {
	const char *lab; /* NULL: all */
	unsigned removed, failed;
	uint64_t ino[TOPO_NETNS_MAX * 4];
	unsigned n_ino;
	char labs[512];	    /* "a, b" for the message */
	char taken[64][64]; /* the labs in labs, whole names */
	unsigned n_taken;
};

/* Adds lab to the message once: compared whole, so that "b" is still
 * listed after "ab" */
static void down_note(struct down_ctx *c, const char *lab)
{
	size_t off = strlen(c->labs);

	for (unsigned i = 0; i < c->n_taken; i++)
		if (!strcmp(c->taken[i], lab))
			return;
	if (c->n_taken < sizeof(c->taken) / sizeof(c->taken[0]))
		snprintf(c->taken[c->n_taken++], sizeof(c->taken[0]), "%s", lab);
	if (off + strlen(lab) + 3 < sizeof(c->labs))
		snprintf(c->labs + off, sizeof(c->labs) - off, "%s%s", off ? ", " : "", lab);
}

/* Processes still inside a namespace keep it alive; name them. */
static void report_processes(const struct down_ctx *c)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	char pids[256] = "";
	size_t off = 0;
	unsigned count = 0;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[300];
		struct stat st;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/netns/net", de->d_name);
		if (stat(path, &st))
			continue;
		for (unsigned i = 0; i < c->n_ino; i++) {
			if ((uint64_t)st.st_ino != c->ino[i])
				continue;
			if (off < sizeof(pids) - 16)
				off += (size_t)snprintf(pids + off, sizeof(pids) - off, "%s%s",
							count ? ", " : "", de->d_name);
			count++;
			break;
		}
	}
	closedir(d);
	if (count)
		log_msg(LOGL_WARN,
			"%u %s still inside the removed namespaces (PID %s): they keep them alive until they exit",
			count, count == 1 ? "process is" : "processes are", pids);
}

static int down_one(const char *name, void *arg)
{
	struct down_ctx *c = arg;
	char lab[64];
	int fd, r;

	if (topo_name_split(name, lab, sizeof(lab)))
		return 0;
	if (c->lab && strcmp(lab, c->lab))
		return 0;
	if (netns_open_named(name, &fd) == 0) {
		uint64_t ino;

		if (netns_inode(fd, &ino) == 0 && c->n_ino < sizeof(c->ino) / sizeof(c->ino[0]))
			c->ino[c->n_ino++] = ino;
		close(fd);
	}
	r = netns_unname(name);
	if (r) {
		log_msg(LOGL_ERROR, "cannot remove /run/netns/%s: %s", name, strerror(-r));
		c->failed++;
	} else {
		c->removed++;
		down_note(c, lab);
	}
	return 0;
}

static int cmd_down(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int all = 0, opt, status = EXIT_OK;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":ah", opts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			all = 1;
			break;
		case 'h':
			return cli_help(&command_down);
		default:
			return cli_option_error(&command_down, opt, argv);
		}
	}
	if (all == (optind < argc))
		return cli_usage_error(&command_down, "name the labs to take down, or --all");
	for (int i = optind; i < argc || (all && i == optind); i++) {
		static struct down_ctx c;
		int r, held;

		memset(&c, 0, sizeof(c));
		c.lab = all ? NULL : argv[i];
		/* rootless labs: their holders */
		r = holder_down(c.lab);
		held = r > 0;
		if (r < 0)
			status = EXIT_CANNOT_RUN;
		if (r > 0 && !all)
			continue;
		r = netns_list("connlab-", down_one, &c);
		if (r) {
			log_msg(LOGL_ERROR, "cannot read /run/netns: %s", strerror(-r));
			return EXIT_CANNOT_RUN;
		}
		report_processes(&c);
		if (c.failed)
			status = EXIT_CANNOT_RUN;
		else if (c.removed)
			printf("took down %s (%u namespaces)\n", c.labs, c.removed);
		else if (all && !held)
			printf("no lab is up\n");
		else
			printf("no lab '%s' is up (no /run/netns/connlab-%s-*): nothing to do\n",
			       argv[i], argv[i]);
	}
	return status;
}
