#!/bin/bash
# SPDX-License-Identifier: MIT
# connlab fleet's fault matrix over the test network (tests/fleet/net.sh):
# a load host's flood killed (-9) in the ramp, its flood stopped (SIGSTOP)
# in the hold, its sshd stopped in the ramp (the end cannot reach it), the
# ssh session serving its flood killed in the hold, the server host's
# watch killed in the hold. After each, every claim is checked against
# what the test itself saw: the server's accepted count and kernel, which
# process died and when, each host's kernel; the hosts' states and why,
# held times and the hold together, findings with their times, the
# timeline, the summary, the exit status; and nothing left in any host.
# (test_fleet.sh has the coordinator's own faults: Ctrl-C, kill -9, and a
# host's flood killed in the hold.) Exits 77 when it cannot run here.
. "$(dirname "$0")/../lib.sh"
lib_init test_fleet_faults root
. "$(dirname "$0")/net.sh"
net_need pdsh sshd ssh-keygen
P=cq$$
net_up $P 3 || { net_down $P; lib_skip "cannot build the test network"; }
on_exit "net_down $P"
net_sshd $P || fail "sshd did not start in the host namespaces"
net_lab "$tmp/f.lab" "transport = ssh" "ssh_options = -F $tmp/ssh/ssh_config"
# under the sanitizers (the second pass of CI) only the stopped flood: it
# has the code the others share (the end, its word, the host's end)
san=0
case "${BUILD:-}" in *san*) san=1 ;; esac

start() { # NAME ARGS...: the coordinator in the background, into $tmp/NAME
	local name=$1
	shift
	ip netns exec "$P-co" "$CONNLAB" fleet "$tmp/f.lab" --out "$tmp/$name" \
		--set probe.connect_interval=off "$@" >"$tmp/$name.out" 2>&1 &
	cpid=$!
}
until_phase() { # NAME PHASE: until the coordinator enters it (30 s at most)
	for _ in $(seq 150); do grep -q "^connlab fleet: $2" "$tmp/$1.out" && return 0; sleep 0.2; done
	fail "$1: the fleet never reached its $2"
	return 1
}
until_flood() { # HOST N: until its flood holds N connections (30 s); its pid
	local pid n
	for _ in $(seq 150); do
		pid=$(net_flood_pid "$1")
		n=$(ip netns exec "$1" ss -Htn state established dst 10.77.0.1 2>/dev/null | wc -l)
		[ -n "$pid" ] && [ "$n" -ge "$2" ] && echo "$pid" && return 0
		sleep 0.2
	done
	return 1
}
finish() { # NAME: waits for the coordinator; $rc its exit status
	wait $cpid
	rc=$?
}
# the checks every case shares: a dead host leaves the timeline a tick
# after its end, a finding's time is its end, the summary names it
check() { # NAME HOST PYTHON: python with r (result.json), d (the host), ok
	$PY - "$tmp/$1/result.json" "$2" "$3" <<'PYEOF'
import json, sys
r, name = json.load(open(sys.argv[1])), sys.argv[2]
hosts = {x["name"]: x for x in r["hosts"]}
d = hosts[name]
ok = [x for x in r["hosts"] if x["role"] == "load" and x["name"] != name]
tl = r["timeline"]
if d["ended_s"] is not None:
    after = [i for i, t in enumerate(tl["t_s"]) if t >= d["ended_s"] + tl["interval_s"] + 0.5]
    assert all(tl["hosts"][name]["open"][i] is None for i in after), "the dead host stays in the timeline"
for f in r["findings"]:
    if f["id"] == "host-failed" and name in f["title"]:
        assert f["since_s"] == d["ended_s"], (f["since_s"], d["ended_s"])
exec(sys.argv[3])
PYEOF
}

if [ $san = 0 ]; then
# ---- 1. a host's flood killed (-9) in the ramp ----
start ramp --set clients.connections=15000 --set clients.rate=3k/s --set lab.ramp_timeout=20s
fpid=$(until_flood "$P-h1" 1000)
[ -n "$fpid" ] && kill -9 "$fpid" || fail "ramp: no flood on $P-h1 with 1000 connections"
finish ramp
[ $rc = 1 ] || fail "ramp: exit $rc, want 1 (a host did not hold)"
check ramp "$P-h1" '
srv = [x for x in r["hosts"] if x["role"] == "server"][0]
assert r["outcome"] == "hosts failed", r["outcome"]
assert d["state"] == "failed" and d["exit_code"] == 137, (d["state"], d["exit_code"])
assert d["ended_s"] is not None and "exited with status 137 at" in d["why"], d["why"]
# it never held: no hold, no held time, nothing said of a hold
assert d["flood"]["held_s"] is None and d["flood"]["hold_seen_s"] is None, d["flood"]
assert "hold" not in d["why"], d["why"]
assert 0 < d["flood"]["established"] < 5000, d["flood"]["established"]
# the server accepted the others and what the dead one had made
assert 10000 + d["flood"]["established"] <= srv["server"]["accepted"] < 15000, (srv["server"], d["flood"])
assert all(x["state"] == "done" and x["flood"]["established"] == 5000 for x in ok), ok
# the others held together for the lab duration: the end was theirs
assert 3.9 <= r["hold"]["together_s"] <= 4.6, r["hold"]
assert d["end"] is None, d["end"]
' || fail "ramp: the claims above"
grep -q "host $P-h1 failed: .*exited with status 137 at" "$tmp/ramp.out" || fail "ramp: summary: $(grep "host $P-h1" "$tmp/ramp.out")"
net_no_leftovers "flood killed in the ramp"
fi

# ---- 2. a host's flood stopped (SIGSTOP) in the hold: it cannot answer
# the end; connlab flood --end there ends it by its pid after the grace ----
start stop --set clients.connections=15000
until_phase stop hold && sleep 1
fpid=$(net_flood_pid "$P-h1")
[ -n "$fpid" ] && kill -STOP "$fpid" || fail "stop: no flood on $P-h1"
finish stop
[ $rc = 1 ] || fail "stop: exit $rc, want 1"
check stop "$P-h1" '
srv = [x for x in r["hosts"] if x["role"] == "server"][0]
assert d["state"] == "failed" and d["end"]["exit_code"] == 3, (d["state"], d["end"])
# stopped before the coordinator told it the end, it did not answer; told
# ahead (the end goes out as the last hold begins) and stopped after, it
# heard it: either way it did not end, and was ended by its pid
assert ("did not answer the end (stopped?)" in d["why"] or "heard the end and had not ended" in d["why"]) and "ended it with SIGTERM" in d["why"], d["why"]
# its connections were held the whole time: its kernel and the server say so
assert d["kernel"]["service_peak"]["ESTABLISHED"] == 5000, d["kernel"]["service_peak"]
assert srv["server"]["accepted"] == 15000, srv["server"]
assert all(x["state"] == "done" and x["end"]["exit_code"] == 0 for x in ok), ok
' || fail "stop: the claims above"
grep -Eq "host $P-h1 failed: .*(did not answer the end|heard the end and had not ended)" "$tmp/stop.out" || fail "stop: summary: $(grep "host $P-h1" "$tmp/stop.out")"
net_no_leftovers "flood stopped in the hold"

if [ $san = 0 ]; then
# ---- 3. a host's sshd stopped in the ramp: its flood runs on (its session
# is up), the end cannot reach it, and it holds to its own bound ----
start nossh --set clients.connections=15000 --set clients.rate=3k/s --set lab.duration=3s --set lab.ramp_timeout=4s
until_phase nossh ramp && sleep 0.5
net_sshd_stop "$P-h1"
finish nossh
net_sshd_start "$P-h1" || fail "sshd of $P-h1 did not start again"
[ $rc = 0 ] || fail "nossh: exit $rc, want 0 (every host held its share)"
check nossh "$P-h1" '
srv = [x for x in r["hosts"] if x["role"] == "server"][0]
assert d["state"] == "done" and "end did not reach it" in d["why"] and "its own bound" in d["why"], (d["state"], d["why"])
assert d["end"]["exit_code"] == 255 and "Connection refused" in d["end"]["said"], d["end"]
assert d["flood"]["end_told"] is False, d["flood"]
# its bound: duration 3 s + ramp timeout 4 s + 10 s after its own ramp
assert r["hold"]["bound_s"] == 17 and 16.5 <= d["flood"]["held_s"] <= 18, (r["hold"], d["flood"]["held_s"])
assert all(2.9 <= x["flood"]["held_s"] <= 5 and x["flood"]["end_told"] for x in ok), [x["flood"] for x in ok]
assert 2.9 <= r["hold"]["together_s"] <= 3.6, r["hold"]
assert srv["server"]["accepted"] == 15000, srv["server"]
' || fail "nossh: the claims above"
grep -q "host $P-h1 done: 5000 of 5000 established, 0 errors, held 1[67]\.[0-9] s.*: it held to its own bound" "$tmp/nossh.out" ||
	fail "nossh: summary: $(grep "host $P-h1" "$tmp/nossh.out")"
net_no_leftovers "sshd stopped in the ramp"

# ---- 4. the ssh session serving a host's flood killed (-9) in the hold:
# the flood loses its reader and ends; pdsh says 255 ----
start sess --set clients.connections=15000 --set lab.duration=6s
until_phase sess hold && sleep 1
spid=$(net_session_pid "$P-h1")
[ -n "$spid" ] && kill -9 "$spid" || fail "sess: no ssh session for the flood on $P-h1"
finish sess
[ $rc = 1 ] || fail "sess: exit $rc, want 1"
check sess "$P-h1" '
assert d["state"] == "failed" and d["exit_code"] == 255, (d["state"], d["exit_code"], d["why"])
assert "status 255 at" in d["why"] and "into its hold of 6 s" in d["why"], d["why"]
# killed a second into the hold of the fleet: its own began up to 2 s before
assert 0.5 <= d["flood"]["held_s"] <= 4, d["flood"]
assert all(x["state"] == "done" for x in ok), ok
' || fail "sess: the claims above"
net_no_leftovers "ssh session killed in the hold"
# the flood on the host ended with its session: its connections are gone
n=$(ip netns exec "$P-h1" ss -Htn state established dst 10.77.0.1 2>/dev/null | wc -l)
[ "$n" = 0 ] || fail "sess: $n connections left on $P-h1"

# ---- 5. the server host's watch killed (-9) in the hold: the server runs
# on, its kernel's figures stop there and leave the timeline ----
start watch --set clients.connections=15000 --set lab.duration=12s
until_phase watch hold && sleep 1
wpid=$(for p in $(ip netns pids "$P-srv"); do
	tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q "connlab watch .*--service" && echo "$p"
done | head -1)
[ -n "$wpid" ] && kill -9 "$wpid" || fail "watch: no connlab watch on $P-srv"
finish watch
[ $rc = 0 ] || fail "watch: exit $rc, want 0 (the load held; the server ran)"
$PY - "$tmp/watch/result.json" <<'PYEOF' || fail "watch: the claims above"
import json, sys
r = json.load(open(sys.argv[1]))
srv = [x for x in r["hosts"] if x["role"] == "server"][0]
hold = [p for p in r["phases"] if p["name"] == "hold"][0]
m = srv["why"].split("its kernel's figures (connlab watch there) stopped at ")
assert len(m) == 2 and m[1].endswith(" s: none after"), srv["why"]
stopped = float(m[1].split(" s")[0])
# killed a second into the hold; its last line at most an interval before
assert hold["start_s"] - 0.5 <= stopped <= hold["start_s"] + 2.5, (stopped, hold)
# the server ran on and accepted every connection; its kernel's peak is
# what its watch saw before it died (it counts states every 2 s)
assert srv["server"]["accepted"] == 15000, srv["server"]
tl = r["timeline"]
seen = [e for e in tl["established_server"] if e is not None]
assert r["peaks"]["established_server"] == max(seen) <= 15000, (r["peaks"], max(seen))
late = 3 * tl["interval_s"] + 2 + tl["interval_s"] + 0.5
for t, e in zip(tl["t_s"], tl["established_server"]):
    if t >= stopped + late:
        assert e is None, ("a figure of a watch that was gone", t, e)
    if hold["start_s"] <= t < stopped:
        assert e is not None, (t, e)
assert any(t >= stopped + late for t in tl["t_s"]), (tl["t_s"], stopped)
PYEOF
net_no_leftovers "the server's watch killed in the hold"
fi


lib_done
