#!/bin/bash
# SPDX-License-Identifier: MIT
# connlab doctor on this machine, as root: the table of sysctls against
# the running kernel in a fresh namespace (every entry's scope); the
# checks for the default lab and for -c 1M, each number against /proc;
# a read-only /proc/sys as in a container, with and without the
# capability to remount it; a tuning file of 40 lines and a limits.conf
# (a verdict on every line, a ready [sysctl] section, the exit status);
# and `connlab run` refusing a lab sysctl before anything is built.
# Exits 77 when it cannot run here.
. "$(dirname "$0")/../lib.sh"
lib_init test_doctor root
FIX="$(cd "$(dirname "$0")/../fixtures/doctor" && pwd)"

# ---- 1. the table against this kernel ----
"$CONNLAB" doctor --kernel >"$tmp/kernel" 2>&1 || fail "doctor --kernel: exit $?: $(grep -v '^  ok' "$tmp/kernel")"
"$CONNLAB" doctor --kernel --json | $PY -c '
import json, sys
d = json.load(sys.stdin)
assert d["checked"] >= 80 and d["disagree"] == 0, d["checked"]
bad = [e for e in d["entries"] if not e["agree"]]
assert not bad, bad
' || fail "doctor --kernel --json"

# ---- 2. the checks, each number against /proc ----
check_numbers() { # ARGS... -> the checks' JSON against this host's /proc
	"$CONNLAB" doctor "$@" --json >"$tmp/doc.json"
	local rc=$?
	[ $rc = 0 ] || fail "doctor $*: exit $rc"
	NOFILE_HARD=$(ulimit -Hn) $PY - "$tmp/doc.json" <<'PYEOF' || fail "doctor $*: numbers"
import json, os, sys
d = json.load(open(sys.argv[1]))
h = d["host"]
def proc(p):
    return open("/proc/sys/" + p).read().split()
def check(i):
    return next(c for c in d["checks"] if c["id"] == i)
assert h["nr_open"] == int(proc("fs/nr_open")[0])
assert h["file_max"] == int(proc("fs/file-max")[0])
assert h["tcp_mem_pages"] == [int(x) for x in proc("net/ipv4/tcp_mem")]
assert h["tcp_max_orphans"] == int(proc("net/ipv4/tcp_max_orphans")[0])
assert h["epoll_max_user_watches"] == int(proc("fs/epoll/max_user_watches")[0])
hard = os.environ["NOFILE_HARD"]
assert h["nofile_hard"] == (1048576 if hard == "unlimited" else int(hard))
mem = {l.split(":")[0]: int(l.split()[1]) * 1024 for l in open("/proc/meminfo")}
assert h["memory_bytes"] == mem["MemTotal"]
assert abs(h["mem_available_bytes"] - mem["MemAvailable"]) < mem["MemTotal"] // 20
assert check("nr-open")["found"] == proc("fs/nr_open")[0]
assert check("file-max")["found"].startswith(proc("fs/file-max")[0] + ", of which ")
assert check("tcp-mem")["found"].startswith(" ".join(proc("net/ipv4/tcp_mem")) + " pages")
assert check("orphans")["found"] == proc("net/ipv4/tcp_max_orphans")[0]
assert check("epoll")["found"] == proc("fs/epoll/max_user_watches")[0]
g = [proc("net/ipv4/neigh/default/gc_thresh%d" % i)[0] for i in (1, 2, 3)]
assert check("neighbours")["found"].startswith("gc_thresh1-3 " + " ".join(g))
ct = os.path.exists("/proc/sys/net/netfilter/nf_conntrack_max")
assert ("not loaded" in check("conntrack")["found"]) == (not ct)
assert check("nofile")["found"].startswith("soft ")
assert check("privileges")["level"] == "ok" and check("bind-no-port")["level"] == "ok"
assert d["verdict"] == "ready" and d["blocks"] == 0, [c for c in d["checks"] if c["level"] != "ok"]
PYEOF
}
check_numbers
grep -q '"needed": "at most 1563 per pair: 100000 connections over 16 client addresses and 4 server ports"' "$tmp/doc.json" ||
	fail "default lab: the ports check"
check_numbers -c 1M
$PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
c = {x["id"]: x for x in d["checks"]}
assert d["connections"] == 1000000
assert "1000000 connections:" in c["nofile"]["needed"], c["nofile"]
import re
# about 8.3 KB a connection and the processes: 7.8-8.0 GiB with the slab
# object sizes this kernel has
assert re.match(r"about [78]\.[0-9] GiB: 8[0-9]{3} B a connection", c["memory"]["needed"]), c["memory"]
f = d["forecast"]
assert f["asked"] == 1000000 and f["holds"] == 1000000, f
assert f["limits"]["epoll"]["connections"] == int(open("/proc/sys/fs/epoll/max_user_watches").read()) // 2, f
assert c["forecast"]["level"] == "ok", c["forecast"]
' "$tmp/doc.json" || fail "doctor -c 1M: $(cat "$tmp/doc.json" | head -40)"
"$CONNLAB" doctor -c 1M >"$tmp/1m.txt" || fail "doctor -c 1M (text): exit $?"
grep -q "^Ready: nothing blocks the lab" "$tmp/1m.txt" || fail "doctor -c 1M: $(tail -3 "$tmp/1m.txt")"

# ---- 3. /proc/sys read-only, as Docker mounts it ----
unshare -m sh -c 'mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys &&
	exec "$0" doctor --json' "$CONNLAB" >"$tmp/ro.json" 2>"$tmp/ro.err" || fail "doctor on a read-only /proc/sys: exit $?: $(cat "$tmp/ro.err")"
$PY -c '
import json, sys
c = {x["id"]: x for x in json.load(open(sys.argv[1]))["checks"]}
assert c["proc-sys"]["level"] == "ok", c["proc-sys"]
assert "read-only here (a container), and connlab can remount it" in c["proc-sys"]["found"]
' "$tmp/ro.json" || fail "read-only /proc/sys with CAP_SYS_ADMIN: $(cat "$tmp/ro.json" | grep -A3 proc-sys)"
unshare -m sh -c 'mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys &&
	exec setpriv --bounding-set=-sys_admin --inh-caps=-sys_admin "$0" doctor --json' "$CONNLAB" >"$tmp/ro2.json" 2>"$tmp/ro2.err"
rc=$?
[ $rc = 1 ] || fail "read-only /proc/sys without CAP_SYS_ADMIN: exit $rc: $(cat "$tmp/ro2.err")"
$PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
c = {x["id"]: x for x in d["checks"]}
assert c["proc-sys"]["level"] == "blocks", c["proc-sys"]
assert "read-only (a container?), and the remount in a mount namespace failed" in c["proc-sys"]["found"]
assert "--cap-add SYS_ADMIN" in c["proc-sys"]["fix"]
assert c["privileges"]["level"] == "blocks" and "CAP_SYS_ADMIN" in c["privileges"]["why"]
assert d["verdict"] == "blocked"
' "$tmp/ro2.json" || fail "read-only /proc/sys without CAP_SYS_ADMIN: $(grep -B2 -A6 proc-sys "$tmp/ro2.json")"

# ---- 4. a tuning file of 40 lines and a limits.conf ----
"$CONNLAB" doctor --sysctl "$FIX/tuning-40.conf" --sysctl - <"$FIX/limits.conf" >"$tmp/tune.txt" 2>&1
rc=$?
[ $rc = 1 ] || fail "doctor --sysctl: exit $rc (a removed sysctl and a nofile above fs.nr_open block)"
grep -q "^48 lines for lab 'default' (100k connections, hold):" "$tmp/tune.txt" || fail "doctor --sysctl: $(tail -12 "$tmp/tune.txt")"
grep -q "^\[sysctl\]$" "$tmp/tune.txt" && grep -q "^net.core.somaxconn = 32768$" "$tmp/tune.txt" &&
	grep -q "^net.ipv4.ip_local_port_range = 1024 65000$" "$tmp/tune.txt" || fail "doctor --sysctl: no ready [sysctl] section"
grep -q "removed      net.ipv4.tcp_tw_recycle = 1" "$tmp/tune.txt" || fail "tcp_tw_recycle is not called removed"
"$CONNLAB" doctor --sysctl "$FIX/tuning-40.conf" --sysctl "$FIX/limits.conf" --json | $PY -c '
import json, sys
d = json.load(sys.stdin)
lines = d["lines"]
assert len(lines) == 48, len(lines)
assert sum(1 for l in lines if l["file"].endswith("tuning-40.conf")) == 40
assert all(l["verdict"] and l["text"] for l in lines)
v = {(l["file"].rsplit("/", 1)[1], l["line"]): l for l in lines}
assert v[("tuning-40.conf", 16)]["verdict"] == "removed" and v[("tuning-40.conf", 16)]["level"] == "blocks"
assert v[("tuning-40.conf", 12)]["verdict"] == "risky"
assert v[("tuning-40.conf", 24)]["verdict"] == "unit-trap"
assert v[("limits.conf", 4)]["verdict"] == "inconsistent"
assert d["blocks"] >= 3 and "[sysctl]" in d["sysctl_section"]
' || fail "doctor --sysctl --json"
printf 'net.ipv4.tcp_tw_reuse = 1\nnet.core.somaxconn = 8192\n' | "$CONNLAB" doctor --sysctl - --set clients.mode=churn >"$tmp/ok.txt" ||
	fail "a clean file for a churn lab: exit $?: $(cat "$tmp/ok.txt")"
grep -q "^2 lines for lab 'default' (100k connections, churn): 2 netns. 0 lines block, 0 warn.$" "$tmp/ok.txt" ||
	fail "clean file: $(tail -8 "$tmp/ok.txt")"

# ---- 5. run refuses a lab sysctl before anything is built ----
# host-wide by the table: refused with the plan, as plan and up do
before=$(ip netns list | wc -l)
"$CONNLAB" run --set clients.connections=100 --set sysctl.net.core.rmem_max=1000000 --out "$tmp/refused" >"$tmp/refused.out" 2>&1
rc=$?
[ $rc = 2 ] && grep -q "sysctl net.core.rmem_max is not per network namespace" "$tmp/refused.out" ||
	fail "run with a host-wide lab sysctl: exit $rc: $(tail -5 "$tmp/refused.out")"
# refused by the kernel, tried in a fresh namespace: the preflight's check
"$CONNLAB" run --set clients.connections=100 --set sysctl.net.ipv4.tcp_congestion_control=nosuch --out "$tmp/refused2" >"$tmp/refused2.out" 2>&1
rc=$?
[ $rc = 3 ] && grep -q "This kernel has no congestion control 'nosuch'" "$tmp/refused2.out" &&
	grep -q "nothing was built; 'connlab doctor' shows every check" "$tmp/refused2.out" ||
	fail "run's preflight refusal: exit $rc: $(tail -5 "$tmp/refused2.out")"
# optional (-name): skipped where it cannot be set, and the run goes on
"$CONNLAB" run --set clients.connections=100 --set lab.duration=1s --set "sysctl.-net.core.rmem_max=1000000" --out "$tmp/optional" >"$tmp/optional.out" 2>&1 ||
	fail "an optional host-wide sysctl: exit $?: $(tail -5 "$tmp/optional.out")"
grep -q "Optional, skipped" "$tmp/optional.out" || fail "the optional sysctl is not said to be skipped"
[ "$(ip netns list | wc -l)" = "$before" ] || fail "a refused run left a namespace behind"
lib_done
