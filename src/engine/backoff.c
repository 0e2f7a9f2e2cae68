/* SPDX-License-Identifier: MIT */
/* backoff.c - reconnect policies: names, delays, the waiting queue. */
#include "engine/backoff.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/suggest.h"
#include "util/units.h"

const char *const reconnect_mode_names[3] = { "off", "immediate", "backoff" };
const char *const jitter_names[3] = { "full", "equal", "none" };

int reconnect_mode_parse(const char *v, enum reconnect_mode *m, char *err, size_t errlen)
{
	int i;

	if (suggest_choice(v, reconnect_mode_names, ARRAY_LEN(reconnect_mode_names), &i, err,
			   errlen))
		return -EINVAL;
	*m = (enum reconnect_mode)i;
	return 0;
}

int jitter_parse(const char *v, enum jitter_kind *j, char *err, size_t errlen)
{
	int i;

	if (suggest_choice(v, jitter_names, ARRAY_LEN(jitter_names), &i, err, errlen))
		return -EINVAL;
	*j = (enum jitter_kind)i;
	return 0;
}

/* BASE:MAX[:JITTER] after "backoff:" */
static int bounds_parse(char *v, struct reconnect_policy *p, char *err, size_t errlen)
{
	char *max = strchr(v, ':'), *jit;

	if (!max) {
		snprintf(
			err, errlen,
			"'backoff:%s' needs both bounds: backoff:BASE:MAX, such as backoff:100ms:30s",
			v);
		return -EINVAL;
	}
	*max++ = 0;
	jit = strchr(max, ':');
	if (jit)
		*jit++ = 0;
	if (units_parse_duration(v, &p->base_us, err, errlen) ||
	    units_parse_duration(max, &p->max_us, err, errlen) ||
	    (jit && jitter_parse(jit, &p->jitter, err, errlen)))
		return -EINVAL;
	if (!p->base_us || p->base_us > p->max_us || p->max_us > BACKOFF_MAX_US) {
		snprintf(
			err, errlen,
			"backoff bounds: the base must be above 0 and at most the max, the max at most 1h");
		return -EINVAL;
	}
	return 0;
}

int reconnect_policy_parse(const char *v, struct reconnect_policy *p, char *err, size_t errlen)
{
	char buf[96];
	char *colon;

	p->base_us = BACKOFF_BASE_DEFAULT_US;
	p->max_us = BACKOFF_MAX_DEFAULT_US;
	p->jitter = JITTER_FULL;
	snprintf(buf, sizeof(buf), "%s", v);
	colon = strchr(buf, ':');
	if (colon)
		*colon = 0;
	if (reconnect_mode_parse(buf, &p->mode, err, errlen))
		return -EINVAL;
	if (!colon)
		return 0;
	if (p->mode != RECONNECT_BACKOFF) {
		snprintf(err, errlen, "only backoff takes bounds (backoff:BASE:MAX[:JITTER])");
		return -EINVAL;
	}
	return bounds_parse(colon + 1, p, err, errlen);
}

const char *reconnect_policy_fmt(const struct reconnect_policy *p, char *buf, size_t len)
{
	char a[32], b[32];

	if (p->mode != RECONNECT_BACKOFF)
		snprintf(buf, len, "%s", reconnect_mode_names[p->mode]);
	else
		snprintf(buf, len, "backoff:%s:%s:%s", units_fmt_duration(p->base_us, a, sizeof(a)),
			 units_fmt_duration(p->max_us, b, sizeof(b)), jitter_names[p->jitter]);
	return buf;
}

uint64_t backoff_window_us(const struct reconnect_policy *p, unsigned attempt)
{
	uint64_t w = p->base_us;

	for (unsigned n = 1; n < attempt && w < p->max_us; n++)
		w *= 2;
	return w < p->max_us ? w : p->max_us;
}

uint64_t backoff_delay_us(const struct reconnect_policy *p, unsigned attempt, uint64_t rnd)
{
	uint64_t w;

	if (p->mode != RECONNECT_BACKOFF)
		return attempt <= 1 ? 0 : RECONNECT_RETRY_US;
	w = backoff_window_us(p, attempt);
	switch (p->jitter) {
	case JITTER_FULL:
		return rnd % (w + 1);
	case JITTER_EQUAL:
		return w / 2 + rnd % (w - w / 2 + 1);
	default:
		return w;
	}
}

static int earlier(const struct waiting *a, const struct waiting *b)
{
	return a->due_ns < b->due_ns;
}

int waitq_push(struct waitq *q, struct waiting e)
{
	size_t i;

	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 256;
		struct waiting *w = realloc(q->w, cap * sizeof(*w));

		if (!w)
			return -ENOMEM;
		q->w = w;
		q->cap = cap;
	}
	for (i = q->n++; i && earlier(&e, &q->w[(i - 1) / 2]); i = (i - 1) / 2)
		q->w[i] = q->w[(i - 1) / 2];
	q->w[i] = e;
	return 0;
}

const struct waiting *waitq_top(const struct waitq *q)
{
	return q->n ? &q->w[0] : NULL;
}

void waitq_pop(struct waitq *q)
{
	struct waiting last;
	size_t i = 0;

	if (!q->n)
		return;
	last = q->w[--q->n];
	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= q->n)
			break;
		if (c + 1 < q->n && earlier(&q->w[c + 1], &q->w[c]))
			c++;
		if (!earlier(&q->w[c], &last))
			break;
		q->w[i] = q->w[c];
		i = c;
	}
	if (q->n)
		q->w[i] = last;
}

void waitq_free(struct waitq *q)
{
	free(q->w);
	*q = (struct waitq){ 0 };
}

uint64_t backoff_rand(uint64_t *state)
{
	uint64_t x = *state ? *state : 0x9e3779b97f4a7c15ULL;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}
