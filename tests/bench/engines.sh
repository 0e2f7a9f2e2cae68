#!/bin/bash
# SPDX-License-Identifier: MIT
# Engine benchmark: opening and holding 100k connections with connlab
# server + flood and with the raw epoll baseline (../shared/bench/baseline),
# side by side: the same lab topology (built fresh for every run by
# `connlab up`), the same 32 source addresses, 4 server ports, processes per
# side and connects in flight; alternating order; median of RUNS runs.
# Reports setup rate (connections per second to the target) and user memory
# growth per connection (RSS at the target less RSS at the start, summed
# over the workers), and connlab's ratios to the baseline.
# Usage: tests/bench/engines.sh [RUNS] [CONNECTIONS]   (root)
set -eu
CONNLAB=${CONNLAB:-$PWD/connlab}
RUNS=${1:-3}
N=${2:-100000}
PROCS=${PROCS:-6}
BASELINE_DIR=${BASELINE_DIR:-$(cd "$(dirname "$0")/../../.." && pwd)/shared/bench/baseline}
tmp=$(mktemp -d)
lab=bench$$
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	"$CONNLAB" down "$lab" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
[ -f "$BASELINE_DIR/limits.c" ] || { echo "no baseline at $BASELINE_DIR"; exit 1; }
gcc -O2 -o "$tmp/limits" "$BASELINE_DIR/limits.c"

up() {
	"$CONNLAB" up --set lab.name="$lab" --set clients.namespaces=1 --set clients.addresses=32 \
		--set server.ports=8081-8084 --set clients.connections="$N" >/dev/null
	"$CONNLAB" plan --set lab.name="$lab" --set clients.namespaces=1 --set clients.addresses=32 \
		--set server.ports=8081-8084 --set clients.connections="$N" --json >"$tmp/plan.json"
	FIRST=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["namespaces"][0]["first_address"])' "$tmp/plan.json")
	LAST=$(python3 -c 'import ipaddress,json,sys; print(ipaddress.ip_address(json.load(open(sys.argv[1]))["namespaces"][0]["first_address"]) + 31)' "$tmp/plan.json")
}
down() { # once every process of the run has left the lab
	local _
	for _ in $(seq 100); do
		[ -z "$(ip netns pids "connlab-$lab-srv")$(ip netns pids "connlab-$lab-c0")" ] && break
		sleep 0.1
	done
	"$CONNLAB" down "$lab" >/dev/null
	sleep 3
}
# commands, not functions: a function run with & is a subshell, and its
# PID would not be the program's
SRV="ip netns exec connlab-$lab-srv"
CLI="ip netns exec connlab-$lab-c0"

run_baseline() { # prints: rate cli_bytes_per_conn srv_bytes_per_conn seconds
	$SRV "$tmp/limits" server -b 198.18.0.1 -p 8081 -n 4 -P "$PROCS" -t 120 2>"$tmp/bs" &
	local sp=$!; pids+=($sp)
	sleep 0.5
	$CLI "$tmp/limits" client -a "$FIRST" -N 32 -d 198.18.0.1 -p 8081 -n 4 -c "$N" -k 1000 -P "$PROCS" -t 60 -H 2 2>"$tmp/bc"
	kill -TERM $sp; wait $sp || true
	# srv rss at the time of the client's READY: the srv line nearest it
	python3 - "$tmp/bc" "$tmp/bs" "$N" <<'PY'
import re, sys
cli = open(sys.argv[1]).read(); srv = open(sys.argv[2]).read(); n = int(sys.argv[3])
m = re.search(r"READY est=(\d+) in ([\d.]+)s rate=(\d+) conn/s .* rss_kb_sum=(\d+) \(start (\d+), delta (-?\d+)\)", cli)
est, secs, rate, rss, start, delta = int(m[1]), float(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[6])
assert est == n, f"baseline reached {est}"
opens = [(int(a), int(b)) for a, b in re.findall(r"srv t=[\d.]+ open=(\d+) .* rss_kb_sum=(\d+)", srv)]
start_srv = int(re.search(r"\(start (\d+)\)", srv)[1])
peak = max(r for o, r in opens if o >= n * 0.99)
print(n / secs, delta * 1024 / n, (peak - start_srv) * 1024 / n, secs)
PY
}

run_connlab() {
	$SRV "$CONNLAB" server --address 198.18.0.1 --ports 8081-8084 --workers "$PROCS" --mode echo \
		--duration 120s --stats-interval 100ms >"$tmp/cs" 2>/dev/null &
	local sp=$!; pids+=($sp)
	sleep 0.5
	$CLI "$CONNLAB" flood --target 198.18.0.1 --ports 8081-8084 --source "$FIRST-$LAST" --connections "$N" \
		--rate unlimited --inflight 1000 --workers "$PROCS" --duration 60s --stats-interval 100ms >"$tmp/cf" 2>/dev/null &
	local fp=$!; pids+=($fp)
	# one watcher for the whole run (a python started every 100 ms would
	# take a good part of a core from the run it measures)
	python3 - "$tmp/cf" "$N" <<'PY'
import json, sys, time
n, end = int(sys.argv[2]), time.monotonic() + 60
buf = ""
with open(sys.argv[1]) as f:
    while time.monotonic() < end:
        buf += f.readline()
        if not buf.endswith("\n"):
            time.sleep(0.05)
            continue
        line, buf = buf, ""
        if json.loads(line)["open"] >= n:
            break
PY
	sleep 0.5
	kill -TERM $fp; wait $fp || true
	kill -TERM $sp; wait $sp || true
	python3 - "$tmp/cf" "$tmp/cs" "$N" <<'PY'
import json, sys
n = int(sys.argv[3])
cf = [json.loads(l) for l in open(sys.argv[1])]; cs = [json.loads(l) for l in open(sys.argv[2])]
ramp = cf[-1]["ramp_s"]
assert ramp and cf[-1]["established"] >= n, cf[-1]
# the flood's clock starts when it starts; its first line is at 0.1 s, before the load
at = [l for l in cf if l["open"] >= n][0]
srv_at = max(l["rss_bytes"] for l in cs if l["open"] >= n * 0.99)
print(n / ramp, (at["rss_bytes"] - cf[0]["rss_bytes"]) / n, (srv_at - cs[0]["rss_bytes"]) / n, ramp)
PY
}

median() { python3 -c 'import statistics,sys; print("%.1f" % statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }
declare -a br bc bs cr cc cs
for r in $(seq 1 "$RUNS"); do
	for who in $([ $((r % 2)) = 1 ] && echo "baseline connlab" || echo "connlab baseline"); do
		up
		if [ "$who" = baseline ]; then read -r rate cb sb secs < <(run_baseline); br+=("$rate"); bc+=("$cb"); bs+=("$sb")
		else read -r rate cb sb secs < <(run_connlab); cr+=("$rate"); cc+=("$cb"); cs+=("$sb"); fi
		echo "run $r $who: $(printf '%.0f' "$rate") conn/s to $N in ${secs}s; user bytes per connection: client $(printf '%.0f' "$cb"), server $(printf '%.0f' "$sb")" >&2
		down
	done
done
mbr=$(median "${br[@]}"); mcr=$(median "${cr[@]}")
echo "Engines: $N connections, 32 source addresses, 4 server ports, $PROCS processes per side, 1000 connects in flight; median of $RUNS runs; $(nproc) CPUs, Linux $(uname -r)"
echo
echo "| | baseline (limits.c) | connlab | ratio |"
echo "|---|---|---|---|"
echo "| setup rate to $N, conn/s | $mbr | $mcr | $(echo "scale=2; $mcr / $mbr" | bc) |"
echo "| user bytes per connection, client side (RSS growth) | $(median "${bc[@]}") | $(median "${cc[@]}") | |"
echo "| user bytes per connection, server side (RSS growth) | $(median "${bs[@]}") | $(median "${cs[@]}") | |"
