#!/bin/bash
# SPDX-License-Identifier: MIT
# `connlab report --openmetrics RUNDIR` on every fixture run directory:
# Prometheus's own OpenMetrics parser (python3-prometheus-client) reads
# it, and its figures are result.json's: the timeline's newest sample, an
# interval column summed, the states, the errors, the merged histograms'
# counts. Usage errors are said.
. "$(dirname "$0")/../lib.sh"
lib_init test_openmetrics
if ! $PY -c 'import prometheus_client' 2>/dev/null; then
	skip_part "the OpenMetrics parser" "python3-prometheus-client is not installed"
	lib_done
	exit
fi
n=0
for src in tests/fixtures/findings/*/; do
	name=$(basename "$src")
	"$CONNLAB" report --openmetrics "$src" >"$tmp/$name.om" 2>"$tmp/$name.err" ||
		{ fail "$name: exit $?: $(head -3 "$tmp/$name.err")"; continue; }
	[ -s "$tmp/$name.err" ] && fail "$name: it wrote to stderr: $(head -3 "$tmp/$name.err")"
	$PY - "$tmp/$name.om" "$src/result.json" <<'PY' || fail "$name: the claims above"
import json, math, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
text, r = open(sys.argv[1]).read(), json.load(open(sys.argv[2]))
s = {}
for fam in text_string_to_metric_families(text):
    for x in fam.samples:
        labels = dict(x.labels)
        assert labels.pop("lab", None) == r["lab"]["name"], ("not the lab's name", x)
        s[(x.name, tuple(sorted(labels.items())))] = x.value
tl = r["timeline"]
def last(col):
    return tl[col][-1] if tl.get(col) else None
assert text.endswith("# EOF\n") and "nan" not in text.lower(), "the end, or a nan"
assert s[("connlab_connects_total", ())] == last("connected"), (s[("connlab_connects_total", ())], last("connected"))
if tl.get("pings_sent"):
    assert s[("connlab_pings_sent_total", ())] == sum(v for v in tl["pings_sent"] if v is not None)
for state, col in tl["states"].items():
    if col and col[-1] is not None:
        assert s[("connlab_sockets", (("state", state),))] == col[-1], state
for side, col in (("client", "established_clients"), ("server", "established_server")):
    if last(col) is not None:
        assert s[("connlab_established", (("side", side),))] == last(col), side
for ns, counters in (r.get("counters") or {}).items():
    side = {"srv": "server", "probe": "probe"}.get(ns, "client")
    for name, v in counters.items():
        if isinstance(v, int):
            assert s[("connlab_netstat_total", (("counter", name), ("namespace", ns), ("side", side)))] == v
for errno, col in (tl.get("errors") or {}).items():
    assert s[("connlab_errors_total", (("errno", errno),))] == col[-1], errno
# a gauge the newest sample did not measure is not there
if tl.get("reply_p50_ms") and tl["reply_p50_ms"][-1] is None:
    assert ("connlab_reply_p50_seconds", ()) not in s
elif tl.get("reply_p50_ms"):
    assert math.isclose(s[("connlab_reply_p50_seconds", ())], tl["reply_p50_ms"][-1] / 1000)
c = s.get(("connlab_connect_seconds_count", ()))
if c is not None and (r.get("connect") or {}).get("count") is not None:
    assert c == r["connect"]["count"], (c, r["connect"])
    assert s[("connlab_connect_seconds_bucket", (("le", "+Inf"),))] == c
PY
	n=$((n + 1))
done
[ $n -ge 25 ] || fail "only $n fixture run directories were read"
echo "  $n fixture run directories: their OpenMetrics parsed by prometheus_client, figures as result.json"
expect_run 2 "--openmetrics shows one run, with no other option" report --openmetrics \
	tests/fixtures/findings/default tests/fixtures/findings/c1m
expect_run 2 "--openmetrics shows one run, with no other option" report --openmetrics \
	--set 'expect.established_peak=>= 1' tests/fixtures/findings/default
expect_run 2 "give a run directory" report --openmetrics "$tmp/none"
lib_done
