#!/bin/bash
# SPDX-License-Identifier: MIT
# The lab pages (docs/labs/*.md) quote connlab plan and doctor: every quoted
# line is one the program still prints, and the figures that follow from
# the lab and this machine's fixed limits (connections per address and
# port, processes, bytes per socket, local ports) are the
# program's own (tests/labs/check_pages.py).
. "$(dirname "$0")/../lib.sh"
lib_init test_pages
cl=$(cd "$(dirname "$CONNLAB")" && pwd)/$(basename "$CONNLAB")
$PY tests/labs/check_pages.py "$cl" docs/labs/*.md >"$tmp/out" 2>&1 || fail "$(cat "$tmp/out")"
# the check itself fails on a page that says another figure
sed 's/(7813 connections per address/(7800 connections per address/' docs/labs/c1m.md >"$tmp/c1m.md"
grep -q "7800 connections per address" "$tmp/c1m.md" || fail "docs/labs/c1m.md no longer states its per-pair figure"
$PY tests/labs/check_pages.py "$cl" "$tmp/c1m.md" >/dev/null 2>&1 && fail "check_pages.py passed a page that says 7800 for 7813"
lib_done
