#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""One HTTP/1.1 keep-alive connection that downloads PATH, waits for GO_FILE
(at most 60 s), then downloads PATH again on the same connection; both bodies
must have sha256 SHA.  Prints "first ok" and "second ok" as it goes.

  keepalive.py HOST PORT PATH SHA GO_FILE
"""
import hashlib
import http.client
import os
import sys
import time


def get(c, path, sha, what):
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    if r.status != 200 or hashlib.sha256(body).hexdigest() != sha:
        sys.exit("%s: HTTP %d, %d bytes, wrong body" % (what, r.status, len(body)))
    print(what + " ok", flush=True)


def main():
    host, port, path, sha, go = sys.argv[1:6]
    c = http.client.HTTPConnection(host, int(port), timeout=20)
    get(c, path, sha, "first")
    end = time.monotonic() + 60
    while not os.path.exists(go):
        if time.monotonic() > end:
            sys.exit("no go file")
        time.sleep(0.05)
    get(c, path, sha, "second")


if __name__ == "__main__":
    main()
