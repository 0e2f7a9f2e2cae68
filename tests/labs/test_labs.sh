#!/bin/bash
# SPDX-License-Identifier: MIT
# Every lab in lab/ runs at a reduced scale (a few thousand connections,
# seconds) and its own [expect] lines must hold: a lab that stops
# reproducing its case fails here. time-wait.lab must also stop failing
# with its fix. Then every lab again over IPv6 (lab.family = ipv6), and the
# dual-stack lab's shares by the kernel's count. Exits 77 when it cannot
# run here.
. "$(dirname "$0")/../lib.sh"
lib_init test_labs root
run() { # NAME EXPECTED-STATUS ARGS...
	local name=$1 want=$2; shift 2
	"$CONNLAB" run "$@" --out "$tmp/$name" >"$tmp/$name.out" 2>&1
	local rc=$?
	if [ "$rc" != "$want" ]; then
		fail "$name: exit $rc, expected $want"; tail -15 "$tmp/$name.out"
	else
		echo "  $name: exit $rc as expected"
	fi
}
# reduced: fewer connections, shorter holds; the physics stays
run default 0 --set clients.connections=5000 --set lab.duration=2s
run c100k-keepalive 0 lab/c100k-keepalive.lab --set clients.connections=5000 --set lab.duration=2s
run c1m 0 lab/c1m.lab --set clients.connections=8000 --set lab.duration=2s
# 1000 ports: exhausted in a fraction of a second at 2000/s
run time-wait 0 lab/time-wait.lab --set "sysctl.net.ipv4.ip_local_port_range=40000 40999" \
	--set clients.connections=6000 --set clients.rate=2000/s --set lab.duration=3s
# the fix: reuse after 1 s covers 1000 ports at 500/s: no error, no collapse
run time-wait-fixed 0 lab/time-wait.lab --set "sysctl.net.ipv4.ip_local_port_range=40000 40999" \
	--set clients.connections=1500 --set clients.rate=500/s --set lab.duration=3s \
	--set sysctl.net.ipv4.tcp_tw_reuse=1 --set 'expect.errors.EADDRNOTAVAIL=== 0' --set expect.time_wait=off
# 1000 ports: the ceiling at 1000 connections, EADDRNOTAVAIL past it
run port-range 0 lab/port-range.lab --set "sysctl.net.ipv4.ip_local_port_range=40000 40999" \
	--set clients.connections=1100 --set lab.ramp_timeout=3s --set lab.duration=1s
# the ceiling, reduced: 1000 ports on one address and port are the first
# limit met (beyond_ports = try: the kernel says EADDRNOTAVAIL)
run ceiling 0 lab/ceiling.lab --set "sysctl.net.ipv4.ip_local_port_range=40000 40999" \
	--set clients.addresses=1 --set clients.namespaces=1 --set server.ports=8081 \
	--set clients.connections=1500 --set lab.ramp_timeout=4s --set lab.duration=1s \
	--set 'expect.established=>= 900'
run close-wait 0 lab/close-wait.lab --set clients.connections=2000 --set lab.duration=2s
run syn-backlog 0 lab/syn-backlog.lab --set clients.connections=400 --set lab.duration=3s
# a real server: redis-server answering PING on every held connection
if command -v redis-server >/dev/null; then
	run redis 0 lab/redis.lab --set clients.connections=2000 --set lab.duration=3s
	$PY -c '
import json, sys
m = json.load(open(sys.argv[1]))["messages"]
assert m["missing"] == 0 and m["replies"] >= m["sent"] - 2000 and m["sent"] >= 4000, m
' "$tmp/redis/result.json" || fail "redis: $(grep -A4 '"messages"' "$tmp/redis/result.json")"
else
	skip_part redis "redis-server is not installed (apt-get install redis-server)"
fi
# a real server: nginx answering a GET on every held keep-alive connection
if command -v nginx >/dev/null; then
	# nginx's prefix: a mktemp directory holding tmp/ (others' come and go)
	before_tmp=$(ls -d /tmp/tmp.*/tmp 2>/dev/null | sort)
	run nginx 0 lab/nginx.lab --set clients.connections=2000 --set lab.duration=3s
	$PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
m = d["messages"]
assert m["missing"] == 0 and m["replies"] >= m["sent"] - 2000 and m["sent"] >= 700, m
assert m["reply"]["count"] == m["replies"], m
' "$tmp/nginx/result.json" || fail "nginx: $(grep -A4 '"messages"' "$tmp/nginx/result.json")"
	[ "$(ls -d /tmp/tmp.*/tmp 2>/dev/null | sort)" = "$before_tmp" ] || fail "nginx left its temporary directory"
	# with TLS: its handshakes as the flood counted them, none failed, the
	# prefix with its certificate gone (tests/run/test_tls.sh does more)
	run nginx-tls 0 lab/nginx-tls.lab --set clients.connections=1000 --set lab.duration=2s
	$PY -c '
import json, sys
t = json.load(open(sys.argv[1]))["tls"]["clients"]
assert t["handshakes"] >= 1000 and t["failed"] == 0, t
' "$tmp/nginx-tls/result.json" || fail "nginx-tls: $(grep -A6 '"clients"' "$tmp/nginx-tls/result.json" | head -8)"
	[ "$(ls -d /tmp/tmp.*/tmp 2>/dev/null | sort)" = "$before_tmp" ] || fail "nginx-tls left its temporary directory"
	# reloaded: the idle keep-alive connections closed, none refused
	run nginx-reload 0 lab/nginx-reload.lab --set clients.connections=2000 --set lab.duration=6s \
		--event none --event 2s:reload
	$PY - "$tmp/nginx-reload/result.json" <<'PYEOF' || fail "nginx-reload: the claims of its page"
import json, sys
e = json.load(open(sys.argv[1]))["events"][0]
assert e["happened"] and e["floods"]["lost"] >= 1000 and e["recovered_s"] is not None, e
assert "ECONNREFUSED" not in e["floods"]["failures"] and e["kernel"]["syn_retransmits"] == 0, e
PYEOF
else
	skip_part nginx "nginx is not installed (apt-get install nginx-light)"
fi
# the restart storm, reduced: each recovers; the twin's backoff (its
# window shortened to the shorter run) brings no herd
run restart-storm 0 lab/restart-storm.lab --set clients.connections=4000 --set lab.duration=9s \
	--event none --event 2s:restart
run restart-storm-backoff 0 lab/restart-storm-backoff.lab --set clients.connections=4000 \
	--set lab.duration=12s --set clients.backoff_base=2s --set clients.backoff_max=4s \
	--event none --event 2s:restart
for l in restart-storm restart-storm-backoff; do
	$PY - "$tmp/$l/result.json" <<'PYEOF' || fail "$l: the claims above"
import json, sys
r = json.load(open(sys.argv[1]))
e = r["events"][0]
assert e["happened"] and e["floods"]["lost"] >= 4000, e
assert e["kernel"]["established_end"] >= 0.99 * e["target"], e["kernel"]
if "backoff" in sys.argv[1]:
    assert "storm-herd" not in [f["id"] for f in r["findings"]], r["findings"]
PYEOF
	$PY "$(dirname "$0")/../report/check_report.py" "$tmp/$l/report.html" "$tmp/$l/result.json" >/dev/null ||
		fail "$l: report.html ($($PY "$(dirname "$0")/../report/check_report.py" "$tmp/$l/report.html" "$tmp/$l/result.json"))"
done
# ... side by side: both runs' events, each with its connect times by step
"$CONNLAB" report "$tmp/restart-storm" "$tmp/restart-storm-backoff" >/dev/null 2>&1 &&
	$PY "$(dirname "$0")/../report/check_report.py" "$tmp/restart-storm-backoff/compare.html" \
		"$tmp/restart-storm/result.json" "$tmp/restart-storm-backoff/result.json" >/dev/null ||
	fail "restart storm: compare.html ($($PY "$(dirname "$0")/../report/check_report.py" "$tmp/restart-storm-backoff/compare.html" "$tmp/restart-storm/result.json" "$tmp/restart-storm-backoff/result.json"))"
# TLS held, reduced: every connection a TLS one, its memory measured
run tls-hold 0 lab/tls-hold.lab --set clients.connections=3000 --set lab.duration=3s
$PY - "$tmp/tls-hold/result.json" <<'PYEOF' || fail "tls-hold: the claims of its page"
import json, sys
t = json.load(open(sys.argv[1]))["tls"]
assert t["clients"]["handshakes"] == t["server"]["handshakes"] >= 3000, (t["clients"], t["server"])
m = t["memory"]
assert m["server_per_conn_bytes"] > 0 and m["clients_per_conn_bytes"] > 0, m
PYEOF
# the TLS storm, reduced: without resumption every reconnect is a full
# handshake; with it the restarted server resumes nearly all of them
run tls-storm 0 lab/tls-storm.lab --set clients.connections=2000 --set lab.duration=6s \
	--event none --event 2s:restart
run tls-storm-resume 0 lab/tls-storm-resume.lab --set clients.connections=2000 \
	--set lab.duration=6s --event none --event 2s:restart
san=0
case "${BUILD:-}" in *san*) san=1 ;; esac
for l in tls-storm tls-storm-resume; do
	$PY - "$tmp/$l/result.json" $san <<'PYEOF' || fail "$l: the claims of its page"
import json, sys
r, san = json.load(open(sys.argv[1])), sys.argv[2] == "1"
e, t = r["events"][0], r["tls"]
assert e["happened"] and e["floods"]["lost"] >= 2000 and e["recovered_s"] is not None, e
new = [k["last_stats"]["tls"] for k in r["children"] if k["name"] == "server"][-1]
if sys.argv[1].endswith("resume/result.json"):
    # the new server resumed every handshake it made; in the plain build
    # it made nearly all the lost ones in the run's 4 s (the sanitized
    # processes, several times slower, had done a quarter of them)
    assert new["handshakes"] > 0 and new["resumed"] >= 0.99 * new["handshakes"], new
    assert san or new["resumed"] >= 0.95 * e["floods"]["lost"], new
else:
    assert t["clients"]["resumed"] == t["server"]["resumed"] == 0, t
PYEOF
done
# the full handshakes' storm is found bound by their CPU; its fix, applied
# as written, passes and leaves a storm that is not
has_finding "$tmp/tls-storm" storm-tls-cpu
fix=$(fixes tls-storm storm-tls-cpu) || fail "tls-storm: $fix"
[ "$fix" = "--set tls.resume=tickets" ] || fail "tls-storm: the fix is '$fix'"
# shellcheck disable=SC2086 # the fix's words
run tls-storm-fixed 0 lab/tls-storm.lab --set clients.connections=2000 --set lab.duration=6s \
	--event none --event 2s:restart $fix
$PY -c 'import json,sys; r=json.load(open(sys.argv[1])); assert "storm-tls-cpu" not in [f["id"] for f in r["findings"]], r["findings"]' \
	"$tmp/tls-storm-fixed/result.json" || fail "tls-storm fixed: storm-tls-cpu still found"
# a link flap loses nothing: the count never falls, every reply comes
run link-flap 0 lab/link-flap.lab --set clients.connections=4000 --set lab.duration=8s \
	--event none --event 2s:link-down:c1:1s
$PY - "$tmp/link-flap/result.json" <<'PYEOF' || fail "link-flap: the claims of its page"
import json, sys
r = json.load(open(sys.argv[1]))
e = r["events"][0]
assert e["happened"] and e["floods"]["lost"] == 0 == e["kernel"]["lost"], e
assert e["kernel"]["established_min"] >= e["target"] and e["recovered_s"] is not None, e
assert r["messages"]["missing"] == 0, r["messages"]
PYEOF
# each lab's case is named by its finding
if case "${BUILD:-}" in *san*) true ;; *) false ;; esac; then
	# under the sanitizers the lab's own processes run several times
	# slower on two cores, and ping may truly suffer: one of the two
	# findings says which (the plain build's pass wants unaffected)
	for l in default c100k-keepalive; do
		ids=$($PY -c 'import json,sys; print(" ".join(f["id"] for f in json.load(open(sys.argv[1]))["findings"]))' "$tmp/$l/result.json" 2>/dev/null)
		case " $ids " in *" ping-unaffected "* | *" ping-affected "*) ;; *) fail "$l: neither ping finding (has: ${ids:-none})" ;; esac
	done
else
	has_finding "$tmp/default" ping-unaffected
	has_finding "$tmp/c100k-keepalive" ping-unaffected
fi
has_finding "$tmp/time-wait" ports
has_finding "$tmp/port-range" ports
has_finding "$tmp/close-wait" close-wait
has_finding "$tmp/syn-backlog" accept-queue
has_finding "$tmp/ceiling" ports
# the default lab finds no cause
! grep -q '"severity": "cause"' "$tmp/default/result.json" || fail "the default lab has a cause: $(grep -A2 '"severity": "cause"' "$tmp/default/result.json")"
# before and after: the fix shows in the comparison (TWRecycled was 0)
"$CONNLAB" report "$tmp/time-wait" "$tmp/time-wait-fixed" >"$tmp/compare" 2>&1
grep -Eq "^TWRecycled \(all namespaces\) +0 +[1-9][0-9]* +\(was 0\)" "$tmp/compare" ||
	{ fail "comparison of time-wait runs:"; cat "$tmp/compare"; }
# ... and on the comparison page: both runs plotted, A's EADDRNOTAVAIL among them
page="$tmp/time-wait-fixed/compare.html"
/usr/bin/python3 "$(dirname "$0")/../report/check_report.py" "$page" "$tmp/time-wait/result.json" "$tmp/time-wait-fixed/result.json" &&
	grep -q 'data-series="EADDRNOTAVAIL" data-run="0"' "$page" ||
	fail "comparison page $page"
# conntrack-full needs its full scale: the table (nf_conntrack_max, host-wide,
# 262144 here) must fill. About a minute; not repeated under the sanitizers.
if [ ! -r /proc/sys/net/netfilter/nf_conntrack_max ] || ! command -v nft >/dev/null; then
	skip_part conntrack-full "no netfilter connection tracking or nft here"; mkdir -p "$tmp/conntrack-full"
elif case "${BUILD:-}" in *san*) true ;; *) false ;; esac; then
	echo "  conntrack-full: skipped under the sanitizers (300k connections; it runs in the plain build's pass)"; mkdir -p "$tmp/conntrack-full"
else
	run conntrack-full 0 lab/conntrack-full.lab
	grep -q '"nf_conntrack: .*table full' "$tmp/conntrack-full/result.json" || [ ! -r /dev/kmsg ] ||
		fail "conntrack-full: no 'table full' line from the kernel log in result.json"
	has_finding "$tmp/conntrack-full" conntrack-full
	run conntrack-fixed 0 lab/conntrack-full.lab --set "server.setup=nft -f {labdir}/conntrack-notrack.nft" \
		--set expect.conntrack.drops=off --set 'expect.probe.connect.failures=== 0' --set 'expect.ping.loss=<= 0.1%' --set 'expect.established=>= clients.connections'
fi

# ---- every lab over IPv6 (lab.family = ipv6), at the same reduced scale:
# the same exit status, the same finding, every connection over IPv6 by the
# kernel's count (sockstat6) ----
v6() { # NAME EXPECTED-STATUS ARGS...
	local name=$1
	shift
	run "$name-v6" "$@" --set lab.family=ipv6
	$PY - "$tmp/$name-v6/result.json" <<'PYEOF' || fail "$name over IPv6: not over IPv6"
import json, sys
r = json.load(open(sys.argv[1]))
f = r["families"]
assert r["plan"]["family"] == "ipv6", r["plan"]
# nothing over IPv4, by the floods and by the kernel on both sides
assert f["ipv4"]["flood_established"] == 0, f
# (nginx.conf listens on both families: its IPv4 listeners, no connection)
assert f["ipv4"]["kernel_inuse_peak_clients"] == 0 and f["ipv4"]["kernel_inuse_peak_server"] <= 4, f
# the server's sockets were IPv6 (its listeners at least)
assert f["ipv6"]["kernel_inuse_peak_server"] > 0, f
made = r["connections"]["made"]
assert f["ipv6"]["flood_established"] == made, (f, r["connections"])
# held connections: the clients' kernel counts every one over IPv6 (a
# churned one may live between two samples)
if r["plan"]["client_mode"] == "hold" and made:
    assert f["ipv6"]["kernel_inuse_peak_clients"] >= r["peaks"]["established_clients"] > 0, (f, r["peaks"])
PYEOF
}
# dual stack: the share over each family, by the floods and by the kernel
run dual-stack 0 lab/dual-stack.lab --set clients.connections=6000 --set lab.duration=2s \
	--set clients.ipv6_share=25%
$PY - "$tmp/dual-stack/result.json" <<'PYEOF' || fail "dual-stack: the families' counts"
import json, sys
r = json.load(open(sys.argv[1]))
f = r["families"]
assert f["ipv6"]["flood_established"] == 1500 and f["ipv4"]["flood_established"] == 4500, f
assert f["ipv6"]["kernel_inuse_peak_clients"] == 1500 and f["ipv4"]["kernel_inuse_peak_clients"] == 4500, f
# the IPv6 probe by interval: a column per interval, its pings counted in ping6
tl = r["timeline"]
n = len(tl["t_s"])
for c in ("ping6_p50_ms", "ping6_max_ms", "pings6_sent", "pings6_lost", "probe_connect6_ms", "probe_connect6_failures"):
    assert len(tl[c]) == n, c
assert sum(tl["pings6_sent"]) >= r["ping6"]["all"]["sent"] > 0, (sum(tl["pings6_sent"]), r["ping6"]["all"])
assert max(v for v in tl["inuse_ipv6_clients"]) == 1500, tl["inuse_ipv6_clients"]
PYEOF
# ... and on its page: the IPv6 probe's charts and the families', point by point
$PY "$(dirname "$0")/../report/check_report.py" "$tmp/dual-stack/report.html" "$tmp/dual-stack/result.json" >/dev/null &&
	grep -q 'id="ping6"' "$tmp/dual-stack/report.html" && grep -q 'id="families"' "$tmp/dual-stack/report.html" ||
	fail "dual-stack: report.html ($($PY "$(dirname "$0")/../report/check_report.py" "$tmp/dual-stack/report.html" "$tmp/dual-stack/result.json"))"
v6 default 0 lab/default.lab --set clients.connections=3000 --set lab.duration=2s
v6 c100k-keepalive 0 lab/c100k-keepalive.lab --set clients.connections=3000 --set lab.duration=2s
v6 c1m 0 lab/c1m.lab --set clients.connections=4000 --set lab.duration=2s
v6 time-wait 0 lab/time-wait.lab --set "sysctl.net.ipv4.ip_local_port_range=40000 40999" \
	--set clients.connections=6000 --set clients.rate=2000/s --set lab.duration=3s
v6 port-range 0 lab/port-range.lab --set "sysctl.net.ipv4.ip_local_port_range=40000 40999" \
	--set clients.connections=1100 --set lab.ramp_timeout=3s --set lab.duration=1s
v6 ceiling 0 lab/ceiling.lab --set "sysctl.net.ipv4.ip_local_port_range=40000 40999" \
	--set clients.addresses=1 --set clients.namespaces=1 --set server.ports=8081 \
	--set clients.connections=1500 --set lab.ramp_timeout=4s --set lab.duration=1s \
	--set 'expect.established=>= 900'
v6 close-wait 0 lab/close-wait.lab --set clients.connections=2000 --set lab.duration=2s
v6 syn-backlog 0 lab/syn-backlog.lab --set clients.connections=400 --set lab.duration=3s
command -v redis-server >/dev/null && v6 redis 0 lab/redis.lab --set clients.connections=1000 --set lab.duration=3s
command -v nginx >/dev/null && v6 nginx 0 lab/nginx.lab --set clients.connections=1000 --set lab.duration=3s
# conntrack tracks IPv6 alike; its table is filled at full scale only
# (above): here the lab runs and its connections are tracked
if [ -r /proc/sys/net/netfilter/nf_conntrack_max ] && command -v nft >/dev/null; then
	v6 conntrack-full 1 lab/conntrack-full.lab --set clients.connections=3000 --set lab.duration=2s
fi
has_finding "$tmp/time-wait-v6" ports
has_finding "$tmp/port-range-v6" ports
has_finding "$tmp/close-wait-v6" close-wait
has_finding "$tmp/syn-backlog-v6" accept-queue
for f in lab/*.lab; do
	n=$(basename "$f" .lab)
	[ -d "$tmp/$n" ] || fail "lab/$n.lab has no reduced run in this test"
done
lib_done
