#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Watches connlab's live page in one headless Chromium tab, as a person
would leave it open, through the DevTools protocol on a pipe.

    live_poll.py CHROMIUM URL SECONDS [UNTIL_FINAL]

Every second it reads, from the open page, the live line's established
count, the connections chart's time span and its number of points, and
whether the page is still the live one; it prints each reading. The page
is loaded once: it must change by its own script. With UNTIL_FINAL it goes
on (up to SECONDS) until the page is no longer the live one, and then
the last reading says whether it navigated (the script reloads into
report.html). Readings of a page not loaded yet are skipped. Exit 0 when it could read the page."""
import fcntl
import json
import os
import subprocess
import sys
import time

chromium, url, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
until_final = len(sys.argv) > 4

# chromium reads fd 3 and writes fd 4: the pipes' ends moved above 10
# first, so that putting them there clobbers nothing
rd_in, wr_in = (fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in os.pipe())
rd_out, wr_out = (fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in os.pipe())
proc = subprocess.Popen(
    [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
     "--window-size=1000,1400", "about:blank"],
    pass_fds=(3, 4), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
    stderr=subprocess.DEVNULL,
    preexec_fn=lambda: (os.dup2(rd_in, 3), os.dup2(wr_out, 4)))
os.close(rd_in)
os.close(wr_out)
buf = b""
seq = 0


def call(method, params=None, session=None):
    global buf, seq
    seq += 1
    msg = {"id": seq, "method": method, "params": params or {}}
    if session:
        msg["sessionId"] = session
    os.write(wr_in, json.dumps(msg).encode() + b"\0")
    deadline = time.time() + 30
    while time.time() < deadline:
        while b"\0" in buf:
            raw, buf = buf.split(b"\0", 1)
            r = json.loads(raw)
            if r.get("id") == seq:
                if "error" in r:
                    raise RuntimeError(f"{method}: {r['error']}")
                return r["result"]
        chunk = os.read(rd_out, 1 << 16)
        if not chunk:
            raise RuntimeError("chromium closed the pipe")
        buf += chunk
    raise RuntimeError(f"{method}: no answer in 30 s")


READ = r"""(function(){
var e=document.getElementById('connlab-established');
var s=document.getElementById('states');
var p=document.querySelector('path[data-series="established"]');
return JSON.stringify({live: !!document.getElementById('connlab-live'),
 established: e ? +e.textContent : -1,
 x1: s ? +s.getAttribute('data-x1') : -1,
 points: p ? p.getAttribute('d').split('L').length : 0,
 navigations: performance.getEntriesByType('navigation').length,
 loaded: performance.timeOrigin,
 html: document.documentElement.outerHTML.length});
})()"""

try:
    target = call("Target.createTarget", {"url": url})["targetId"]
    session = call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    first_origin = None
    seen_live = False
    t0 = time.time()
    while time.time() - t0 < seconds:
        time.sleep(1)
        try:
            v = json.loads(call("Runtime.evaluate", {"expression": READ, "returnByValue": True},
                                session)["result"]["value"])
        except (RuntimeError, KeyError):
            continue  # between two documents
        if v["html"] < 1000:
            continue  # not loaded yet
        if first_origin is None:
            first_origin = v["loaded"]
        v["reloaded"] = v["loaded"] != first_origin
        print(json.dumps({k: v[k] for k in ("live", "established", "x1", "points", "reloaded", "html")}))
        sys.stdout.flush()
        seen_live = seen_live or v["live"]
        if until_final and seen_live and not v["live"]:
            break
finally:
    try:
        call("Browser.close")
    except Exception:
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
