/* SPDX-License-Identifier: MIT */
/* keys.c - the table of lab file keys (section, name, type, field,
 * default, range, help), the sysctls every lab gets, and parsing and
 * printing a key's value; the reference `connlab help labfile` prints. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lab/labfile.h"
#include "lab/hostlist.h"
#include "util/suggest.h"

#define F(field) offsetof(struct lab, field)
#define MS 1000ULL
#define SEC 1000000ULL

static const char *const beyonds[] = { "refuse", "try", NULL };
static const char *const families[] = { "ipv4", "ipv6", "dual", NULL };
static const char *const transports[] = { "ssh", "exec", NULL };
static const char *const fleet_servers[] = { "start", "running", NULL };
static const char *const on_failures[] = { "continue", "stop", NULL };
static const char *const reconnects[] = { "off", "immediate", "backoff", NULL };
static const char *const jitters[] = { "full", "equal", "none", NULL };
static const char *const tls_enables[] = { "off", "on", "server", "clients", NULL };
const char *const lab_tls_libraries[] = { "openssl", "wolfssl", NULL };
static const char *const tls_versions[] = { "any", "1.2", "1.3", NULL };
static const char *const tls_key_types[] = { "ecdsa", "rsa", NULL };
static const char *const tls_resumes[] = { "off", "tickets", "ids", NULL };
static const char *const on_off[] = { "off", "on", NULL };
const char *const sections[] = { "lab",	  "server", "clients", "fleet", "tls",
				 "probe", "events", "sysctl",  "expect" };

/* only K_CHOICE keys name their choices */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
const struct key keys[] = {
	{ "lab", "name", K_NAME, F(name), "lab", 0, 0,
	  "name of the lab: letters, digits and '-', at most 20; names the run directory and the namespaces (connlab-NAME-srv, ...); default: the file name without .lab" },
	{ "lab", "duration", K_DURATION, F(duration_us), "60s", 100 * MS, 24 * 3600 * SEC,
	  "hold: how long to hold the connections once the target is reached; churn: how long to churn" },
	{ "lab", "ramp_timeout", K_DURATION, F(ramp_timeout_us), "5m", 1 * SEC, 24 * 3600 * SEC,
	  "the ramp gives up (and the run fails) when the target is not reached in this time" },
	{ "lab", "drain_timeout", K_DURATION, F(drain_timeout_us), "30s", 1 * SEC, 3600 * SEC,
	  "longest wait for connections to close at the end" },
	{ "lab", "interval", K_DURATION, F(interval_us), "1s", 100 * MS, 60 * SEC,
	  "sampling interval of the kernel counters" },
	{ "lab", "memory_floor", K_MEMFLOOR, F(memory_floor), "10%", 1, 99,
	  "the ramp stops and holds what it has when the memory that can be had (MemAvailable less the slab the lab's sockets pin) falls to this: a percent of the machine's memory, a size (512M, 2G) or off; below half of it the run stops" },
	{ "lab", "pool", K_CIDR, F(pool), "198.18.0.0/15", 8, 30,
	  "addresses for the lab's links and hosts (RFC 2544 benchmarking range by default); prefix length 8 to 30" },

	{ "lab", "family", K_CHOICE, F(family), "ipv4", 0, 0,
	  "ipv4, ipv6 (every address, connection and probe over IPv6, from lab.pool6) or dual (both: clients.ipv6_share of the connections over IPv6, probes over both)",
	  families },
	{ "lab", "pool6", K_CIDR6, F(pool6), "2001:2::/48", 16, 64,
	  "IPv6 addresses for the lab (RFC 5180's benchmarking range by default): lab.pool's plan mirrored, address for address; prefix length 16 to 64" },

	{ "server", "ports", K_PORTS, F(ports), "8081", 1, PORTS_MAX,
	  "ports the server listens on: a port, a range or a list (8081-8084, 80,8080); at most 64" },
	{ "server", "mode", K_SERVER_MODE, F(server_mode), "keepalive", 0, 0,
	  "keepalive (welcome line, then a line every interval), echo, close (server closes first), silent (never reads or closes), noaccept (never accepts)" },
	{ "server", "interval", K_DURATION, F(keepalive_us), "10s", 100 * MS, 3600 * SEC,
	  "keepalive mode: time between the server's lines" },
	{ "server", "workers", K_COUNT_AUTO, F(server_workers), "auto", 1, 1024,
	  "server processes sharing the ports (SO_REUSEPORT); auto: enough for the open-file limit" },
	{ "server", "backlog", K_COUNT, F(backlog), "4096", 1, 65535,
	  "listen backlog (accept queue) of each listening socket; capped by net.core.somaxconn" },
	{ "server", "command", K_STRING, F(server_command), "", 0, LAB_COMMAND_MAX,
	  "run this program as the server instead of the built-in one; {address} and {port} are replaced" },

	{ "server", "setup", K_STRING, F(server_setup), "", 0, LAB_COMMAND_MAX,
	  "a shell command run in the server namespace before the server starts, such as firewall rules; {labdir} is the lab file's directory; a failure stops the run" },

	{ "clients", "connections", K_COUNT, F(connections), "1000", 1, 100000000,
	  "hold: connections to open and hold; churn: connections to open in all (each closed after its exchange)" },
	{ "clients", "rate", K_RATE, F(rate), "20k/s", 1, 10000000,
	  "new connections per second over all flood processes, or unlimited" },
	{ "clients", "addresses", K_COUNT_AUTO, F(addresses), "auto", 1, 16384,
	  "client source addresses, spread over the client namespaces; auto: enough that no (address, server port) pair carries more than 16k connections" },
	{ "clients", "namespaces", K_COUNT, F(namespaces), "1", 1, 256,
	  "client network namespaces, each with its own link to the server and its own port space" },
	{ "clients", "mode", K_CLIENT_MODE, F(client_mode), "hold", 0, 0,
	  "hold (open and keep), churn (connect, exchange a line, close, again)" },
	{ "clients", "workers", K_COUNT_AUTO, F(client_workers), "auto", 1, 4096,
	  "flood processes in all (at least one per namespace); auto: enough for the open-file limit" },
	{ "clients", "inflight", K_COUNT, F(inflight), "1000", 1, 1000000,
	  "most connects in progress at once, over all flood processes" },
	{ "clients", "closer", K_CLOSER, F(closer), "client", 0, 0,
	  "churn mode: which side closes first, and so keeps the TIME_WAIT socket" },
	{ "clients", "beyond_ports", K_CHOICE, F(beyond_ports), "refuse", 0, 0,
	  "hold mode, when the connections need more local ports than the client addresses, server ports and port range give: refuse (with the fix), or try (the lab shows EADDRNOTAVAIL)",
	  beyonds },
	{ "clients", "connect_timeout", K_DURATION, F(connect_timeout_us), "10s", 100 * MS,
	  300 * SEC, "a connect that takes longer counts as ETIMEDOUT" },
	{ "clients", "ipv6_share", K_PERMILLE, F(ipv6_permille), "50%", 0, 1000,
	  "lab.family = dual: the share of the connections over IPv6, spread evenly" },
	{ "clients", "reconnect", K_CHOICE, F(reconnect), "off", 0, 0,
	  "hold: a connection the server closes or resets, or whose reconnect fails, is opened again: off (it stays lost), immediate (at once; a failed attempt again after 100ms) or backoff (exponential: the nth attempt waits within backoff_base x 2^(n-1), at most backoff_max, jittered)",
	  reconnects },
	{ "clients", "backoff_base", K_DURATION, F(backoff_base_us), "100ms", 1 * MS, 3600 * SEC,
	  "reconnect = backoff: the first attempt's window" },
	{ "clients", "backoff_max", K_DURATION, F(backoff_max_us), "30s", 1 * MS, 3600 * SEC,
	  "reconnect = backoff: the largest window" },
	{ "clients", "backoff_jitter", K_CHOICE, F(backoff_jitter), "full", 0, 0,
	  "reconnect = backoff: full (uniform in [0, window]: AWS's full jitter), equal (in [window/2, window]) or none (the window itself: every client at once)",
	  jitters },
	{ "clients", "message", K_MESSAGE, F(message), "", 0, LAB_MESSAGE_MAX,
	  "bytes each connection sends (escapes \\r \\n \\t \\xNN, or @FILE relative to the lab file): hold: once per message_interval; churn: once after connecting, closed after the reply" },
	{ "clients", "message_interval", K_DURATION_OFF, F(message_interval_us), "10s", 10 * MS,
	  3600 * SEC,
	  "hold: every connection sends its message once per interval, spread evenly over it" },
	{ "clients", "reply", K_REPLY, F(reply), "line", 0, 0,
	  "what ends a reply: line, bytes:N, close (the server closes) or none; one message outstanding per connection" },
	{ "clients", "reply_timeout", K_DURATION_OFF, F(reply_timeout_us), "off", 1 * MS, 600 * SEC,
	  "a reply later than this counts as missing; off: wait for ever (lock-step)" },
	{ "clients", "command", K_STRING, F(client_command), "", 0, LAB_COMMAND_MAX,
	  "run this program in each client namespace instead of the built-in flood; {address}, {port}, {source} and {connections} are replaced" },

	{ "fleet", "hosts", K_HOSTLIST, F(fleet.hosts), "", 0, LAB_COMMAND_MAX,
	  "connlab fleet: the load hosts, a pdsh host list (load[1-8], web01,web02); each runs connlab flood with its share of clients.connections and clients.rate" },
	{ "fleet", "transport", K_CHOICE, F(fleet.transport), "ssh", 0, 0,
	  "how the hosts are reached: ssh (pdsh -R ssh) or exec (pdsh -R exec: fleet.exec runs locally for each host)",
	  transports },
	{ "fleet", "exec", K_STRING, F(fleet.exec), "", 0, LAB_COMMAND_MAX,
	  "transport exec: the command that runs a command \"on\" host %h (rank %n), such as: ip netns exec %h, or srun -w %h" },
	{ "fleet", "ssh_options", K_STRING, F(fleet.ssh_options), "", 0, LAB_COMMAND_MAX,
	  "transport ssh: options for ssh (pdsh's PDSH_SSH_ARGS_APPEND), such as -F fleet/ssh_config -l lab; BatchMode is always on" },
	{ "fleet", "connlab", K_STRING, F(fleet.connlab), "connlab", 1, LAB_COMMAND_MAX,
	  "the connlab program on the hosts (a name on their PATH, or a path)" },
	{ "fleet", "target", K_STRING, F(fleet.target), "", 0, 45,
	  "the service's address (IPv4 or IPv6: the fleet's family) as the hosts reach it; the fleet sends traffic to this address and server.ports only" },
	{ "fleet", "sources", K_ADDR_TEMPLATE, F(fleet.sources), "", 0, LAB_COMMAND_MAX,
	  "each host's source addresses, of fleet.target's family, with pdsh's %n (rank 0, 1, ...) and %h (host): 10.1.%n.0/24, 10.1.%n.1-10.1.%n.8 or 2001:db8:%n::1-2001:db8:%n::8; they must exist on the host (docs/fleet.md); empty: the kernel chooses (one address)" },
	{ "fleet", "server_host", K_STRING, F(fleet.server_host), "", 0, HOSTNAME_MAX - 1,
	  "the host the service runs on, reached like the load hosts: connlab watch samples its kernel, and fleet.server = start runs connlab server there" },
	{ "fleet", "server", K_CHOICE, F(fleet.server), "start", 0, 0,
	  "with server_host: start (connlab server with the [server] keys, for the run) or running (your own server, already there)",
	  fleet_servers },
	{ "fleet", "on_failure", K_CHOICE, F(fleet.on_failure), "continue", 0, 0,
	  "a host that cannot be reached or whose flood fails: continue with the others (reported by name), or stop the run",
	  on_failures },
	{ "fleet", "start_timeout", K_DURATION, F(fleet.start_timeout_us), "30s", 1 * SEC,
	  600 * SEC, "how long reaching every host and checking it may take" },

	{ "tls", "enable", K_CHOICE, F(tls.enable), "off", 0, 0,
	  "which ends speak TLS: off, on (both: the built-in flood, and the built-in server or your server.command), server (only the built-in server: plain clients meet it) or clients (only the flood: it meets a plain server)",
	  tls_enables },
	{ "tls", "library", K_CHOICE, F(tls.library), "openssl", 0, 0,
	  "the TLS library of connlab's ends: openssl or wolfssl (when built in: connlab doctor says)",
	  lab_tls_libraries },
	{ "tls", "version", K_CHOICE, F(tls.version), "any", 0, 0,
	  "the TLS version: 1.2, 1.3, or any (1.2 to 1.3, the newest both take)", tls_versions },
	{ "tls", "key_type", K_CHOICE, F(tls.key_type), "ecdsa", 0, 0,
	  "the built-in server's certificate, made in memory at start: ecdsa (P-256) or rsa (2048 bits)",
	  tls_key_types },
	{ "tls", "cert", K_STRING, F(tls.cert), "", 0, LAB_COMMAND_MAX,
	  "the built-in server's certificate instead (PEM, its chain after it; relative to the lab file)" },
	{ "tls", "key", K_STRING, F(tls.key), "", 0, LAB_COMMAND_MAX,
	  "the key of tls.cert (PEM; default: in tls.cert's file)" },
	{ "tls", "group", K_STRING, F(tls.group), "", 0, 31,
	  "the key-exchange group both ends offer (X25519, P-256, P-384...); empty: the library's" },
	{ "tls", "resume", K_CHOICE, F(tls.resume), "off", 0, 0,
	  "session resumption: off (every handshake full), tickets, or ids (session ids; in TLS 1.3 tickets that name a session in the server's cache)",
	  tls_resumes },
	{ "tls", "resume_share", K_PERMILLE, F(tls.resume_permille), "100%", 0, 1000,
	  "with resume: the share of the clients' handshakes that offer the last session they were given" },
	{ "tls", "release_buffers", K_CHOICE, F(tls.release_buffers), "on", 0, 0,
	  "idle connections give their buffers back (OpenSSL's SSL_MODE_RELEASE_BUFFERS; wolfSSL always does); off to measure what that saves",
	  on_off },
	{ "tls", "sni", K_STRING, F(tls.sni), "", 0, 253,
	  "the server name the clients send (SNI); empty: none" },
	{ "tls", "ca", K_STRING, F(tls.ca), "", 0, LAB_COMMAND_MAX,
	  "the clients verify the server's certificate against these CAs (PEM, relative to the lab file); empty: no verification" },

	{ "probe", "ping_interval", K_DURATION_OFF, F(ping_interval_us), "200ms", 10 * MS, 60 * SEC,
	  "ICMP echo from the probe namespace to the server address; off to disable" },
	{ "probe", "connect_interval", K_DURATION_OFF, F(connect_interval_us), "1s", 10 * MS,
	  60 * SEC, "a new TCP connection from the probe namespace, timed; off to disable" },
};

#pragma GCC diagnostic pop

const size_t keys_count = ARRAY_LEN(keys);
const size_t sections_count = ARRAY_LEN(sections);

_Static_assert(ARRAY_LEN(keys) <= sizeof(((struct lab *)0)->key_line) / sizeof(int),
	       "key_line too small");

/* Sysctls every lab namespace gets unless the lab says otherwise. */
const struct default_sysctl default_sysctls[] = {
	{ "net.ipv4.ip_local_port_range", "1024 65535" },
	{ "net.core.somaxconn", "65535" },
	{ "net.ipv4.tcp_max_syn_backlog", "65535" },
};

const size_t default_sysctls_count = ARRAY_LEN(default_sysctls);

const struct key *key_find(const char *section, const char *name)
{
	for (size_t i = 0; i < keys_count; i++)
		if (!strcmp(keys[i].section, section) && !strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

int section_known(const char *s)
{
	for (size_t i = 0; i < sections_count; i++)
		if (!strcmp(sections[i], s))
			return 1;
	return 0;
}

/* ---- checks over several keys ---- */

int lab_key_number(const struct lab *lab, const char *key, double *out)
{
	char section[16];
	const char *dot = strchr(key, '.');
	const struct key *k;

	if (!dot || (size_t)(dot - key) >= sizeof(section))
		return -EINVAL;
	memcpy(section, key, (size_t)(dot - key));
	section[dot - key] = 0;
	k = key_find(section, dot + 1);
	if (!k)
		return -EINVAL;
	if (!ktypes[k->type].format_number)
		return -EINVAL;
	*out = (double)*(const uint64_t *)((const char *)lab + k->off);
	return 0;
}

enum metric_unit key_unit(const char *key)
{
	const char *dot = strchr(key, '.');
	char section[16];
	const struct key *k;

	snprintf(section, sizeof(section), "%.*s", (int)(dot - key), key);
	k = key_find(section, dot + 1);
	return ktypes[k->type].format_number ? ktypes[k->type].unit : MU_COUNT;
}

/* ---- writing ---- */

void lab_keys_write_reference(FILE *out)
{
	const char *section = "";

	for (size_t i = 0; i < keys_count; i++) {
		const struct key *k = &keys[i];
		char a[32], b[32];

		if (strcmp(section, k->section)) {
			section = k->section;
			fprintf(out, "\n[%s]\n", section);
		}
		const struct ktype_row *t = &ktypes[k->type];

		fprintf(out, "  %-16s %s, default %s", k->name, t->name,
			k->def[0] ? k->def : "(none)");
		if (t->format_number)
			fprintf(out, ", %s to %s", t->format_number(k->min, a, sizeof(a)),
				t->format_number(k->max, b, sizeof(b)));
		fprintf(out, "\n  %-16s %s\n", "", k->help);
	}
	fprintf(out,
		"\n[events]\n  TIME = EVENT, at TIME into the hold (or the churn); connlab run --event TIME:EVENT:\n");
	for (int i = 0; i < EVENT_KINDS; i++)
		fprintf(out, "  %-16s %s\n", event_kinds[i].usage, event_kinds[i].help);
	fprintf(out,
		"\n[sysctl]\n  net.* sysctls written in every lab namespace, such as net.ipv4.tcp_tw_reuse = 1.\n"
		"  Every lab sets, unless it says otherwise:\n");
	for (size_t i = 0; i < default_sysctls_count; i++)
		fprintf(out, "    %s = %s\n", default_sysctls[i].name, default_sysctls[i].value);
	fprintf(out,
		"\n[expect]\n  METRIC OP VALUE, judged after the run; OP is >=, <=, ==, !=, > or <; VALUE is\n"
		"  in the metric's unit or a lab key such as clients.connections. Metrics: 'connlab help metrics'.\n");
}

const char *key_hint(const char *section, const char *name)
{
	const char *names[ARRAY_LEN(keys)];
	size_t n = 0;

	for (size_t i = 0; i < keys_count; i++)
		if (!strcmp(keys[i].section, section))
			names[n++] = keys[i].name;
	return suggest_closest(name, names, n);
}

const char *skip_blank(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}
