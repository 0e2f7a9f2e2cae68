#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The classic single-process Python approach to many connections, with
gevent (Debian's python3-gevent): a greenlet per connection. A benchmark peer
for tests/bench/scale.sh, not part of connlab.

    peer_gevent.py server ADDR PORT1,PORT2.. INTERVAL_S SECONDS
    peer_gevent.py client SRC1,SRC2.. DST PORT1,PORT2.. N INFLIGHT SECONDS

The server sends "ok" to every connection every INTERVAL_S seconds. The
client opens N connections (at most INFLIGHT connecting at once), round robin
over sources and ports, prints "READY est=N in S s" when all are up, then
holds them for SECONDS and exits. Both stop by themselves."""
import socket
import sys
import time

import gevent
from gevent import monkey
from gevent.pool import Pool
from gevent.server import StreamServer

monkey.patch_all()
IP_BIND_ADDRESS_NO_PORT = 24


def server(addr, ports, interval, seconds):
    def handle(sock, _):
        try:
            sock.sendall(b"connlab keepalive\n")
            while True:
                gevent.sleep(interval)
                sock.sendall(b"ok\n")
        except OSError:
            pass

    servers = [StreamServer((addr, int(p)), handle, backlog=4096) for p in ports.split(",")]
    for s in servers:
        s.start()
    print("LISTENING", flush=True)
    gevent.sleep(seconds)


def client(srcs, dst, ports, n, inflight, seconds):
    srcs, ports = srcs.split(","), [int(p) for p in ports.split(",")]
    socks, errors = [], [0]
    pool = Pool(inflight)

    def one(i):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
            s.bind((srcs[i % len(srcs)], 0))
            s.connect((dst, ports[(i // len(srcs)) % len(ports)]))
            socks.append(s)
            gevent.spawn(hold, s)
        except OSError:
            errors[0] += 1
            s.close()

    def hold(s):
        try:
            while s.recv(256):
                pass
        except OSError:
            pass

    t0 = time.monotonic()
    for i in range(n):
        pool.spawn(one, i)
    pool.join()
    print(f"READY est={len(socks)} in {time.monotonic() - t0:.3f} s errors={errors[0]}", flush=True)
    gevent.sleep(seconds)


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5]))
    else:
        client(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7]))
