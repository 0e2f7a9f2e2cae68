# SPDX-License-Identifier: MIT
# tests/lib.sh - what every shell test shares. Source it first thing:
#
#   . "$(dirname "$0")/../lib.sh"
#   lib_init NAME [root]        # NAME for messages; root: skip (exit 77) with
#                               # the reason without root or network namespaces
#   on_exit 'kill $pid'         # cleanup, run in reverse order at exit
#   fail "what went wrong"      # counts a failure and says it
#   expect_run EXIT REGEX ARGS  # runs connlab ARGS: exit status and output
#   lib_done                    # "NAME: all passed" (0) or "NAME: N failed" (1)
#
# $tmp is a fresh directory removed at exit; $CONNLAB the binary under test.
set -u
CONNLAB=${CONNLAB:-./connlab}
PY=/usr/bin/python3 # Debian's, with the modules ci/install-deps.sh installs
fails=0
lib_cleanups=()

lib_exit() {
	local i
	for ((i = ${#lib_cleanups[@]} - 1; i >= 0; i--)); do eval "${lib_cleanups[$i]}"; done
	[ -n "${tmp:-}" ] && rm -rf "$tmp"
}

lib_init() {
	lib_name=$1
	if [ "${2:-}" = root ]; then
		if [ "$(id -u)" != 0 ]; then echo "$lib_name: skipped: needs root"; exit 77; fi
		if ! unshare -n true 2>/dev/null; then
			echo "$lib_name: skipped: cannot create network namespaces"
			exit 77
		fi
	fi
	tmp=$(mktemp -d)
	trap lib_exit EXIT
}

on_exit() { lib_cleanups+=("$1"); }

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
	mapfile -t dirs < <(find "$tmp" -name result.json -printf '%h\n' 2>/dev/null)
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
