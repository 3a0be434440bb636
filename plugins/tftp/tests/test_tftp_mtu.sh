#!/bin/bash
# SPDX-License-Identifier: MIT
# In a private network namespace: a client behind a veth (MTU 1500) asking blksize
# 65464 is granted 1468 (MTU - 32; 1448 over IPv6), replies come from the address the
# request went to, and a loopback client of the same daemon still gets 65464.
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/plugins/tftp/tests/tftp_lib.sh"
need python3 curl ip nsenter
in_netns "$@"
set -u
client_ns
cli_exec ip addr add 192.0.2.2/24 dev cli0
# The veth carries traffic once both ends report UP (bounded wait).
i=0
until ip -o link show srv0 | grep -q "state UP" && cli_exec ip -o link show cli0 | grep -q "state UP"; do
    i=$((i + 1)); [ "$i" -lt 50 ] || fail "veth not up after 5 s"
    sleep 0.1
done
RAW=$PXECORE_SRC/plugins/tftp/tests/tftp_raw.py
K=arch/boot/x86_64/vmlinuz-linux

PORT=$(free_port)
make_image "$T/img"
use_plugins tftp
start_pxecore --no-api --tftp-port "$PORT" --image "$T/img"
TFTP_SERVER=192.0.2.1 cli_exec python3 "$RAW" "$PORT" "$T/img" clamp1468 || fail "veth clamp"
python3 "$RAW" "$PORT" "$T/img" clamp65464 || fail "loopback clamp"
cli_exec curl -sS --tftp-blksize 65464 -o "$T/out" "tftp://192.0.2.1:$PORT/$K" || fail "curl over veth"
same_file "$T/img/$K" "$T/out" "curl over the veth"
stop_pxecore || fail "pxecore exit status $?"
echo "ok - MTU clamp per ingress interface"

# Dual-stack on "::": IPv4 through the veth still gets 1468, IPv6 gets 1448 (MTU - 52).
ip addr add 2001:db8::1/64 dev srv0 nodad
cli_exec ip addr add 2001:db8::2/64 dev cli0 nodad
PORT=$(free_port)
start_pxecore --no-api --tftp-port "$PORT" --set tftp.address=:: --image "$T/img"
TFTP_SERVER=192.0.2.1 cli_exec python3 "$RAW" "$PORT" "$T/img" clamp1468 || fail "v4 clamp on ::"
TFTP_SERVER=2001:db8::1 cli_exec python3 "$RAW" "$PORT" "$T/img" clamp1448 tid || fail "v6 clamp"
rm -f "$T/out"
cli_exec curl -sS -g --tftp-blksize 1448 -o "$T/out" "tftp://[2001:db8::1]:$PORT/$K" ||
    fail "curl over IPv6 veth"
same_file "$T/img/$K" "$T/out" "curl over the IPv6 veth"
stop_pxecore || fail "pxecore exit status $?"
echo "ok - IPv6 MTU clamp, dual-stack IPv4 over the veth"
