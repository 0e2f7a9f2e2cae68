/* cmd_report.c - `connlab report`: a run's summary from its result.json,
 * or two runs side by side (the before and after of a fix). */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct row_def {
	const char *label;
	const char *path; /* dots into result.json; "*" sums over namespaces */
	const char *fmt;
};

static const struct row_def rows[] = {
	{ "established (peak, kernel)", "connections.established_peak", "%.0f" },
	{ "connections made (floods)", "connections.made", "%.0f" },
	{ "ramp, s", "connections.ramp_s", "%.2f" },
	{ "rate, conn/s (ramp, or churn)", "connections.ramp_rate", "%.0f" },
	{ "errors", "errors_total", "%.0f" },
	{ "EADDRNOTAVAIL", "errors.EADDRNOTAVAIL", "%.0f" },
	{ "ETIMEDOUT", "errors.ETIMEDOUT", "%.0f" },
	{ "ECONNRESET", "errors.ECONNRESET", "%.0f" },
	{ "TIME_WAIT (peak, all namespaces)", "states.*.peak.TIME_WAIT", "%.0f" },
	{ "CLOSE_WAIT (peak, all namespaces)", "states.*.peak.CLOSE_WAIT", "%.0f" },
	{ "SYN_RECV (peak, server)", "states.srv.peak.SYN_RECV", "%.0f" },
	{ "ping loss", "ping.all.loss", "%.4f" },
	{ "ping p50, ms", "ping.all.p50_ms", "%.3f" },
	{ "ping p99, ms", "ping.all.p99_ms", "%.3f" },
	{ "new connection p99, ms", "probe_connect.all.p99_ms", "%.3f" },
	{ "new connection failures", "probe_connect.all.failures", "%.0f" },
	{ "ListenOverflows (server)", "counters.srv.ListenOverflows", "%.0f" },
	{ "TWRecycled (all namespaces)", "counters.*.TWRecycled", "%.0f" },
	{ "TCPTimeWaitOverflow (all)", "counters.*.TCPTimeWaitOverflow", "%.0f" },
	{ "RetransSegs (all namespaces)", "counters.*.RetransSegs", "%.0f" },
	{ "kernel bytes per connection", "memory.kernel_slab_per_conn_bytes", "%.0f" },
	{ "user bytes per connection", "memory.user_pss_per_conn_bytes", "%.0f" },
};

/* The number at a dotted path; a "*" step sums over an object's members. */
static double lookup(json_t *v, const char *path)
{
	const char *dot = strchr(path, '.');
	char key[64];
	size_t n = dot ? (size_t)(dot - path) : strlen(path);

	if (n >= sizeof(key) || !v)
		return NAN;
	memcpy(key, path, n);
	key[n] = 0;
	if (!strcmp(key, "*") && dot) {
		const char *k;
		json_t *m;
		double sum = 0;
		int any = 0;

		json_object_foreach(v, k, m)
		{
			double x = lookup(m, dot + 1);

			if (!isnan(x)) {
				sum += x;
				any = 1;
			}
		}
		return any ? sum : NAN;
	}
	v = json_object_get(v, key);
	if (dot)
		return lookup(v, dot + 1);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

static void cell(char *buf, size_t len, const char *fmt, double v)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, fmt, v);
}

static json_t *load(const char *dir)
{
	char path[1024];
	json_error_t e;
	json_t *j;

	snprintf(path, sizeof(path), "%s/result.json", dir);
	j = json_load_file(path, 0, &e);
	if (!j)
		fprintf(stderr, "connlab: %s: %s (line %d)\n", path, e.text, e.line);
	else if (json_integer_value(json_object_get(j, "schema")) != 1) {
		fprintf(stderr, "connlab: %s: not a connlab result of schema 1\n", path);
		json_decref(j);
		j = NULL;
	}
	return j;
}

int cmd_report(int argc, char **argv)
{
	json_t *run[2] = { NULL, NULL };
	int n = argc - 1, status = EXIT_OK;

	if (n >= 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return cmd_help(2, (char *[]){ "help", "report", NULL });
	if (n < 1 || n > 2)
		return cli_usage_error("report", "give one run directory, or two to compare");
	for (int i = 0; i < n; i++) {
		if (argv[i + 1][0] == '-')
			return cli_usage_error("report", "unknown option '%s'", argv[i + 1]);
		run[i] = load(argv[i + 1]);
		if (!run[i]) {
			status = EXIT_USAGE;
			goto out;
		}
	}
	printf("%-34s", "");
	for (int i = 0; i < n; i++)
		printf(" %-18.18s",
		       json_string_value(json_object_get(json_object_get(run[i], "lab"), "name")));
	printf("%s\n", n == 2 ? " change" : "");
	printf("%-34s", "outcome");
	for (int i = 0; i < n; i++)
		printf(" %-18.18s", json_string_value(json_object_get(run[i], "outcome")));
	printf("\n");
	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		double v[2] = { lookup(run[0], rows[r].path),
				n == 2 ? lookup(run[1], rows[r].path) : NAN };
		char a[32], b[32];

		if (isnan(v[0]) && isnan(v[1]))
			continue;
		cell(a, sizeof(a), rows[r].fmt, v[0]);
		printf("%-34s %-18s", rows[r].label, a);
		if (n == 2) {
			cell(b, sizeof(b), rows[r].fmt, v[1]);
			printf(" %-18s", b);
			if (!isnan(v[0]) && !isnan(v[1]) && v[0] != 0)
				printf(" %+.0f%%", 100 * (v[1] - v[0]) / fabs(v[0]));
			else if (!isnan(v[0]) && !isnan(v[1]) && v[1] != v[0])
				printf(" (was 0)");
		}
		printf("\n");
	}
	for (int i = 0; i < n; i++) {
		json_t *ex = json_object_get(run[i], "expectations"), *e;
		size_t k;

		printf("\n%s: %s\n", n == 2 ? (i ? "B" : "A") : "expectations", argv[i + 1]);
		json_array_foreach(ex, k, e)
		{
			printf("  %-4s %s %s %s\n",
			       json_is_true(json_object_get(e, "holds")) ? "ok" : "FAIL",
			       json_string_value(json_object_get(e, "metric")),
			       json_string_value(json_object_get(e, "op")),
			       json_string_value(json_object_get(e, "text")));
		}
	}
out:
	json_decref(run[0]);
	json_decref(run[1]);
	return status;
}
