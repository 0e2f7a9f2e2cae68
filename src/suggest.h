/* suggest.h - "did you mean": the closest of a set of known words. */
#ifndef CONNLAB_SUGGEST_H
#define CONNLAB_SUGGEST_H

#include <stddef.h>

/* Edit distance between a and b, case-insensitive. */
unsigned suggest_distance(const char *a, const char *b);

/* The candidate closest to word if it is close enough to be a likely typo
 * (distance at most a third of the word, at least 2), otherwise NULL. */
const char *suggest_closest(const char *word, const char *const *cand, size_t n);

#endif
