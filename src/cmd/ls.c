/* SPDX-License-Identifier: MIT */
/* ls.c - `connlab ls`: the labs that are up, named under /run/netns or
 * kept by a rootless holder. */
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

static int cmd_ls(int argc, char **argv);

const struct command command_ls = {
	.name = "ls",
	.summary = "list the labs that are up",
	.usage = "connlab ls",
	.help = "Lists the labs whose named namespaces exist under /run/netns.\n",
	.run = cmd_ls,
};

struct ls_ctx {
	char lab[64];
	unsigned count, labs;
	char members[512];
};

static void ls_flush(struct ls_ctx *c)
{
	if (c->count)
		printf("%-22s %3u   %s\n", c->lab, c->count, c->members);
	c->count = 0;
	c->members[0] = 0;
}

static int ls_one(const char *name, void *arg)
{
	struct ls_ctx *c = arg;
	char lab[64];
	size_t off;

	if (topo_name_split(name, lab, sizeof(lab)))
		return 0;
	if (strcmp(lab, c->lab)) {
		ls_flush(c);
		snprintf(c->lab, sizeof(c->lab), "%s", lab);
		c->labs++;
	}
	off = strlen(c->members);
	if (off < sizeof(c->members) - 16)
		snprintf(c->members + off, sizeof(c->members) - off, "%s%s", off ? " " : "",
			 strrchr(name, '-') + 1);
	else if (!strstr(c->members, "..."))
		strcat(c->members, " ...");
	c->count++;
	return 0;
}

static int cmd_ls(int argc, char **argv)
{
	static struct ls_ctx c;
	int r;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return cli_help(&command_ls);
	if (argc > 1)
		return cli_usage_error(&command_ls, "'%s': ls takes no arguments", argv[1]);
	printf("%-22s %s   %s\n", "LAB", "NS", "NAMESPACES (/run/netns/connlab-LAB-NS)");
	r = netns_list("connlab-", ls_one, &c);
	ls_flush(&c);
	if (r) {
		log_msg(LOGL_ERROR, "cannot read /run/netns: %s", strerror(-r));
		return EXIT_CANNOT_RUN;
	}
	if (!holder_ls() && !c.labs)
		printf("(no lab is up)\n");
	return EXIT_OK;
}
