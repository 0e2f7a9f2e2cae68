#!/bin/bash
# SPDX-License-Identifier: MIT
# IPv4 against IPv6, side by side: lab/dual-stack.lab with lab.family =
# ipv4 and = ipv6, the same N connections (100k) at the lab's 20k/s and at
# an unlimited rate, RUNS times each, alternating which goes first; then
# the lab as it is (dual, N over each family). Prints the medians of the
# setup rate, the kernel memory per connection (Slab), ping (ping6 over
# IPv6) during the hold, and ipv6/ipv4 ratios.
# Usage: tests/bench/dual-stack.sh [RUNS] [CONNECTIONS]   (root)
set -eu
CONNLAB=${CONNLAB:-$PWD/connlab}
RUNS=${1:-3}
N=${2:-100000}
tmp=$(mktemp -d)
# kept when the table cannot be made, to see why
trap '[ "${ok:-}" = 1 ] && rm -rf "$tmp" || echo "runs kept in $tmp" >&2' EXIT
one() { # FAMILY K RATE
	"$CONNLAB" run lab/dual-stack.lab --set lab.family="$1" --set clients.connections="$N" \
		--set clients.rate="$3" --set lab.duration=20s --out "$tmp/$1-$2-${3%/s}" >/dev/null 2>&1 || true
	sleep 5 # the kernel frees the last run's sockets for a while
}
for k in $(seq 1 "$RUNS"); do
	for rate in unlimited 20k/s; do
		if [ $((k % 2)) = 1 ]; then one ipv4 "$k" $rate; one ipv6 "$k" $rate; else one ipv6 "$k" $rate; one ipv4 "$k" $rate; fi
	done
done
"$CONNLAB" run lab/dual-stack.lab --set clients.connections=$((2 * N)) --set lab.duration=20s --out "$tmp/dual" >/dev/null 2>&1 || true
python3 - "$tmp" "$RUNS" "$N" <<'PY'
import json, statistics, sys
tmp, runs, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def fig(fam, k, rate):
    d = json.load(open(f"{tmp}/{fam}-{k}-{rate}/result.json"))
    # an IPv4 lab has no "families": all of it is IPv4
    f = d["families"][fam] if "families" in d else {"flood_established": d["connections"]["made"],
                                                     "kernel_inuse_peak_clients": d["peaks"]["established_clients"]}
    assert f["flood_established"] == n and f["kernel_inuse_peak_clients"] == n, (fam, k, f, d["reason"])
    return (n / d["connections"]["ramp_s"], d["memory"]["kernel_slab_per_conn_bytes"],
            d["ping"]["hold"]["p50_ms"], d["ping"]["hold"]["p99_ms"], d["ping"]["hold"]["loss"])
names = ["setup rate, connections/s", "kernel memory per connection, B (Slab, both ends)",
         "ping p50 in the hold, ms", "ping p99 in the hold, ms", "ping loss in the hold"]
for rate in ("unlimited", "20k"):
    rows = {fam: [fig(fam, k, rate) for k in range(1, runs + 1)] for fam in ("ipv4", "ipv6")}
    med = {fam: [statistics.median(r[i] for r in rows[fam]) for i in range(5)] for fam in rows}
    print(f"| {n} connections, rate {rate}, median of {runs} | IPv4 | IPv6 | IPv6 / IPv4 |")
    print("|---|---|---|---|")
    for i, name in enumerate(names):
        a, b = med["ipv4"][i], med["ipv6"][i]
        fmt = "{:,.0f}" if i < 2 else "{:.3f}"
        print(f"| {name} | {fmt.format(a)} | {fmt.format(b)} | {b / a:.2f} |" if a else f"| {name} | {a} | {b} | |")
    print()
    print("every run:", {k: [[round(x, 3) for x in r] for r in v] for k, v in rows.items()})
    print()
d = json.load(open(f"{tmp}/dual/result.json"))
f = d["families"]
print(f"dual, {2 * n} connections at the lab's rate: outcome {d['outcome']}; IPv4 {f['ipv4']['flood_established']} "
      f"(kernel {f['ipv4']['kernel_inuse_peak_clients']}), IPv6 {f['ipv6']['flood_established']} (kernel "
      f"{f['ipv6']['kernel_inuse_peak_clients']}); ramp {d['connections']['ramp_s']:.2f} s; kernel "
      f"{d['memory']['kernel_slab_per_conn_bytes']:.0f} B per connection; ping hold p99 {d['ping']['hold']['p99_ms']:.3f} ms, "
      f"ping6 hold p99 {d['ping6']['hold']['p99_ms']:.3f} ms, losses {d['ping']['all']['lost']} and {d['ping6']['all']['lost']}")
PY
ok=1
