/* SPDX-License-Identifier: MIT */
/* live.c - `connlab run --serve`: the run as it goes, in a browser and for
 * Prometheus. Each sample the launcher hands over result.json so far, its
 * timeline only the new rows (run_opts.on_sample); that takes a mutex and
 * a pointer. The server's thread, when a client asks, adds the rows to the
 * timeline it keeps, finds the findings and draws report.html with the
 * same code as the run's page, a line of progress and a few lines of
 * script that fetch the page again each interval; /metrics is the same
 * result as OpenMetrics. When the run ends the page is its report.html. */
#define _GNU_SOURCE
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/httpd.h"
#include "cmd/live.h"
#include "report/report.h"
#include "util/status.h"
#include "util/units.h"

struct live {
	struct httpd *h;
	int started; /* the server's thread */
	double poll_s;
	pthread_mutex_t mu;
	pthread_mutex_t draw; /* a page being made and published */
	json_t *head;	      /* the newest result so far, its timeline taken out */
	json_t *chunks;	      /* the timelines handed over since */
	unsigned given;
	/* the server's thread's */
	json_t *timeline; /* every row so far */
	size_t rows;
	unsigned drawn;
	int done; /* the run has ended: its own files are served */
	char dir[512];
};

/* The script of the live page: the page again each interval, the body
 * swapped (scroll kept); the run's report.html once it has ended. */
static const char script[] =
	"<script>(function(){var every=%d;"
	"function gone(){var b=document.getElementById('connlab-live');"
	"if(b)b.textContent='The run has ended, and its server with it: its report.html is in the run directory.';}"
	"function poll(){fetch(location.pathname,{cache:'no-store'}).then(function(r){"
	"if(!r.ok)throw r.status;return r.text();}).then(function(t){"
	"var d=new DOMParser().parseFromString(t,'text/html');"
	"if(!d.getElementById('connlab-live')){location.reload();return;}"
	"document.body.replaceWith(document.adoptNode(d.body));document.title=d.title;"
	"setTimeout(poll,every);}).catch(gone);}"
	"setTimeout(poll,every);})();</script>\n";

/* n values of pad added to a: a column that was not in the rows */
static json_t *pad(json_t *a, size_t n, int zero)
{
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, zero ? json_integer(0) : json_null());
	return a;
}

/* Adds chunk (n rows) to the timeline so far (rows before): columns
 * extended, objects of columns (states, errors) alike; a column new in the
 * chunk gets null before (0 for errors: their counts only grow), one the
 * chunk lacks gets null. */
static void merge(json_t *into, json_t *chunk, size_t before, size_t n, int zero)
{
	const char *k;
	json_t *v, *have;

	json_object_foreach(chunk, k, v)
	{
		have = json_object_get(into, k);
		if (json_is_array(v)) {
			if (!json_is_array(have)) {
				have = pad(json_array(), before, zero);
				json_object_set_new(into, k, have);
			}
			json_array_extend(have, v);
		} else if (json_is_object(v)) {
			if (!json_is_object(have)) {
				have = json_object();
				json_object_set_new(into, k, have);
			}
			merge(have, v, before, n, zero || !strcmp(k, "errors"));
		} else {
			json_object_set(into, k, v);
		}
	}
	json_object_foreach(into, k, have)
	{
		if (json_is_array(have) && !json_object_get(chunk, k))
			pad(have, n, zero);
	}
}

void live_merge(json_t *timeline, json_t *chunk, size_t before)
{
	merge(timeline, chunk, before, json_array_size(json_object_get(chunk, "t_s")), 0);
}

void live_on_sample(void *arg, json_t *partial)
{
	struct live *l = arg;
	json_t *tl = json_incref(json_object_get(partial, "timeline"));

	json_object_del(partial, "timeline");
	pthread_mutex_lock(&l->mu);
	json_decref(l->head);
	l->head = partial;
	if (tl)
		json_array_append_new(l->chunks, tl);
	l->given++;
	pthread_mutex_unlock(&l->mu);
	/* the first sample comes after the lab is built: no unshare or setns
	 * of a mount namespace follows (they refuse a process with threads) */
	if (!l->started && httpd_start(l->h) == 0)
		l->started = 1;
}

/* The progress line: the newest row's phase, time and connections. */
static void progress(FILE *f, json_t *res, const struct live *l)
{
	json_t *tl = json_object_get(res, "timeline");
	size_t last = l->rows ? l->rows - 1 : 0;
	json_t *ph = json_array_get(json_object_get(tl, "phase"), last);
	json_t *t = json_array_get(json_object_get(tl, "t_s"), last);
	json_t *est = json_array_get(json_object_get(tl, "established_clients"), last);

	fprintf(f,
		"<p id=\"connlab-live\" style=\"position:sticky;top:0;background:#ffd;padding:.3em;border:1px solid #cc9\">"
		"<b>live</b>: ");
	if (!l->rows) {
		fprintf(f, "the lab is being built");
	} else {
		fprintf(f,
			"%s, %.1f s into the run, <span id=\"connlab-established\">%lld</span> connections established",
			json_is_string(ph) ? json_string_value(ph) : "-", json_number_value(t),
			(long long)json_integer_value(est));
	}
	fprintf(f,
		"; this page follows the run (every %.0f s) and becomes its report.html when it ends</p>\n",
		l->poll_s);
}

struct page {
	struct live *l;
	json_t *res;
};

/* report.html of the result so far with the progress line and the script */
static void write_page(FILE *f, void *arg)
{
	const struct page *p = arg;
	const char *dir = p->l->dir;
	char *page = NULL, *body, *end;
	size_t len = 0;
	FILE *m = open_memstream(&page, &len);

	if (!m)
		return;
	report_html(&p->res, &dir, 1, m);
	if (fclose(m) || !(body = strstr(page, "<body>\n")) || !(end = strstr(body, "</body>"))) {
		free(page);
		return;
	}
	body += strlen("<body>\n");
	fwrite(page, 1, (size_t)(body - page), f);
	progress(f, p->res, p->l);
	fwrite(body, 1, (size_t)(end - body), f);
	fprintf(f, script, (int)(p->l->poll_s * 1000));
	fputs(end, f);
	free(page);
}

static void write_om(FILE *f, void *arg)
{
	openmetrics_write(f, arg);
}

/* The rows handed over since the last time, added to the timeline. */
static json_t *take_rows(struct live *l, unsigned *given)
{
	json_t *head, *chunks, *c;
	size_t i;

	pthread_mutex_lock(&l->mu);
	*given = l->given;
	head = l->done ? NULL : json_incref(l->head);
	chunks = l->chunks;
	l->chunks = json_array();
	pthread_mutex_unlock(&l->mu);
	json_array_foreach(chunks, i, c)
	{
		live_merge(l->timeline, c, l->rows);
		l->rows += json_array_size(json_object_get(c, "t_s"));
	}
	json_decref(chunks);
	return head;
}

/* In the server's thread, before a request: the page and the metrics made
 * again when samples came since. */
static void refresh(void *arg)
{
	struct live *l = arg;
	unsigned given;
	json_t *head;
	struct page p = { l, NULL };

	pthread_mutex_lock(&l->draw);
	head = take_rows(l, &given);
	if (!head || given == l->drawn) {
		pthread_mutex_unlock(&l->draw);
		json_decref(head);
		return;
	}
	l->drawn = given;
	p.res = json_copy(head); /* its own keys; what they hold is not changed */
	json_decref(head);
	snprintf(l->dir, sizeof(l->dir), "%s",
		 json_string_value(json_object_get(p.res, "outdir")) ?: "");
	json_object_set(p.res, "timeline", l->timeline);
	json_object_set_new(p.res, "findings", report_findings(p.res, l->dir));
	httpd_publish_made(l->h, HTTPD_METRICS, write_om, p.res);
	httpd_publish_made(l->h, HTTPD_PAGE, write_page, &p);
	pthread_mutex_unlock(&l->draw);
	json_decref(p.res);
}

struct live *live_open(const char *spec, double interval_s, int *status)
{
	struct live *l = calloc(1, sizeof(*l));

	if (!l) {
		*status = EXIT_CANNOT_RUN;
		return NULL;
	}
	l->h = httpd_open(spec, status);
	if (!l->h) {
		free(l);
		return NULL;
	}
	pthread_mutex_init(&l->mu, NULL);
	pthread_mutex_init(&l->draw, NULL);
	l->chunks = json_array();
	l->timeline = json_object();
	l->poll_s = interval_s > 1 ? interval_s : 1;
	httpd_publish(l->h, HTTPD_PAGE, NULL, 0,
		      "the run has not taken its first sample yet: try again in a moment");
	httpd_publish(l->h, HTTPD_METRICS, NULL, 0,
		      "the run has not taken its first sample yet: try again in a moment");
	httpd_publish(
		l->h, HTTPD_RESULT, NULL, 0,
		"the run has not ended: its result.json comes when it does (/metrics has its figures now)");
	httpd_set_refresh(l->h, refresh, l);
	return l;
}

const char *live_url(const struct live *l)
{
	return httpd_url(l->h);
}

/* dir/name's bytes as document d; -1 when it cannot be read */
static int publish_file(struct live *l, enum httpd_doc d, const char *dir, const char *name)
{
	char path[1100], *body = NULL;
	size_t len = 0;
	FILE *f, *m;
	int c;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "re");
	if (!f)
		return -1;
	m = open_memstream(&body, &len);
	while (m && (c = getc(f)) != EOF)
		putc(c, m);
	fclose(f);
	if (!m || fclose(m)) {
		free(body);
		return -1;
	}
	httpd_publish(l->h, d, body, len, NULL);
	return 0;
}

int live_finish(struct live *l, json_t *res, const char *dir, double stay_s)
{
	int status = EXIT_OK;

	pthread_mutex_lock(&l->draw); /* a page being drawn is published first */
	pthread_mutex_lock(&l->mu);
	l->done = 1; /* refresh draws no more */
	pthread_mutex_unlock(&l->mu);
	pthread_mutex_unlock(&l->draw);
	if (res && dir) {
		publish_file(l, HTTPD_PAGE, dir, "report.html");
		publish_file(l, HTTPD_RESULT, dir, "result.json");
		httpd_publish_made(l->h, HTTPD_METRICS, write_om, res);
	}
	if (stay_s) {
		printf("serving the finished run at %s %s; Ctrl-C ends it\n", live_url(l),
		       stay_s > 0 ? "for --serve-after's time" : "until asked to stop");
		fflush(stdout);
		status = httpd_serve(l->h, stay_s > 0 ? stay_s : 0);
	}
	return status;
}

void live_close(struct live *l)
{
	if (!l)
		return;
	httpd_close(l->h); /* the thread first: then nothing else reads */
	json_decref(l->head);
	json_decref(l->chunks);
	json_decref(l->timeline);
	pthread_mutex_destroy(&l->mu);
	pthread_mutex_destroy(&l->draw);
	free(l);
}

int live_opts_after(struct live_opts *o, const char *arg)
{
	char err[200];
	uint64_t us = 0;

	if (!arg) {
		o->after_s = -1;
		return EXIT_OK;
	}
	if (units_parse_duration(arg, &us, err, sizeof(err)) || !us) {
		fprintf(stderr,
			"connlab: --serve-after=%s: not a duration (30s, 10m): %s; without =DURATION it serves until Ctrl-C\n",
			arg, us ? err : "it must be above 0");
		return EXIT_USAGE;
	}
	o->after_s = (double)us / 1e6;
	return EXIT_OK;
}

int live_opts_check(const struct live_opts *o)
{
	if (o->after_s && !o->spec) {
		fprintf(stderr,
			"connlab: --serve-after serves a run that --serve [ADDR:]PORT serves: give both\n");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* With --serve: listening, where said on stdout; NULL without it (*status
 * EXIT_OK) or when it cannot listen (*status says). */
static struct live *live_begin(const struct live_opts *o, double interval_s, int *status)
{
	struct live *l;

	*status = EXIT_OK;
	if (!o->spec)
		return NULL;
	l = live_open(o->spec, interval_s, status);
	if (l) {
		printf("serving the run live at %s (the page; /metrics for Prometheus)\n",
		       live_url(l));
		fflush(stdout);
	}
	return l;
}

/* After the run was judged and written: live_finish with --serve-after,
 * and closed; st, or the serving's status when st is 0. */
static int live_end(struct live *l, const struct live_opts *o, json_t *res, const char *dir, int st)
{
	int served;

	if (!l)
		return st;
	served = live_finish(l, res, dir,
			     res ? o->after_s : 0); /* nothing ran: nothing to stay for */
	live_close(l);
	return st ? st : served;
}

int live_run(const struct live_opts *o, const struct lab *lab,
	     void (**on_sample)(void *arg, json_t *partial), void **sample_arg,
	     int (*go)(void *arg, json_t **res, char *outdir, size_t len), void *arg)
{
	struct live *live;
	char outdir[512];
	json_t *res;
	int st;

	live = live_begin(o, (double)lab->interval_us / 1e6, &st);
	if (st)
		return st;
	if (live) {
		*on_sample = live_on_sample;
		*sample_arg = live;
	}
	st = go(arg, &res, outdir, sizeof(outdir));
	if (res)
		st = report_finish(res, outdir, lab->expect, lab->n_expect, st, 1);
	st = live_end(live, o, res, res ? outdir : NULL, st);
	json_decref(res);
	return st;
}
