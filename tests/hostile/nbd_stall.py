#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""NBD clients that stop reading: each does the fixed-newstyle handshake
(NBD_OPT_EXPORT_NAME), sends READS requests of the export's size (at most
32 MiB) and never reads a reply.  After HOLD seconds it reports how many of
its connections the server had closed (a further request fails).

  nbd_stall.py HOST PORT EXPORT CLIENTS READS HOLD READY_FILE
"""
import os
import socket
import struct
import sys
import time


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


def main():
    host, port, name = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()
    n, reads, hold, ready = int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]), sys.argv[7]
    socks = [client(host, port, name, reads) for _ in range(n)]
    with open(ready + ".tmp", "w") as f:
        f.write("%d\n" % len(socks))
    os.rename(ready + ".tmp", ready)
    time.sleep(hold)
    dropped = 0
    for s in socks:
        try:
            # The kernel buffers a little; a closed peer answers RST.  Up to 10 s per
            # client: a slow server (ASan, a loaded machine) may close it late, and the
            # contract is that it closes it, not how soon after HOLD.
            for _ in range(1000):
                try:
                    s.send(struct.pack("!IHHQQI", 0x25609513, 0, 0, 99, 0, 512))
                except BlockingIOError:
                    pass  # buffers full: the peer is still there, not a drop
                time.sleep(0.01)
        except OSError:
            dropped += 1
        s.close()
    print("stalled %d dropped %d" % (len(socks), dropped), flush=True)


if __name__ == "__main__":
    main()
