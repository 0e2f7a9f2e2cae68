#!/bin/bash
# SPDX-License-Identifier: MIT
# Topology benchmark: the same lab topology built and torn down by
# connlab (anonymous and named), by one `ip -batch` script, and by one
# `ip` command per step, side by side, as the median of RUNS runs.
#   hub: 198.18.0.1/32 on lo; per namespace k a veth pair hub<->ns with a
#   /30, N client addresses (/32) and routes both ways; sysctls as connlab
#   sets them (port range, somaxconn, tcp_max_syn_backlog).
# Usage: tests/bench/topology.sh [RUNS]   (root; prints a markdown table)
set -eu
CONNLAB=${CONNLAB:-./connlab}
RUNS=${1:-5}
tag=clb$$
tmp=$(mktemp -d)
trap 'ip -all netns list 2>/dev/null | grep -o "^$tag[^ ]*" | xargs -r -n1 ip netns del 2>/dev/null; "$CONNLAB" down "$tag" >/dev/null 2>&1; rm -rf "$tmp"' EXIT

now() { date +%s.%N; }
ip4() { printf '198.%d.%d.%d' $((18 + ($1 >> 16))) $((($1 >> 8) & 255)) $(($1 & 255)); }

# gen_ip NS ADDRS SYSCTL: writes the same topology as ip scripts.
#   up.sh: ip -batch for namespaces and veth pairs (both ends placed directly),
#          then one `ip -n NS -batch` per namespace (ip -batch has no -n per line)
#   step.sh: one ip command per step
gen_ip() {
	local n=$1 a=$2 sysctl=$3 k i base f
	mkdir -p "$tmp/ns"; rm -f "$tmp"/ns/*
	: >"$tmp/root.ip"; : >"$tmp/down.ip"
	echo "netns add ${tag}-srv" >>"$tmp/root.ip"
	for k in $(seq 1 "$n"); do
		echo "netns add ${tag}-c$k" >>"$tmp/root.ip"
		echo "link add c$k netns ${tag}-srv type veth peer name srv netns ${tag}-c$k" >>"$tmp/root.ip"
	done
	{ echo "link set lo up"; echo "addr add 198.18.0.1/32 dev lo"; } >"$tmp/ns/${tag}-srv"
	for k in $(seq 1 "$n"); do
		base=$((65536 + k * 64))
		{
			echo "link set c$k up"
			echo "addr add $(ip4 $((4 * k + 1)))/30 dev c$k"
			echo "route add $(ip4 "$base")/26 via $(ip4 $((4 * k + 2)))"
		} >>"$tmp/ns/${tag}-srv"
		f="$tmp/ns/${tag}-c$k"
		{
			echo "link set lo up"
			echo "link set srv up"
			echo "addr add $(ip4 $((4 * k + 2)))/30 dev srv"
			for i in $(seq 1 "$a"); do echo "addr add $(ip4 $((base + i)))/32 dev srv"; done
			echo "route add 198.18.0.1/32 via $(ip4 $((4 * k + 1)))"
		} >"$f"
	done
	{
		echo "ip -batch $tmp/root.ip"
		for f in "$tmp"/ns/*; do
			echo "ip -n ${f##*/} -batch $f"
			[ "$sysctl" = 1 ] && echo "ip netns exec ${f##*/} sysctl -q -w net.ipv4.ip_local_port_range='1024 65535' net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535"
		done
	} >"$tmp/up.sh"
	{
		sed 's/^/ip /' "$tmp/root.ip"
		for f in "$tmp"/ns/*; do
			sed "s/^/ip -n ${f##*/} /" "$f"
			[ "$sysctl" = 1 ] && echo "ip netns exec ${f##*/} sysctl -q -w net.ipv4.ip_local_port_range='1024 65535' net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535"
		done
	} >"$tmp/step.sh"
	echo "netns del ${tag}-srv" >>"$tmp/down.ip"
	for k in $(seq 1 "$n"); do echo "netns del ${tag}-c$k" >>"$tmp/down.ip"; done
}

settle() { sleep 2; } # let the kernel finish freeing namespaces between runs

median() { python3 -c 'import statistics,sys; print("%.3f" % statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }

# run_case LABEL NS ADDRS: prints a table row per method
run_case() {
	local label=$1 n=$2 a=$3 r t0 t1 t2
	local -a ca cn ib ibs ps
	local ctot=$((n - 1)) # connlab: server, probe and n-1 client namespaces = n+1 namespaces, like hub + n
	for r in $(seq 1 "$RUNS"); do
		settle; t0=$(now)
		"$CONNLAB" up --try --set lab.name="$tag" --set clients.namespaces=$ctot --set clients.addresses=$((ctot * a)) --set clients.connections=$ctot >/dev/null
		t1=$(now); ca+=("$(echo "$t1 - $t0" | bc)")

		settle; t0=$(now)
		"$CONNLAB" up --set lab.name="$tag" --set clients.namespaces=$ctot --set clients.addresses=$((ctot * a)) --set clients.connections=$ctot >/dev/null
		"$CONNLAB" down "$tag" >/dev/null
		t1=$(now); cn+=("$(echo "$t1 - $t0" | bc)")

		gen_ip "$n" "$a" 0
		settle; t0=$(now)
		bash -e "$tmp/up.sh"; ip -batch "$tmp/down.ip"
		t1=$(now); ib+=("$(echo "$t1 - $t0" | bc)")

		gen_ip "$n" "$a" 1
		settle; t0=$(now)
		bash -e "$tmp/up.sh"; ip -batch "$tmp/down.ip"
		t1=$(now); ibs+=("$(echo "$t1 - $t0" | bc)")

		if [ "${SKIP_PER_STEP:-0}" != 1 ]; then
			settle; t0=$(now)
			bash -e "$tmp/step.sh"; ip -batch "$tmp/down.ip"
			t1=$(now); ps+=("$(echo "$t1 - $t0" | bc)")
		fi
	done
	local mca mcn mib mibs mps
	mca=$(median "${ca[@]}"); mcn=$(median "${cn[@]}"); mib=$(median "${ib[@]}"); mibs=$(median "${ibs[@]}")
	echo "| $label | connlab up --try (anonymous) | $mca | 1.00 |"
	echo "| $label | connlab up + down (named) | $mcn | $(echo "scale=2; $mcn / $mca" | bc) |"
	echo "| $label | ip -batch (+ one ip -n NS -batch per namespace), no sysctls | $mib | $(echo "scale=2; $mib / $mca" | bc) |"
	echo "| $label | the same with sysctls (ip netns exec sysctl) | $mibs | $(echo "scale=2; $mibs / $mca" | bc) |"
	if [ ${#ps[@]} -gt 0 ]; then
		mps=$(median "${ps[@]}")
		echo "| $label | one ip command per step, with sysctls | $mps | $(echo "scale=2; $mps / $mca" | bc) |"
	fi
}

echo "Topology build + teardown, median of $RUNS runs, seconds (ratio to connlab --try); $(nproc) CPUs, Linux $(uname -r)"
echo
echo "| topology | method | seconds | ratio |"
echo "|---|---|---|---|"
run_case "200 namespaces, 199 veth pairs to the hub, 1 address each" 199 1
run_case "65 namespaces, 64 client namespaces x 16 addresses" 64 16
