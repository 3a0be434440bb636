#!/bin/bash
# SPDX-License-Identifier: MIT
# Protocol edge cases with raw sockets (tftp_raw.py): malformed packets, wrong TID,
# cancel after OACK, retransmission, blksize clamp on loopback, caps.
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/plugins/tftp/tests/tftp_lib.sh"
need python3 curl
set -u
RAW=$PXECORE_SRC/plugins/tftp/tests/tftp_raw.py

PORT=$(free_port)
make_image "$T/img"
start_tftp --image "$T/img"
python3 "$RAW" "$PORT" "$T/img" nooptions duprrq malformed tid cancel retransmit clamp65464 ||
    fail "raw checks"
grep -q "cancelled by the client" "$T/pxecore.log" || fail "client cancel not logged"
kill -0 "$PXE_PID" || fail "pxecore died"
stop_pxecore || fail "pxecore exit status $?"

# Configured caps: block size and transfers per client.
PORT=$(free_port)
start_tftp --image "$T/img" --set tftp.blksize_max=1468 --set tftp.max_per_client=2
python3 "$RAW" "$PORT" "$T/img" caps clamp1468 || fail "raw checks with caps"
grep -q "too many transfers from this client" "$T/pxecore.log" || fail "cap refusal not logged"
curl -sS -o "$T/out" "tftp://127.0.0.1:$PORT/arch/boot/x86_64/vmlinuz-linux" || fail "curl after caps"
same_file "$T/img/arch/boot/x86_64/vmlinuz-linux" "$T/out" "after caps"
stop_pxecore || fail "pxecore exit status $?"

# The global cap answers the same way.
PORT=$(free_port)
start_tftp --image "$T/img" --set tftp.max_transfers=2
python3 "$RAW" "$PORT" "$T/img" caps || fail "raw checks with max_transfers=2"
grep -q "server busy, too many transfers" "$T/pxecore.log" || fail "global cap refusal not logged"
stop_pxecore || fail "pxecore exit status $?"
echo "ok - caps"
