#!/bin/bash
# SPDX-License-Identifier: MIT
# TFTP over IPv6 on loopback: a server on ::1, then a dual-stack server on :: that
# serves IPv4 clients too (logged with their IPv4 address).
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/plugins/tftp/tests/tftp_lib.sh"
need python3 curl
python3 -c 'import socket; socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(("::1", 0))' \
    2>/dev/null || skip "no IPv6 loopback"
set -u
RAW=$PXECORE_SRC/plugins/tftp/tests/tftp_raw.py
K=arch/boot/x86_64/vmlinuz-linux
make_image "$T/img"
use_plugins tftp

PORT=$(free_port)
start_pxecore --no-api --tftp-port "$PORT" --set tftp.address=::1 --image "$T/img"
curl -sS -g --tftp-blksize 1468 -o "$T/out" "tftp://[::1]:$PORT/$K" || fail "curl over IPv6"
same_file "$T/img/$K" "$T/out" "curl over IPv6"
TFTP_SERVER=::1 python3 "$RAW" "$PORT" "$T/img" nooptions tid cancel malformed clamp65464 ||
    fail "raw checks over IPv6"
grep -q "sent $T/img/$K to ::1" "$T/pxecore.log" || fail "no 'sent ... to ::1' line"
stop_pxecore || fail "pxecore exit status $?"
echo "ok - IPv6 on ::1"

PORT=$(free_port)
start_pxecore --no-api --tftp-port "$PORT" --set tftp.address=:: --image "$T/img"
rm -f "$T/out"
curl -sS -o "$T/out" "tftp://127.0.0.1:$PORT/$K" || fail "curl over IPv4 to a dual-stack server"
same_file "$T/img/$K" "$T/out" "IPv4 client, dual-stack server"
rm -f "$T/out"
curl -sS -g -o "$T/out" "tftp://[::1]:$PORT/$K" || fail "curl over IPv6 to a dual-stack server"
same_file "$T/img/$K" "$T/out" "IPv6 client, dual-stack server"
python3 "$RAW" "$PORT" "$T/img" tid clamp65464 || fail "raw IPv4 checks, dual-stack server"
grep -q "sent $T/img/$K to 127.0.0.1" "$T/pxecore.log" || fail "IPv4 client not logged as IPv4"
stop_pxecore || fail "pxecore exit status $?"
echo "ok - dual-stack on ::"
