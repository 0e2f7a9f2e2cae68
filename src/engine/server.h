/* SPDX-License-Identifier: MIT */
/* server.h - the server worker: listeners on every port of the list
 * (SO_REUSEPORT), connections held at one state byte each. */
#ifndef CONNLAB_ENGINE_SERVER_H
#define CONNLAB_ENGINE_SERVER_H

#include <stdint.h>

#include "engine/engine.h"
#include "engine/modes.h"
#include "util/units.h"

struct server_cfg {
	uint32_t address;      /* IPv4, host order; used when has4 */
	struct addr6 address6; /* used when has6 */
	int has4, has6;	       /* the families it listens on (IPV6_V6ONLY set) */
	struct port_list ports;
	enum server_mode mode;
	uint64_t interval_us;
	uint64_t duration_us;
	unsigned backlog;
	uint64_t fd_limit;
	/* TLS (NULL: plain TCP): the library, and its context made before
	 * the workers fork (they share the certificate and ticket keys) */
	const struct tls_lib *tls_lib;
	struct tls_ctx *tls_ctx;
};

/* An engine_opts worker: arg is a struct server_cfg. */
int server_worker(unsigned index, struct engine_stats *st, void *arg);

#endif
