/* SPDX-License-Identifier: MIT */
/* text.c - the one text wrapper (connlab explain, connlab doctor). */
#include <string.h>

#include "util/text.h"

void text_wrap(FILE *out, const char *s, int indent, int width)
{
	int col = 0; /* columns after the indent */

	while (s && *s) {
		size_t w = strcspn(s, " ");

		if (col && indent + col + 1 + (int)w > width) {
			fputc('\n', out);
			col = 0;
		}
		if (!col)
			fprintf(out, "%*s", indent, "");
		else
			fputc(' ', out), col++;
		fprintf(out, "%.*s", (int)w, s);
		col += (int)w;
		s += w;
		while (*s == ' ')
			s++;
	}
	if (col)
		fputc('\n', out);
}
