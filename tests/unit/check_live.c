/* SPDX-License-Identifier: MIT */
/* check_live.c - cmd/live.c's merge of the timeline pieces a run hands
 * over each sample: put back together, the pieces of every fixture run are
 * its timeline, whatever the cut, with error names that first appear
 * late (a piece names only the errors its last row has). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "cmd/live.h"
#include "report/report.h"

#include "check_main.h"

static const char *const runs[] = { "default",	 "resets",   "storm-kill", "tls-storm",
				    "time-wait", "fleet-ok", "close-wait" };

/* rows [from, to) of a timeline as the launcher gives them */
static json_t *slice(json_t *tl, size_t from, size_t to, int errors)
{
	json_t *out = json_object(), *v;
	const char *k;

	json_object_foreach(tl, k, v)
	{
		if (json_is_array(v)) {
			json_t *a;

			if (errors && !json_integer_value(json_array_get(v, to - 1)))
				continue; /* not happened by the piece's last row */
			a = json_array();
			for (size_t i = from; i < to; i++)
				json_array_append(a, json_array_get(v, i));
			json_object_set_new(out, k, a);
		} else if (json_is_object(v)) {
			json_object_set_new(out, k, slice(v, from, to, !strcmp(k, "errors")));
		} else {
			json_object_set(out, k, v);
		}
	}
	return out;
}

START_TEST(pieces_make_the_timeline)
{
	char dir[256], err[800];
	json_t *res, *tl;
	size_t n;

	snprintf(dir, sizeof(dir), "tests/fixtures/findings/%s", runs[_i]);
	res = report_load(dir, err, sizeof(err));
	ck_assert_msg(res, "%s", err);
	tl = json_object_get(res, "timeline");
	n = json_array_size(json_object_get(tl, "t_s"));
	ck_assert_uint_gt(n, 3);
	for (size_t step = 1; step <= n; step += (step < 3 ? 1 : n / 3 + 1)) {
		json_t *got = json_object();

		for (size_t from = 0; from < n; from += step) {
			size_t to = from + step < n ? from + step : n;
			json_t *piece = slice(tl, from, to, 0);

			live_merge(got, piece, from);
			json_decref(piece);
		}
		ck_assert_msg(json_equal(got, tl), "%s: pieces of %zu rows are not the timeline",
			      runs[_i], step);
		json_decref(got);
	}
	json_decref(res);
}
END_TEST

static void add(TCase *tc)
{
	tcase_add_loop_test(tc, pieces_make_the_timeline, 0, sizeof(runs) / sizeof(runs[0]));
}

int main(void)
{
	return check_main("live", add);
}
