/* SPDX-License-Identifier: MIT */
/* reportserve.c - `connlab report RUNDIR --serve [ADDR:]PORT`: a finished
 * run's page, result.json and OpenMetrics over HTTP (httpd.h), for a
 * browser or a Prometheus scrape, until SIGINT or SIGTERM. Every document
 * is made once, before the first request. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd/cli.h"
#include "cmd/httpd.h"
#include "report/report.h"

static void write_html(FILE *f, void *arg)
{
	json_t *res = arg;
	const char *dir = json_string_value(json_object_get(res, "outdir"));

	report_html(&res, &dir, 1, f);
}

static void write_json(FILE *f, void *arg)
{
	json_dumpf(arg, f, JSON_INDENT(2));
	fputc('\n', f);
}

static void write_om(FILE *f, void *arg)
{
	openmetrics_write(f, arg);
}

int report_serve(void *res, const char *dir, const char *spec)
{
	int status = EXIT_OK;
	struct httpd *h = httpd_open(spec, &status);

	if (!h)
		return status;
	if (httpd_publish_made(h, HTTPD_PAGE, write_html, res) ||
	    httpd_publish_made(h, HTTPD_RESULT, write_json, res) ||
	    httpd_publish_made(h, HTTPD_METRICS, write_om, res)) {
		fprintf(stderr, "connlab: --serve: out of memory making the documents\n");
		httpd_close(h);
		return EXIT_CANNOT_RUN;
	}
	printf("serving %s at %s (the page; /result.json, /metrics for Prometheus); Ctrl-C ends it\n",
	       dir, httpd_url(h));
	fflush(stdout);
	status = httpd_serve(h, 0);
	httpd_close(h);
	return status;
}
