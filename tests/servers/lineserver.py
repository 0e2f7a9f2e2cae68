#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A user's server of the kind connlab's findings must explain: one process,
one event loop, a line to every connection every few seconds.

Usage: lineserver.py ADDRESS PORT [--interval S] [--max N] [--crash-after N]

  --interval S     seconds between the lines sent to each connection (5)
  --max N          past N open connections, answer a new one with
                   "-ERR max number of clients reached" and close it (as redis)
  --crash-after N  after N accepted connections, die of SIGSEGV

At its open-file limit accept() fails with EMFILE: the error is printed
("OSError: [Errno 24] Too many open files") and accepting pauses 50 ms, as
a real server's loop does. Ends at SIGTERM, or after 10 minutes."""
import argparse
import os
import selectors
import signal
import socket
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("address")
ap.add_argument("port", type=int)
ap.add_argument("--interval", type=float, default=5.0)
ap.add_argument("--max", type=int, default=0)
ap.add_argument("--crash-after", type=int, default=0)
a = ap.parse_args()

stop = False


def on_term(*_):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((a.address, a.port))
ls.listen(4096)
ls.setblocking(False)
sel = selectors.DefaultSelector()
sel.register(ls, selectors.EVENT_READ, None)
conns = {}
accepted = 0
paused_until = 0.0
next_tick = time.monotonic() + a.interval
deadline = time.monotonic() + 600
print(f"lineserver: listening on {a.address}:{a.port}", file=sys.stderr, flush=True)

while not stop and time.monotonic() < deadline:
    now = time.monotonic()
    if paused_until and now >= paused_until:
        sel.register(ls, selectors.EVENT_READ, None)
        paused_until = 0.0
    for key, _ in sel.select(timeout=0.05):
        if key.data is None:
            for _ in range(256):
                try:
                    c, _ = ls.accept()
                except BlockingIOError:
                    break
                except OSError as e:
                    print(f"{type(e).__name__}: {e}", file=sys.stderr, flush=True)
                    sel.unregister(ls)
                    paused_until = time.monotonic() + 0.05
                    break
                accepted += 1
                if a.crash_after and accepted >= a.crash_after:
                    os.kill(os.getpid(), signal.SIGSEGV)
                if a.max and len(conns) >= a.max:
                    try:
                        c.send(b"-ERR max number of clients reached\r\n")
                    except OSError:
                        pass
                    c.close()
                    continue
                c.setblocking(False)
                try:
                    c.send(b"welcome\n")
                except OSError:
                    pass
                conns[c.fileno()] = c
                sel.register(c, selectors.EVENT_READ, c)
        else:
            c = key.data
            try:
                data = c.recv(4096)
            except OSError:
                data = b""
            if not data:
                sel.unregister(c)
                del conns[c.fileno()]
                c.close()
    if time.monotonic() >= next_tick:
        next_tick += a.interval
        for c in list(conns.values()):
            try:
                c.send(b"ok\n")
            except OSError:
                pass
