#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Runs `nbdinfo --size URL` N times per server, servers in a shuffled order on
# every iteration (so load changes hit all alike); prints "NAME TOTAL_NS" lines
# with the total of the fastest 80 % of calls (drops scheduling outliers).
# usage: handshake.py N NAME=URL...
import random
import subprocess
import sys
import time

n = int(sys.argv[1])
servers = dict(a.split("=", 1) for a in sys.argv[2:])
times = {k: [] for k in servers}
for _ in range(n):
    order = list(servers)
    random.shuffle(order)
    for k in order:
        t = time.perf_counter_ns()
        subprocess.run(["nbdinfo", "--size", servers[k]], stdout=subprocess.DEVNULL, check=True)
        times[k].append(time.perf_counter_ns() - t)
for k, v in times.items():
    v.sort()
    keep = v[: max(1, len(v) * 4 // 5)]
    print(k, sum(keep) * n // len(keep))
