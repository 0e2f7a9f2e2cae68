/* SPDX-License-Identifier: MIT */
/* fuzz_result.c - libFuzzer target: a result.json as connlab reads it back
 * (connlab explain, report): the findings judged, then the summary, the
 * explanation, report.html, the CSV, junit and OpenMetrics written. Seeded with the
 * fixture run directories' result.json. `make fuzz` runs it. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "report/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void write_all(json_t *res)
{
	FILE *devnull = fopen("/dev/null", "w");
	json_t *const runs[1] = { res };
	const char *const dirs[1] = { "/nonexistent" };

	if (!devnull)
		return;
	report_summary(res, devnull);
	report_explain(res, devnull);
	report_html(runs, dirs, 1, devnull);
	report_csv(devnull, res);
	report_junit(devnull, res);
	openmetrics_write(devnull, res);
	fclose(devnull);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t e;
	json_t *res = json_loadb((const char *)data, size, 0, &e), *fs;

	/* what report_load lets through: an object of schema 1 */
	if (!json_is_object(res) || json_integer_value(json_object_get(res, "schema")) != 1) {
		json_decref(res);
		return 0;
	}
	fs = report_findings(res, "/nonexistent");
	if (fs)
		json_object_set_new(res, "findings", fs);
	write_all(res);
	json_decref(res);
	return 0;
}
