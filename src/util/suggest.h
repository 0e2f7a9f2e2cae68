/* SPDX-License-Identifier: MIT */
/* suggest.h - "did you mean": the closest of a set of known words. */
#ifndef CONNLAB_SUGGEST_H
#define CONNLAB_SUGGEST_H

#include <stddef.h>

/* Edit distance between a and b, case-insensitive. */
unsigned suggest_distance(const char *a, const char *b);

/* The candidate closest to word if it is close enough to be a likely typo
 * (distance at most a third of the word, at least 2), otherwise NULL. */
const char *suggest_closest(const char *word, const char *const *cand, size_t n);

/* A word that must be one of names: 0 and its index in out, or -EINVAL
 * with "'x' is not one of a, b, c (did you mean b?)" in err. */
int suggest_choice(const char *word, const char *const *names, size_t n, int *out, char *err,
		   size_t errlen);

#endif
