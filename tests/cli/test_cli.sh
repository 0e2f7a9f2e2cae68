#!/bin/bash
# SPDX-License-Identifier: MIT
# The command line: help, version, usage errors and their exit codes, plan
# of the default lab and of a lab file, refusals with the fix.
. "$(dirname "$0")/../lib.sh"
lib_init test_cli

expect_run 0 '^usage: connlab <command> \[options\]' --help
expect_run 0 '^connlab [0-9]+\.[0-9]+\.[0-9]+$' --version
expect_run 2 'usage: connlab <command>'
expect_run 2 "unknown command 'frob'" frob
expect_run 2 "unknown option '--frob'" --frob
expect_run 2 "unknown option '--frob'" plan --frob
expect_run 2 "one lab file at most" plan a.lab b.lab
# a missing value is said as such, not as an unknown option
for c in "run --set" "fleet --pdsh" "doctor -c" "doctor --sysctl" "plan --set" "up --set" \
	"flood --target" "server --ports" "watch --service"; do
	# shellcheck disable=SC2086
	expect_run 2 "option '-*[a-z]*' needs a value" $c
done
expect_run 0 'usage: connlab plan' help plan
expect_run 0 'report.html \(the run in charts' help run
expect_run 0 'result.json: ping.all.p99_ms' help metrics
expect_run 0 'connect_timeout +duration, default 10s, 100ms to 5m' help labfile
expect_run 0 'errors.NAME' help metrics
expect_run 0 'retransmissions +warning \(box\)' help findings
expect_run 0 'time-wait-overflow +warning \(box, churn\)' help findings
expect_run 0 'host-unreached +cause/warning \(fleet\)' help findings
expect_run 2 "no help for 'frob'" help frob
expect_run 0 'usage: connlab plan' plan --help
# every command's --help: its usage, exit 0, nothing on stderr
for c in run up down plan doctor report explain fleet flood server watch ls; do
	"$CONNLAB" $c --help >"$tmp/help.out" 2>"$tmp/help.err"
	rc=$?
	[ $rc = 0 ] && grep -q "^usage: connlab $c" "$tmp/help.out" && [ ! -s "$tmp/help.err" ] ||
		fail "$c --help: exit $rc: $(head -c 200 "$tmp/help.err")"
done

# The default lab and its plan.
expect_run 0 '6 server workers, up to 16667 sockets each' plan --fd-limit 20000
expect_run 0 'connections += 100k +; line' plan
expect_run 0 'connections += 5k +; --set' plan --set clients.connections=5000 --set lab.duration=3s
expect_run 0 'duration += 3s +; --set' plan --set clients.connections=5000 --set lab.duration=3s
expect_run 0 '"flood_processes": 6' plan --json --fd-limit 20000
"$CONNLAB" plan --json >"$tmp/plan.json" && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/plan.json" ||
	fail "plan --json is not JSON"

# Refusal with the computed fix, the same numbers as in the issue.
expect_run 2 '100000 connections to 1 server port need at least 2 client addresses with ports 1024-65535; you have 1: set clients.addresses = 2 or more' \
	plan --set clients.addresses=1 --set server.ports=8081 --set clients.namespaces=1
expect_run 2 'need at least 12 flood processes with an open-file limit of 10000' \
	plan -c 100k --fd-limit 10000 --set clients.workers=2

# What N connections need, in plain words.
expect_run 0 'Processes: 54 flood and 59 server processes, because one process may open only' plan -c 1M --fd-limit 20000
expect_run 0 'Addresses: 16 client addresses and 4 server ports' plan -c 1M --fd-limit 20000

# Lab files: the resolved lab written by plan reads back as a lab file.
"$CONNLAB" plan --set clients.rate=unlimited | sed '/^Plan for/,$d' >"$tmp/resolved.lab"
expect_run 0 'rate += unlimited +; line' plan "$tmp/resolved.lab"
printf '[lab]\nduraton = 5s\n[clients]\nrate = 20k\n' >"$tmp/bad.lab"
expect_run 2 "bad.lab:2: unknown key 'duraton' in \[lab\]; did you mean 'duration'\?" plan "$tmp/bad.lab"
expect_run 2 "bad.lab:4: clients.rate: '20k' has no unit: write it as 20k/s" plan "$tmp/bad.lab"
: >"$tmp/empty.lab"
expect_run 2 'empty.lab:1: empty lab file' plan "$tmp/empty.lab"
head -c 4096 "$CONNLAB" >"$tmp/binary.lab"
expect_run 2 'binary.lab:1: binary data' plan "$tmp/binary.lab"
expect_run 2 'nope.lab: cannot open: No such file or directory' plan "$tmp/nope.lab"
expect_run 2 "\-\-set clients.conections=5: unknown key 'conections' in \[clients\]; did you mean 'connections'\?" \
	plan --set clients.conections=5
for f in lab/*.lab; do
	expect_run 0 '^Plan for lab' plan "$f"
done

# Files a user names are refused before they are read when they are not
# what the command takes: a directory, a device, binary data, something
# endless; never "0 lines" and exit 0.
expect_run 2 "$tmp: is a directory" doctor --sysctl "$tmp"
expect_run 2 '/dev/zero: a device or socket, not a file' doctor --sysctl /dev/zero
expect_run 2 '/proc/self/mem: cannot read' doctor --sysctl /proc/self/mem
expect_run 2 'binary.lab:1: binary data \(byte 0x[0-9a-f]{2} at column [0-9]+\): not a text file' \
	doctor --sysctl "$tmp/binary.lab"
grep -q $'\e' "$tmp/out" && fail "doctor --sysctl echoes binary data"
yes 'net.core.somaxconn = 4096' | "$CONNLAB" doctor --sysctl - >"$tmp/out" 2>&1
[ $? = 2 ] && grep -q 'standard input: more than 16777216 bytes' "$tmp/out" ||
	fail "doctor --sysctl - of an endless input: $(head -3 "$tmp/out")"
# linear in the lines: 200k lines (each name twice, limits too) well
# within a bound the quadratic reader (more than 25 s) could not meet
python3 -c '
for i in range(50000):
    print("net.ipv4.tcp_rmem = 4096 %d 6291456" % (87380 + i))
    print("fs.nr_open = %d" % (1048576 + i))
    print("* soft nofile %d" % (1000 + i))
    print("* hard nofile %d" % (2000 + i))' >"$tmp/big.conf"
timeout 20 "$CONNLAB" doctor --sysctl "$tmp/big.conf" >"$tmp/out" 2>&1
rc=$?
[ $rc = 0 ] || [ $rc = 1 ] || fail "doctor --sysctl of 200k lines: exit $rc (124: over 20 s)"
grep -q '^200000 lines for lab' "$tmp/out" || fail "doctor --sysctl of 200k lines: $(tail -2 "$tmp/out")"
grep -q 'Set again at .*big.conf:199998 (1098575)' "$tmp/out" || fail "doctor --sysctl: the last fs.nr_open is not the one that counts"

# --out that cannot take a run is a usage error before anything is built
mkdir -p "$tmp/ran" && echo '{"findings": []}' >"$tmp/ran/result.json"
expect_run 2 "\-\-out $tmp/ran already holds a run \(its result.json\); choose another directory" \
	run --out "$tmp/ran" --set clients.connections=10
expect_run 2 "\-\-out $tmp/out: not a directory" run --out "$tmp/out"
expect_run 2 "\-\-out $tmp/ran already holds a run" fleet --out "$tmp/ran" lab/default.lab

# report: a result.json that is a directory, two runs with no lab name,
# -o at a directory
mkdir -p "$tmp/rd/result.json"
expect_run 2 'rd/result.json: is a directory' report "$tmp/rd"
for x in a b; do
	cp -r tests/fixtures/findings/time-wait "$tmp/$x"
	python3 -c 'import json,sys; p=sys.argv[1]+"/result.json"; r=json.load(open(p)); del r["lab"]["name"]; del r["outcome"]; json.dump(r, open(p,"w"))' "$tmp/$x"
done
mkdir -p "$tmp/pages"
expect_run 0 "comparison page: $tmp/pages/compare.html" report -o "$tmp/pages" "$tmp/a" "$tmp/b"
grep -q '(null)' "$tmp/out" && fail "report A B prints (null): $(grep -m1 '(null)' "$tmp/out")"
[ -s "$tmp/pages/compare.html" ] || fail "report -o DIR wrote no DIR/compare.html"

# docs/labfile.md documents every key the program knows, with its default.
"$CONNLAB" help labfile | awk '/^\[/ { sec = substr($1, 2, length($1) - 2) }
	/^  [a-z_]+ +[a-zA-Z ]+, default/ { print sec "." $1 }' >"$tmp/keys"
[ -s "$tmp/keys" ] || fail "no keys listed by help labfile"
while read -r key; do
	grep -q "\`$key\`" docs/labfile.md || fail "docs/labfile.md lacks $key"
done <"$tmp/keys"

# The man page lists every option of every command, in that command's
# section (.SS NAME ...), as connlab help NAME has it.
for cmd in run report explain plan doctor up down ls server flood fleet watch; do
	"$CONNLAB" help "$cmd" | grep -E '^ +-' | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u >"$tmp/opts"
	awk -v c="$cmd" '/^\.SS /{on = ($2 == c)} /^\.SH /{on = 0} on' docs/connlab.1 | sed 's/\\-/-/g' >"$tmp/section"
	[ -s "$tmp/section" ] || fail "docs/connlab.1 has no section .SS $cmd"
	while read -r opt; do
		grep -q -- "$opt\b" "$tmp/section" || fail "docs/connlab.1: $cmd lacks $opt (connlab help $cmd has it)"
	done <"$tmp/opts"
done
for sec in EXAMPLES 'SEE ALSO' 'EXIT STATUS'; do
	grep -q "^\.SH $sec" docs/connlab.1 || fail "docs/connlab.1 has no $sec"
done
lib_done
