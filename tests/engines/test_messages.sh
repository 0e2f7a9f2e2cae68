#!/bin/bash
# SPDX-License-Identifier: MIT
# Messages on connections, engine level, on loopback: heartbeats reach the
# server at the configured rate (its bytes over a fixed window), replies
# are matched and timed, a server that never replies gives missing
# replies, lock-step (never two outstanding), a reply split over many
# reads completes once whole, and churn with a request per connection.
. "$(dirname "$0")/../lib.sh"
lib_init test_messages root
HERE=$(cd "$(dirname "$0")" && pwd)
# below the ephemeral range (32768-60999): no flood's local port takes them
base=$((20000 + $$ % 10000))
last() { tail -1 "$1"; }
field() { $PY -c 'import json,sys; d=json.loads(open(sys.argv[1]).read().strip().splitlines()[-1]); [d:=d[k] for k in sys.argv[2].split(".")]; print(d)' "$1" "$2"; }
server() { # PORT MODE SECONDS
	"$CONNLAB" server --address 127.0.0.1 --ports "$1" --mode "$2" --duration "$3" --stats-interval 0 >"$tmp/srv-$1" 2>&1 &
	for _ in $(seq 50); do ss -Hltn "sport = :$1" | grep -q . && return; sleep 0.1; done
	fail "the server on port $1 did not listen: $(cat "$tmp/srv-$1")"
}

# ---- 1. heartbeats at their rate, every one arriving; replies matched ----
p=$((base + 1))
server $p echo 5s
"$CONNLAB" flood --target 127.0.0.1 --ports $p --connections 100 --message 'beat\n' \
	--message-interval 500ms --duration 3s --stats-interval 0 >"$tmp/f1" 2>&1 || fail "heartbeat flood: exit $?"
wait
sent=$(field "$tmp/f1" messages.sent)
got=$(($(field "$tmp/srv-$p" bytes_in) / 5))
# 100 connections x 3 s / 0.5 s = 600 (less the ramp's first moments)
[ "$sent" -ge 480 ] && [ "$sent" -le 700 ] || fail "heartbeats: $sent sent in 3 s, expected about 600"
[ "$got" = "$sent" ] || fail "the server read $got heartbeats, the flood sent $sent"
replies=$(field "$tmp/f1" messages.replies)
[ "$replies" -ge $((sent - 100)) ] && [ "$(field "$tmp/f1" messages.missing)" = 0 ] ||
	fail "echo: $replies replies to $sent messages"
[ "$(field "$tmp/f1" messages.reply_p50_us)" -lt 20000 ] || fail "echo on loopback: reply p50 $(field "$tmp/f1" messages.reply_p50_us) us"

# ---- 2. a server that never replies: missing replies, counted ----
p=$((base + 2))
server $p silent 4s
"$CONNLAB" flood --target 127.0.0.1 --ports $p --connections 50 --message 'req\n' \
	--message-interval 400ms --reply-timeout 150ms --duration 2s --stats-interval 0 >"$tmp/f2" 2>&1 || fail "silent flood: exit $?"
wait
sent=$(field "$tmp/f2" messages.sent); missing=$(field "$tmp/f2" messages.missing)
[ "$(field "$tmp/f2" messages.replies)" = 0 ] || fail "a silent server got replies counted"
[ "$missing" -ge $((sent - 50)) ] && [ "$missing" -le "$sent" ] && [ "$sent" -ge 150 ] ||
	fail "silent server: $missing missing of $sent sent"

# ---- 3. lock-step: without a timeout a message waits for its reply ----
p=$((base + 3))
server $p silent 4s
"$CONNLAB" flood --target 127.0.0.1 --ports $p --connections 40 --message 'req\n' \
	--message-interval 100ms --duration 2s --stats-interval 0 >"$tmp/f3" 2>&1 || fail "lock-step flood: exit $?"
wait
[ "$(field "$tmp/f3" messages.sent)" = 40 ] || fail "lock-step: $(field "$tmp/f3" messages.sent) messages on 40 connections that never got a reply"

# ---- 4. a reply of 50 bytes in pieces of 7, 2 ms apart: complete once whole ----
p=$((base + 4))
$PY "$HERE/../servers/dribble.py" $p 50 5 &
for _ in $(seq 50); do ss -Hltn "sport = :$p" | grep -q . && break; sleep 0.1; done
"$CONNLAB" flood --target 127.0.0.1 --ports $p --connections 10 --message 'q' --reply bytes:50 \
	--message-interval 500ms --duration 2s --stats-interval 0 >"$tmp/f4" 2>&1 || fail "partial replies: exit $?"
wait
[ "$(field "$tmp/f4" messages.replies)" -ge 20 ] || fail "partial replies: $(field "$tmp/f4" messages.replies) replies"
[ "$(field "$tmp/f4" messages.reply_p50_us)" -ge 12000 ] ||
	fail "a reply in 8 pieces 2 ms apart completed in $(field "$tmp/f4" messages.reply_p50_us) us: before it was whole"

# ---- 5. churn: a request per connection against echo, closed after the reply ----
p=$((base + 5))
server $p echo 5s
"$CONNLAB" flood --target 127.0.0.1 --ports $p --mode churn --connections 500 --rate 1000/s \
	--message 'GET\n' --duration 4s --stats-interval 0 >"$tmp/f5" 2>&1 || fail "churn requests: exit $?"
wait
[ "$(field "$tmp/f5" messages.sent 2>/dev/null)" = 500 ] && [ "$(field "$tmp/f5" messages.replies)" = 500 ] ||
	fail "churn requests: $(tail -c 600 "$tmp/f5"); the server: $(tail -c 300 "$tmp/srv-$p")"
[ "$(field "$tmp/f5" established)" = 500 ] || fail "churn requests: $(field "$tmp/f5" established) connections"
# ---- 6. a lab with heartbeats: results, metrics and the summary ----
"$CONNLAB" run --set clients.connections=2000 --set server.mode=echo --set 'clients.message=hb\n' \
	--set clients.message_interval=500ms --set clients.reply_timeout=2s --set lab.duration=3s \
	--set 'expect.reply.p99=<= 1s' --set 'expect.reply.missing=== 0' --set 'expect.messages.rate=>= 3000/s' \
	--out "$tmp/lab" >"$tmp/lab.out" 2>&1 || fail "heartbeat lab: exit $?: $(tail -12 "$tmp/lab.out")"
grep -Eq "^  messages      [0-9]+ sent \([0-9]+/s in the hold\), [0-9]+ replies, 0 missing" "$tmp/lab.out" ||
	fail "the summary has no messages line: $(grep -A2 'new conn' "$tmp/lab.out")"
$PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
m = d["messages"]
# 2000 connections, one message each every 0.5 s: 4000 a second
assert 3400 <= m["rate_hold_per_s"] <= 4400, m
assert m["reply"]["count"] == m["replies"] and m["reply"]["floods"] >= 1, m
assert d["timeline"]["messages_sent"][-1] <= m["sent"], m
' "$tmp/lab/result.json" || fail "heartbeat lab: $(grep -A12 '"messages"' "$tmp/lab/result.json")"
# clients.message = @FILE, relative to the lab file: its bytes, escaped
printf 'PING\r\n\001' >"$tmp/msg.bin"
printf '[lab]\nname = m\n[clients]\nmessage = @msg.bin\n' >"$tmp/m.lab"
"$CONNLAB" plan "$tmp/m.lab" | grep -q '^message *= PING\\r\\n\\x01 ' || fail "@FILE: $("$CONNLAB" plan "$tmp/m.lab" 2>&1 | grep message)"
"$CONNLAB" plan "$tmp/m.lab" --set clients.message=@nope >"$tmp/nope.out" 2>&1
[ $? = 2 ] && grep -q "cannot read $tmp/nope: No such file" "$tmp/nope.out" || fail "@FILE missing: $(cat "$tmp/nope.out")"
# report.html: the reply latency and messages charts, every point from result.json
$PY "$HERE/../report/check_report.py" "$tmp/lab/report.html" "$tmp/lab/result.json" >"$tmp/check" 2>&1 ||
	fail "report.html of the heartbeat lab: $(cat "$tmp/check")"
grep -q 'id="replies"' "$tmp/lab/report.html" || fail "report.html has no reply latency chart"
lib_done
