#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Sends IPv6 Router Solicitations on one interface and prints every Router
Advertisement heard for a while, one line each:
  ra src=ADDR hops=IP_HOP_LIMIT curhop=N flags=N lifetime=N reachable=N retrans=N len=N

Usage: rs.py IFNAME COUNT SECONDS [HOP_LIMIT]   (HOP_LIMIT of the RS, default 255)
"""
import select
import socket
import struct
import sys
import time

IFNAME, COUNT, SECONDS = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
HOPS = int(sys.argv[4]) if len(sys.argv) > 4 else 255
RS, RA = 133, 134

ifindex = socket.if_nametoindex(IFNAME)
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, IFNAME.encode())
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, HOPS)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, ifindex)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVHOPLIMIT, 1)
rs = struct.pack("!BBHI", RS, 0, 0, 0)  # the kernel fills the checksum
for _ in range(COUNT):
    s.sendto(rs, ("ff02::2", 0, 0, ifindex))

end = time.monotonic() + SECONDS
while True:
    left = end - time.monotonic()
    if left <= 0:
        break
    r, _, _ = select.select([s], [], [], left)
    if not r:
        continue
    pkt, anc, _, src = s.recvmsg(2048, socket.CMSG_SPACE(4))
    if len(pkt) < 16 or pkt[0] != RA:
        continue
    hops = -1
    for level, typ, data in anc:
        if level == socket.IPPROTO_IPV6 and typ == socket.IPV6_HOPLIMIT:
            hops = struct.unpack("i", data[:4])[0]
    _, code, _, curhop, flags, life, reach, retrans = struct.unpack("!BBHBBHII", pkt[:16])
    print(f"ra src={src[0].split('%')[0]} hops={hops} code={code} curhop={curhop} "
          f"flags={flags} lifetime={life} reachable={reach} retrans={retrans} len={len(pkt)}",
          flush=True)
