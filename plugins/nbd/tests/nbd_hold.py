#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Opens an NBD connection to HOST PORT, GOes to EXPORT, reads 512 bytes, prints
# "connected" and holds the connection until the server closes it (at most 60 s),
# then prints "closed".  usage: nbd_hold.py HOST PORT EXPORT
import socket
import struct
import sys

s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=60)
name = sys.argv[3].encode()
s.recv(18, socket.MSG_WAITALL)
s.sendall(struct.pack(">I", 3))
s.sendall(struct.pack(">QII", 0x49484156454F5054, 7, 6 + len(name)) + struct.pack(">I", len(name))
          + name + struct.pack(">H", 0))
while True:
    h = s.recv(20, socket.MSG_WAITALL)
    t, n = struct.unpack(">II", h[12:20])
    if n:
        s.recv(n, socket.MSG_WAITALL)
    if t != 3:
        break
assert t == 1, "GO refused: %#x" % t
s.sendall(struct.pack(">IHHQQI", 0x25609513, 0, 0, 1, 0, 512))
h = s.recv(16, socket.MSG_WAITALL)
assert struct.unpack(">I", h[4:8])[0] == 0
s.recv(512, socket.MSG_WAITALL)
print("connected", flush=True)
try:
    while s.recv(4096):
        pass
except OSError:
    pass
print("closed", flush=True)
