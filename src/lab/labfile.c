/* labfile.c - reading lab files (INI, through inih) and --set overrides
 * into struct lab, with file:line messages for everything a user can get
 * wrong.
 *
 * inih does the splitting of sections, keys, values and comments; it reads
 * through our own line reader, which counts lines (so the handler knows
 * where it is), refuses over-long lines and binary data, checks the syntax
 * of each line so that every bad line is reported and not only the first,
 * strips leading blanks (so that no line is taken as a continuation), and
 * turns "[expect]" lines such as "ping.loss <= 0.1%" into "ping.loss=<=
 * 0.1%" so that inih hands over the metric and the comparison. */
#include "lab/lab.h"

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

#include "util/suggest.h"

#define LAB_FILE_MAX (1 << 20)

enum ktype {
	K_NAME,
	K_STRING,
	K_DURATION,
	K_DURATION_OFF, /* a duration or "off" (0) */
	K_COUNT,
	K_COUNT_AUTO, /* a count or "auto" (0) */
	K_RATE,
	K_CIDR,
	K_PORTS,
	K_SERVER_MODE,
	K_CLIENT_MODE,
	K_CLOSER,
	K_BEYOND,
};

struct key {
	const char *section;
	const char *name;
	enum ktype type;
	size_t off;
	const char *def;
	uint64_t min, max; /* in the stored unit (us for durations) */
	const char *help;
};

#define F(field) offsetof(struct lab, field)
#define MS 1000ULL
#define SEC 1000000ULL

static const char *const beyonds[] = { "refuse", "try" };
static const char *const sections[] = { "lab", "server", "clients", "probe", "sysctl", "expect" };

static const struct key keys[] = {
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
	{ "lab", "pool", K_CIDR, F(pool), "198.18.0.0/15", 8, 30,
	  "addresses for the lab's links and hosts (RFC 2544 benchmarking range by default); prefix length 8 to 30" },

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
	{ "clients", "beyond_ports", K_BEYOND, F(beyond_ports), "refuse", 0, 0,
	  "hold mode, when the connections need more local ports than the client addresses, server ports and port range give: refuse (with the fix), or try (the lab shows EADDRNOTAVAIL)" },
	{ "clients", "connect_timeout", K_DURATION, F(connect_timeout_us), "10s", 100 * MS,
	  300 * SEC, "a connect that takes longer counts as ETIMEDOUT" },
	{ "clients", "command", K_STRING, F(client_command), "", 0, LAB_COMMAND_MAX,
	  "run this program in each client namespace instead of the built-in flood; {address}, {port}, {source} and {connections} are replaced" },

	{ "probe", "ping_interval", K_DURATION_OFF, F(ping_interval_us), "200ms", 10 * MS, 60 * SEC,
	  "ICMP echo from the probe namespace to the server address; off to disable" },
	{ "probe", "connect_interval", K_DURATION_OFF, F(connect_interval_us), "1s", 10 * MS,
	  60 * SEC, "a new TCP connection from the probe namespace, timed; off to disable" },
};

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))
#define N_SECTIONS (sizeof(sections) / sizeof(sections[0]))

_Static_assert(N_KEYS <= sizeof(((struct lab *)0)->key_line) / sizeof(int), "key_line too small");

/* Sysctls every lab namespace gets unless the lab says otherwise. */
static const struct {
	const char *name, *value;
} default_sysctls[] = {
	{ "net.ipv4.ip_local_port_range", "1024 65535" },
	{ "net.core.somaxconn", "65535" },
	{ "net.ipv4.tcp_max_syn_backlog", "65535" },
};

static void diag_add(struct lab_diag *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void diag_add(struct lab_diag *d, const char *fmt, ...)
{
	va_list ap;

	if (d->n == LAB_DIAG_MAX) {
		d->dropped++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(d->msg[d->n++], sizeof(d->msg[0]), fmt, ap);
	va_end(ap);
}

static void *field(struct lab *lab, const struct key *k)
{
	return (char *)lab + k->off;
}

static const struct key *key_find(const char *section, const char *name)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (!strcmp(keys[i].section, section) && !strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

static int section_known(const char *s)
{
	for (size_t i = 0; i < N_SECTIONS; i++)
		if (!strcmp(sections[i], s))
			return 1;
	return 0;
}

static int valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > LAB_NAME_MAX || s[0] == '-')
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-')
			return 0;
	return 1;
}

/* Parses v into the key's field of lab, checking the range. */
static int key_assign(struct lab *lab, const struct key *k, const char *v, char *err, size_t errlen)
{
	uint64_t u = 0;
	char a[32], b[32];
	int e;

	switch (k->type) {
	case K_NAME:
		if (!valid_name(v)) {
			snprintf(
				err, errlen,
				"'%s' is not a lab name: use 1 to %d letters, digits and '-', not starting with '-'",
				v, LAB_NAME_MAX);
			return -EINVAL;
		}
		snprintf(field(lab, k), LAB_NAME_MAX + 1, "%s", v);
		return 0;
	case K_STRING:
		if (strlen(v) > k->max) {
			snprintf(err, errlen, "longer than %llu characters",
				 (unsigned long long)k->max);
			return -EINVAL;
		}
		snprintf(field(lab, k), k->max + 1, "%s", v);
		return 0;
	case K_CIDR: {
		struct cidr c;

		if (units_parse_cidr(v, &c, err, errlen))
			return -EINVAL;
		if (c.len < k->min || c.len > k->max) {
			snprintf(err, errlen,
				 "prefix length /%u is out of range: use /%llu to /%llu", c.len,
				 (unsigned long long)k->min, (unsigned long long)k->max);
			return -EINVAL;
		}
		*(struct cidr *)field(lab, k) = c;
		return 0;
	}
	case K_PORTS:
		return units_parse_ports(v, field(lab, k), err, errlen);
	case K_SERVER_MODE:
		return server_mode_parse(v, field(lab, k), err, errlen);
	case K_CLIENT_MODE:
		return client_mode_parse(v, field(lab, k), err, errlen);
	case K_CLOSER:
		return closer_parse(v, field(lab, k), err, errlen);
	case K_BEYOND:
		if (suggest_choice(v, beyonds, ARRAY_LEN(beyonds), &e, err, errlen))
			return -EINVAL;
		*(int *)field(lab, k) = e;
		return 0;
	case K_DURATION:
	case K_DURATION_OFF:
		if (k->type == K_DURATION_OFF && !strcmp(v, "off"))
			break;
		if (units_parse_duration(v, &u, err, errlen))
			return -EINVAL;
		if (u < k->min || u > k->max) {
			snprintf(err, errlen, "%s is out of range: use %s to %s%s", v,
				 units_fmt_duration(k->min, a, sizeof(a)),
				 units_fmt_duration(k->max, b, sizeof(b)),
				 k->type == K_DURATION_OFF ? ", or off" : "");
			return -EINVAL;
		}
		break;
	case K_COUNT:
	case K_COUNT_AUTO:
		if (k->type == K_COUNT_AUTO && !strcmp(v, "auto"))
			break;
		if (units_parse_count(v, &u, err, errlen))
			return -EINVAL;
		if (u < k->min || u > k->max) {
			snprintf(err, errlen, "%s is out of range: use %s to %s%s", v,
				 units_fmt_count(k->min, a, sizeof(a)),
				 units_fmt_count(k->max, b, sizeof(b)),
				 k->type == K_COUNT_AUTO ? ", or auto" : "");
			return -EINVAL;
		}
		break;
	case K_RATE:
		if (units_parse_rate(v, &u, err, errlen))
			return -EINVAL;
		if (u && (u < k->min || u > k->max)) {
			snprintf(err, errlen, "%s is out of range: use %s to %s, or unlimited", v,
				 units_fmt_rate(k->min, a, sizeof(a)),
				 units_fmt_rate(k->max, b, sizeof(b)));
			return -EINVAL;
		}
		break;
	}
	*(uint64_t *)field(lab, k) = u;
	return 0;
}

static int port_range_check(const char *v, char *err, size_t errlen)
{
	unsigned lo, hi;
	char extra;

	if (sscanf(v, "%u %u %c", &lo, &hi, &extra) != 2 || lo < 1 || hi > 65535 || lo > hi) {
		snprintf(
			err, errlen,
			"'%s' is not a port range: expected two ports, low then high, such as '1024 65535'",
			v);
		return -EINVAL;
	}
	return 0;
}

static int sysctl_check(const char *name, const char *value, char *err, size_t errlen)
{
	if (strncmp(name, "net.", 4)) {
		snprintf(
			err, errlen,
			"%s: only net.* sysctls belong to a network namespace; a global one (such as fs.nr_open) must be set on the host, connlab does not change it",
			name);
		return -EINVAL;
	}
	if (strlen(name) >= LAB_SYSCTL_NAME_MAX) {
		snprintf(err, errlen, "sysctl name '%.40s...' is too long", name);
		return -EINVAL;
	}
	for (const char *p = name; *p; p++) {
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p)) {
			snprintf(err, errlen,
				 "'%s' is not a sysctl name such as net.ipv4.tcp_tw_reuse", name);
			return -EINVAL;
		}
		if (p[0] == '.' && (p[1] == '.' || p[1] == 0)) {
			snprintf(err, errlen,
				 "'%s' is not a sysctl name such as net.ipv4.tcp_tw_reuse", name);
			return -EINVAL;
		}
	}
	if (!*value || strlen(value) >= LAB_SYSCTL_VALUE_MAX) {
		snprintf(err, errlen, "%s: the value must be 1 to %d characters", name,
			 LAB_SYSCTL_VALUE_MAX - 1);
		return -EINVAL;
	}
	if (!strcmp(name, "net.ipv4.ip_local_port_range"))
		return port_range_check(value, err, errlen);
	return 0;
}

/* Sets a sysctl; line > 0 and already set by the file: duplicate. */
static int sysctl_put(struct lab *lab, const char *name, const char *value, int line, char *err,
		      size_t errlen)
{
	struct sysctl_setting *s = NULL;

	if (sysctl_check(name, value, err, errlen))
		return -EINVAL;
	for (unsigned i = 0; i < lab->n_sysctl; i++)
		if (!strcmp(lab->sysctl[i].name, name))
			s = &lab->sysctl[i];
	if (s && line > 0 && s->line > 0) {
		snprintf(err, errlen, "duplicate sysctl %s (first set at line %d)", name, s->line);
		return -EINVAL;
	}
	if (!s) {
		if (lab->n_sysctl == LAB_SYSCTL_MAX) {
			snprintf(err, errlen, "more than %d sysctls", LAB_SYSCTL_MAX);
			return -EINVAL;
		}
		s = &lab->sysctl[lab->n_sysctl++];
		snprintf(s->name, sizeof(s->name), "%s", name);
	}
	snprintf(s->value, sizeof(s->value), "%s", value);
	s->line = line;
	return 0;
}

const char *lab_sysctl_get(const struct lab *lab, const char *name)
{
	for (unsigned i = 0; i < lab->n_sysctl; i++)
		if (!strcmp(lab->sysctl[i].name, name))
			return lab->sysctl[i].value;
	return NULL;
}

static int expect_put(struct lab *lab, const char *metric, const char *rhs, int line, char *err,
		      size_t errlen)
{
	struct expectation e;

	if (expect_parse(metric, rhs, &e, err, errlen))
		return -EINVAL;
	if (lab->n_expect == LAB_EXPECT_MAX) {
		snprintf(err, errlen, "more than %d expectations", LAB_EXPECT_MAX);
		return -EINVAL;
	}
	e.line = line;
	lab->expect[lab->n_expect++] = e;
	return 0;
}

void lab_init(struct lab *lab, const char *source)
{
	char err[200];

	memset(lab, 0, sizeof(*lab));
	snprintf(lab->source, sizeof(lab->source), "%s", source);
	for (size_t i = 0; i < N_KEYS; i++)
		if (key_assign(lab, &keys[i], keys[i].def, err, sizeof(err)))
			abort(); /* a default that does not parse is a bug */
	for (size_t i = 0; i < ARRAY_LEN(default_sysctls); i++)
		if (sysctl_put(lab, default_sysctls[i].name, default_sysctls[i].value, 0, err,
			       sizeof(err)))
			abort();
}

/* ---- reading ---- */

struct reader {
	struct lab *lab;
	struct lab_diag *diag;
	const char *buf;
	size_t len, pos;
	int line;
	int in_expect;
	int section_ok; /* keys of an unknown section are reported once, with it */
	int entries;	/* sections and keys seen */
	int stop;
};

static const char *skip_blank(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* Checks one line (NUL-terminated, no newline) and rewrites it into out
 * for inih; problems go to diag and the line is handed over empty. */
static void line_prepare(struct reader *r, char *text, char *out, size_t outlen)
{
	const char *s = skip_blank(text);
	size_t n;

	out[0] = 0;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	text[(size_t)(s - text) + n] = 0;
	if (n == 0 || *s == ';' || *s == '#')
		return;
	if (*s == '[') {
		const char *end = strchr(s, ']');
		char name[64];
		size_t nl;

		const char *after = end ? skip_blank(end + 1) : NULL;

		if (!end || (*after && *after != ';' && *after != '#')) {
			diag_add(r->diag, "%s:%d: expected a section header such as [clients]",
				 r->lab->source, r->line);
			r->section_ok = 0;
			return;
		}
		nl = (size_t)(end - s - 1);
		if (nl >= sizeof(name))
			nl = sizeof(name) - 1;
		memcpy(name, s + 1, nl);
		name[nl] = 0;
		r->entries++;
		r->in_expect = !strcmp(name, "expect");
		r->section_ok = section_known(name);
		if (!r->section_ok) {
			const char *hint = suggest_closest(name, sections, N_SECTIONS);

			if (hint)
				diag_add(r->diag, "%s:%d: unknown section [%s]; did you mean [%s]?",
					 r->lab->source, r->line, name, hint);
			else
				diag_add(
					r->diag,
					"%s:%d: unknown section [%s]; sections are [lab], [server], [clients], [probe], [sysctl] and [expect]",
					r->lab->source, r->line, name);
		}
		snprintf(out, outlen, "[%s]\n", name);
		return;
	}
	if (r->in_expect) {
		/* metric, then the comparison: hand inih "metric=rest" */
		size_t m = strspn(
			s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._");

		if (m == 0) {
			diag_add(
				r->diag,
				"%s:%d: expected an expectation such as 'established >= 100k' or 'ping.loss <= 0.1%%'",
				r->lab->source, r->line);
			return;
		}
		snprintf(out, outlen, "%.*s=%s\n", (int)m, s, skip_blank(s + m));
		return;
	}
	if (!strpbrk(s, "=:")) {
		diag_add(r->diag,
			 "%s:%d: expected 'key = value', a [section] or a comment, found '%.40s'",
			 r->lab->source, r->line, s);
		return;
	}
	snprintf(out, outlen, "%s\n", s);
}

/* inih's line reader (fgets-like): one line per call. */
static char *reader_next(char *str, int num, void *stream)
{
	struct reader *r = stream;
	char text[LAB_LINE_MAX + 2];
	size_t start = r->pos, end, n;

	if (r->stop || r->pos >= r->len)
		return NULL;
	end = start;
	while (end < r->len && r->buf[end] != '\n')
		end++;
	r->pos = end < r->len ? end + 1 : end;
	r->line++;
	n = end - start;
	for (size_t i = start; i < end; i++) {
		unsigned char c = (unsigned char)r->buf[i];

		if (c < 0x20 && c != '\t' && c != '\r') {
			diag_add(
				r->diag,
				"%s:%d: binary data (byte 0x%02x at column %zu): this is not a lab file",
				r->lab->source, r->line, c, i - start + 1);
			r->stop = 1;
			return NULL;
		}
	}
	if (n && r->buf[end - 1] == '\r')
		n--;
	str[0] = 0;
	if (n > LAB_LINE_MAX) {
		diag_add(r->diag, "%s:%d: line too long (%zu characters; at most %d)",
			 r->lab->source, r->line, n, LAB_LINE_MAX);
	} else {
		memcpy(text, r->buf + start, n);
		text[n] = 0;
		line_prepare(r, text, str, (size_t)num);
	}
	if (!str[0])
		snprintf(str, (size_t)num, "\n"); /* an empty line keeps inih in step */
	return str;
}

static void set_key(struct reader *r, const char *section, const char *name, const char *value)
{
	struct lab *lab = r->lab;
	const struct key *k = key_find(section, name);
	char err[256];

	if (!strcmp(section, "sysctl")) {
		if (sysctl_put(lab, name, value, r->line, err, sizeof(err)))
			diag_add(r->diag, "%s:%d: %s", lab->source, r->line, err);
		return;
	}
	if (!strcmp(section, "expect")) {
		if (expect_put(lab, name, value, r->line, err, sizeof(err)))
			diag_add(r->diag, "%s:%d: %s", lab->source, r->line, err);
		return;
	}
	if (!k) {
		const char *names[N_KEYS], *hint;
		size_t n = 0;

		for (size_t i = 0; i < N_KEYS; i++)
			if (!strcmp(keys[i].section, section))
				names[n++] = keys[i].name;
		hint = suggest_closest(name, names, n);
		if (hint)
			diag_add(r->diag, "%s:%d: unknown key '%s' in [%s]; did you mean '%s'?",
				 lab->source, r->line, name, section, hint);
		else
			diag_add(
				r->diag,
				"%s:%d: unknown key '%s' in [%s]; 'connlab help labfile' lists the keys",
				lab->source, r->line, name, section);
		return;
	}
	if (lab->key_line[k - keys] > 0) {
		diag_add(r->diag, "%s:%d: duplicate key %s.%s (first set at line %d)", lab->source,
			 r->line, section, name, lab->key_line[k - keys]);
		return;
	}
	if (!*value) {
		diag_add(r->diag, "%s:%d: %s.%s has no value; its default is '%s'", lab->source,
			 r->line, section, name, k->def);
		return;
	}
	if (key_assign(lab, k, value, err, sizeof(err))) {
		diag_add(r->diag, "%s:%d: %s.%s: %s", lab->source, r->line, section, name, err);
		return;
	}
	lab->key_line[k - keys] = r->line;
}

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
	struct reader *r = user;

	r->entries++;
	if (!r->section_ok)
		return 1;
	if (!*section) {
		diag_add(
			r->diag,
			"%s:%d: '%s' comes before any section: put it under [lab], [server], [clients], ...",
			r->lab->source, r->line, name);
		return 1;
	}
	set_key(r, section, name, value);
	return 1;
}

int lab_parse(struct lab *lab, const char *buf, size_t len, struct lab_diag *diag)
{
	struct reader r = {
		.lab = lab,
		.diag = diag,
		.buf = buf,
		.len = len,
		.section_ok = 1,
	};
	unsigned before = diag->n + diag->dropped;
	int ret;

	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3)) /* UTF-8 byte order mark */
		r.pos = 3;
	ret = ini_parse_stream(reader_next, &r, on_entry, &r);
	if (ret > 0) /* a line inih could not read that our reader let through */
		diag_add(diag, "%s:%d: cannot read this line", lab->source, ret);
	else if (ret < 0)
		diag_add(diag, "%s: out of memory while reading", lab->source);
	if (r.entries == 0 && diag->n + diag->dropped == before)
		diag_add(
			diag,
			"%s:1: empty lab file: expected sections such as [lab] and [clients] with keys (see 'connlab help labfile')",
			lab->source);
	return diag->n + diag->dropped > before ? -EINVAL : 0;
}

int lab_load_file(struct lab *lab, const char *path, struct lab_diag *diag)
{
	struct stat st;
	char *buf = NULL, name[LAB_NAME_MAX + 8];
	const char *base;
	ssize_t got = 0;
	int fd, ret;

	lab_init(lab, path);
	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	snprintf(name, sizeof(name), "%s", base);
	if (strlen(name) > 4 && !strcmp(name + strlen(name) - 4, ".lab"))
		name[strlen(name) - 4] = 0;
	if (valid_name(name))
		snprintf(lab->name, sizeof(lab->name), "%s", name);

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		diag_add(diag, "%s: cannot open: %s", path, strerror(errno));
		return ret;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		diag_add(diag, "%s: not a regular file", path);
		goto out_close;
	}
	if (st.st_size > LAB_FILE_MAX) {
		ret = -EFBIG;
		diag_add(diag, "%s: %lld bytes is too large for a lab file (at most %d)", path,
			 (long long)st.st_size, LAB_FILE_MAX);
		goto out_close;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		ret = -ENOMEM;
		diag_add(diag, "%s: out of memory", path);
		goto out_close;
	}
	while (got < st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)(st.st_size - got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			diag_add(diag, "%s: cannot read: %s", path, strerror(errno));
			goto out_free;
		}
		if (n == 0)
			break;
		got += n;
	}
	ret = lab_parse(lab, buf, (size_t)got, diag);
out_free:
	free(buf);
out_close:
	close(fd);
	return ret;
}

extern const char connlab_default_lab[];
extern const char connlab_default_lab_end[];

int lab_load_default(struct lab *lab, struct lab_diag *diag)
{
	lab_init(lab, "default.lab");
	return lab_parse(lab, connlab_default_lab,
			 (size_t)(connlab_default_lab_end - connlab_default_lab), diag);
}

/* ---- overrides ---- */

int lab_set(struct lab *lab, const char *assignment, struct lab_diag *diag)
{
	char left[128], err[256];
	const char *eq = strchr(assignment, '='), *dot, *value;
	const struct key *k;
	size_t ll;

	if (!eq || eq == assignment ||
	    !(dot = memchr(assignment, '.', (size_t)(eq - assignment)))) {
		diag_add(
			diag,
			"--set %s: expected section.key=value, such as --set clients.connections=5000",
			assignment);
		return -EINVAL;
	}
	ll = (size_t)(eq - assignment);
	if (ll >= sizeof(left)) {
		diag_add(diag, "--set %.40s...: key too long", assignment);
		return -EINVAL;
	}
	memcpy(left, assignment, ll);
	left[ll] = 0;
	while (ll && left[ll - 1] == ' ')
		left[--ll] = 0;
	left[dot - assignment] = 0;
	value = skip_blank(eq + 1);
	const char *section = left, *name = left + (dot - assignment) + 1;

	if (!strcmp(section, "sysctl")) {
		if (sysctl_put(lab, name, value, -1, err, sizeof(err)))
			goto fail;
		return 0;
	}
	if (!strcmp(section, "expect")) {
		unsigned j = 0;

		for (unsigned i = 0; i < lab->n_expect; i++)
			if (strcmp(lab->expect[i].metric, name))
				lab->expect[j++] = lab->expect[i];
		lab->n_expect = j;
		if (!strcmp(value, "off")) {
			if (!metric_check(name, err, sizeof(err)))
				goto fail;
			return 0;
		}
		if (expect_put(lab, name, value, -1, err, sizeof(err)))
			goto fail;
		return 0;
	}
	if (!section_known(section)) {
		const char *hint = suggest_closest(section, sections, N_SECTIONS);

		snprintf(err, sizeof(err), "unknown section '%s'%s%s%s", section,
			 hint ? "; did you mean '" : "", hint ? hint : "", hint ? "'?" : "");
		goto fail;
	}
	k = key_find(section, name);
	if (!k) {
		const char *names[N_KEYS], *hint;
		size_t n = 0;

		for (size_t i = 0; i < N_KEYS; i++)
			if (!strcmp(keys[i].section, section))
				names[n++] = keys[i].name;
		hint = suggest_closest(name, names, n);
		snprintf(err, sizeof(err), "unknown key '%s' in [%s]%s%s%s", name, section,
			 hint ? "; did you mean '" : "", hint ? hint : "", hint ? "'?" : "");
		goto fail;
	}
	if (key_assign(lab, k, value, err, sizeof(err)))
		goto fail;
	lab->key_line[k - keys] = -1;
	return 0;
fail:
	diag_add(diag, "--set %s: %s", assignment, err);
	return -EINVAL;
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
	switch (k->type) {
	case K_DURATION:
	case K_DURATION_OFF:
	case K_COUNT:
	case K_COUNT_AUTO:
	case K_RATE:
		*out = (double)*(const uint64_t *)((const char *)lab + k->off);
		return 0;
	default:
		return -EINVAL;
	}
}

static enum metric_unit key_unit(const char *key)
{
	const char *dot = strchr(key, '.');
	char section[16];
	const struct key *k;

	snprintf(section, sizeof(section), "%.*s", (int)(dot - key), key);
	k = key_find(section, dot + 1);
	switch (k->type) {
	case K_DURATION:
	case K_DURATION_OFF:
		return MU_DURATION;
	case K_RATE:
		return MU_RATE;
	default:
		return MU_COUNT;
	}
}

static void where(const struct lab *lab, int line, char *buf, size_t len)
{
	if (line > 0)
		snprintf(buf, len, "%s:%d", lab->source, line);
	else if (line < 0)
		snprintf(buf, len, "--set");
	else
		snprintf(buf, len, "%s", lab->source);
}

int lab_validate(struct lab *lab, struct lab_diag *diag)
{
	unsigned before = diag->n + diag->dropped;
	char at[300];

	for (unsigned i = 0; i < lab->n_expect; i++) {
		struct expectation *e = &lab->expect[i];
		double v;

		if (!e->ref[0])
			continue;
		where(lab, e->line, at, sizeof(at));
		if (lab_key_number(lab, e->ref, &v)) {
			diag_add(diag,
				 "%s: '%s' is not a numeric lab key (such as clients.connections)",
				 at, e->ref);
			continue;
		}
		if (key_unit(e->ref) != e->unit) {
			diag_add(diag, "%s: %s is a %s but %s is a %s", at, e->metric,
				 metric_unit_name(e->unit), e->ref,
				 metric_unit_name(key_unit(e->ref)));
			continue;
		}
		if (v == 0) {
			diag_add(diag, "%s: %s is auto or off here; compare %s with a number", at,
				 e->ref, e->metric);
			continue;
		}
		e->value = v;
	}
	if (lab->client_mode == CLIENT_HOLD && lab->server_mode == SERVER_CLOSE) {
		where(lab, lab->key_line[key_find("server", "mode") - keys], at, sizeof(at));
		diag_add(
			diag,
			"%s: server.mode = close cannot hold connections: use clients.mode = churn, or a server mode that keeps them (keepalive, echo, silent)",
			at);
	}
	return diag->n + diag->dropped > before ? -EINVAL : 0;
}

/* ---- writing ---- */

static void key_format(const struct lab *lab, const struct key *k, char *buf, size_t len)
{
	const void *p = (const char *)lab + k->off;
	uint64_t u = 0;

	if (k->type == K_DURATION || k->type == K_DURATION_OFF || k->type == K_COUNT ||
	    k->type == K_COUNT_AUTO || k->type == K_RATE)
		memcpy(&u, p, sizeof(u));
	switch (k->type) {
	case K_NAME:
	case K_STRING:
		snprintf(buf, len, "%s", (const char *)p);
		break;
	case K_CIDR: {
		const struct cidr *c = p;
		char a[16];

		snprintf(buf, len, "%s/%u", units_fmt_ipv4(c->addr, a, sizeof(a)), c->len);
		break;
	}
	case K_PORTS:
		units_fmt_ports(p, buf, len);
		break;
	case K_SERVER_MODE:
		snprintf(buf, len, "%s", server_mode_names[*(const enum server_mode *)p]);
		break;
	case K_CLIENT_MODE:
		snprintf(buf, len, "%s", client_mode_names[*(const enum client_mode *)p]);
		break;
	case K_CLOSER:
		snprintf(buf, len, "%s", closer_names[*(const enum closer *)p]);
		break;
	case K_BEYOND:
		snprintf(buf, len, "%s", beyonds[*(const int *)p]);
		break;
	case K_DURATION:
		units_fmt_duration(u, buf, len);
		break;
	case K_DURATION_OFF:
		if (u)
			units_fmt_duration(u, buf, len);
		else
			snprintf(buf, len, "off");
		break;
	case K_COUNT:
		units_fmt_count(u, buf, len);
		break;
	case K_COUNT_AUTO:
		if (u)
			units_fmt_count(u, buf, len);
		else
			snprintf(buf, len, "auto");
		break;
	case K_RATE:
		units_fmt_rate(u, buf, len);
		break;
	}
}

static const char *origin(int line, char *buf, size_t len)
{
	if (line > 0)
		snprintf(buf, len, "; line %d", line);
	else if (line < 0)
		snprintf(buf, len, "; --set");
	else
		snprintf(buf, len, "; default");
	return buf;
}

void lab_write(const struct lab *lab, FILE *out)
{
	char v[LAB_COMMAND_MAX + 8], o[32];
	const char *section = "";

	fprintf(out, "; resolved from %s\n", lab->source);
	for (size_t i = 0; i < N_KEYS; i++) {
		if (strcmp(section, keys[i].section)) {
			section = keys[i].section;
			fprintf(out, "%s[%s]\n", i ? "\n" : "", section);
		}
		key_format(lab, &keys[i], v, sizeof(v));
		if (keys[i].type == K_STRING && !v[0])
			continue;
		fprintf(out, "%-16s = %-16s %s\n", keys[i].name, v,
			origin(lab->key_line[i], o, sizeof(o)));
	}
	fprintf(out, "\n[sysctl]\n");
	for (unsigned i = 0; i < lab->n_sysctl; i++)
		fprintf(out, "%s = %s %s\n", lab->sysctl[i].name, lab->sysctl[i].value,
			lab->sysctl[i].line ? origin(lab->sysctl[i].line, o, sizeof(o))
					    : "; every lab");
	if (lab->n_expect)
		fprintf(out, "\n[expect]\n");
	for (unsigned i = 0; i < lab->n_expect; i++) {
		const struct expectation *e = &lab->expect[i];

		if (e->ref[0])
			fprintf(out, "%s %s %s %s, = %s\n", e->metric, expect_op_name(e->op),
				e->text, origin(e->line, o, sizeof(o)),
				metric_fmt_value(e->unit, e->value, v, sizeof(v)));
		else
			fprintf(out, "%s %s %s %s\n", e->metric, expect_op_name(e->op), e->text,
				origin(e->line, o, sizeof(o)));
	}
}

static const char *type_name(enum ktype t)
{
	static const char *const names[] = {
		[K_NAME] = "name",	    [K_STRING] = "text",
		[K_DURATION] = "duration",  [K_DURATION_OFF] = "duration or off",
		[K_COUNT] = "count",	    [K_COUNT_AUTO] = "count or auto",
		[K_RATE] = "rate",	    [K_CIDR] = "CIDR range",
		[K_PORTS] = "port list",    [K_SERVER_MODE] = "choice",
		[K_CLIENT_MODE] = "choice", [K_CLOSER] = "choice",
		[K_BEYOND] = "choice",
	};
	_Static_assert(sizeof(names) / sizeof(names[0]) == K_BEYOND + 1, "a name for every type");
	return names[t];
}

void lab_keys_write_reference(FILE *out)
{
	const char *section = "";

	for (size_t i = 0; i < N_KEYS; i++) {
		const struct key *k = &keys[i];
		char a[32], b[32];

		if (strcmp(section, k->section)) {
			section = k->section;
			fprintf(out, "\n[%s]\n", section);
		}
		fprintf(out, "  %-16s %s, default %s", k->name, type_name(k->type),
			k->def[0] ? k->def : "(none)");
		switch (k->type) {
		case K_DURATION:
		case K_DURATION_OFF:
			fprintf(out, ", %s to %s", units_fmt_duration(k->min, a, sizeof(a)),
				units_fmt_duration(k->max, b, sizeof(b)));
			break;
		case K_COUNT:
		case K_COUNT_AUTO:
			fprintf(out, ", %s to %s", units_fmt_count(k->min, a, sizeof(a)),
				units_fmt_count(k->max, b, sizeof(b)));
			break;
		case K_RATE:
			fprintf(out, ", %s to %s", units_fmt_rate(k->min, a, sizeof(a)),
				units_fmt_rate(k->max, b, sizeof(b)));
			break;
		default:
			break;
		}
		fprintf(out, "\n  %-16s %s\n", "", k->help);
	}
	fprintf(out,
		"\n[sysctl]\n  net.* sysctls written in every lab namespace, such as net.ipv4.tcp_tw_reuse = 1.\n"
		"  Every lab sets, unless it says otherwise:\n");
	for (size_t i = 0; i < ARRAY_LEN(default_sysctls); i++)
		fprintf(out, "    %s = %s\n", default_sysctls[i].name, default_sysctls[i].value);
	fprintf(out,
		"\n[expect]\n  METRIC OP VALUE, judged after the run; OP is >=, <=, ==, !=, > or <; VALUE is\n"
		"  in the metric's unit or a lab key such as clients.connections. Metrics: 'connlab help metrics'.\n");
}
