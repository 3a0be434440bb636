#!/bin/bash
# SPDX-License-Identifier: MIT
# Builds (or reuses) the cached e2e test image and checks its shape: the
# archiso tree, the ISO's contents and volume label, the root filesystem's
# checksum, the initramfs's /init and modules. Fixture of the e2e boots.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${PXE_E2E_CACHE:-$HERE/cache}
for t in apt-get dpkg cpio mksquashfs xorriso depmod; do
    command -v "$t" >/dev/null || { echo "SKIP: missing $t (scripts/install-deps.sh)"; exit 77; }
done
bash "$HERE/build-image.sh" "$CACHE"
. "$CACHE/image.env"
fail() { echo "FAIL: $*"; exit 1; }
for f in arch/boot/x86_64/vmlinuz-linux arch/boot/x86_64/initramfs-linux.img \
    arch/x86_64/airootfs.sfs arch/x86_64/airootfs.sha512 boot/syslinux/lpxelinux.0 \
    boot/syslinux/ldlinux.c32 boot/syslinux/menu.c32 boot/syslinux/archiso_pxe.cfg; do
    [ -s "$E2E_IMAGE/$f" ] || fail "missing $f"
done
for f in snponly.efi ipxe.efi undionly.kpxe; do [ -s "$E2E_LOADERS/$f" ] || fail "missing loader $f"; done
(cd "$E2E_IMAGE/arch/x86_64" && sha512sum -c --quiet airootfs.sha512) || fail "airootfs.sha512"
[ "$(cut -d' ' -f1 "$E2E_IMAGE/arch/x86_64/airootfs.sha512")" = "$E2E_ROOTFS_SHA512" ] || fail "image.env sha512"
xorriso -indev "$E2E_ISO" -pvd_info 2>/dev/null | grep -q "Volume Id    : $E2E_ISO_LABEL" || fail "ISO label"
xorriso -indev "$E2E_ISO" -find /arch/x86_64 -name airootfs.sfs 2>/dev/null | grep -q airootfs.sfs ||
    fail "no airootfs.sfs in the ISO"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
(cd "$T" && gzip -dc "$E2E_IMAGE/arch/boot/x86_64/initramfs-linux.img" | cpio -i --quiet)
[ -x "$T/init" ] && [ -x "$T/bin/busybox" ] && [ -x "$T/sbin/nbd-client" ] || fail "initramfs binaries"
for m in virtio_net nbd nfsv3 squashfs isofs loop; do
    grep -q "/$m.ko:" "$T/lib/modules/$E2E_KVER/modules.dep" || fail "module $m not in modules.dep"
done
grep -qx "$E2E_ID" "$T/etc/pxecore-e2e-id" || fail "initramfs id"
echo "ok: image $E2E_IMAGE, ISO $E2E_ISO, kernel $E2E_KVER, id $E2E_ID"
