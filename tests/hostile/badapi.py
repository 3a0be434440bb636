#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""N bad REST API requests, one connection each: no, wrong or malformed
tokens; unknown and odd methods; paths with "..", NULs, %-escapes, overlong
ones; bodies that are not JSON, nested 100,000 deep, over the body cap,
of the wrong type or content type; malformed request lines and headers.
Seeded.  Prints the count per answer ("000" when the server closed without
an answer) as "status count" lines.

  badapi.py HOST PORT TOKEN N SEED
"""
import collections
import random
import socket
import sys

ROUTES = ["/api/v1/status", "/api/v1/hosts/52:54:00:00:00:01", "/api/v1/hosts",
          "/api/v1/methods/http", "/api/v1/methods/nfs", "/api/v1/images", "/api/v1/plugins",
          "/api/v1/plugins/http", "/api/v1/events", "/api/v1/menus/pxelinux", "/metrics"]


def body(rnd):
    k = rnd.randrange(9)
    if k == 0:
        return b"{" * rnd.randrange(1, 100000)
    if k == 1:
        return b'{"cmdline_extra": "' + b"A" * rnd.randrange(1000, 300000) + b'"}'
    if k == 2:
        return bytes(rnd.randrange(256) for _ in range(rnd.randrange(200)))
    if k == 3:
        return b'{"enabled": "yes", "x": 1}'
    if k == 4:
        return b'{"cmdline_extra": "a\\u0000b\\n\\"", "boot_once": 3}'
    if k == 5:
        return b'[' * 50000 + b']' * 50000
    if k == 6:
        return b'{"image": "../../etc", "method": "UPPER", "local_boot": null}'
    if k == 7:
        return b'{"a":1,"a":2}'
    return b""


def request(rnd, token):
    method = rnd.choice(["GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS", "FOO",
                         "G" * 300, "PUT"])
    path = rnd.choice(ROUTES)
    k = rnd.randrange(6)
    if k == 0:
        path += "/../" * rnd.randrange(1, 20)
    elif k == 1:
        path += "%00%2e%2e%2f" + "%" + "x" * rnd.randrange(3)
    elif k == 2:
        path = "/api/v1/" + "a" * rnd.randrange(100, 20000)
    elif k == 3:
        path = path.replace("52:54:00:00:00:01", rnd.choice(["zz", "52:54:00:00:00:01:02", "", "%20"]))
    auth = "Bearer " + token if rnd.random() < 0.7 else rnd.choice(
        [None, "Bearer wrong", "Bearer " + token + "x", "Basic abc", "Bearer", "Bearer " + "t" * 5000])
    b = body(rnd) if method in ("PUT", "POST", "PATCH") or rnd.random() < 0.1 else b""
    ctype = rnd.choice(["application/json", "text/plain", "application/json; charset=latin1", None])
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: x", "Connection: close"]
    if auth:
        lines.append("Authorization: " + auth)
    if ctype:
        lines.append("Content-Type: " + ctype)
    if rnd.random() < 0.05:
        lines.append("X-" + "h" * 20000 + ": v")
    if rnd.random() < 0.05:
        lines = ["GARBAGE\x01\x02 / HTTP/9.9"] + lines[1:]
    lie = bool(b) and rnd.random() < 0.02
    lines.append("Content-Length: %d" % (len(b) + 1000 if lie else len(b)))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + b, lie


def send(host, port, data, lie):
    # a short body: the server waits for the rest until its timeout; do not wait that long
    s = socket.create_connection((host, port), timeout=0.5 if lie else 5)
    try:
        s.sendall(data)
        if lie:  # a body shorter than announced, then end of stream
            s.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    resp = b""
    try:
        while True:
            c = s.recv(65536)
            if not c:
                break
            resp += c
    except OSError:
        pass
    s.close()
    if resp.startswith(b"HTTP/1.") and len(resp) >= 12:
        return resp[9:12].decode()
    return "000"


def main():
    host, port, token, n, seed = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    rnd = random.Random(seed)
    counts = collections.Counter()
    for _ in range(n):
        counts[send(host, port, *request(rnd, token))] += 1
    for k in sorted(counts):
        print(k, counts[k])


if __name__ == "__main__":
    main()
