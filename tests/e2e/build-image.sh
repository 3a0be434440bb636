#!/bin/bash
# SPDX-License-Identifier: MIT
# Builds the end-to-end test image from Debian packages only (apt-get download
# + dpkg -x; nothing else is downloaded) and caches it.
#
# Usage: build-image.sh [CACHE_DIR]   (default $PXE_E2E_CACHE or tests/e2e/cache)
# Output, under CACHE_DIR:
#   image/                 an Arch-ISO-shaped tree:
#     arch/boot/x86_64/vmlinuz-linux        Debian cloud kernel
#     arch/boot/x86_64/initramfs-linux.img  busybox initramfs (guest-init.sh)
#     arch/x86_64/airootfs.sfs + airootfs.sha512
#     boot/syslinux/{lpxelinux.0,pxelinux.0,ldlinux.c32,...}
#     boot/syslinux/archiso_pxe.cfg         archiso-like PXE menu (reference stack)
#     boot/syslinux/archiso_pxe_{nbd,nfs}.cfg  the same, other default entry
#     boot/ipxe/reference.ipxe              iPXE script of the reference stack
#   archiso.iso            the same tree as an ISO 9660 file (Rock Ridge + Joliet)
#   loaders/               iPXE binaries (snponly.efi, ipxe.efi, undionly.kpxe)
#   image.env              shell variables: E2E_IMAGE E2E_ISO E2E_LOADERS
#                          E2E_ISO_LABEL E2E_KVER E2E_ROOTFS_SHA512 E2E_ID
# The build is skipped when image.env matches this script's inputs.
# Host tools needed: apt-get (with package lists), dpkg, cpio, gzip, depmod
# (kmod), mksquashfs (squashfs-tools), xorriso, ldd; nbd-client's libraries are
# taken from the host (the nbd-client package installs them).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${1:-${PXE_E2E_CACHE:-$HERE/cache}}
ROOTFS_MB=${PXE_E2E_ROOTFS_MB:-16}
LABEL=PXECORE_E2E
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)

die() { echo "build-image: $*" >&2; exit 1; }
for t in apt-get apt-cache dpkg cpio gzip depmod mksquashfs xorriso ldd sha512sum; do
    command -v "$t" >/dev/null || die "missing $t (run scripts/install-deps.sh)"
done

# One builder at a time (ctest may start several e2e tests).
exec 9>"$CACHE/.lock"
flock -w 900 9 || die "timed out waiting for $CACHE/.lock"

kpkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
    awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[ -n "$kpkg" ] || die "cannot resolve linux-image-cloud-amd64 (run apt-get update)"
key=$(cat "$0" "$HERE/guest-init.sh" "$HERE/guest-udhcpc.sh" "$HERE/archiso_pxe.cfg" | sha256sum | cut -c1-16)
key="$key-$kpkg-$ROOTFS_MB"
if [ -f "$CACHE/image.env" ] && grep -qx "E2E_KEY=$key" "$CACHE/image.env" &&
    [ -f "$CACHE/archiso.iso" ]; then
    echo "build-image: cached image in $CACHE ($key)"
    exit 0
fi
echo "build-image: building in $CACHE ($key)"

pkgs="$kpkg busybox-static pxelinux syslinux-common nbd-client klibc-utils libklibc ipxe"
mkdir -p "$CACHE/debs"
(cd "$CACHE/debs" && apt-get download $pkgs >/dev/null 2>"$CACHE/apt-download.log") ||
    { cat "$CACHE/apt-download.log" >&2; die "apt-get download failed"; }

W=$CACHE/work
rm -rf "$W" "$CACHE/image" "$CACHE/loaders" "$CACHE/archiso.iso" "$CACHE/image.env"
mkdir -p "$W/x"
for p in $pkgs; do
    deb=$(ls -t "$CACHE"/debs/"${p}"_*.deb | head -n1)
    dpkg -x "$deb" "$W/x"
done
X=$W/x
kver=${kpkg#linux-image-}

# --- initramfs -----------------------------------------------------------
R=$W/initramfs
mkdir -p "$R"/{bin,sbin,etc,lib,lib64,proc,sys,dev,run,tmp,usr/lib/klibc/bin}
install -m755 "$X/bin/busybox" "$R/bin/busybox"
ln -s busybox "$R/bin/sh"
install -m755 "$HERE/guest-init.sh" "$R/init"
install -m755 "$HERE/guest-udhcpc.sh" "$R/etc/udhcpc.script"

# nbd-client and the shared libraries it needs (from the host's copies of the
# same Debian packages).
install -m755 "$X/sbin/nbd-client" "$R/sbin/nbd-client"
ldd "$X/sbin/nbd-client" | grep -q 'not found' &&
    die "nbd-client libraries missing on the host: apt-get install nbd-client"
for lib in $(ldd "$X/sbin/nbd-client" | awk '/=>/ {print $3} /^\s*\/lib64/ {print $1}'); do
    cp -L "$lib" "$R/lib/"
done
cp -L /lib64/ld-linux-x86-64.so.2 "$R/lib64/"
mkdir -p "$R/lib/x86_64-linux-gnu"
mv "$R"/lib/*.so* "$R/lib/x86_64-linux-gnu/"

# klibc nfsmount (archiso's NFS client is a port of it) and its libklibc.
install -m755 "$X/usr/lib/klibc/bin/nfsmount" "$R/usr/lib/klibc/bin/nfsmount"
ln -s ../usr/lib/klibc/bin/nfsmount "$R/sbin/nfsmount"
cp "$X"/lib/klibc-*.so "$R/lib/"

# Kernel modules with their dependencies, resolved with depmod.
depmod -b "$X" "$kver"
mods="virtio_pci virtio_net loop squashfs isofs nbd nfsv3"
for m in $mods; do
    modprobe -d "$X" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
done | sort -u | while read -r ko; do
    rel=${ko#"$X"/}
    mkdir -p "$R/$(dirname "$rel")"
    cp "$ko" "$R/$rel"
done
cp "$X/lib/modules/$kver"/modules.{order,builtin,builtin.modinfo} "$R/lib/modules/$kver/"
depmod -b "$R" "$kver"

# --- root filesystem -------------------------------------------------------
id=$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
S=$W/airootfs
mkdir -p "$S/etc"
echo "$id" >"$S/pxecore-e2e-id"
echo "pxecore e2e test root filesystem $id" >"$S/etc/motd"
head -c "$((ROOTFS_MB * 1024 * 1024))" /dev/urandom >"$S/payload.bin"
T=$W/tree
mkdir -p "$T/arch/boot/x86_64" "$T/arch/x86_64" "$T/boot/syslinux"
mksquashfs "$S" "$T/arch/x86_64/airootfs.sfs" -noappend -all-root -quiet >/dev/null
(cd "$T/arch/x86_64" && sha512sum airootfs.sfs >airootfs.sha512)
rootsum=$(cut -d' ' -f1 "$T/arch/x86_64/airootfs.sha512")

echo "$rootsum  airootfs.sfs" >"$R/etc/airootfs.sha512"
echo "$id" >"$R/etc/pxecore-e2e-id"
(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -6) \
    >"$T/arch/boot/x86_64/initramfs-linux.img"
cp "$X/boot/vmlinuz-$kver" "$T/arch/boot/x86_64/vmlinuz-linux"

# --- boot loaders ------------------------------------------------------------
cp "$X"/usr/lib/PXELINUX/{lpxelinux.0,pxelinux.0} "$T/boot/syslinux/"
for c in ldlinux libcom32 libutil menu vesamenu; do
    cp "$X/usr/lib/syslinux/modules/bios/$c.c32" "$T/boot/syslinux/"
done
cp "$HERE/archiso_pxe.cfg" "$T/boot/syslinux/archiso_pxe.cfg"
for m in nbd nfs; do
    sed "s/^DEFAULT .*/DEFAULT arch_$m/" "$HERE/archiso_pxe.cfg" >"$T/boot/syslinux/archiso_pxe_$m.cfg"
done
mkdir -p "$T/boot/ipxe"
cp "$HERE/reference.ipxe" "$T/boot/ipxe/reference.ipxe"
echo "$kver e2e $id" >"$T/arch/version"
mkdir -p "$CACHE/loaders"
cp "$X"/usr/lib/ipxe/{snponly.efi,ipxe.efi,undionly.kpxe} "$CACHE/loaders/"

xorriso -as mkisofs -R -J -V "$LABEL" -o "$W/archiso.iso" "$T" 2>"$W/xorriso.log" ||
    { cat "$W/xorriso.log" >&2; die "xorriso failed"; }

mv "$T" "$CACHE/image"
mv "$W/archiso.iso" "$CACHE/archiso.iso"
rm -rf "$W"
cat >"$CACHE/image.env" <<EOF
E2E_KEY=$key
E2E_IMAGE=$CACHE/image
E2E_ISO=$CACHE/archiso.iso
E2E_ISO_LABEL=$LABEL
E2E_LOADERS=$CACHE/loaders
E2E_KVER=$kver
E2E_ROOTFS_SHA512=$rootsum
E2E_ID=$id
EOF
echo "build-image: done: $CACHE/image, $CACHE/archiso.iso"
