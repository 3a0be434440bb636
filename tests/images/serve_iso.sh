#!/bin/bash
# SPDX-License-Identifier: MIT
# `pxecore --image archlinux.iso` serves the ISO's files over TFTP (tftp-hpa,
# atftp) and HTTP (curl, with a Range probe like archiso_pxe_http's) on
# loopback, without mounting: sha256 of every download equals the source file.
# Skipped (77) while the tftp/http plugins are skeletons without config items.
. "$PXECORE_SRC/tests/integration/lib.sh"
need xorriso python3 curl sha256sum
P=$PXECORE_PLUGINS
for p in tftp http; do
    [ -f "$P/pxecore-$p.so" ] || skip "no $p plugin"
    "$PXECORE_BIN" --dump-plugin "$P/pxecore-$p.so" | grep -q '^config\.' ||
        skip "the $p plugin is still a skeleton (no config items); it is being written on its own branch"
done
# the listening port's key: the first UINT/INT key with "port" in its name
port_key() { "$PXECORE_BIN" --dump-plugin "$P/pxecore-$1.so" | sed -n 's/^config\.\([a-z_]*port[a-z_]*\)=.*/\1/p' | head -1; }
addr_key() { "$PXECORE_BIN" --dump-plugin "$P/pxecore-$1.so" | sed -n 's/^config\.\(listen\|address\|bind\)=.*/\1/p' | head -1; }
TK=$(port_key tftp); HK=$(port_key http)
[ -n "$TK" ] && [ -n "$HK" ] || skip "cannot find the tftp/http port keys in --dump-plugin"

S=$T/src
mkdir -p "$S/arch/boot/x86_64" "$S/arch/x86_64" "$S/boot/syslinux"
head -c 3000001 /dev/urandom >"$S/arch/boot/x86_64/vmlinuz-linux"
head -c 1000000 /dev/urandom >"$S/arch/boot/x86_64/initramfs-linux.img"
head -c 5000000 /dev/urandom >"$S/arch/x86_64/airootfs.sfs"
sha512sum "$S/arch/x86_64/airootfs.sfs" >"$S/arch/x86_64/airootfs.sha512"
head -c 40000 /dev/urandom >"$S/boot/syslinux/lpxelinux.0"
: >"$S/boot/2024-11-01-10-20-30-00.uuid"
ISO=$T/archlinux.iso
xorriso -report_about SORRY -as mkisofs -r -J -V ARCH_202411 -o "$ISO" "$S" >/dev/null 2>&1 || fail xorriso

TP=$(free_port); HP=$(free_port)
use_plugins tftp http
cfg="{\"plugins\": {
  \"tftp\": {\"$TK\": $TP$( [ -n "$(addr_key tftp)" ] && echo ", \"$(addr_key tftp)\": \"127.0.0.1\"")},
  \"http\": {\"$HK\": $HP$( [ -n "$(addr_key http)" ] && echo ", \"$(addr_key http)\": \"127.0.0.1\"")}}}"
echo "$cfg" >"$T/pxecore.json"
start_pxecore --config "$T/pxecore.json" --image "$ISO" --no-api

n=0
while IFS= read -r f; do
    rel=${f#"$S"/}
    want=$(sha "$f")
    curl -fsS -o "$T/h" "http://127.0.0.1:$HP/$rel" || fail "http $rel"
    [ "$(sha "$T/h")" = "$want" ] || fail "http $rel: sha256 differs"
    curl -fsS -o "$T/h" "http://127.0.0.1:$HP/images/archiso/$rel" || fail "http images/archiso/$rel"
    [ "$(sha "$T/h")" = "$want" ] || fail "http images/archiso/$rel: sha256 differs"
    if command -v tftp >/dev/null; then
        rm -f "$T/t"
        timeout 60 tftp -m binary 127.0.0.1 "$TP" -c get "$rel" "$T/t" >/dev/null 2>&1 || fail "tftp-hpa $rel"
        [ "$(sha "$T/t")" = "$want" ] || fail "tftp-hpa $rel: sha256 differs"
    fi
    if command -v atftp >/dev/null; then
        rm -f "$T/a"
        timeout 60 atftp --option "blksize 1428" -g -r "$rel" -l "$T/a" 127.0.0.1 "$TP" >/dev/null 2>&1 || fail "atftp $rel"
        [ "$(sha "$T/a")" = "$want" ] || fail "atftp $rel: sha256 differs"
    fi
    n=$((n + 1))
done < <(find "$S" -type f -size +0)
# archiso_pxe_http's probe: curl -L -f -r 0-0 must get one byte (206), not the whole image
len=$(curl -fsS -L -r 0-0 "http://127.0.0.1:$HP/arch/x86_64/airootfs.sfs" | wc -c)
[ "$len" = 1 ] || fail "Range probe returned $len bytes"
curl -fsS -r 1000-1999 "http://127.0.0.1:$HP/arch/x86_64/airootfs.sfs" | cmp -s - <(tail -c +1001 "$S/arch/x86_64/airootfs.sfs" | head -c 1000) ||
    fail "Range 1000-1999 differs"
# the generated menus point at the ISO's kernel and initrd, and those URLs serve them
K=$S/arch/boot/x86_64/vmlinuz-linux; I=$S/arch/boot/x86_64/initramfs-linux.img
curl -fsS -o "$T/ipxe" "http://127.0.0.1:$HP/boot.ipxe" || fail "boot.ipxe"
url=$(sed -n 's/^kernel \([^ ]*\).*/\1/p' "$T/ipxe" | head -1)
[ -n "$url" ] || { cat "$T/ipxe"; fail "boot.ipxe has no kernel line"; }
curl -fsS -o "$T/k" "$url" && [ "$(sha "$T/k")" = "$(sha "$K")" ] || fail "boot.ipxe kernel $url"
url=$(sed -n 's/^initrd \([^ ]*\).*/\1/p' "$T/ipxe" | head -1)
curl -fsS -o "$T/i" "$url" && [ "$(sha "$T/i")" = "$(sha "$I")" ] || fail "boot.ipxe initrd $url"
if command -v tftp >/dev/null; then
    rm -f "$T/pxe"
    timeout 60 tftp 127.0.0.1 "$TP" -c get pxelinux.cfg/default "$T/pxe" >/dev/null 2>&1 || fail "tftp pxelinux.cfg/default"
    url=$(sed -n 's/^  LINUX \(http:[^ ]*\)$/\1/p' "$T/pxe" | head -1)
    [ -n "$url" ] || { cat "$T/pxe"; fail "pxelinux.cfg/default has no LINUX http:// line"; }
    curl -fsS -o "$T/k" "$url" && [ "$(sha "$T/k")" = "$(sha "$K")" ] || fail "pxelinux kernel $url"
fi
stop_pxecore || fail "pxecore exit $?"
echo "$n files served over HTTP and TFTP from the ISO equal the source"
