#!/bin/bash
# SPDX-License-Identifier: MIT
# test_servers.sh - the servers users bring, each asked past its own limit
# at a reduced scale: the cause finding names the program's setting and
# quotes its own words; then the finding's own fix (its --set line, or its
# config edit, read from result.json) is applied and the run passes. Also:
# a server that will not start, one killed mid-run (cause findings, their
# last lines, no nan anywhere), a lab without [expect] that misses its
# target, a --set that removes the problem a lab asserts, and reply
# latency against the probe's lock-step figure.
. "$(dirname "$0")/../lib.sh"
lib_init test_servers root
CL=$(realpath "$CONNLAB")
chmod 755 "$tmp"

# run NAME EXIT ARGS...: a short lab run into $tmp/NAME; its exit status
run() {
	local name=$1 want=$2 rc
	shift 2
	timeout 300 "$CL" run --set lab.duration=2s --set lab.ramp_timeout=15s \
		--set clients.namespaces=1 --set clients.addresses=4 --out "$tmp/$name" "$@" \
		>"$tmp/$name.out" 2>&1
	rc=$?
	[ "$rc" = "$want" ] || fail "$name: exit $rc, not $want: $(tail -12 "$tmp/$name.out")"
	return 0
}

# try_of RUNDIR: the --set line of its server-limit finding, as words
try_of() {
	$PY -c '
import json, shlex, sys
f = [f for f in json.load(open(sys.argv[1] + "/result.json"))["findings"] if f["id"] == "server-limit"]
print("\n".join(shlex.split(f[0]["try"])) if f and f[0]["try"] else "")' "$1"
}

# quotes RUNDIR TEXT: the server-limit finding quotes TEXT and names a setting
quotes() {
	$PY -c '
import json, sys
f = [f for f in json.load(open(sys.argv[1] + "/result.json"))["findings"] if f["id"] == "server-limit"]
assert f and f[0]["severity"] == "cause", f
assert sys.argv[2] in f[0]["title"], f[0]["title"]
assert any(e["what"] == "the setting in force" for e in f[0]["evidence"]), f[0]["evidence"]' "$1" "$2" ||
		fail "$1: server-limit does not quote '$2': $(grep -A2 'why' "$1.out" | head -4)"
}

# fixed NAME RUNDIR EXTRA...: the run again with its finding's --set line
fixed() {
	local name=$1 from=$2 sets=()
	shift 2
	mapfile -t sets < <(try_of "$from")
	[ ${#sets[@]} = 2 ] || { fail "$from: no --set line in server-limit"; return; }
	run "$name" 0 "$@" "${sets[@]}"
}

# past_limit NAME QUOTE SERVER-COMMAND ARGS...: the server past its limit
# (exit 1, server-limit quoting QUOTE), then with its finding's fix (exit 0)
past_limit() {
	local name=$1 quote=$2 cmd=$3
	shift 3
	run "$name" 1 "$@" --set "server.command=$cmd"
	has_finding "$tmp/$name" server-limit
	quotes "$tmp/$name" "$quote"
	fixed "$name-fixed" "$tmp/$name" "$@"
}

# ---- memcached: -c on the command line ----
if command -v memcached >/dev/null; then
	M=(--set server.ports=11211 --set clients.connections=1500)
	past_limit mc "Too many open connections" 'memcached -u root -l {address} -p {port} -c 500' "${M[@]}"
	$PY -c 'import json,sys; ids=[f["id"] for f in json.load(open(sys.argv[1]))["findings"]]; assert "fd-limit" not in ids and "closed-by-server" not in ids, ids' \
		"$tmp/mc/result.json" || fail "memcached: fd-limit or closed-by-server beside server-limit"

	# one that will not start: -c past the hard limit (exit 71)
	run mc-start 3 "${M[@]}" --set 'server.command=memcached -u root -l {address} -p {port} -c 1000000'
	has_finding "$tmp/mc-start" server-limit process-died
	grep -q "EX_OSERR" "$tmp/mc-start/result.json" || fail "mc-start: no EX_OSERR"
	grep -q '"file": *"logs/server-command.log"' "$tmp/mc-start/result.json" ||
		fail "mc-start: the last lines are not cited"
	fixed mc-start-fixed "$tmp/mc-start" "${M[@]}"
	"$CL" explain "$tmp/mc-start" >"$tmp/mc-start.explain"
	grep -qi "\bnan\b\|(null)\|No findings" "$tmp/mc-start.out" "$tmp/mc-start.explain" \
		"$tmp/mc-start/report.html" "$tmp/mc-start/junit.xml" &&
		fail "mc-start: nan, (null) or 'No findings': $(grep -i '\bnan\b\|(null)\|No findings' "$tmp/mc-start.out" "$tmp/mc-start.explain" | head -3)"

	# killed mid-run: its last lines, no nan
	timeout 120 "$CL" run --set lab.duration=8s --set clients.namespaces=1 "${M[@]}" \
		--set 'server.command=memcached -u root -l {address} -p {port} -c 4000 -vv' \
		--out "$tmp/mc-kill" >"$tmp/mc-kill.out" 2>&1 &
	bg=$!
	mc=
	for _ in $(seq 100); do
		grep -q "phase hold" "$tmp/mc-kill.out" && break
		sleep 0.1
	done
	for p in $(pgrep -P "$bg") $(pgrep -P "$(pgrep -P "$bg" | head -1)" 2>/dev/null); do
		[ "$(cat /proc/$p/comm 2>/dev/null)" = memcached ] && mc=$p
	done
	if [ -n "$mc" ]; then kill -9 "$mc"; else fail "mc-kill: memcached not found under $bg"; fi
	wait "$bg"
	rc=$?
	[ $rc = 3 ] || fail "mc-kill: exit $rc"
	has_finding "$tmp/mc-kill" process-died
	grep -q "died of SIGKILL (killed" "$tmp/mc-kill/result.json" || fail "mc-kill: SIGKILL not in words"
	grep -qi "\bnan\b\|(null)" "$tmp/mc-kill.out" && fail "mc-kill: nan in the summary"
else
	skip_part memcached "memcached is not installed"
fi

# ---- redis: --maxclients on the command line ----
if command -v redis-server >/dev/null; then
	R=(--set server.ports=6379 --set clients.connections=1500)
	past_limit redis "max number of clients reached" \
		'redis-server --bind {address} --port {port} --save "" --appendonly no --protected-mode no --daemonize no --logfile "" --maxclients 500' \
		"${R[@]}"
else
	skip_part redis "redis-server is not installed"
fi

# ---- nginx: worker_connections in its config; a lab without [expect] ----
if command -v nginx >/dev/null; then
	mkdir -p "$tmp/ng"
	cat >"$tmp/ng/nginx.conf" <<EOF
worker_processes 1;
daemon off;
error_log stderr warn;
pid $tmp/ng/nginx.pid;
events {
	worker_connections 256;
}
http {
	access_log off;
	client_body_temp_path $tmp/ng;
	server { listen 8081; return 200 "ok\n"; }
}
EOF
	cat >"$tmp/ng/ng.lab" <<EOF
[lab]
name = ng
[server]
ports = 8081
command = nginx -p $tmp/ng -c $tmp/ng/nginx.conf -e stderr
[clients]
connections = 1000
EOF
	run nginx 1 "$tmp/ng/ng.lab"
	has_finding "$tmp/nginx" server-limit
	quotes "$tmp/nginx" "worker_connections are not enough"
	grep -q "established >= clients.connections" "$tmp/nginx.out" || fail "nginx: the lab's own target is not judged"
	# the finding's edit, applied to the config
	$PY -c '
import json, sys
f = [f for f in json.load(open(sys.argv[1] + "/result.json"))["findings"] if f["id"] == "server-limit"][0]
e = f["edit"]
lines = open(e["file"]).read().split("\n")
assert lines[e["line"] - 1].strip() == e["from"], (lines[e["line"] - 1], e)
lines[e["line"] - 1] = lines[e["line"] - 1].replace(e["from"], e["to"])
open(e["file"], "w").write("\n".join(lines))' "$tmp/nginx" || fail "nginx: the finding has no edit that applies"
	run nginx-fixed 0 "$tmp/ng/ng.lab"
else
	skip_part nginx "nginx is not installed"
fi

# ---- HAProxy: maxconn; it stops accepting ----
if command -v haproxy >/dev/null; then
	mkdir -p "$tmp/ha"
	cat >"$tmp/ha/haproxy.cfg" <<EOF
global
	maxconn 300
defaults
	mode http
	timeout client 60s
	timeout connect 5s
	timeout server 5s
frontend fe
	bind :8081
	http-request return status 200 content-type text/plain string ok
EOF
	H=(--set server.ports=8081 --set clients.connections=1500 --set clients.connect_timeout=2s)
	run haproxy 1 "${H[@]}" --set "server.command=haproxy -db -f $tmp/ha/haproxy.cfg"
	has_finding "$tmp/haproxy" server-limit
	$PY -c '
import json, sys
f = [f for f in json.load(open(sys.argv[1] + "/result.json"))["findings"] if f["id"] == "server-limit"][0]
assert "HAProxy" in f["title"] and "maxconn 300" in f["title"], f["title"]
assert f.get("edit") or f["try"], f' "$tmp/haproxy" || fail "haproxy: $(grep -A3 why "$tmp/haproxy.out")"
	if [ -n "$(try_of "$tmp/haproxy")" ]; then
		fixed haproxy-fixed "$tmp/haproxy" "${H[@]}"
	else
		sed -i "s/maxconn 300/$($PY -c 'import json,sys; f=[f for f in json.load(open(sys.argv[1]+"/result.json"))["findings"] if f["id"]=="server-limit"][0]; print(f["edit"]["to"].rstrip(";"))' "$tmp/haproxy")/" "$tmp/ha/haproxy.cfg"
		run haproxy-fixed 0 "${H[@]}" --set "server.command=haproxy -db -f $tmp/ha/haproxy.cfg"
	fi
else
	skip_part haproxy "haproxy is not installed"
fi

# ---- PostgreSQL: max_connections; a throw-away cluster ----
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -1)
if [ -n "$PGBIN" ] && id postgres >/dev/null 2>&1; then
	mkdir -p "$tmp/pg"
	chown postgres "$tmp/pg"
	setpriv --reuid=postgres --regid=postgres --init-groups "$PGBIN/initdb" -D "$tmp/pg/data" \
		--auth=trust -U postgres >"$tmp/pg/initdb.out" 2>&1 || fail "initdb: $(tail -3 "$tmp/pg/initdb.out")"
	echo "host all all 0.0.0.0/0 trust" >>"$tmp/pg/data/pg_hba.conf"
	# the startup message of protocol 3.0 for user postgres; the reply is
	# never complete, so each connection sends it once and holds
	P=(--set server.ports=5432 --set clients.connections=40 --set clients.rate=200/s
		--set 'clients.message=\x00\x00\x00\x17\x00\x03\x00\x00user\x00postgres\x00\x00'
		--set clients.message_interval=10ms --set clients.reply=bytes:1000000)
	past_limit pg "too many clients already" \
		"setpriv --reuid=postgres --regid=postgres --init-groups $PGBIN/postgres -D $tmp/pg/data -k $tmp/pg -h {address} -p {port} -c max_connections=20" \
		"${P[@]}"
else
	skip_part postgresql "postgresql is not installed"
fi

# ---- a --set that removes the problem a lab asserts ----
run tw 1 lab/time-wait.lab --set lab.duration=3s --set clients.connections=2000 \
	--set sysctl.net.ipv4.tcp_tw_reuse=1
has_finding "$tmp/tw" problem-removed
grep -q "tcp_tw_reuse from 2 to 1" "$tmp/tw/result.json" || fail "tw: the change is not named"

# ---- reply latency: the flood's against the probe's, side by side ----
if command -v memcached >/dev/null; then
	run lat 0 --set server.ports=11211 --set clients.connections=10000 --set lab.duration=10s \
		--set 'server.command=memcached -u root -l {address} -p {port} -c 12000' \
		--set 'clients.message=version\r\n' --set clients.message_interval=1s \
		--set clients.reply=line --set clients.reply_timeout=2s --set clients.namespaces=2 \
		--set clients.addresses=16
	$PY -c '
import json, sys
r = json.load(open(sys.argv[1] + "/result.json"))
f, p = r["messages"]["reply_hold"]["p50_us"] / 1000, r["probe_reply"]["hold"]["p50_ms"]
print(f"  reply p50 in the hold: flood {f:.3f} ms, probe {p:.3f} ms ({f / p:.2f}x)")
assert f > 0 and p > 0, "a p50 is missing"
# the ratio is the own cost per reply of connlab: under the sanitizers that cost
# is the instrumentation, so the bound holds in the plain pass only
if "san" not in sys.argv[2]:
    assert f <= 2 * p, "the flood measures more than the server"' "$tmp/lat" "${BUILD:-}" ||
		fail "lat: the flood's reply p50 is over 2x the probe's"
fi
lib_done
