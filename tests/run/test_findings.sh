#!/bin/bash
# SPDX-License-Identifier: MIT
# Findings end to end, at a small scale: a user's server under a low
# open-file limit (fd-limit, naming it), one that answers an error line and
# closes past a count (closed-by-server with its first bytes, shown in the
# summary), one that crashes (process-died), and the memory floor (the
# ramp stops and holds). Each shows in the summary, junit.xml, report.html
# and `connlab explain`. Exits 77 when it cannot run here.
. "$(dirname "$0")/../lib.sh"
lib_init test_findings root
HERE=$(cd "$(dirname "$0")" && pwd)
SRV="python3 $HERE/../servers/lineserver.py {address} {port}"
small=(--set server.ports=8081 --set lab.duration=1s --set lab.ramp_timeout=6s
	--set clients.connect_timeout=2s --set clients.rate=2000/s)

# ---- 1. a one-process server at its open-file limit ----
"$CONNLAB" run "${small[@]}" --set clients.connections=6000 --set clients.rate=5000/s \
	--set "server.command=sh -c 'ulimit -n 600; exec $SRV'" --out "$tmp/fd" >"$tmp/fd.out" 2>&1
rc=$?
[ $rc = 1 ] || { fail "fd-limit run: exit $rc"; tail -20 "$tmp/fd.out"; }
has_finding "$tmp/fd" fd-limit accept-queue
grep -Eq "cause +fd-limit: server command \(pid [0-9]+, python3\) reached its open-file limit: [0-9]+ files open of 600 allowed" "$tmp/fd.out" ||
	fail "the summary does not name the server at its limit: $(grep -A8 '^  why' "$tmp/fd.out")"
grep -q 'finding fd-limit: server command' "$tmp/fd/junit.xml" || fail "junit.xml: the failure does not name fd-limit"
grep -q 'id="finding-fd-limit"' "$tmp/fd/report.html" && grep -q 'data-finding="fd-limit"' "$tmp/fd/report.html" ||
	fail "report.html: no fd-limit section or chart marker"
"$CONNLAB" explain "$tmp/fd" >"$tmp/explain" 2>&1 || fail "explain: exit $?"
grep -q "^cause fd-limit" "$tmp/explain" && grep -q "Too many open files" "$tmp/explain" &&
	grep -q "(logs/server-command.log:[0-9]*" "$tmp/explain" || fail "explain: $(head -20 "$tmp/explain")"
"$CONNLAB" explain "$tmp/fd" --json | $PY -c 'import json,sys; f=json.load(sys.stdin); sys.exit(0 if f[0]["id"]=="fd-limit" else 1)' ||
	fail "explain --json"

# ---- 2. a server that answers an error line and closes past 300 ----
"$CONNLAB" run "${small[@]}" --set clients.connections=500 \
	--set "server.command=$SRV --max 300" --out "$tmp/max" >"$tmp/max.out" 2>&1
rc=$?
[ $rc = 1 ] || { fail "closing server: exit $rc"; tail -20 "$tmp/max.out"; }
has_finding "$tmp/max" closed-by-server
grep -q 'closed        200 by the server, which first sent "-ERR max number of clients reached\\r\\n"' "$tmp/max.out" ||
	fail "the summary does not show what the server closed: $(grep -E 'closed|errors' "$tmp/max.out")"
[ "$(json "$tmp/max/result.json" connections.closed_by_server.first_bytes)" = '-ERR max number of clients reached\r\n' ] ||
	fail "first bytes: $(json "$tmp/max/result.json" connections.closed_by_server)"

# ---- 3. a server that crashes ----
"$CONNLAB" run "${small[@]}" --set clients.connections=500 \
	--set "server.command=$SRV --crash-after 200" --out "$tmp/crash" >"$tmp/crash.out" 2>&1
rc=$?
[ $rc = 3 ] || { fail "crashing server: exit $rc"; tail -20 "$tmp/crash.out"; }
has_finding "$tmp/crash" process-died
grep -Eq "cause +process-died: server command \(pid [0-9]+, python3\) died of SIGSEGV" "$tmp/crash.out" ||
	fail "the crash is not named: $(grep -A6 '^  why' "$tmp/crash.out")"

# ---- 4. the memory floor: set above MemAvailable (by 2 GiB: it moves by
# hundreds of MiB while earlier tests free memory), the ramp stops ----
floor=$(awk '/^MemAvailable:/ {print int($2 / 1024) + 2048}' /proc/meminfo)
"$CONNLAB" run --set clients.connections=20000 --set clients.rate=5000/s --set lab.duration=1s \
	--set "lab.memory_floor=${floor}M" --out "$tmp/floor" >"$tmp/floor.out" 2>&1
rc=$?
[ $rc = 1 ] || { fail "memory floor: exit $rc"; tail -20 "$tmp/floor.out"; }
grep -q "memory that can be had (MemAvailable less .* pinned by the lab's sockets) is .*, at lab.memory_floor .*: the ramp stops and holds what is open" "$tmp/floor.out" || fail "no floor warning"
has_finding "$tmp/floor" memory-floor
peak=$(json "$tmp/floor/result.json" connections.established_peak)
[ "$peak" -lt 20000 ] || fail "the ramp did not stop at the floor: $peak established"
[ "$(json "$tmp/floor/result.json" memory.floor_bytes)" = $((floor * 1048576)) ] || fail "floor_bytes"
grep -q "phase hold" "$tmp/floor.out" || fail "no hold after the floor"

# ---- 5. explain's own errors ----
expect_run 2 "give the run directory" explain
expect_run 3 "not a run directory" explain /
expect_run 2 "unknown option '--nope'" explain "$tmp/fd" --nope
lib_done
