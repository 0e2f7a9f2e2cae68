/* SPDX-License-Identifier: MIT */
/* chart.h - private to src/report/: the chart engine that html.c draws
 * report.html's charts with. */
#ifndef CONNLAB_REPORT_CHART_H
#define CONNLAB_REPORT_CHART_H

#include <jansson.h>
#include <stdio.h>

#include "lab/metrics.h"
#include "report/report.h"

#define W 760
#define H 270
#define PX0 70.0
#define PX1 (W - 16.0)
#define PY0 (H - 40.0) /* bottom of the plot area */
#define PY1 34.0       /* top */
#define SERIES_MAX 24

#define NSTATES STATE_COLS

struct series {
	char name[40]; /* data-series */
	char label[64];
	double *y; /* n values, NAN for none */
	int run;   /* 0 or 1 (dashed) */
	int color;
};

struct rundata {
	json_t *res;
	const char *dir;
	size_t n;
	double *t;
	int churn;
};

struct chart {
	const char *id, *title, *desc, *yunit;
	int ylog, stacked;
	double x1, y0, y1;
	struct series s[SERIES_MAX];
	int nseries;
	struct rundata *runs;
	int nruns;
	const char *mark_col, *mark_of; /* lost pings: count column, out of column */
	const char *mark_what;
};

const char *chart_str(json_t *j, const char *key);
char *chart_fig(double v, int decimals, char *buf, size_t len);
double *chart_column(json_t *tl, const char *name, size_t n);
double *chart_rise(const struct rundata *d, const double *c);
void chart_rundata_load(struct rundata *d, json_t *res, const char *dir);
struct series *chart_add_series(struct chart *c, const char *name, const char *label, double *y,
				int run, int color);
void chart_write(FILE *f, struct chart *c);
int chart_has_any(const double *v, size_t n);
void chart_init(struct chart *c, struct rundata *runs, int nruns);

/* charts.c: every chart of report.html, in the page's order */
void html_charts(FILE *f, struct rundata *runs, int n);

/* events_html.c: the runs' lab events, each with its window's connect
 * times by the SYN retransmit steps (nothing without events) */
void html_events(FILE *f, json_t *const *res, int n);
/* tls_html.c: the TLS section, where some run spoke TLS */
void html_tls(FILE *f, json_t *const *res, int n);

#endif
