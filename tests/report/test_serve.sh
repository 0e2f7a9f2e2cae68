#!/bin/bash
# SPDX-License-Identifier: MIT
# `connlab report RUNDIR --serve [ADDR:]PORT` on loopback: the page, the
# result and /metrics as `connlab report --openmetrics` prints them; HEAD,
# 404, 405 with Allow, 400 and 413 for what is malformed or too long; a
# taken port and a bad spec said; SIGTERM ends
# it; and a real Prometheus (Debian's) scrapes /metrics and answers a
# query and a histogram_quantile with the run's figures.
. "$(dirname "$0")/../lib.sh"
lib_init test_serve
src=tests/fixtures/findings/tls-storm
cp -r "$src" "$tmp/run"

# serve ARGS...: starts it in the background; $spid, and $url from its
# first line (it says where it listens)
serve() {
	"$CONNLAB" report "$tmp/run" --serve "$@" >"$tmp/serve.out" 2>&1 &
	spid=$!
	on_exit "kill $spid 2>/dev/null"
	for _ in $(seq 50); do
		url=$(grep -o 'http://[^ ]*/' "$tmp/serve.out")
		[ -n "$url" ] && return 0
		alive $spid || break
		sleep 0.1
	done
	fail "--serve $*: no address said: $(head -3 "$tmp/serve.out")"
	return 1
}

# stops PID: SIGTERM ends it with status 0 within 3 s
stops() {
	local pid=$1 rc
	kill -TERM "$pid"
	for _ in $(seq 30); do alive "$pid" || break; sleep 0.1; done
	alive "$pid" && { fail "SIGTERM did not end --serve"; kill -KILL "$pid"; }
	wait "$pid"
	rc=$?
	[ $rc = 0 ] || fail "--serve ended with $rc after SIGTERM"
}

if serve 127.0.0.1:0; then
	code() { curl -s -o "$tmp/body" -D "$tmp/head" -w '%{http_code}' "$@"; }
	[ "$(code "$url")" = 200 ] && grep -q '<svg' "$tmp/body" && grep -q 'tls-storm' "$tmp/body" ||
		fail "/: not the page: $(head -c 200 "$tmp/body")"
	grep -qi '^content-type: text/html' "$tmp/head" || fail "/: $(grep -i content-type "$tmp/head")"
	cmp -s "$tmp/body" <(curl -s "${url}report.html") || fail "/report.html is not /"
	[ "$(code "${url}metrics")" = 200 ] || fail "/metrics: $(cat "$tmp/head")"
	grep -qi '^content-type: application/openmetrics-text; version=1.0.0' "$tmp/head" ||
		fail "/metrics: $(grep -i content-type "$tmp/head")"
	cp "$tmp/body" "$tmp/metrics"
	"$CONNLAB" report --openmetrics "$tmp/run" | cmp -s - "$tmp/body" ||
		fail "/metrics is not what report --openmetrics prints"
	[ "$(code "${url}result.json")" = 200 ] || fail "/result.json: $(head -1 "$tmp/head")"
	$PY - "$tmp/body" "$src/result.json" <<'PY' || fail "/result.json: not the run's"
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
a.pop("outdir", None); b.pop("outdir", None)
assert a == b
PY
	# HEAD: the headers of GET, no body (read off the socket itself)
	$PY - "${url}metrics" "$(wc -c <"$tmp/metrics")" <<'PY' || fail "HEAD /metrics: the claims above"
import socket, sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
s = socket.create_connection((u.hostname, u.port), timeout=5)
s.sendall(f"HEAD {u.path} HTTP/1.0\r\nHost: x\r\n\r\n".encode())
got = b""
while chunk := s.recv(65536):
    got += chunk
head, _, body = got.partition(b"\r\n\r\n")
assert head.startswith(b"HTTP/1.0 200") or head.startswith(b"HTTP/1.1 200"), head[:40]
assert body == b"", len(body)
assert f"Content-Length: {sys.argv[2]}".encode() in head, head
PY
	[ "$(code -X POST "${url}metrics")" = 405 ] && grep -qi '^allow: GET, HEAD' "$tmp/head" ||
		fail "POST: $(head -1 "$tmp/head"), $(grep -i allow "$tmp/head")"
	# what evhttp refuses before the handler: garbage, over-long headers
	# (8 KiB) or request lines, a body
	$PY - "$url" <<'PY' || fail "malformed requests: the claims above"
import socket, sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
def status(data):
    s = socket.create_connection((u.hostname, u.port), timeout=5)
    s.sendall(data)
    got = b""
    while chunk := s.recv(65536):
        got += chunk
    return got.split(b"\r\n")[0].decode()
for what, data, want in (
    ("garbage", b"garbage\r\n\r\n", "400"),
    ("a 10 KB header", b"GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 10000 + b"\r\n\r\n", "400"),
    ("a 10 KB path", b"GET /" + b"a" * 10000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", "400"),
    ("a body", b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", "413"),
):
    got = status(data)
    assert got.split(" ")[1] == want, (what, got)
PY
	[ "$(code "${url}nothing")" = 404 ] && grep -q '/metrics' "$tmp/body" || fail "404: $(head -1 "$tmp/head")"
	port=${url##*:}
	port=${port%/}
	expect_run 2 "cannot listen on 127.0.0.1 port $port: Address already in use; give another port" \
		report "$tmp/run" --serve "$port"

	# Prometheus scrapes it every second; its query API answers with the
	# run's figures (bounded: 60 tries, half a second apart)
	if ! prom_start "127.0.0.1:$port"; then
		skip_part "Prometheus scrape" "prometheus is not installed"
	else
		q() { curl -s --get "http://127.0.0.1:$pport/api/v1/query" --data-urlencode "query=$1"; }
		got=
		for _ in $(seq 60); do
			got=$(q connlab_connects_total | $PY -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' 2>/dev/null)
			[ -n "$got" ] && break
			alive $ppid || break
			sleep 0.5
		done
		[ "$got" = 60000 ] || fail "Prometheus: connlab_connects_total is '$got': $(tail -3 "$tmp/prom.log")"
		# result.json: p50 of connect 22527 us; the 10 and 25 ms buckets hold it
		med=$(q 'histogram_quantile(0.5, connlab_connect_seconds_bucket)' | $PY -c 'import json,sys; print(json.load(sys.stdin)["data"]["result"][0]["value"][1])' 2>/dev/null)
		$PY -c "import sys; sys.exit(not 0.010 <= float('$med') <= 0.025)" 2>/dev/null ||
			fail "Prometheus: the connect median is '$med', not 10 to 25 ms"
		up=$(q 'up{job="connlab"}' | $PY -c 'import json,sys; print(json.load(sys.stdin)["data"]["result"][0]["value"][1])' 2>/dev/null)
		[ "$up" = 1 ] || fail "Prometheus: the target is not up ($up)"
		echo "  Prometheus scraped /metrics: connlab_connects_total $got, connect median ${med}s"
		# docs/grafana/connlab.json: every query parses in this Prometheus,
		# names only families connlab writes, and
		# has an answer when this run has all it names (three scrapes in,
		# rates too)
		for f in tests/fixtures/findings/*/; do "$CONNLAB" report --openmetrics "$f"; done >"$tmp/all.om"
		for _ in $(seq 20); do
			[ "$(q 'count_over_time(up{job="connlab"}[1m])' | $PY -c 'import json,sys; print(json.load(sys.stdin)["data"]["result"][0]["value"][1])' 2>/dev/null)" -ge 3 ] 2>/dev/null && break
			sleep 0.5
		done
		$PY - docs/grafana/connlab.json "$tmp/metrics" "$tmp/all.om" "$pport" <<'PY' || fail "the Grafana dashboard: the claims above"
import json, re, sys, urllib.parse, urllib.request
dash, here, every, port = json.load(open(sys.argv[1])), open(sys.argv[2]).read(), open(sys.argv[3]).read(), sys.argv[4]
def names(text):
    return set(re.findall(r"^(connlab_[a-z0-9_]+)", text, re.M))
# the families of fixtures, and the gauges of openmetrics.c's table (a
# finished run's last sample has no reply times; the probe's histograms
# are in no fixture)
here = names(here)
table = set(re.findall(r'"(connlab_[a-z0-9_]+)"', open("src/report/openmetrics.c").read()))
every = names(every) | table | {n + suf for n in table for suf in ("_bucket", "_count", "_sum")}
n = 0
for p in dash["panels"]:
    for t in p["targets"]:
        expr = t["expr"].replace("$instance", ".*").replace("$lab", ".*").replace("$__rate_interval", "1m")
        used = set(re.findall(r"connlab_[a-z0-9_]+", expr))
        assert used <= every, (p["title"], used - every)
        url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        r = json.load(urllib.request.urlopen(url, timeout=5))
        assert r["status"] == "success", (p["title"], expr, r)
        if used <= here:
            assert r["data"]["result"], (p["title"], expr, "no answer")
            n += 1
# its lab variable: every sample says its lab, so Prometheus knows the one served
labs = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/label/lab/values", timeout=5))["data"]
served = re.search(r'^connlab_run_info\{lab="([^"]*)"', open(sys.argv[2]).read(), re.M).group(1)
assert served in labs and any(v["name"] == "lab" for v in dash["templating"]["list"]), (served, labs)
print(f"  the Grafana dashboard: {sum(len(p['targets']) for p in dash['panels'])} queries valid, {n} answered from this run")
PY
	fi
	stops $spid
fi

# IPv6 loopback, where there is one
if [ -e /proc/net/if_inet6 ] && grep -q '^0\{31\}1 ' /proc/net/if_inet6; then
	serve '[::1]:0' && { [ "$(curl -s -o /dev/null -w '%{http_code}' "${url}metrics")" = 200 ] || fail "[::1]: $url"; stops $spid; }
fi
expect_run 2 "not \[ADDR:\]PORT" report "$tmp/run" --serve 70000
expect_run 2 "not \[ADDR:\]PORT" report "$tmp/run" --serve 'x:'
expect_run 2 "--serve needs \[ADDR:\]PORT" report "$tmp/run" --serve
expect_run 2 "--serve shows one run" report "$tmp/run" "$tmp/run" --serve 0
lib_done
