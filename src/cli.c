/* cli.c - loading labs for commands and printing what went wrong. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>

#include "log.h"

int cli_sets_add(struct cli_sets *sets, const char *assignment)
{
	if (sets->n == (int)(sizeof(sets->item) / sizeof(sets->item[0]))) {
		log_msg(LOG_ERROR, "too many --set options (at most %zu)",
			sizeof(sets->item) / sizeof(sets->item[0]));
		return EXIT_USAGE;
	}
	sets->item[sets->n++] = assignment;
	return EXIT_OK;
}

static void diag_print(const struct lab_diag *d)
{
	for (unsigned i = 0; i < d->n; i++)
		fprintf(stderr, "%s\n", d->msg[i]);
	if (d->dropped)
		fprintf(stderr, "(and %u more problems)\n", d->dropped);
}

int cli_lab_load(struct lab *lab, const char *path, const struct cli_sets *sets)
{
	struct lab_diag diag = { 0 };
	int bad;

	bad = path ? lab_load_file(lab, path, &diag) : lab_load_default(lab, &diag);
	if (!bad)
		for (int i = 0; i < sets->n; i++)
			bad |= lab_set(lab, sets->item[i], &diag);
	if (!bad)
		bad = lab_validate(lab, &diag);
	if (bad) {
		diag_print(&diag);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
	const struct command *c = command ? command_find(command) : NULL;
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
