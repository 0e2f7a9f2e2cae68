#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A user's own server for `[server] command`: the classic keepalive test
server (a welcome line, then "ok" every few seconds), on asyncio.
Usage: keepalive_server.py ADDRESS PORT [INTERVAL_S]. Ends at SIGTERM, or
after 10 minutes at the latest."""
import asyncio
import signal
import sys


async def handle(reader, writer):
    try:
        writer.write(b"welcome\n")
        while True:
            await writer.drain()
            try:
                await asyncio.wait_for(reader.read(1), timeout=INTERVAL)
                if reader.at_eof():
                    break
            except asyncio.TimeoutError:
                writer.write(b"ok\n")
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(handle, ADDRESS, PORT, backlog=4096)
    stop = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set_result, None)
    async with server:
        await asyncio.wait_for(stop, timeout=600)


ADDRESS, PORT = sys.argv[1], int(sys.argv[2])
INTERVAL = float(sys.argv[3]) if len(sys.argv) > 3 else 5.0
try:
    asyncio.run(main())
except asyncio.TimeoutError:
    pass
