#!/bin/bash
# SPDX-License-Identifier: MIT
# `pxecore --image archlinux.iso` serves the ISO's files over TFTP (tftp-hpa,
# atftp) and HTTP (curl, with a Range probe like archiso_pxe_http's) on
# loopback, without mounting: sha256 of every download equals the source file,
# and the kernel/initrd the generated menus point at are the ISO's.
# Each protocol is tested once its plugin is more than a skeleton (has config
# items); skipped (77) while neither is.
. "$PXECORE_SRC/tests/integration/lib.sh"
need xorriso python3 sha256sum
P=$PXECORE_PLUGINS
ready() {
    [ -f "$P/pxecore-$1.so" ] && "$PXECORE_BIN" --dump-plugin "$P/pxecore-$1.so" | grep -q '^config\.'
}
# the listening port's key: the first key with "port" in its name; the address key
port_key() { "$PXECORE_BIN" --dump-plugin "$P/pxecore-$1.so" | sed -n 's/^config\.\([a-z_]*port[a-z_]*\)=.*/\1/p' | head -1; }
addr_key() { "$PXECORE_BIN" --dump-plugin "$P/pxecore-$1.so" | sed -n 's/^config\.\(listen\|address\|bind\)=.*/\1/p' | head -1; }
HTTP=0; TFTP=0
ready http && command -v curl >/dev/null && HTTP=1
ready tftp && { command -v tftp >/dev/null || command -v atftp >/dev/null; } && TFTP=1
[ $HTTP = 1 ] || [ $TFTP = 1 ] ||
    skip "the tftp and http plugins are still skeletons (no config items), or curl/tftp clients are missing"

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

plugins=(); sections=()
section() { # NAME PORT: the plugin's config section on loopback
    local a; a=$(addr_key "$1")
    sections+=("\"$1\": {\"$(port_key "$1")\": $2${a:+, \"$a\": \"127.0.0.1\"}}")
    plugins+=("$1")
}
[ $HTTP = 1 ] && HP=$(free_port) && section http "$HP"
[ $TFTP = 1 ] && TP=$(free_port) && section tftp "$TP"
use_plugins "${plugins[@]}"
(IFS=,; echo "{\"plugins\": {${sections[*]}}}") >"$T/pxecore.json"
start_pxecore --config "$T/pxecore.json" --image "$ISO" --no-api

tftp_get() { # PATH OUT: with every TFTP client there is; each must succeed
    rm -f "$2"
    if command -v tftp >/dev/null; then
        timeout 60 tftp -m binary 127.0.0.1 "$TP" -c get "$1" "$2" >/dev/null 2>&1 && [ -s "$2" ] ||
            fail "tftp-hpa $1"
    fi
    if command -v atftp >/dev/null; then
        rm -f "$2.a"
        timeout 60 atftp --option "blksize 1428" -g -r "$1" -l "$2.a" 127.0.0.1 "$TP" >/dev/null 2>&1 ||
            fail "atftp $1"
        [ -f "$2" ] && { cmp -s "$2" "$2.a" || fail "tftp-hpa and atftp disagree on $1"; }
        mv "$2.a" "$2"
    fi
}

n=0
while IFS= read -r f; do
    rel=${f#"$S"/}
    want=$(sha "$f")
    for p in "$rel" "images/archiso/$rel"; do
        if [ $HTTP = 1 ]; then
            curl -fsS -o "$T/h" "http://127.0.0.1:$HP/$p" || fail "http $p"
            [ "$(sha "$T/h")" = "$want" ] || fail "http $p: sha256 differs"
        fi
        if [ $TFTP = 1 ]; then
            tftp_get "$p" "$T/t"
            [ "$(sha "$T/t")" = "$want" ] || fail "tftp $p: sha256 differs"
        fi
    done
    n=$((n + 1))
done < <(find "$S" -type f -size +0)

K=$S/arch/boot/x86_64/vmlinuz-linux; I=$S/arch/boot/x86_64/initramfs-linux.img
if [ $HTTP = 1 ]; then
    # archiso_pxe_http's probe: curl -L -f -r 0-0 must get one byte, not the whole image
    len=$(curl -fsS -L -r 0-0 "http://127.0.0.1:$HP/arch/x86_64/airootfs.sfs" | wc -c)
    [ "$len" = 1 ] || fail "Range probe returned $len bytes"
    curl -fsS -r 1000-1999 "http://127.0.0.1:$HP/arch/x86_64/airootfs.sfs" |
        cmp -s - <(tail -c +1001 "$S/arch/x86_64/airootfs.sfs" | head -c 1000) || fail "Range 1000-1999 differs"
    # the iPXE script's kernel and initrd URLs serve the ISO's files
    curl -fsS -o "$T/ipxe" "http://127.0.0.1:$HP/boot.ipxe" || fail "boot.ipxe"
    url=$(sed -n 's/^kernel \([^ ]*\).*/\1/p' "$T/ipxe" | head -1)
    [ -n "$url" ] || { cat "$T/ipxe"; fail "boot.ipxe has no kernel line"; }
    curl -fsS -o "$T/k" "$url" && [ "$(sha "$T/k")" = "$(sha "$K")" ] || fail "boot.ipxe kernel $url"
    url=$(sed -n 's/^initrd \([^ ]*\).*/\1/p' "$T/ipxe" | head -1)
    curl -fsS -o "$T/i" "$url" && [ "$(sha "$T/i")" = "$(sha "$I")" ] || fail "boot.ipxe initrd $url"
fi
if [ $TFTP = 1 ]; then
    # pxelinux.cfg/default over TFTP: its LINUX is an http:// URL (lpxelinux) or ::/path
    tftp_get pxelinux.cfg/default "$T/pxe"
    ref=$(sed -n 's/^  LINUX \([^ ]*\)$/\1/p' "$T/pxe" | head -1)
    case $ref in
    http://*) curl -fsS -o "$T/k" "$ref" || fail "pxelinux kernel $ref" ;;
    ::/*) tftp_get "${ref#::/}" "$T/k" ;;
    "") [ $HTTP = 0 ] || { cat "$T/pxe"; fail "pxelinux.cfg/default has no LINUX line"; } ;;
    *) fail "pxelinux LINUX $ref" ;;
    esac
    [ -z "$ref" ] || [ "$(sha "$T/k")" = "$(sha "$K")" ] || fail "pxelinux kernel $ref differs"
fi
stop_pxecore || fail "pxecore exit $?"
echo "$n files served from the ISO equal the source (http=$HTTP tftp=$TFTP)"
