#!/bin/bash
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
set -u
CONNLAB=${CONNLAB:-./connlab}
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3 # Debian's, with python3-html5lib and python3-pil
if [ "$(id -u)" != 0 ]; then echo "test_report: skipped: needs root"; exit 77; fi
if ! unshare -n true 2>/dev/null; then echo "test_report: skipped: cannot create network namespaces"; exit 77; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

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
"$CONNLAB" report "$tmp/run" >"$tmp/again.out" 2>&1 || fail "connlab report DIR: exit $?"
cmp -s "$tmp/first.html" "$tmp/run/report.html" || fail "connlab report DIR wrote a different report.html"
sed -n '/^connlab run of lab/,/results in/p' "$tmp/run.out" >"$tmp/summary.run"
sed -n '/^connlab run of lab/,/results in/p' "$tmp/again.out" >"$tmp/summary.again"
[ -s "$tmp/summary.run" ] && cmp -s "$tmp/summary.run" "$tmp/summary.again" ||
	{ fail "connlab report DIR printed another summary than the run:"; diff "$tmp/summary.run" "$tmp/summary.again"; }
grep -q "report        $tmp/run/report.html" "$tmp/again.out" || fail "connlab report does not say where the page is"

# a picture of it
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ] || [ ! -x "$PY" ] || ! $PY -c 'import PIL' 2>/dev/null; then
	if [ "${CI:-}" = true ]; then
		fail "chromium or python3-pil is missing in CI (ci/install-deps.sh installs them)"
	else
		echo "  screenshot: skipped: Debian's chromium and python3-pil are not installed (apt-get install chromium python3-pil)"
	fi
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
[ $rc = 2 ] && grep -q "$tmp/nothing/result.json" "$tmp/e1" || { fail "report of a missing run: exit $rc"; cat "$tmp/e1"; }
"$CONNLAB" report -o "$tmp/x.html" "$tmp/run" >"$tmp/e2" 2>&1; rc=$?
[ $rc = 2 ] && grep -q -- "-o is for a comparison" "$tmp/e2" || { fail "-o with one run: exit $rc"; cat "$tmp/e2"; }
"$CONNLAB" report "$tmp/run" "$tmp/run" "$tmp/run" >"$tmp/e3" 2>&1; rc=$?
[ $rc = 2 ] || fail "three runs: exit $rc"
"$CONNLAB" report -o "$tmp/self.html" "$tmp/run" "$tmp/run" >"$tmp/e4" 2>&1 || fail "comparison with -o: exit $?"
$PY "$HERE/check_report.py" "$tmp/self.html" "$tmp/run/result.json" "$tmp/run/result.json" || fail "comparison page"
if [ $fails -gt 0 ]; then echo "test_report: $fails failed"; exit 1; fi
echo "test_report: all passed"
