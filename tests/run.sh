#!/bin/bash
# SPDX-License-Identifier: MIT
# Runs the test binaries given as arguments (Check unit tests), then the
# shell tests under tests/ (tests/*/test_*.sh; those that need root skip
# with a reason without it), each with its seconds, and prints "N passed,
# N failed, N skipped": the tests that could not run here, and the parts
# of passing tests left out for want of a program (tests/lib.sh skip_part),
# each named. CONNLAB_NO_SKIP=1 (CI) turns every skip into a failure.
set -u
unit_only=0
[ "${1:-}" = --unit-only ] && { unit_only=1; shift; }
passed=0 failed=0 skipped=0
failures=() skips=()
CONNLAB_SKIPS=$(mktemp)
export CONNLAB_SKIPS
trap 'rm -f "$CONNLAB_SKIPS"' EXIT

# one test, timed: its seconds after its own lines
one() {
	local t=$1 rc start=$SECONDS
	if [ -x "$t" ]; then
		"$t"
		rc=$?
	else
		echo "FAIL: $t is not executable (chmod +x, and commit the mode)"
		rc=1
	fi
	echo "  ($t: $((SECONDS - start)) s)"
	case $rc in
	0) passed=$((passed + 1)) ;;
	77) skipped=$((skipped + 1)); skips+=("$t") ;;
	*) failed=$((failed + 1)); failures+=("$t (exit $rc)") ;;
	esac
}
for t in "$@"; do one "$t"; done
if [ $unit_only = 0 ]; then
	for t in tests/*/test_*.sh; do
		[ -e "$t" ] || continue
		echo "--- $t"
		one "$t"
	done
fi
for f in "${failures[@]}"; do echo "FAILED: $f"; done
for f in "${skips[@]}"; do echo "SKIPPED: $f"; done
while IFS= read -r part; do
	echo "SKIPPED: $part"
	skipped=$((skipped + 1))
done <"$CONNLAB_SKIPS"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
