#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check_findings.py RUNDIR...: every finding of every run is well formed,
and every value it cites stands at its stated place: a result.json path
("a.b[3].c") or a line of children.log. Prints one line a run; exits 1 on
the first run that fails."""
import json
import os
import re
import sys

SEVERITIES = {"cause", "warning", "note"}
ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
NAN = re.compile(r"\b-?nan\b", re.I)


def get(v, path):
    for step in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if step.startswith("["):
            i = int(step[1:-1])
            if not isinstance(v, list) or i >= len(v):
                raise KeyError(path)
            v = v[i]
        else:
            if not isinstance(v, dict) or step not in v:
                raise KeyError(path)
            v = v[step]
    return v


def check(rundir):
    res = json.load(open(f"{rundir}/result.json"))
    logs = {}

    def lines_of(name):
        if name not in logs:
            try:
                text = open(os.path.join(rundir, name), errors="replace").read()
            except OSError:
                text = ""
            # as the findings read a line: control characters as blanks
            logs[name] = ["".join(c if ord(c) >= 32 else " " for c in ln).rstrip() for ln in text.split("\n")]
        return logs[name]
    fs = res.get("findings")
    if not isinstance(fs, list):
        return "no findings array"
    for f in fs:
        where = f.get("id", "?")
        for k in ("id", "severity", "title", "since_s", "evidence", "explanation", "fix", "try"):
            if k not in f:
                return f"{where}: no {k}"
        if not ID.match(f["id"]) or f["severity"] not in SEVERITIES:
            return f"{where}: bad id or severity {f['severity']}"
        if not f["title"] or not f["explanation"] or not f["fix"] or not f["evidence"]:
            return f"{where}: empty title, explanation, fix or evidence"
        if f["since_s"] is not None and not isinstance(f["since_s"], (int, float)):
            return f"{where}: since_s {f['since_s']!r}"
        for k in ("title", "explanation", "fix", "try"):
            if f[k] and (NAN.search(f[k]) or "(null)" in f[k]):
                return f"{where}: its {k} reads {f[k]!r}"
        for e in f["evidence"]:
            if "path" in e:
                try:
                    v = get(res, e["path"])
                except KeyError:
                    return f"{where}: {e['path']} is not in result.json"
                if v != e["value"]:
                    return f"{where}: {e['path']} is {v!r} in result.json, the finding says {e['value']!r}"
            elif "file" in e and ".." not in e["file"]:
                log, n = lines_of(e["file"]), e["line"]
                if n < 1 or n > len(log) or not log[n - 1].startswith(e["value"]):
                    return f"{where}: {e['file']}:{n} does not read {e['value']!r}"
            else:
                return f"{where}: evidence without a place: {e}"
    return None


bad = 0
for d in sys.argv[1:]:
    err = check(d)
    if err:
        print(f"check_findings: {d}: {err}")
        bad = 1
sys.exit(bad)
