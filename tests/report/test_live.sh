#!/bin/bash
# SPDX-License-Identifier: MIT
# `connlab run --serve`: a real run watched while it goes. Headless
# Chromium keeps the live page open in a tab, whose script grows the
# charts in place and turns it into report.html at the end, and opens it
# twice more seconds apart: the connections chart has grown (its data and
# its pixels); a real Prometheus scrapes
# /metrics each second and every established count it stored is one of
# the run's timeline, in order; /result.json only once the run has ended;
# with --serve-after the page is then byte for byte the run's report.html.
# A client that never reads is dropped; it and 1,000 clients at once leave the sampler's
# interval as it is without them; the server is gone with the run.
. "$(dirname "$0")/../lib.sh"
lib_init test_live root
chromium=$(command -v chromium || command -v chromium-browser || true)

# live NAME ARGS...: connlab run ARGS --serve 127.0.0.1:0 --out $tmp/NAME
# in the background: $lpid, and $url once it says where it serves
live() {
	local name=$1
	shift
	"$CONNLAB" run "$@" --serve 127.0.0.1:0 --out "$tmp/$name" >"$tmp/$name.out" 2>&1 &
	lpid=$!
	on_exit "kill -INT $lpid 2>/dev/null; wait $lpid 2>/dev/null"
	url=
	for _ in $(seq 100); do
		url=$(grep -o 'live at http://[^ ]*/' "$tmp/$name.out" | cut -d' ' -f3)
		[ -n "$url" ] && return 0
		alive $lpid || break
		sleep 0.1
	done
	fail "$name: no address said: $(head -3 "$tmp/$name.out")"
	return 1
}

# page_data FILE: the live line's phase and established count, and the
# established series of the connections chart: its time span and points
page_data() {
	$PY - "$1" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
m = re.search(r'id="connlab-established">(\d+)<', t)
svg = re.search(r'<svg[^>]*id="states"[^>]*data-x1="([0-9.]+)"', t)
path = re.search(r'<path [^>]*data-series="established"[^>]*d="([^"]*)"', t)
print(m.group(1) if m else -1, svg.group(1) if svg else -1, path.group(1).count("L") + 1 if path else 0)
PY
}

# slow ramp: the charts grow over some seconds
lab=(--set clients.connections=3000 --set clients.rate=200/s --set lab.duration=6s)
if live watched "${lab[@]}" --serve-after=30s; then
	# the first sample is there within the lab's build
	for _ in $(seq 100); do
		[ "$(curl -s -o "$tmp/p1.html" -w '%{http_code}' "$url")" = 200 ] && break
		sleep 0.1
	done
	grep -q 'id="connlab-live"' "$tmp/p1.html" || fail "/ during the run: no live line: $(head -c 300 "$tmp/p1.html")"
	grep -q '<script>' "$tmp/p1.html" || fail "/ during the run: no script to follow the run"
	grep -Eq 'src=|href="http' "$tmp/p1.html" && fail "/ during the run loads something from elsewhere"
	[ "$(curl -s -o "$tmp/r.txt" -w '%{http_code}' "${url}result.json")" = 404 ] &&
		grep -q 'has not ended' "$tmp/r.txt" || fail "/result.json during the run: $(cat "$tmp/r.txt")"

	# Prometheus scrapes the run every second
	hostport=${url#http://}
	pport=
	prom_start "${hostport%/}" || skip_part "Prometheus scrape" "prometheus is not installed"

	# Chromium: the page left open in one tab (its script follows the run),
	# and two screenshots of fresh loads 3 s apart while the ramp goes
	if [ -z "$chromium" ] || ! $PY -c 'import PIL' 2>/dev/null; then
		skip_part "Chromium" "Debian's chromium and python3-pil are not installed"
	else
		timeout 120 $PY tests/report/live_poll.py "$chromium" "$url" 90 final >"$tmp/poll.txt" 2>"$tmp/poll.err" &
		poll=$!
		on_exit "kill $poll 2>/dev/null"
		for k in 1 2; do
			[ $k = 2 ] && sleep 3
			timeout 60 "$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars \
				--window-size=1000,1400 --screenshot="$tmp/shot$k.png" "$url" >"$tmp/chromium$k.log" 2>&1
			timeout 60 "$chromium" --headless --no-sandbox --disable-gpu --dump-dom "$url" \
				>"$tmp/dom$k.html" 2>>"$tmp/chromium$k.log"
		done
		read -r e1 x1 n1 <<<"$(page_data "$tmp/dom1.html")"
		read -r e2 x2 n2 <<<"$(page_data "$tmp/dom2.html")"
		echo "  Chromium: established $e1 then $e2; the chart ${x1}s ($n1 points) then ${x2}s ($n2 points)"
		[ "$n1" -gt 0 ] && [ "$n2" -gt "$n1" ] && $PY -c "import sys; sys.exit(not float('$x2') > float('$x1'))" ||
			fail "the connections chart did not grow between the screenshots"
		$PY - "$tmp/shot1.png" "$tmp/shot2.png" <<'PY' || fail "the screenshots: the claim above"
import sys
from PIL import Image, ImageChops
a, b = (Image.open(p).convert("RGB") for p in sys.argv[1:3])
box = ImageChops.difference(a, b).getbbox()
assert box, "the two screenshots are the same"
print(f"  the screenshots differ in {box}")
PY
	fi
	wait_line() { for _ in $(seq 600); do grep -q "$1" "$tmp/watched.out" && return 0; alive $lpid || return 1; sleep 0.1; done; return 1; }
	wait_line 'serving the finished run' || fail "the run did not end: $(tail -3 "$tmp/watched.out")"
	curl -s "$url" | cmp -s - "$tmp/watched/report.html" || fail "/ after the run is not its report.html"
	curl -s "${url}result.json" | cmp -s - "$tmp/watched/result.json" || fail "/result.json after the run is not its result.json"
	if [ -n "${poll:-}" ]; then
		wait $poll
		$PY - "$tmp/poll.txt" <<'PY' || fail "Chromium's open tab: the claims above ($(tail -2 "$tmp/poll.err"))"
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
live = [x for x in r if x["live"]]
assert len(live) >= 3, f"fewer than 3 readings of the live page: {r}"
assert not any(x["reloaded"] for x in live), "the live page was loaded again, not updated in place"
a, b = live[0], live[-1]
assert b["points"] > a["points"] and b["x1"] > a["x1"], f"the chart did not grow in the open tab: {a} then {b}"
assert b["established"] > a["established"], f"the live line did not move: {a} then {b}"
end = r[-1]
assert not end["live"] and end["reloaded"] and end["points"] > 0, f"the open tab did not become report.html: {end}"
print(f"  Chromium's open tab: {len(live)} readings, the chart {a['points']} then {b['points']} points, "
      f"established {a['established']} then {b['established']}; then it reloaded into report.html")
PY
	fi
	if [ -n "$pport" ]; then
		# every established count Prometheus stored is the timeline's, in order
		now=$(date +%s)
		curl -s --get "http://127.0.0.1:$pport/api/v1/query_range" --data-urlencode 'query=connlab_established{side="client"}' \
			--data-urlencode "start=$((now - 120))" --data-urlencode "end=$now" --data-urlencode step=1s >"$tmp/prom.json"
		curl -s --get "http://127.0.0.1:$pport/api/v1/query" \
			--data-urlencode 'query=max_over_time(connlab_connect_seconds_count[5m])' >"$tmp/promc.json"
		curl -s --get "http://127.0.0.1:$pport/api/v1/query" \
			--data-urlencode 'query=max_over_time(connlab_ping_seconds_count[5m])' >"$tmp/promp.json"
		$PY - "$tmp/prom.json" "$tmp/promc.json" "$tmp/watched/result.json" "$tmp/promp.json" <<'PY' || fail "Prometheus: the claims above ($(tail -2 "$tmp/prom.log"))"
import json, sys
r = json.load(open(sys.argv[1]))["data"]["result"]
c = json.load(open(sys.argv[2]))["data"]["result"]
res = json.load(open(sys.argv[3]))
col = res["timeline"]["established_clients"]
assert r, 'no connlab_established{side="client"} stored'
seen = []
for _, v in r[0]["values"]:
    if not seen or seen[-1] != int(v):
        seen.append(int(v))
i = 0
for v in seen:  # a subsequence of the timeline
    while i < len(col) and col[i] != v:
        i += 1
    assert i < len(col), f"Prometheus has established {v}, which is not in the timeline after row {i}: {seen} vs {col}"
assert len(seen) >= 3, f"fewer than 3 distinct established counts scraped: {seen}"
assert max(seen) == max(col), f"the highest scraped {max(seen)}, the timeline's {max(col)}"
made = res["connect"]["count"] if isinstance(res.get("connect"), dict) else None
got = float(c[0]["value"][1]) if c else -1
assert got > 0, "no connect histogram scraped"
p = json.load(open(sys.argv[4]))["data"]["result"]
pings = float(p[0]["value"][1]) if p else -1
assert 0 < pings <= res["ping"]["all"]["count"], f"ping histogram: {pings} scraped, {res['ping']['all']['count']} in result.json"
print(f"  Prometheus: {len(seen)} distinct established counts, all the timeline's in order (up to {max(seen)}); connect histogram count {got:.0f}, ping histogram {pings:.0f}")
PY
	fi
	kill -INT $lpid
	for _ in $(seq 50); do alive $lpid || break; sleep 0.1; done
	wait $lpid
	echo "  the watched run: exit $? after Ctrl-C"
	curl -s -m 2 "$url" >/dev/null && fail "the server still answers after Ctrl-C"
fi

# The sampler's interval, without clients and with a client that never
# reads and 1,000 at once; the server goes with the run.
jitter() {
	$PY - "$tmp/$1/result.json" <<'PY'
import json, sys
tl = json.load(open(sys.argv[1]))["timeline"]
t, iv = tl["t_s"], tl["interval_s"]
d = sorted(abs((b - a) - iv) for a, b in zip(t, t[1:]))
print(f"{d[len(d) // 2] * 1000:.1f} {d[-2] * 1000:.1f}")
PY
}
plain=(--set clients.connections=3000 --set lab.duration=8s --set lab.interval=250ms)
run_out quiet "${plain[@]}"
if live crowded "${plain[@]}"; then
	$PY - "${url#http://}" "$lpid" "$tmp/crowd.txt" <<'PY' &
import os, socket, sys, time
host, port = sys.argv[1].rstrip("/").split(":")
pid, out = sys.argv[2], open(sys.argv[3], "w")
def fds():
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1
before = fds()
# one that asks again and again and never reads
lazy = socket.create_connection((host, int(port)))
lazy.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
req = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
lazy.setblocking(False)
for _ in range(2000):
    try:
        lazy.send(req)
    except BlockingIOError:
        break
crowd, most = [], 0
for _ in range(1000):
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect((host, int(port)))
    except BlockingIOError:
        pass
    crowd.append(s)
time.sleep(0.5)
for s in crowd:
    try:
        s.send(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    except OSError:
        pass
for _ in range(30):
    most = max(most, fds() - before)
    time.sleep(0.1)
# within the timeout (5 s) and a little more, the one that never read is
# dropped: its socket on the server's side is closed (FIN-WAIT-1 behind
# the data it never read, an orphan of the kernel's) or gone
import subprocess
mine = lazy.getsockname()[1]
dropped, t0 = False, time.time()
while time.time() - t0 < 12 and not dropped:
    ss = subprocess.run(["ss", "-Htn", "state", "established", f"sport = :{port} and dport = :{mine}"],
                        capture_output=True, text=True).stdout
    dropped = not ss.strip()
    time.sleep(0.3)
print(most, int(dropped), file=out)
PY
	cpid=$!
	wait $lpid
	echo $? >"$tmp/crowded.rc"
	wait $cpid
	read -r most dropped <"$tmp/crowd.txt"
	echo "  1,000 clients: the launcher held at most $most more descriptors; the client that never read dropped: $dropped"
	[ "$most" -le 40 ] || fail "the server took $most connections at once (at most 32)"
	[ "$dropped" = 1 ] || fail "the client that never reads was not dropped"
	curl -s -m 2 "$url" >/dev/null && fail "the server still answers after the run"
	read -r q50 q2 <<<"$(jitter quiet)"
	read -r c50 c2 <<<"$(jitter crowded)"
	echo "  sample interval off by: median ${q50} ms, second worst ${q2} ms alone; ${c50} and ${c2} ms with the crowd"
	$PY -c "import sys; sys.exit(not ($c50 <= $q50 + 5 and $c2 <= $q2 + 25))" ||
		fail "the crowd moved the sampler: median ${q50} -> ${c50} ms, second worst ${q2} -> ${c2} ms"
fi

# rootless: an ordinary user's run is served on the host's loopback
chmod 755 "$tmp"
nobody() { (cd "$tmp" && setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all env XDG_RUNTIME_DIR= "$@"); }
if nobody unshare -Ur true 2>/dev/null; then
	mkdir "$tmp/rl" && chown 65534:65534 "$tmp/rl"
	nobody "$CONNLAB" run --set clients.connections=500 --set lab.duration=4s --serve 127.0.0.1:0 \
		--out "$tmp/rl/run" >"$tmp/rootless.out" 2>&1 &
	rpid=$!
	on_exit "kill -INT $rpid 2>/dev/null"
	code=
	for _ in $(seq 150); do
		rurl=$(grep -o 'live at http://[^ ]*/' "$tmp/rootless.out" | cut -d' ' -f3)
		[ -n "$rurl" ] && code=$(curl -s -o "$tmp/rp.html" -w '%{http_code}' "$rurl")
		[ "$code" = 200 ] && break
		alive $rpid || break
		sleep 0.1
	done
	[ "$code" = 200 ] && grep -q 'connlab-live' "$tmp/rp.html" ||
		fail "rootless: the live page did not answer ($code): $(tail -3 "$tmp/rootless.out")"
	wait $rpid
	rc=$?
	[ $rc = 0 ] && grep -q '"rootless": true' "$tmp/rl/run/result.json" || fail "rootless run: exit $rc: $(tail -3 "$tmp/rootless.out")"
	echo "  rootless: the live page answered on the host's loopback (exit $rc)"
else
	skip_part rootless "an ordinary user cannot make a user namespace here"
fi

expect_run 2 "not \[ADDR:\]PORT" run --serve 70000
expect_run 2 "--serve-after serves a run that --serve" run --serve-after
expect_run 2 "--serve-after=x: not a duration" run --serve 0 --serve-after=x
lib_done
