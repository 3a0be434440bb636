#!/bin/bash
# SPDX-License-Identifier: MIT
# ISO images built here with xorriso (Rock Ridge + Joliet, Rock Ridge with deep
# directory relocation, Joliet only) hold an archiso-shaped tree; every file read
# through the image interface (image_open_file: ISO fd + extent offset) must equal
# the source file, layout/label/UUID must be detected, and malformed ISOs made by
# patching bytes of a real one must be refused with a message naming the problem.
. "$PXECORE_SRC/tests/integration/lib.sh"
need xorriso python3 cmp
TOOL="$PXECORE_BUILD/tests/images/iso_tool"
PATCH="$PXECORE_SRC/tests/images/isopatch.py"
[ -x "$TOOL" ] || fail "missing $TOOL"

S=$T/src
mkdir -p "$S/arch/boot/x86_64" "$S/arch/x86_64" "$S/boot/syslinux" "$S/EFI/BOOT" "$S/loader/entries"
head -c 1048577 /dev/urandom >"$S/arch/boot/x86_64/vmlinuz-linux"
head -c 300001 /dev/urandom >"$S/arch/boot/x86_64/initramfs-linux.img"
head -c 2500000 /dev/urandom >"$S/arch/x86_64/airootfs.sfs"
sha512sum "$S/arch/x86_64/airootfs.sfs" >"$S/arch/x86_64/airootfs.sha512"
: >"$S/boot/2024-11-01-10-20-30-00.uuid"
echo 'APPEND archisobasedir=arch archisosearchuuid=2024-11-01-10-20-30-00' >"$S/boot/syslinux/archiso_sys-linux.cfg"
head -c 2048 /dev/urandom >"$S/EFI/BOOT/BOOTx64.EFI"
for n in 0 1 2047 2048 2049 4096 65537; do head -c $n /dev/urandom >"$S/size-$n.bin"; done
printf 'Grüße\n' >"$S/übung-ß.txt"
long=$(printf 'n%.0s' $(seq 1 100))
echo long >"$S/$long.txt"
d="$S/deep"; for i in $(seq 1 20); do d="$d/d$i"; done
mkdir -p "$d"; echo deep >"$d/leaf.txt"
ln -s ../arch/boot/x86_64/vmlinuz-linux "$S/boot/vmlinuz"
ln -s ../arch "$S/loader/arch-link"
ln -s missing "$S/dangling"
ln -s /etc/passwd "$S/absolute"
ln -s ../../../etc/passwd "$S/escape"
ln -s loop-b "$S/loop-a"; ln -s loop-a "$S/loop-b"

mk() { # mk OUT ARGS...: an ISO of $S
    out=$1; shift
    xorriso -report_about SORRY "$@" -outdev "$out" -map "$S" / >"$T/xorriso.log" 2>&1 ||
        { cat "$T/xorriso.log"; fail "xorriso $out"; }
}
mk "$T/rrj.iso" -rockridge on -joliet on -compliance joliet_long_names:deep_paths \
    -volid ARCH_202411 -volume_date uuid 2024110110203000
mk "$T/rrdeep.iso" -rockridge on -joliet off -compliance deep_paths_off -rr_reloc_dir rr_moved \
    -volid RELOC
grep -aq rr_moved "$T/rrdeep.iso" || fail "xorriso did not relocate deep directories (Rock Ridge CL/RE)"
xorriso -report_about SORRY -as mkisofs -r -J -joliet-long -V ARCH_J -o "$T/mkisofs.iso" \
    --modification-date=2024110110203000 "$S" >"$T/xorriso.log" 2>&1 || fail "xorriso -as mkisofs"
# Joliet only: symlinks need Rock Ridge, so they are left out of that tree
mk "$T/joliet.iso" -rockridge off -joliet on -compliance joliet_long_names -volid JOLIET

info() { "$TOOL" info "$1" | sed -n "s/^$2=//p"; }
check_info() { # ISO LABEL NAMING
    [ "$(info "$1" is_iso)" = 1 ] || fail "$1: not an ISO image"
    [ "$(info "$1" label)" = "$2" ] || fail "$1: label $(info "$1" label), expected $2"
    [ "$(info "$1" naming)" = "$3" ] || fail "$1: naming $(info "$1" naming), expected $3"
    [ "$(info "$1" uuid)" = 2024-11-01-10-20-30-00 ] || fail "$1: uuid $(info "$1" uuid)"
    [ "$(info "$1" kernel)" = arch/boot/x86_64/vmlinuz-linux ] || fail "$1: kernel"
    [ "$(info "$1" initrd)" = arch/boot/x86_64/initramfs-linux.img ] || fail "$1: initrd"
    [ "$(info "$1" rootfs)" = arch/x86_64/airootfs.sfs ] || fail "$1: rootfs"
    [ "$(info "$1" basedir)" = arch ] || fail "$1: basedir"
}
check_info "$T/rrj.iso" ARCH_202411 rockridge
check_info "$T/rrdeep.iso" RELOC rockridge
check_info "$T/mkisofs.iso" ARCH_J rockridge
check_info "$T/joliet.iso" JOLIET joliet

# every regular file of the source tree, read through the image interface
compare_all() { # ISO [skip-symlinks]
    n=0
    while IFS= read -r f; do
        rel=${f#"$S"/}
        "$TOOL" cat "$1" "$rel" 2>/dev/null >"$T/out" || fail "$1: cannot read $rel"
        cmp -s "$T/out" "$f" || fail "$1: $rel differs from the source"
        n=$((n + 1))
    done < <(find "$S" -type f)
    listed=$("$TOOL" ls "$1" | wc -l)
    echo "$1: $n files equal the source, $listed listed"
    [ "$n" -ge 17 ] || fail "$1: only $n files compared"
}
for iso in rrj rrdeep mkisofs joliet; do compare_all "$T/$iso.iso"; done
"$TOOL" ls "$T/rrj.iso" | grep -qx 'deep/d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11/d12/d13/d14/d15/d16/d17/d18/d19/d20/leaf.txt' ||
    fail "deep file not listed"
"$TOOL" ls "$T/rrdeep.iso" | grep -q '^rr_moved/.*leaf' && fail "relocated directory listed twice"

# symlinks: followed inside the ISO, refused when they leave it
for iso in rrj rrdeep mkisofs; do
    "$TOOL" cat "$T/$iso.iso" boot/vmlinuz 2>/dev/null | cmp -s - "$S/arch/boot/x86_64/vmlinuz-linux" ||
        fail "$iso: symlink boot/vmlinuz"
    "$TOOL" cat "$T/$iso.iso" loader/arch-link/x86_64/airootfs.sha512 2>/dev/null |
        cmp -s - "$S/arch/x86_64/airootfs.sha512" || fail "$iso: symlinked directory"
    for p in absolute escape loop-a; do
        e=$("$TOOL" cat "$T/$iso.iso" $p 2>&1 >/dev/null) && fail "$iso: $p readable"
        case $e in *"Permission denied"*) ;; *) fail "$iso: $p: $e (expected EACCES)" ;; esac
    done
    e=$("$TOOL" cat "$T/$iso.iso" dangling 2>&1 >/dev/null) && fail "$iso: dangling readable"
    case $e in *"No such file"*) ;; *) fail "$iso: dangling: $e" ;; esac
done
e=$("$TOOL" cat "$T/rrj.iso" arch 2>&1 >/dev/null) && fail "directory readable"
case $e in *"Is a directory"*) ;; *) fail "arch: $e" ;; esac
e=$("$TOOL" cat "$T/rrj.iso" ../arch 2>&1 >/dev/null) && fail "../ readable"
case $e in *"Permission denied"*) ;; *) fail "../arch: $e" ;; esac

# older archiso layouts and another basedir, in an ISO and as a directory
O=$T/old
mkdir -p "$O/arch/boot/x86_64" "$O/arch/x86_64" "$O/luna"
echo k >"$O/arch/boot/x86_64/vmlinuz"; echo i >"$O/arch/boot/x86_64/archiso.img"
echo r >"$O/arch/x86_64/airootfs.sfs"
xorriso -report_about SORRY -as mkisofs -r -V ARCH_201901 -o "$T/old.iso" "$O" >/dev/null 2>&1
for img in "$T/old.iso" "$O"; do
    [ "$(info "$img" kernel)" = arch/boot/x86_64/vmlinuz ] || fail "$img: old kernel"
    [ "$(info "$img" initrd)" = arch/boot/x86_64/archiso.img ] || fail "$img: old initrd"
done
N=$T/luna; mkdir -p "$N/luna/boot/x86_64" "$N/luna/x86_64"
echo k >"$N/luna/boot/x86_64/vmlinuz-linux-lts"; echo i >"$N/luna/boot/x86_64/initramfs-linux-lts.img"
echo r >"$N/luna/x86_64/airootfs.erofs"
[ "$(info "$N" basedir)" = luna ] || fail "basedir luna"
[ "$(info "$N" kernel)" = luna/boot/x86_64/vmlinuz-linux-lts ] || fail "lts kernel"
[ "$(info "$N" initrd)" = luna/boot/x86_64/initramfs-linux-lts.img ] || fail "lts initrd"
[ "$(info "$N" rootfs)" = luna/x86_64/airootfs.erofs ] || fail "erofs rootfs"
[ "$(info "$S" label)" = "" ] || fail "directory label without archisolabel="
[ "$(info "$S" uuid)" = 2024-11-01-10-20-30-00 ] || fail "directory image uuid"

# malformed ISOs: refused with a message, never a crash or a hang
bad() { # EXPECTED-MESSAGE OP ARGS...
    msg=$1; shift
    python3 "$PATCH" "$1" "$T/rrj.iso" "$T/bad.iso" "${@:2}" || fail "isopatch $*"
    out=$(timeout 20 "$TOOL" info "$T/bad.iso" 2>&1); rc=$?
    [ "$rc" = 1 ] || fail "$*: exit $rc (expected 1): $out"
    case $out in *"$msg"*) echo "refused ($*): ${out#*: }" ;; *) fail "$*: '$out' lacks '$msg'" ;; esac
}
size=$(stat -c %s "$T/rrj.iso")
bad "past the end" truncate $((size / 2))
bad "no volume descriptor set terminator" truncate 34000
bad "not an ISO 9660 image" truncate 32768
bad "directory loop" loop deep/d1/d2 deep
bad "directory loop" loop arch ""
bad "vmlinuz-linux: extent" extent arch/boot/x86_64/vmlinuz-linux
bad "airootfs.sfs: extent" length arch/x86_64/airootfs.sfs
bad "a directory of 2147481600 bytes" dirsize arch/boot
bad "malformed directory record" reclen arch
bad "SUSP continuation" celoop arch/boot/x86_64
# multi-extent files (ECMA-119 6.5.1, what >4 GiB files use): contiguous sections are
# served as one extent; a fragmented file stays listed but cannot be opened
K=arch/boot/x86_64/vmlinuz-linux
python3 "$PATCH" split "$T/rrj.iso" "$T/multi.iso" $K || fail "isopatch split"
"$TOOL" cat "$T/multi.iso" $K 2>/dev/null | cmp -s - "$S/$K" || fail "multi-extent file differs"
python3 "$PATCH" split "$T/rrj.iso" "$T/frag.iso" $K 7 || fail "isopatch split 7"
e=$("$TOOL" cat "$T/frag.iso" $K 2>&1 >/dev/null) && fail "fragmented file opened"
case $e in *"Permission denied"*) ;; *) fail "fragmented: $e" ;; esac
"$TOOL" cat "$T/frag.iso" arch/boot/x86_64/initramfs-linux.img 2>/dev/null |
    cmp -s - "$S/arch/boot/x86_64/initramfs-linux.img" || fail "fragmented ISO: other files"
bad "vmlinuz-linux: extent" split $K 100000

# nesting: 64 levels below the root are read, 70 are refused (ISO_MAX_DEPTH)
for depth in 64 70; do
    D=$T/nest$depth; d=$D
    for i in $(seq 1 $depth); do d="$d/x"; done
    mkdir -p "$d"; echo leaf >"$d/f"
    xorriso -report_about SORRY -rockridge on -joliet off -compliance deep_paths:long_paths \
        -outdev "$T/nest$depth.iso" -map "$D" / >/dev/null 2>&1 || fail "xorriso nest$depth"
done
[ "$("$TOOL" cat "$T/nest64.iso" "$(printf 'x/%.0s' $(seq 1 64))f" 2>/dev/null)" = leaf ] ||
    fail "64 levels deep not readable"
out=$("$TOOL" info "$T/nest70.iso" 2>&1) && fail "70 levels deep accepted"
case $out in *"nested deeper than 64"*) echo "refused (70 levels): ${out#*: }" ;; *) fail "nest70: $out" ;; esac
head -c 100000 /dev/urandom >"$T/random.iso"
timeout 20 "$TOOL" info "$T/random.iso" >/dev/null 2>&1 && fail "random bytes accepted"
echo "ok"
