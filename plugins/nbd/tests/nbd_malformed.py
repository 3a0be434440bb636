#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Malformed NBD handshakes and requests against HOST PORT; every case checks what
# the server answers (or that it closes), and the server must keep serving.
# usage: nbd_malformed.py HOST PORT EXPORT SIZE
import socket
import struct
import sys

HOST, PORT, EXPORT, SIZE = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode(), int(sys.argv[4])
NBDMAGIC, IHAVEOPT, REPMAGIC = 0x4E42444D41474943, 0x49484156454F5054, 0x3E889045565A9
REQ, SIMPLE, STRUCT = 0x25609513, 0x67446698, 0x668E33EF
ERR_UNSUP, ERR_INVALID, ERR_UNKNOWN, ERR_TOO_BIG = 2**31 + 1, 2**31 + 3, 2**31 + 6, 2**31 + 9
failures = 0


def check(cond, what):
    global failures
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures += 1


def recvn(s, n):
    b = b""
    while len(b) < n:
        k = s.recv(n - len(b))
        if not k:
            return None
        b += k
    return b


def closed(s):
    try:
        return s.recv(1) == b""
    except (ConnectionResetError, socket.timeout):
        return True


def conn(flags=3):
    s = socket.create_connection((HOST, PORT), timeout=10)
    g = recvn(s, 18)
    assert g and struct.unpack(">QQH", g)[:2] == (NBDMAGIC, IHAVEOPT), "greeting"
    if flags is not None:
        s.sendall(struct.pack(">I", flags))
    return s


def opt(s, o, data=b""):
    s.sendall(struct.pack(">QII", IHAVEOPT, o, len(data)) + data)


def reply(s):
    h = recvn(s, 20)
    if h is None:
        return None, None
    magic, o, t, n = struct.unpack(">QIII", h)
    assert magic == REPMAGIC
    return t, recvn(s, n) if n else b""


def go(s, name=EXPORT, o=7):
    opt(s, o, struct.pack(">I", len(name)) + name + struct.pack(">H", 0))
    while True:
        t, d = reply(s)
        if t != 3:
            return t


def request(s, typ, off, length, flags=0, payload=b""):
    s.sendall(struct.pack(">IHHQQI", REQ, flags, typ, 0x1234, off, length) + payload)


def simple(s):
    h = recvn(s, 16)
    if h is None:
        return None
    magic, err, cookie = struct.unpack(">IIQ", h)
    assert magic == SIMPLE and cookie == 0x1234, "simple reply header"
    return err


# Handshake.
s = conn(flags=0xFF)
check(closed(s), "unknown client flags: closed")
s = conn(flags=2)
check(closed(s), "client without fixed newstyle: closed")
s = conn()
s.sendall(b"X" * 16)
check(closed(s), "bad option magic: closed")
s = conn()
s.sendall(struct.pack(">QII", IHAVEOPT, 7, 1000) + b"short")
s.shutdown(socket.SHUT_WR)
check(closed(s), "option length past the end: closed")
s = conn()
s.sendall(struct.pack(">QII", IHAVEOPT, 7, 0xFFFFFFFF))
check(closed(s), "option length 4 GiB: closed")
s = conn()
opt(s, 0x55, b"z" * 100)
check(reply(s)[0] == ERR_UNSUP, "unknown option: ERR_UNSUP")
opt(s, 7, b"z" * 100000)
check(reply(s)[0] == ERR_TOO_BIG, "option of 100000 bytes: ERR_TOO_BIG")
opt(s, 7, struct.pack(">I", 1000) + b"ab" + struct.pack(">H", 0))
check(reply(s)[0] == ERR_INVALID, "GO with name length past the option: ERR_INVALID")
opt(s, 6, struct.pack(">I", 2) + b"ab" + struct.pack(">H", 5) + b"\0\1")
check(reply(s)[0] == ERR_INVALID, "INFO with info count past the option: ERR_INVALID")
check(go(s, b"no-such-export") == ERR_UNKNOWN, "GO unknown export: ERR_UNKNOWN")
opt(s, 3, b"x")
check(reply(s)[0] == ERR_INVALID, "LIST with data: ERR_INVALID")
check(go(s) == 1, "GO after all that: ACK (still in sync)")
request(s, 0, 0, 512)
check(simple(s) == 0 and recvn(s, 512) is not None, "read after a messy handshake")
s.close()
s = conn()
opt(s, 1, b"no-such-export")
check(closed(s), "EXPORT_NAME unknown: closed")

# Transmission.
s = conn()
check(go(s) == 1, "GO")
request(s, 0, SIZE - 1, 2)
check(simple(s) == 22, "read past the end: EINVAL")
request(s, 0, 2**64 - 1, 2)
check(simple(s) == 22, "read at offset 2^64-1: EINVAL")
request(s, 0, 0, 64 << 20)
check(simple(s) == 22, "read of 64 MiB: EINVAL")
request(s, 1, 0, 512, payload=b"w" * 512)
check(simple(s) == 1, "write: EPERM")
request(s, 4, 0, 512)
check(simple(s) == 1, "trim: EPERM")
request(s, 6, 0, 512)
check(simple(s) == 1, "write zeroes: EPERM")
request(s, 3, 0, 0)
check(simple(s) == 0, "flush: ok")
request(s, 5, 0, 4096)
check(simple(s) == 0, "cache: ok")
request(s, 7, 0, 512)
check(simple(s) == 22, "block status without a meta context: EINVAL")
request(s, 42, 0, 0)
check(simple(s) == 22, "unknown command: EINVAL")
request(s, 0, 0, 16, flags=0x8000)
check(simple(s) == 22, "unknown command flag: EINVAL")
request(s, 0, SIZE - 16, 16)
check(simple(s) == 0 and len(recvn(s, 16)) == 16, "read of the last 16 bytes")
s.sendall(b"\0" * 28)
check(closed(s), "bad request magic: closed")

s = conn()
check(go(s) == 1, "GO")
request(s, 1, 0, 0xFFFFFFFF)
check(closed(s), "write announcing 4 GiB: closed")

s = conn()
opt(s, 8)
check(reply(s)[0] == 1, "STRUCTURED_REPLY: ACK")
check(go(s) == 1, "GO")
request(s, 0, 4096, 100)
h = recvn(s, 20)
magic, fl, typ, cookie, n = struct.unpack(">IHHQI", h)
off = struct.unpack(">Q", recvn(s, 8))[0]
check(magic == STRUCT and typ == 1 and fl & 1 and n == 108 and off == 4096
      and len(recvn(s, 100)) == 100, "structured read: OFFSET_DATA chunk with DONE")
request(s, 0, SIZE, 1)
h = recvn(s, 20)
magic, fl, typ, cookie, n = struct.unpack(">IHHQI", h)
err = struct.unpack(">IH", recvn(s, n))[0]
check(magic == STRUCT and typ == 32769 and err == 22, "structured read past the end: ERROR EINVAL")
request(s, 2, 0, 0)
check(closed(s), "disconnect: closed")

s = conn()
opt(s, 2)
check(reply(s)[0] == 1 and closed(s), "ABORT: ACK then closed")

sys.exit(1 if failures else 0)
