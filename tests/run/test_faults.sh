#!/bin/bash
# SPDX-License-Identifier: MIT
# The fault matrix of `connlab run`: each kind of lab process (the server,
# a server worker, a flood, a flood worker) killed with SIGKILL, ended
# with SIGTERM (it exits on its own), or stopped with SIGSTOP, in the ramp
# or the hold; the user's own server (server.command) killed; and the
# launcher itself stopped and continued. After each: nothing left behind, and what the run says
# checked against what the test did and saw itself: the exit status and
# outcome, the process named with its pid, signal and phase in the output
# and in result.json, the time it ended inside that phase, and the
# timeline's established count against the kernel's count the test read.
. "$(dirname "$0")/../lib.sh"
lib_init test_faults root
bg=
stopped=
on_exit '[ -n "$bg" ] && kill -9 "$bg" 2>/dev/null; [ -n "$stopped" ] && kill -CONT $stopped 2>/dev/null'
host_kept

cat >"$tmp/f.lab" <<'LAB'
[lab]
name = faults
duration = 9s
[server]
ports = 8081-8082
workers = 2
[clients]
connections = 6000
rate = 1500/s
addresses = 2
namespaces = 1
workers = 2
[probe]
ping_interval = 100ms
connect_interval = 500ms
LAB

# pid_of KIND: the launcher's child (server, flood) or one of its workers
pid_of() {
	local role=${1%-worker} k
	for k in $(pgrep -P $bg); do
		tr '\0' ' ' <"/proc/$k/cmdline" 2>/dev/null | grep -q " $role " || continue
		if [ "$1" = "$role" ]; then echo "$k"; else pgrep -P "$k" | head -1; fi
		return
	done
}

# fault KIND SIGNAL PHASE: runs the lab, sends SIGNAL to KIND in PHASE
fault() {
	local kind=$1 sig=$2 phase=$3 name=$1-$2-$3 pid kids
	"$CONNLAB" run "$tmp/f.lab" --out "$tmp/$name" >"$tmp/$name.out" 2>&1 &
	bg=$!
	for _ in $(seq 200); do grep -q "phase $phase" "$tmp/$name.out" && break; sleep 0.05; done
	sleep 1
	pid=$(pid_of "$kind")
	[ -n "$pid" ] || { fail "$name: no $kind to signal"; kill -9 $bg; bg=; return; }
	kids=$(pgrep -d ' ' -P $bg; for k in $(pgrep -P $bg); do pgrep -d ' ' -P "$k"; done)
	kill -"$sig" "$pid"
	[ "$sig" = STOP ] && stopped=$pid
	timeout 60 tail --pid=$bg -f /dev/null
	wait $bg
	echo "$?" >"$tmp/$name.rc"
	bg=
	[ -n "$stopped" ] && { kill -CONT "$stopped" 2>/dev/null; stopped=; }
	left=$(left_of $kids)
	[ -z "$left" ] || fail "$name: processes left:$left"
	echo "$pid" >"$tmp/$name.pid"
}

# claims NAME: result.json against the test's truth
claims() {
	local name=$1 kind=$2 sig=$3 phase=$4
	$PY - "$tmp/$name/result.json" "$(cat "$tmp/$name.rc")" "$(cat "$tmp/$name.pid")" "$kind" "$sig" "$phase" "$tmp/$name.out" <<'PY' || fail "$name: $(grep -E 'error|stopped|died' "$tmp/$name.out" | head -3)"
import json, sys
res, rc, pid, kind, sig, phase, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6], open(sys.argv[7]).read()
r = json.load(open(res))
signo = {"KILL": 9, "TERM": 15, "STOP": 19}[sig]
bad = []
def check(ok, what):
    if not ok: bad.append(what)
role = kind.split("-")[0]
ph = {p["name"]: p for p in r["phases"]}
words = r["reason"] or ""
if sig == "STOP":
    # a stopped process is a state, not an end: the run goes on, names it
    # and when it was first seen stopped; the teardown ends it at once
    check(rc == 0 and r["outcome"] == "completed", f"exit {rc}, outcome {r['outcome']}")
    p = [x for x in r["processes"] if x["pid"] == pid]
    st = p[0]["stopped"] if p else None
    check(st and st["phase"] == phase and ph[phase]["start_s"] <= st["t_s"] <= ph[phase]["end_s"], f"stopped {st}, {phase} {ph.get(phase)}")
    f = [x for x in r["findings"] if x["id"] == "process-stopped"]
    check(f and f"pid {pid}" in f[0]["title"] and f"in the {phase} phase" in f[0]["title"], f"finding {f}")
    check(f"(pid {pid}) is stopped" in out, "no warning in the output")
    td = ph["teardown"]["end_s"] - ph["teardown"]["start_s"]
    check(td < 10, f"teardown took {td:.1f} s")
else:
    # the run failed, said so, and named the process, its pid and the phase
    check(rc == 3 and r["outcome"] == "failed", f"exit {rc}, outcome {r['outcome']}")
    check(f"pid {pid})" in words, f"pid {pid} not named: {words}")
    check(f"during the {phase} phase" in words, f"phase not named: {words}")
    if sig == "KILL":
        check("signal 9" in words, f"signal not named: {words}")
    # the child's end, as the launcher reaped it, inside the phase
    ends = [p["exit"] for p in r["processes"] if p["main"] and p["role"] == role and p["exit"]]
    check(any(e["phase"] == phase and ph[phase]["start_s"] <= e["t_s"] <= ph[phase]["end_s"] + 1.5 for e in ends),
          f"ends {ends} not in the {phase} phase {ph.get(phase)}")
    f = [x for x in r["findings"] if x["id"] == "process-died"]
    check(f and f[0]["severity"] == "cause", f"process-died {f}")
    if f and kind.endswith("worker"):  # the worker's own line among its last words
        check(any(f"(pid {pid})" in str(e.get("value")) for e in f[0]["evidence"]), f"worker not cited: {f[0]['evidence']}")
# no nan or (null) anywhere a user reads
check("nan" not in out.split() and "(null)" not in out, "nan or (null) in the output")
for b in bad: print(f"  {res}: {b}")
sys.exit(1 if bad else 0)
PY
}

# under the sanitizers (CI's second pass) one fault of each signal: the
# same paths of the launcher, at a third of the time
cases=("server-worker KILL hold" "flood KILL ramp" "flood-worker KILL hold"
	"flood TERM hold" "server TERM ramp" "flood-worker STOP hold" "server-worker STOP hold"
	"flood-worker KILL ramp" "server-worker KILL ramp")
case "${BUILD:-}" in *san*) cases=("server-worker KILL hold" "flood TERM hold" "flood-worker STOP hold") ;; esac
for c in "${cases[@]}"; do
	set -- $c
	fault "$1" "$2" "$3"
	[ -s "$tmp/$1-$2-$3/result.json" ] || { fail "$1-$2-$3: no result.json: $(tail -3 "$tmp/$1-$2-$3.out")"; continue; }
	claims "$1-$2-$3" "$1" "$2" "$3"
done

# the launcher itself stopped (SIGSTOP) for 2.5 s in the hold, then
# continued: the run completes, and says its samples of then were late
"$CONNLAB" run "$tmp/f.lab" --out "$tmp/launcher" >"$tmp/launcher.out" 2>&1 &
bg=$!
for _ in $(seq 200); do grep -q "phase hold" "$tmp/launcher.out" && break; sleep 0.05; done
sleep 1
kill -STOP $bg
stopped=$bg
sleep 2.5
kill -CONT $bg
stopped=
wait $bg
rc=$?
bg=
[ $rc = 0 ] || fail "launcher stopped: exit $rc: $(tail -3 "$tmp/launcher.out")"
$PY - "$tmp/launcher/result.json" <<'PY' || fail "launcher stopped: the claims above"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["outcome"] == "completed", r["outcome"]
lag = [x for x in r["timeline"]["sample_lag_ms"] if x is not None]
assert max(lag) >= 1000, max(lag)  # a sample came due in the 2.5 s
f = [x for x in r["findings"] if x["id"] == "launcher-delayed"]
assert f and "ran late (up to" in f[0]["title"], [x["id"] for x in r["findings"]]
hold = [p for p in r["phases"] if p["name"] == "hold"][0]
assert hold["start_s"] <= f[0]["since_s"] <= hold["end_s"] + 1, (f[0]["since_s"], hold)
assert not [x for x in r["findings"] if x["id"] in ("process-died", "process-stopped")], r["findings"]
PY

# the user's own server (redis-server, server.command) killed (-9) in the
# hold: the run fails and names it, its pid, the signal and the phase
if command -v redis-server >/dev/null; then
	cat >"$tmp/u.lab" <<'LAB'
[lab]
name = faults-user
duration = 8s
[server]
ports = 6379
command = redis-server --bind {address} --port {port} --save "" --appendonly no --protected-mode no --daemonize no --maxclients 100000 --logfile ""
[clients]
connections = 2000
rate = 2000/s
addresses = 1
namespaces = 1
LAB
	"$CONNLAB" run "$tmp/u.lab" --out "$tmp/user" >"$tmp/user.out" 2>&1 &
	bg=$!
	for _ in $(seq 200); do grep -q "phase hold" "$tmp/user.out" && break; sleep 0.05; done
	sleep 1
	# redis-server among the launcher's descendants
	upid=$($PY - "$bg" <<'PY'
import os, sys
kids = {}
for p in os.listdir("/proc"):
    if p.isdigit():
        try: kids.setdefault(open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[1], []).append(p)
        except OSError: pass
todo = [sys.argv[1]]
while todo:
    p = todo.pop()
    try:
        if open(f"/proc/{p}/comm").read().strip() == "redis-server": print(p); break
    except OSError: pass
    todo += kids.get(p, [])
PY
)
	[ -n "$upid" ] && kill -9 "$upid" || fail "user's server: no redis-server under the launcher"
	wait $bg
	rc=$?
	bg=
	[ $rc = 3 ] || fail "user's server killed: exit $rc, want 3"
	$PY - "$tmp/user/result.json" "$upid" <<'PY' || fail "user's server killed: $(grep -E 'error|died' "$tmp/user.out" | head -3)"
import json, sys
r, pid = json.load(open(sys.argv[1])), int(sys.argv[2])
assert r["outcome"] == "failed", r["outcome"]
w = r["reason"] or ""
assert f"pid {pid})" in w and "during the hold phase" in w and "signal 9" in w, w
f = [x for x in r["findings"] if x["id"] == "process-died"]
assert f and f[0]["severity"] == "cause", f
hold = [p for p in r["phases"] if p["name"] == "hold"][0]
ends = [p["exit"] for p in r["processes"] if p["pid"] == pid and p["exit"]]
assert ends and ends[0]["phase"] == "hold" and hold["start_s"] <= ends[0]["t_s"] <= hold["end_s"] + 1.5, (ends, hold)
PY
else
	skip_part "the user's server killed" "redis-server is not installed (apt-get install redis-server)"
fi

host_same
lib_done
