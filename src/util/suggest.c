/* SPDX-License-Identifier: MIT */
/* suggest.c - Levenshtein distance for "did you mean" hints. */
#include "util/suggest.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define SUGGEST_WORD_MAX 64

unsigned suggest_distance(const char *a, const char *b)
{
	unsigned row[SUGGEST_WORD_MAX + 1];
	size_t la = strlen(a), lb = strlen(b);

	if (la > SUGGEST_WORD_MAX || lb > SUGGEST_WORD_MAX)
		return (unsigned)(la > lb ? la : lb);
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];

		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned cost = tolower((unsigned char)a[i - 1]) !=
					tolower((unsigned char)b[j - 1]);
			unsigned best = diag + cost;

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *suggest_closest(const char *word, const char *const *cand, size_t n)
{
	unsigned limit = (unsigned)strlen(word) / 3, best = ~0u;
	const char *pick = NULL;

	if (limit < 2)
		limit = 2;
	for (size_t i = 0; i < n; i++) {
		unsigned d = suggest_distance(word, cand[i]);

		if (d < best) {
			best = d;
			pick = cand[i];
		}
	}
	return best <= limit ? pick : NULL;
}

int suggest_choice(const char *word, const char *const *names, size_t n, int *out, char *err,
		   size_t errlen)
{
	const char *hint;
	size_t off;

	for (size_t i = 0; i < n; i++) {
		if (!strcmp(word, names[i])) {
			*out = (int)i;
			return 0;
		}
	}
	hint = suggest_closest(word, names, n);
	off = (size_t)snprintf(err, errlen, "'%s' is not one of ", word);
	for (size_t i = 0; i < n && off < errlen; i++)
		off += (size_t)snprintf(err + off, errlen - off, "%s%s", i ? ", " : "", names[i]);
	if (hint && off < errlen)
		snprintf(err + off, errlen - off, " (did you mean %s?)", hint);
	return -EINVAL;
}
