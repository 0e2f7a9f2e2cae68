#!/bin/bash
# SPDX-License-Identifier: MIT
# Runs the test binaries given as arguments (Check unit tests), then the
# shell tests under tests/ (tests/*/test_*.sh; those that need root skip
# with a reason without it), and prints "N passed, N failed".
set -u
unit_only=0
[ "${1:-}" = --unit-only ] && { unit_only=1; shift; }
passed=0 failed=0 skipped=0
failures=()
for t in "$@"; do
	"$t"
	case $? in
	0) passed=$((passed + 1)) ;;
	77) skipped=$((skipped + 1)) ;;
	*) failed=$((failed + 1)); failures+=("$t") ;;
	esac
done
if [ $unit_only = 0 ]; then
	for t in tests/*/test_*.sh; do
		[ -e "$t" ] || continue
		echo "--- $t"
		"$t"
		rc=$?
		case $rc in
		0) passed=$((passed + 1)) ;;
		77) skipped=$((skipped + 1)) ;;
		*) failed=$((failed + 1)); failures+=("$t (exit $rc)") ;;
		esac
	done
fi
for f in "${failures[@]}"; do echo "FAILED: $f"; done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
