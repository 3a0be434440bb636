#!/bin/bash
# SPDX-License-Identifier: MIT
# The system's iPXE loaders (Debian's ipxe package, menu.ipxe_dir) at the root of the
# namespace: snponly.efi, the DHCP plugin's default UEFI boot file, is served with
# nothing but --image, over TFTP (curl's client) and HTTP; a served tree's own
# snponly.efi wins; other names and directories are not mapped; ipxe_dir "" turns it off.
. "$PXECORE_SRC/tests/integration/lib.sh"
need curl
use_plugins tftp http
SYS=$T/sys
mkdir -p "$SYS" "$T/img" "$T/tree"
head -c 70000 /dev/urandom >"$SYS/snponly.efi"
head -c 5000 /dev/urandom >"$SYS/undionly.kpxe"
head -c 100 /dev/urandom >"$SYS/other.bin"
TP=$(free_port)
HP=$(free_port)
common=(--image "$T/img" --set tftp.address=127.0.0.1 --set "tftp.port=$TP"
        --set http.address=127.0.0.1 --set "http.port=$HP")
start_pxecore "${common[@]}" --set "menu.ipxe_dir=$SYS"
curl -fsS -o "$T/got.tftp" "tftp://127.0.0.1:$TP/snponly.efi" || fail "TFTP snponly.efi"
cmp -s "$T/got.tftp" "$SYS/snponly.efi" || fail "TFTP snponly.efi differs from the system's"
curl -fsS -o "$T/got.http" "http://127.0.0.1:$HP/undionly.kpxe" || fail "HTTP undionly.kpxe"
cmp -s "$T/got.http" "$SYS/undionly.kpxe" || fail "HTTP undionly.kpxe differs"
! curl -fsS -o /dev/null "http://127.0.0.1:$HP/other.bin" || fail "a name that is no iPXE loader was served"
! curl -fsS -o /dev/null "http://127.0.0.1:$HP/x/snponly.efi" || fail "served below the root"
stop_pxecore || fail "stop"

# A served tree's snponly.efi wins over the system's.
head -c 3000 /dev/urandom >"$T/tree/snponly.efi"
start_pxecore "${common[@]}" --root "$T/tree" --set "menu.ipxe_dir=$SYS"
curl -fsS -o "$T/got2" "tftp://127.0.0.1:$TP/snponly.efi" || fail "TFTP snponly.efi (tree)"
cmp -s "$T/got2" "$T/tree/snponly.efi" || fail "the system's loader shadowed the tree's"
stop_pxecore || fail "stop"

start_pxecore "${common[@]}" --set "menu.ipxe_dir="
! curl -fsS -o /dev/null "http://127.0.0.1:$HP/snponly.efi" || fail "served with ipxe_dir unset"
stop_pxecore || fail "stop"
echo "system iPXE loaders: served at the root, a tree's own wins, off with ipxe_dir \"\""
