/* SPDX-License-Identifier: MIT */
/* diag.c - what the lab readers and checkers share: a problem put in a
 * lab_diag, and where a line of the lab is. */
#include <stdarg.h>
#include <stdio.h>

#include "lab/labfile.h"

void diag_add(struct lab_diag *d, const char *fmt, ...)
{
	va_list ap;

	if (d->n == LAB_DIAG_MAX) {
		d->dropped++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(d->msg[d->n++], sizeof(d->msg[0]), fmt, ap);
	va_end(ap);
}

void lab_where(const struct lab *lab, int line, char *buf, size_t len)
{
	if (line > 0)
		snprintf(buf, len, "%s:%d", lab->source, line);
	else if (line == LAB_LINE_EVENT)
		snprintf(buf, len, "--event");
	else if (line < 0)
		snprintf(buf, len, "--set");
	else
		snprintf(buf, len, "%s", lab->source);
}

int lab_is_fleet(const struct lab *lab)
{
	return lab->fleet.hosts[0] != 0;
}
