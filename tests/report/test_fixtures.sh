#!/bin/bash
# SPDX-License-Identifier: MIT
# report.html and the terminal summary of every fixture run directory
# (tests/fixtures/findings: real runs and hand-made ones), made again
# without root by `connlab report`: the summary names the lab and its
# outcome, no "nan" or "(null)" reaches the summary or the page, and every
# point the page plots is the value in result.json (check_report.py).
. "$(dirname "$0")/../lib.sh"
lib_init test_fixtures
n=0
for src in tests/fixtures/findings/*/; do
	name=$(basename "$src")
	cp -r "$src" "$tmp/$name"
	"$CONNLAB" report "$tmp/$name" >"$tmp/$name.out" 2>&1
	rc=$?
	# 0: every expectation holds; 1: one failed; 3: the run itself failed
	outcome=$(json "$tmp/$name/result.json" outcome)
	[ $rc -le 1 ] || { [ $rc = 3 ] && [ "$outcome" = failed ]; } || { fail "$name: connlab report exits $rc"; sed 's/^/    /' "$tmp/$name.out" | head -5; continue; }
	grep -Eq "^connlab (run|fleet) of lab '[^']+': " "$tmp/$name.out" ||
		fail "$name: the summary does not name the lab and its outcome"
	grep -Eiwq 'nan|\(null\)|-nan' "$tmp/$name.out" && fail "$name: the summary prints $(grep -Eiwo 'nan|\(null\)' "$tmp/$name.out" | head -1)"
	grep -Eiwq '>nan<|\(null\)|"nan"' "$tmp/$name/report.html" && fail "$name: report.html shows nan or (null)"
	$PY tests/report/check_report.py "$tmp/$name/report.html" "$tmp/$name/result.json" >"$tmp/$name.check" 2>&1 ||
		{ fail "$name: report.html"; tail -3 "$tmp/$name.check" | sed 's/^/    /'; }
	n=$((n + 1))
done
[ $n -ge 25 ] || fail "only $n fixture run directories were rendered"
echo "  $n fixture run directories: summary and report.html made again and checked"
lib_done
