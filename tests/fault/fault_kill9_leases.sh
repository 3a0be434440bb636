#!/bin/bash
# SPDX-License-Identifier: MIT
# kill -9 while the DHCP lease file is written.  PXE clients take leases back to
# back (tests/fault/dhcp_dora.py) and the daemon is killed at a seeded random
# moment, FAULT_ITERATIONS times (default 200, bounded by FAULT_SECONDS, 300).
# After every kill the lease file parses line by line and holds every lease
# acknowledged at least FAULT_MARGIN_MS (lease_flush + the write with its two
# fsyncs on a loaded disk; default 3000)
# before the kill, with its address, across all earlier restarts too; the
# restart removes the temp files a write cut short.  Network namespaces only.
set -eu
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/tests/fault/fault_lib.sh"
in_netns "$@"
use_plugins dhcp
need ip nsenter
ITER=${FAULT_ITERATIONS:-200}
LIMIT=${FAULT_SECONDS:-300}
MARGIN=${FAULT_MARGIN_MS:-3000}
RANDOM=${FAULT_SEED:-21}
client_ns
mkdir -p "$T/img"
S=$T/state
: >"$T/acks"
: >"$T/stale"
args=(--no-api --image "$T/img" --interface srv0 --dhcp-range 192.0.2.10,192.0.2.250,12h
      --set dhcp.lease_flush=10ms)

# check KILL_TIME: the lease file against the acknowledged leases.
check() {
    python3 - "$S/dhcp.leases" "$T/acks" "$1" "$MARGIN" <<'PY'
import ipaddress, re, sys
path, acks, killed, margin = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4]) / 1000
line_re = re.compile(r"^(\d+) ([0-9a-f]{2}(?::[0-9a-f]{2}){5}) (192\.0\.2\.\d+) (\S+) (\d+)$")
have = {}
try:
    text = open(path).read()
except FileNotFoundError:
    text = ""
if text and not text.endswith("\n"):
    sys.exit("lease file ends in a partial line")
for n, line in enumerate(text.splitlines(), 1):
    m = line_re.match(line)
    if not m:
        sys.exit("lease file line %d does not parse: %r" % (n, line))
    have[m.group(2)] = m.group(3)
want = {}
for line in open(acks):
    t, mac, ip = line.split()
    if float(t) <= killed - margin:
        want[mac] = ip
lost = [(m, ip, have.get(m)) for m, ip in want.items() if have.get(m) != ip]
if lost:
    import os
    try:
        age = "%.3f s before the kill" % (killed - os.stat(path).st_mtime)
    except FileNotFoundError:
        age = "absent"
    sys.exit("%d acknowledged lease(s) lost or changed, e.g. %s; lease file written %s"
             % (len(lost), lost[:3], age))
print(len(have), len(want))
PY
}

iter=0 first=0 total=0
while [ "$iter" -lt "$ITER" ]; do
    [ "$SECONDS" -lt "$LIMIT" ] || fail "only $iter of $ITER kills in ${LIMIT}s"
    iter=$((iter + 1))
    start_pxecore "${args[@]}"
    stale_gone "iteration $iter, after restart"
    # 200 distinct clients cycle through the 241 addresses: renewals and new leases.
    cli_exec python3 "$FAULT_SRC/dhcp_dora.py" cli0 "$T/acks" $((first % 200)) 40 \
        >>"$T/dora.log" 2>&1 &
    CPID=$!
    sleep "$(rand_ms 600)"
    killed=$(date +%s.%N)
    kill9
    stale_note "$S"
    kill "$CPID" 2>/dev/null || true
    wait "$CPID" 2>/dev/null || true
    first=$((first + 7))
    r=$(check "$killed") || fail "iteration $iter: after kill -9"
    total=$r
done
echo "fault_kill9_leases: $iter kills in ${SECONDS}s; lease file holds / must hold: $total;" \
     "acks $(wc -l <"$T/acks"); temp files left by kills and removed: $STALE_SEEN"
