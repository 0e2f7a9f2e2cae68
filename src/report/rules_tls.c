/* SPDX-License-Identifier: MIT */
/* rules_tls.c - the TLS family: a ramp bound by the handshakes' CPU, what a
 * held TLS connection costs in memory, a low resumption share, and
 * handshake failures by their reason (docs/findings.md, docs/tls.md). */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/rules.h"
#include "util/jpath.h"

static int tls_on(const struct fctx *x)
{
	return json_is_object(jpath(x->res, "tls"));
}

/* The CPU the handshakes took, both ends on this host's CPUs, against
 * them: a ramp that a pace did not hold back and that took most of the
 * CPUs was bound by them. */
static void judge_cpu(struct fctx *x)
{
	double rate = num(x, "tls.clients.handshakes_per_s"),
	       s = num(x, "tls.server.cpu_per_handshake_us"),
	       c = num(x, "tls.clients.cpu_per_handshake_us"), cpus = num(x, "host.cpus"),
	       asked = num(x, "plan.client_rate_per_s"), cores;
	char a[32], b[32], k[32], n[32], sv[32], cl[32];
	struct draft *d;

	if (!tls_on(x) || !(rate > 0) || !(s > 0) || !(cpus > 0))
		return;
	cores = rate * (s + (c > 0 ? c : 0)) / 1e6;
	if (cores < 0.6 * cpus || (asked > 0 && rate >= 0.9 * asked))
		return;
	d = finding(
		x, severity(x), NAN,
		"The ramp was bound by the TLS handshakes' CPU: %s handshakes a second took %s of this host's %s CPUs (the server %s us, the clients %s us of CPU a handshake)",
		fmt_n(round(rate), a, sizeof(a)), fmt_n(round(cores * 10) / 10, k, sizeof(k)),
		fmt_n(cpus, n, sizeof(n)), fmt_n(round(s), sv, sizeof(sv)),
		fmt_n(round(c), cl, sizeof(cl)));
	slot(d, "per_core", "%s", fmt_n(round(1e6 / s), b, sizeof(b)));
	slot(d, "pace", "%.0f/s",
	     floor(rate * 0.5 / 100) * 100 > 0 ? floor(rate * 0.5 / 100) * 100 : 100);
	cite(x, d, EV_TLS_RATE);
	cite(x, d, EV_TLS_SRV_CPU);
	cite(x, d, EV_TLS_CLI_CPU);
	cite(x, d, EV_CPUS);
	cite(x, d, EV_CLIENT_RATE);
	cite(x, d, EV_TLS_LIBRARY);
}

/* the run's connlab had library name built in */
static int built_in(const struct fctx *x, const char *name)
{
	json_t *l = jpath(x->res, "tls.libraries_built_in"), *v;
	size_t i;

	json_array_foreach(l, i, v) if (!strcmp(json_string_value(v) ?: "", name)) return 1;
	return 0;
}

/* The user memory of a held TLS connection on each side, with the
 * kernel's, and what a million would need. */
static void judge_memory(struct fctx *x)
{
	double ms = num(x, "tls.memory.server_per_conn_bytes"),
	       mc = num(x, "tls.memory.clients_per_conn_bytes"),
	       k = num(x, "memory.kernel_slab_per_conn_bytes"), all = 0;
	int released = json_is_true(jpath(x->res, "tls.release_buffers"));
	const char *lib = str(x, "tls.library");
	char a[32], b[32], c[32], m[32];
	struct draft *d;

	/* a TLS connection's memory, where the connections held did TLS */
	if (!tls_on(x) || (isnan(ms) && isnan(mc)) ||
	    !(num(x, "tls.clients.handshakes") >= 0.9 * num(x, "memory.connections_measured")))
		return;
	all = (ms > 0 ? ms : 0) + (mc > 0 ? mc : 0) + (k > 0 ? k : 0);
	d = finding(
		x, "note", NAN,
		"A held TLS connection took %s bytes of user memory on the server's side and %s on the clients' (%s, buffers %s), beside the kernel's %s: a million would need about %s GiB",
		fmt_n(round(ms), a, sizeof(a)), fmt_n(round(mc), b, sizeof(b)), lib ? lib : "?",
		released ? "released when idle" : "kept", fmt_n(round(k), c, sizeof(c)),
		fmt_n(round(all * 1e6 / (1 << 30)), m, sizeof(m)));
	/* the comparisons worth running, with what is built in */
	d->fix = lib && !strcmp(lib, "openssl") && built_in(x, "wolfssl") ? 0 : 1;
	cite(x, d, EV_TLS_MEM_SRV);
	cite(x, d, EV_TLS_MEM_CLI);
	cite(x, d, EV_SLAB_PER_CONN);
	cite(x, d, EV_MEASURED);
	cite(x, d, EV_TLS_LIBRARY);
}

/* Sessions offered and not resumed. */
static void judge_resume(struct fctx *x)
{
	double offered = num(x, "tls.clients.offered"), resumed = num(x, "tls.clients.resumed"),
	       workers = num(x, "plan.server_workers");
	const char *resume = str(x, "tls.resume");
	char a[32], b[32], w[32];
	struct draft *d;

	if (!tls_on(x) || !resume || !strcmp(resume, "off") || !(offered >= 20) ||
	    resumed >= 0.5 * offered)
		return;
	d = finding(
		x, "warning", NAN,
		"Few TLS sessions resumed: %s of the %s handshakes that offered a session (tls.resume = %s)",
		fmt_n(resumed, a, sizeof(a)), fmt_n(offered, b, sizeof(b)), resume);
	d->why = !strcmp(resume, "ids") ? 0 : 1;
	slot(d, "workers", "%s", fmt_n(workers, w, sizeof(w)));
	cite(x, d, EV_TLS_OFFERED);
	cite(x, d, EV_TLS_RESUMED);
	cite(x, d, EV_TLS_SRV_RESUMED);
	cite(x, d, EV_TLS_RESUME);
	cite(x, d, EV_SERVER_WORKERS);
}

/* A failure's class: its title and the index of its texts. */
static const struct {
	const char *reason, *what;
	int text;
} classes[] = {
	{ "certificate", "on the certificate", 0 },
	{ "version", "on the TLS version", 1 },
	{ "group", "on the key exchange (no group or cipher in common)", 2 },
	{ "not_tls", "because one end does not speak TLS", 3 },
	{ "alert", "on an alert from the peer", 4 },
	{ "closed", "because the peer closed in the handshake", 4 },
	{ "other", "for a reason the library gave", 4 },
	{ "timeout", "because the handshake did not finish in time", 5 },
};

/* plain clients meeting connlab's TLS server send nothing it can take:
 * it counts them as silent (no_hello) or timed out, or as not TLS */
static double plain_clients(const struct fctx *x)
{
	const char *en = str(x, "tls.enable");

	if (!en || strcmp(en, "server"))
		return 0;
	return count(x, "tls.server.errors.no_hello") + count(x, "tls.server.errors.timeout");
}

static void one_class(struct fctx *x, size_t c)
{
	const char *r = classes[c].reason;
	double cli, srv, extra = 0;
	char path[64], a[32], b[32];
	const char *said;
	struct draft *d;

	snprintf(path, sizeof(path), "tls.clients.errors.%s", r);
	cli = count(x, path);
	snprintf(path, sizeof(path), "tls.server.errors.%s", r);
	srv = count(x, path);
	if (!strcmp(r, "not_tls"))
		extra = plain_clients(x);
	else if (plain_clients(x) > 0 && !strcmp(r, "timeout"))
		srv = 0; /* told as not_tls */
	if (!(cli + srv + extra > 0))
		return;
	snprintf(path, sizeof(path), "tls.%s.error_text.%s", cli > 0 ? "clients" : "server", r);
	said = str(x, path);
	d = finding(x, severity(x), NAN,
		    "TLS handshakes failed %s: %s by the clients' count, %s by the server's%s%s%s",
		    classes[c].what, fmt_n(cli, a, sizeof(a)), fmt_n(srv + extra, b, sizeof(b)),
		    said ? " (\"" : "", said ? said : "", said ? "\")" : "");
	d->why = d->fix = classes[c].text;
	if (!strcmp(r, "not_tls"))
		d->fix = plain_clients(x) > 0 || srv > 0 ? 3 : 4; /* which end is plain */
	cite(x, d, EV_TLS_CLI_ERR, r);
	cite(x, d, EV_TLS_CLI_ERR_TEXT, r);
	cite(x, d, EV_TLS_SRV_ERR, r);
	cite(x, d, EV_TLS_SRV_ERR_TEXT, r);
	if (extra > 0) {
		cite(x, d, EV_TLS_SRV_ERR, "no_hello");
		cite(x, d, EV_TLS_SRV_ERR, "timeout");
	}
	cite(x, d, EV_TLS_LIBRARY);
}

static void judge_failures(struct fctx *x)
{
	if (!tls_on(x))
		return;
	for (size_t c = 0; c < sizeof(classes) / sizeof(classes[0]); c++)
		one_class(x, c);
}

const struct rule rules_tls[] = {
	{
		.id = "tls-failures",
		.family = "tls",
		.summary = "TLS handshakes that failed, by their reason in the library's words",
		.where = RULE_BOX | RULE_HOLD | RULE_CHURN,
		.may = MAY_CAUSE | MAY_WARNING,
		.rank = 40,
		.why = { "The clients verified the server's certificate against the CAs of tls.ca and could not: it is not signed by them (a self-signed certificate, such as the built-in server's, never is), has expired, or names another host.",
			 "Each end takes a range of TLS versions (tls.version; your server's own, such as nginx's ssl_protocols) and the handshake fails when the ranges do not meet: the server answers with a protocol_version alert.",
			 "Both ends must share a key-exchange group (tls.group; X25519 and P-256 are in every library's defaults) and a cipher suite; with none in common the server answers with a handshake_failure alert.",
			 "A TLS client's first bytes are a ClientHello record; a plain-TCP server's first bytes (a welcome line, an HTTP response) are not a TLS record, and a TLS server that reads plain text or nothing at all from its client (a client that waits for the server to speak first) never sees a hello: it counts the connection as not TLS, or ends it after 10 s.",
			 "The peer ended the handshake: with an alert (its reason in the library's words above), or by closing the connection. The peer's own log says why.",
			 "The handshake did not finish within clients.connect_timeout (the clients) or 10 s (connlab's server): the other end was too busy with handshakes (see tls-handshake-cpu), or waited for the other to speak." },
		.fix = { "Verify against the CA that signed the server's certificate (tls.ca), or drop tls.ca to verify nothing; for your server, its chain must lead to that CA.",
			 "Let both ends take a version in common: --set tls.version=any (1.2 to 1.3); for your server, its protocols (nginx: ssl_protocols TLSv1.2 TLSv1.3).",
			 "Offer groups both take: leave tls.group empty (the libraries' defaults), or name one your server has (nginx: ssl_ecdh_curve).",
			 "Let the clients speak TLS to the TLS server: --set tls.enable=on.",
			 "Let both ends speak the same: --set tls.enable=on for TLS on both, or off for neither (tls.enable = clients meets a plain server).",
			 "Give the handshakes time or CPU: a slower ramp (clients.rate), more server workers, or resumption (tls.resume = tickets)." },
		.judge = judge_failures,
	},
	{
		.id = "tls-handshake-cpu",
		.family = "tls",
		.summary = "a ramp bound by the TLS handshakes' CPU",
		.where = RULE_BOX | RULE_HOLD | RULE_CHURN,
		.may = MAY_CAUSE | MAY_WARNING,
		.rank = 41,
		.why = { "A full TLS handshake costs the server a signature with its key and a key exchange, and the client a key exchange and a check of that signature: hundreds of microseconds of CPU each, where a TCP connect costs a few. On one machine both ends share its CPUs, so a ramp goes no faster than the CPUs do handshakes: this server does about {per_core} full handshakes a second per core (NGINX's sizing says about 2,000 with ECDSA P-256, a few hundred with RSA-2048)." },
		.fix = { "Resume sessions, which skip the certificate and its signature: --set tls.resume=tickets (reconnects resume; a first ramp has few sessions to offer). Keep ECDSA keys (RSA-2048 signs several times slower), give the server more workers or cores; or pace the ramp below what the CPUs do: --set clients.rate={pace}." },
		.judge = judge_cpu,
	},
	{
		.id = "tls-low-resumption",
		.family = "tls",
		.summary = "TLS sessions offered and not resumed",
		.where = RULE_BOX | RULE_HOLD | RULE_CHURN,
		.may = MAY_WARNING,
		.rank = 42,
		.why = { "With session ids the server keeps each session in its own process's cache: SO_REUSEPORT sends a reconnect to any of the {workers} server workers, whose caches differ, and in TLS 1.3 a cached session resumes once. A resumption is only as likely as reaching the process that holds it.",
			 "The server did not take the sessions it was offered: its ticket keys changed (a server started again without a key file loses them), or its cache is off or too small (nginx: ssl_session_cache shared:SSL:10m, ssl_session_tickets on, one ssl_session_ticket_key for every start)." },
		.fix = { "Use tickets, which any process with the keys can resume: --set tls.resume=tickets." },
		.judge = judge_resume,
	},
	{
		.id = "tls-memory",
		.family = "tls",
		.summary = "what a held TLS connection costs in memory, by side",
		.where = RULE_BOX | RULE_HOLD,
		.may = MAY_NOTE,
		.rank = 43,
		.why = { "A TLS library keeps an object for each connection: the session, the keys and cipher contexts of each direction, and its read and write buffers unless they are released while the connection is idle (OpenSSL's SSL_MODE_RELEASE_BUFFERS, on here unless tls.release_buffers = off; wolfSSL releases them always). Measured on each side as its workers' resident memory grown from their start to the hold, over the connections held: the library's objects, the allocator's slack and connlab's few bytes a connection. The kernel's share is as for plain TCP." },
		.fix = { "Nothing to fix: a measure. To compare libraries and buffers side by side: --set tls.library=wolfssl, or --set tls.release_buffers=off (what releasing saves), then connlab report A B.",
			 "Nothing to fix: a measure. To see what releasing the buffers saves: --set tls.release_buffers=off, then connlab report A B." },
		.judge = judge_memory,
	},
};

const size_t rules_tls_n = sizeof(rules_tls) / sizeof(rules_tls[0]);
