/* SPDX-License-Identifier: MIT */
/* ktypes.c - the lab key types as a table: for each, its name in the
 * reference, how a value is parsed into a lab's field (with its range
 * checked) and formatted back, the range `connlab help labfile` prints,
 * and its unit for [expect] lines that name a key. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lab/labfile.h"
#include "util/text.h"
#include "lab/hostlist.h"
#include "util/suggest.h"

/* ---- parsing ---- */

/* the field of lab a key sets */
static void *field(struct lab *lab, const struct key *k)
{
	return (char *)lab + k->off;
}

int valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > LAB_NAME_MAX || s[0] == '-')
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-')
			return 0;
	return 1;
}

static int too_long(const struct key *k, const char *v, char *err, size_t errlen)
{
	if (strlen(v) <= k->max)
		return 0;
	snprintf(err, errlen, "longer than %llu characters", (unsigned long long)k->max);
	return -EINVAL;
}

static int set_text(struct lab *lab, const struct key *k, const char *v)
{
	snprintf(field(lab, k), k->max + 1, "%s", v);
	return 0;
}

static int p_name(struct lab *lab, const struct key *k, const char *v, char *err, size_t len)
{
	if (!valid_name(v)) {
		snprintf(
			err, len,
			"'%s' is not a lab name: use 1 to %d letters, digits and '-', not starting with '-'",
			v, LAB_NAME_MAX);
		return -EINVAL;
	}
	snprintf(field(lab, k), LAB_NAME_MAX + 1, "%s", v);
	return 0;
}

static int p_string(struct lab *lab, const struct key *k, const char *v, char *err, size_t len)
{
	return too_long(k, v, err, len) ? -EINVAL : set_text(lab, k, v);
}

static int p_message(struct lab *lab, const struct key *k, const char *v, char *err, size_t len)
{
	char bytes[LAB_MESSAGE_MAX + 1];
	size_t n;

	if (too_long(k, v, err, len))
		return -EINVAL;
	/* @FILE is read when the lab is planned (cli_lab_message) */
	if (*v && *v != '@' && text_unescape(v, bytes, sizeof(bytes), &n, err, len))
		return -EINVAL;
	return set_text(lab, k, v);
}

static int p_reply(struct lab *lab, const struct key *k, const char *v, char *err, size_t len)
{
	struct reply *rp = field(lab, k);

	return flood_reply_parse(v, &rp->kind, &rp->bytes, err, len);
}

static int prefix_in_range(const struct key *k, unsigned plen, char *err, size_t len)
{
	if (plen >= k->min && plen <= k->max)
		return 0;
	snprintf(err, len, "prefix length /%u is out of range: use /%llu to /%llu", plen,
		 (unsigned long long)k->min, (unsigned long long)k->max);
	return -EINVAL;
}

static int p_cidr(struct lab *lab, const struct key *k, const char *v, char *err, size_t len)
{
	struct cidr c;

	if (addr_parse_cidr(v, &c, err, len) || prefix_in_range(k, c.len, err, len))
		return -EINVAL;
	*(struct cidr *)field(lab, k) = c;
	return 0;
}

static int p_cidr6(struct lab *lab, const struct key *k, const char *v, char *err, size_t len)
{
	struct cidr6 c;

	if (addr_parse_cidr6(v, &c, err, len) || prefix_in_range(k, c.len, err, len))
		return -EINVAL;
	*(struct cidr6 *)field(lab, k) = c;
	return 0;
}

static int p_permille(struct lab *lab, const struct key *k, const char *v, char *err, size_t len)
{
	double f;

	if (units_parse_percent(v, &f, err, len))
		return -EINVAL;
	if (f < 0 || f > 1) {
		snprintf(err, len, "%s is out of range: use 0%% to 100%%", v);
		return -EINVAL;
	}
	*(uint64_t *)field(lab, k) = (uint64_t)(f * 1000 + 0.5);
	return 0;
}

static int p_ports(struct lab *lab, const struct key *k, const char *v, char *err, size_t len)
{
	return units_parse_ports(v, field(lab, k), err, len);
}

static int p_server_mode(struct lab *lab, const struct key *k, const char *v, char *err, size_t len)
{
	return server_mode_parse(v, field(lab, k), err, len);
}

static int p_client_mode(struct lab *lab, const struct key *k, const char *v, char *err, size_t len)
{
	return client_mode_parse(v, field(lab, k), err, len);
}

static int p_closer(struct lab *lab, const struct key *k, const char *v, char *err, size_t len)
{
	return closer_parse(v, field(lab, k), err, len);
}

static int p_choice(struct lab *lab, const struct key *k, const char *v, char *err, size_t len)
{
	size_t n = 0;
	int e;

	while (k->choices[n])
		n++;
	if (suggest_choice(v, k->choices, n, &e, err, len))
		return -EINVAL;
	*(int *)field(lab, k) = e;
	return 0;
}

static int p_hostlist(struct lab *lab, const struct key *k, const char *v, char *err, size_t len)
{
	struct hostlist hl;
	char why[160];

	if (too_long(k, v, err, len))
		return -EINVAL;
	if (*v && hostlist_expand(v, &hl, why, sizeof(why))) {
		snprintf(
			err, len,
			"'%s' is not a host list (%s): use pdsh's form, such as load[1-8] or a,b,c",
			v, why);
		return -EINVAL;
	}
	if (*v)
		hostlist_free(&hl);
	return set_text(lab, k, v);
}

static int p_addr_template(struct lab *lab, const struct key *k, const char *v, char *err,
			   size_t len)
{
	char sub[LAB_COMMAND_MAX + 16], why[160];
	size_t n;
	int six;

	if (too_long(k, v, err, len))
		return -EINVAL;
	/* rank 0 of a host "h" stands for every host */
	if (*v && (hostlist_subst(v, "h", 0, sub, sizeof(sub)) ||
		   addr_count_list(sub, 65536, &six, &n, why, sizeof(why)))) {
		snprintf(
			err, len,
			"'%s' is not an address list with %%n (%s): use such as 10.1.%%n.0/24 or 2001:db8:%%n::1-2001:db8:%%n::8",
			v, why);
		return -EINVAL;
	}
	return set_text(lab, k, v);
}

/* "10%", "512M", "2G", "off" */
static int p_memfloor(struct lab *lab, const struct key *k, const char *v, char *err, size_t len)
{
	static const char units[] = "KMGT";
	struct memory_floor *f = field(lab, k);
	char *end;
	unsigned long long n;

	if (!strcmp(v, "off")) {
		*f = (struct memory_floor){ 0, 0 };
		return 0;
	}
	errno = 0;
	n = strtoull(v, &end, 10);
	if (end == v || errno || *v == '-')
		goto bad;
	if (!strcmp(end, "%")) {
		if (n < k->min || n > k->max) {
			snprintf(err, len,
				 "%s is out of range: use %llu%% to %llu%%, a size or off", v,
				 (unsigned long long)k->min, (unsigned long long)k->max);
			return -EINVAL;
		}
		*f = (struct memory_floor){ n, 0 };
		return 0;
	}
	if (end[0] && strchr(units, toupper((unsigned char)end[0])) &&
	    (!end[1] || ((end[1] == 'B' || end[1] == 'i') && !end[2]) ||
	     (end[1] == 'i' && end[2] == 'B' && !end[3]))) {
		unsigned shift =
			10 * (unsigned)(strchr(units, toupper((unsigned char)end[0])) - units + 1);

		if (n && n <= (1ULL << 50) >> shift) {
			*f = (struct memory_floor){ 0, n << shift };
			return 0;
		}
	}
bad:
	snprintf(
		err, len,
		"'%s' is not a memory floor: use a percent of memory (10%%), a size (512M, 2G) or off",
		v);
	return -EINVAL;
}

/* A number in a unit, in the key's range, or the word that stands for 0
 * (off, auto; a rate's unlimited parses as 0 and needs no range). */
static int number(struct lab *lab, const struct key *k, const char *v,
		  int (*parse)(const char *, uint64_t *, char *, size_t), char *err, size_t len)
{
	const struct ktype_row *t = &ktypes[k->type];
	uint64_t u = 0;
	char a[32], b[32];

	if (!t->zero || strcmp(v, t->zero)) {
		if (parse(v, &u, err, len))
			return -EINVAL;
		if (!(u == 0 && k->type == K_RATE) && (u < k->min || u > k->max)) {
			snprintf(err, len, "%s is out of range: use %s to %s%s%s", v,
				 t->format_number(k->min, a, sizeof(a)),
				 t->format_number(k->max, b, sizeof(b)), t->zero ? ", or " : "",
				 t->zero ? t->zero : "");
			return -EINVAL;
		}
	}
	*(uint64_t *)field(lab, k) = u;
	return 0;
}

static int p_duration(struct lab *lab, const struct key *k, const char *v, char *err, size_t len)
{
	return number(lab, k, v, units_parse_duration, err, len);
}

static int p_count(struct lab *lab, const struct key *k, const char *v, char *err, size_t len)
{
	return number(lab, k, v, units_parse_count, err, len);
}

static int p_rate(struct lab *lab, const struct key *k, const char *v, char *err, size_t len)
{
	return number(lab, k, v, units_parse_rate, err, len);
}

/* ---- formatting ---- */

static uint64_t u64(const void *p)
{
	uint64_t u;

	memcpy(&u, p, sizeof(u));
	return u;
}

static void f_text(const void *p, const struct key *k, char *buf, size_t len)
{
	(void)k;
	snprintf(buf, len, "%s", (const char *)p);
}

static void f_reply(const void *p, const struct key *k, char *buf, size_t len)
{
	const struct reply *rp = p;

	(void)k;
	flood_reply_name(rp->kind, rp->bytes, buf, len);
}

static void f_cidr(const void *p, const struct key *k, char *buf, size_t len)
{
	const struct cidr *c = p;
	char a[16];

	(void)k;
	snprintf(buf, len, "%s/%u", addr_fmt_ipv4(c->addr, a, sizeof(a)), c->len);
}

static void f_cidr6(const void *p, const struct key *k, char *buf, size_t len)
{
	const struct cidr6 *c = p;
	char a[64];

	(void)k;
	snprintf(buf, len, "%s/%u", addr_fmt_ipv6(&c->addr, a, sizeof(a)), c->len);
}

static void f_permille(const void *p, const struct key *k, char *buf, size_t len)
{
	(void)k;
	snprintf(buf, len, "%g%%", (double)u64(p) / 10);
}

static void f_ports(const void *p, const struct key *k, char *buf, size_t len)
{
	(void)k;
	units_fmt_ports(p, buf, len);
}

static void f_server_mode(const void *p, const struct key *k, char *buf, size_t len)
{
	(void)k;
	snprintf(buf, len, "%s", server_mode_names[*(const enum server_mode *)p]);
}

static void f_client_mode(const void *p, const struct key *k, char *buf, size_t len)
{
	(void)k;
	snprintf(buf, len, "%s", client_mode_names[*(const enum client_mode *)p]);
}

static void f_closer(const void *p, const struct key *k, char *buf, size_t len)
{
	(void)k;
	snprintf(buf, len, "%s", closer_names[*(const enum closer *)p]);
}

static void f_choice(const void *p, const struct key *k, char *buf, size_t len)
{
	snprintf(buf, len, "%s", k->choices[*(const int *)p]);
}

static void f_memfloor(const void *p, const struct key *k, char *buf, size_t len)
{
	const struct memory_floor *f = p;

	(void)k;
	if (f->percent)
		snprintf(buf, len, "%llu%%", (unsigned long long)f->percent);
	else if (!f->bytes)
		snprintf(buf, len, "off");
	else if (f->bytes % (1 << 30) == 0)
		snprintf(buf, len, "%lluG", (unsigned long long)(f->bytes >> 30));
	else if (f->bytes % (1 << 20) == 0)
		snprintf(buf, len, "%lluM", (unsigned long long)(f->bytes >> 20));
	else
		snprintf(buf, len, "%lluK", (unsigned long long)(f->bytes >> 10));
}

/* a number through the type's own printer, or the word for 0 */
static void f_number(const void *p, const struct key *k, char *buf, size_t len)
{
	const struct ktype_row *t = &ktypes[k->type];
	uint64_t u = u64(p);

	if (!u && t->zero)
		snprintf(buf, len, "%s", t->zero);
	else
		t->format_number(u, buf, len);
}

static char *fmt_duration(uint64_t v, char *buf, size_t len)
{
	return units_fmt_duration(v, buf, len);
}

static char *fmt_count(uint64_t v, char *buf, size_t len)
{
	return units_fmt_count(v, buf, len);
}

static char *fmt_rate(uint64_t v, char *buf, size_t len)
{
	return units_fmt_rate(v, buf, len);
}

/* ---- the table ---- */

const struct ktype_row ktypes[K_TYPES] = {
	[K_NAME] = { "name", p_name, f_text },
	[K_STRING] = { "text", p_string, f_text },
	[K_DURATION] = { "duration", p_duration, f_number, fmt_duration, NULL, MU_DURATION },
	[K_DURATION_OFF] = { "duration or off", p_duration, f_number, fmt_duration, "off",
			     MU_DURATION },
	[K_COUNT] = { "count", p_count, f_number, fmt_count, NULL, MU_COUNT },
	[K_COUNT_AUTO] = { "count or auto", p_count, f_number, fmt_count, "auto", MU_COUNT },
	[K_RATE] = { "rate", p_rate, f_number, fmt_rate, "unlimited", MU_RATE },
	[K_CIDR] = { "CIDR range", p_cidr, f_cidr },
	[K_CIDR6] = { "IPv6 prefix", p_cidr6, f_cidr6 },
	[K_PERMILLE] = { "percentage", p_permille, f_permille },
	[K_PORTS] = { "port list", p_ports, f_ports },
	[K_SERVER_MODE] = { "choice", p_server_mode, f_server_mode },
	[K_CLIENT_MODE] = { "choice", p_client_mode, f_client_mode },
	[K_CLOSER] = { "choice", p_closer, f_closer },
	[K_CHOICE] = { "choice", p_choice, f_choice },
	[K_HOSTLIST] = { "host list", p_hostlist, f_text },
	[K_ADDR_TEMPLATE] = { "addresses with %n", p_addr_template, f_text },
	[K_MEMFLOOR] = { "percent, size or off", p_memfloor, f_memfloor },
	[K_MESSAGE] = { "bytes", p_message, f_text },
	[K_REPLY] = { "reply", p_reply, f_reply },
};

int key_assign(struct lab *lab, const struct key *k, const char *v, char *err, size_t errlen)
{
	return ktypes[k->type].parse(lab, k, v, err, errlen);
}

void key_format(const struct lab *lab, const struct key *k, char *buf, size_t len)
{
	ktypes[k->type].format((const char *)lab + k->off, k, buf, len);
}
