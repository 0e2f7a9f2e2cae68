/* SPDX-License-Identifier: MIT */
/* chart.c - the SVG chart engine of report.html: text helpers, a run's
 * timeline read from result.json, and charts that carry their mapping from
 * data to pixels (data-x0, data-x1, data-px0, data-px1, data-y0, data-y1,
 * data-py0, data-py1, data-yscale on each <svg>, data-series and data-run
 * on each line), so a test can read every plotted point back. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/chart.h"

/* ---- text ---- */

void report_xml_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			/* control characters are not allowed in XML 1.0 */
			if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
				fputc(*s, f);
		}
	}
}

const char *chart_str(json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));

	return s ? s : "";
}

/* 1k, 10k, 2.5M, 0.05: axis ticks and figures. */
static char *si(double v, char *buf, size_t len)
{
	double a = fabs(v);

	if (a >= 1e9)
		snprintf(buf, len, "%gG", v / 1e9);
	else if (a >= 1e6)
		snprintf(buf, len, "%gM", v / 1e6);
	else if (a >= 1e3)
		snprintf(buf, len, "%gk", v / 1e3);
	else
		snprintf(buf, len, "%g", v);
	return buf;
}

/* A figure for a table: thousands grouped, fixed decimals. */
char *chart_fig(double v, int decimals, char *buf, size_t len)
{
	char raw[64];
	const char *dot;
	size_t ilen, o = 0;

	if (isnan(v) || fabs(v) >= 1e18) {
		snprintf(buf, len, "-");
		return buf;
	}
	snprintf(raw, sizeof(raw), "%.*f", decimals, fabs(v));
	dot = strchr(raw, '.');
	ilen = dot ? (size_t)(dot - raw) : strlen(raw);
	if (v < 0 && strspn(raw, "0.") != strlen(raw))
		buf[o++] = '-';
	for (size_t i = 0; i < ilen && o + 2 < len; i++) {
		buf[o++] = raw[i];
		if (i + 1 < ilen && (ilen - i - 1) % 3 == 0)
			buf[o++] = ',';
	}
	snprintf(buf + o, len - o, "%s", dot ? dot : "");
	return buf;
}

/* ---- one run's timeline ---- */

double *chart_column(json_t *tl, const char *name, size_t n)
{
	json_t *a = json_object_get(tl, name);
	double *v = calloc(n ? n : 1, sizeof(double));

	for (size_t i = 0; v && i < n; i++) {
		json_t *x = json_array_get(a, i);

		v[i] = json_is_number(x) ? json_number_value(x) : NAN;
	}
	return v;
}

/* The rise per second of a cumulative column. */
double *chart_rise(const struct rundata *d, const double *c)
{
	double *v = calloc(d->n ? d->n : 1, sizeof(double));

	for (size_t i = 0; v && i < d->n; i++) {
		double dt = i ? d->t[i] - d->t[i - 1] : 0;

		v[i] = i && dt > 0 && !isnan(c[i]) && !isnan(c[i - 1]) ? (c[i] - c[i - 1]) / dt
								       : NAN;
	}
	return v;
}

void chart_rundata_load(struct rundata *d, json_t *res, const char *dir)
{
	json_t *tl = json_object_get(res, "timeline"), *ph = json_object_get(tl, "phase");

	d->res = res;
	d->dir = dir;
	d->n = json_array_size(json_object_get(tl, "t_s"));
	d->t = chart_column(tl, "t_s", d->n);
	d->churn = 0;
	for (size_t i = 0; i < json_array_size(ph); i++)
		d->churn |=
			!strcmp(json_string_value(json_array_get(ph, i)) ?: "", PHASE_CHURN_NAME);
}

/* ---- a chart ---- */

static double xpix(const struct chart *c, double x)
{
	return PX0 + (PX1 - PX0) * x / c->x1;
}

static double ypix(const struct chart *c, double y)
{
	double f = c->ylog ? (log10(y) - log10(c->y0)) / (log10(c->y1) - log10(c->y0))
			   : (y - c->y0) / (c->y1 - c->y0);

	return PY0 - (PY0 - PY1) * f;
}

static double nice_step(double range, int ticks)
{
	double raw = range / ticks, mag = pow(10, floor(log10(raw))), norm = raw / mag;

	return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
}

struct series *chart_add_series(struct chart *c, const char *name, const char *label, double *y,
				int run, int color)
{
	struct series *s;

	if (c->nseries == SERIES_MAX || !y) {
		free(y);
		return NULL;
	}
	s = &c->s[c->nseries++];
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->label, sizeof(s->label), "%s", label);
	s->y = y;
	s->run = run;
	s->color = color;
	return s;
}

/* The y domain: from zero (linear) or the decade below the smallest value
 * (log) to a round number above the largest (stacked: the largest sum). */
static void chart_scale(struct chart *c)
{
	double lo = INFINITY, hi = 0;

	for (int r = 0; r < c->nruns; r++) {
		const struct rundata *d = &c->runs[r];

		for (size_t i = 0; i < d->n; i++) {
			double sum = 0;

			for (int k = 0; k < c->nseries; k++) {
				double v = c->s[k].run == r ? c->s[k].y[i] : NAN;

				if (isnan(v))
					continue;
				if (c->stacked) {
					sum += v;
					v = sum;
				}
				hi = v > hi ? v : hi;
				if (v > 0)
					lo = v < lo ? v : lo;
			}
		}
		if (d->n && d->t[d->n - 1] > c->x1)
			c->x1 = d->t[d->n - 1];
	}
	if (c->x1 <= 0)
		c->x1 = 1;
	if (c->ylog) {
		if (!isfinite(lo))
			lo = hi = 1;
		c->y0 = pow(10, floor(log10(lo)));
		c->y1 = pow(10, ceil(log10(hi)));
		if (c->y1 <= c->y0)
			c->y1 = c->y0 * 10;
	} else {
		double step = nice_step(hi > 0 ? hi : 1, 5);

		c->y0 = 0;
		c->y1 = hi > 0 ? ceil(hi / step) * step : 1;
	}
}

static void axes(FILE *f, const struct chart *c)
{
	char b[32];
	double step = nice_step(c->x1, 8);

	/* y ticks and grid */
	if (c->ylog) {
		for (double v = c->y0; v <= c->y1 * 1.0001; v *= 10)
			fprintf(f,
				"<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
				"<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
				PX0, PX1, ypix(c, v), ypix(c, v), PX0 - 6, ypix(c, v) + 4,
				si(v, b, sizeof(b)));
	} else {
		double ys = nice_step(c->y1 - c->y0, 5);

		for (double v = c->y0; v <= c->y1 + ys / 1000; v += ys)
			fprintf(f,
				"<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
				"<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
				PX0, PX1, ypix(c, v), ypix(c, v), PX0 - 6, ypix(c, v) + 4,
				si(fabs(v) < ys / 1000 ? 0 : v, b, sizeof(b)));
	}
	for (double x = 0; x <= c->x1 + step / 1000; x += step)
		fprintf(f,
			"<line class=\"axis\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
			"<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
			xpix(c, x), xpix(c, x), PY0, PY0 + 5, xpix(c, x), PY0 + 18,
			si(x, b, sizeof(b)));
	fprintf(f,
		"<line class=\"axis\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
		"<line class=\"axis\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>\n",
		PX0, PX1, PY0, PY0, PX0, PX0, PY0, PY1);
	fprintf(f,
		"<text class=\"label\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">time since start, s</text>\n",
		(PX0 + PX1) / 2, H - 6);
	fprintf(f,
		"<text class=\"label\" x=\"14\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 14 %.1f)\">",
		(PY0 + PY1) / 2, (PY0 + PY1) / 2);
	report_xml_escape(f, c->yunit);
	fprintf(f, "%s</text>\n", c->ylog ? " (log scale)" : "");
}

/* Shaded bands for the first run's phases; the second run's phase starts
 * as dashed lines labelled at the bottom. */
static void phases(FILE *f, const struct chart *c)
{
	for (int r = 0; r < c->nruns; r++) {
		json_t *ph = json_object_get(c->runs[r].res, "phases"), *p;
		size_t i;
		int band = 0;

		json_array_foreach(ph, i, p)
		{
			const char *name = chart_str(p, "name");
			double a = json_number_value(json_object_get(p, "start_s")),
			       b = json_number_value(json_object_get(p, "end_s"));

			if (strcmp(name, "before") && strcmp(name, "ramp") &&
			    strcmp(name, "hold") && strcmp(name, "drain"))
				continue;
			if (b <= a || a > c->x1)
				continue;
			if (!strcmp(name, "ramp") && c->runs[r].churn)
				name = PHASE_CHURN_NAME;
			b = b > c->x1 ? c->x1 : b;
			if (r == 0) {
				fprintf(f,
					"<rect class=\"phase%d\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>"
					"<text class=\"phase\" x=\"%.1f\" y=\"%.1f\">%s%s</text>\n",
					band % 2, xpix(c, a), PY1, xpix(c, b) - xpix(c, a),
					PY0 - PY1, xpix(c, a) + 3,
					band % 2 ? PY1 + 11 : PY1 - 4, /* two lines: short phases */
					c->nruns > 1 ? "A " : "", name);
				band++;
			} else {
				fprintf(f,
					"<line class=\"phaseb\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
					"<text class=\"phase\" x=\"%.1f\" y=\"%.1f\">B %s</text>\n",
					xpix(c, a), xpix(c, a), PY1, PY0, xpix(c, a) + 3, PY0 - 4,
					name);
			}
		}
	}
}

/* A marker where each cause or warning of the runs' findings began. */
static void finding_marks(FILE *f, const struct chart *c)
{
	for (int r = 0; r < c->nruns; r++) {
		json_t *fs = json_object_get(c->runs[r].res, "findings"), *fd;
		size_t i;
		int k = 0;

		json_array_foreach(fs, i, fd)
		{
			json_t *since = json_object_get(fd, "since_s");
			const char *sev = chart_str(fd, "severity");
			double x;

			if (!json_is_number(since) || !strcmp(sev, "note"))
				continue;
			x = json_number_value(since);
			if (x < 0 || x > c->x1)
				continue;
			fprintf(f,
				"<g class=\"finding\" data-finding=\"%s\" data-run=\"%d\"><line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
				"<text x=\"%.1f\" y=\"%.1f\">%s%s</text></g>\n",
				chart_str(fd, "id"), r, xpix(c, x), xpix(c, x), PY1, PY0,
				xpix(c, x) + 3, PY1 + 22 + 11 * (k % 3),
				c->nruns > 1 ? (r ? "B " : "A ") : "", chart_str(fd, "id"));
			k++;
		}
	}
}

/* A band over each lab event's disturbance and a line at its start,
 * named (result.json's events: t_s, disturbed_s). */
static void event_marks(FILE *f, const struct chart *c)
{
	for (int r = 0; r < c->nruns; r++) {
		json_t *ev = json_object_get(c->runs[r].res, "events"), *e;
		size_t i;

		json_array_foreach(ev, i, e)
		{
			json_t *t = json_object_get(e, "t_s"),
			       *d = json_object_get(e, "disturbed_s");
			double x, w;

			if (!json_is_number(t) || json_number_value(t) > c->x1)
				continue;
			x = json_number_value(t);
			w = json_is_number(d) ? json_number_value(d) : 0;
			fprintf(f,
				"<g class=\"event\" data-event=\"%s\" data-run=\"%d\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>"
				"<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/><text x=\"%.1f\" y=\"%.1f\">%s%s</text></g>\n",
				chart_str(e, "kind"), r, xpix(c, x), PY1,
				xpix(c, x + w) - xpix(c, x) > 1 ? xpix(c, x + w) - xpix(c, x) : 1,
				PY0 - PY1, xpix(c, x), xpix(c, x), PY1, PY0, xpix(c, x) + 3,
				PY0 - 4, c->nruns > 1 ? (r ? "B " : "A ") : "",
				chart_str(e, "event"));
		}
	}
}

/* A line as a path of segments, broken where there is no value. */
static void line(FILE *f, const struct chart *c, const struct series *s, const double *base)
{
	const struct rundata *d = &c->runs[s->run];
	int pen = 0;

	fprintf(f, "<path class=\"line c%d%s\" data-series=\"%s\" data-run=\"%d\"%s d=\"", s->color,
		s->run ? " dash" : "", s->name, s->run, base ? " data-stacked=\"1\"" : "");
	for (size_t i = 0; i < d->n; i++) {
		double y = s->y[i];

		if (isnan(y) || (c->ylog && y <= 0)) {
			pen = 0;
			continue;
		}
		if (base)
			y += base[i];
		fprintf(f, "%s%.2f %.2f", pen ? " L" : " M", xpix(c, d->t[i]), ypix(c, y));
		pen = 1;
	}
	fprintf(f, "\"><title>");
	report_xml_escape(f, s->label);
	fprintf(f, "</title></path>\n");
}

static void area(FILE *f, const struct chart *c, const struct series *s, const double *base)
{
	const struct rundata *d = &c->runs[s->run];

	if (!d->n)
		return;
	fprintf(f, "<path class=\"area c%d\" d=\"", s->color);
	for (size_t i = 0; i < d->n; i++)
		fprintf(f, "%s%.2f %.2f", i ? " L" : "M", xpix(c, d->t[i]),
			ypix(c, base[i] + (isnan(s->y[i]) ? 0 : s->y[i])));
	for (size_t i = d->n; i-- > 0;)
		fprintf(f, " L%.2f %.2f", xpix(c, d->t[i]), ypix(c, base[i]));
	fprintf(f, " Z\"/>\n");
}

/* Markers along the top for intervals with losses (pings, probe connects). */
static void marks(FILE *f, const struct chart *c)
{
	for (int r = 0; c->mark_col && r < c->nruns; r++) {
		const struct rundata *d = &c->runs[r];
		json_t *tl = json_object_get(d->res, "timeline");
		double *lost = chart_column(tl, c->mark_col, d->n);
		double *of = c->mark_of ? chart_column(tl, c->mark_of, d->n) : NULL;
		char b[32];

		for (size_t i = 0; lost && i < d->n; i++) {
			double x = xpix(c, d->t[i]), y = PY1 + 8 + 10 * r;

			if (!(lost[i] > 0))
				continue;
			fprintf(f,
				"<path class=\"lost%s\" data-lost=\"%g\" data-run=\"%d\" data-t=\"%g\" d=\"M%.1f %.1f l-4 -7 h8 z\"><title>",
				r ? " dash" : "", lost[i], r, d->t[i], x, y);
			if (c->nruns > 1)
				fprintf(f, "%s: ", r ? "B" : "A");
			fprintf(f, "%s %s", si(lost[i], b, sizeof(b)), c->mark_what);
			if (of)
				fprintf(f, " of %g", of[i]);
			fprintf(f, " at %.1f s</title></path>\n", d->t[i]);
		}
		free(lost);
		free(of);
	}
}

static void legend(FILE *f, const struct chart *c)
{
	double x = PX0;

	for (int k = 0; k < c->nseries; k++) {
		const struct series *s = &c->s[k];
		double w = 34 + 6.4 * (double)strlen(s->label);

		if (x + w > PX1) /* no room: the <title> of each line still names it */
			break;
		fprintf(f,
			"<line class=\"line c%d%s\" x1=\"%.1f\" x2=\"%.1f\" y1=\"12\" y2=\"12\"/>"
			"<text class=\"legend\" x=\"%.1f\" y=\"16\">",
			s->color, s->run ? " dash" : "", x, x + 18, x + 22);
		report_xml_escape(f, s->label);
		fprintf(f, "</text>\n");
		x += w;
	}
	if (c->mark_col) {
		fprintf(f,
			"<path class=\"lost\" d=\"M%.1f 16 l-4 -7 h8 z\"/><text class=\"legend\" x=\"%.1f\" y=\"16\">%s</text>\n",
			x + 6, x + 14, c->mark_what);
	}
}

void chart_write(FILE *f, struct chart *c)
{
	char b0[32], b1[32];

	chart_scale(c);
	fprintf(f,
		"<figure>\n<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 %d %d\" width=\"100%%\" aria-labelledby=\"%s-t %s-d\" id=\"%s\"",
		W, H, c->id, c->id, c->id);
	fprintf(f,
		" data-x0=\"0\" data-x1=\"%.6g\" data-px0=\"%.1f\" data-px1=\"%.1f\" data-y0=\"%.6g\" data-y1=\"%.6g\" data-py0=\"%.1f\" data-py1=\"%.1f\" data-yscale=\"%s\">\n",
		c->x1, PX0, PX1, c->y0, c->y1, PY0, PY1, c->ylog ? "log" : "lin");
	fprintf(f, "<title id=\"%s-t\">", c->id);
	report_xml_escape(f, c->title);
	fprintf(f, "</title>\n<desc id=\"%s-d\">", c->id);
	report_xml_escape(f, c->desc);
	fprintf(f, " Vertical axis: ");
	report_xml_escape(f, c->yunit);
	fprintf(f, ", %s to %s%s; horizontal: seconds since the start, 0 to %s.</desc>\n",
		si(c->y0, b0, sizeof(b0)), si(c->y1, b1, sizeof(b1)), c->ylog ? ", log scale" : "",
		si(round(c->x1), b0, sizeof(b0)));
	phases(f, c);
	finding_marks(f, c);
	event_marks(f, c);
	axes(f, c);
	if (c->stacked) {
		for (int r = 0; r < c->nruns; r++) {
			double *base = calloc(c->runs[r].n ? c->runs[r].n : 1, sizeof(double));

			for (int k = 0; base && k < c->nseries; k++) {
				if (c->s[k].run != r)
					continue;
				area(f, c, &c->s[k], base);
				line(f, c, &c->s[k], base);
				for (size_t i = 0; i < c->runs[r].n; i++)
					base[i] += isnan(c->s[k].y[i]) ? 0 : c->s[k].y[i];
			}
			free(base);
		}
	} else {
		for (int k = 0; k < c->nseries; k++)
			line(f, c, &c->s[k], NULL);
	}
	marks(f, c);
	legend(f, c);
	fprintf(f, "</svg>\n<figcaption>");
	report_xml_escape(f, c->title);
	fprintf(f, ". ");
	report_xml_escape(f, c->desc);
	fprintf(f, "</figcaption>\n</figure>\n");
	for (int k = 0; k < c->nseries; k++)
		free(c->s[k].y);
}

/* ---- the charts ---- */

int chart_has_any(const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i]) && v[i] != 0)
			return 1;
	return 0;
}

void chart_init(struct chart *c, struct rundata *runs, int nruns)
{
	memset(c, 0, sizeof(*c));
	c->runs = runs;
	c->nruns = nruns;
}
