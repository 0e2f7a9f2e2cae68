/* SPDX-License-Identifier: MIT */
/* text.h - text for the terminal: words wrapped under an indent. */
#ifndef CONNLAB_UTIL_TEXT_H
#define CONNLAB_UTIL_TEXT_H

#include <stdio.h>

/* Writes s as lines of at most width columns (indent included; a longer
 * word stands alone), each indented by indent spaces; nothing for an
 * empty or NULL s. */
void text_wrap(FILE *out, const char *s, int indent, int width);

#endif
