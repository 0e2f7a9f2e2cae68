/* SPDX-License-Identifier: MIT */
/* hostlist.c - expanding pdsh host lists. */
#include "lab/hostlist.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hostlist_free(struct hostlist *hl)
{
	free(hl->name);
	hl->name = NULL;
	hl->n = 0;
}

int hostlist_find(const struct hostlist *hl, const char *name)
{
	for (size_t i = 0; i < hl->n; i++)
		if (!strcmp(hl->name[i], name))
			return (int)i;
	return -1;
}

static int host_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_';
}

static int add(struct hostlist *hl, size_t *cap, const char *name, char *err, size_t errlen)
{
	if (!*name) {
		snprintf(err, errlen, "an empty host name");
		return -EINVAL;
	}
	if (strlen(name) >= HOSTNAME_MAX) {
		snprintf(err, errlen, "host name '%.20s...' is longer than %d characters", name,
			 HOSTNAME_MAX - 1);
		return -EINVAL;
	}
	if (hostlist_find(hl, name) >= 0) {
		snprintf(err, errlen, "host '%s' is named twice", name);
		return -EINVAL;
	}
	if (hl->n == HOSTLIST_MAX) {
		snprintf(err, errlen, "more than %d hosts", HOSTLIST_MAX);
		return -EINVAL;
	}
	if (hl->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		void *p = realloc(hl->name, nc * sizeof(*hl->name));

		if (!p) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		hl->name = p;
		*cap = nc;
	}
	snprintf(hl->name[hl->n++], HOSTNAME_MAX, "%s", name);
	return 0;
}

/* Expands one comma-free word (pat) after the prefix already built. */
static int expand_word(struct hostlist *hl, size_t *cap, char *prefix, size_t plen, const char *pat,
		       char *err, size_t errlen)
{
	const char *open = strchr(pat, '['), *close, *p;

	if (!open) {
		if (plen + strlen(pat) >= HOSTNAME_MAX) {
			snprintf(err, errlen, "a host name longer than %d characters",
				 HOSTNAME_MAX - 1);
			return -EINVAL;
		}
		for (p = pat; *p; p++)
			if (!host_char(*p)) {
				snprintf(err, errlen, "'%c' cannot be in a host name", *p);
				return -EINVAL;
			}
		strcpy(prefix + plen, pat);
		return add(hl, cap, prefix, err, errlen);
	}
	close = strchr(open, ']');
	if (!close) {
		snprintf(err, errlen, "'[' without ']'");
		return -EINVAL;
	}
	if ((size_t)(open - pat) + plen >= HOSTNAME_MAX) {
		snprintf(err, errlen, "a host name longer than %d characters", HOSTNAME_MAX - 1);
		return -EINVAL;
	}
	for (p = pat; p < open; p++)
		if (!host_char(*p)) {
			snprintf(err, errlen, "'%c' cannot be in a host name", *p);
			return -EINVAL;
		}
	memcpy(prefix + plen, pat, (size_t)(open - pat));
	plen += (size_t)(open - pat);
	/* the ranges inside: a,b-c,d */
	for (p = open + 1; p < close;) {
		char *end;
		unsigned long lo, hi;
		int width = 0, e;
		const char *q = p;

		if (!isdigit((unsigned char)*p)) {
			snprintf(err, errlen, "expected a number in '[%.*s]'",
				 (int)(close - open - 1), open + 1);
			return -EINVAL;
		}
		lo = strtoul(p, &end, 10);
		width = (int)(end - q);
		hi = lo;
		p = end;
		if (*p == '-') {
			p++;
			if (!isdigit((unsigned char)*p)) {
				snprintf(err, errlen, "expected a number after '-' in '[%.*s]'",
					 (int)(close - open - 1), open + 1);
				return -EINVAL;
			}
			hi = strtoul(p, &end, 10);
			p = end;
		}
		if (p != close && *p != ',') {
			snprintf(err, errlen, "unexpected '%c' in '[%.*s]'", *p,
				 (int)(close - open - 1), open + 1);
			return -EINVAL;
		}
		if (hi < lo) {
			snprintf(err, errlen, "range %lu-%lu goes backwards", lo, hi);
			return -EINVAL;
		}
		if (hi - lo >= HOSTLIST_MAX) {
			snprintf(err, errlen, "range %lu-%lu names more than %d hosts", lo, hi,
				 HOSTLIST_MAX);
			return -EINVAL;
		}
		for (unsigned long v = lo; v <= hi; v++) {
			int k = snprintf(prefix + plen, HOSTNAME_MAX - plen, "%0*lu",
					 q[0] == '0' && width > 1 ? width : 1, v);

			if (k < 0 || (size_t)k >= HOSTNAME_MAX - plen) {
				snprintf(err, errlen, "a host name longer than %d characters",
					 HOSTNAME_MAX - 1);
				return -EINVAL;
			}
			e = expand_word(hl, cap, prefix, plen + (size_t)k, close + 1, err, errlen);
			if (e)
				return e;
		}
		if (*p == ',')
			p++;
	}
	return 0;
}

int hostlist_expand(const char *s, struct hostlist *hl, char *err, size_t errlen)
{
	size_t cap = 0;
	char word[512], prefix[HOSTNAME_MAX + 8];
	const char *p = s;

	hl->n = 0;
	hl->name = NULL;
	while (*p == ' ')
		p++;
	if (!*p) {
		snprintf(err, errlen, "no hosts named");
		return -EINVAL;
	}
	while (*p) {
		size_t n = 0;
		int depth = 0, e;

		/* a word ends at a comma outside brackets */
		while (*p && (depth || (*p != ',' && *p != ' '))) {
			if (*p == '[')
				depth++;
			else if (*p == ']' && depth)
				depth--;
			if (n + 1 >= sizeof(word)) {
				snprintf(err, errlen, "a host list word longer than %zu characters",
					 sizeof(word) - 1);
				hostlist_free(hl);
				return -EINVAL;
			}
			word[n++] = *p++;
		}
		word[n] = 0;
		while (*p == ',' || *p == ' ')
			p++;
		if (!n)
			continue;
		if (strchr(word, ']') && !strchr(word, '[')) {
			snprintf(err, errlen, "']' without '['");
			hostlist_free(hl);
			return -EINVAL;
		}
		e = expand_word(hl, &cap, prefix, 0, word, err, errlen);
		if (e) {
			hostlist_free(hl);
			return e;
		}
	}
	return 0;
}

int hostlist_subst(const char *tmpl, const char *host, unsigned rank, char *out, size_t len)
{
	size_t o = 0;

	for (const char *p = tmpl; *p; p++) {
		char num[16];
		const char *add = NULL;
		size_t alen = 1;

		if (*p == '%' && p[1] == 'h') {
			add = host;
			alen = strlen(host);
			p++;
		} else if (*p == '%' && p[1] == 'n') {
			snprintf(num, sizeof(num), "%u", rank);
			add = num;
			alen = strlen(num);
			p++;
		} else if (*p == '%' && p[1] == '%') {
			add = "%";
			p++;
		} else {
			add = p;
		}
		if (o + alen >= len)
			return -ENOSPC;
		memcpy(out + o, add, alen);
		o += alen;
	}
	if (o >= len)
		return -ENOSPC;
	out[o] = 0;
	return 0;
}
