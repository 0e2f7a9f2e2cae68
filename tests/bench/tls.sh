#!/bin/bash
# SPDX-License-Identifier: MIT
# TLS benchmark: full handshakes to N held connections with connlab server
# and flood (--tls, OpenSSL) and with the minimal OpenSSL program
# tests/bench/tls_handshakes.c, side by side on the same lab topology
# (built fresh by `connlab up` for every run), the same 32 source
# addresses, one server port, PROCS processes per side and 1000 handshakes
# in flight; alternating order; median of RUNS runs. Reports the handshake
# rate to N and the user memory per held connection on each side
# (connlab: its workers' resident memory grown from their start; the
# program: the same, and what OpenSSL itself keeps allocated per
# connection, counted through its allocator hooks), and the ratios: the
# rate against the program's, connlab's memory against the library's own.
# Usage: tests/bench/tls.sh [RUNS] [CONNECTIONS]   (root)
set -eu
CONNLAB=${CONNLAB:-$PWD/connlab}
RUNS=${1:-3}
N=${2:-20000}
PROCS=${PROCS:-2}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
lab=tlsb$$
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	"$CONNLAB" down "$lab" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
gcc -O2 -o "$tmp/tls_handshakes" "$here/tls_handshakes.c" $(pkg-config --cflags --libs libssl libcrypto)

keys=(--set lab.name="$lab" --set clients.namespaces=1 --set clients.addresses=32 --set server.ports=8081
	--set clients.connections="$N")
up() {
	"$CONNLAB" up "${keys[@]}" >/dev/null
	"$CONNLAB" plan "${keys[@]}" --json >"$tmp/plan.json"
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
	sleep 2
}
SRV="ip netns exec connlab-$lab-srv"
CLI="ip netns exec connlab-$lab-c0"

run_baseline() { # prints: rate cli_rss cli_lib srv_rss srv_lib
	$SRV "$tmp/tls_handshakes" server 198.18.0.1 8081 "$PROCS" 90 >"$tmp/bs" 2>&1 &
	local sp=$!; pids+=($sp)
	sleep 0.5
	$CLI "$tmp/tls_handshakes" client "$FIRST" 32 198.18.0.1 8081 "$N" "$PROCS" 1000 60 >"$tmp/bc" 2>&1
	kill -TERM $sp; wait $sp || true
	python3 - "$tmp/bc" "$N" <<'PY'
import re, sys
c = open(sys.argv[1]).read()
m = re.search(r"READY n=(\d+) secs=([\d.]+) rate=([\d.]+) lib_bytes_per_conn=(-?\d+) rss_bytes_per_conn=(-?\d+)", c)
assert m and int(m[1]) >= int(sys.argv[2]), c
print(m[3], m[5], m[4], end=" ")
PY
	# the server's workers end at their time (90 s) or the signal: theirs
	# are the figures of their last note, with every connection held
	python3 - "$tmp/bs" <<'PY'
import re, sys
s = open(sys.argv[1]).read()
m = re.search(r"SERVER n=(\d+) .* lib_bytes_per_conn=(-?\d+) rss_bytes_per_conn=(-?\d+)", s)
print(m[3] if m else "nan", m[2] if m else "nan")
PY
}

run_connlab() { # prints: rate cli_rss cli_rss srv_rss srv_rss
	$SRV "$CONNLAB" server --address 198.18.0.1 --ports 8081 --workers "$PROCS" --tls \
		--duration 90s --stats-interval 200ms >"$tmp/cs" 2>/dev/null &
	local sp=$!; pids+=($sp)
	sleep 0.5
	$CLI "$CONNLAB" flood --target 198.18.0.1 --ports 8081 --source "$FIRST-$LAST" --connections "$N" \
		--rate unlimited --inflight 1000 --workers "$PROCS" --tls --duration 60s --hold 1s \
		--stats-interval 200ms >"$tmp/cf" 2>/dev/null
	kill -TERM $sp; wait $sp || true
	python3 - "$tmp/cf" "$tmp/cs" "$N" <<'PY'
import json, sys
n = int(sys.argv[3])
cf = [json.loads(l) for l in open(sys.argv[1])]; cs = [json.loads(l) for l in open(sys.argv[2])]
ramp = cf[-1]["ramp_s"]
assert ramp and cf[-1]["tls"]["handshakes"] >= n, cf[-1]
held = [l for l in cf if l["open"] >= n and not l["final"]][-1]
srv = [l for l in cs if l["open"] >= n and not l["final"]][-1]
cli = (held["rss_bytes"] - held["rss_start_bytes"]) / n
s = (srv["rss_bytes"] - srv["rss_start_bytes"]) / n
print(n / ramp, cli, cli, s, s)
PY
}

median() { python3 -c 'import statistics,sys; print("%.0f" % statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }
declare -a br bcr bcl bsr bsl cr ccr csr
for r in $(seq 1 "$RUNS"); do
	for who in $([ $((r % 2)) = 1 ] && echo "baseline connlab" || echo "connlab baseline"); do
		up
		if [ "$who" = baseline ]; then
			read -r rate c1 c2 s1 s2 < <(run_baseline)
			br+=("$rate"); bcr+=("$c1"); bcl+=("$c2"); bsr+=("$s1"); bsl+=("$s2")
		else
			read -r rate c1 _ s1 _ < <(run_connlab)
			cr+=("$rate"); ccr+=("$c1"); csr+=("$s1")
		fi
		echo "run $r $who: $(printf '%.0f' "$rate") handshakes/s to $N; user bytes per connection: clients $(printf '%.0f' "$c1"), server $(printf '%.0f' "$s1")" >&2
		down
	done
done
mbr=$(median "${br[@]}"); mcr=$(median "${cr[@]}")
mbcl=$(median "${bcl[@]}"); mbsl=$(median "${bsl[@]}"); mccr=$(median "${ccr[@]}"); mcsr=$(median "${csr[@]}")
echo "TLS: $N full handshakes (OpenSSL, ECDSA P-256, no resumption, buffers released), 32 source addresses, 1 server port, $PROCS processes per side, 1000 in flight; median of $RUNS runs; $(nproc) CPUs, Linux $(uname -r)"
echo
echo "| | baseline (tls_handshakes.c) | connlab | ratio |"
echo "|---|---|---|---|"
echo "| handshakes a second to $N | $mbr | $mcr | $(echo "scale=2; $mcr / $mbr" | bc) |"
mbcr=$(median "${bcr[@]}"); mbsr=$(median "${bsr[@]}")
echo "| clients: resident bytes per connection | $mbcr | $mccr | $(echo "scale=2; $mccr / $mbcr" | bc) |"
echo "| clients: OpenSSL's own bytes per connection | $mbcl | | $(echo "scale=2; $mccr / $mbcl" | bc) (connlab's resident over it) |"
echo "| server: resident bytes per connection | $mbsr | $mcsr | $(echo "scale=2; $mcsr / $mbsr" | bc) |"
echo "| server: OpenSSL's own bytes per connection | $mbsl | | $(echo "scale=2; $mcsr / $mbsl" | bc) (connlab's resident over it) |"
