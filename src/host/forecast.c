/* SPDX-License-Identifier: MIT */
/* forecast.c - the limits a lab meets on this host, in connections held
 * at once, each computed from the host's own figures; the lowest comes
 * first. A limit row is a small function: what it allows, and why. */
#include <string.h>

#include "host/host.h"
#include "util/status.h"
#include "util/units.h"

const struct forecast_kind forecast_kinds[FC_COUNT] = {
	[FC_MEMORY] = { "memory", "memory above the floor", "comes" },
	[FC_EPOLL] = { "epoll", "epoll watches", "come" },
	[FC_PORTS] = { "ports", "local ports", "come" },
	[FC_CONNTRACK] = { "conntrack", "the conntrack table", "comes" },
	[FC_FILES] = { "files", "open files", "come" },
};

#define ROW(fc, k, ...) snprintf((fc)->row[k].why, sizeof((fc)->row[k].why), __VA_ARGS__)

/* The lab's processes each take PLAN_USER_PER_PROCESS and
 * MEM_KERNEL_PER_PROCESS before any connection; each connection its kernel
 * objects and a little user memory. What is above the floor divided by
 * that. */
static void limit_memory(struct forecast *fc, const struct host_facts *f, const struct lab *lab,
			 const struct plan *p)
{
	struct forecast_row *r = &fc->row[FC_MEMORY];
	uint64_t room;
	char a[32], b[32], c[32], d[32], s[80] = "";

	fc->available = f->mem_available;
	fc->floor = lab_memory_floor_bytes(lab, f->mem_total);
	fc->fixed = (uint64_t)(p->flood_workers + p->server_workers + 2) *
		    (PLAN_USER_PER_PROCESS + MEM_KERNEL_PER_PROCESS);
	fc->conn_bytes = mem_conn_bytes(&p->cost) + PLAN_USER_PER_CONN;
	fc->cost_measured = p->cost.measured;
	if (!f->mem_available) {
		ROW(fc, FC_MEMORY, "MemAvailable could not be read");
		return;
	}
	/* free objects of the socket caches hold sockets without a new page
	 * (no more of them than the lab asks for) */
	fc->spare = (uint64_t)p->cost.spare_bytes;
	if (fc->spare > fc->asked * fc->conn_bytes)
		fc->spare = fc->asked * fc->conn_bytes;
	room = f->mem_available + fc->spare > fc->floor + fc->fixed
		       ? f->mem_available + fc->spare - fc->floor - fc->fixed
		       : 0;
	r->applies = 1;
	r->connections = room / fc->conn_bytes;
	if (fc->spare >= (1u << 20))
		snprintf(s, sizeof(s), " and %s of free objects in the socket caches",
			 units_fmt_size(fc->spare, d, sizeof(d)));
	ROW(fc, FC_MEMORY,
	    "MemAvailable %s%s, less the floor %s and %s for %u processes, at %llu B a connection (%s)",
	    units_fmt_size(f->mem_available, a, sizeof(a)), s,
	    units_fmt_size(fc->floor, b, sizeof(b)), units_fmt_size(fc->fixed, c, sizeof(c)),
	    p->flood_workers + p->server_workers + 2, (unsigned long long)fc->conn_bytes,
	    fc->cost_measured ? "this host's slab object sizes, both ends"
			      : "estimated, both ends: /proc/slabinfo is not readable");
}

/* Both ends of every connection are watched by processes of one user. */
static void limit_epoll(struct forecast *fc, const struct host_facts *f)
{
	if (!f->epoll_watches) {
		ROW(fc, FC_EPOLL, "fs.epoll.max_user_watches could not be read");
		return;
	}
	fc->row[FC_EPOLL].applies = 1;
	fc->row[FC_EPOLL].connections = f->epoll_watches / 2;
	ROW(fc, FC_EPOLL, "fs.epoll.max_user_watches %llu, two a connection (both ends, one user)",
	    (unsigned long long)f->epoll_watches);
}

/* Held connections: one (source address, port) pair each per server port. */
static void limit_ports(struct forecast *fc, const struct lab *lab, const struct plan *p)
{
	if (lab->client_mode != CLIENT_HOLD) {
		ROW(fc, FC_PORTS, "churn: the plan's TIME_WAIT warnings say whether pairs run out");
		return;
	}
	fc->row[FC_PORTS].applies = 1;
	fc->row[FC_PORTS].connections = (uint64_t)p->addresses * p->nports * p->port_range;
	ROW(fc, FC_PORTS, "%u source addresses x %u server ports x %u local ports", p->addresses,
	    p->nports, p->port_range);
}

/* Only where stateful rules see the lab's connections: the server's
 * namespace then counts one entry a connection against the maximum. */
static void limit_conntrack(struct forecast *fc, const struct host_facts *f, const struct lab *lab,
			    const struct plan *p)
{
	struct host_needs n;

	host_needs_of(lab, p, &n);
	if (!n.stateful) {
		ROW(fc, FC_CONNTRACK, "no stateful rule sees the lab's connections");
		return;
	}
	if (!f->conntrack || !f->ct_max) {
		ROW(fc, FC_CONNTRACK, "%s; its maximum is set when nf_conntrack loads",
		    n.stateful_why);
		return;
	}
	fc->row[FC_CONNTRACK].applies = 1;
	fc->row[FC_CONNTRACK].connections = f->ct_max;
	ROW(fc, FC_CONNTRACK, "nf_conntrack_max %llu, one entry a connection: %s",
	    (unsigned long long)f->ct_max, n.stateful_why);
}

/* fs.file-max binds processes without CAP_SYS_ADMIN in the host's user
 * namespace; the plan already spreads the sockets over enough processes
 * for the open-file limit of each. */
static void limit_files(struct forecast *fc, const struct host_facts *f)
{
	if (f->init_userns && (f->cap_eff & (1ULL << CAP_BIT_SYS_ADMIN))) {
		ROW(fc, FC_FILES,
		    "fs.file-max does not bind root; the plan spreads the sockets over enough processes");
		return;
	}
	if (!f->file_max) {
		ROW(fc, FC_FILES, "fs.file-max could not be read");
		return;
	}
	fc->row[FC_FILES].applies = 1;
	fc->row[FC_FILES].connections =
		f->file_max > f->files_open ? (f->file_max - f->files_open) / 2 : 0;
	ROW(fc, FC_FILES, "fs.file-max %llu less %llu open now, two a connection",
	    (unsigned long long)f->file_max, (unsigned long long)f->files_open);
}

void host_forecast(const struct host_facts *f, const struct lab *lab, const struct plan *p,
		   struct forecast *fc)
{
	memset(fc, 0, sizeof(*fc));
	fc->asked = lab->client_mode == CLIENT_HOLD ? lab->connections : lab->inflight;
	limit_memory(fc, f, lab, p);
	limit_epoll(fc, f);
	limit_ports(fc, lab, p);
	limit_conntrack(fc, f, lab, p);
	limit_files(fc, f);
	fc->first = -1;
	for (int k = 0; k < FC_COUNT; k++)
		if (fc->row[k].applies &&
		    (fc->first < 0 || fc->row[k].connections < fc->row[fc->first].connections))
			fc->first = k;
	fc->holds = fc->first >= 0 && fc->row[fc->first].connections < fc->asked
			    ? fc->row[fc->first].connections
			    : fc->asked;
}

uint64_t forecast_epoll_raise(const struct forecast *fc)
{
	const struct forecast_row *m = &fc->row[FC_MEMORY], *e = &fc->row[FC_EPOLL];
	uint64_t want = fc->asked;

	if (m->applies && m->connections < want)
		want = m->connections;
	if (e->applies && want <= e->connections)
		return 0; /* memory (or what is asked) comes first: the cap is no limit */
	/* both ends, and the probe's and the launcher's own, to a round figure */
	return (2 * want + 1000 + 9999) / 10000 * 10000;
}

void forecast_write(const struct forecast *fc, FILE *out)
{
	char a[32], b[32];

	if (fc->first < 0)
		fprintf(out, "this host holds the %s connections asked: no limit applies\n",
			units_fmt_count(fc->asked, a, sizeof(a)));
	else if (fc->holds < fc->asked)
		fprintf(out, "this host holds about %s of the %s connections asked: %s %s first\n",
			units_fmt_count(fc->holds, a, sizeof(a)),
			units_fmt_count(fc->asked, b, sizeof(b)), forecast_kinds[fc->first].name,
			forecast_kinds[fc->first].come);
	else
		fprintf(out,
			"this host holds the %s connections asked; the nearest limit is %s, at %s\n",
			units_fmt_count(fc->asked, a, sizeof(a)), forecast_kinds[fc->first].name,
			units_fmt_count(fc->row[fc->first].connections, b, sizeof(b)));
	for (int k = 0; k < FC_COUNT; k++) {
		const struct forecast_row *r = &fc->row[k];

		if (r->applies)
			fprintf(out, "  %-23s %12llu  %s\n", forecast_kinds[k].name,
				(unsigned long long)r->connections, r->why);
		else
			fprintf(out, "  %-23s %12s  %s\n", forecast_kinds[k].name, "-", r->why);
	}
}

json_t *forecast_json(const struct forecast *fc)
{
	json_t *limits = json_object();

	for (int k = 0; k < FC_COUNT; k++) {
		const struct forecast_row *r = &fc->row[k];

		json_object_set_new(limits, forecast_kinds[k].id,
				    json_pack("{s:o, s:s}", "connections",
					      r->applies ? json_integer((json_int_t)r->connections)
							 : json_null(),
					      "why", r->why));
	}
	uint64_t raise = forecast_epoll_raise(fc);

	return json_pack("{s:I, s:I, s:o, s:I, s:b, s:I, s:I, s:I, s:I, s:o, s:o}", "asked",
			 (json_int_t)fc->asked, "holds", (json_int_t)fc->holds, "first",
			 fc->first >= 0 ? json_string(forecast_kinds[fc->first].id) : json_null(),
			 "per_conn_bytes", (json_int_t)fc->conn_bytes, "per_conn_measured",
			 fc->cost_measured, "available_bytes", (json_int_t)fc->available,
			 "spare_bytes", (json_int_t)fc->spare, "floor_bytes", (json_int_t)fc->floor,
			 "processes_bytes", (json_int_t)fc->fixed, "limits", limits,
			 "epoll_fix_watches",
			 raise ? json_integer((json_int_t)raise) : json_null());
}
