/* SPDX-License-Identifier: MIT */
/* text.h - text for people: words wrapped under an indent, and bytes
 * escaped for the terminal and unescaped from what users write. */
#ifndef CONNLAB_UTIL_TEXT_H
#define CONNLAB_UTIL_TEXT_H

#include <stdint.h>
#include <stdio.h>

/* Writes s as lines of at most width columns (indent included; a longer
 * word stands alone), each indented by indent spaces; nothing for an
 * empty or NULL s. */
void text_wrap(FILE *out, const char *s, int indent, int width);

/* one when n is 1, many otherwise */
static inline const char *text_plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* Bytes as printable ASCII: \r, \n, \t, \\ and \xHH for the others; cut
 * to fit len (always terminated). Returns buf. */
char *text_escape(const char *bytes, size_t n, char *buf, size_t len);
/* The reverse for what users write: \r \n \t \\ and \xNN; at most cap - 1
 * bytes into out (NUL-terminated), their number in *len. 0, or -EINVAL
 * with the reason in err. */
int text_unescape(const char *in, char *out, size_t cap, size_t *len, char *err, size_t errlen);

#endif
