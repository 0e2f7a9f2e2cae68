#!/bin/bash
# SPDX-License-Identifier: MIT
# Root integration test of the lab topology: 8 client namespaces x 64
# addresses, checked through netlink (ip -j) and /proc; a TCP connection
# from every client address; the starting namespace untouched; up/down
# leaving nothing; SIGKILL of a process holding an anonymous lab leaving
# nothing; the errors users can cause; the same over IPv6 (ip -j -6, a
# connection from every client address, no route out). Exits 77 when it
# cannot run here.
. "$(dirname "$0")/../lib.sh"
lib_init test_topology root
lab=t$$
fg_pid=
on_exit '[ -n "$fg_pid" ] && kill -9 "$fg_pid" 2>/dev/null; "$CONNLAB" down "$lab" >/dev/null 2>&1; "$CONNLAB" down "${lab}b" >/dev/null 2>&1; "$CONNLAB" down "${lab}6" >/dev/null 2>&1'

host_state() {
	{
		ip -d link show
		ip addr show
		ip route show table all
		ip -6 route show table all
		ip rule show
		grep -v ' /run/netns' /proc/self/mountinfo
	} 2>&1
}
host_state >"$tmp/before"

# ---- up: 8 client namespaces x 64 addresses, named ----
cat >"$tmp/lab.lab" <<LAB
[lab]
name = $lab
[server]
ports = 8081
[clients]
connections = 512
addresses = 512
namespaces = 8
[sysctl]
net.ipv4.tcp_tw_reuse = 1
net.ipv4.tcp_fin_timeout = 7
LAB
if ! "$CONNLAB" up "$tmp/lab.lab" >"$tmp/up.out" 2>&1; then
	cat "$tmp/up.out"
	fail "connlab up failed"
	exit 1
fi
grep -q "ip netns exec connlab-$lab-c7 bash" "$tmp/up.out" || fail "up does not say how to enter c7"
"$CONNLAB" ls | grep -Eq "^$lab +10 +c0 c1 c2 c3 c4 c5 c6 c7 probe srv" || fail "ls does not list the lab: $("$CONNLAB" ls)"

"$CONNLAB" plan "$tmp/lab.lab" --json >"$tmp/plan.json"
python3 - "$tmp/plan.json" "$lab" <<'PY' || fail "topology does not match the plan"
import ipaddress, json, subprocess, sys
plan = json.load(open(sys.argv[1])); lab = sys.argv[2]
def ipj(ns, *args):
    return json.loads(subprocess.check_output(["ip", "-j", "-n", f"connlab-{lab}-{ns}", *args]))
def sysctl(ns, name):
    return subprocess.check_output(["ip", "netns", "exec", f"connlab-{lab}-{ns}", "sysctl", "-n", name], text=True).split()
bad = []
srv_addrs = {(a["local"], a["prefixlen"], l["ifname"]) for l in ipj("srv", "addr") for a in l.get("addr_info", []) if a["family"] == "inet"}
if (plan["service_address"], 32, "lo") not in srv_addrs: bad.append(f"service address missing: {srv_addrs}")
srv_routes = {r["dst"]: r for r in ipj("srv", "route")}
if "default" in srv_routes: bad.append("server has a default route")
for ns in plan["namespaces"]:
    name = ns["name"]
    links = {l["ifname"]: l for l in ipj(name, "link")}
    if set(links) != {"lo", "srv"}: bad.append(f"{name}: links {sorted(links)}")
    if "UP" not in links["srv"]["flags"] or "UP" not in links["lo"]["flags"]: bad.append(f"{name}: link down")
    addrs = [a for l in ipj(name, "addr") for a in l.get("addr_info", []) if a["family"] == "inet" and l["ifname"] == "srv"]
    locals_ = {a["local"] for a in addrs}
    first = ipaddress.ip_address(ns["first_address"])
    want = {str(first + i) for i in range(ns["addresses"])} | {ns["link_address"]}
    if locals_ != want: bad.append(f"{name}: addresses {len(locals_)} != {len(want)}")
    if ns["addresses"] != 64: bad.append(f"{name}: {ns['addresses']} addresses, not 64")
    routes = ipj(name, "route")
    if any(r["dst"] == "default" for r in routes): bad.append(f"{name}: default route")
    svc = [r for r in routes if r["dst"] == plan["service_address"]]
    if not svc or svc[0].get("gateway") != ns["server_link_address"]: bad.append(f"{name}: no route to the service: {routes}")
    block = [d for d in srv_routes if d != "default" and "/" in d and ipaddress.ip_address(ns["first_address"]) in ipaddress.ip_network(d)]
    if not block or srv_routes[block[0]].get("gateway") != ns["link_address"]: bad.append(f"server: no route to {name}'s addresses")
    for k, v in (("net.ipv4.tcp_tw_reuse", ["1"]), ("net.ipv4.tcp_fin_timeout", ["7"]),
                 ("net.ipv4.ip_local_port_range", ["1024", "65535"]), ("net.core.somaxconn", ["65535"])):
        if sysctl(name, k) != v: bad.append(f"{name}: {k} = {sysctl(name, k)}")
for ns in ("srv", "probe"):
    if sysctl(ns, "net.ipv4.tcp_tw_reuse") != ["1"]: bad.append(f"{ns}: tcp_tw_reuse")
for b in bad: print("  ", b)
sys.exit(1 if bad else 0)
PY

host_tw=$(sysctl -n net.ipv4.tcp_max_tw_buckets)
for ns in srv probe c0 c7; do
	[ "$(ip netns exec "connlab-$lab-$ns" sysctl -n net.ipv4.tcp_max_tw_buckets)" = "$host_tw" ] || fail "$ns: tcp_max_tw_buckets is not the host's $host_tw"
done
if [ -e /proc/sys/net/ipv4/tcp_migrate_req ]; then
	[ "$(ip netns exec "connlab-$lab-srv" sysctl -n net.ipv4.tcp_migrate_req)" = 1 ] || fail "srv: tcp_migrate_req is not 1"
fi

# ---- a TCP connection from every client address (bounded: 2 s each) ----
ip netns exec "connlab-$lab-srv" python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.18.0.1", 8081)); s.listen(1024); s.settimeout(20)
peers = set()
try:
    while len(peers) < 512:
        c, a = s.accept(); peers.add(a[0]); c.close()
except socket.timeout:
    pass
print(len(peers))
' >"$tmp/accepted" &
srv_pid=$!
sleep 0.5
for i in 0 1 2 3 4 5 6 7; do
	ip netns exec "connlab-$lab-c$i" python3 -c '
import json, ipaddress, socket, sys
ns = [n for n in json.load(open(sys.argv[1]))["namespaces"] if n["name"] == sys.argv[2]][0]
ok = 0
for k in range(ns["addresses"]):
    src = str(ipaddress.ip_address(ns["first_address"]) + k)
    c = socket.socket(); c.settimeout(2); c.bind((src, 0))
    try:
        c.connect(("198.18.0.1", 8081)); ok += 1
    except OSError as e:
        print(src, e, file=sys.stderr)
    c.close()
print(ok)
' "$tmp/plan.json" "c$i" >>"$tmp/connected" || fail "client c$i"
done
wait $srv_pid
connected=$(awk '{ s += $1 } END { print s }' "$tmp/connected")
[ "$connected" = 512 ] || fail "connected from $connected of 512 client addresses"
[ "$(cat "$tmp/accepted")" = 512 ] || fail "server saw $(cat "$tmp/accepted") distinct client addresses, not 512"

# ---- ping from the probe; no way out of the lab ----
ip netns exec "connlab-$lab-probe" ping -c 1 -W 2 198.18.0.1 >/dev/null || fail "probe cannot ping the service address"
ip netns exec "connlab-$lab-c0" ping -c 1 -W 1 198.18.0.6 >/dev/null 2>&1 && fail "a client reaches the probe"
ip netns exec "connlab-$lab-srv" ip route get 1.1.1.1 >/dev/null 2>&1 && fail "the server namespace has a route out"

# ---- errors ----
"$CONNLAB" up "$tmp/lab.lab" >"$tmp/err" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "already up (/run/netns/connlab-$lab-srv exists): run 'connlab down $lab' first" "$tmp/err" ||
	fail "name clash: exit $rc: $(cat "$tmp/err")"
ip -n "connlab-$lab-c0" link show srv >/dev/null 2>&1 || fail "the clash damaged the lab that is up"
"$CONNLAB" up "$tmp/lab.lab" --set lab.name="${lab}b" --set lab.pool=10.200.0.0/28 >"$tmp/err" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "pool 10.200.0.0/28 has 16 addresses; this lab needs" "$tmp/err" || fail "small pool: exit $rc: $(cat "$tmp/err")"
"$CONNLAB" up "$tmp/lab.lab" --set lab.name="${lab}b" --set sysctl.net.ipv4.tcp_mem="1 2 3" >"$tmp/err" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "sysctl net.ipv4.tcp_mem is not per network namespace" "$tmp/err" || fail "global sysctl: exit $rc: $(cat "$tmp/err")"
"$CONNLAB" up "$tmp/lab.lab" --set lab.name="${lab}b" --set sysctl.net.ipv4.no_such=1 >"$tmp/err" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "sysctl net.ipv4.no_such does not exist on this kernel" "$tmp/err" || fail "unknown sysctl: exit $rc: $(cat "$tmp/err")"
chmod 755 "$tmp"
# an ordinary user's up is rootless: a holder keeps the lab, no names
# (tests/run/test_rootless.sh tries it in full)
nobody() { (cd "$tmp" && setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all env XDG_RUNTIME_DIR= "$@"); }
if nobody unshare -Ur true 2>/dev/null; then
	nobody "$CONNLAB" up "$tmp/lab.lab" --set lab.name="${lab}b" >"$tmp/err" 2>&1; rc=$?
	[ $rc = 0 ] && grep -q "is up, rootless" "$tmp/err" || fail "not root: exit $rc: $(cat "$tmp/err")"
	ip netns list | grep -q "connlab-${lab}b-" && fail "a rootless up named namespaces"
	nobody "$CONNLAB" down "${lab}b" | grep -q "took down ${lab}b" || fail "rootless down"
fi

# ---- down, twice; nothing left ----
"$CONNLAB" down "$lab" | grep -q "took down $lab (10 namespaces)" || fail "down"
"$CONNLAB" down "$lab" | grep -q "no lab '$lab' is up" || fail "second down does not say so"
ip netns list | grep -q "connlab-$lab-" && fail "down left namespaces"
grep -q "connlab-$lab-" /proc/self/mountinfo && fail "down left mounts"

# ---- down of labs whose names hold each other ("ab" then "b"): each named ----
on_exit '"$CONNLAB" down "b$lab" "ab$lab" "bab$lab" >/dev/null 2>&1'
for n in "b$lab" "ab$lab" "bab$lab"; do
	"$CONNLAB" up --set lab.name="$n" --set clients.connections=10 --set clients.namespaces=1 \
		--set clients.addresses=1 >/dev/null 2>&1 || fail "up $n"
done
"$CONNLAB" down "b$lab" "ab$lab" "bab$lab" >"$tmp/down3" 2>&1
for n in "b$lab" "ab$lab" "bab$lab"; do
	grep -q "^took down $n (3 namespaces)$" "$tmp/down3" || { fail "down did not name $n:"; cat "$tmp/down3"; }
done
"$CONNLAB" up --set lab.name="b$lab" --set clients.connections=10 --set clients.namespaces=1 \
	--set clients.addresses=1 >/dev/null 2>&1 &&
	"$CONNLAB" up --set lab.name="ab$lab" --set clients.connections=10 --set clients.namespaces=1 \
		--set clients.addresses=1 >/dev/null 2>&1 || fail "up b, ab"
"$CONNLAB" down --all >"$tmp/down3" 2>&1
grep -Eq "^took down (ab$lab, b$lab|b$lab, ab$lab) \(6 namespaces\)$" "$tmp/down3" ||
	{ fail "down --all did not name both labs:"; cat "$tmp/down3"; }

# ---- anonymous lab held in the foreground, killed with SIGKILL ----
"$CONNLAB" up --foreground "$tmp/lab.lab" >"$tmp/fg.out" 2>&1 &
fg_pid=$!
for _ in $(seq 50); do grep -q "Ctrl-C takes it down" "$tmp/fg.out" && break; sleep 0.1; done
grep -q "Ctrl-C takes it down" "$tmp/fg.out" || fail "up --foreground did not come up: $(cat "$tmp/fg.out")"
inodes=$(for f in /proc/$fg_pid/fd/*; do readlink "$f"; done | sed -n 's/^net:\[\([0-9]*\)\]$/\1/p' | sort -u)
[ "$(echo "$inodes" | wc -w)" = 10 ] || fail "foreground lab holds $(echo "$inodes" | wc -w) namespaces, not 10"
cmd=$(grep -o 'nsenter --net=/proc/[0-9]*/fd/[0-9]* bash' "$tmp/fg.out" | sed -n 2p | sed 's/ bash$//')
$cmd ping -c 1 -W 2 198.18.0.1 >/dev/null || fail "cannot use the foreground lab through '$cmd'"
kill -9 $fg_pid
wait $fg_pid 2>/dev/null
fg_pid=
sleep 0.2
for ino in $inodes; do
	if ls -l /proc/[0-9]*/ns/net /proc/[0-9]*/fd/ 2>/dev/null | grep -q "net:\[$ino\]"; then
		fail "namespace $ino survived kill -9"
	fi
done
grep -q nsfs /proc/self/mountinfo && grep nsfs /proc/self/mountinfo | grep -q "connlab-$lab" && fail "mounts left"

# ---- --try: builds and takes down ----
"$CONNLAB" up --try "$tmp/lab.lab" | grep -Eq "built 10 namespaces, 9 veth pairs and 512 client addresses in [0-9.]+ ms" || fail "up --try"

# ---- IPv6 (lab.family = ipv6): the same topology mirrored into
# 2001:2::/48, checked through ip -j -6; a connection from every client
# address; no route out; nothing left ----
cat >"$tmp/lab6.lab" <<LAB
[lab]
name = ${lab}6
family = ipv6
[server]
ports = 8081
[clients]
connections = 64
addresses = 64
namespaces = 4
LAB
if "$CONNLAB" up "$tmp/lab6.lab" >"$tmp/up6.out" 2>&1; then
	"$CONNLAB" plan "$tmp/lab6.lab" --json >"$tmp/plan6.json"
	python3 - "$tmp/plan6.json" "${lab}6" <<'PY' || fail "IPv6 topology does not match the plan"
import ipaddress, json, subprocess, sys
plan = json.load(open(sys.argv[1])); lab = sys.argv[2]
def ipj(ns, *args):
    return json.loads(subprocess.check_output(["ip", "-j", "-6", "-n", f"connlab-{lab}-{ns}", *args]))
def sysctl(ns, name):
    return subprocess.check_output(["ip", "netns", "exec", f"connlab-{lab}-{ns}", "sysctl", "-n", name], text=True).strip()
bad = []
svc = plan["service_address6"]
srv = {(a["local"], a["prefixlen"], l["ifname"]) for l in ipj("srv", "addr") for a in l.get("addr_info", []) if a.get("scope") == "global"}
if (svc, 128, "lo") not in srv: bad.append(f"service address {svc} missing: {srv}")
srv_routes = {r["dst"]: r for r in ipj("srv", "route")}
for ns in plan["namespaces"]:
    name = ns["name"]
    for k in ("net.ipv6.conf.all.accept_dad", "net.ipv6.conf.default.accept_dad"):
        if sysctl(name, k) != "0": bad.append(f"{name}: {k} = {sysctl(name, k)}")
    addrs = [a for l in ipj(name, "addr") for a in l.get("addr_info", []) if a.get("scope") == "global"]
    if any(a.get("tentative") for a in addrs): bad.append(f"{name}: a tentative address (duplicate address detection ran)")
    first = ipaddress.ip_address(ns["first_address6"])
    want = {str(first + i) for i in range(ns["addresses"])}
    got = {a["local"] for a in addrs if a["prefixlen"] == 128}
    if got != want: bad.append(f"{name}: {len(got)} /128 addresses, the plan has {len(want)}")
    links = [a for a in addrs if a["prefixlen"] == 126]
    if [a["local"] for a in links] != [ns["link_address6"]]: bad.append(f"{name}: link address {links}")
    routes = ipj(name, "route")
    if any(r["dst"] == "default" for r in routes): bad.append(f"{name}: a default route")
    to_svc = [r for r in routes if r["dst"] == svc]
    if not to_svc or to_svc[0].get("gateway") != ns["server_link_address6"]: bad.append(f"{name}: no route to the service: {routes}")
    block = [d for d in srv_routes if d != "default" and "/" in d and first in ipaddress.ip_network(d)]
    if not block or srv_routes[block[0]].get("gateway") != ns["link_address6"]: bad.append(f"server: no route to {name}'s addresses")
if any(r["dst"] == "default" for r in ipj("srv", "route")): bad.append("server: a default route")
for b in bad: print("  ", b)
sys.exit(1 if bad else 0)
PY
	ip netns exec "connlab-${lab}6-srv" python3 -c '
import socket
s = socket.socket(socket.AF_INET6); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("2001:2::1", 8081)); s.listen(1024); s.settimeout(10)
peers = set()
try:
    while len(peers) < 64:
        c, a = s.accept(); peers.add(a[0]); c.close()
except socket.timeout:
    pass
print(len(peers))
' >"$tmp/accepted6" &
	srv6=$!
	sleep 0.5
	for i in 0 1 2 3; do
		ip netns exec "connlab-${lab}6-c$i" python3 -c '
import json, ipaddress, socket, sys
ns = [n for n in json.load(open(sys.argv[1]))["namespaces"] if n["name"] == sys.argv[2]][0]
for k in range(ns["addresses"]):
    c = socket.socket(socket.AF_INET6); c.settimeout(2)
    c.bind((str(ipaddress.ip_address(ns["first_address6"]) + k), 0))
    c.connect(("2001:2::1", 8081)); c.close()
' "$tmp/plan6.json" "c$i" || fail "c$i: a client address could not connect over IPv6"
	done
	wait $srv6
	[ "$(cat "$tmp/accepted6")" = 64 ] || fail "the server saw $(cat "$tmp/accepted6") IPv6 client addresses, not 64"
	# nowhere else to go: an address outside the lab is unreachable
	ip netns exec "connlab-${lab}6-c0" python3 -c '
import socket; c = socket.socket(socket.AF_INET6); c.settimeout(1)
try:
    c.connect(("2001:db8::1", 80)); raise SystemExit(1)
except OSError as e:
    raise SystemExit(0 if e.errno in (101, 113) else 1)
' || fail "an IPv6 lab namespace reaches outside the lab"
	"$CONNLAB" down "${lab}6" >/dev/null 2>&1 || fail "down of the IPv6 lab"
	[ -z "$(ip netns list | grep "connlab-${lab}6-")" ] || fail "the IPv6 lab left namespaces"
else
	fail "connlab up of an IPv6 lab: $(tail -3 "$tmp/up6.out")"
fi

host_state >"$tmp/after"
diff "$tmp/before" "$tmp/after" >"$tmp/diff" || { fail "the starting namespace changed:"; cat "$tmp/diff"; }

lib_done
