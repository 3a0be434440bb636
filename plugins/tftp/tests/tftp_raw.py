#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Raw-socket TFTP checks against a server on 127.0.0.1:PORT.

usage: [TFTP_SERVER=ADDR] tftp_raw.py PORT IMAGEDIR CHECK...   (checks: malformed tid cancel retransmit
       caps clamp65464 clamp1468 nooptions).  Prints "ok - ..." lines; exits 1 on
the first failure.  Every wait is bounded.
"""
import hashlib
import os
import socket
import struct
import sys
import time

PORT = int(sys.argv[1])
IMG = sys.argv[2]
SRV = (os.environ.get("TFTP_SERVER", "127.0.0.1"), PORT)
FILE = "arch/boot/x86_64/vmlinuz-linux"


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def sock(timeout=3.0):
    if ":" in SRV[0]:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.bind(("::1" if SRV[0] == "::1" else "::", 0))
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1" if SRV[0] == "127.0.0.1" else "0.0.0.0", 0))
    s.settimeout(timeout)
    return s


def rrq(name, mode="octet", **opts):
    b = b"\0\1" + name.encode() + b"\0" + mode.encode() + b"\0"
    for k, v in opts.items():
        b += k.encode() + b"\0" + str(v).encode() + b"\0"
    return b


def recv(s, what):
    try:
        return s.recvfrom(70000)
    except socket.timeout:
        fail("no answer to " + what)


def parse_oack(p):
    parts = p[2:].split(b"\0")
    return {parts[i].decode(): parts[i + 1].decode() for i in range(0, len(parts) - 1, 2)}


def expect_error(s, what, code=None):
    p, _ = recv(s, what)
    op = struct.unpack("!H", p[:2])[0]
    if op != 5:
        fail("%s: expected an ERROR, got opcode %d" % (what, op))
    c = struct.unpack("!H", p[2:4])[0]
    if code is not None and c != code:
        fail("%s: error code %d, expected %d (%r)" % (what, c, code, p[4:]))
    return c


def fetch(s, name, **opts):
    """Complete transfer as an RFC 7440 client: ACK each window's last block, or the last
    in-order block when one arrives out of order.  Returns (bytes, oack dict)."""
    s.sendto(rrq(name, **opts), SRV)
    data, oack, blk, ws, tid = bytearray(), {}, 512, 1, None
    expect, since_ack = 1, 0
    while True:
        p, a = recv(s, "fetch " + name)
        if tid is None:
            tid = a
        op = struct.unpack("!H", p[:2])[0]
        if op == 6:
            oack = parse_oack(p)
            blk = int(oack.get("blksize", 512))
            ws = int(oack.get("windowsize", 1))
            s.sendto(b"\0\4\0\0", tid)
            continue
        if op != 3:
            fail("fetch %s: opcode %d %r" % (name, op, p[:60]))
        n = struct.unpack("!H", p[2:4])[0]
        if n != expect & 0xFFFF:
            s.sendto(b"\0\4" + struct.pack("!H", (expect - 1) & 0xFFFF), tid)
            since_ack = 0
            continue
        data += p[4:]
        expect += 1
        since_ack += 1
        last = len(p) - 4 < blk
        if since_ack >= ws or last:
            s.sendto(b"\0\4" + p[2:4], tid)
            since_ack = 0
        if last:
            return bytes(data), oack


def sha_file(path):
    return hashlib.sha256(open(os.path.join(IMG, path), "rb").read()).hexdigest()


def check_fetch(what):
    s = sock()
    d, _ = fetch(s, FILE)
    if hashlib.sha256(d).hexdigest() != sha_file(FILE):
        fail(what + ": file corrupted")
    s.close()


def malformed():
    s = sock(2.0)
    cases = [
        (b"\0", "one byte", 4),
        (b"\0\1", "RRQ without a name", 4),
        (b"\0\1" + b"noterminator", "name without NUL", 4),
        (b"\0\1file\0oct", "mode without NUL", 4),
        (b"\0\1\0octet\0", "empty name", 4),
        (b"\0\1f\0mail\0", "mail mode", 4),
        (b"\0\x09f\0octet\0", "unknown opcode 9", 4),
        (b"\0\3\0\1data", "DATA to the server port", 4),
        (b"\0\4\0\1", "ACK to the server port", 4),
        (b"\0\1" + b"a" * 1500 + b"\0octet\0", "1500-byte name", 4),
        (b"\xff" * 3000, "oversized packet", None),
    ]
    for pkt, what, code in cases:
        s.sendto(pkt, SRV)
        if code is not None:
            expect_error(s, what, code)
    # Huge and nonsensical option values are ignored or clamped; the file still arrives.
    for opts in ({"blksize": "9" * 400}, {"windowsize": "1" * 300, "tsize": "x"},
                 {"timeout": "99999999999999999999"}, {"blksize": "0", "windowsize": "0"},
                 {"blksize": "-5"}):
        s2 = sock()
        d, oack = fetch(s2, FILE, **opts)
        if hashlib.sha256(d).hexdigest() != sha_file(FILE):
            fail("options %r: file corrupted" % (opts,))
        s2.close()
    # An ERROR sent to the server port gets no answer (no error loops).
    s.sendto(b"\0\5\0\0oops\0", SRV)
    s.settimeout(0.5)
    try:
        p, _ = s.recvfrom(1000)
        fail("answered an ERROR packet: %r" % p)
    except socket.timeout:
        pass
    check_fetch("after malformed packets")
    print("ok - malformed packets answered or dropped; server still serving")


def tid():
    s, intruder = sock(), sock()
    s.sendto(rrq(FILE), SRV)
    p, tid_addr = recv(s, "RRQ")
    if p[:4] != b"\0\3\0\1":
        fail("expected DATA 1, got %r" % p[:4])
    if tid_addr[1] == PORT:
        fail("transfer not on its own port")
    intruder.sendto(b"\0\4\0\1", tid_addr)
    expect_error(intruder, "ACK from a foreign TID", 5)
    data = bytearray(p[4:])
    s.sendto(b"\0\4\0\1", tid_addr)
    expect = 2
    while True:
        p, a = recv(s, "data after wrong TID")
        if a != tid_addr:
            fail("data from another port")
        n = struct.unpack("!H", p[2:4])[0]
        if n == expect & 0xFFFF:
            data += p[4:]
            expect += 1
        s.sendto(b"\0\4" + p[2:4], tid_addr)
        if len(p) - 4 < 512:
            break
    if hashlib.sha256(data).hexdigest() != sha_file(FILE):
        fail("transfer corrupted by the wrong-TID packet")
    print("ok - wrong TID answered with error 5, transfer unaffected")


def cancel():
    s = sock()
    s.sendto(rrq(FILE, tsize=0, blksize=1408), SRV)
    p, a = recv(s, "RRQ tsize")
    if p[:2] != b"\0\6":
        fail("expected an OACK")
    o = parse_oack(p)
    if o.get("tsize") != str(os.path.getsize(os.path.join(IMG, FILE))) or o.get("blksize") != "1408":
        fail("bad OACK %r" % o)
    s.sendto(b"\0\5\0\0cancelled after OACK\0", a)   # what lpxelinux does
    s.settimeout(2.5)
    try:
        p, _ = s.recvfrom(70000)
        fail("server kept sending after the client's ERROR: %r" % p[:8])
    except socket.timeout:
        pass
    print("ok - OACK with tsize/blksize; client ERROR after OACK ends the transfer")


def retransmit():
    s = sock(6.0)
    s.sendto(rrq(FILE, timeout=1), SRV)
    p, a = recv(s, "RRQ timeout=1")
    if parse_oack(p).get("timeout") != "1":
        fail("timeout option not acknowledged")
    s.sendto(b"\0\4\0\0", a)
    p1, _ = recv(s, "DATA 1")
    p2, _ = recv(s, "retransmitted DATA 1")       # not acknowledged: comes again
    if p1 != p2 or p1[:4] != b"\0\3\0\1":
        fail("retransmission differs: %r %r" % (p1[:4], p2[:4]))
    s.sendto(b"\0\4\0\1", a)
    p3, _ = recv(s, "DATA 2")
    if p3[:4] != b"\0\3\0\2":
        fail("expected DATA 2 after the ACK, got %r" % p3[:4])
    s.sendto(b"\0\5\0\0bye\0", a)
    print("ok - unacknowledged block retransmitted, transfer resumes")


def caps():
    """Server started with a cap of 2 transfers: a third one from 127.0.0.1 is refused."""
    held = []
    for i in range(2):
        s = sock()
        s.sendto(rrq(FILE), SRV)
        p, a = recv(s, "held transfer")
        if p[:2] != b"\0\3":
            fail("held transfer %d did not start" % i)
        held.append((s, a))
    s = sock()
    s.sendto(rrq(FILE), SRV)
    expect_error(s, "third transfer over the per-client cap", 0)
    for h, a in held:
        h.sendto(b"\0\5\0\0enough\0", a)
        h.close()
    time.sleep(0.5)  # let the server read the cancels before the next check
    print("ok - per-client cap answered with a TFTP error")


def clamp(want):
    s = sock()
    s.sendto(rrq(FILE, blksize=65464), SRV)
    p, a = recv(s, "RRQ blksize 65464")
    o = parse_oack(p)
    if a[0] != SRV[0]:
        fail("reply from %s, not from the address asked (%s)" % (a[0], SRV[0]))
    if o.get("blksize") != str(want):
        fail("blksize %r, expected %d" % (o.get("blksize"), want))
    s.sendto(b"\0\5\0\0done\0", a)
    print("ok - blksize 65464 granted as %d" % want)


def traversal():
    """IMG/../secret exists; no spelling of a way out may reach it."""
    for name in ("../secret", "../../secret", "arch/../../secret", "arch\\..\\..\\secret",
                 "::../secret", "/../secret", "::/../secret", "arch/boot/../../../secret",
                 "..", "arch/..", "/etc/passwd"):
        s = sock()
        s.sendto(rrq(name), SRV)
        code = expect_error(s, "traversal " + repr(name))
        if code not in (1, 2):
            fail("traversal %r answered with error %d" % (name, code))
        s.close()
    print("ok - traversal attempts refused with error 1/2")


def duprrq():
    """A request sent twice (the client's own retransmission) starts one transfer."""
    s = sock()
    s.sendto(rrq(FILE), SRV)
    s.sendto(rrq(FILE), SRV)
    p, a = recv(s, "RRQ sent twice")
    if p[:4] != b"\0\3\0\1":
        fail("expected DATA 1, got %r" % p[:4])
    s.settimeout(0.5)
    try:
        p2, a2 = s.recvfrom(70000)
        fail("second reply from %r (%r): the duplicate request started a transfer" % (a2, p2[:4]))
    except socket.timeout:
        pass
    s.sendto(b"\0\5\0\0bye\0", a)
    print("ok - a duplicated request starts one transfer")


def nooptions():
    s = sock()
    d, o = fetch(s, FILE)
    if o:
        fail("OACK without options asked")
    print("ok - plain RRQ served without OACK")


for c in sys.argv[3:]:
    if c.startswith("clamp"):
        clamp(int(c[5:]))
    else:
        globals()[c]()
