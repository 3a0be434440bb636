#!/bin/bash
# SPDX-License-Identifier: MIT
# NBD clients that stop reading (tests/hostile/nbd_stall.py): 6 of the 8
# connection slots hold clients that asked for 16 reads of 32 MiB and read
# nothing.  Meanwhile nbdcopy reads the whole export with the right sha256;
# the server drops every stalled client (send_timeout is 2 s here; a 32 MiB
# sendfile may wait twice; up to 60 s are allowed for a loaded machine), each
# client then sees its connection end, so all 8 slots serve again (8 nbdinfo at once).  Prints the real client's
# time alone and beside the stalled ones, and RSS (sendfile: no reply is
# buffered in memory); asserts results, the drops and RSS under before + 32 MiB.
# Loopback only.
set -eu
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/tests/hostile/hostile_lib.sh"
need nbdinfo nbdcopy xorriso
use_plugins nbd
mkdir -p "$T/big"
head -c $((48 << 20)) /dev/urandom >"$T/big/blob"
xorriso -as mkisofs -quiet -V ARCH -o "$T/arch.iso" "$T/big" 2>/dev/null || fail "xorriso"
want=$(sha "$T/arch.iso")
P=$(free_port)
start_pxecore --no-api --image "$T/arch.iso" --nbd-port "$P" --set nbd.address=127.0.0.1 \
    --set nbd.max_connections=8 --set nbd.send_timeout=2s
U="nbd://127.0.0.1:$P/archiso"
copy_ms() {
    t0=$(now_ms)
    got=$(nbdcopy "$U" - | sha256sum | cut -c1-64)
    [ "$got" = "$want" ] || fail "nbdcopy $1: wrong bytes"
    echo $(($(now_ms) - t0))
}
alone=$(copy_ms alone)
rss0=$(rss_kb "$PXE_PID")
"$PY" "$HOSTILE_SRC/nbd_stall.py" 127.0.0.1 "$P" archiso 6 16 90 "$T/ready" "$T/go" >"$T/stall.out" 2>&1 &
ST=$!
at_exit "kill $ST 2>/dev/null"
i=0
until [ -s "$T/ready" ]; do
    i=$((i + 1)); [ "$i" -lt 100 ] || fail "stalled clients not connected: $(cat "$T/stall.out")"
    sleep 0.1
done
rss1=$(rss_kb "$PXE_PID")
beside=$(copy_ms "beside the stalled clients")
# The server's word first (its log), then each client's own view of its connection.
i=0
until [ "$(grep -c 'read nothing for send_timeout' "$T/pxecore.log")" -ge 6 ]; do
    i=$((i + 1)); [ "$i" -lt 600 ] || fail "stalled clients not dropped within 60 s: $(grep -c 'read nothing' "$T/pxecore.log") logged"
    sleep 0.1
done
touch "$T/go"
wait "$ST" || fail "nbd_stall: $(cat "$T/stall.out")"
grep -q 'stalled 6 dropped 6' "$T/stall.out" || fail "stalled clients not all dropped: $(cat "$T/stall.out")"
[ "$(grep -c 'read nothing for send_timeout' "$T/pxecore.log")" = 6 ] || fail "drops not logged"
for k in 1 2 3 4 5 6 7 8; do
    nbdinfo --size "$U" >"$T/size.$k" 2>&1 &
    eval "NI$k=\$!"
done
for k in 1 2 3 4 5 6 7 8; do
    eval "wait \$NI$k" || fail "slot $k not free after the stalled clients were dropped: $(cat "$T/size.$k")"
done
rss2=$(rss_kb "$PXE_PID")
kill -0 "$PXE_PID" || fail "daemon died"
echo "$(cat "$T/stall.out"); nbdcopy 48 MiB: alone ${alone} ms, beside the stalled clients ${beside} ms"
echo "RSS KiB: before $rss0, with the stalled clients $rss1, after $rss2"
rss_below "$rss0" 32768 "$rss1" "$rss2"
stop_pxecore || fail "exit status"
