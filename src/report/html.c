/* html.c - report.html: a run (or two, overlaid) as one self-contained
 * page: inline SVG charts over time with the phases marked, and tables.
 * Everything comes from result.json. The page is well-formed XHTML (it
 * parses as XML and as HTML), has no scripts, fonts or links out, and takes
 * its colours from CSS custom properties so it reads on light and dark
 * screens and in print.
 *
 * Each chart's <svg> carries its mapping from data to pixels (data-x0,
 * data-x1, data-px0, data-px1, data-y0, data-y1, data-py0, data-py1,
 * data-yscale) and each line its series (data-series, data-run), so a test
 * can read the plotted points back and compare them with result.json. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

#define W 760
#define H 270
#define PX0 70.0
#define PX1 (W - 16.0)
#define PY0 (H - 40.0) /* bottom of the plot area */
#define PY1 34.0       /* top */
#define SERIES_MAX 24

static const char *const state_cols[] = { "established", "time_wait", "close_wait",
					  "syn_sent",	 "syn_recv",  "fin_wait1",
					  "fin_wait2",	 "last_ack",  "closing" };
static const char *const state_labels[] = { "ESTABLISHED", "TIME_WAIT", "CLOSE_WAIT",
					    "SYN_SENT",	   "SYN_RECV",	"FIN_WAIT1",
					    "FIN_WAIT2",   "LAST_ACK",	"CLOSING" };
#define NSTATES (sizeof(state_cols) / sizeof(state_cols[0]))

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

static const char *jstr(json_t *j, const char *key)
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
static char *fig(double v, int decimals, char *buf, size_t len)
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

static double *column(json_t *tl, const char *name, size_t n)
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
static double *rate(const struct rundata *d, const double *c)
{
	double *v = calloc(d->n ? d->n : 1, sizeof(double));

	for (size_t i = 0; v && i < d->n; i++) {
		double dt = i ? d->t[i] - d->t[i - 1] : 0;

		v[i] = i && dt > 0 && !isnan(c[i]) && !isnan(c[i - 1]) ? (c[i] - c[i - 1]) / dt
								       : NAN;
	}
	return v;
}

static void rundata_load(struct rundata *d, json_t *res, const char *dir)
{
	json_t *tl = json_object_get(res, "timeline"), *ph = json_object_get(tl, "phase");

	d->res = res;
	d->dir = dir;
	d->n = json_array_size(json_object_get(tl, "t_s"));
	d->t = column(tl, "t_s", d->n);
	d->churn = 0;
	for (size_t i = 0; i < json_array_size(ph); i++)
		d->churn |= !strcmp(json_string_value(json_array_get(ph, i)) ?: "", "churn");
}

/* ---- a chart ---- */

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

static struct series *add_series(struct chart *c, const char *name, const char *label, double *y,
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
			const char *name = jstr(p, "name");
			double a = json_number_value(json_object_get(p, "start_s")),
			       b = json_number_value(json_object_get(p, "end_s"));

			if (strcmp(name, "before") && strcmp(name, "ramp") &&
			    strcmp(name, "hold") && strcmp(name, "drain"))
				continue;
			if (b <= a || a > c->x1)
				continue;
			if (!strcmp(name, "ramp") && c->runs[r].churn)
				name = "churn";
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
		double *lost = column(tl, c->mark_col, d->n);
		double *of = c->mark_of ? column(tl, c->mark_of, d->n) : NULL;
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

static void chart_write(FILE *f, struct chart *c)
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

static int has_any(const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i]) && v[i] != 0)
			return 1;
	return 0;
}

static void chart_init(struct chart *c, struct rundata *runs, int nruns)
{
	memset(c, 0, sizeof(*c));
	c->runs = runs;
	c->nruns = nruns;
}

static void chart_states(FILE *f, struct rundata *runs, int n)
{
	struct chart c;

	chart_init(&c, runs, n);
	c.id = "states";
	c.title = "Sockets by TCP state";
	c.desc = n > 1 ? "Every lab namespace, both runs: A solid, B dashed."
		       : "Every lab namespace, stacked. ESTABLISHED and TIME_WAIT are read every "
			 "sample; the other states come from sock_diag dumps, which are spaced out "
			 "at large scale (timeline states_age_s says how old).";
	c.yunit = "sockets";
	c.stacked = n == 1;
	for (size_t k = 0; k < NSTATES; k++) {
		int any = 0;

		for (int r = 0; r < n; r++) {
			double *y = column(
				json_object_get(json_object_get(runs[r].res, "timeline"), "states"),
				state_cols[k], runs[r].n);

			any |= y && has_any(y, runs[r].n);
			free(y);
		}
		for (int r = 0; any && r < n; r++) {
			char label[64];

			snprintf(label, sizeof(label), "%s%s", n > 1 ? (r ? "B " : "A ") : "",
				 state_labels[k]);
			add_series(&c, state_cols[k], label,
				   column(json_object_get(json_object_get(runs[r].res, "timeline"),
							  "states"),
					  state_cols[k], runs[r].n),
				   r, (int)k);
		}
	}
	chart_write(f, &c);
}

static void chart_rate(FILE *f, struct rundata *runs, int n)
{
	static const int err_colors[] = { 1, 4, 3, 6, 8, 7 };
	struct chart c;

	chart_init(&c, runs, n);
	c.id = "rate";
	c.title = "New connections and errors per second";
	c.desc = "Connects that succeeded per second (the floods' counts) and socket errors per "
		 "second by errno.";
	c.yunit = "per second";
	for (int r = 0; r < n; r++) {
		json_t *tl = json_object_get(runs[r].res, "timeline"), *errs;
		double *conn = column(tl, "connected", runs[r].n);
		const char *k;
		json_t *v;
		int color = 0;
		char label[64];

		snprintf(label, sizeof(label), "%sconnections/s", n > 1 ? (r ? "B " : "A ") : "");
		add_series(&c, "connected", label, rate(&runs[r], conn), r, 0);
		free(conn);
		errs = json_object_get(tl, "errors");
		json_object_foreach(errs, k, v)
		{
			double *e = column(errs, k, runs[r].n);

			snprintf(label, sizeof(label), "%s%s/s", n > 1 ? (r ? "B " : "A ") : "", k);
			add_series(&c, k, label, rate(&runs[r], e), r, err_colors[color++ % 6]);
			free(e);
		}
	}
	chart_write(f, &c);
}

/* A timeline column of run r as a series, labelled "A label" / "B label"
 * when two runs are compared. */
static void add_column(struct chart *c, int r, const char *col, const char *label, int color)
{
	char l[64];

	snprintf(l, sizeof(l), "%s%s", c->nruns > 1 ? (r ? "B " : "A ") : "", label);
	add_series(c, col, l,
		   column(json_object_get(c->runs[r].res, "timeline"), col, c->runs[r].n), r,
		   color);
}

static void chart_ping(FILE *f, struct rundata *runs, int n)
{
	struct chart c;

	chart_init(&c, runs, n);
	c.id = "ping";
	c.title = "Ping round-trip time";
	c.desc = "ICMP echo from the probe namespace to the server: the median and the slowest "
		 "answer of each interval; a red triangle marks an interval with lost pings.";
	c.yunit = "ms";
	c.ylog = 1;
	c.mark_col = "pings_lost";
	c.mark_of = "pings_sent";
	c.mark_what = "pings lost";
	for (int r = 0; r < n; r++) {
		add_column(&c, r, "ping_p50_ms", "median", 0);
		add_column(&c, r, "ping_max_ms", "max", 1);
	}
	chart_write(f, &c);
}

static void chart_probe(FILE *f, struct rundata *runs, int n)
{
	struct chart c;

	chart_init(&c, runs, n);
	c.id = "probe";
	c.title = "Time to open a new TCP connection";
	c.desc = "The slowest TCP connect from the probe namespace to the server in each "
		 "interval; a red triangle marks an interval with failed connects.";
	c.yunit = "ms";
	c.ylog = 1;
	c.mark_col = "probe_connect_failures";
	c.mark_what = "connects failed";
	for (int r = 0; r < n; r++)
		add_column(&c, r, "probe_connect_ms", "connect time", 2);
	chart_write(f, &c);
}

static void chart_memory(FILE *f, struct rundata *runs, int n)
{
	struct chart c;

	chart_init(&c, runs, n);
	c.id = "memory";
	c.title = "Kernel memory";
	c.desc = "Slab from /proc/meminfo: the whole host's kernel object memory, where socket "
		 "memory goes.";
	c.yunit = "bytes";
	for (int r = 0; r < n; r++)
		add_column(&c, r, "slab_bytes", "Slab", 3);
	chart_write(f, &c);
}

/* ---- tables ---- */

static void cards(FILE *f, json_t *j)
{
	char a[48], b[48], c[48];
	double made = report_lookup(j, "connections.made"),
	       target = report_lookup(j, "connections.target");
	double loss = report_lookup(j, "ping.all.loss");

	fprintf(f, "<div class=\"cards\">\n");
	fprintf(f,
		"<div class=\"card\"><div class=\"k\">established (peak)</div><div class=\"v\">%s</div><div class=\"s\">of %s planned; %s made by the floods</div></div>\n",
		fig(report_lookup(j, "peaks.established_clients"), 0, a, sizeof(a)),
		fig(target, 0, b, sizeof(b)), fig(made, 0, c, sizeof(c)));
	fprintf(f,
		"<div class=\"card\"><div class=\"k\">ramp</div><div class=\"v\">%s s</div><div class=\"s\">%s connections/s</div></div>\n",
		fig(report_lookup(j, "connections.ramp_s"), 2, a, sizeof(a)),
		fig(report_lookup(j, "connections.ramp_rate"), 0, b, sizeof(b)));
	fprintf(f,
		"<div class=\"card\"><div class=\"k\">ping</div><div class=\"v\">%s ms</div><div class=\"s\">median; %s%% of %s lost</div></div>\n",
		fig(report_lookup(j, "ping.all.p50_ms"), 3, a, sizeof(a)),
		fig(isnan(loss) ? NAN : 100 * loss, 2, b, sizeof(b)),
		fig(report_lookup(j, "ping.all.sent"), 0, c, sizeof(c)));
	fprintf(f,
		"<div class=\"card\"><div class=\"k\">new connection</div><div class=\"v\">%s ms</div><div class=\"s\">p99; %s failed</div></div>\n",
		fig(report_lookup(j, "probe_connect.all.p99_ms"), 3, a, sizeof(a)),
		fig(report_lookup(j, "probe_connect.all.failures"), 0, b, sizeof(b)));
	fprintf(f,
		"<div class=\"card\"><div class=\"k\">errors</div><div class=\"v\">%s</div><div class=\"s\">peak TIME_WAIT %s</div></div>\n",
		fig(report_lookup(j, "errors_total"), 0, a, sizeof(a)),
		fig(report_lookup(j, "peaks.time_wait"), 0, b, sizeof(b)));
	fprintf(f,
		"<div class=\"card\"><div class=\"k\">memory per connection</div><div class=\"v\">%s B</div><div class=\"s\">kernel; %s B user</div></div>\n",
		fig(report_lookup(j, "memory.kernel_slab_per_conn_bytes"), 0, a, sizeof(a)),
		fig(report_lookup(j, "memory.user_pss_per_conn_bytes"), 0, b, sizeof(b)));
	fprintf(f, "</div>\n");
}

static void expectations(FILE *f, json_t *j, const char *who)
{
	json_t *ex = json_object_get(j, "expectations"), *e;
	size_t i;

	fprintf(f, "<h2>Expectations%s%s</h2>\n", who ? " of " : "", who ? who : "");
	if (!json_array_size(ex)) {
		fprintf(f, "<p>The lab has no [expect] lines.</p>\n");
		return;
	}
	fprintf(f,
		"<table id=\"expectations%s%s\"><thead><tr><th>verdict</th><th>expectation</th><th>actual</th></tr></thead><tbody>\n",
		who ? "-" : "", who ? who : "");
	json_array_foreach(ex, i, e)
	{
		int ok = json_is_true(json_object_get(e, "holds"));

		fprintf(f, "<tr><td class=\"%s\">%s</td><td><code>", ok ? "ok" : "fail",
			ok ? "ok" : "FAIL");
		report_xml_escape(f, jstr(e, "metric"));
		fputc(' ', f);
		report_xml_escape(f, jstr(e, "op"));
		fputc(' ', f);
		report_xml_escape(f, jstr(e, "text"));
		fprintf(f, "</code></td><td>");
		report_xml_escape(f, jstr(e, "actual_text"));
		fprintf(f, "</td></tr>\n");
	}
	fprintf(f, "</tbody></table>\n");
}

static void figures(FILE *f, json_t *const *res, int n)
{
	fprintf(f, "<h2>%s</h2>\n<table id=\"%s\"><thead><tr><th></th>",
		n > 1 ? "Differences" : "Key figures", n > 1 ? "differences" : "figures");
	for (int r = 0; r < n; r++)
		fprintf(f, "<th class=\"num\">%s</th>",
			n > 1 ? (r ? "B (after)" : "A (before)") : "");
	fprintf(f, "%s</tr></thead><tbody>\n", n > 1 ? "<th class=\"num\">change</th>" : "");
	for (size_t k = 0; k < report_rows_count; k++) {
		double v[2] = { report_row_value(res[0], &report_rows[k]),
				n > 1 ? report_row_value(res[1], &report_rows[k]) : NAN };
		char b[64];

		if (isnan(v[0]) && isnan(v[1]))
			continue;
		fprintf(f, "<tr><td>");
		report_xml_escape(f, report_rows[k].label);
		fprintf(f, "</td>");
		for (int r = 0; r < n; r++)
			fprintf(f, "<td class=\"num\">%s</td>",
				report_cell(b, sizeof(b), report_rows[k].fmt, v[r]));
		if (n > 1)
			fprintf(f, "<td class=\"num\">%s</td>",
				report_change(b, sizeof(b), v[0], v[1]));
		fprintf(f, "</tr>\n");
	}
	fprintf(f, "</tbody></table>\n");
}

/* Counter increases: server, probe and the client namespaces together;
 * only counters that moved. */
static void counters(FILE *f, json_t *j)
{
	json_t *c = json_object_get(j, "counters"), *srv = json_object_get(c, "srv");
	json_t *probe = json_object_get(c, "probe"), *v;
	const char *k;
	int any = 0;

	fprintf(f, "<h2>Kernel counters</h2>\n<p>Increase during the run (TcpExt and Tcp of "
		   "/proc/net/netstat and snmp; link_drops from rtnetlink), counters that did "
		   "not move left out.</p>\n");
	fprintf(f,
		"<table><thead><tr><th>counter</th><th class=\"num\">server</th><th class=\"num\">probe</th><th class=\"num\">clients</th></tr></thead><tbody>\n");
	/* the probe's counters: the server's and link_drops */
	json_object_foreach(probe ? probe : srv, k, v)
	{
		double x = json_number_value(json_object_get(srv, k)),
		       y = json_number_value(json_object_get(probe, k)), z = 0;
		char a[48], b[48], d[48];
		const char *netns;
		json_t *m;

		json_object_foreach(c, netns, m)
		{
			if (netns[0] == 'c' && netns[1] >= '0' && netns[1] <= '9') /* c0, c1, ... */
				z += json_number_value(json_object_get(m, k));
		}
		if (x == 0 && y == 0 && z == 0)
			continue;
		any = 1;
		fprintf(f, "<tr><td>");
		report_xml_escape(f, k);
		fprintf(f,
			"</td><td class=\"num\">%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td></tr>\n",
			fig(x, 0, a, sizeof(a)), fig(y, 0, b, sizeof(b)), fig(z, 0, d, sizeof(d)));
	}
	if (!any)
		fprintf(f, "<tr><td colspan=\"4\">no counter moved</td></tr>\n");
	fprintf(f, "</tbody></table>\n");
}

static void host(FILE *f, json_t *j)
{
	json_t *h = json_object_get(j, "host"), *p = json_object_get(j, "plan");
	char a[48];

	fprintf(f, "<h2>Host and plan</h2>\n<table><tbody>\n<tr><td>kernel</td><td>");
	report_xml_escape(f, jstr(h, "kernel"));
	fprintf(f, " (");
	report_xml_escape(f, jstr(h, "machine"));
	fprintf(f, ")</td></tr>\n<tr><td>CPUs, memory</td><td>%lld, %s GiB</td></tr>\n",
		(long long)json_integer_value(json_object_get(h, "cpus")),
		fig((double)json_integer_value(json_object_get(h, "memory_bytes")) / 1073741824.0,
		    1, a, sizeof(a)));
	fprintf(f, "<tr><td>open files per process</td><td>%s</td></tr>\n",
		fig((double)json_integer_value(json_object_get(h, "fd_limit")), 0, a, sizeof(a)));
	fprintf(f, "<tr><td>connlab</td><td>");
	report_xml_escape(f, jstr(j, "connlab"));
	fprintf(f, "</td></tr>\n<tr><td>started</td><td>");
	report_xml_escape(f, jstr(j, "started"));
	fprintf(f, "</td></tr>\n");
	{
		const char *k;
		json_t *v;

		json_object_foreach(p, k, v)
		{
			fprintf(f, "<tr><td>plan: ");
			report_xml_escape(f, k);
			fprintf(f, "</td><td>%s</td></tr>\n",
				fig(json_number_value(v), 0, a, sizeof(a)));
		}
	}
	fprintf(f, "</tbody></table>\n");
}

static void resolved(FILE *f, json_t *j, const char *who)
{
	fprintf(f,
		"<details><summary>The lab as run%s%s (every key, with where its value came from)</summary>\n<pre>",
		who ? ": " : "", who ? who : "");
	report_xml_escape(f, jstr(json_object_get(j, "lab"), "resolved"));
	fprintf(f, "</pre></details>\n");
}

static const char css[] =
	":root{--fg:#1b1f24;--bg:#ffffff;--muted:#59636e;--grid:#d8dee4;--band0:#eef3f8;"
	"--band1:#f7f9fb;--ok:#1a7f37;--fail:#cf222e;--card:#f6f8fa;"
	"--c0:#0072b2;--c1:#d55e00;--c2:#009e73;--c3:#cc79a7;--c4:#e69f00;--c5:#56b4e9;"
	"--c6:#8c564b;--c7:#7f7f7f;--c8:#332288;}\n"
	"@media (prefers-color-scheme: dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9198a1;"
	"--grid:#30363d;--band0:#161b22;--band1:#10151c;--ok:#3fb950;--fail:#f85149;"
	"--card:#161b22;--c0:#58a6ff;--c1:#ff8c42;--c2:#3fd9a2;--c3:#e899c8;--c4:#f2c14e;"
	"--c5:#9ad4f5;--c6:#c49a8a;--c7:#b0b0b0;--c8:#a99cff;}}\n"
	"@media print{:root{--fg:#000;--bg:#fff;--muted:#444;--grid:#ccc;--band0:#eee;"
	"--band1:#f8f8f8;--card:#fff;}figure{break-inside:avoid}details{display:block}}\n"
	"body{font:15px/1.45 system-ui,sans-serif;color:var(--fg);background:var(--bg);"
	"max-width:1100px;margin:0 auto;padding:1em}\n"
	"h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.15em;margin-top:1.6em}\n"
	".muted{color:var(--muted)}.ok{color:var(--ok);font-weight:600}"
	".fail{color:var(--fail);font-weight:600}\n"
	".badge{display:inline-block;padding:.1em .6em;border-radius:1em;border:2px solid}\n"
	".cards{display:flex;flex-wrap:wrap;gap:.6em}.card{background:var(--card);"
	"border:1px solid var(--grid);border-radius:6px;padding:.5em .8em;min-width:10em}\n"
	".card .k{color:var(--muted);font-size:.85em}.card .v{font-size:1.4em;font-weight:600}"
	".card .s{color:var(--muted);font-size:.85em}\n"
	"table{border-collapse:collapse;margin:.4em 0}td,th{padding:.2em .7em;"
	"border-bottom:1px solid var(--grid);text-align:left}.num{text-align:right;"
	"font-variant-numeric:tabular-nums}\n"
	"figure{margin:1em 0}figcaption{color:var(--muted);font-size:.85em}\n"
	"svg{max-width:100%;height:auto;font:11px system-ui,sans-serif}\n"
	"svg .grid{stroke:var(--grid);stroke-width:1}svg .axis{stroke:var(--muted);"
	"stroke-width:1}\n"
	"svg .tick,svg .label,svg .legend,svg .phase{fill:var(--fg)}svg .phase{font-size:10px;"
	"fill:var(--muted)}\n"
	"svg .phase0{fill:var(--band0)}svg .phase1{fill:var(--band1)}svg .phaseb{stroke:var(--muted);"
	"stroke-dasharray:3 3}\n"
	"svg .line{fill:none;stroke-width:2}svg .dash{stroke-dasharray:6 4}"
	"svg .area{stroke:none;opacity:.35}svg .lost{fill:var(--fail)}\n"
	".c0{stroke:var(--c0);fill:var(--c0)}.c1{stroke:var(--c1);fill:var(--c1)}"
	".c2{stroke:var(--c2);fill:var(--c2)}.c3{stroke:var(--c3);fill:var(--c3)}"
	".c4{stroke:var(--c4);fill:var(--c4)}.c5{stroke:var(--c5);fill:var(--c5)}"
	".c6{stroke:var(--c6);fill:var(--c6)}.c7{stroke:var(--c7);fill:var(--c7)}"
	".c8{stroke:var(--c8);fill:var(--c8)}svg path.line{fill:none}\n"
	"pre{background:var(--card);padding:.6em;overflow-x:auto;font-size:.85em}\n";

static void head(FILE *f, const char *title)
{
	fprintf(f, "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n"
		   "<head>\n<meta charset=\"utf-8\"/>\n"
		   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
		   "<meta name=\"color-scheme\" content=\"light dark\"/>\n<title>");
	report_xml_escape(f, title);
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", css);
}

static void outcome(FILE *f, json_t *j)
{
	int ok = json_integer_value(json_object_get(j, "exit_status")) == 0;
	const char *reason = jstr(j, "reason");

	fprintf(f, "<span class=\"badge %s\">", ok ? "ok" : "fail");
	report_xml_escape(f, jstr(j, "outcome"));
	fprintf(f, "</span>");
	if (reason[0]) {
		fprintf(f, " ");
		report_xml_escape(f, reason);
	}
}

void report_html(json_t *const *res, const char *const *dirs, int n, FILE *f)
{
	struct rundata runs[2];
	char title[256];

	for (int r = 0; r < n; r++)
		rundata_load(&runs[r], res[r], dirs[r]);
	if (n == 1)
		snprintf(title, sizeof(title), "connlab: %s",
			 jstr(json_object_get(res[0], "lab"), "name"));
	else
		snprintf(title, sizeof(title), "connlab: %s and %s compared",
			 jstr(json_object_get(res[0], "lab"), "name"),
			 jstr(json_object_get(res[1], "lab"), "name"));
	head(f, title);
	fprintf(f, "<h1>");
	report_xml_escape(f, title);
	fprintf(f, "</h1>\n");
	for (int r = 0; r < n; r++) {
		fprintf(f, "<p>%s",
			n > 1 ? (r ? "<b>B</b> (after, dashed): " : "<b>A</b> (before, solid): ")
			      : "");
		fprintf(f, "lab <b>");
		report_xml_escape(f, jstr(json_object_get(res[r], "lab"), "name"));
		fprintf(f, "</b> from <code>");
		report_xml_escape(f, jstr(json_object_get(res[r], "lab"), "source"));
		fprintf(f, "</code>, started ");
		report_xml_escape(f, jstr(res[r], "started"));
		fprintf(f, ", run directory <code>");
		report_xml_escape(f, dirs[r]);
		fprintf(f, "</code>: ");
		outcome(f, res[r]);
		fprintf(f, "</p>\n");
	}
	if (n == 1)
		cards(f, res[0]);
	if (n == 1)
		expectations(f, res[0], NULL);
	else
		figures(f, res, n);
	fprintf(f,
		"<h2>Over time</h2>\n<p class=\"muted\">Shaded bands are the phases: before "
		"(probes without load), ramp (or churn), hold, drain.%s</p>\n",
		n > 1 ? " Bands are run A's; run B's phase starts are dashed lines." : "");
	chart_states(f, runs, n);
	chart_rate(f, runs, n);
	chart_ping(f, runs, n);
	chart_probe(f, runs, n);
	chart_memory(f, runs, n);
	if (n == 1) {
		figures(f, res, 1);
		counters(f, res[0]);
		host(f, res[0]);
		resolved(f, res[0], NULL);
	} else {
		for (int r = 0; r < n; r++)
			expectations(f, res[r], r ? "B" : "A");
		host(f, res[1]);
		for (int r = 0; r < n; r++)
			resolved(f, res[r], r ? "B" : "A");
	}
	fprintf(f,
		"<p class=\"muted\">Written by connlab from result.json; "
		"<code>connlab report DIR</code> writes this page again.</p>\n</body>\n</html>\n");
	for (int r = 0; r < n; r++)
		free(runs[r].t);
}
