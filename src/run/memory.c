/* SPDX-License-Identifier: MIT */
/* memory.c - the host's memory during a run: the slab caches a
 * connection's kernel memory goes to, what the lab's sockets pin of the
 * reclaimable ones, and the floor, judged on MemAvailable less that. */
#define _GNU_SOURCE
#include <math.h>
#include <signal.h>
#include <string.h>

#include "run/launcher.h"

/* How far ahead the floor is judged: a ramp goes on for up to a tick
 * (100 ms) and the floods' signal, and the connects in flight still land
 * (measured: 30 to 90 MiB after the signal at 25,000 connects a second). */
#define FLOOR_LEAD_S 0.3

static int on_slab(const struct procfs_slab *s, void *arg)
{
	struct slab_cache *c = arg;
	int i = mem_cache_index(s->name);

	if (i >= 0) {
		c[i].objects += s->objects;
		c[i].bytes += s->bytes;
	}
	return 0;
}

void run_take_slabs(struct run *r, int before)
{
	struct slab_cache *c = before ? r->slab_before : r->slab_hold;

	memset(c, 0, sizeof(r->slab_before));
	if (procfs_slabinfo(on_slab, c))
		return; /* not root, or no slabinfo: "not measured" */
	if (before)
		r->have_slabinfo = 1;
	else if (r->have_slabinfo)
		r->have_slabinfo = 2;
}

void run_read_meminfo(struct run *r)
{
	char buf[8192];

	memset(&r->mem, 0, sizeof(r->mem));
	if (procfs_read_text("/proc/meminfo", buf, sizeof(buf)) < 0)
		return;
	r->mem.avail = procfs_meminfo_parse(buf, "MemAvailable");
	r->mem.free = procfs_meminfo_parse(buf, "MemFree");
	r->mem.slab = procfs_meminfo_parse(buf, "Slab");
	r->mem.t = run_elapsed(r);
}

uint64_t run_pinned_kb(const struct run *r)
{
	double ahead = r->mem.t - r->pinned_s;

	if (r->ph.now != PH_RAMP || ahead <= 0)
		return r->pinned_kb;
	/* sockets opened since the last reading, at the rate of the last two:
	 * at most two seconds ahead (a reading is taken every sample) */
	return r->pinned_kb + (uint64_t)(r->pinned_rate * (ahead < 2 ? ahead : 2));
}

uint64_t run_usable_kb(const struct run *r)
{
	return mem_usable(r->mem.avail, run_pinned_kb(r));
}

/* Sockets opened on the host since before the ramp, by the socket inodes
 * the kernel holds (each with its dentry); -1 when slabinfo is not read. */
static int64_t sockets_grown(const struct run *r)
{
	struct slab_cache now[MEM_CACHES] = { 0 };
	int i = mem_cache_index("sock_inode_cache");

	if (procfs_slabinfo(on_slab, now))
		return -1;
	return now[i].objects > r->slab_before[i].objects
		       ? (int64_t)(now[i].objects - r->slab_before[i].objects)
		       : 0;
}

void run_measure_pinned(struct run *r, uint64_t sockets)
{
	int64_t grown;
	uint64_t now;
	double t;

	/* while it moves: every sample but in the hold, every fifth there */
	if (r->ph.now < PH_RAMP || (r->ph.now == PH_HOLD && r->nrows % 5))
		return;
	/* each socket pins its inode and dentry: not a cache's growth, which
	 * counts the dentries of /proc/PID/fd that any reader leaves behind */
	grown = r->have_slabinfo ? sockets_grown(r) : -1;
	if (grown >= 0)
		sockets = (uint64_t)grown;
	now = (uint64_t)((double)sockets * r->plan->cost.pinned_bytes / 1024);
	t = run_elapsed(r);
	if (r->pinned_s > 0 && t > r->pinned_s)
		r->pinned_rate =
			now > r->pinned_kb ? (double)(now - r->pinned_kb) / (t - r->pinned_s) : 0;
	r->pinned_kb = now;
	r->pinned_s = t;
	if (r->pinned_kb > r->pinned_max_kb)
		r->pinned_max_kb = r->pinned_kb;
}

/* How fast the floor's figure falls, smoothed over the ticks. */
static void track_fall(struct run *r, uint64_t usable, double t)
{
	if (r->usable_prev_s > 0 && t > r->usable_prev_s) {
		double rate = ((double)r->usable_prev_kb - (double)usable) / (t - r->usable_prev_s);

		r->usable_fall_kb_s = 0.5 * r->usable_fall_kb_s + 0.5 * (rate > 0 ? rate : 0);
	}
	r->usable_prev_s = t;
	r->usable_prev_kb = usable;
	if (!r->usable_min_kb || usable < r->usable_min_kb) {
		r->usable_min_kb = usable;
		r->usable_min_s = t;
	}
	if (!r->mem_min_kb || r->mem.avail < r->mem_min_kb) {
		r->mem_min_kb = r->mem.avail;
		r->mem_min_s = t;
	}
}

static void floor_hit(struct run *r, uint64_t usable, double t)
{
	char a[32], f[32], p[32];

	r->floor_hit_s = t;
	r->floor_avail_kb = r->mem.avail;
	r->floor_usable_kb = usable;
	r->floor_free_kb = r->mem.free;
	r->floor_pinned_kb = run_pinned_kb(r);
	log_msg(LOGL_WARN,
		"memory that can be had (MemAvailable less %s pinned by the lab's sockets) is %s, at lab.memory_floor %s: the ramp stops and holds what is open",
		units_fmt_size(r->floor_pinned_kb * 1024, p, sizeof(p)),
		units_fmt_size(usable * 1024, a, sizeof(a)),
		units_fmt_size(r->floor_kb * 1024, f, sizeof(f)));
	for (unsigned i = 0; i < r->nchild; i++) /* not a user's command: fatal there */
		if (r->child[i].is_flood && !r->child[i].group && !r->child[i].exited)
			kill(r->child[i].pid, SIGUSR1);
	run_phase_enter(r, PH_HOLD);
}

void run_check_memory(struct run *r)
{
	double t = run_elapsed(r);
	uint64_t usable;

	run_read_meminfo(r);
	if (!r->mem.avail)
		return;
	usable = run_usable_kb(r);
	track_fall(r, usable, t);
	if (!r->floor_kb || r->ph.now >= PH_DRAIN)
		return;
	/* judged ahead: where it will be when the floods have stopped */
	if (r->ph.now == PH_RAMP && r->floor_hit_s < 0 &&
	    (double)usable < (double)r->floor_kb + r->usable_fall_kb_s * FLOOR_LEAD_S) {
		floor_hit(r, usable, t);
	} else if (usable < r->floor_kb / 2 && r->ph.now <= PH_HOLD) {
		char a[32], f[32];

		run_fail(
			r, EXIT_CANNOT_RUN,
			"memory that can be had (MemAvailable less what the lab's sockets pin) %s fell below half of lab.memory_floor %s: the run stops before the host runs out of memory",
			units_fmt_size(usable * 1024, a, sizeof(a)),
			units_fmt_size(r->floor_kb * 1024, f, sizeof(f)));
	}
}

static json_t *kb_or_null(int known, uint64_t kb)
{
	return known ? json_integer((json_int_t)kb * 1024) : json_null();
}

/* The floor's figure: MemAvailable less what the lab's sockets pin. */
static void memory_floor_figure(const struct run *r, json_t *m)
{
	int hit = r->floor_hit_s >= 0;

	json_object_set_new(m, "usable_min_bytes", kb_or_null(r->usable_min_kb, r->usable_min_kb));
	json_object_set_new(m, "usable_min_s",
			    r->usable_min_kb ? json_real(round(r->usable_min_s * 10) / 10)
					     : json_null());
	json_object_set_new(m, "usable_at_floor_bytes", kb_or_null(hit, r->floor_usable_kb));
	json_object_set_new(m, "free_at_floor_bytes", kb_or_null(hit, r->floor_free_kb));
	json_object_set_new(m, "pinned_at_floor_bytes", kb_or_null(hit, r->floor_pinned_kb));
	json_object_set_new(m, "pinned_max_bytes",
			    json_integer((json_int_t)r->pinned_max_kb * 1024));
	json_object_set_new(m, "pinned_from",
			    json_string(r->have_slabinfo ? "slabinfo" : "estimate"));
	json_object_set_new(m, "pinned_per_socket_bytes",
			    json_integer((json_int_t)(r->plan->cost.pinned_bytes + 0.5)));
}

/* The host's memory over the run, the floor, the slab caches. */
void run_memory_json(const struct run *r, json_t *m)
{
	json_t *caches;
	int64_t tracked = 0;

	json_object_set_new(m, "total_bytes", json_integer((json_int_t)r->mem_total_kb * 1024));
	json_object_set_new(m, "available_min_bytes",
			    r->mem_min_kb ? json_integer((json_int_t)r->mem_min_kb * 1024)
					  : json_null());
	json_object_set_new(m, "available_min_s",
			    r->mem_min_kb ? json_real(round(r->mem_min_s * 10) / 10) : json_null());
	json_object_set_new(m, "floor_bytes",
			    r->floor_kb ? json_integer((json_int_t)r->floor_kb * 1024)
					: json_null());
	json_object_set_new(m, "floor_hit_s",
			    r->floor_hit_s >= 0 ? json_real(round(r->floor_hit_s * 10) / 10)
						: json_null());
	json_object_set_new(m, "available_at_floor_bytes",
			    r->floor_hit_s >= 0 ? json_integer((json_int_t)r->floor_avail_kb * 1024)
						: json_null());
	memory_floor_figure(r, m);
	json_object_set_new(m, "slab_before_bytes",
			    json_integer((json_int_t)r->slab_before_kb * 1024));
	json_object_set_new(m, "slab_hold_bytes", json_integer((json_int_t)r->slab_hold_kb * 1024));
	if (r->have_slabinfo != 2) { /* no slabinfo, or no hold */
		json_object_set_new(m, "slab_caches", json_null());
		return;
	}
	caches = json_object();
	for (int i = 0; i < MEM_CACHES; i++) {
		const struct slab_cache *a = &r->slab_before[i], *b = &r->slab_hold[i];
		int64_t grow = (int64_t)b->bytes - (int64_t)a->bytes;

		tracked += grow;
		json_object_set_new(
			caches, mem_caches[i].name,
			json_pack("{s:I, s:I, s:I, s:I, s:o}", "before_bytes", (json_int_t)a->bytes,
				  "hold_bytes", (json_int_t)b->bytes, "before_objects",
				  (json_int_t)a->objects, "hold_objects", (json_int_t)b->objects,
				  "per_conn_bytes",
				  r->estab_at_mem ? json_real(round((double)grow /
								    (double)r->estab_at_mem * 10) /
							      10)
						  : json_null()));
	}
	json_object_set_new(m, "slab_caches", caches);
	json_object_set_new(
		m, "slab_other_growth_bytes",
		json_integer((json_int_t)(((int64_t)r->slab_hold_kb - (int64_t)r->slab_before_kb) *
						  1024 -
					  tracked)));
}
