#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The lab pages (docs/labs/*.md) quote `connlab plan LAB` and `connlab
doctor LAB`: every quoted line must still be one the program prints (its
numbers masked: memory and time move with the host), and the figures that
follow from the lab and the machine's fixed limits alone (connections per
address and port, processes, flood and server counts, local ports) must be
the program's own. Usage: check_pages.py CONNLAB PAGE..."""
import re
import subprocess
import sys

NUM = re.compile(r"\d[\d,.]*")
# figures a page states in prose, with the plan's line that says them
PROSE = [
    (r"([\d,]+) connections per address and port", r"at most (\d+) connections per \(source address, server port\) pair"),
    (r"(\d+) flood\s+processes", r"processes: \d+ server, (\d+) flood"),
    (r"(\d+) server\s+workers", r"processes: (\d+) server"),
    (r"(\d+) client addresses", r"(\d+) client addresses x"),
    (r"([\d,]+) bytes per socket", r"kernel [\d.]+ \w+ \((\d+) bytes per socket"),
]
# quoted lines whose numbers are the lab's and the machine's fixed limits
# (not epoll watches: fs.epoll.max_user_watches follows the memory the
# kernel found at boot, which moves from one boot to the next by a few
# pages)
EXACT = ("local ports", "at most", "processes:")


def program(connlab, cmd, lab):
    p = subprocess.run([connlab, cmd, lab], capture_output=True, text=True, timeout=60)
    return p.stdout + p.stderr


# clauses the program prints only when the host has them at that moment
OPTIONAL = re.compile(r" and # \S+ of free objects in the socket caches")


def mask(line):
    return OPTIONAL.sub("", NUM.sub("#", " ".join(line.split())))


def check(connlab, page):
    text = open(page).read()
    bad = []
    outputs = {}
    # quoted blocks: an indented block after a paragraph naming the command
    for m in re.finditer(r"`connlab (plan|doctor) (lab/[\w.-]+\.lab)`[^\n]*(?:\n[^\n]+)*\n\n((?:    [^\n]*\n)+)", text):
        cmd, lab, block = m.group(1), m.group(2), m.group(3)
        out = outputs.setdefault((cmd, lab), program(connlab, cmd, lab))
        masked = {mask(l) for l in out.splitlines()}
        exact = {" ".join(l.split()) for l in out.splitlines()}
        for line in block.splitlines():
            q = " ".join(line.split())
            if not q:
                continue
            if mask(q) not in masked:
                bad.append(f"{page}: quoted from connlab {cmd} {lab}, no longer printed: {q}")
            elif any(k in q for k in EXACT) and q not in exact:
                bad.append(f"{page}: connlab {cmd} {lab} prints other figures for: {q}")
    # prose figures, against the plan of the page's lab
    lab = re.search(r"`connlab (?:plan|run) (lab/[\w.-]+\.lab)`", text)
    if lab:
        out = outputs.setdefault(("plan", lab.group(1)), program(connlab, "plan", lab.group(1)))
        for said, printed in PROSE:
            s = re.search(said, text)
            p = re.search(printed, out)
            if s and p and s.group(1).replace(",", "") != p.group(1):
                bad.append(f"{page}: says '{s.group(0)}', connlab plan {lab.group(1)} says '{p.group(0)}'")
    return bad


def main():
    connlab, pages = sys.argv[1], sys.argv[2:]
    bad = [b for p in pages for b in check(connlab, p)]
    for b in bad:
        print(b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
