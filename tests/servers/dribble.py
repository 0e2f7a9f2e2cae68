# a server that answers every message with N bytes sent in small pieces,
# a few milliseconds apart (tests partial replies)
import selectors, socket, sys, time
port, n, dur = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
sel = selectors.DefaultSelector()
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port)); ls.listen(128); ls.setblocking(False)
sel.register(ls, selectors.EVENT_READ)
end = time.time() + dur
while time.time() < end:
    for k, _ in sel.select(0.1):
        if k.fileobj is ls:
            c, _ = ls.accept(); sel.register(c, selectors.EVENT_READ)
        else:
            try:
                d = k.fileobj.recv(4096)
                for i in range(0, n, 7) if d else ():
                    k.fileobj.send(b"x" * min(7, n - i)); time.sleep(0.002)
            except OSError:  # the client went away mid-reply: drop it
                d = b""
            if not d:
                sel.unregister(k.fileobj); k.fileobj.close()
