#!/bin/bash
# SPDX-License-Identifier: MIT
# Rootless labs, for real (TLS too): as uid 65534 (setpriv, no capabilities) in a
# writable directory. The reduced default, time-wait and close-wait labs
# and `connlab report` give the same verdicts as root; up/ls/down keep a
# lab with a holder; kill -9 of a rootless launcher, and of a holder,
# leave no process and no namespace; a host-wide lab sysctl is refused
# before anything is built; a run that cannot run says "not run"; and
# with user namespaces off the message names the setting. Started as
# root (to become nobody); exits 77 where user namespaces are off.
. "$(dirname "$0")/../lib.sh"
lib_init test_rootless root
CL=$(cd "$(dirname "$CONNLAB")" && pwd)/$(basename "$CONNLAB")
work="$tmp/nobody"
mkdir -p "$work" && chmod 777 "$tmp" "$work"
as_nobody() { (cd "$work" && timeout 120 setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all env XDG_RUNTIME_DIR= HOME="$work" "$@"); }
as_nobody unshare -Ur true 2>/dev/null || lib_skip "an ordinary user cannot create a user namespace here"
descendants() { local p; for p in $(pgrep -P "$1"); do echo "$p"; descendants "$p"; done; }
# the processes this test started as nobody (and only those: another user
# of uid 65534 may run beside it), as PID:START, ended by PID at the end
# when still the same process
started=
on_exit 'for p in $started; do proc_same $p && kill -9 ${p%%:*} 2>/dev/null; done'
before_ns=$(ip netns list | wc -l)

# ---- 1. the labs, reduced, as nobody: the same verdicts as root ----
run_nobody() { # NAME EXPECTED-STATUS ARGS...
	local name=$1 want=$2; shift 2
	as_nobody "$CL" run "$@" --out "$work/$name" >"$tmp/$name.out" 2>&1
	local rc=$?
	[ "$rc" = "$want" ] || { fail "$name (rootless): exit $rc, expected $want"; tail -15 "$tmp/$name.out"; }
}
run_nobody default 0 --set clients.connections=3000 --set lab.duration=2s
# TLS as nobody: the certificate made in memory, both ends' handshakes
run_nobody tls 0 --set clients.connections=1000 --set clients.rate=1000/s --set lab.duration=1s \
	--set tls.enable=on --set tls.resume=tickets
$PY -c '
import json, sys
t = json.load(open(sys.argv[1]))["tls"]
assert t["clients"]["handshakes"] == t["server"]["handshakes"] == 1000, t
' "$work/tls/result.json" || fail "tls (rootless): $(grep -A6 '"clients"' "$work/tls/result.json" | head -8)"
run_nobody time-wait 0 "$(pwd)/lab/time-wait.lab" --set "sysctl.net.ipv4.ip_local_port_range=40000 40999" \
	--set clients.connections=6000 --set clients.rate=2000/s --set lab.duration=3s
run_nobody close-wait 0 "$(pwd)/lab/close-wait.lab" --set clients.connections=2000 --set lab.duration=2s
for r in default time-wait close-wait; do
	[ "$(json "$work/$r/result.json" rootless)" = True ] || fail "$r: result.json does not say rootless"
	stat -c %u "$work/$r/result.json" | grep -qx 65534 || fail "$r: the results are not the user's"
done
$PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
u = d["unavailable"]
assert "kernel_log" in u and "rootless" in u["kernel_log"], u
assert "slab_caches" in u, u
assert d["connections"]["established_peak"] == 3000
assert all(e["holds"] for e in d["expectations"]), d["expectations"]
' "$work/default/result.json" || fail "default (rootless): $(grep -A3 unavailable "$work/default/result.json")"
has_finding "$work/time-wait" ports
has_finding "$work/close-wait" close-wait
grep -q "^  ok   ping.loss" "$tmp/default.out" || fail "rootless ping: $(grep ping "$tmp/default.out")"
as_nobody "$CL" report "$work/default" >"$tmp/report.out" 2>&1 || fail "report (rootless): exit $?: $(tail -5 "$tmp/report.out")"
as_nobody "$CL" explain "$work/time-wait" >"$tmp/explain.out" 2>&1 || fail "explain (rootless): exit $?"
grep -q "^cause ports" "$tmp/explain.out" || fail "explain (rootless): $(head -5 "$tmp/explain.out")"
as_nobody "$CL" doctor --json >"$tmp/doctor.json" || fail "doctor (rootless): exit $?"
$PY -c '
import json, sys
c = {x["id"]: x for x in json.load(open(sys.argv[1]))["checks"]}
assert c["privileges"]["level"] == "ok" and c["privileges"]["found"].startswith("rootless"), c["privileges"]
assert "tried in a fresh namespace" in c["lab-sysctls"]["found"], c["lab-sysctls"]
' "$tmp/doctor.json" || fail "doctor (rootless): $(grep -A3 '"privileges"' "$tmp/doctor.json")"

# server and flood on loopback need nothing of root at all
port=$((20000 + $$ % 10000)) # below the ephemeral ports
as_nobody "$CL" server --address 127.0.0.1 --ports $port --duration 4s --stats-interval 0 >"$tmp/srv.out" 2>&1 &
srv=$!
for _ in $(seq 50); do ss -Hltn "sport = :$port" | grep -q . && break; sleep 0.1; done
as_nobody "$CL" flood --target 127.0.0.1 --ports $port --connections 500 --duration 2s --stats-interval 0 >"$tmp/flood.out" 2>&1 ||
	fail "flood (rootless): exit $?: $(tail -3 "$tmp/flood.out")"
grep -q '"established":500' "$tmp/flood.out" || fail "flood (rootless): $(tail -1 "$tmp/flood.out")"
wait "$srv" || fail "server (rootless): exit $?: $(tail -3 "$tmp/srv.out")" # it ends by itself

# ---- 2. up / ls / down, rootless ----
L=rl$$ # a name of its own
as_nobody "$CL" up --set lab.name=$L --set clients.namespaces=2 >"$tmp/up.out" 2>&1 || fail "up (rootless): exit $?: $(cat "$tmp/up.out")"
grep -q "^Lab '$L' is up, rootless: 4 namespaces" "$tmp/up.out" || fail "up: $(cat "$tmp/up.out")"
c0=$(sed -n 's/^  c0 .* -t \([0-9]*\) bash$/\1/p' "$tmp/up.out")
lab_procs="$(sed -n 's/.*kept by process \([0-9]*\).*/\1/p' "$tmp/up.out") $(sed -n 's/.* -t \([0-9]*\) bash$/\1/p' "$tmp/up.out")"
started="$started $(proc_mark $lab_procs)"
[ -n "$c0" ] || fail "up: no nsenter line for c0: $(cat "$tmp/up.out")"
as_nobody nsenter --preserve-credentials -U -n -t "$c0" ip -br addr show srv >"$tmp/c0.addr" 2>&1
grep -q "198.18" "$tmp/c0.addr" || fail "nsenter into c0: $(cat "$tmp/c0.addr")"
as_nobody "$CL" ls >"$tmp/ls.out" 2>&1
grep -q "^$L .* 4   rootless, held by process" "$tmp/ls.out" || fail "ls: $(cat "$tmp/ls.out")"
as_nobody "$CL" up --set lab.name=$L >"$tmp/up2.out" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "lab '$L' is already up" "$tmp/up2.out" || fail "a second up: exit $rc: $(cat "$tmp/up2.out")"
as_nobody "$CL" down $L >"$tmp/down.out" 2>&1 || fail "down: exit $?"
grep -q "took down $L (4 namespaces, rootless)" "$tmp/down.out" || fail "down: $(cat "$tmp/down.out")"
left=$(left_of $lab_procs)
[ -z "$left" ] || fail "down left:$left"
as_nobody "$CL" ls | grep -q "^$L " && fail "ls after down"
# kill -9 of the holder takes the lab down too
as_nobody "$CL" up --set lab.name=$L >"$tmp/up3.out" 2>&1 || fail "up again: exit $?"
holder=$(sed -n 's/.*kept by process \([0-9]*\).*/\1/p' "$tmp/up3.out")
sitters=$(sed -n 's/.* -t \([0-9]*\) bash$/\1/p' "$tmp/up3.out")
started="$started $(proc_mark $holder $sitters)"
kill -9 "$holder"
left=$(left_of $holder $sitters)
[ -z "$left" ] || fail "survived kill -9 of the holder: $left"
as_nobody "$CL" ls | grep -q "^$L " && fail "ls after kill -9 of the holder"

# the end of the login session takes it down: a session whose leader (a
# shell, as at login) exits after up
as_nobody setsid -w sh -c "\"$CL\" up --set lab.name=$L >\"$work/up4.out\" 2>&1" || fail "up in a session: exit $?"
holder=$(sed -n 's/.*kept by process \([0-9]*\).*/\1/p' "$work/up4.out")
sitters=$(sed -n 's/.* -t \([0-9]*\) bash$/\1/p' "$work/up4.out")
started="$started $(proc_mark $holder $sitters)"
[ -n "$holder" ] || fail "up in a session: $(cat "$work/up4.out")"
left=$(left_of $holder $sitters)
[ -z "$left" ] || fail "survived the end of its session:$left"

# ---- 3. kill -9 of a rootless launcher: nothing left ----
as_nobody "$CL" run --set clients.connections=1000 --set lab.duration=60s --out "$work/k9" >"$tmp/k9.out" 2>&1 &
bg=$!
for _ in $(seq 100); do grep -q "phase hold" "$tmp/k9.out" && break; sleep 0.1; done
grep -q "phase hold" "$tmp/k9.out" || fail "the rootless run did not reach its hold: $(tail -5 "$tmp/k9.out")"
launcher=$(for p in $(descendants $bg); do [ "$(cat /proc/$p/comm 2>/dev/null)" = connlab ] && echo "$p"; done | head -1)
procs="$launcher $(descendants "$launcher")"
started="$started $(proc_mark $procs)"
[ "$(echo "$procs" | wc -w)" -ge 4 ] || fail "the rootless run has $(echo "$procs" | wc -w) processes: $procs"
inodes=$(for p in $procs; do for f in /proc/$p/fd/* /proc/$p/ns/net; do readlink "$f"; done; done 2>/dev/null |
	sed -n 's/^net:\[\([0-9]*\)\]$/\1/p' | sort -u)
[ "$(echo "$inodes" | wc -w)" -ge 4 ] || fail "the rootless lab holds $(echo "$inodes" | wc -w) namespaces"
kill -9 "$launcher"
wait $bg 2>/dev/null
left=$(left_of $procs)
[ -z "$left" ] || fail "survived kill -9 of the rootless launcher: $left"
for ino in $inodes; do
	ls -l /proc/[0-9]*/ns/net /proc/[0-9]*/fd/ 2>/dev/null | grep -q "net:\[$ino\]" && fail "namespace $ino survived"
done

# ---- 4. refusals, in plain words ----
as_nobody "$CL" run --set clients.connections=100 --set sysctl.net.core.rmem_max=1000000 --out "$work/ro" >"$tmp/ro.out" 2>&1
rc=$?
[ $rc = 2 ] && grep -q "sysctl net.core.rmem_max is not per network namespace .*set it on the host as root (sysctl -w net.core.rmem_max=1000000)" "$tmp/ro.out" &&
	[ ! -e "$work/ro" ] || fail "a host-wide sysctl, rootless: exit $rc: $(tail -4 "$tmp/ro.out")"
as_nobody "$CL" plan --set sysctl.net.core.rmem_max=1000000 >"$tmp/ro-plan.out" 2>&1
[ $? = 2 ] && grep -q "is not per network namespace" "$tmp/ro-plan.out" || fail "plan does not refuse the host-wide sysctl"
as_nobody "$CL" run --keep --set clients.connections=100 >"$tmp/keep.out" 2>&1
rc=$?
[ $rc = 2 ] && grep -q "connlab up' keeps a lab" "$tmp/keep.out" || fail "--keep, rootless: exit $rc: $(cat "$tmp/keep.out")"
as_nobody "$CL" run --set clients.connections=100 --set server.setup=false --out "$work/nr" >"$tmp/nr.out" 2>&1
rc=$?
[ $rc = 3 ] || fail "a run that cannot run: exit $rc"
grep -q "^  not run established >= clients.connections (the run could not run)" "$tmp/nr.out" &&
	! grep -q "FAIL" "$tmp/nr.out" || fail "not run: $(cat "$tmp/nr.out")"
grep -q '<skipped message="not run: server.setup' "$work/nr/junit.xml" || fail "junit: not run is not skipped"
[ "$(json "$work/nr/result.json" expectations.0.verdict)" = "not run" ] || fail "result.json: verdict"
# user namespaces off (here: user.max_user_namespaces = 0 in a user namespace of root's)
unshare -Ur sh -c 'echo 0 > /proc/sys/user/max_user_namespaces &&
	exec setpriv --inh-caps=-all --bounding-set=-all "$0" run --set clients.connections=100' "$CL" >"$tmp/off.out" 2>&1
rc=$?
[ $rc = 2 ] && grep -q "user.max_user_namespaces is 0; as root: sysctl -w user.max_user_namespaces=15000" "$tmp/off.out" ||
	fail "user namespaces off: exit $rc: $(cat "$tmp/off.out")"

for p in $started; do proc_same "$p" && fail "process ${p%%:*} is left"; done
[ "$(ip netns list | wc -l)" = "$before_ns" ] || fail "a named namespace appeared"
lib_done
