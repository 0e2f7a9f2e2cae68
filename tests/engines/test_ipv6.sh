#!/bin/bash
# SPDX-License-Identifier: MIT
# connlab server and connlab flood over IPv6, in two namespaces of this
# test's own joined by a veth pair (addresses from 2001:2::/48, RFC 5180's
# benchmarking range; duplicate address detection off; no route out):
# 70k connections from ONE IPv6 source address to four ports, counted by
# the kernel; TIME_WAIT exhausting a small port range over IPv6
# (EADDRNOTAVAIL) and tcp_tw_reuse=1 fixing it; a dual-stack flood whose
# per-family counts equal the kernel's; IPV6_V6ONLY on the server's IPv6
# listeners. Exits 77 when it cannot run here.
. "$(dirname "$0")/../lib.sh"
lib_init test_ipv6 root
CONNLAB=$(readlink -f "$CONNLAB")
S=v6s$$ C=v6c$$
ip netns add $S && ip netns add $C || lib_skip "cannot make namespaces"
on_exit "ip netns del $S; ip netns del $C"
pids=()
on_exit 'for p in "${pids[@]}"; do kill -TERM $p 2>/dev/null; done; wait 2>/dev/null'
for ns in $S $C; do
	ip netns exec $ns sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
		net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535 \
		net.ipv4.ip_local_port_range="1024 65535"
	ip netns exec $ns ip link set lo up
done
ip netns exec $S ip link add eth0 type veth peer name eth0 netns $C
ip netns exec $S ip -6 addr add 2001:2::1/126 dev eth0 nodad
ip netns exec $S ip addr add 198.18.0.1/30 dev eth0
ip netns exec $C ip -6 addr add 2001:2::2/126 dev eth0 nodad
ip netns exec $C ip addr add 198.18.0.2/30 dev eth0
ip netns exec $C ip -6 addr add 2001:2::1:10/128 dev lo nodad
ip netns exec $S ip link set eth0 up
ip netns exec $C ip link set eth0 up
ip netns exec $S ip -6 route add 2001:2::1:0/112 via 2001:2::2 dev eth0
ip netns exec $C ping -6 -c1 -W2 2001:2::1 >/dev/null || fail "no IPv6 between the namespaces"

field() { $PY -c 'import json,sys; l=[x for x in open(sys.argv[1]) if x.startswith("{")]; v=json.loads(l[-1]); [v:=v[k] for k in sys.argv[2].split(".")]; print(v)' "$1" "$2" 2>/dev/null; }
wait_for() { # FILE KEY VALUE SECONDS
	for _ in $(seq $(($4 * 10))); do [ "$(field "$1" "$2")" = "$3" ] && return 0; sleep 0.1; done
	return 1
}
count() { ip netns exec "$1" ss -Htn "$2" state "$3" | wc -l; }

# ---- 1. 70k connections from ONE IPv6 source address to four ports ----
ip netns exec $S "$CONNLAB" server --address 2001:2::1 --address 198.18.0.1 --ports 8081-8084 --mode echo \
	--workers auto --max-connections 75000 --duration 120s --stats-interval 100ms >"$tmp/s1" 2>"$tmp/s1.err" &
spid=$!; pids+=($spid)
wait_for "$tmp/s1" listening 40 10 || { [ "$(field "$tmp/s1" listening)" -ge 8 ] 2>/dev/null || fail "server: $(cat "$tmp/s1.err")"; }
ip netns exec $S ss -Hltn | awk '{print $4}' | grep -q '^\[2001:2::1\]:8084$' || fail "no IPv6 listener"
ip netns exec $C "$CONNLAB" flood --target 2001:2::1 --ports 8081-8084 --source 2001:2::1:10 \
	--connections 70000 --rate unlimited --inflight 2000 --duration 60s --stats-interval 100ms >"$tmp/f1" 2>"$tmp/f1.err" &
fpid=$!; pids+=($fpid)
wait_for "$tmp/f1" open 70000 40 || fail "one IPv6 address: $(tail -1 "$tmp/f1" | cut -c1-300)"
k=$(count $C -6 established)
[ "$k" = 70000 ] || fail "kernel: $k IPv6 connections established in the client"
[ "$(count $C -4 established)" = 0 ] || fail "IPv4 connections where there should be none"
[ "$(ip netns exec $C ss -Htn6 state established | awk '{print $3}' | sed 's/\]:.*//; s/^\[//' | sort -u)" = 2001:2::1:10 ] ||
	fail "more than one source address used"
[ "$(field "$tmp/f1" established_ipv6)" = 70000 ] || fail "flood: established_ipv6 $(field "$tmp/f1" established_ipv6)"
echo "  70000 IPv6 connections from 2001:2::1:10 to 4 ports in $(field "$tmp/f1" ramp_s) s"
kill -TERM $fpid; wait $fpid

# ---- 2. TIME_WAIT over IPv6: the port range runs out; tcp_tw_reuse=1 ----
ip netns exec $C sysctl -qw net.ipv4.ip_local_port_range="40000 40999" net.ipv4.tcp_timestamps=1
for reuse in 0 1; do
	ip netns exec $C sysctl -qw net.ipv4.tcp_tw_reuse=$reuse
	sleep 0.1
	ip netns exec $C "$CONNLAB" flood --target 2001:2::1 --ports 8081 --source 2001:2::1:10 \
		--mode churn --connections 2500 --rate 500/s --duration 8s --stats-interval 0 >"$tmp/tw$reuse" 2>"$tmp/tw$reuse.err"
	tw=$(count $C -6 time-wait)
	echo "  IPv6 churn, 1000 ports, 500/s, tcp_tw_reuse=$reuse: $(field "$tmp/tw$reuse" errors_total) errors, $tw TIME_WAIT"
	if [ $reuse = 0 ]; then
		[ "$(field "$tmp/tw0" errors.EADDRNOTAVAIL.connect)" -ge 500 ] 2>/dev/null ||
			fail "no EADDRNOTAVAIL over IPv6 without tcp_tw_reuse: $(tail -1 "$tmp/tw0" | cut -c1-300)"
		[ "$tw" -ge 900 ] || fail "IPv6 TIME_WAIT $tw, expected near the 1000 ports"
		# TIME_WAIT sockets hold the range for 60 s: start the next from others
		ip netns exec $C sysctl -qw net.ipv4.ip_local_port_range="41000 41999"
	else
		[ "$(field "$tmp/tw1" errors_total)" -le 25 ] || fail "tcp_tw_reuse=1 still fails over IPv6: $(tail -1 "$tmp/tw1" | cut -c1-300)"
	fi
done
ip netns exec $C sysctl -qw net.ipv4.ip_local_port_range="1024 65535"

# ---- 3. dual stack: a share over each family, counted by the kernel ----
ip netns exec $C ip addr add 198.18.1.10/32 dev lo
ip netns exec $S ip route add 198.18.1.0/24 via 198.18.0.2
ip netns exec $C "$CONNLAB" flood --target 2001:2::1 --target 198.18.0.1 --ipv6-share 30% --ports 8082-8084 \
	--source 2001:2::1:10 --source 198.18.1.10 --connections 10000 --duration 30s --stats-interval 100ms >"$tmp/f3" 2>"$tmp/f3.err" &
fpid=$!; pids+=($fpid)
wait_for "$tmp/f3" open 10000 20 || fail "dual: $(tail -1 "$tmp/f3" | cut -c1-300)"
k6=$(count $C -6 established); k4=$(count $C -4 established)
[ "$k6" = 3000 ] && [ "$k4" = 7000 ] || fail "dual: kernel IPv6 $k6, IPv4 $k4 (want 3000, 7000)"
[ "$(field "$tmp/f3" established_ipv6)" = "$k6" ] || fail "dual: flood says $(field "$tmp/f3" established_ipv6) over IPv6, the kernel $k6"
[ "$(count $S -6 established)" = 3000 ] && [ "$(count $S -4 established)" = 7000 ] ||
	fail "dual: the server's kernel: IPv6 $(count $S -6 established), IPv4 $(count $S -4 established)"
echo "  dual stack, 30% IPv6: kernel $k6 IPv6 + $k4 IPv4 connections"
kill -TERM $fpid; wait $fpid

# ---- 4. the IPv6 listener takes IPv6 only (IPV6_V6ONLY) ----
ip netns exec $S "$CONNLAB" server --address :: --ports 9000 --duration 5s --stats-interval 0 >"$tmp/s4" 2>&1 &
pids+=($!)
sleep 0.3
ip netns exec $C $PY -c 'import socket; s=socket.socket(); s.settimeout(2); s.connect(("198.18.0.1", 9000))' 2>/dev/null &&
	fail "an IPv4 connection reached the IPv6 listener on ::"
ip netns exec $C $PY -c 'import socket; s=socket.socket(socket.AF_INET6); s.settimeout(2); s.connect(("2001:2::1", 9000))' ||
	fail "no IPv6 connection to the listener on ::"
bad() { # WANT ARGS...: a usage error that says WANT
	"$CONNLAB" "${@:2}" >"$tmp/bad" 2>&1
	[ $? = 2 ] && grep -q -- "$1" "$tmp/bad" || fail "connlab ${*:2}: $(cat "$tmp/bad")"
}
bad "--target: one IPv6 address at most" flood --target ::1 --target ::2
bad "IPv6 sources need an IPv6 --target" flood --target 127.0.0.1 --source ::1
bad "--ipv6-share needs an IPv4 and an IPv6 --target" flood --target ::1 --ipv6-share 10%
bad "is not an IPv6 address" server --address 2001::g
kill -TERM $spid; wait $spid
lib_done
