#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The layer rule of src/ (docs/internals.md), checked.

    tests/layers/layers.py [--root DIR] [--objects BUILD]

1. Includes: a file in src/LAYER/ includes headers of its own folder and of
   the folders LAYER may use (the table below) and nothing else of ours;
   netns/ includes only netns/. Prints each include that points the wrong
   way as FILE:LINE and the rule.
2. With --objects: the symbol graph. For every object file under BUILD/src
   and BUILD/netns, `nm` gives what it defines and what it needs; an edge
   goes from the file that needs a symbol to the file that defines it. No
   edge may leave the allowed folders, and the graph of files has no cycle
   (strongly connected components of more than one file are printed).
Exit status 0 when the rule holds, 1 with every breach listed."""
import argparse
import os
import re
import subprocess
import sys

# Each folder and the folders below it that it may use. netns/ is a library
# of its own: it knows nothing of src/.
ALLOWED = {
    "util": [],
    "kernel": ["util"],  # the table of kernel knowledge, and tuning files
    "engine": ["util"],
    "lab": ["util", "kernel", "engine"],  # the kernel's counters name metrics
    "plan": ["util", "kernel", "engine", "lab", "netns"],  # kernel: what a socket costs
    "host": ["util", "kernel", "engine", "lab", "plan", "netns"],
    "run": ["util", "kernel", "engine", "lab", "plan", "host", "netns"],
    "fleet": ["util", "kernel", "engine", "lab", "plan", "run", "netns"],  # beside run/: pdsh, not namespaces
    "report": ["util", "kernel", "lab"],  # result.json only: never run/ or plan/
    "cmd": ["util", "kernel", "engine", "lab", "plan", "host", "run", "fleet", "report", "netns"],
    "netns": [],
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def folder_of(path, root):
    rel = os.path.relpath(path, root).split(os.sep)
    if rel[0] == "src" and len(rel) > 2:
        return rel[1]
    if rel[0] == "netns":
        return "netns"
    return None


def check_includes(root):
    bad = []
    for top in ("src", "netns"):
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for f in sorted(files):
                if not f.endswith((".c", ".h")):
                    continue
                path = os.path.join(dirpath, f)
                me = folder_of(path, root)
                if me is None:
                    bad.append(f"{os.path.relpath(path, root)}: a source file outside the layer folders {', '.join(ALLOWED)}")
                    continue
                for n, line in enumerate(open(path, encoding="utf-8", errors="replace"), 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    inc = m.group(1)
                    parts = inc.split("/")
                    if me == "netns" and (len(parts) == 1 or parts[0] == "netns"):
                        continue
                    there = parts[0] if len(parts) > 1 else None
                    if there is None:
                        bad.append(f"{os.path.relpath(path, root)}:{n}: #include \"{inc}\" names no folder: write \"{me}/{inc}\" (or the folder it is in)")
                    elif there != me and there not in ALLOWED[me]:
                        may = ", ".join(ALLOWED[me]) or "nothing else"
                        bad.append(f"{os.path.relpath(path, root)}:{n}: #include \"{inc}\": {me}/ may include {may}, not {there}/")
    return bad


def nm(path):
    out = subprocess.run(["nm", path], capture_output=True, text=True, check=True).stdout
    defined, needed = set(), set()
    for line in out.splitlines():
        f = line.split()
        if len(f) == 2 and f[0] == "U":
            needed.add(f[1])
        elif len(f) == 3 and f[1] in "TDBRCGSV":
            defined.add(f[2])
    return defined, needed


def check_symbols(root, build):
    objs = []
    for top in ("src", "netns"):
        for dirpath, _, files in os.walk(os.path.join(build, top)):
            objs += [os.path.join(dirpath, f) for f in files if f.endswith(".o")]
    if not objs:
        return [f"no object files under {build}/src: build first (make layers does)"]
    owner, needs = {}, {}
    for o in objs:
        name = os.path.relpath(o, build)[:-2]
        d, u = nm(o)
        for s in d:
            owner[s] = name
        needs[name] = u
    graph = {m: sorted({owner[s] for s in u if s in owner and owner[s] != m}) for m, u in needs.items()}
    bad = []
    for m, deps in sorted(graph.items()):
        me = folder_of(os.path.join(root, m + ".c"), root)
        for d in deps:
            there = folder_of(os.path.join(root, d + ".c"), root)
            if there != me and there not in ALLOWED.get(me, []):
                syms = sorted(s for s in needs[m] if owner.get(s) == d)
                bad.append(f"{m}.o uses {', '.join(syms[:3])} of {d}.o: {me}/ may not use {there}/")
    # Tarjan's strongly connected components
    index, low, stack, on, comps = {}, {}, [], set(), []

    def strong(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, []):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            strong(v)
    for c in comps:
        bad.append(f"a dependency cycle of {len(c)} files: {' <-> '.join(c)}")
    return bad, len(graph), sum(len(d) for d in graph.values())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    ap.add_argument("--objects")
    a = ap.parse_args()
    bad = check_includes(a.root)
    what = "includes"
    if a.objects:
        r = check_symbols(a.root, a.objects)
        if isinstance(r, list):
            bad += r
        else:
            bad += r[0]
            what += f"; symbols of {r[1]} object files, {r[2]} edges, no cycle" if not r[0] else ""
    for b in bad:
        print(f"layers: {b}", file=sys.stderr)
    if bad:
        print(f"layers: {len(bad)} breaches of the layer rule (docs/internals.md)", file=sys.stderr)
        return 1
    print(f"layers: ok ({what})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
