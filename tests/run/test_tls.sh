#!/bin/bash
# SPDX-License-Identifier: MIT
# TLS end to end at reduced scale, with real namespaces and connections:
# with each library the handshakes counted by the clients and by connlab
# server agree, full and resumed, and a restart's reconnects resume on the
# server's side; heartbeats travel over TLS; nginx's own log counts the
# handshakes the flood made (resumed ones too); a certificate the clients
# reject, a version the server refuses, plain clients against a TLS server
# and TLS clients against a plain one each give their finding, and the
# fixes those findings give, applied as written, pass; a ramp bound by
# the handshakes' CPU and a low resumption share are found, and fixed.
. "$(dirname "$0")/../lib.sh"
lib_init test_tls root
host_kept
# under the sanitizers (CI's second pass) each engine path once
full=1
case "${BUILD:-}" in *san*) full=0 ;; esac
libs=$("$CONNLAB" doctor --json | $PY -c '
import json, sys
c = {x["id"]: x for x in json.load(sys.stdin)["checks"]}
print(" ".join(p.split(" ")[0] for p in c["tls"]["found"].split(", ")))')
case " $libs " in *" wolfssl "*) ;; *) [ -n "${CONNLAB_NO_SKIP:-}" ] && fail "wolfssl is not built in (doctor: $libs)" ;; esac

# 1. each library, both ends: a hold with heartbeats over TLS, then a
# restart whose reconnects resume with the run's ticket keys
for lib in $libs; do
	run_out "hold-$lib" --set lab.name=tls-$lib --set clients.connections=2000 --set clients.rate=1000/s \
		--set lab.duration=3s --set tls.enable=on --set tls.library=$lib --set tls.resume=tickets \
		--set server.mode=echo --set 'clients.message=ping\n' --set clients.message_interval=1s
	$PY - "$tmp/hold-$lib/result.json" "$(cat "$tmp/hold-$lib.rc")" "$lib" <<'PY' || fail "hold-$lib: the claims above"
import json, sys
r, rc, lib = json.load(open(sys.argv[1])), int(sys.argv[2]), sys.argv[3]
t = r["tls"]
c, s = t["clients"], t["server"]
assert rc == 0 and r["outcome"] == "completed", (rc, r["reason"])
assert t["library"] == lib and t["library_version"], t
# each side's own count, the same connections
assert c["handshakes"] == s["handshakes"] == 2000, (c["handshakes"], s["handshakes"])
assert c["resumed"] == s["resumed"] and c["resumed"] <= c["offered"], (c, s)
# a ramp of 1000/s: the later connects had a ticket to offer (wolfSSL
# took none in half the runs while the run's key name ended in a set bit)
assert c["resumed"] > 0, c
assert c["failed"] == 0 and s["failed"] == 0, (c, s)
assert c["handshake"]["count"] == 2000, c["handshake"]
assert c["cpu_per_handshake_us"] > 0 and s["cpu_per_handshake_us"] > 0, (c, s)
m = t["memory"]
assert m["server_per_conn_bytes"] > 0 and m["clients_per_conn_bytes"] > 0, m
# the heartbeats went over TLS and came back
msg = r["messages"]
assert msg["sent"] >= 2000 and msg["missing"] == 0 and msg["replies"] >= msg["sent"] - 2000, msg
print(f"  {lib}: 2000 handshakes by both counts, {c['resumed']} resumed by both; "
      f"CPU a handshake: server {s['cpu_per_handshake_us']:.0f} us, clients {c['cpu_per_handshake_us']:.0f} us; "
      f"memory a connection: server {m['server_per_conn_bytes']:.0f} B, clients {m['clients_per_conn_bytes']:.0f} B")
PY
	$PY tests/report/check_report.py "$tmp/hold-$lib/report.html" "$tmp/hold-$lib/result.json" >/dev/null ||
		fail "hold-$lib: report.html"
	[ $full = 1 ] || break
	run_out "restart-$lib" --set lab.name=tls-$lib --set clients.connections=1500 --set clients.rate=1000/s \
		--set lab.duration=6s --set tls.enable=on --set tls.library=$lib --set tls.resume=tickets \
		--set clients.reconnect=immediate --event 3s:restart
	$PY - "$tmp/restart-$lib/result.json" "$(cat "$tmp/restart-$lib.rc")" "$lib" <<'PY' || fail "restart-$lib: the claims above"
import json, sys
r, rc, lib = json.load(open(sys.argv[1])), int(sys.argv[2]), sys.argv[3]
e, t = r["events"][0], r["tls"]
assert rc == 0 and e["recovered_s"] is not None, (rc, r["reason"], e["recovered_s"])
lost = e["floods"]["lost"]
# both sides count every handshake and resumption, the servers before
# and after the restart together
assert abs(t["server"]["handshakes"] - t["clients"]["handshakes"]) <= lost // 100 + 2, (t["server"], t["clients"])
assert t["server"]["resumed"] == t["clients"]["resumed"], (t["server"], t["clients"])
# the new server resumed every handshake it made, the first reconnects'
# too, whose tickets the first server made: the run's ticket keys outlived
# it (with keys of its own the new server would refuse those). Not the
# clients' offered less resumed: offered counts handshakes still under way
# when the run ended, many on a loaded machine
c = t["clients"]
new = [k["last_stats"]["tls"] for k in r["children"] if k["name"] == "server"][-1]
assert new["handshakes"] - new["resumed"] <= new["handshakes"] // 100, new
# each lost connection reconnects with its own session: the new server
# resumes nearly all of them, not only those whose worker had a fresh one
assert new["resumed"] >= lost * 0.95, (new, lost)
print(f"  restart ({sys.argv[1].split('/')[-2]}): {lost} lost; the new server made {new['handshakes']} handshakes, "
      f"{new['resumed']} resumed; {c['resumed']} of the {c['offered']} sessions offered were taken")
PY
done

# 2. nginx with TLS (lab/nginx-tls.lab): its log names each connection's
# first request, resumed (r) or not: the same handshakes the flood made
if command -v nginx >/dev/null; then
	run_out nginx lab/nginx-tls.lab --set clients.connections=1500 --set clients.rate=1000/s --set lab.duration=6s
	[ "$(cat "$tmp/nginx.rc")" = 0 ] || fail "nginx-tls: exit $(cat "$tmp/nginx.rc"): $(tail -5 "$tmp/nginx.out")"
	$PY - "$tmp/nginx/result.json" "$tmp/nginx/logs" <<'PY' || fail "nginx-tls: the claims above"
import glob, json, sys
r = json.load(open(sys.argv[1]))
c = r["tls"]["clients"]
lines = [l.split() for f in glob.glob(sys.argv[2] + "/*.log") for l in open(f, errors="replace")
         if l.startswith("tls ")]
resumed = sum(1 for l in lines if l[2] == "r")
assert len(lines) == c["handshakes"] >= 1500, (len(lines), c)
assert resumed == c["resumed"] > 0, (resumed, c)
assert r["tls"]["server"] is None, r["tls"]["server"]  # nginx's counts are its own
m = r["messages"]
assert m["missing"] == 0 and m["replies"] > 0, m
print(f"  nginx: {len(lines)} handshakes in its log and by the flood, {resumed} resumed by both; {m['replies']} HTTPS replies")
PY
fi

# 3. failures, each with its finding; the fixes applied as written pass
run_out cert --set clients.connections=300 --set lab.ramp_timeout=3s --set lab.duration=1s --set tls.enable=on \
	--set tls.ca=/etc/ssl/certs/ca-certificates.crt
has_finding "$tmp/cert" tls-failures
grep -q '"TLS handshakes failed on the certificate' "$tmp/cert/result.json" || fail "cert: $(grep -m1 'TLS handshakes failed' "$tmp/cert/result.json")"
[ "$(cat "$tmp/cert.rc")" != 0 ] || fail "cert: the run passed"

cat >"$tmp/v13.lab" <<LAB
[lab]
name = tls-v13
[server]
ports = 8081
command = $CONNLAB server --address {address} --ports 8081 --tls --tls-version 1.3 --stats-interval 0
[clients]
connections = 300
[tls]
enable = on
version = 1.2
LAB
run_out version "$tmp/v13.lab" --set lab.ramp_timeout=3s --set lab.duration=1s
has_finding "$tmp/version" tls-failures
grep -q '"TLS handshakes failed on the TLS version' "$tmp/version/result.json" || fail "version: no version finding"
fix=$(fixes version tls-failures) || fail "version: $fix"
[ "$fix" = "--set tls.version=any" ] || fail "version: the fix is '$fix'"
# shellcheck disable=SC2086
run_out versionfix "$tmp/v13.lab" --set lab.ramp_timeout=3s --set lab.duration=1s $fix
[ "$(cat "$tmp/versionfix.rc")" = 0 ] || fail "version fixed: exit $(cat "$tmp/versionfix.rc"): $(tail -3 "$tmp/versionfix.out")"

# plain clients sending their heartbeat to a TLS server, and TLS clients
# meeting a plain server
run_out plainclients --set clients.connections=300 --set lab.duration=2s --set tls.enable=server \
	--set 'clients.message=ping\n' --set clients.message_interval=500ms --set clients.reply_timeout=1s
grep -q '"TLS handshakes failed because one end does not speak TLS' "$tmp/plainclients/result.json" ||
	fail "plain clients: no not_tls finding: $(grep -m1 'TLS handshakes' "$tmp/plainclients/result.json")"
fix=$(fixes plainclients tls-failures) || fail "plain clients: $fix"
[ "$fix" = "--set tls.enable=on" ] || fail "plain clients: the fix is '$fix'"
# shellcheck disable=SC2086
run_out plainfix --set clients.connections=300 --set lab.duration=2s --set 'clients.message=ping\n' \
	--set clients.message_interval=500ms --set clients.reply_timeout=1s --set server.mode=echo $fix
[ "$(cat "$tmp/plainfix.rc")" = 0 ] || fail "plain clients fixed: exit $(cat "$tmp/plainfix.rc")"
has_finding "$tmp/plainfix" tls-memory
run_out plainserver --set clients.connections=300 --set lab.ramp_timeout=3s --set lab.duration=1s --set tls.enable=clients
grep -q '"TLS handshakes failed because one end does not speak TLS' "$tmp/plainserver/result.json" ||
	fail "plain server: no not_tls finding"
grep -q '"wrong version number\|record layer' "$tmp/plainserver/result.json" || fail "plain server: not in the library's words"

# 4. the ramp bound by the handshakes' CPU (both ends on this host's CPUs,
# no pace): found, and gone at the pace the fix gives; a low resumption
# share with session ids in four workers' caches, and tickets instead
if [ $full = 1 ]; then
	run_out cpu --set clients.connections=4000 --set lab.duration=1s --set tls.enable=on
	has_finding "$tmp/cpu" tls-handshake-cpu tls-memory
	fix=$(fixes cpu tls-handshake-cpu) || fail "cpu: $fix"
	case "$fix" in *tls.resume=tickets*clients.rate=*) ;; *) fail "cpu: the fix is '$fix'" ;; esac
	# shellcheck disable=SC2086
	run_out cpufix --set clients.connections=4000 --set lab.duration=1s --set tls.enable=on $fix
	[ "$(cat "$tmp/cpufix.rc")" = 0 ] || fail "cpu fixed: exit $(cat "$tmp/cpufix.rc")"
	$PY -c 'import json,sys; ids=[f["id"] for f in json.load(open(sys.argv[1]))["findings"]]; assert "tls-handshake-cpu" not in ids, ids' \
		"$tmp/cpufix/result.json" || fail "cpu fixed: still found"

	run_out ids --set clients.connections=3000 --set clients.rate=1500/s --set clients.inflight=100 --set lab.duration=1s \
		--set tls.enable=on --set tls.resume=ids --set server.workers=4
	has_finding "$tmp/ids" tls-low-resumption
	fix=$(fixes ids tls-low-resumption) || fail "ids: $fix"
	# shellcheck disable=SC2086
	run_out idsfix --set clients.connections=3000 --set clients.rate=1500/s --set clients.inflight=100 --set lab.duration=1s \
		--set tls.enable=on --set tls.resume=ids --set server.workers=4 $fix
	$PY -c 'import json,sys; r=json.load(open(sys.argv[1])); ids=[f["id"] for f in r["findings"]]; c=r["tls"]["clients"]
assert "tls-low-resumption" not in ids and c["resumed"] >= c["offered"] * 0.9, (ids, c)' \
		"$tmp/idsfix/result.json" || fail "ids fixed: the claims above"
fi

host_same
lib_done
