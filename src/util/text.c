/* SPDX-License-Identifier: MIT */
/* text.c - text for people: the one text wrapper (connlab explain,
 * connlab doctor), and bytes escaped and unescaped (messages). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
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

char *text_escape(const char *bytes, size_t n, char *buf, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < n && len; i++) {
		unsigned char c = (unsigned char)bytes[i];
		char e[5];

		if (c == '\r' || c == '\n' || c == '\t' || c == '\\')
			snprintf(e, sizeof(e), "\\%c",
				 c == '\r'   ? 'r'
				 : c == '\n' ? 'n'
				 : c == '\t' ? 't'
					     : '\\');
		else if (c < 0x20 || c >= 0x7f)
			snprintf(e, sizeof(e), "\\x%02x", c);
		else
			snprintf(e, sizeof(e), "%c", c);
		if (o + strlen(e) + 1 > len)
			break;
		memcpy(buf + o, e, strlen(e));
		o += strlen(e);
	}
	if (len)
		buf[o] = 0;
	return buf;
}

int text_unescape(const char *in, char *out, size_t cap, size_t *len, char *err, size_t errlen)
{
	size_t n = 0;

	for (const char *p = in; *p; p++) {
		char c = *p;

		if (c == '\\') {
			p++;
			switch (*p) {
			case 'r':
				c = '\r';
				break;
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case '\\':
				c = '\\';
				break;
			case 'x': {
				unsigned v;

				if (!isxdigit((unsigned char)p[1]) ||
				    !isxdigit((unsigned char)p[2]) ||
				    sscanf(p + 1, "%2x", &v) != 1) {
					snprintf(err, errlen,
						 "'\\x' takes two hexadecimal digits, as in \\x0d");
					return -EINVAL;
				}
				c = (char)v;
				p += 2;
				break;
			}
			default:
				snprintf(
					err, errlen,
					"unknown escape '\\%c': the escapes are \\r \\n \\t \\\\ and \\xNN",
					*p ? *p : ' ');
				return -EINVAL;
			}
		}
		if (n + 1 >= cap) {
			snprintf(err, errlen, "longer than %zu bytes", cap - 1);
			return -EINVAL;
		}
		out[n++] = c;
	}
	out[n] = 0;
	*len = n;
	if (!n) {
		snprintf(err, errlen, "empty: give the bytes to send");
		return -EINVAL;
	}
	return 0;
}
