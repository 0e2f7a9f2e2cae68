# SPDX-License-Identifier: MIT
# tests/fleet/net.sh - a test network of hosts that are network namespaces
# on this machine, for connlab fleet. Sourced after tests/lib.sh:
#
#   net_up PREFIX N      namespaces PREFIX-lan (a bridge), PREFIX-co (the
#                        coordinator, 10.77.0.2), PREFIX-srv (the server,
#                        10.77.0.1) and PREFIX-h1..hN (load hosts,
#                        10.77.0.11...), each load host with the source range
#                        10.78.R.0/24 as one local route (R = rank, from 0)
#                        and the server routing it back; over IPv6 too:
#                        fd77::1 (server), fd77::2, fd77::11..., each load
#                        host with the sources fd78:R::1 and fd78:R::2
#                        (IPv6 binds only addresses a host has: no local
#                        route for a range) and the server routing
#                        fd78:R::/64 back
#   net_sshd PREFIX N    OpenSSH's sshd in each load host and the server,
#                        with keys, known_hosts and ssh_config in $tmp/ssh
#                        (nothing in the machine's own ssh configuration);
#                        sshd runs in a mount namespace of its own whose
#                        /run is a tmpfs (its privilege separation directory)
#   net_sshd_stop HOST   stops one host's sshd (its listener; sessions go on)
#   net_sshd_start HOST  starts it again
#   net_pids PREFIX      the PIDs in any of the test's namespaces, except sshd
#   net_flood_pid HOST   the pid of the connlab flood (not --check, not a
#                        worker) running on HOST
#   net_session_pid HOST the sshd session process serving that flood
#   net_down PREFIX      removes every namespace (and stops the sshds)
#   net_lab FILE LINES.. a fleet lab over the test network ($P's hosts,
#                        $CONNLAB), LINES appended to its [fleet]
#   net_no_leftovers WHAT fails unless no process but sshd is left in the
#                        test's namespaces
#
#   net_need PROGRAMS..  skips the test unless each program is installed;
#                        CONNLAB made absolute (the hosts run it)
#
# Every address is inside these namespaces; nothing routes out of them.

net_ns() { ip netns exec "$@"; }

net_need() {
	local p
	for p in "$@"; do
		command -v "$p" >/dev/null || [ -x "/usr/sbin/$p" ] ||
			lib_skip "$p is not installed (ci/install-deps.sh --test)"
	done
	CONNLAB=$(readlink -f "$CONNLAB")
}

net_up() {
	local p=$1 n=$2 i
	net_hosts="$p-srv"
	for ((i = 1; i <= n; i++)); do net_hosts="$net_hosts $p-h$i"; done
	ip netns add "$p-lan" || return 1
	net_ns "$p-lan" ip link add br0 type bridge
	net_ns "$p-lan" ip link set br0 up
	net_ns "$p-lan" ip link set lo up
	local addr=1
	for h in co $net_hosts; do
		h=${h#"$p-"}
		ip netns add "$p-$h" || return 1
		case $h in
		co) addr=2 ;;
		srv) addr=1 ;;
		h*) addr=$((10 + ${h#h})) ;;
		esac
		# both ends made inside the test's namespaces
		net_ns "$p-lan" ip link add "v-$h" type veth peer name eth0 netns "$p-$h"
		net_ns "$p-lan" ip link set "v-$h" master br0 up
		net_ns "$p-$h" ip link set lo up
		net_ns "$p-$h" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
		net_ns "$p-$h" ip addr add "10.77.0.$addr/24" dev eth0
		net_ns "$p-$h" ip -6 addr add "fd77::$addr/64" dev eth0 nodad
		net_ns "$p-$h" ip link set eth0 up
		net_ns "$p-$h" sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
		net_ns "$p-$h" sysctl -qw net.core.somaxconn=65535
		net_ns "$p-$h" sysctl -qw net.ipv4.tcp_max_syn_backlog=65535
		case $h in
		h*)
			# the host's sources: one local route for the whole range
			net_ns "$p-$h" ip route add local "10.78.$((${h#h} - 1)).0/24" dev lo
			net_ns "$p-srv" ip route add "10.78.$((${h#h} - 1)).0/24" via "10.77.0.$addr"
			net_ns "$p-$h" ip -6 addr add "fd78:$((${h#h} - 1))::1/128" dev lo nodad
			net_ns "$p-$h" ip -6 addr add "fd78:$((${h#h} - 1))::2/128" dev lo nodad
			net_ns "$p-srv" ip -6 route add "fd78:$((${h#h} - 1))::/64" via "fd77::$addr"
			;;
		co) net_ns "$p-co" sysctl -qw net.ipv4.ping_group_range="0 2147483647" ;;
		esac
	done
}

net_sshd() {
	local p=$1 d=$tmp/ssh h addr
	mkdir -p "$d" && chmod 700 "$d"
	ssh-keygen -q -t ed25519 -N '' -f "$d/host_key" || return 1
	ssh-keygen -q -t ed25519 -N '' -f "$d/id" || return 1
	cp "$d/id.pub" "$d/authorized_keys"
	: >"$d/known_hosts"
	: >"$d/ssh_config"
	for h in $net_hosts; do
		case ${h#"$p-"} in
		srv) addr=10.77.0.1 ;;
		h*) addr=10.77.0.$((10 + ${h#"$p-h"})) ;;
		esac
		echo "$h,$addr $(cat "$d/host_key.pub")" >>"$d/known_hosts"
		cat >>"$d/ssh_config" <<-CONF
			Host $h
			  HostName $addr
		CONF
		cat >"$d/sshd_$h" <<-CONF
			ListenAddress $addr
			HostKey $d/host_key
			AuthorizedKeysFile $d/authorized_keys
			PidFile $d/sshd_$h.pid
			PermitRootLogin prohibit-password
			PasswordAuthentication no
			KbdInteractiveAuthentication no
			UsePAM no
			StrictModes no
			MaxStartups 100
		CONF
		net_sshd_run "$h" || return 1
	done
	cat >>"$d/ssh_config" <<-CONF
		Host *
		  User root
		  IdentityFile $d/id
		  IdentitiesOnly yes
		  UserKnownHostsFile $d/known_hosts
		  GlobalKnownHostsFile /dev/null
		  StrictHostKeyChecking yes
		  LogLevel ERROR
	CONF
	# wait until each listens
	for h in $net_hosts; do
		for _ in $(seq 50); do [ -s "$d/sshd_$h.pid" ] && break; sleep 0.1; done
	done
}

net_sshd_run() {
	ip netns exec "$1" unshare --mount --propagation private sh -c \
		"mount -t tmpfs -o mode=755 none /run && mkdir /run/sshd && exec /usr/sbin/sshd -f '$tmp/ssh/sshd_$1' -E '$tmp/ssh/sshd_$1.log'"
}

net_sshd_start() {
	net_sshd_run "$1" || return 1
	for _ in $(seq 50); do [ -s "$tmp/ssh/sshd_$1.pid" ] && return 0; sleep 0.1; done
	return 1
}

net_flood_pid() {
	/usr/bin/python3 - $(ip netns pids "$1") <<'PYEOF'
import sys
def argv(p):
    try: return open(f"/proc/{p}/cmdline", "rb").read().split(b"\0")
    except OSError: return []
def is_flood(p):
    a = argv(p)
    return len(a) > 1 and a[0].endswith(b"connlab") and a[1] == b"flood" and b"--check" not in a and b"--end" not in a
def parent(p):
    try: return open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[1]
    except OSError: return "0"
for p in sys.argv[1:]:
    if is_flood(p) and not is_flood(parent(p)): print(p)
PYEOF
}

net_session_pid() {
	local f sh
	f=$(net_flood_pid "$1")
	[ -n "$f" ] || return 1
	sh=$(awk '{print $4}' "/proc/$f/stat")
	awk '{print $4}' "/proc/$sh/stat"
}

net_sshd_stop() {
	local f=$tmp/ssh/sshd_$1.pid
	[ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null
	rm -f "$f"
}

net_pids() {
	local p=$1 h pid
	for h in "$p-co" "$p-lan" $net_hosts; do
		for pid in $(ip netns pids "$h" 2>/dev/null); do
			[ "$(cat /proc/"$pid"/comm 2>/dev/null)" = sshd ] && continue
			echo "$pid"
		done
	done | sort -u
}

net_down() {
	local p=$1 h
	for h in $net_hosts; do net_sshd_stop "$h"; done
	for h in co lan $net_hosts; do
		case $h in "$p"-*) ;; *) h=$p-$h ;; esac
		ip netns del "$h" 2>/dev/null
	done
}

net_lab() {
	local f=$1
	shift
	cat >"$f" <<-LAB
		[lab]
		name = fleet
		duration = 4s
		interval = 1s

		[server]
		ports = 8081-8084

		[clients]
		connections = 60000
		rate = 30k/s

		[fleet]
		hosts = $P-h[1-3]
		connlab = $CONNLAB
		target = 10.77.0.1
		sources = 10.78.%n.1-10.78.%n.4
		server_host = $P-srv
	LAB
	printf '%s\n' "$@" >>"$f"
}

net_no_leftovers() {
	local left
	for _ in $(seq 50); do
		left=$(net_pids $P)
		[ -z "$left" ] && return 0
		sleep 0.2
	done
	fail "$1: processes left in the test's namespaces: $(for p in $left; do printf '%s(%s) ' "$p" "$(cat /proc/$p/comm 2>/dev/null)"; done)"
}
