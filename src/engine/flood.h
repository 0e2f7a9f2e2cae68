/* SPDX-License-Identifier: MIT */
/* flood.h - the flood worker: its share of the connections opened, paced
 * and held (or churned), from many source addresses. */
#ifndef CONNLAB_ENGINE_FLOOD_H
#define CONNLAB_ENGINE_FLOOD_H

#include <stddef.h>
#include <stdint.h>

#include "engine/backoff.h"
#include "engine/engine.h"
#include "engine/modes.h"
#include "util/units.h"

#define SOURCES_MAX 65536 /* source addresses one flood takes */

struct flood_cfg {
	uint32_t target; /* IPv4, host order: used when has4 */
	struct port_list ports;
	uint32_t *src;
	size_t nsrc;
	/* IPv6 (has6): the target and the sources; with both families,
	 * ipv6_permille of every thousand connections go over IPv6, spread
	 * evenly */
	int has4, has6;
	struct addr6 target6;
	struct addr6 *src6;
	size_t nsrc6;
	unsigned ipv6_permille;
	uint64_t connections;
	uint64_t rate;
	uint64_t inflight;
	enum client_mode mode;
	enum closer closer;
	uint64_t duration_us;
	uint64_t connect_timeout_us;
	struct reconnect_policy reconnect; /* hold: a lost connection opened again */
	unsigned workers;
	uint64_t fd_limit;
	/* messages: NULL, or sent on every held connection once per
	 * message_interval_us (spread evenly over it), or once after each
	 * churned connect; at most one outstanding per connection */
	const char *message;
	size_t message_len;
	uint64_t message_interval_us;
	enum reply_kind reply;
	uint64_t reply_bytes;
	uint64_t reply_timeout_us; /* 0: no timeout */
	/* TLS (tls_lib NULL: plain TCP): the library, its client context
	 * (made before the workers fork; each keeps its own sessions), and
	 * the share of handshakes that offer the last session */
	const struct tls_lib *tls_lib;
	struct tls_ctx *tls_ctx;
	unsigned tls_resume_permille;
};

/* An engine_opts worker: arg is a struct flood_cfg. */
int flood_worker(unsigned index, struct engine_stats *st, void *arg);

#endif
