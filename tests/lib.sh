# SPDX-License-Identifier: MIT
# tests/lib.sh - what every shell test shares. Source it first thing:
#
#   . "$(dirname "$0")/../lib.sh"
#   lib_init NAME [root]        # NAME for messages; root: skip (exit 77) with
#                               # the reason without root or network namespaces
#   on_exit 'kill $pid'         # cleanup, run in reverse order at exit
#   fail "what went wrong"      # counts a failure and says it
#   expect_run EXIT REGEX ARGS  # runs connlab ARGS: exit status and output
#   skip_part WHAT WHY          # a part this machine cannot run (a program
#                               # not installed): said, and counted by run.sh;
#                               # with CONNLAB_NO_SKIP=1 (CI) a failure instead
#   lib_done                    # "NAME: all passed" (0) or "NAME: N failed" (1)
#
# $tmp is a fresh directory removed at exit; $CONNLAB the binary under test.
set -u
CONNLAB=$(realpath -m "${CONNLAB:-./connlab}") # absolute: tests run it from other directories
PY=/usr/bin/python3 # Debian's, with the modules ci/install-deps.sh installs
fails=0
lib_cleanups=()

lib_exit() {
	local i
	for ((i = ${#lib_cleanups[@]} - 1; i >= 0; i--)); do eval "${lib_cleanups[$i]}"; done
	if [ -n "${KEEP_TMP:-}" ]; then echo "kept $tmp" >&2; elif [ -n "${tmp:-}" ]; then rm -rf "$tmp"; fi
}

lib_init() {
	lib_name=$1
	if [ "${2:-}" = root ]; then
		if [ "$(id -u)" != 0 ]; then lib_skip "needs root"; fi
		if ! unshare -n true 2>/dev/null; then lib_skip "cannot create network namespaces"; fi
	fi
	tmp=$(mktemp -d)
	trap lib_exit EXIT
}

on_exit() { lib_cleanups+=("$1"); }

# lib_skip WHY: the whole test cannot run here (exit 77, counted as skipped;
# a failure where nothing may be skipped)
lib_skip() {
	echo "$lib_name: skipped: $1"
	[ "${CONNLAB_NO_SKIP:-}" = 1 ] && { echo "FAIL: $lib_name cannot run here, and CI must run it"; exit 1; }
	exit 77
}

# skip_part WHAT WHY: a part of this test left out, never silently: said,
# written to $CONNLAB_SKIPS (run.sh counts them in its closing line), and a
# failure where nothing may be skipped (CONNLAB_NO_SKIP=1: CI installs
# every program the tests use).
skip_part() {
	if [ "${CONNLAB_NO_SKIP:-}" = 1 ]; then
		fail "$1: cannot run here: $2 (CI installs it: ci/install-deps.sh --test)"
		return
	fi
	echo "  $1: skipped: $2"
	[ -n "${CONNLAB_SKIPS:-}" ] && echo "$lib_name: $1: $2" >>"$CONNLAB_SKIPS"
	return 0
}

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# expect_run EXIT PATTERN ARGS...: runs connlab, checks the exit status and
# that stdout+stderr match the extended regular expression.
expect_run() {
	local want=$1 pattern=$2 rc
	shift 2
	"$CONNLAB" "$@" >"$tmp/out" 2>&1
	rc=$?
	if [ "$rc" != "$want" ] || ! grep -Eq -- "$pattern" "$tmp/out"; then
		fail "connlab $* -> exit $rc (want $want), output:"
		sed 's/^/    /' "$tmp/out" | head -20
		echo "    (wanted /$pattern/)"
	fi
}

# run_out NAME ARGS...: connlab run ARGS --out $tmp/NAME; its output in
# $tmp/NAME.out, its exit status in $tmp/NAME.rc; a run that wrote no
# result.json fails
run_out() {
	local name=$1
	shift
	"$CONNLAB" run "$@" --out "$tmp/$name" >"$tmp/$name.out" 2>&1
	echo $? >"$tmp/$name.rc"
	[ -s "$tmp/$name/result.json" ] || fail "$name: no result.json: $(tail -3 "$tmp/$name.out")"
}

# alive PID: the process is there and not a zombie
alive() { [ -d "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

# proc_mark PID...: each one as PID:START (its start time in clock ticks),
# so that a test holding it long does not mistake a later process that
# got the same PID for it (pid_max is 32768 on many machines, and CI
# starts thousands); proc_same PID:START: still that process, and alive
proc_start() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $20}'; }
proc_mark() { local p; for p in "$@"; do echo "$p:$(proc_start "$p")"; done; }
proc_same() { alive "${1%%:*}" && [ "$(proc_start "${1%%:*}")" = "${1#*:}" ]; }

# left_of PID...: waits up to 10 s for the processes to end (a process
# killed with 9 may take seconds to be gone on a busy machine, and more
# under ASan, whose shadow memory takes long to unmap); prints each one
# still there with its name, state and parent
left_of() {
	local p n left
	for n in $(seq 100); do
		left=
		for p in "$@"; do
			alive "$p" && left="$left $p ($(cat /proc/$p/comm 2>/dev/null), $(sed -n 's/^State:\t//p' /proc/$p/status 2>/dev/null), parent $(awk '{print $4}' /proc/$p/stat 2>/dev/null))"
		done
		[ -z "$left" ] && return
		sleep 0.1
	done
	echo "$left"
}

# host_kept / host_same: the host's links, addresses, routes, namespaces
# and namespace mounts before a test, and a failure when they differ after
host_state() { ip -o link; ip -o addr; ip route show table all; ip netns list; grep -c nsfs /proc/self/mountinfo; }
host_kept() { host_state >"$tmp/host.before"; }
host_same() {
	host_state >"$tmp/host.after"
	diff "$tmp/host.before" "$tmp/host.after" >"$tmp/host.diff" || fail "the host changed: $(head -5 "$tmp/host.diff")"
}

# json FILE PATH: the value at a dotted path (numbers index arrays).
json() {
	$PY -c 'import json,sys; v=json.load(open(sys.argv[1])); [v:=v[int(k)] if isinstance(v,list) else v[k] for k in sys.argv[2].split(".")]; print(v)' "$1" "$2"
}

# has_finding RUNDIR ID...: fails unless the run's result.json has each finding
has_finding() {
	local dir=$1 id ids
	shift
	ids=$($PY -c 'import json,sys; print(" ".join(f["id"] for f in json.load(open(sys.argv[1]))["findings"]))' "$dir/result.json" 2>/dev/null)
	for id in "$@"; do
		case " $ids " in *" $id "*) ;; *) fail "$dir: no '$id' finding (has: ${ids:-none})" ;; esac
	done
}

lib_done() {
	# every finding of every run this test made cites what stands in its run
	local dirs
	mapfile -t dirs < <(find "$tmp" -name result.json -type f -printf '%h\n' 2>/dev/null)
	if [ ${#dirs[@]} -gt 0 ]; then
		$PY "$(dirname "${BASH_SOURCE[0]}")/check_findings.py" "${dirs[@]}" || fail "findings that cite what is not in their run (above)"
		echo "  findings of ${#dirs[@]} runs checked against their result.json"
	fi
	if [ "$fails" -gt 0 ]; then
		echo "$lib_name: $fails failed"
		exit 1
	fi
	echo "$lib_name: all passed"
	exit 0
}

# fixes NAME ID: the --set lines of finding ID in run NAME (those with a
# value of the user's to choose, =N or =FILE, aside)
fixes() {
	$PY - "$tmp/$1/result.json" "$2" <<'PY'
import json, re, sys
r = json.load(open(sys.argv[1]))
f = [x for x in r["findings"] if x["id"] == sys.argv[2]]
if not f: sys.exit(f"no {sys.argv[2]}: {[x['id'] for x in r['findings']]}")
sets = (m.rstrip(".,;)") for m in re.findall(r"--set \S+", f[0]["fix"]))
print(" ".join(m for m in sets if not re.search(r"=(N|FILE)$", m)))
PY
}

# prom_start HOST:PORT: Debian's Prometheus on loopback scraping
# http://HOST:PORT/metrics every second until the test ends; its port in
# $pport. 1 when it is not installed.
prom_start() {
	command -v prometheus >/dev/null || return 1
	pport=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	cat >"$tmp/prom.yml" <<EOF
global: { scrape_interval: 1s, scrape_timeout: 1s }
scrape_configs:
  - job_name: connlab
    static_configs: [ { targets: ["$1"] } ]
EOF
	prometheus --config.file="$tmp/prom.yml" --storage.tsdb.path="$tmp/tsdb" \
		--web.listen-address="127.0.0.1:$pport" >"$tmp/prom.log" 2>&1 &
	ppid=$!
	on_exit "kill $ppid 2>/dev/null; wait $ppid 2>/dev/null"
}
