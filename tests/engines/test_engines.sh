#!/bin/bash
# SPDX-License-Identifier: MIT
# Root integration test of `connlab server` and `connlab flood` in lab
# namespaces built by `connlab up`: counts agree with the kernel's, >64k
# connections from one source address, TIME_WAIT exhaustion and its fix,
# every server mode, SIGTERM mid-ramp, the open-file limit, bad arguments.
# Every run is bounded by --duration. Exits 77 when it cannot run here.
. "$(dirname "$0")/../lib.sh"
lib_init test_engines root
lab=e$$
pids=()
on_exit 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; "$CONNLAB" down "$lab" >/dev/null 2>&1'
SRV="ip netns exec connlab-$lab-srv"
C0="ip netns exec connlab-$lab-c0"
C1="ip netns exec connlab-$lab-c1"

"$CONNLAB" up --set lab.name="$lab" --set clients.namespaces=2 --set clients.addresses=32 \
	--set clients.connections=2 >/dev/null || { echo "connlab up failed"; exit 1; }
# c0 and c1 have 16 client addresses each (see connlab plan)
"$CONNLAB" plan --set lab.name="$lab" --set clients.namespaces=2 --set clients.addresses=32 --set clients.connections=2 --json >"$tmp/plan.json"
addr() { python3 -c 'import ipaddress,json,sys; n=json.load(open(sys.argv[1]))["namespaces"][int(sys.argv[2])]; print(ipaddress.ip_address(n["first_address"]) + int(sys.argv[3]))' "$tmp/plan.json" "$1" "$2"; }
A0=$(addr 0 0); A0_LAST=$(addr 0 15); A1=$(addr 1 0)

# field FILE KEY: KEY of the last JSON line of FILE
field() { python3 -c 'import json,sys; l=[x for x in open(sys.argv[1]) if x.startswith("{")]; v=json.loads(l[-1]); [v:=v[k] for k in sys.argv[2].split(".")]; print(v)' "$1" "$2" 2>/dev/null; }
# wait_for FILE KEY VALUE SECONDS: until the last line's KEY is VALUE
wait_for() {
	local i
	for i in $(seq $(($4 * 10))); do [ "$(field "$1" "$2")" = "$3" ] && return 0; sleep 0.1; done
	return 1
}
start_server() { # NAME ARGS...: starts a server in srv, output in $tmp/NAME
	local name=$1; shift
	$SRV "$CONNLAB" server --address 198.18.0.1 --stats-interval 100ms "$@" >"$tmp/$name" 2>"$tmp/$name.err" &
	pids+=($!)
	sleep 0.3
}
ns_count() { # NS STATE: sockets in that state in the namespace (kernel's view)
	ip netns exec "connlab-$lab-$1" ss -Htan state "$2" | wc -l
}

# ---- 1. hold 20k; the programs' counts agree with the kernel's ----
start_server s1 --ports 8081-8084 --workers 5 --duration 120s
$C0 "$CONNLAB" flood --target 198.18.0.1 --ports 8081-8084 --source "$A0-$A0_LAST" \
	--connections 20000 --rate 20k/s --workers 2 --duration 30s --stats-interval 100ms >"$tmp/f1" 2>"$tmp/f1.err" &
fpid=$!; pids+=($fpid)
wait_for "$tmp/f1" open 20000 15 || fail "flood did not reach 20000: $(tail -1 "$tmp/f1")"
wait_for "$tmp/s1" open 20000 5 || fail "server does not count 20000: $(tail -1 "$tmp/s1")"
sleep 0.3
k_cli=$(ns_count c0 established); k_srv=$(ns_count srv established)
[ "$k_cli" = 20000 ] || fail "kernel: $k_cli established in c0, flood says $(field "$tmp/f1" open)"
[ "$k_srv" = 20000 ] || fail "kernel: $k_srv established in srv, server says $(field "$tmp/s1" open)"
grep -q "^TCP: inuse 20000 " <($C0 cat /proc/net/sockstat) || fail "sockstat in c0: $($C0 grep TCP: /proc/net/sockstat)"
[ "$(field "$tmp/f1" errors_total)" = 0 ] || fail "flood errors: $(field "$tmp/f1" errors)"
[ "$(field "$tmp/f1" ramp_s)" != None ] || fail "no ramp time"
kill -TERM $fpid; wait $fpid
[ "$(field "$tmp/f1" final)" = True ] && [ "$(field "$tmp/f1" closed)" = 20000 ] || fail "flood final line: $(tail -1 "$tmp/f1")"
[ "$(ns_count c0 established)" = 0 ] || fail "sockets left open after SIGTERM"
python3 - "$tmp/f1" <<'PY' || fail "flood stats lines"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
last = lines[-1]
assert last["established"] == 20000 and last["connect_us"]["count"] == 20000, last
c = last["connect_us"]
assert 0 < c["p50"] <= c["p90"] <= c["p99"] <= c["p999"] <= c["max"], c
assert all(a["t"] <= b["t"] for a, b in zip(lines, lines[1:]))
PY
wait_for "$tmp/s1" open 0 10 || fail "server did not see the clients close: $(tail -1 "$tmp/s1")"
[ "$(field "$tmp/s1" closed_by_peer)" = 20000 ] || fail "server closed_by_peer $(field "$tmp/s1" closed_by_peer)"

# ---- 1b. a hold's end, told (connlab fleet's one end): at a time, by its
# own user only, in its own network namespace only ----
$C0 "$CONNLAB" flood --target 198.18.0.1 --ports 8081-8084 --source "$A0-$A0_LAST" --connections 1000 \
	--hold 60s --end-name tE --stats-interval 100ms >"$tmp/fe" 2>"$tmp/fe.err" &
fpid=$!; pids+=($fpid)
for _ in $(seq 100); do [ "$(field "$tmp/fe" hold_from_s)" != None ] && [ -n "$(field "$tmp/fe" hold_from_s)" ] && break; sleep 0.1; done
[ "$(field "$tmp/fe" hold_from_s)" != None ] || fail "told end: the flood never held: $(tail -1 "$tmp/fe")"
$C0 setpriv --reuid=65534 --regid=65534 --clear-groups "$CONNLAB" flood --end tE >"$tmp/fe.nobody" 2>&1
rc=$?
[ $rc = 3 ] && grep -q "the socket is another user's" "$tmp/fe.nobody" || fail "told end by another user: exit $rc: $(cat "$tmp/fe.nobody")"
$C1 "$CONNLAB" flood --end tE >"$tmp/fe.c1" 2>&1
rc=$?
[ $rc = 1 ] && grep -q "no flood named 'tE' holds here" "$tmp/fe.c1" || fail "told end from another namespace: exit $rc: $(cat "$tmp/fe.c1")"
kill -0 $fpid 2>/dev/null || fail "told end: the flood ended at a word it should not take"
at=$(python3 -c 'import time; print(f"{time.time() + 1.5:.3f}")')
# --end returns once the flood has ended: at the time it was told, not at
# once and not at its own 60 s
$C0 "$CONNLAB" flood --end tE --end-at "$at" || fail "told end: exit $?"
late=$(python3 -c 'import sys,time; print(f"{time.time() - float(sys.argv[1]):.3f}")' "$at")
wait $fpid || fail "told end: the flood exited $?"
python3 - "$tmp/fe" "$late" <<'PY' || fail "told end: $(tail -1 "$tmp/fe")"
import json, sys
last = json.loads(open(sys.argv[1]).readlines()[-1])
assert last["final"] and last["end_told"] is True and last["closed"] == 1000, last
assert -0.1 <= float(sys.argv[2]) < 1.0, ("ended this long after its time", sys.argv[2])
PY
# a stopped flood does not answer: --end waits out the grace, then ends it
# by the pid the kernel gives for its socket (SIGTERM, SIGCONT)
$C0 "$CONNLAB" flood --target 198.18.0.1 --ports 8081-8084 --source "$A0-$A0_LAST" --connections 1000 \
	--hold 60s --end-name tS --stats-interval 100ms >"$tmp/fs" 2>"$tmp/fs.err" &
fpid=$!; pids+=($fpid)
for _ in $(seq 100); do [ "$(field "$tmp/fs" hold_from_s)" != None ] && [ -n "$(field "$tmp/fs" hold_from_s)" ] && break; sleep 0.1; done
kill -STOP $fpid
t0=$(date +%s%N)
$C0 "$CONNLAB" flood --end tS --end-grace 1s >"$tmp/fs.end" 2>&1
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ $rc = 3 ] && grep -q "did not answer the end (stopped?) and had not ended 1 s after its end: ended it with SIGTERM" "$tmp/fs.end" ||
	fail "stopped flood told to end: exit $rc: $(cat "$tmp/fs.end")"
[ $ms -ge 900 ] && [ $ms -lt 9000 ] || fail "stopped flood told to end: took $ms ms (grace 1 s)"
kill -TERM $fpid 2>/dev/null && kill -CONT $fpid 2>/dev/null # only when --end failed
wait $fpid
[ "$(field "$tmp/fs" final)" = True ] && [ "$(field "$tmp/fs" end_told)" = False ] || fail "stopped flood: last line $(tail -1 "$tmp/fs")"
# ---- 2. more than 64k connections from ONE source address ----
$C1 "$CONNLAB" flood --target 198.18.0.1 --ports 8081-8084 --source "$A1" --connections 68000 \
	--rate unlimited --inflight 2000 --duration 60s --stats-interval 100ms >"$tmp/f2" 2>"$tmp/f2.err" &
fpid=$!; pids+=($fpid)
wait_for "$tmp/f2" open 68000 40 || fail "one address: $(tail -1 "$tmp/f2")"
[ "$(ns_count c1 established)" = 68000 ] || fail "kernel: $(ns_count c1 established) established in c1"
[ "$($C1 ss -Htan state established | awk '{print $3}' | cut -d: -f1 | sort -u)" = "$A1" ] || fail "more than one source address used"
echo "  68000 connections from $A1 in $(field "$tmp/f2" ramp_s) s"
kill -TERM $fpid; wait $fpid
kill -TERM "${pids[0]}"; wait "${pids[0]}"
[ "$(field "$tmp/s1" final)" = True ] || fail "server final line"
[ "$(ns_count srv established)" = 0 ] || fail "server sockets left"

# ---- 3. churn: TIME_WAIT exhausts a small port range; tcp_tw_reuse=1 fixes it ----
for ns in c0 c1; do
	ip netns exec "connlab-$lab-$ns" sysctl -q -w net.ipv4.ip_local_port_range="40000 40999" net.ipv4.tcp_timestamps=1
done
$C0 sysctl -q -w net.ipv4.tcp_tw_reuse=0
$C1 sysctl -q -w net.ipv4.tcp_tw_reuse=1
start_server s3 --ports 8081 --mode echo --duration 30s
for ns in c0 c1; do
	ip netns exec "connlab-$lab-$ns" "$CONNLAB" flood --target 198.18.0.1 --ports 8081 --source "$([ $ns = c0 ] && echo "$A0" || echo "$A1")" \
		--mode churn --connections 2500 --rate 500/s --duration 8s --stats-interval 0 >"$tmp/churn-$ns" 2>"$tmp/churn-$ns.err" &
	pids+=($!)
done
wait "${pids[-1]}" "${pids[-2]}"
e0=$(field "$tmp/churn-c0" errors.EADDRNOTAVAIL.connect); e1=$(field "$tmp/churn-c1" errors_total)
tw0=$(ns_count c0 time-wait)
echo "  churn, 1000 local ports, 500/s: tw_reuse=0: $e0 EADDRNOTAVAIL, $tw0 TIME_WAIT; tw_reuse=1: $e1 errors"
[ "${e0:-0}" -ge 500 ] || fail "no EADDRNOTAVAIL without tcp_tw_reuse: $(tail -1 "$tmp/churn-c0")"
[ "$tw0" -ge 900 ] || fail "TIME_WAIT $tw0, expected near the 1000 ports"
[ "${e1:-99999}" -le 25 ] || fail "tcp_tw_reuse=1 still fails: $(tail -1 "$tmp/churn-c1")"
grep -q "EADDRNOTAVAIL: no free local port" "$tmp/churn-c0.err" || fail "EADDRNOTAVAIL not explained on stderr"
kill -TERM "${pids[-3]}"; wait "${pids[-3]}" 2>/dev/null
$C0 sysctl -q -w net.ipv4.ip_local_port_range="1024 65535"
$C1 sysctl -q -w net.ipv4.ip_local_port_range="1024 65535"

# ---- 4. server modes ----
start_server keep --ports 8085 --mode keepalive --interval 200ms --duration 10s
$C0 "$CONNLAB" flood --target 198.18.0.1 --ports 8085 --source "$A0" --connections 100 --duration 2100ms --stats-interval 0 >"$tmp/fk" 2>&1
lines=$(field "$tmp/fk" lines_in)
# a welcome line, then about 10 "ok" lines in 2 s
[ "$lines" -ge 800 ] && [ "$lines" -le 1200 ] || fail "keepalive: $lines lines for 100 connections in 2 s"

start_server close --ports 8086 --mode close --duration 10s
$C1 "$CONNLAB" flood --target 198.18.0.1 --ports 8086 --source "$A1" --mode churn --closer server \
	--connections 300 --rate 1000/s --duration 5s --stats-interval 0 >"$tmp/fc" 2>&1
tws=$($SRV ss -Htan state time-wait "( sport = :8086 )" | wc -l)
twc=$($C1 ss -Htan state time-wait "( dport = :8086 )" | wc -l)
[ "$tws" -ge 290 ] && [ "$twc" = 0 ] || fail "close mode: TIME_WAIT $tws on the server, $twc on the client"
# the "bye" and the FIN often come with the connect's own event: each is seen
[ "$(field "$tmp/fc" closed_by_peer)" = 300 ] || fail "close mode: the flood saw $(field "$tmp/fc" closed_by_peer) of 300 closes"

start_server silent --ports 8087 --mode silent --duration 10s
$C0 "$CONNLAB" flood --target 198.18.0.1 --ports 8087 --source "$A0" --connections 200 --duration 1s --stats-interval 0 >"$tmp/fs" 2>&1
sleep 0.3
cw=$($SRV ss -Htan state close-wait "( sport = :8087 )" | wc -l)
[ "$cw" = 200 ] || fail "silent mode: $cw CLOSE_WAIT on the server, expected 200"

before=$($SRV awk '/^TcpExt:/ { if (!h) { split($0, n); h = 1 } else { split($0, v); for (i in n) if (n[i] == "ListenOverflows") print v[i] } }' /proc/net/netstat)
start_server noacc --ports 8088 --mode noaccept --backlog 8 --duration 10s
$C1 "$CONNLAB" flood --target 198.18.0.1 --ports 8088 --source "$A1" --connections 200 --connect-timeout 1s --duration 2s --stats-interval 0 >"$tmp/fn" 2>&1
after=$($SRV awk '/^TcpExt:/ { if (!h) { split($0, n); h = 1 } else { split($0, v); for (i in n) if (n[i] == "ListenOverflows") print v[i] } }' /proc/net/netstat)
[ "$after" -gt "$before" ] || fail "noaccept: ListenOverflows $before -> $after"
[ "$(field "$tmp/noacc" accepted)" = 0 ] || fail "noaccept accepted connections"
# connects the full backlog drops time out after 1 s: the flood's timer finds them
to=$(field "$tmp/fn" errors.ETIMEDOUT.connect)
[ "${to:-0}" -gt 0 ] || fail "noaccept: no connect timed out: $(tail -1 "$tmp/fn")"

# ---- 5. the open-file limit: a full worker leaves the group, the other takes the rest ----
# 300 files: 267 connections per worker at most; 533 over 2 workers fill one of them
$SRV bash -c "ulimit -n 300; exec '$CONNLAB' server --address 198.18.0.1 --ports 8089 --workers 2 --duration 20s --stats-interval 100ms" >"$tmp/lim" 2>"$tmp/lim.err" &
pids+=($!)
sleep 0.3
$C0 "$CONNLAB" flood --target 198.18.0.1 --ports 8089 --source "$A0-$A0_LAST" --connections 533 --rate 2000/s --duration 8s --stats-interval 100ms >"$tmp/fl" 2>&1 &
fpid=$!; pids+=($fpid)
wait_for "$tmp/fl" open 533 7 || fail "fd limit: flood $(tail -1 "$tmp/fl")"
wait_for "$tmp/lim" open 533 3 || fail "fd limit: server $(tail -1 "$tmp/lim")"
grep -q "near its open-file limit 300: stops accepting" "$tmp/lim.err" || fail "no worker left the group: $(cat "$tmp/lim.err")"
[ "$(field "$tmp/lim" errors.EMFILE)" = "" ] || fail "a worker ran into EMFILE: $(tail -1 "$tmp/lim")"
$SRV bash -c "ulimit -n 300; exec '$CONNLAB' server --address 198.18.0.1 --ports 8090 --workers auto --max-connections 520 --duration 1s --stats-interval 0" >"$tmp/auto" 2>&1
[ "$(field "$tmp/auto" workers)" = 3 ] || fail "auto workers for 520 connections at 300 files: $(field "$tmp/auto" workers)"
kill -TERM $fpid; wait $fpid

# ---- 6. bad arguments ----
bad() { # EXPECTED-TEXT ARGS...
	local want=$1; shift
	"$CONNLAB" "$@" >"$tmp/bad" 2>&1; local rc=$?
	[ $rc = 2 ] && grep -q -- "$want" "$tmp/bad" || fail "connlab $*: exit $rc: $(head -2 "$tmp/bad")"
}
bad "--target ADDRESS is required" flood --connections 5
bad "'20k' has no unit: write it as 20k/s" flood --target 198.18.0.1 --rate 20k
bad "is not one of hold, churn" flood --target 198.18.0.1 --mode hodl
bad "a flood always ends" flood --target 198.18.0.1 --duration 0
bad "unknown option '--frob'" flood --target 198.18.0.1 --frob
bad "--ports: '0': ports are 1 to 65535" server --ports 0
bad "--mode: 'x' is not one of keepalive" server --mode x
bad "need more local ports than the" flood --target 198.18.0.1 --source 198.18.0.33 --connections 200000
bad "--end: expected 1 to 64 letters" flood --end 'a b'
bad "--end-at: expected seconds since 1970" flood --end x --end-at soon
bad "--end-name needs --hold" flood --target 198.18.0.1 --end-name x
bad "need at least 11 flood workers" flood --target 198.18.0.1 --source 198.18.0.33-198.18.0.48 --ports 8081-8084 --connections 200000 --workers 2

for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
wait 2>/dev/null
lib_done
