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


RETRY = 1.0  # seconds before a client repeats an unanswered DISCOVER/REQUEST


def one_round(c, n, base):
    """All n clients start together; each retransmits after RETRY s like a firmware would."""
    macs = [bytes([0x02, 0x42, base, 0, 0, i]) for i in range(n)]
    t0 = time.monotonic()
    last = {}  # xid -> (packet, sent at)
    mac_of = {}
    for m in macs:
        p, xid = dhcpc.packet(1, m, dhcpc.opt(60, dhcpc.PXE_VC) + dhcpc.arch(0))
        mac_of[xid] = m
        last[xid] = (p, time.monotonic())
        c.send(p)
    done, offers, retries, naks = set(), 0, 0, 0
    end = t0 + 10
    while len(done) < n and time.monotonic() < end:
        now = time.monotonic()
        for xid, (p, at) in list(last.items()):
            if xid not in done and now - at >= RETRY:
                c.send(p)
                last[xid] = (p, now)
                retries += 1
        if not select.select([c.rx], [], [], 0.05)[0]:
            continue
        pkt = c.rx.recv(4096)
        ihl = (pkt[0] & 15) * 4
        if pkt[9] != 17 or int.from_bytes(pkt[ihl + 2:ihl + 4], "big") != 68:
            continue
        r = dhcpc.parse(pkt[ihl + 8:])
        if not r or r["xid"] not in mac_of or r["xid"] in done:
            continue
        if r["type"] == 2 and last[r["xid"]][0][242] == 1:
            offers += 1
            p, _ = dhcpc.packet(3, mac_of[r["xid"]], dhcpc.opt(60, dhcpc.PXE_VC) +
                                dhcpc.opt(50, socket.inet_aton(r["yiaddr"])) +
                                dhcpc.opt(54, r["opts"][54]), xid=r["xid"])
            last[r["xid"]] = (p, time.monotonic())
            c.send(p)
        elif r["type"] == 5:
            done.add(r["xid"])
        elif r["type"] == 6:  # NAK: start over, as a client does
            naks += 1
            p, _ = dhcpc.packet(1, mac_of[r["xid"]], dhcpc.opt(60, dhcpc.PXE_VC) + dhcpc.arch(0),
                                xid=r["xid"])
            last[r["xid"]] = (p, time.monotonic())
            c.send(p)
    if retries or naks:
        sys.stderr.write("burst: %d retransmissions, %d NAKs\n" % (retries, naks))
    if len(done) < n:
        sys.stderr.write("burst: %d/%d ACKs, %d offers seen\n" % (len(done), n, offers))
        return None
    return (time.monotonic() - t0) * 1000


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
