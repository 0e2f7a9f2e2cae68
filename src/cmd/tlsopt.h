/* SPDX-License-Identifier: MIT */
/* tlsopt.h - the TLS options `connlab server` and `connlab flood` share:
 * long options only, each parsed into a struct tls_cfg, then checked
 * together and turned into the library's context before the workers
 * fork. */
#ifndef CONNLAB_CMD_TLSOPT_H
#define CONNLAB_CMD_TLSOPT_H

#include <getopt.h>

#include "cmd/cli.h"
#include "engine/tls.h"

#define TLSOPT_FIRST 1000 /* the getopt values of the TLS options start here */
#define TLSOPT_COUNT 12

/* The long options, TLSOPT_COUNT of them. */
extern const struct option tlsopt_options[TLSOPT_COUNT];
/* Their help, for a server and for a flood (string literals). */
#define TLSOPT_HELP_COMMON                                                                         \
	"      --tls                speak TLS (docs/tls.md); the options below need it\n"          \
	"      --tls-library L      openssl (default) or wolfssl (when built in: doctor)\n"        \
	"      --tls-version V      1.2, 1.3, or any (default: 1.2 to 1.3)\n"                      \
	"      --tls-group G        the key-exchange group: X25519, P-256... (default:\n"          \
	"                           the library's)\n"                                              \
	"      --tls-resume R       off (default), tickets, or ids (session ids; TLS 1.3:\n"       \
	"                           tickets naming a session in the server's cache)\n"             \
	"      --tls-keep-buffers   idle connections keep the library's buffers (default:\n"       \
	"                           released, SSL_MODE_RELEASE_BUFFERS)\n"
#define TLSOPT_HELP_SERVER                                                                         \
	TLSOPT_HELP_COMMON                                                                         \
	"      --tls-key-type K     the certificate made at start: ecdsa (P-256, default)\n"       \
	"                           or rsa (2048 bits)\n"                                          \
	"      --tls-cert FILE      the server's certificate (PEM, its chain after it)\n"          \
	"      --tls-key FILE       its key (PEM; default: in --tls-cert's file)\n"
#define TLSOPT_HELP_FLOOD                                                                          \
	TLSOPT_HELP_COMMON                                                                         \
	"      --tls-resume-share P with --tls-resume: the share of handshakes that offer\n"       \
	"                           the last session (default 100%)\n"                             \
	"      --tls-sni NAME       the server name sent (default: none)\n"                        \
	"      --tls-ca FILE        verify the server's certificate against these CAs\n"           \
	"                           (default: no verification)\n"

/* One option: 0, -1 when opt is not a TLS option, or an exit status (a
 * usage error said). */
int tlsopt_parse(const struct command *c, int opt, const char *v, struct tls_cfg *t);

/* What the options mean together, and the context (NULL when TLS is off):
 * EXIT_OK, or an exit status after saying why. A server takes the run's
 * ticket keys from CONNLAB_TLS_TICKET_KEY (160 hex digits) when set. */
int tlsopt_finish(const struct command *c, struct tls_cfg *t, int server, struct tls_ctx **ctx);

#endif
