#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Answers IPv6 Router Solicitations on one interface with a Router
Advertisement that carries no prefix and router lifetime 0, and also sends one
unsolicited every second. That ends the iPXE ROM's IPv6 autoconfiguration wait
(about 13 s) at once, without giving anybody an IPv6 address or route.

Usage: ra.py IFNAME SECONDS   (exits by itself after SECONDS)
"""
import select
import socket
import struct
import sys
import time

IFNAME, SECONDS = sys.argv[1], float(sys.argv[2])
RS, RA = 133, 134

ifindex = socket.if_nametoindex(IFNAME)
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, IFNAME.encode())
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, ifindex)
# type, code, checksum (kernel fills it), cur hop limit, flags (no M/O),
# router lifetime 0, reachable time 0, retrans timer 0.
ra = struct.pack("!BBHBBHII", RA, 0, 0, 64, 0, 0, 0, 0)
dest = ("ff02::1", 0, 0, ifindex)

end = time.monotonic() + SECONDS
next_tick = 0.0
answered = 0
while True:
    now = time.monotonic()
    if now >= end:
        break
    if now >= next_tick:
        try:
            s.sendto(ra, dest)
        except OSError:
            pass  # link-local address not ready yet
        next_tick = now + 1.0
    r, _, _ = select.select([s], [], [], min(next_tick, end) - now)
    if r:
        pkt, _ = s.recvfrom(2048)
        if pkt and pkt[0] == RS:
            try:
                s.sendto(ra, dest)
                answered += 1
            except OSError:
                pass
print(f"ra.py: answered {answered} router solicitations", file=sys.stderr)
