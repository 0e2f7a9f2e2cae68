/* SPDX-License-Identifier: MIT */
/* judge.c - expectations judged from result.json: the value of a metric
 * at its path (lab/metrics.c), and the verdicts. Nothing of the live run
 * is needed, so a finished run can be judged again against other
 * expectations (`connlab report RUNDIR --set ...`). */
#include <math.h>
#include <string.h>

#include "report/report.h"

double report_metric_value(json_t *res, const char *name)
{
	const struct metric *m = metric_find(name);
	char path[160];
	double v;

	if (!m || metric_path(m, name, path, sizeof(path)))
		return NAN;
	if (m->measured && !(report_lookup(res, m->measured) > 0))
		return NAN;
	v = m->absent_is_zero ? report_lookup_count(res, path) : report_lookup(res, path);
	if (m->scale != 1)
		/* milliseconds and seconds in result.json (9 digits), microseconds
		 * here: 44.418 ms is 44418 us, not 44417.99999 */
		v = round(v * m->scale * 1000) / 1000;
	return v;
}

int report_reached_ramp(json_t *res)
{
	json_t *p;
	size_t i;

	json_array_foreach(json_object_get(res, "phases"), i, p)
	{
		const char *name = json_string_value(json_object_get(p, "name"));

		if (name &&
		    (!strcmp(name, "ramp") || !strcmp(name, "churn") || !strcmp(name, "hold")))
			return 1;
	}
	return 0;
}

const char *report_verdict(json_t *e)
{
	json_t *h = json_object_get(e, "holds");

	return json_is_null(h) || !h ? "not run" : json_is_true(h) ? "ok" : "FAIL";
}

unsigned report_judge(json_t *res, const struct expectation *e, unsigned n)
{
	json_t *arr = json_array();
	unsigned failed = 0;

	for (unsigned i = 0; i < n; i++) {
		double a = report_metric_value(res, e[i].metric);
		int ok = expect_holds(&e[i], a);
		char v[64];

		failed += !ok;
		json_array_append_new(
			arr, json_pack("{s:s, s:s, s:s, s:f, s:o, s:s, s:s, s:b}", "metric",
				       e[i].metric, "op", expect_op_name(e[i].op), "text",
				       e[i].text, "value", e[i].value, "actual",
				       isnan(a) ? json_null() : json_real(a), "actual_text",
				       isnan(a) ? "not measured"
						: metric_fmt_value(e[i].unit, a, v, sizeof(v)),
				       "unit", metric_unit_name(e[i].unit), "holds", ok));
		json_object_set_new(json_array_get(arr, json_array_size(arr) - 1), "verdict",
				    json_string(ok ? "ok" : "fail"));
	}
	json_object_set_new(res, "expectations", arr);
	return failed;
}
