#!/bin/bash
# SPDX-License-Identifier: MIT
# kill -9 while the DHCP lease file is written.  PXE clients take leases back to
# back (tests/fault/dhcp_dora.py) and the daemon is killed at a seeded random
# moment (0 to 1.5 s after it is ready), FAULT_ITERATIONS times (default 200,
# bounded by FAULT_SECONDS, 1500 s: about 300 s on an idle machine, several
# times that under ASan or load).  After every kill:
#  - the lease file parses line by line (never torn);
#  - it still holds every lease the file held after the previous kill, with the
#    same address (a restart and the writes after it lose nothing durable);
#  - it holds every lease acknowledged in this run at least FAULT_MARGIN_MS
#    (default 1000: lease_flush 10 ms plus the write and its two fsyncs) before
#    the kill; later ones may be lost, that is what lease_flush allows.
# The restart removes the temp files a write cut short.  Network namespaces only.
set -eu
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/tests/fault/fault_lib.sh"
in_netns "$@"
use_plugins dhcp
need ip nsenter
ITER=${FAULT_ITERATIONS:-200}
LIMIT=${FAULT_SECONDS:-1500}
MARGIN=${FAULT_MARGIN_MS:-1000}
RANDOM=${FAULT_SEED:-21}
client_ns
mkdir -p "$T/img"
S=$T/state
: >"$T/acks"
: >"$T/durable"
: >"$T/stale"
args=(--no-api --image "$T/img" --interface srv0 --dhcp-range 192.0.2.10,192.0.2.250,12h
      --set dhcp.lease_flush=10ms)

# check KILL_TIME: the lease file against the leases durable before this run
# ($T/durable) and the ones acknowledged in it ($T/acks.run); then the file
# becomes the durable set.  Prints "leases-in-file checked-acks".
check() {
    python3 - "$S/dhcp.leases" "$T/durable" "$T/acks.run" "$1" "$MARGIN" <<'PY'
import os, re, sys
path, durable, acks, killed, margin = sys.argv[1:4] + [float(sys.argv[4]), int(sys.argv[5]) / 1000]
line_re = re.compile(r"^(\d+) ([0-9a-f]{2}(?::[0-9a-f]{2}){5}) (192\.0\.2\.\d+) (\S+) (\d+)$")
try:
    text = open(path).read()
except FileNotFoundError:
    text = ""
if text and not text.endswith("\n"):
    sys.exit("lease file ends in a partial line")
have = {}
for n, line in enumerate(text.splitlines(), 1):
    m = line_re.match(line)
    if not m:
        sys.exit("lease file line %d does not parse: %r" % (n, line))
    have[m.group(2)] = m.group(3)
want = dict(l.split() for l in open(durable))
checked = 0
for line in open(acks):
    t, mac, ip = line.split()
    if float(t) <= killed - margin:
        want[mac] = ip
        checked += 1
lost = [(m, ip, have.get(m)) for m, ip in want.items() if have.get(m) != ip]
if lost:
    try:
        age = "%.3f s before the kill" % (killed - os.stat(path).st_mtime)
    except FileNotFoundError:
        age = "never"
    sys.exit("%d lease(s) lost or changed, e.g. %s; lease file last written %s"
             % (len(lost), lost[:3], age))
with open(durable, "w") as f:
    f.writelines("%s %s\n" % kv for kv in have.items())
print(len(have), checked)
PY
}

iter=0 first=0 acked=0
while [ "$iter" -lt "$ITER" ]; do
    [ "$SECONDS" -lt "$LIMIT" ] || fail "only $iter of $ITER kills in ${LIMIT}s"
    iter=$((iter + 1))
    start_pxecore "${args[@]}"
    stale_gone "iteration $iter, after restart"
    # 200 distinct clients (60 a run) in 241 addresses: renewals and new leases.
    : >"$T/acks.run"
    cli_exec python3 "$FAULT_SRC/dhcp_dora.py" cli0 "$T/acks.run" $((first % 140)) 60 \
        >>"$T/dora.log" 2>&1 &
    CPID=$!
    sleep "$(rand_ms 1500)"
    killed=$(date +%s.%N)
    kill9
    stale_note "$S"
    kill "$CPID" 2>/dev/null || true
    wait "$CPID" 2>/dev/null || true
    first=$((first + 7))
    r=$(check "$killed") || fail "iteration $iter: after kill -9"
    set -- $r
    acked=$((acked + $2))
done
echo "fault_kill9_leases: $iter kills in ${SECONDS}s; $1 leases in the file at the end;" \
     "$acked acknowledged leases checked after the kill that followed them;" \
     "temp files left by kills and removed: $STALE_SEEN"
