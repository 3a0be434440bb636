#!/bin/bash
# SPDX-License-Identifier: MIT
# Large transfers and load: a file of more than 65535 blocks at blksize 512 (block
# number rollover) with curl, atftp and tftp-hpa, then 50 concurrent curl clients.
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/plugins/tftp/tests/tftp_lib.sh"
need curl atftp tftp
set -u

PORT=$(free_port)
IMG=$T/img
make_image "$IMG"
head -c $((40 * 1024 * 1024 + 123)) /dev/urandom >"$IMG/big.bin" # 81921 blocks of 512
start_tftp --image "$IMG" --set tftp.max_per_client=64
cd "$T" || exit 1

curl -sS --tftp-blksize 512 -o out "tftp://127.0.0.1:$PORT/big.bin" || fail "curl 40 MiB at 512"
same_file "$IMG/big.bin" out "curl 40 MiB at blksize 512"
rm -f out
atftp --option "blksize 512" --option "tsize 0" -g -r big.bin -l out 127.0.0.1 "$PORT" \
    >atftp.out 2>&1 || { cat atftp.out; fail "atftp 40 MiB at 512"; }
same_file "$IMG/big.bin" out "atftp 40 MiB at blksize 512"
rm -f out
atftp --option "blksize 512" --option "windowsize 16" -g -r big.bin -l out 127.0.0.1 "$PORT" \
    >atftp.out 2>&1 || { cat atftp.out; fail "atftp 40 MiB at 512, windowsize 16"; }
same_file "$IMG/big.bin" out "atftp 40 MiB at blksize 512, windowsize 16"
rm -f out
tftp -m binary 127.0.0.1 "$PORT" -c get big.bin out >hpa.out 2>&1 || { cat hpa.out; fail "tftp-hpa 40 MiB"; }
same_file "$IMG/big.bin" out "tftp-hpa 40 MiB (no options: 512-byte blocks)"
echo "ok - 40 MiB (81921 blocks of 512) with curl, atftp, atftp windowsize 16, tftp-hpa"

# 50 concurrent clients, each checked.
F=arch/boot/x86_64/initramfs-linux.img
pids=""
for i in $(seq 1 50); do
    curl -sS --tftp-blksize 1468 -o "c$i" "tftp://127.0.0.1:$PORT/$F" 2>"c$i.err" &
    pids="$pids $!"
done
n=0
for p in $pids; do
    wait "$p" || n=$((n + 1))
done
[ "$n" -eq 0 ] || { cat c*.err | sort | uniq -c; fail "$n of 50 concurrent clients failed"; }
for i in $(seq 1 50); do
    same_file "$IMG/$F" "c$i" "concurrent client $i"
done
echo "ok - 50 concurrent clients"
kill -0 "$PXE_PID" || fail "pxecore died"
stop_pxecore || fail "pxecore exit status $?"
