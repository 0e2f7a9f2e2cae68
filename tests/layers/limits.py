#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The size limits of the source (docs/internals.md), checked.

    tests/layers/limits.py [--root DIR] [--list]

No source file of src/ or netns/ over 600 lines, no function over 100
(from the line of its opening brace to its closing one; a table of data
is not a function), and no block of code written twice: six statements
in a row that stand again elsewhere, the same to the letter once white
space is folded (blank lines, comments, lone braces, includes and labels
do not count; option parsing, whose cases look alike by nature, is left
out: `case`, `getopt` and `cli_` lines break a block). Prints each breach
as FILE:LINE and exits 1; with --list, every file and function with its
length, largest first."""
import argparse
import os
import re
import sys

FILE_MAX = 600
FUNCTION_MAX = 100
NAME = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(")


def sources(root):
    for top in ("src", "netns"):
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    yield os.path.join(dirpath, f)


def functions(lines):
    """(name, first line, length) of each function: a body opens with "{"
    alone at column 0 (the tree's clang-format) and closes with "}"."""
    i = 0
    while i < len(lines):
        if lines[i].rstrip("\n") == "{":
            j = i - 1
            head = ""
            while j >= 0 and lines[j].strip() and not lines[j].startswith(("}", "#", "/*", " *")):
                head = lines[j] + head
                j -= 1
            m = NAME.search(head)
            k = i + 1
            while k < len(lines) and lines[k].rstrip("\n") != "}":
                k += 1
            if m:
                yield m.group(1), i + 1, k - i + 1
            i = k
        i += 1


DUP_LINES = 6
TRIVIAL = re.compile(r"^(?:[{}();,]*|else|break;|continue;|return;|return 0;|return -1;|"
                     r"#include .*|#define .*|#if.*|#endif.*|#else|[a-z_]+:|/\*.*|\*.*|//.*)$")
OPTIONS = re.compile(r"\bcase\b|\bgetopt|\bcli_[a-z_]+\(|\bdefault:|_argument\b")


def statements(lines):
    """(line number, folded text) of each line that counts"""
    out = []
    for n, line in enumerate(lines, 1):
        t = " ".join(line.split())
        if not t or TRIVIAL.match(t):
            continue
        out.append((n, "\n" if OPTIONS.search(t) else t))
    return out


def duplicates(files):
    """Blocks of DUP_LINES statements that stand in two places: one line for
    each run of overlapping windows between the same two files."""
    seen, bad, last = {}, [], {}
    for rel, lines in files:
        st = statements(lines)
        for i in range(len(st) - DUP_LINES + 1):
            block = tuple(t for _, t in st[i:i + DUP_LINES])
            if "\n" in block:
                continue
            line = st[i][0]
            first = seen.setdefault(block, (rel, line))
            if first == (rel, line) or (first[0] == rel and line - first[1] < DUP_LINES):
                continue
            pair = (rel, first[0])
            if pair in last and line - last[pair] <= DUP_LINES:
                last[pair] = line  # the same run, a window further
                continue
            last[pair] = line
            bad.append(f"{rel}:{line}: the same {DUP_LINES} statements as {first[0]}:{first[1]}: "
                       "make them one function")
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=".")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    bad, rows, files = [], [], []
    for path in sources(args.root):
        rel = os.path.relpath(path, args.root)
        with open(path, encoding="utf-8") as f:
            lines = f.readlines()
        if path.endswith(".c"):
            files.append((rel, lines))
        rows.append((len(lines), rel, ""))
        if len(lines) > FILE_MAX:
            bad.append(f"{rel}:{len(lines)}: {len(lines)} lines, over {FILE_MAX}: split it by what its parts do")
        for name, line, n in functions(lines):
            rows.append((n, f"{rel}:{line}", name))
            if n > FUNCTION_MAX:
                bad.append(f"{rel}:{line}: {name} has {n} lines, over {FUNCTION_MAX}: make its steps functions, its data a table")
    bad += duplicates(files)
    if args.list:
        for n, where, name in sorted(rows, reverse=True):
            print(f"{n:6d}  {where}  {name}")
        return 0
    for b in bad:
        print(b)
    if bad:
        print(f"limits: {len(bad)} breaches (docs/internals.md)")
        return 1
    nfiles = sum(1 for r in rows if not r[2])
    print(f"limits: ok ({nfiles} files up to {FILE_MAX} lines, functions up to {FUNCTION_MAX}, "
          f"no block of {DUP_LINES} statements twice)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
