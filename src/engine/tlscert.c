/* SPDX-License-Identifier: MIT */
/* tlscert.c - the server's certificate: made in memory at start (OpenSSL,
 * which every build has, whichever library then serves it) or read from
 * the user's files; handed to the library as PEM. */
#define _GNU_SOURCE
#include <errno.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/tls.h"
#include "util/textfile.h"

void tls_pem_free(struct tls_pem *p)
{
	free(p->cert);
	free(p->key);
	p->cert = p->key = NULL;
}

static char *bio_text(BIO *b, size_t *len)
{
	char *data, *copy;
	long n = BIO_get_mem_data(b, &data);

	copy = n > 0 ? malloc((size_t)n + 1) : NULL;
	if (copy) {
		memcpy(copy, data, (size_t)n);
		copy[n] = 0;
		*len = (size_t)n;
	}
	return copy;
}

/* a self-signed certificate for key k */
static X509 *self_signed(EVP_PKEY *k)
{
	X509 *x = X509_new();
	X509_NAME *n;

	if (!x)
		return NULL;
	n = X509_get_subject_name(x);
	if (!X509_set_version(x, 2) || !ASN1_INTEGER_set(X509_get_serialNumber(x), 1) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), 86400) || !X509_set_pubkey(x, k) ||
	    !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"connlab", -1,
					-1, 0) ||
	    !X509_set_issuer_name(x, n) || !X509_sign(x, k, EVP_sha256())) {
		X509_free(x);
		return NULL;
	}
	return x;
}

int tls_pem_make(enum tls_key_type kt, struct tls_pem *p, char *err, size_t len)
{
	EVP_PKEY *k = kt == TLS_KEY_RSA ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048)
					: EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = k ? self_signed(k) : NULL;
	BIO *bc = BIO_new(BIO_s_mem()), *bk = BIO_new(BIO_s_mem());
	int r = -1;

	memset(p, 0, sizeof(*p));
	if (x && bc && bk && PEM_write_bio_X509(bc, x) &&
	    PEM_write_bio_PrivateKey(bk, k, NULL, NULL, 0, NULL, NULL)) {
		p->cert = bio_text(bc, &p->cert_len);
		p->key = bio_text(bk, &p->key_len);
		r = p->cert && p->key ? 0 : -1;
	}
	if (r) {
		snprintf(err, len, "cannot make a%s certificate: %s",
			 kt == TLS_KEY_RSA ? "n RSA-2048" : "n ECDSA P-256",
			 ERR_reason_error_string(ERR_peek_last_error()) ?: "out of memory");
		tls_pem_free(p);
	}
	BIO_free(bc);
	BIO_free(bk);
	X509_free(x);
	EVP_PKEY_free(k);
	return r;
}

int tls_pem_read(const char *cert, const char *key, struct tls_pem *p, char *err, size_t len)
{
	memset(p, 0, sizeof(*p));
	/* PEM is text: a DER file is refused here with its path */
	if (textfile_read(cert, 1 << 20, &p->cert, &p->cert_len, err, len) ||
	    textfile_read(key ? key : cert, 1 << 20, &p->key, &p->key_len, err, len)) {
		tls_pem_free(p);
		return -1;
	}
	return 0;
}
