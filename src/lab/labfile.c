/* SPDX-License-Identifier: MIT */
/* labfile.c - the lab model: defaults, sysctls and expectations put in
 * place, --set overrides, the checks over several keys, and the resolved
 * lab written back as a lab file with where each value came from. */
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

#include "kernel/knowledge.h"
#include "lab/labfile.h"
#include "lab/hostlist.h"
#include "util/suggest.h"

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
int sysctl_put(struct lab *lab, const char *name, const char *value, int line, char *err,
	       size_t errlen)
{
	struct sysctl_setting *s = NULL;
	int optional = name[0] == '-';

	/* "-name" (as in sysctl.d): optional, skipped where it cannot be set */
	if (optional)
		name++;
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
	s->optional = optional;
	return 0;
}

static const struct sysctl_setting *sysctl_of(const struct lab *lab, const char *name)
{
	for (unsigned i = 0; i < lab->n_sysctl; i++)
		if (!strcmp(lab->sysctl[i].name, name))
			return &lab->sysctl[i];
	return NULL;
}

uint64_t lab_memory_floor_bytes(const struct lab *lab, uint64_t mem_total)
{
	const struct memory_floor *f = &lab->memory_floor;

	return f->percent ? mem_total / 100 * f->percent : f->bytes;
}

void lab_dir(const struct lab *lab, char *dir, size_t len)
{
	const char *slash = strrchr(lab->source, '/');
	char rel[300], *abs;

	if (slash)
		snprintf(rel, sizeof(rel), "%.*s", (int)(slash - lab->source), lab->source);
	else
		snprintf(rel, sizeof(rel), ".");
	abs = realpath(rel, NULL);
	snprintf(dir, len, "%s", abs ? abs : rel);
	free(abs);
}

const char *lab_sysctl_get(const struct lab *lab, const char *name)
{
	const struct sysctl_setting *s = sysctl_of(lab, name);

	return s ? s->value : NULL;
}

int expect_put(struct lab *lab, const char *metric, const char *rhs, int line, char *err,
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
	for (size_t i = 0; i < keys_count; i++)
		if (key_assign(lab, &keys[i], keys[i].def, err, sizeof(err)))
			abort(); /* a default that does not parse is a bug */
	for (size_t i = 0; i < default_sysctls_count; i++)
		if (sysctl_put(lab, default_sysctls[i].name, default_sysctls[i].value, 0, err,
			       sizeof(err)))
			abort();
}

/* ---- overrides ---- */

/* Notes what a --set changes (the last 16 changes kept). */
static void change_note(struct lab *lab, const char *section, const char *name, const char *from,
			int from_line, const char *to)
{
	const size_t max = sizeof(lab->changes) / sizeof(lab->changes[0]);
	struct lab_change *c;

	if (lab->n_changes == max) {
		memmove(lab->changes, lab->changes + 1, (max - 1) * sizeof(*c));
		lab->n_changes--;
	}
	c = &lab->changes[lab->n_changes++];
	snprintf(c->key, sizeof(c->key), "%s.%s", section, name);
	snprintf(c->from, sizeof(c->from), "%s", from);
	snprintf(c->to, sizeof(c->to), "%s", to);
	c->from_line = from_line;
}

/* --event 20s:restart, or --set events.20s=restart; --event none empties the lab file's. */
static int set_event(struct lab *lab, const char *name, const char *value, struct lab_diag *diag)
{
	char err[256];

	if (!strcmp(name, "none")) {
		lab->n_event = 0;
		return 0;
	}
	if (!event_put(lab, name, value, LAB_LINE_EVENT, err, sizeof(err)))
		return 0;
	diag_add(diag, "--event %s:%s: %s", name, value, err);
	return -EINVAL;
}

static int set_sysctl(struct lab *lab, const char *name, const char *value, char *err,
		      size_t errlen)
{
	const struct sysctl_setting *was = sysctl_of(lab, name);
	const struct ksysctl *ks = was ? NULL : kernel_sysctl_find(name);
	char from[96] = "";

	if (was)
		snprintf(from, sizeof(from), "%s", was->value);
	else if (ks && ks->dflt)
		snprintf(from, sizeof(from), "%s (the kernel's default)", ks->dflt);
	if (sysctl_put(lab, name, value, -1, err, errlen))
		return -EINVAL;
	change_note(lab, "sysctl", name, from, was ? was->line : 0, value);
	return 0;
}

/* --set expect.METRIC=RHS replaces the lab file's bound; =off turns every bound off. */
static int set_expect(struct lab *lab, const char *name, const char *value, char *err,
		      size_t errlen)
{
	unsigned j = 0;

	for (unsigned i = 0; i < lab->n_expect; i++)
		if (strcmp(lab->expect[i].metric, name))
			lab->expect[j++] = lab->expect[i];
	lab->n_expect = j;
	if (strcmp(value, "off"))
		return expect_put(lab, name, value, -1, err, errlen) ? -EINVAL : 0;
	if (!metric_check(name, err, errlen))
		return -EINVAL;
	lab->expect_off = 1;
	return 0;
}

static int set_key(struct lab *lab, const char *section, const char *name, const char *value,
		   char *err, size_t errlen)
{
	char from[LAB_COMMAND_MAX + 8], to[LAB_COMMAND_MAX + 8];
	const struct key *k;
	const char *hint;

	if (!section_known(section)) {
		hint = suggest_closest(section, sections, sections_count);
		snprintf(err, errlen, "unknown section '%s'%s%s%s", section,
			 hint ? "; did you mean '" : "", hint ? hint : "", hint ? "'?" : "");
		return -EINVAL;
	}
	k = key_find(section, name);
	if (!k) {
		hint = key_hint(section, name);
		snprintf(err, errlen, "unknown key '%s' in [%s]%s%s%s", name, section,
			 hint ? "; did you mean '" : "", hint ? hint : "", hint ? "'?" : "");
		return -EINVAL;
	}
	int from_line = lab->key_line[k - keys];

	key_format(lab, k, from, sizeof(from));
	if (key_assign(lab, k, value, err, errlen))
		return -EINVAL;
	lab->key_line[k - keys] = -1;
	key_format(lab, k, to, sizeof(to));
	change_note(lab, section, name, from, from_line, to);
	return 0;
}

/* Splits "section.key=value" of --set into its parts, in left[]; 0 or -EINVAL. */
static int set_split(const char *assignment, char *left, size_t len, const char **section,
		     const char **name, const char **value, struct lab_diag *diag)
{
	const char *eq = strchr(assignment, '='), *dot;
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
	if (ll >= len) {
		diag_add(diag, "--set %.40s...: key too long", assignment);
		return -EINVAL;
	}
	memcpy(left, assignment, ll);
	left[ll] = 0;
	while (ll && left[ll - 1] == ' ')
		left[--ll] = 0;
	left[dot - assignment] = 0;
	*section = left;
	*name = left + (dot - assignment) + 1;
	*value = skip_blank(eq + 1);
	return 0;
}

int lab_set(struct lab *lab, const char *assignment, struct lab_diag *diag)
{
	char left[128], err[256];
	const char *section, *name, *value;
	int rc;

	if (set_split(assignment, left, sizeof(left), &section, &name, &value, diag))
		return -EINVAL;
	if (!strcmp(section, "events"))
		return set_event(lab, name, value, diag);
	if (!strcmp(section, "sysctl"))
		rc = set_sysctl(lab, name, value, err, sizeof(err));
	else if (!strcmp(section, "expect"))
		rc = set_expect(lab, name, value, err, sizeof(err));
	else
		rc = set_key(lab, section, name, value, err, sizeof(err));
	if (rc)
		diag_add(diag, "--set %s: %s", assignment, err);
	return rc;
}

/* The [fleet] keys that go together. */
static void fleet_validate(const struct lab *lab, struct lab_diag *diag)
{
	const struct lab_fleet *f = &lab->fleet;
	char at[300], why[160];
	uint32_t a;
	struct addr6 a6;
	int any = 0, six = 0, family_line = lab->key_line[key_find("lab", "family") - keys];

	for (size_t i = 0; i < keys_count; i++)
		if (!strcmp(keys[i].section, "fleet") && lab->key_line[i] &&
		    strcmp(keys[i].name, "hosts"))
			any = 1;
	if (!lab_is_fleet(lab)) {
		if (any) {
			lab_where(lab, 0, at, sizeof(at));
			diag_add(
				diag,
				"%s: [fleet] has no hosts: name the load hosts with fleet.hosts (a pdsh host list such as load[1-3])",
				at);
		}
		return;
	}
	lab_where(lab, lab->key_line[key_find("fleet", "target") - keys], at, sizeof(at));
	if (!f->target[0])
		diag_add(
			diag,
			"%s: a fleet needs fleet.target, the service's address as the hosts reach it (the fleet sends traffic to it only)",
			at);
	else if (addr_parse(f->target, &six, &a, &a6, why, sizeof(why)))
		diag_add(diag, "%s: fleet.target: %s", at, why);
	/* a fleet's family is its target's (lab.family, when given, agrees) */
	lab_where(lab, family_line, at, sizeof(at));
	if (lab->family == FAMILY_DUAL)
		diag_add(
			diag,
			"%s: lab.family = dual: a fleet's connections go over fleet.target's family, one family per fleet; give an IPv4 or an IPv6 fleet.target and leave lab.family out",
			at);
	else if (f->target[0] && family_line && (lab->family == FAMILY_IPV6) != six)
		diag_add(
			diag,
			"%s: lab.family = %s but fleet.target %s is an %s address: a fleet's family is its target's; leave lab.family out",
			at, lab->family == FAMILY_IPV6 ? "ipv6" : "ipv4", f->target,
			six ? "IPv6" : "IPv4");
	if (f->transport == FLEET_EXEC && !f->exec[0]) {
		lab_where(lab, lab->key_line[key_find("fleet", "transport") - keys], at,
			  sizeof(at));
		diag_add(
			diag,
			"%s: fleet.transport = exec needs fleet.exec, the command that runs a command on host %%h (such as: ip netns exec %%h)",
			at);
	}
	if (f->server_host[0]) {
		struct hostlist hl;

		if (!hostlist_expand(f->hosts, &hl, why, sizeof(why))) {
			if (hostlist_find(&hl, f->server_host) >= 0) {
				lab_where(lab,
					  lab->key_line[key_find("fleet", "server_host") - keys],
					  at, sizeof(at));
				diag_add(
					diag,
					"%s: fleet.server_host %s is also a load host: a host is one or the other",
					at, f->server_host);
			}
			hostlist_free(&hl);
		}
	}
}

int lab_validate(struct lab *lab, struct lab_diag *diag)
{
	unsigned before = diag->n + diag->dropped;
	char at[300];

	/* a lab without [expect] is judged by its own target (not a fleet:
	 * its hosts have targets of their own; not if --set turned them off) */
	if (!lab->n_expect && !lab->expect_off && lab->client_mode == CLIENT_HOLD &&
	    !lab_is_fleet(lab) &&
	    expect_put(lab, "established", ">= clients.connections", 0, at, sizeof(at)))
		abort(); /* a metric of the table: a bug if it does not parse */

	for (unsigned i = 0; i < lab->n_expect; i++) {
		struct expectation *e = &lab->expect[i];
		double v;

		if (!e->ref[0])
			continue;
		lab_where(lab, e->line, at, sizeof(at));
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
	fleet_validate(lab, diag);
	events_validate(lab, diag);
	tls_validate(lab, diag);
	if (lab->client_mode == CLIENT_HOLD && lab->server_mode == SERVER_CLOSE) {
		lab_where(lab, lab->key_line[key_find("server", "mode") - keys], at, sizeof(at));
		diag_add(
			diag,
			"%s: server.mode = close cannot hold connections: use clients.mode = churn, or a server mode that keeps them (keepalive, echo, silent)",
			at);
	}
	return diag->n + diag->dropped > before ? -EINVAL : 0;
}

static const char *origin(int line, char *buf, size_t len)
{
	if (line > 0)
		snprintf(buf, len, "; line %d", line);
	else if (line == LAB_LINE_EVENT)
		snprintf(buf, len, "; --event");
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
	for (size_t i = 0; i < keys_count; i++) {
		if (!strcmp(keys[i].section, "fleet") && !lab_is_fleet(lab))
			continue; /* a lab of one machine */
		if (!strcmp(keys[i].section, "tls") && !lab->tls.enable)
			continue; /* a lab without TLS */
		if (strcmp(section, keys[i].section)) {
			section = keys[i].section;
			fprintf(out, "%s[%s]\n", i ? "\n" : "", section);
		}
		key_format(lab, &keys[i], v, sizeof(v));
		if ((keys[i].type == K_STRING || keys[i].type == K_MESSAGE ||
		     keys[i].type == K_HOSTLIST || keys[i].type == K_ADDR_TEMPLATE) &&
		    !v[0])
			continue;
		fprintf(out, "%-16s = %-16s %s\n", keys[i].name, v,
			origin(lab->key_line[i], o, sizeof(o)));
	}
	fprintf(out, "\n[sysctl]\n");
	for (unsigned i = 0; i < lab->n_sysctl; i++)
		fprintf(out, "%s%s = %s %s\n", lab->sysctl[i].optional ? "-" : "",
			lab->sysctl[i].name, lab->sysctl[i].value,
			lab->sysctl[i].line ? origin(lab->sysctl[i].line, o, sizeof(o))
					    : "; every lab");
	if (lab->n_event)
		fprintf(out, "\n[events]\n");
	for (unsigned i = 0; i < lab->n_event; i++) {
		char at[32];

		fprintf(out, "%s = %s %s\n",
			units_fmt_duration(lab->event[i].at_us, at, sizeof(at)),
			event_fmt(&lab->event[i], v, sizeof(v)),
			origin(lab->event[i].line, o, sizeof(o)));
	}
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

int lab_key_set(const struct lab *lab, const char *key)
{
	const char *dot = strchr(key, '.');
	char section[16];
	const struct key *k;

	if (!dot || (size_t)(dot - key) >= sizeof(section))
		return 0;
	snprintf(section, sizeof(section), "%.*s", (int)(dot - key), key);
	k = key_find(section, dot + 1);
	return k && lab->key_line[k - keys] != 0;
}
