#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""NBD clients that stop reading: each does the fixed-newstyle handshake
(NBD_OPT_EXPORT_NAME), sends READS requests of the export's size (at most
32 MiB) and never reads a reply.  After HOLD seconds it reports how many of
its connections the server has closed, or, when GO_FILE is given, it waits
up to HOLD seconds for that file to appear instead and then checks.

A connection counts as closed when the client sees the end of it: RST on a send,
or EOF/RST once the bytes already in flight are drained (at most DRAIN_CAP; a
server that is still sending past that has not closed it).  All connections are
checked together for up to 30 s.

  nbd_stall.py HOST PORT EXPORT CLIENTS READS HOLD READY_FILE [GO_FILE]
"""
import os
import socket
import struct
import sys
import time

DRAIN_CAP = 48 << 20
CHECK_SECONDS = 30


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise OSError("closed during the handshake")
        b += c
    return b


def client(host, port, name, reads):
    s = socket.create_connection((host, port), timeout=10)
    hello = recv_exact(s, 18)
    assert hello[:16] == b"NBDMAGICIHAVEOPT", hello
    s.sendall(struct.pack("!I", 3))  # FIXED_NEWSTYLE | NO_ZEROES
    s.sendall(b"IHAVEOPT" + struct.pack("!II", 1, len(name)) + name)
    size, _flags = struct.unpack("!QH", recv_exact(s, 10))
    length = min(size, 32 << 20)
    s.setblocking(False)
    for i in range(reads):
        try:
            s.send(struct.pack("!IHHQQI", 0x25609513, 0, 0, i, 0, length))
        except BlockingIOError:
            break
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    return s


def closed(s, drained):
    """True when the peer has ended the connection; drained[0] counts bytes read."""
    try:
        while drained[0] < DRAIN_CAP:
            b = s.recv(1 << 16)
            if not b:
                return True
            drained[0] += len(b)
    except BlockingIOError:
        pass
    except OSError:
        return True
    try:
        s.send(struct.pack("!IHHQQI", 0x25609513, 0, 0, 99, 0, 512))
    except BlockingIOError:
        pass  # buffers full: the peer is still there
    except OSError:
        return True
    return False


def wait_for(path, seconds):
    end = time.monotonic() + seconds
    while not os.path.exists(path) and time.monotonic() < end:
        time.sleep(0.1)


def main():
    host, port, name = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()
    n, reads, hold, ready = int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]), sys.argv[7]
    go = sys.argv[8] if len(sys.argv) > 8 else None
    socks = [client(host, port, name, reads) for _ in range(n)]
    with open(ready + ".tmp", "w") as f:
        f.write("%d\n" % len(socks))
    os.rename(ready + ".tmp", ready)
    if go:
        wait_for(go, hold)
    else:
        time.sleep(hold)
    left = {i: [0] for i in range(len(socks))}
    end = time.monotonic() + CHECK_SECONDS
    while left and time.monotonic() < end:
        for i in [i for i in left if closed(socks[i], left[i])]:
            del left[i]
        time.sleep(0.01)
    for s in socks:
        s.close()
    dropped = len(socks) - len(left)
    still = ", ".join("#%d drained %d bytes" % (i, d[0]) for i, d in left.items())
    print("stalled %d dropped %d%s" % (len(socks), dropped, " (open: %s)" % still if still else ""),
          flush=True)


if __name__ == "__main__":
    main()
