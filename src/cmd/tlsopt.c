/* SPDX-License-Identifier: MIT */
/* tlsopt.c - see tlsopt.h. */
#define _GNU_SOURCE
#include "cmd/tlsopt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/status.h"
#include "util/units.h"

enum {
	O_TLS = TLSOPT_FIRST,
	O_LIBRARY,
	O_VERSION,
	O_GROUP,
	O_RESUME,
	O_KEEP_BUFFERS,
	O_CERT,
	O_KEY,
	O_KEY_TYPE,
	O_RESUME_SHARE,
	O_SNI,
	O_CA,
};

const struct option tlsopt_options[TLSOPT_COUNT] = {
	{ "tls", no_argument, NULL, O_TLS },
	{ "tls-library", required_argument, NULL, O_LIBRARY },
	{ "tls-version", required_argument, NULL, O_VERSION },
	{ "tls-group", required_argument, NULL, O_GROUP },
	{ "tls-resume", required_argument, NULL, O_RESUME },
	{ "tls-keep-buffers", no_argument, NULL, O_KEEP_BUFFERS },
	{ "tls-cert", required_argument, NULL, O_CERT },
	{ "tls-key", required_argument, NULL, O_KEY },
	{ "tls-key-type", required_argument, NULL, O_KEY_TYPE },
	{ "tls-resume-share", required_argument, NULL, O_RESUME_SHARE },
	{ "tls-sni", required_argument, NULL, O_SNI },
	{ "tls-ca", required_argument, NULL, O_CA },
};

int tlsopt_parse(const struct command *c, int opt, const char *v, struct tls_cfg *t)
{
	char err[300];
	double share;
	int r = 0;

	switch (opt) {
	case O_TLS:
		t->on = 1;
		return 0;
	case O_LIBRARY:
		r = tls_lib_parse(v, &t->lib, err, sizeof(err));
		break;
	case O_VERSION:
		r = tls_version_parse(v, &t->version, err, sizeof(err));
		break;
	case O_GROUP:
		if (strlen(v) >= sizeof(t->group) || !v[0])
			return cli_usage_error(c, "--tls-group: expected a group's name, got '%s'",
					       v);
		snprintf(t->group, sizeof(t->group), "%s", v);
		return 0;
	case O_RESUME:
		r = tls_resume_parse(v, &t->resume, err, sizeof(err));
		break;
	case O_KEEP_BUFFERS:
		t->keep_buffers = 1;
		return 0;
	case O_CERT:
		t->cert_file = v;
		return 0;
	case O_KEY:
		t->key_file = v;
		return 0;
	case O_KEY_TYPE:
		r = tls_key_type_parse(v, &t->key_type, err, sizeof(err));
		break;
	case O_RESUME_SHARE:
		if (units_parse_percent(v, &share, err, sizeof(err)) || share > 1)
			return cli_usage_error(
				c, "--tls-resume-share: expected 0%% to 100%%, got '%s'", v);
		t->resume_permille = (unsigned)(share * 1000 + 0.5);
		return 0;
	case O_SNI:
		t->sni = v;
		return 0;
	case O_CA:
		t->ca_file = v;
		return 0;
	default:
		return -1;
	}
	if (r)
		return cli_usage_error(c, "--%s: %s", tlsopt_options[opt - TLSOPT_FIRST].name, err);
	return 0;
}

/* the options one side does not take */
static int wrong_side(const struct command *c, const struct tls_cfg *t, int server)
{
	if (server && (t->sni || t->ca_file || t->resume_permille != 1000))
		return cli_usage_error(c,
				       "--tls-sni, --tls-ca and --tls-resume-share are a flood's");
	if (!server && (t->cert_file || t->key_file || t->key_type != TLS_KEY_ECDSA))
		return cli_usage_error(c,
				       "--tls-cert, --tls-key and --tls-key-type are a server's");
	if (t->key_file && !t->cert_file)
		return cli_usage_error(c, "--tls-key needs --tls-cert");
	return EXIT_OK;
}

int tlsopt_finish(const struct command *c, struct tls_cfg *t, int server, struct tls_ctx **ctx)
{
	const char *key = getenv("CONNLAB_TLS_TICKET_KEY");
	char err[400];
	int rc;

	*ctx = NULL;
	if (!t->on) {
		if (t->lib || t->version || t->group[0] || t->resume || t->keep_buffers ||
		    t->cert_file || t->key_file || t->key_type || t->resume_permille != 1000 ||
		    t->sni || t->ca_file)
			return cli_usage_error(c, "the --tls-... options need --tls");
		return EXIT_OK;
	}
	if ((rc = wrong_side(c, t, server)) != EXIT_OK)
		return rc;
	if (!t->lib)
		t->lib = tls_libs[0];
	if (server && key && key[0]) {
		if (tls_ticket_key_parse(key, t->ticket_key))
			return cli_usage_error(c, "CONNLAB_TLS_TICKET_KEY: expected %d hex digits",
					       2 * TLS_TICKET_KEY_LEN);
		t->has_ticket_key = 1;
	}
	*ctx = tls_ctx_open(t, server, err, sizeof(err));
	if (!*ctx) {
		log_msg(LOGL_ERROR, "%s: %s", c->name, err);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}
