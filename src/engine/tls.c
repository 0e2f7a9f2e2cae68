/* SPDX-License-Identifier: MIT */
/* tls.c - the TLS libraries built in, the names the lab file and the
 * engines' options share, and a context for one side. */
#define _GNU_SOURCE
#include "engine/tls.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/suggest.h"

extern const struct tls_lib tls_openssl;
#ifdef HAVE_WOLFSSL
extern const struct tls_lib tls_wolfssl;
#endif

const struct tls_lib *const tls_libs[] = {
	&tls_openssl,
#ifdef HAVE_WOLFSSL
	&tls_wolfssl,
#endif
	NULL,
};

const char *const tls_reason_names[TLS_R_COUNT] = {
	"certificate", "version",  "group",   "not_tls", "alert",
	"closed",      "no_hello", "timeout", "other",
};

static const char *const version_names[] = { "any", "1.2", "1.3" };
static const char *const resume_names[] = { "off", "tickets", "ids" };
static const char *const key_type_names[] = { "ecdsa", "rsa" };

const struct tls_lib *tls_lib_find(const char *name)
{
	for (size_t i = 0; tls_libs[i]; i++)
		if (!strcmp(tls_libs[i]->name, name))
			return tls_libs[i];
	return NULL;
}

/* v as one of names: its index, or -EINVAL with the names in err */
/* v as one of names: its index, or -EINVAL with why in err ("TLS version
 * '1.4' is not one of any, 1.2, 1.3 (did you mean 1.3?)") */
static int pick(const char *what, const char *v, const char *const *names, size_t n, char *err,
		size_t len)
{
	char why[300];
	int i;

	if (suggest_choice(v, names, n, &i, why, sizeof(why))) {
		snprintf(err, len, "%s %s", what, why);
		return -EINVAL;
	}
	return i;
}

int tls_version_parse(const char *v, enum tls_version *out, char *err, size_t len)
{
	int i = pick("TLS version", v, version_names, 3, err, len);

	if (i >= 0)
		*out = (enum tls_version)i;
	return i < 0 ? i : 0;
}

int tls_resume_parse(const char *v, enum tls_resume *out, char *err, size_t len)
{
	int i = pick("resumption", v, resume_names, 3, err, len);

	if (i >= 0)
		*out = (enum tls_resume)i;
	return i < 0 ? i : 0;
}

int tls_key_type_parse(const char *v, enum tls_key_type *out, char *err, size_t len)
{
	int i = pick("key type", v, key_type_names, 2, err, len);

	if (i >= 0)
		*out = (enum tls_key_type)i;
	return i < 0 ? i : 0;
}

int tls_lib_parse(const char *v, const struct tls_lib **out, char *err, size_t len)
{
	static const char *const known[] = { "openssl", "wolfssl" };
	const char *names[8];
	size_t n = 0;

	*out = tls_lib_find(v);
	if (*out)
		return 0;
	if (pick("TLS library", v, known, 2, err, len) >= 0) {
		snprintf(
			err, len,
			"TLS library '%s' is not built into this connlab (doctor lists those that are; install libwolfssl-dev and build again)",
			v);
		return -EINVAL;
	}
	while (tls_libs[n] && n < 8) {
		names[n] = tls_libs[n]->name;
		n++;
	}
	return pick("TLS library", v, names, n, err, len) < 0 ? -EINVAL : 0;
}

int tls_ticket_key_parse(const char *hex, uint8_t key[TLS_TICKET_KEY_LEN])
{
	if (strlen(hex) != 2 * TLS_TICKET_KEY_LEN)
		return -EINVAL;
	for (size_t i = 0; i < TLS_TICKET_KEY_LEN; i++) {
		unsigned b;

		if (sscanf(hex + 2 * i, "%2x", &b) != 1 ||
		    !strchr("0123456789abcdefABCDEF", hex[2 * i]) ||
		    !strchr("0123456789abcdefABCDEF", hex[2 * i + 1]))
			return -EINVAL;
		key[i] = (uint8_t)b;
	}
	return 0;
}

const char *tls_version_name(enum tls_version v)
{
	return version_names[v];
}

const char *tls_resume_name(enum tls_resume r)
{
	return resume_names[r];
}

const char *tls_key_type_name(enum tls_key_type k)
{
	return key_type_names[k];
}

struct tls_ctx *tls_ctx_open(const struct tls_cfg *c, int server, char *err, size_t len)
{
	struct tls_pem pem = { 0 };
	struct tls_ctx *x;
	int r = 0;

	if (server)
		r = c->cert_file ? tls_pem_read(c->cert_file, c->key_file, &pem, err, len)
				 : tls_pem_make(c->key_type, &pem, err, len);
	x = r ? NULL : c->lib->ctx_new(c, server, server ? &pem : NULL, err, len);
	tls_pem_free(&pem);
	return x;
}
