/* SPDX-License-Identifier: MIT */
/* tlsresult.c - result.json's "tls": what the lab asked for, the
 * handshakes each side counted (full and resumed), their latency (the
 * floods' histograms merged exactly), the CPU each side spent per
 * handshake, failures by reason with the library's words, and the user
 * memory of a held connection on each side (docs/tls.md). */
#define _GNU_SOURCE
#include <math.h>
#include <string.h>

#include "engine/tls.h"
#include "lab/labfile.h"
#include "run/launcher.h"
#include "util/jpath.h"

static const char *const enables[] = { "off", "on", "server", "clients" };

/* the tls objects of one side's stats lines (every server a restart
 * started, too) */
static unsigned side_lines(const struct run *r, int flood, json_t **lines)
{
	unsigned n = 0;

	for (unsigned i = 0; i < r->nchild; i++)
		if ((r->child[i].is_flood != 0) == flood && r->child[i].last &&
		    json_object_get(r->child[i].last, "tls"))
			lines[n++] = r->child[i].last;
	return n;
}

/* errors by reason, summed; the first words given for each */
static void side_errors(json_t **lines, unsigned n, json_t *side)
{
	json_t *errs = json_object(), *texts = json_object();
	uint64_t failed = 0;

	for (unsigned i = 0; i < n; i++) {
		json_t *t = json_object_get(lines[i], "tls"), *e = json_object_get(t, "errors"), *v;
		const char *k;

		json_object_foreach(e, k, v)
		{
			uint64_t had = jpath_u(errs, k);
			json_t *text = json_object_get(json_object_get(t, "error_text"), k);

			json_object_set_new(errs, k,
					    json_integer((json_int_t)(had + jpath_u(e, k))));
			/* a peer that sent nothing at all tried no handshake (the
			 * probe's TCP connects): apart, not a failure */
			if (strcmp(k, "no_hello"))
				failed += jpath_u(e, k);
			if (text && !json_object_get(texts, k))
				json_object_set(texts, k, text);
		}
	}
	json_object_set_new(side, "failed", json_integer((json_int_t)failed));
	json_object_set_new(side, "errors", errs);
	json_object_set_new(side, "error_text", texts);
}

static json_t *per(double num, double den)
{
	return den > 0 ? json_real(round(num / den * 10) / 10) : json_null();
}

/* one side: null when no process of it speaks TLS here (a user's server) */
static json_t *side_json(const struct run *r, int flood)
{
	json_t *lines[r->nchild ? r->nchild : 1], *s, *tls_of[r->nchild ? r->nchild : 1];
	unsigned n = side_lines(r, flood, lines);
	uint64_t hs = 0, resumed = 0, offered = 0;
	double cpu = 0;

	if (!n)
		return json_null();
	for (unsigned i = 0; i < n; i++) {
		tls_of[i] = json_object_get(lines[i], "tls");
		hs += jpath_u(tls_of[i], "handshakes");
		resumed += jpath_u(tls_of[i], "resumed");
		offered += jpath_u(tls_of[i], "offered");
		cpu += json_number_value(json_object_get(lines[i], "cpu_s"));
	}
	s = json_object();
	json_object_set_new(s, "handshakes", json_integer((json_int_t)hs));
	json_object_set_new(s, "resumed", json_integer((json_int_t)resumed));
	json_object_set_new(s, "full", json_integer((json_int_t)(hs - resumed)));
	if (flood)
		json_object_set_new(s, "offered", json_integer((json_int_t)offered));
	side_errors(lines, n, s);
	json_object_set_new(s, "cpu_s", json_real(round(cpu * 1000) / 1000));
	/* the process's CPU time over its handshakes: what a handshake costs
	 * that side, everything else it did (little, when it holds) included */
	json_object_set_new(s, "cpu_per_handshake_us", per(cpu * 1e6, (double)hs));
	if (flood) {
		json_object_set_new(
			s, "handshakes_per_s",
			r->ramp_s > 0
				? per((double)(hs < r->lab->connections ? hs : r->lab->connections),
				      r->ramp_s)
				: json_null());
		json_object_set_new(s, "handshake", run_merged_hist(tls_of, n, "handshake_hist"));
	}
	return s;
}

/* user memory per held connection, by side: the built-in workers'
 * resident memory grown since their start, or (a user's server) its
 * processes' Pss grown from before the ramp to the hold */
static json_t *memory_json(const struct run *r)
{
	double conns = (double)r->estab_at_mem, server;

	if (r->rss_growth_have[0])
		server = (double)r->rss_growth_hold[0];
	else
		server = (double)r->pss_side_hold[0] - (double)r->pss_side_before[0];
	return json_pack(
		"{s:o, s:s, s:o, s:I}", "server_per_conn_bytes",
		r->pss_side_hold[0] && server > 0 ? per(server, conns) : json_null(),
		"server_measured_by",
		r->rss_growth_have[0] ? "workers' RSS growth" : "Pss growth before to hold",
		"clients_per_conn_bytes",
		r->rss_growth_have[1] ? per((double)r->rss_growth_hold[1], conns) : json_null(),
		"connections_measured", (json_int_t)r->estab_at_mem);
}

uint64_t run_tls_failed(const struct run *r)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < r->nchild; i++) {
		json_t *e = r->child[i].is_flood ? jpath(r->child[i].last, "tls.errors") : NULL, *v;
		const char *k;

		json_object_foreach(e, k, v)
		{
			n += json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0;
		}
	}
	return n;
}

static json_t *built_in(void)
{
	json_t *a = json_array();

	for (size_t i = 0; tls_libs[i]; i++)
		json_array_append_new(a, json_string(tls_libs[i]->name));
	return a;
}

json_t *run_tls_json(const struct run *r)
{
	const struct lab_tls *t = &r->lab->tls;
	const struct tls_lib *lib = tls_lib_find(lab_tls_libraries[t->library]);
	json_t *j = json_object();

	json_object_set_new(j, "enable", json_string(enables[t->enable]));
	json_object_set_new(j, "library", json_string(lab_tls_libraries[t->library]));
	json_object_set_new(j, "library_version", lib ? json_string(lib->version()) : json_null());
	json_object_set_new(j, "libraries_built_in", built_in());
	json_object_set_new(j, "version",
			    json_string(tls_version_name((enum tls_version)t->version)));
	json_object_set_new(
		j, "certificate",
		json_string(t->cert[0] ? "file"
				       : tls_key_type_name((enum tls_key_type)t->key_type)));
	json_object_set_new(j, "group", t->group[0] ? json_string(t->group) : json_null());
	json_object_set_new(j, "resume", json_string(tls_resume_name((enum tls_resume)t->resume)));
	json_object_set_new(j, "resume_share",
			    t->resume ? json_real((double)t->resume_permille / 1000) : json_null());
	json_object_set_new(j, "release_buffers", json_boolean(t->release_buffers));
	json_object_set_new(j, "clients", side_json(r, 1));
	json_object_set_new(j, "server", side_json(r, 0));
	json_object_set_new(j, "memory", memory_json(r));
	return j;
}
