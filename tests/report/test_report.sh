#!/bin/bash
# SPDX-License-Identifier: MIT
# report.html and `connlab report`, root, with a real run of the default lab
# at a small scale (one expectation made to fail on purpose):
# - the page parses (XML and strict HTML5), is self-contained, and every
#   plotted point and loss marker agrees with result.json (check_report.py);
# - `connlab report DIR` writes the same page and the same summary again
#   from result.json alone;
# - headless Chromium renders it, light and dark, into a picture that is not
#   blank (check_shot.py); skipped with the reason only where Chromium is not
#   installed outside CI;
# - usage errors. (The comparison page of two time-wait runs is checked in
#   tests/labs/test_labs.sh, which makes those runs.)
. "$(dirname "$0")/../lib.sh"
lib_init test_report root
HERE=$(cd "$(dirname "$0")" && pwd)

"$CONNLAB" run --set clients.connections=5000 --set lab.duration=3s --set lab.interval=500ms \
	--set 'expect.established=>= 1M' --out "$tmp/run" >"$tmp/run.out" 2>&1
rc=$?
[ $rc = 1 ] || { fail "run: exit $rc, expected 1 (an expectation fails on purpose)"; tail -20 "$tmp/run.out"; }
[ -s "$tmp/run/report.html" ] || fail "the run wrote no report.html"
$PY "$HERE/check_report.py" "$tmp/run/report.html" "$tmp/run/result.json" || fail "report.html of the run"
grep -q '<td class="fail">FAIL</td><td><code>established &gt;= 1M</code>' "$tmp/run/report.html" ||
	fail "the failed expectation is not on the page"

# regenerated from result.json: the same page, the same summary
cp "$tmp/run/report.html" "$tmp/first.html"
rm "$tmp/run/report.html"
"$CONNLAB" report "$tmp/run" >"$tmp/again.out" 2>&1
rc=$?
[ $rc = 1 ] || fail "connlab report DIR: exit $rc, expected 1 (judged again: the same expectation fails)"
cmp -s "$tmp/first.html" "$tmp/run/report.html" || fail "connlab report DIR wrote a different report.html"
sed -n '/^connlab run of lab/,/results in/p' "$tmp/run.out" >"$tmp/summary.run"
sed -n '/^connlab run of lab/,/results in/p' "$tmp/again.out" >"$tmp/summary.again"
[ -s "$tmp/summary.run" ] && cmp -s "$tmp/summary.run" "$tmp/summary.again" ||
	{ fail "connlab report DIR printed another summary than the run:"; diff "$tmp/summary.run" "$tmp/summary.again"; }
grep -q "report        $tmp/run/report.html" "$tmp/again.out" || fail "connlab report does not say where the page is"

# timeline.csv: kept as the run wrote it, and the same again from result.json
cp "$tmp/run/timeline.csv" "$tmp/timeline.first"
"$CONNLAB" report "$tmp/run" >/dev/null 2>&1
cmp -s "$tmp/timeline.first" "$tmp/run/timeline.csv" || fail "connlab report DIR changed timeline.csv"
rm "$tmp/run/timeline.csv"
"$CONNLAB" report "$tmp/run" >/dev/null 2>&1
cmp -s "$tmp/timeline.first" "$tmp/run/timeline.csv" || fail "timeline.csv written again from result.json differs"

# judged again against other expectations: exit status as for run, the
# verdicts of the run kept, and the files written again with the new ones
cp "$tmp/run/result.json" "$tmp/result.first"
"$CONNLAB" report "$tmp/run" --set 'expect.established=off' >"$tmp/rejudge.out" 2>&1
rc=$?
[ $rc = 0 ] || { fail "report --set expect.established=off: exit $rc, expected 0"; tail -5 "$tmp/rejudge.out"; }
grep -q 'FAIL' "$tmp/rejudge.out" && fail "report --set expect.established=off still prints a FAIL"
[ "$(json "$tmp/run/result.json" exit_status)" = 0 ] || fail "result.json of the re-judged run: exit_status is not 0"
[ "$(json "$tmp/run/result.json" outcome)" = completed ] || fail "result.json of the re-judged run: outcome is not completed"
[ "$(json "$tmp/run/result.json" expectations_at_run.0.holds)" = "$(json "$tmp/result.first" expectations.0.holds)" ] ||
	fail "the run's own verdicts are not kept as expectations_at_run"
grep -q 'failures="0"' "$tmp/run/junit.xml" || fail "junit.xml was not written again with the new verdicts"
"$CONNLAB" report "$tmp/run" --set 'expect.ping.p99=<= 1us' >"$tmp/rejudge.out" 2>&1
rc=$?
[ $rc = 1 ] && grep -Eq '^  FAIL ping.p99 <= 1us \(actual [0-9.]+(us|ms)\)' "$tmp/rejudge.out" ||
	{ fail "report --set 'expect.ping.p99=<= 1us': exit $rc, expected 1 and the FAIL line"; tail -5 "$tmp/rejudge.out"; }
# the ping percentile is the pings', not the probe connects'
[ "$(json "$tmp/run/result.json" expectations.3.actual)" = "$($PY -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["ping"]["all"]["p99_ms"]*1000, 3))' "$tmp/run/result.json")" ] ||
	fail "ping.p99 is not judged on ping.all.p99_ms"
"$CONNLAB" report "$tmp/run" --set clients.connections=5 >"$tmp/e0" 2>&1; rc=$?
[ $rc = 2 ] && grep -q 'a past run is judged again against expectations only' "$tmp/e0" ||
	{ fail "report --set of a lab key: exit $rc"; cat "$tmp/e0"; }
"$CONNLAB" report "$tmp/run" --set 'expect.nope=<= 1' >"$tmp/e0" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "unknown metric 'nope'" "$tmp/e0" || { fail "report --set of an unknown metric: exit $rc"; cat "$tmp/e0"; }
"$CONNLAB" report "$tmp/run" >/dev/null 2>&1 # its own expectations again: one fails

# a picture of it
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ] || [ ! -x "$PY" ] || ! $PY -c 'import PIL' 2>/dev/null; then
	skip_part screenshot "Debian's chromium and python3-pil are not installed (apt-get install chromium python3-pil)"
else
	for scheme in light dark; do
		flag=
		[ $scheme = dark ] && flag=--force-dark-mode
		# its own profile directory; no network is used (the page refers to nothing)
		timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars $flag \
			--user-data-dir="$tmp/profile" --window-size=1200,2600 \
			--screenshot="$tmp/$scheme.png" "file://$tmp/run/report.html" >"$tmp/chromium.log" 2>&1
		if [ -s "$tmp/$scheme.png" ]; then
			$PY "$HERE/check_shot.py" "$tmp/$scheme.png" $scheme || fail "screenshot ($scheme)"
		else
			fail "chromium wrote no screenshot ($scheme)"; tail -5 "$tmp/chromium.log"
		fi
	done
fi

# usage errors
"$CONNLAB" report "$tmp/nothing" >"$tmp/e1" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "$tmp/nothing: No such file or directory; give a run directory" "$tmp/e1" ||
	{ fail "report of a missing run: exit $rc"; cat "$tmp/e1"; }
"$CONNLAB" report "$tmp" >"$tmp/e1" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "^connlab: $tmp is not a run directory: it has no result.json" "$tmp/e1" ||
	{ fail "report of a directory that is not a run: exit $rc"; cat "$tmp/e1"; }
"$CONNLAB" report -o "$tmp/x.html" "$tmp/run" >"$tmp/e2" 2>&1; rc=$?
[ $rc = 2 ] && grep -q -- "-o is for a comparison" "$tmp/e2" || { fail "-o with one run: exit $rc"; cat "$tmp/e2"; }
"$CONNLAB" report "$tmp/run" "$tmp/run" "$tmp/run" >"$tmp/e3" 2>&1; rc=$?
[ $rc = 2 ] || fail "three runs: exit $rc"
"$CONNLAB" report -o "$tmp/self.html" "$tmp/run" "$tmp/run" >"$tmp/e4" 2>&1 || fail "comparison with -o: exit $?"
grep -Eq '^outcome +expectations failed +expectations failed$' "$tmp/e4" ||
	{ fail "the comparison cuts the outcome short:"; head -3 "$tmp/e4"; }
$PY "$HERE/check_report.py" "$tmp/self.html" "$tmp/run/result.json" "$tmp/run/result.json" || fail "comparison page"
lib_done
