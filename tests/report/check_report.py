#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Checks a connlab report page against the result.json it was made from.

    check_report.py PAGE RESULT.json [RESULT_B.json]

- the page parses as XML (it is XHTML) and as HTML5 with html5lib in strict
  mode, and every inline <svg> parses as a document of its own (xmllint);
- it is self-contained: no script, no link, no src or href attribute, no url();
- every chart has a title and a description and is labelled for screen readers;
- every plotted point, read back through the chart's own data-to-pixel
  mapping, is the value in result.json's timeline (stacked series: the running
  sum; rates: the rise per second), and no value is missing or extra;
- every interval with lost pings or failed connects has its marker, no other
  (for the IPv6 probe of a dual-stack lab too);
- the expectations table says what result.json says;
- the events table has each of result.json's events with its figures, and
  each event's connect times by step are its window's (they add up to its
  connect count).
Prints what it checked; exits 1 on the first disagreement."""
import json
import math
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import html5lib

NS = {"h": "http://www.w3.org/1999/xhtml", "s": "http://www.w3.org/2000/svg"}
CHARTS = ["states", "rate", "ping", "probe", "memory"]


def fail(msg):
    print("check_report: FAIL: " + msg)
    sys.exit(1)


def path_points(d):
    """The segments of a path of M/L commands, as lists of (x, y)."""
    segs = []
    for cmd, x, y in re.findall(r"([ML])\s*(-?[\d.]+)\s+(-?[\d.]+)", d):
        if cmd == "M":
            segs.append([])
        segs[-1].append((float(x), float(y)))
    return [p for s in segs for p in s]


def rate(t, c):
    out = [None]
    for i in range(1, len(t)):
        dt = t[i] - t[i - 1]
        out.append((c[i] - c[i - 1]) / dt if dt > 0 else None)
    return out


def number(cell):
    return None if cell in ("-", "not back") else float(cell.replace(",", ""))


def check_events(root, r, who):
    events = r.get("events") or []
    rows = root.findall(f".//h:table[@id='events{who}']/h:tbody/h:tr", NS)
    if len(rows) != len(events):
        fail(f"{len(rows)} event rows, result.json has {len(events)}")
    for k, (row, e) in enumerate(zip(rows, events)):
        cells = ["".join(c.itertext()) for c in row.findall("h:td", NS)]
        if not cells[0].startswith(e["event"]):
            fail(f"event row {cells[0]} is not {e['event']}")
        lost = (e.get("floods") or {}).get("lost"), (e.get("kernel") or {}).get("lost")
        if (number(cells[4]), number(cells[5])) != lost:
            fail(f"event {e['event']}: lost {cells[4:6]} on the page, {lost} in result.json")
        if e.get("recovered_s") is None and e["happened"] and cells[2] != "not back":
            fail(f"event {e['event']}: not recovered, the page says {cells[2]}")
        steps = ((e.get("floods") or {}).get("connect") or {}).get("steps")
        srows = root.findall(f".//h:table[@id='steps{who}-{k}']/h:tbody/h:tr", NS)
        if len(srows) != len(steps or []):
            fail(f"event {e['event']}: {len(srows)} step rows, result.json has {len(steps or [])}")
        got = [number("".join(s.findall("h:td", NS)[1].itertext())) for s in srows]
        if steps and (got != [s["count"] for s in steps] or sum(got) != e["floods"]["connect"]["count"]):
            fail(f"event {e['event']}: steps {got} are not {steps}")


def check_tls(root, results):
    """The TLS table: each side's handshakes as result.json has them; the
    clients' latency bars, one a percentile."""
    tls = [r.get("tls") for r in results]
    table = root.find(".//h:table[@id='tls']", NS)
    if not any(isinstance(t, dict) for t in tls):
        if table is not None:
            fail("a TLS table for runs without TLS")
        return
    if table is None:
        fail("no TLS table")
    rows = {"".join(r.find("h:td", NS).itertext()): ["".join(c.itertext()) for c in r.findall("h:td", NS)[1:]]
            for r in table.findall("h:tbody/h:tr", NS)}
    for k, t in enumerate(tls):
        for head, side, key in (("handshakes (clients)", "clients", "handshakes"),
                                ("of them resumed", "clients", "resumed"),
                                ("handshakes (server)", "server", "handshakes")):
            want = ((t or {}).get(side) or {}).get(key)
            if number(rows[head][k]) != want:
                fail(f"TLS {head}: {rows[head][k]} on the page, {want} in result.json")
        who = "" if len(results) == 1 else ("-A", "-B")[k]
        bars = root.findall(f".//h:table[@id='tls-latency{who}']/h:tbody/h:tr", NS)
        hs = ((t or {}).get("clients") or {}).get("handshake")
        if hs and hs.get("count") and hs.get("max_us") and len(bars) != 5:
            fail(f"TLS latency: {len(bars)} bars")


def main():
    page, results = sys.argv[1], [json.load(open(p)) for p in sys.argv[2:]]
    raw = open(page, "rb").read()
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as e:
        fail(f"{page} is not well-formed XML: {e}")
    try:
        html5lib.HTMLParser(strict=True).parse(raw)
    except Exception as e:  # html5lib raises ParseError with the position
        fail(f"{page}: HTML5 parse error: {e}")
    text = raw.decode()
    if "<script" in text or "<link" in text or "url(" in text:
        fail("the page loads or runs something (script, link or url())")
    for el in root.iter():
        for a in ("src", "href", "{http://www.w3.org/1999/xlink}href"):
            if a in el.attrib:
                fail(f"<{el.tag}> has {a}: the page must not refer to anything")
    svgs = root.findall(".//s:svg", NS)
    ids = [s.get("id") for s in svgs]
    # runs with messages have two charts more, after the probe's
    charts = CHARTS[:4] + ["replies", "messages"] + CHARTS[4:] \
        if any(isinstance(r.get("messages"), dict) for r in results) else CHARTS
    # a dual-stack lab's page has the IPv6 probe's charts after the IPv4 probe's
    if any("ping6_max_ms" in r["timeline"] for r in results):
        charts = charts[:4] + ["ping6", "probe6"] + charts[4:]
    # a lab with IPv6 has its client sockets by family, after the states
    if any("inuse_ipv6_clients" in r["timeline"] for r in results):
        charts = charts[:1] + ["families"] + charts[1:]
    # a run with TLS has its handshakes a second after the connections'
    if any(isinstance(r.get("tls"), dict) for r in results) and any("tls_handshakes" in r["timeline"] for r in results):
        charts = charts[:2] + ["tls"] + charts[2:]
    # a fleet's page has the connections of each host after the states
    if len(results) == 1 and results[0].get("kind") == "fleet" and results[0]["timeline"].get("hosts"):
        charts = charts[:1] + ["hosts"] + charts[1:]
    if ids != charts:
        fail(f"charts {ids}, expected {charts}")
    with tempfile.TemporaryDirectory() as tmp:
        for s in svgs:
            f = f"{tmp}/{s.get('id')}.svg"
            ET.ElementTree(s).write(f, xml_declaration=True, encoding="utf-8")
            r = subprocess.run(["xmllint", "--noout", f], capture_output=True, text=True)
            if r.returncode:
                fail(f"chart {s.get('id')} alone is not a valid SVG document: {r.stderr}")
    points = 0
    for svg in svgs:
        cid = svg.get("id")
        title, desc = svg.find("s:title", NS), svg.find("s:desc", NS)
        if title is None or not title.text or desc is None or not desc.text:
            fail(f"chart {cid} has no title or description")
        if svg.get("role") != "img" or svg.get("aria-labelledby") != f"{cid}-t {cid}-d":
            fail(f"chart {cid} is not labelled for screen readers")
        m = {k: float(svg.get("data-" + k)) for k in ("x0", "x1", "px0", "px1", "y0", "y1", "py0", "py1")}
        log = svg.get("data-yscale") == "log"

        def to_px(t, v):
            x = m["px0"] + (m["px1"] - m["px0"]) * (t - m["x0"]) / (m["x1"] - m["x0"])
            if log:
                f = (math.log10(v) - math.log10(m["y0"])) / (math.log10(m["y1"]) - math.log10(m["y0"]))
            else:
                f = (v - m["y0"]) / (m["y1"] - m["y0"])
            return x, m["py0"] - (m["py0"] - m["py1"]) * f

        stacked_base = {}
        nseries = 0
        for p in svg.findall("s:path[@data-series]", NS):
            name, run = p.get("data-series"), int(p.get("data-run"))
            tl = results[run]["timeline"]
            t = tl["t_s"]
            if cid == "states":
                vals = tl["states"][name]
                if p.get("data-stacked"):
                    base = stacked_base.setdefault(run, [0] * len(t))
                    vals = [b + (v or 0) for b, v in zip(base, vals)]
                    stacked_base[run] = vals
            elif cid == "rate":
                vals = rate(t, tl["connected"] if name == "connected" else tl["errors"][name])
            elif cid in ("messages", "tls"):
                vals = rate(t, tl[name])
            elif cid == "hosts":
                vals = tl["hosts"][name]["open"]
            elif cid == "memory" and name == "floor":  # lab.memory_floor, flat
                vals = [results[run]["memory"]["floor_bytes"]] * len(t)
            else:
                vals = tl[name]
            want = [to_px(ti, v) for ti, v in zip(t, vals) if v is not None and (not log or v > 0)]
            got = path_points(p.get("d"))
            if len(got) != len(want):
                fail(f"chart {cid}, series {name} of run {run}: {len(got)} points plotted, result.json has {len(want)}")
            for (gx, gy), (wx, wy) in zip(got, want):
                if abs(gx - wx) > 0.02 or abs(gy - wy) > 0.02:
                    fail(f"chart {cid}, series {name}: point ({gx}, {gy}) should be ({wx:.2f}, {wy:.2f})")
            points += len(got)
            nseries += 1
        if nseries == 0:
            fail(f"chart {cid} has no series")
        mark_col = {"ping": "pings_lost", "probe": "probe_connect_failures",
                    "ping6": "pings6_lost", "probe6": "probe_connect6_failures"}.get(cid)
        if mark_col:
            got = sorted((int(p.get("data-run")), float(p.get("data-t")), float(p.get("data-lost")))
                         for p in svg.findall("s:path[@data-lost]", NS))
            want = sorted((r, t, float(n)) for r, res in enumerate(results)
                          for t, n in zip(res["timeline"]["t_s"], res["timeline"][mark_col]) if n)
            if got != want:
                fail(f"chart {cid}: loss markers {got}, result.json has {want}")
        if cid == "rate" and len(results) == 2:
            runs = {int(p.get("data-run")) for p in svg.findall("s:path[@data-series='connected']", NS)}
            if runs != {0, 1}:
                fail("the comparison does not plot both runs")
    if len(results) == 1 and results[0].get("kind") == "fleet":
        rows = root.findall(".//h:table[@id='hosts']/h:tbody/h:tr", NS)
        if len(rows) != len(results[0]["hosts"]):
            fail(f"{len(rows)} host rows, result.json has {len(results[0]['hosts'])}")
        for row, h in zip(rows, results[0]["hosts"]):
            cells = ["".join(c.itertext()) for c in row.findall("h:td", NS)]
            if cells[0] != h["name"] or cells[2] != h["state"]:
                fail(f"host row {cells[:3]} is not {h['name']} {h['state']}")
    if len(results) == 1:
        rows = root.findall(".//h:table[@id='expectations']/h:tbody/h:tr", NS)
        exp = results[0]["expectations"]
        if exp and len(rows) != len(exp):
            fail(f"{len(rows)} expectation rows, result.json has {len(exp)}")
        for row, e in zip(rows, exp):
            verdict = row.find("h:td", NS).text
            want = "not run" if e.get("verdict") == "not run" else ("ok" if e["holds"] else "FAIL")
            if verdict != want:
                fail(f"expectation {e['metric']}: page says {verdict}")
        check_events(root, results[0], "")
    else:
        for r, who in zip(results, ("-A", "-B")):
            check_events(root, r, who)
        if root.find(".//h:table[@id='differences']", NS) is None:
            fail("the comparison has no table of differences")
    check_tls(root, results)
    print(f"check_report: {page}: {len(svgs)} charts, {points} points agree with result.json")


main()
