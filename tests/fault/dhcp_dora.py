#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""PXE clients that take leases back to back (DISCOVER, OFFER, REQUEST, ACK).

  dhcp_dora.py IFACE ACKFILE FIRST COUNT

Runs in the client network namespace.  Client i (FIRST <= i < FIRST+COUNT,
MAC 02:00:00:01:hi:lo) takes a lease; each ACK is appended to ACKFILE as
"<wall-clock seconds> <mac> <ip>" before the next client starts.  Stops at
COUNT clients, at the first unanswered step, or when killed.
"""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "../../plugins/dhcp/tests"))
import dhcpc  # noqa: E402

PXE = dhcpc.opt(60, dhcpc.PXE_VC) + dhcpc.opt(93, b"\0\0")


def main():
    iface, ackfile, first, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    c = dhcpc.Client(iface)
    with open(ackfile, "a") as out:
        for i in range(first, first + count):
            mac = bytes([2, 0, 0, 1, (i >> 8) & 255, i & 255])
            p, xid = dhcpc.packet(1, mac, PXE)
            r = c.exchange(p, xid, timeout=2.0)
            if not r or r[0]["type"] != 2:
                sys.exit("no OFFER for client %d" % i)
            ip, sid = r[0]["yiaddr"], r[0]["opts"].get(54, b"")
            p, xid = dhcpc.packet(3, mac, PXE + dhcpc.opt(50, socket.inet_aton(ip)) +
                                  dhcpc.opt(54, sid), xid=xid)
            r = c.exchange(p, xid, timeout=2.0)
            if not r or r[0]["type"] != 5:
                sys.exit("no ACK for client %d" % i)
            out.write("%.3f %s %s\n" % (time.time(), dhcpc.mac_str(mac), r[0]["yiaddr"]))
            out.flush()


if __name__ == "__main__":
    main()
