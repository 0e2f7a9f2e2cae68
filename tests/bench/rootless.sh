#!/bin/bash
# SPDX-License-Identifier: MIT
# Root against rootless, side by side: the default lab (100k connections)
# with an unlimited connect rate (so the ramp measures the kernel, not the
# lab's 20k/s), RUNS times each, alternating which goes first; as root
# and as uid 65534 in a user namespace of its own. Prints the medians of
# the setup rate (connections a second in the ramp) and of the user and
# kernel memory per connection, and rootless/root ratios.
# Usage: tests/bench/rootless.sh [RUNS] [CONNECTIONS]   (root)
set -eu
CONNLAB=${CONNLAB:-$PWD/connlab}
CONNLAB=$(cd "$(dirname "$CONNLAB")" && pwd)/$(basename "$CONNLAB")
RUNS=${1:-3}
N=${2:-100000}
tmp=$(mktemp -d)
chmod 777 "$tmp"
trap 'rm -rf "$tmp"' EXIT
args=(--set clients.connections="$N" --set clients.rate=unlimited --set lab.duration=5s)
one() { # root|rootless K
	if [ "$1" = root ]; then
		"$CONNLAB" run "${args[@]}" --out "$tmp/$1-$2" >/dev/null 2>&1
	else
		(cd "$tmp" && setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
			env XDG_RUNTIME_DIR= "$CONNLAB" run "${args[@]}" --out "$tmp/$1-$2" >/dev/null 2>&1)
	fi
	# the kernel frees the last run's sockets for a while: let it settle
	sleep 5
}
for k in $(seq 1 "$RUNS"); do
	if [ $((k % 2)) = 1 ]; then one root "$k"; one rootless "$k"; else one rootless "$k"; one root "$k"; fi
done
python3 - "$tmp" "$RUNS" "$N" <<'PY'
import json, statistics, sys
tmp, runs, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def fig(kind, k):
    d = json.load(open(f"{tmp}/{kind}-{k}/result.json"))
    assert d["connections"]["established_peak"] == n, (kind, k, d["connections"])
    ramp = d["connections"]["ramp_s"]
    return n / ramp, d["memory"]["user_pss_per_conn_bytes"], d["memory"]["kernel_slab_per_conn_bytes"]
rows = {kind: [fig(kind, k) for k in range(1, runs + 1)] for kind in ("root", "rootless")}
med = {kind: [statistics.median(r[i] for r in rows[kind]) for i in range(3)] for kind in rows}
print(f"| {n} connections, unlimited rate, median of {runs} | root | rootless | rootless / root |")
print("|---|---|---|---|")
for i, name in enumerate(["setup rate, connections/s", "user memory per connection, B (Pss)", "kernel memory per connection, B (Slab)"]):
    a, b = med["root"][i], med["rootless"][i]
    print(f"| {name} | {a:,.0f} | {b:,.0f} | {b / a:.2f} |" if b == b and a == a and a else f"| {name} | {a} | {b} | |")
print()
print("every run:", {k: [[round(x, 1) if x == x else None for x in r] for r in v] for k, v in rows.items()})
PY
