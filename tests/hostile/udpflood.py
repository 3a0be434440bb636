#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Malformed DHCP or TFTP datagrams, random and mutated valid ones.

  udpflood.py dhcp IFACE N SEED          broadcast to port 67 from port 68 on IFACE
  udpflood.py tftp SRC DST N SEED        from SRC (several source ports) to DST:69

Half the datagrams are random bytes (random length), half are valid requests
(DISCOVER/REQUEST/INFORM with PXE options and option overload, or RRQ/WRQ with
options, ACK/DATA/ERROR) with a few bytes flipped, truncated, extended or
with a length field lying.  Seeded: the same SEED sends the same datagrams.
Sends exactly N datagrams (bounded), pacing every 200 to keep the socket
buffer from dropping them all; prints the count sent.
"""
import random
import socket
import struct
import sys
import time

SO_BINDTODEVICE = 25
COOKIE = bytes([99, 130, 83, 99])


def opt(code, value):
    return bytes([code, len(value) & 255]) + value


def dhcp_valid(rnd):
    mac = bytes([2, 0, 0, 9, rnd.randrange(256), rnd.randrange(256)])
    mtype = rnd.choice([1, 3, 8, 7, 4])
    opts = opt(53, bytes([mtype])) + opt(60, b"PXEClient:Arch:00000:UNDI:002001")
    opts += opt(93, struct.pack("!H", rnd.choice([0, 7, 9, 16, 11])))
    if rnd.random() < 0.3:
        opts += opt(52, bytes([rnd.choice([1, 2, 3])]))       # option overload
    if rnd.random() < 0.3:
        opts += opt(82, opt(1, b"circuit") + opt(2, b"remote"))  # relay agent info
    if rnd.random() < 0.3:
        opts += opt(12, bytes(rnd.randrange(256) for _ in range(rnd.randrange(80))))
    if rnd.random() < 0.2:
        opts += opt(50, bytes([192, 0, 2, rnd.randrange(256)]))
    sname = bytes(rnd.randrange(256) for _ in range(64)) if rnd.random() < 0.3 else bytes(64)
    bfile = bytes(rnd.randrange(256) for _ in range(128)) if rnd.random() < 0.3 else bytes(128)
    hdr = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, rnd.choice([6, 6, 0, 16, 255]),
                      rnd.randrange(20), rnd.getrandbits(32), 0, 0x8000, bytes(4), bytes(4),
                      bytes(4), bytes([0, 0, 0, 0]) if rnd.random() < 0.8 else bytes([192, 0, 2, 9]),
                      mac.ljust(16, b"\0"), sname, bfile)
    return hdr + COOKIE + opts + (b"\xff" if rnd.random() < 0.8 else b"")


def tftp_valid(rnd):
    op = rnd.choice([1, 1, 1, 2, 3, 4, 5, 6])
    if op in (1, 2):
        name = rnd.choice([b"file", b"boot/x", b"../../etc/passwd", b"a" * 300, b"pxelinux.cfg/default"])
        mode = rnd.choice([b"octet", b"netascii", b"mail", b"OCTET"])
        body = name + b"\0" + mode + b"\0"
        for k, v in (("blksize", str(rnd.choice([0, 8, 512, 1468, 65464, 99999]))),
                     ("tsize", "0"), ("timeout", str(rnd.randrange(300))),
                     ("windowsize", str(rnd.randrange(100)))):
            if rnd.random() < 0.5:
                body += k.encode() + b"\0" + v.encode() + b"\0"
        return struct.pack("!H", op) + body
    if op in (3, 4):
        return struct.pack("!HH", op, rnd.randrange(65536)) + bytes(rnd.randrange(600))
    if op == 5:
        return struct.pack("!HH", 5, rnd.randrange(10)) + b"oops\0"
    return struct.pack("!H", 6) + b"blksize\0" + b"512\0"


def mutate(rnd, p):
    p = bytearray(p)
    for _ in range(rnd.randrange(1, 8)):
        k = rnd.randrange(4)
        if k == 0 and p:
            p[rnd.randrange(len(p))] = rnd.randrange(256)
        elif k == 1 and p:
            del p[rnd.randrange(len(p)):]
        elif k == 2:
            p += bytes(rnd.randrange(256) for _ in range(rnd.randrange(40)))
        elif p:
            i = rnd.randrange(len(p))
            p[i:i] = bytes([rnd.choice([0, 255, 1, 52, 0x80])]) * rnd.randrange(1, 30)
    return bytes(p[:1400])


def main():
    kind = sys.argv[1]
    if kind == "dhcp":
        iface, n, seed = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        s.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, iface.encode() + b"\0")
        s.bind(("0.0.0.0", 68))
        socks, dst, valid = [s], ("255.255.255.255", 67), dhcp_valid
    else:
        src, dst_ip, n, seed = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
        socks = []
        for _ in range(8):
            t = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            t.bind((src, 0))
            t.setblocking(False)
            socks.append(t)
        dst, valid = (dst_ip, 69), tftp_valid
    rnd = random.Random(seed)
    sent = 0
    for i in range(n):
        if rnd.random() < 0.5:
            p = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1500)))
        else:
            p = mutate(rnd, valid(rnd))
        try:
            socks[i % len(socks)].sendto(p, dst)
            sent += 1
        except OSError:
            pass
        if i % 200 == 199:
            for t in socks if kind == "tftp" else []:
                try:
                    while t.recv(70000):  # drain what the server answered
                        pass
                except OSError:
                    pass
            time.sleep(0.005)
    print("sent %d" % sent, flush=True)


if __name__ == "__main__":
    main()
