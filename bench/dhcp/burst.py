#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Time for N new clients (DISCOVERs sent together) to all hold a lease.

  burst.py IFACE N ROUNDS  -> prints the median and worst milliseconds, or "timeout"
Uses the crafted client of plugins/dhcp/tests/dhcpc.py; PXE vendor class, broadcast flag.
"""
import os
import select
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "plugins", "dhcp", "tests"))
import dhcpc  # noqa: E402


def one_round(c, n, base):
    macs = [bytes([0x02, 0x42, base, 0, 0, i]) for i in range(n)]
    pending, t0 = {}, time.monotonic()
    for m in macs:
        p, xid = dhcpc.packet(1, m, dhcpc.opt(60, dhcpc.PXE_VC) + dhcpc.arch(0))
        pending[xid] = m
        c.send(p)
    done = set()
    end = t0 + 10
    while len(done) < n and time.monotonic() < end:
        if not select.select([c.rx], [], [], max(0, end - time.monotonic()))[0]:
            break
        pkt = c.rx.recv(4096)
        ihl = (pkt[0] & 15) * 4
        if pkt[9] != 17 or int.from_bytes(pkt[ihl + 2:ihl + 4], "big") != 68:
            continue
        r = dhcpc.parse(pkt[ihl + 8:])
        if not r or r["xid"] not in pending:
            continue
        if r["type"] == 2:
            p, _ = dhcpc.packet(3, pending[r["xid"]], dhcpc.opt(60, dhcpc.PXE_VC) +
                                dhcpc.opt(50, socket.inet_aton(r["yiaddr"])) +
                                dhcpc.opt(54, r["opts"][54]), xid=r["xid"])
            c.send(p)
        elif r["type"] == 5:
            done.add(r["xid"])
    return (time.monotonic() - t0) * 1000 if len(done) == n else None


def main():
    iface, n, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    c = dhcpc.Client(iface)
    times = []
    for r in range(rounds):
        t = one_round(c, n, r + 1)
        if t is None:
            print("timeout")
            return
        times.append(t)
        time.sleep(0.2)
    times.sort()
    print("%.1f %.1f" % (times[len(times) // 2], times[-1]))


main()
