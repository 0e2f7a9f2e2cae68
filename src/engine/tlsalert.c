/* SPDX-License-Identifier: MIT */
/* tlsalert.c - the alerts a TLS peer sends, by their RFC 8446 codes: the
 * class a finding explains, for the libraries that give only the code. */
#define _GNU_SOURCE
#include <stdio.h>

#include "engine/tls.h"

static const struct {
	int code;
	const char *name;
	enum tls_reason cls;
} alerts[] = {
	{ 10, "unexpected_message", TLS_R_OTHER },
	{ 20, "bad_record_mac", TLS_R_OTHER },
	{ 40, "handshake_failure", TLS_R_GROUP },
	{ 42, "bad_certificate", TLS_R_CERTIFICATE },
	{ 43, "unsupported_certificate", TLS_R_CERTIFICATE },
	{ 44, "certificate_revoked", TLS_R_CERTIFICATE },
	{ 45, "certificate_expired", TLS_R_CERTIFICATE },
	{ 46, "certificate_unknown", TLS_R_CERTIFICATE },
	{ 47, "illegal_parameter", TLS_R_OTHER },
	{ 48, "unknown_ca", TLS_R_CERTIFICATE },
	{ 50, "decode_error", TLS_R_OTHER },
	{ 51, "decrypt_error", TLS_R_OTHER },
	{ 70, "protocol_version", TLS_R_VERSION },
	{ 71, "insufficient_security", TLS_R_GROUP },
	{ 80, "internal_error", TLS_R_OTHER },
	{ 109, "missing_extension", TLS_R_OTHER },
	{ 112, "unrecognized_name", TLS_R_OTHER },
	{ 116, "certificate_required", TLS_R_CERTIFICATE },
	{ 120, "no_application_protocol", TLS_R_OTHER },
};

enum tls_reason tls_alert_reason(int code, char *text, size_t len)
{
	for (size_t i = 0; i < sizeof(alerts) / sizeof(alerts[0]); i++)
		if (alerts[i].code == code) {
			snprintf(text, len, "the peer sent alert %s (%d)", alerts[i].name, code);
			return alerts[i].cls == TLS_R_OTHER ? TLS_R_ALERT : alerts[i].cls;
		}
	snprintf(text, len, "the peer sent alert %d", code);
	return TLS_R_ALERT;
}
