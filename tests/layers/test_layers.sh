#!/bin/bash
# SPDX-License-Identifier: MIT
# The layer check fails where it should: an include planted upward in a
# copy of the tree (util/ including run/), and objects that use a symbol of
# a layer above and form a cycle, are each named; the real tree passes.
# The size limits likewise: a file over 600 lines, a function over 100 and
# a block written twice, planted in a copy, are each named.
. "$(dirname "$0")/../lib.sh"
lib_init test_layers
top=$(pwd)

tests/layers/layers.py >"$tmp/ok" 2>&1 || { fail "the tree breaks its own layer rule:"; cat "$tmp/ok"; }

mkdir -p "$tmp/tree"
cp -r src netns "$tmp/tree/"
sed -i '0,/^#include "util\/clock.h"/s//#include "util\/clock.h"\n#include "run\/run.h"/' "$tmp/tree/src/util/clock.c"
line=$(grep -n '#include "run/run.h"' "$tmp/tree/src/util/clock.c" | cut -d: -f1)
[ -n "$line" ] || fail "could not plant the include"
tests/layers/layers.py --root "$tmp/tree" >"$tmp/out" 2>&1
rc=$?
[ $rc = 1 ] || fail "a planted upward include: exit $rc, expected 1"
grep -q "^layers: src/util/clock.c:$line: #include \"run/run.h\": util/ may include nothing else, not run/$" "$tmp/out" ||
	{ fail "the planted include is not named with its file and line:"; cat "$tmp/out"; }
printf '#include "netns/netns.h"\n' >>"$tmp/tree/src/report/write.c"
tests/layers/layers.py --root "$tmp/tree" >"$tmp/out" 2>&1
grep -q 'src/report/write.c:[0-9]*: #include "netns/netns.h": report/ may include util, kernel, lab, not netns/' "$tmp/out" ||
	{ fail "report/ including netns/ is not named:"; cat "$tmp/out"; }

# symbols: util/a.o needs engine/b.o's function and b needs a's: an edge up
# and a cycle
mkdir -p "$tmp/objs/src/util" "$tmp/objs/src/engine"
printf 'int b(void);\nint a(void) { return b(); }\n' >"$tmp/a.c"
printf 'int a(void);\nint b(void) { return a() + 1; }\n' >"$tmp/b.c"
cc -c -o "$tmp/objs/src/util/a.o" "$tmp/a.c" && cc -c -o "$tmp/objs/src/engine/b.o" "$tmp/b.c" ||
	fail "cannot compile the planted objects"
tests/layers/layers.py --root "$top" --objects "$tmp/objs" >"$tmp/out" 2>&1
rc=$?
[ $rc = 1 ] || fail "planted objects: exit $rc, expected 1"
grep -q 'src/util/a.o uses b of src/engine/b.o: util/ may not use engine/' "$tmp/out" ||
	{ fail "the upward symbol is not named:"; cat "$tmp/out"; }
grep -q 'a dependency cycle of 2 files: src/engine/b <-> src/util/a' "$tmp/out" ||
	{ fail "the cycle is not named:"; cat "$tmp/out"; }
# the limits
tests/layers/limits.py >"$tmp/ok" 2>&1 || { fail "the tree breaks its own size limits:"; cat "$tmp/ok"; }
rm -rf "$tmp/lim" && mkdir -p "$tmp/lim" && cp -r src netns "$tmp/lim/"
{
	printf 'int planted_long(int x);\nint planted_long(int x)\n{\n'
	for i in $(seq 1 101); do printf '\tx += %d;\n' "$i"; done
	printf '\treturn x;\n}\n'
} >"$tmp/lim/src/util/planted.c"
# six statements of units.c's parse_decimal again, elsewhere
sed -n '/^static const char \*parse_decimal/,/^}/p' src/util/units.c |
	sed 's/parse_decimal/planted_twice/' >>"$tmp/lim/src/util/clock.c"
for i in $(seq 1 600); do echo "/* $i */"; done >>"$tmp/lim/src/util/log.c"
tests/layers/limits.py --root "$tmp/lim" >"$tmp/out" 2>&1
rc=$?
[ $rc = 1 ] || fail "planted limits: exit $rc, expected 1"
grep -q '^src/util/planted.c:3: planted_long has 10[0-9] lines, over 100' "$tmp/out" ||
	{ fail "the long function is not named:"; cat "$tmp/out"; }
grep -q '^src/util/log.c:[0-9]*: [0-9]* lines, over 600' "$tmp/out" ||
	{ fail "the long file is not named:"; cat "$tmp/out"; }
grep -Eq '^src/util/(clock|units).c:[0-9]*: the same 6 statements as src/util/(units|clock).c:[0-9]*' "$tmp/out" ||
	{ fail "the block written twice is not named:"; cat "$tmp/out"; }
lib_done
