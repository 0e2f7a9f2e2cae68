/* SPDX-License-Identifier: MIT */
/* floodopts.c - the options of connlab flood for a lab's client side, for
 * the run's argv and the fleet's script alike (floodopts.h), and the TLS
 * options of both engines: only what differs from their defaults. */
#include <stdio.h>
#include <string.h>

#include "engine/backoff.h"
#include "engine/modes.h"
#include "engine/tls.h"
#include "lab/labfile.h"
#include "plan/floodopts.h"
#include "util/units.h"

void flood_opts_add(struct flood_opts *f, const char *name, const char *value)
{
	size_t len = value ? strlen(value) + 1 : 0;

	if (f->n == FLOOD_OPTS_MAX || f->used + len > sizeof(f->buf))
		return; /* the table is sized for every option; a bug otherwise */
	f->o[f->n].name = name;
	f->o[f->n].value = NULL;
	if (value) {
		memcpy(f->buf + f->used, value, len);
		f->o[f->n].value = f->buf + f->used;
		f->used += len;
	}
	f->n++;
}

static void add_u(struct flood_opts *f, const char *name, uint64_t v)
{
	char s[24];

	snprintf(s, sizeof(s), "%llu", (unsigned long long)v);
	flood_opts_add(f, name, s);
}

static void add_us(struct flood_opts *f, const char *name, uint64_t us)
{
	char s[32];

	flood_opts_add(f, name, units_fmt_duration(us, s, sizeof(s)));
}

static void add_messages(const struct lab *lab, struct flood_opts *f)
{
	char reply[40];

	if (!lab->message[0])
		return;
	flood_opts_add(f, "--message", lab->message);
	flood_opts_add(f, "--reply",
		       flood_reply_name(lab->reply.kind, lab->reply.bytes, reply, sizeof(reply)));
	if (lab->client_mode == CLIENT_HOLD && lab->message_interval_us)
		add_us(f, "--message-interval", lab->message_interval_us);
	if (lab->reply_timeout_us)
		add_us(f, "--reply-timeout", lab->reply_timeout_us);
}

static void add_file(const struct lab *lab, struct flood_opts *f, const char *name,
		     const char *path)
{
	char p[600];

	if (path[0])
		flood_opts_add(f, name, lab_path(lab, path, p, sizeof(p)));
}

/* what both ends take */
static void add_common(const struct lab *lab, struct flood_opts *f)
{
	const struct lab_tls *t = &lab->tls;

	flood_opts_add(f, "--tls", NULL);
	if (t->library)
		flood_opts_add(f, "--tls-library", lab_tls_libraries[t->library]);
	if (t->version)
		flood_opts_add(f, "--tls-version", tls_version_name((enum tls_version)t->version));
	if (t->group[0])
		flood_opts_add(f, "--tls-group", t->group);
	if (t->resume)
		flood_opts_add(f, "--tls-resume", tls_resume_name((enum tls_resume)t->resume));
	if (!t->release_buffers)
		flood_opts_add(f, "--tls-keep-buffers", NULL);
}

void tls_opts_add(const struct lab *lab, int server, struct flood_opts *f)
{
	const struct lab_tls *t = &lab->tls;
	char share[16];

	if (t->enable == TLS_ENABLE_OFF ||
	    t->enable == (server ? TLS_ENABLE_CLIENTS : TLS_ENABLE_SERVER))
		return;
	add_common(lab, f);
	if (server) {
		if (t->key_type)
			flood_opts_add(f, "--tls-key-type",
				       tls_key_type_name((enum tls_key_type)t->key_type));
		add_file(lab, f, "--tls-cert", t->cert);
		add_file(lab, f, "--tls-key", t->key);
		return;
	}
	if (t->resume && t->resume_permille != 1000) {
		snprintf(share, sizeof(share), "%g%%", (double)t->resume_permille / 10);
		flood_opts_add(f, "--tls-resume-share", share);
	}
	if (t->sni[0])
		flood_opts_add(f, "--tls-sni", t->sni);
	add_file(lab, f, "--tls-ca", t->ca);
}

void flood_opts_build(const struct lab *lab, const struct flood_share *s, struct flood_opts *f)
{
	char ports[256], rate[32];

	memset(f, 0, sizeof(*f));
	units_fmt_ports(&lab->ports, ports, sizeof(ports));
	flood_opts_add(f, "--target", s->target);
	flood_opts_add(f, "--ports", ports);
	if (s->source)
		flood_opts_add(f, "--source", s->source);
	add_u(f, "--connections", s->connections);
	if (s->share)
		flood_opts_add(f, "--share", s->share);
	if (s->rate)
		snprintf(rate, sizeof(rate), "%llu/s", (unsigned long long)s->rate);
	flood_opts_add(f, "--rate", s->rate ? rate : "unlimited");
	add_u(f, "--inflight", s->inflight);
	if (s->workers)
		add_u(f, "--workers", s->workers);
	flood_opts_add(f, "--mode", client_mode_name(lab->client_mode));
	flood_opts_add(f, "--closer", lab->closer == CLOSER_CLIENT ? "client" : "server");
	if (lab->beyond_ports)
		flood_opts_add(f, "--beyond-ports", NULL);
	if (lab->client_mode == CLIENT_HOLD && lab->reconnect != RECONNECT_OFF) {
		struct reconnect_policy p = { (enum reconnect_mode)lab->reconnect,
					      lab->backoff_base_us, lab->backoff_max_us,
					      (enum jitter_kind)lab->backoff_jitter };
		char v[96];

		flood_opts_add(f, "--reconnect", reconnect_policy_fmt(&p, v, sizeof(v)));
	}
	add_messages(lab, f);
	tls_opts_add(lab, 0, f);
	add_us(f, "--connect-timeout", lab->connect_timeout_us);
	add_us(f, "--duration", s->duration_us);
}
