#!/bin/bash
# SPDX-License-Identifier: MIT
# Root end-to-end tests of `connlab run` at a small scale: a 10k run whose
# result.json agrees with the kernel and the processes; a failed
# expectation (exit 1, junit failure); SIGINT mid-run (130, results
# written); kill -9 of the launcher (nothing left); a crashing child (3); a
# user's own server; bad labs (2). Before and after: no leftovers.
. "$(dirname "$0")/../lib.sh"
lib_init test_run root
HERE=$(cd "$(dirname "$0")" && pwd)
bg=
on_exit '[ -n "$bg" ] && kill -9 "$bg" 2>/dev/null'
host_kept

cat >"$tmp/small.lab" <<'LAB'
[lab]
name = small
duration = 2s
[server]
ports = 8081-8082
[clients]
connections = 10k
rate = 20k/s
addresses = 4
namespaces = 2
[probe]
ping_interval = 100ms
connect_interval = 500ms
[expect]
established >= clients.connections
ping.loss <= 5%
errors.total == 0
counters.srv.ListenOverflows == 0
LAB

# ---- 1. 10k connections; the results agree with the kernel and the processes ----
"$CONNLAB" run "$tmp/small.lab" --out "$tmp/r1" >"$tmp/r1.out" 2>&1; rc=$?
[ $rc = 0 ] || { fail "10k run exit $rc"; tail -20 "$tmp/r1.out"; }
for f in result.json timeline.csv junit.xml; do [ -s "$tmp/r1/$f" ] || fail "no $f"; done
# the progress lines say which ping figure they show
grep -Eq '^\[ *[0-9.]+s\] (ramp|hold) +established [0-9]+/10000  TIME_WAIT [0-9]+  ping max (-|[0-9.]+) ms  lost [0-9]+  errors [0-9]+$' "$tmp/r1.out" ||
	{ fail "no progress line with 'ping max'"; grep established "$tmp/r1.out" | head -3; }
python3 - "$tmp/r1/result.json" "$tmp/r1/timeline.csv" <<'PY' || fail "result.json does not agree"
import csv, json, sys
r = json.load(open(sys.argv[1])); rows = list(csv.DictReader(open(sys.argv[2])))
bad = []
def check(cond, what):
    if not cond: bad.append(what)
check(r["schema"] == 1 and r["outcome"] == "completed" and r["exit_status"] == 0, "outcome")
check(r["connections"]["established_peak"] == 10000, f"kernel peak {r['connections']['established_peak']}")
floods = [c for c in r["children"] if c["name"].startswith("flood")]
check(len(floods) == 2, "two floods")
check(sum(c["last_stats"]["established"] for c in floods) == 10000, "floods established")
server = [c for c in r["children"] if c["name"] == "server"][0]["last_stats"]
# the probe's new connections reach the server too
probes = r["probe_connect"]["all"]["count"] + r["probe_connect"]["all"]["failures"]
check(10000 <= server["accepted"] <= 10000 + probes + 1, f"server accepted {server['accepted']}, {probes} probes")
check(10000 <= r["counters"]["srv"]["PassiveOpens"] <= 10000 + probes + 1, f"srv PassiveOpens {r['counters']['srv']['PassiveOpens']}")
check(r["counters"]["c0"]["ActiveOpens"] + r["counters"]["c1"]["ActiveOpens"] == 10000, "ActiveOpens")
check(r["states"]["srv"]["peak"]["ESTABLISHED"] == 10000, "srv peak")
check(max(int(x["established_clients"]) for x in rows) == 10000, "timeline peak")
check(any(x["phase"] == "hold" for x in rows), "no hold rows")
check([p["name"] for p in r["phases"]] == ["preflight", "build", "servers", "before", "ramp", "hold", "drain", "teardown"], f"phases {[p['name'] for p in r['phases']]}")
check(r["ping"]["all"]["sent"] > 20 and r["ping"]["hold"]["sent"] > 0, "pings")
check(r["probe_connect"]["all"]["count"] > 3, "probe connects")
# a second of pings every 20 ms before the servers: the network quiet
q = r["ping"].get("quiet", {})
check(40 <= q.get("sent", 0) <= 55 and q.get("lost") == 0 and q.get("p99_ms", 0) > 0, f"ping.quiet {q}")
sv = [p for p in r["phases"] if p["name"] == "servers"][0]
check(sv["end_s"] - sv["start_s"] >= 1.0, f"servers phase {sv}: shorter than the quiet second")
check(all(e["holds"] for e in r["expectations"]) and len(r["expectations"]) == 4, "expectations")
check(5000 < r["memory"]["kernel_slab_per_conn_bytes"] < 20000, f"kernel memory {r['memory']['kernel_slab_per_conn_bytes']}")
# the lab's processes named by their roles, as ps and pgrep -x see them
comms = {p["role"]: p["comm"] for p in r["processes"]}
check(comms.get("server") == "connlab-server" and comms.get("flood") == "connlab-flood", f"process names {comms}")
for b in bad: print("  result.json:", b)
sys.exit(1 if bad else 0)
PY
xmllint --noout "$tmp/r1/junit.xml" || fail "junit.xml does not parse"
grep -q "connlab run of lab 'small': completed" "$tmp/r1.out" || fail "no summary"

# ---- 2. a failed expectation: exit 1, junit shows it ----
"$CONNLAB" run "$tmp/small.lab" --set clients.connections=2000 --set lab.duration=1s \
	--set 'expect.established=>= 3000' --out "$tmp/r2" >"$tmp/r2.out" 2>&1; rc=$?
[ $rc = 1 ] || fail "failed expectation: exit $rc"
grep -q '<failure message="actual: 2000; finding no-cause-found: ' "$tmp/r2/junit.xml" || fail "junit: $(cat "$tmp/r2/junit.xml")"
[ "$(json "$tmp/r2/result.json" outcome)" = "expectations failed" ] || fail "outcome $(json "$tmp/r2/result.json" outcome)"
grep -q "FAIL established >= 3000 (actual 2000)" "$tmp/r2.out" || fail "summary lacks the failure"

# ---- report: one run, two runs side by side, bad input ----
"$CONNLAB" report "$tmp/r1" >"$tmp/rep1" 2>&1 && grep -q "^  connections   10000 of 10000 established" "$tmp/rep1" || fail "report of one run: $(head -5 "$tmp/rep1")"
"$CONNLAB" report "$tmp/r1" "$tmp/r2" >"$tmp/rep2" 2>&1 && grep -Eq "^established \(peak, kernel\) +10000 +2000 +-80%" "$tmp/rep2" || fail "report of two runs: $(head -5 "$tmp/rep2")"
grep -q "FAIL established >= 3000" "$tmp/rep2" || fail "report lacks the failed expectation"
"$CONNLAB" report "$tmp/nope" >/dev/null 2>&1; [ $? = 2 ] || fail "report of a missing run"

# ---- 3. SIGINT mid-run: drained, torn down, results written, 130 ----
"$CONNLAB" run "$tmp/small.lab" --set lab.duration=60s --out "$tmp/r3" >"$tmp/r3.out" 2>&1 &
bg=$!
for _ in $(seq 100); do grep -q "phase hold" "$tmp/r3.out" && break; sleep 0.1; done
kids=$(ps -o pid= --ppid $bg | tr '\n' ' ')
kill -INT $bg; wait $bg; rc=$?; bg=
[ $rc = 130 ] || fail "SIGINT: exit $rc"
[ "$(json "$tmp/r3/result.json" outcome)" = interrupted ] || fail "SIGINT outcome"
left=$(left_of $kids)
[ -z "$left" ] || fail "survived SIGINT:$left"

# ---- 3b. a second SIGINT stops at once, and still writes the results ----
"$CONNLAB" run "$tmp/small.lab" --set lab.duration=60s --set lab.drain_timeout=60s --out "$tmp/r3b" >"$tmp/r3b.out" 2>&1 &
bg=$!
for _ in $(seq 100); do grep -q "phase hold" "$tmp/r3b.out" && break; sleep 0.1; done
kill -INT $bg; sleep 0.05; kill -INT $bg; wait $bg; rc=$?; bg=
[ $rc = 130 ] && grep -q "stopping at once" "$tmp/r3b.out" || fail "second SIGINT: exit $rc"
[ "$(json "$tmp/r3b/result.json" outcome)" = interrupted ] || fail "second SIGINT: no results"

# ---- 4. kill -9 of the launcher: nothing left ----
"$CONNLAB" run "$tmp/small.lab" --set lab.duration=60s --out "$tmp/r4" >"$tmp/r4.out" 2>&1 &
bg=$!
for _ in $(seq 100); do grep -q "phase hold" "$tmp/r4.out" && break; sleep 0.1; done
kids=$(pgrep -d ' ' -P $bg); grandkids=$(for k in $kids; do pgrep -d ' ' -P "$k"; done)
inodes=$(for f in /proc/$bg/fd/*; do readlink "$f"; done | sed -n 's/^net:\[\([0-9]*\)\]$/\1/p' | sort -u)
[ "$(echo "$inodes" | wc -w)" -ge 4 ] || fail "the launcher holds $(echo "$inodes" | wc -w) namespaces"
kill -9 $bg; wait $bg 2>/dev/null; bg=
left=$(left_of $kids $grandkids)
[ -z "$left" ] || fail "survived kill -9 of the launcher:$left"
for ino in $inodes; do
	ls -l /proc/[0-9]*/ns/net /proc/[0-9]*/fd/ 2>/dev/null | grep -q "net:\[$ino\]" && fail "namespace $ino survived"
done

# ---- 5. a child that crashes: 3, named, results written ----
"$CONNLAB" run "$tmp/small.lab" --set lab.duration=60s --out "$tmp/r5" >"$tmp/r5.out" 2>&1 &
bg=$!
for _ in $(seq 100); do grep -q "phase hold" "$tmp/r5.out" && break; sleep 0.1; done
srv=$(for k in $(pgrep -P $bg); do tr '\0' ' ' <"/proc/$k/cmdline" | grep -q " server " && echo "$k"; done | head -1)
kill -9 "$srv"
wait $bg; rc=$?; bg=
[ $rc = 3 ] || fail "crashed child: exit $rc"
grep -q "server (pid $srv) died of signal 9 during the hold phase" "$tmp/r5.out" || fail "crash not named: $(grep error "$tmp/r5.out")"
[ "$(json "$tmp/r5/result.json" outcome)" = failed ] || fail "crash outcome"

# ---- 6. a user's own server ----
"$CONNLAB" run "$tmp/small.lab" --set clients.connections=1000 --set lab.duration=2s \
	--set "server.command=python3 $HERE/keepalive_server.py {address} {port} 1" --set server.ports=8081 \
	--set expect.errors.total=off --out "$tmp/r6" >"$tmp/r6.out" 2>&1; rc=$?
[ $rc = 0 ] || { fail "user server: exit $rc"; tail -5 "$tmp/r6.out"; }
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); f=[c for c in r["children"] if c["name"].startswith("flood")]; sys.exit(0 if sum(c["last_stats"]["lines_in"] for c in f) >= 2000 else 1)' "$tmp/r6/result.json" ||
	fail "the user's server sent too few lines"
sleep 0.3
for p in $(pgrep -f "keepalive_server.py 198.18.0.1"); do alive "$p" && fail "the user's server (pid $p) outlived the run"; done

# ---- 7. bad labs and arguments: 2, before anything is built ----
"$CONNLAB" run "$tmp/small.lab" --set 'expect.nope=>= 1' >"$tmp/r7" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "unknown metric 'nope'" "$tmp/r7" || fail "unknown metric: exit $rc"
"$CONNLAB" run "$tmp/small.lab" --set clients.addresses=1 --set server.ports=8081 --set clients.namespaces=1 --set clients.connections=100k >"$tmp/r8" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "need at least 2 client addresses" "$tmp/r8" || fail "impossible plan: exit $rc"
"$CONNLAB" run "$tmp/small.lab" --out /proc/nope >"$tmp/r9" 2>&1; rc=$?
[ $rc = 3 ] && grep -q "cannot write the run directory /proc/nope" "$tmp/r9" || fail "unwritable run directory: exit $rc: $(cat "$tmp/r9")"
"$CONNLAB" run "$tmp/small.lab" --out "$tmp/r1" >"$tmp/r10" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "already holds a run" "$tmp/r10" || fail "overwriting a run: exit $rc, want 2 (a usage error)"

# ---- 8. a low open-file limit: 50k connections with 4096 files per process ----
bash -c "ulimit -n 4096 && exec '$CONNLAB' run '$tmp/small.lab' --set clients.connections=50k --set lab.duration=1s --out '$tmp/r11'" >"$tmp/r11.out" 2>&1; rc=$?
[ $rc = 0 ] || { fail "50k at 4096 files: exit $rc"; tail -5 "$tmp/r11.out"; }
[ "$(json "$tmp/r11/result.json" host.fd_limit)" = 4096 ] || fail "fd limit not seen"
[ "$(json "$tmp/r11/result.json" plan.flood_processes)" -ge 13 ] || fail "not spread: $(json "$tmp/r11/result.json" plan)"

# ---- 9. /proc/sys read-only, as in a container: connlab remounts it in a
# mount namespace of its own; the lab's sysctls are set, names still work ----
cat >"$tmp/ro.sh" <<SH
mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys || exit 99
(echo 1 >/proc/sys/net/ipv4/tcp_tw_reuse) 2>/dev/null && exit 98 # not read-only after all
'$CONNLAB' run '$tmp/small.lab' --set clients.connections=2000 --set lab.duration=1s \
	--set "sysctl.net.ipv4.ip_local_port_range=30000 39999" --out '$tmp/r12' || exit \$?
'$CONNLAB' up '$tmp/small.lab' --set lab.name=rotest --set "sysctl.net.ipv4.ip_local_port_range=30000 39999" >/dev/null || exit 97
ip netns exec connlab-rotest-c0 cat /proc/sys/net/ipv4/ip_local_port_range
'$CONNLAB' down rotest >/dev/null || exit 96
SH
unshare -m --propagation slave bash "$tmp/ro.sh" >"$tmp/r12.out" 2>&1; rc=$?
[ $rc = 0 ] || { fail "read-only /proc/sys: exit $rc"; tail -5 "$tmp/r12.out"; }
[ "$(json "$tmp/r12/result.json" outcome)" = completed ] || fail "read-only /proc/sys: the run did not complete"
grep -Eq "^30000[[:space:]]+39999$" "$tmp/r12.out" || { fail "up with read-only /proc/sys: sysctl not set in the lab"; cat "$tmp/r12.out"; }

sleep 0.5
host_same
lib_done
