#!/bin/bash
# SPDX-License-Identifier: MIT
# The memory floor holds, for real: a reduced run with lab.memory_floor
# about 2 GiB below what is free now and more connections asked than fit
# above it. The ramp stops at the floor (finding memory-floor), and MemFree,
# sampled by this test itself ten times a second, never falls more than a
# few hundred MiB below the floor, beside what the kernel gives back when
# asked: the page cache MemAvailable counted at the start, and the inodes
# and dentries that anything reading /proc/PID/fd leaves behind (on this
# kind of machine an agent reads every process's fds: 1.4 KB a connection).
# The forecast said about as many as were held. Then rootless: the pinned slab is estimated, and result.json says so.
. "$(dirname "$0")/../lib.sh"
lib_init test_floor root

kb() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }

# 250k connections: not repeated under the sanitizers (whose shadow memory
# is no connection's); it runs in the plain build's pass
floor_part() {
	# the forecast is of the memory there is now: a run that ended just
	# before still gives back its sockets (namespaces are cleaned up in the
	# background), which would count as room the forecast never saw; wait
	# (at most 90 s) until Slab stops falling
	for _ in $(seq 45); do
		s0=$(kb Slab)
		sleep 2
		[ $((s0 - $(kb Slab))) -lt 16384 ] && break
	done
	free_kb=$(kb MemFree)
	cache_kb=$(($(kb MemAvailable) - free_kb)) # what else MemAvailable counts now
	[ "$cache_kb" -gt 0 ] || cache_kb=0
	room_kb=$((2 * 1024 * 1024))
	floor_kb=$((free_kb - room_kb))
	[ "$floor_kb" -gt $((1024 * 1024)) ] || { skip_part floor "less than 3 GiB free: no room for a floor 2 GiB below it"; return; }
	# 2 GiB at about 8 KB a connection hold about 260k: ask for 400k
	asked=400000

	# MemFree and proc_inode_cache's bytes by this test, every 100 ms, until
	# the run ends (at most 5 minutes)
	proc_inodes() { awk '$1 == "proc_inode_cache" { print int($15 * $6 * 4096 / 1024) }' /proc/slabinfo; }
	proc0=$(proc_inodes)
	(for i in $(seq 3000); do echo "$(kb MemFree) $(proc_inodes)"; sleep 0.1; done) >"$tmp/free" &
	sampler=$!
	on_exit "kill $sampler 2>/dev/null"
	timeout 600 "$CONNLAB" run --set clients.connections=$asked --set clients.addresses=32 \
		--set clients.rate=unlimited --set lab.duration=3s --set lab.ramp_timeout=2m \
		--set "lab.memory_floor=${floor_kb}K" --out "$tmp/floor" >"$tmp/floor.out" 2>&1
	rc=$?
	kill $sampler 2>/dev/null
	wait $sampler 2>/dev/null
	r=$tmp/floor/result.json
	[ -f "$r" ] || { fail "no result.json (exit $rc)"; tail -20 "$tmp/floor.out"; return; }
	has_finding "$tmp/floor" memory-floor
	read -r min_kb proc_kb < <(sort -n "$tmp/free" | head -1)
	below=$(((floor_kb - min_kb) / 1024))
	proc_mib=$(((proc_kb - proc0) * (696 + 195) / 696 / 1024)) # with a dentry each
	[ "$proc_mib" -gt 0 ] || proc_mib=0
	allowed=$((300 + cache_kb / 1024 + proc_mib))
	echo "  floor $((floor_kb / 1024)) MiB; MemFree at its lowest $((min_kb / 1024)) MiB ($below MiB below the floor; allowed $allowed: 300, the cache $((cache_kb / 1024)), /proc inodes $proc_mib)"
	[ "$below" -le "$allowed" ] || fail "MemFree fell $below MiB below the floor (more than $allowed MiB)"
	$PY - "$r" "$asked" <<'PY' || fail "result.json: the floor's figures (above)"
import json, sys
j = json.load(open(sys.argv[1]))
asked = int(sys.argv[2])
m, fc, tl = j["memory"], j["forecast"], j["timeline"]
peak = j["connections"]["established_peak"]
assert m["floor_hit_s"] is not None, m
assert m["pinned_from"] == "slabinfo", m["pinned_from"]
# the floor was judged on MemAvailable less the pinned slab
assert m["usable_at_floor_bytes"] + m["pinned_at_floor_bytes"] <= m["available_at_floor_bytes"] + 4096, m
assert m["pinned_at_floor_bytes"] > 0.5 * peak * 2 * 900, (m["pinned_at_floor_bytes"], peak)
assert 100000 < peak < asked, peak
# the forecast: memory first, near what was held. At this scale the room
# is 2 GiB and what else the host does moves it: here 12 runs held from
# 0.88x to 1.21x of the forecast (an agent's /proc inodes come and go, the
# page cache, the kernel's per-CPU lists), so the bound is 0.8-1.25x; the
# ceiling page compares the two at full scale, within 10% (1.035x)
assert fc["first"] == "memory", fc["first"]
ratio = peak / fc["holds"]
print(f"  held {peak}, forecast {fc['holds']} ({ratio:.2f}x); pinned at the floor {m['pinned_at_floor_bytes'] >> 20} MiB")
assert 0.8 <= ratio <= 1.25, ratio
for col in ("mem_free_bytes", "mem_usable_bytes", "mem_pinned_bytes", "mem_available_bytes"):
    assert any(v for v in tl[col]), col
PY
	grep -q "^  floor         memory that can be had at its lowest" "$tmp/floor.out" || fail "the summary has no floor line: $(grep -A2 memory "$tmp/floor.out")"
}
case "${BUILD:-}" in
*san*) echo "  floor: skipped under the sanitizers (250k connections; it runs in the plain build's pass)" ;;
*) floor_part ;;
esac

# ---- rootless: the pinned slab from the plan's cost per socket, said ----
work="$tmp/nobody"
mkdir -p "$work" && chmod 777 "$tmp" "$work"
CL=$(cd "$(dirname "$CONNLAB")" && pwd)/$(basename "$CONNLAB")
if (cd "$work" && setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all unshare -Ur true) 2>/dev/null; then
	(cd "$work" && timeout 120 setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		env HOME="$work" XDG_RUNTIME_DIR= "$CL" run --set clients.connections=3000 --set lab.duration=2s \
		--out "$work/rl") >"$tmp/rl.out" 2>&1 || fail "rootless run: exit $?: $(tail -5 "$tmp/rl.out")"
	$PY - "$work/rl/result.json" <<'PY' || fail "rootless: the estimate is not used or not said"
import json, sys
j = json.load(open(sys.argv[1]))
m = j["memory"]
assert m["pinned_from"] == "estimate", m["pinned_from"]
assert j["forecast"]["per_conn_measured"] is False, j["forecast"]
# 3000 connections, 6000 sockets at the estimate's 1057 B: about 6 MiB
assert 5e6 < m["pinned_max_bytes"] < 8e6, m["pinned_max_bytes"]
PY
	grep -q "estimated: slabinfo is not readable" "$tmp/rl.out" || fail "rootless: the summary does not say the pinned slab is estimated: $(grep floor "$tmp/rl.out")"
else
	skip_part rootless "an ordinary user cannot create a user namespace here"
fi
[ -n "${KEEP_FLOOR:-}" ] && cp -r "$tmp/floor" "$KEEP_FLOOR"
lib_done
