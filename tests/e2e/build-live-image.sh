#!/bin/bash
# SPDX-License-Identifier: MIT
# Builds the live test images of issue 18 once per cache, from Debian packages:
#
#   build-live-image.sh debian|dracut [CACHE_DIR]
#
# debian: Debian's live-boot layout, initramfs made by initramfs-tools'
#   mkinitramfs with the live-boot hooks (packages initramfs-tools,
#   initramfs-tools-core, live-boot, live-boot-initramfs-tools, udev):
#     live/debian-live/live/{vmlinuz-<kver>,initrd.img-<kver>,filesystem.squashfs}
#     live/debian-live.iso (volume id PXE_DLIVE)
# dracut: the Fedora layout, initramfs made by Debian's dracut (dracut-core,
#   dracut-network, dracut-live; modules dmsquash-live livenet nfs nbd):
#     live/dracut-live/{images/pxeboot/{vmlinuz,initrd.img},LiveOS/squashfs.img}
#     live/dracut-live.iso (volume id PXE_DRACUT)
# Both: Debian's cloud kernel (the archiso images' kernel), a squashfs with a
# static busybox, /sbin/init = live-init.sh and a random token; live/loaders/
# (iPXE); live/<kind>.env (shell variables, below).
#
# The packages are never installed: apt-get download + dpkg-deb -x into a work
# directory, then the generator runs in a private mount namespace with that
# directory overlaid on /usr, /etc and /boot (overlayfs, lower layers only:
# nothing is written to the host's trees), so mkinitramfs and dracut find
# their hooks, modules and the kernel's modules where they look for them, and
# the host's own binaries (busybox, klibc, util-linux, kmod, nfs-common,
# nbd-client, dhclient) fill in as they would on a Debian system with the
# packages installed. dracut and initramfs-tools conflict as packages; here
# each image gets only its own.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
FLAVOUR=${1:?usage: build-live-image.sh debian|dracut [CACHE_DIR]}
CACHE=${2:-${PXE_E2E_CACHE:-$HERE/cache}}
mkdir -p "$CACHE/live" "$CACHE/debs"
CACHE=$(cd "$CACHE" && pwd)
OUT=$CACHE/live
die() { echo "build-live-image: $*" >&2; exit 1; }
for t in apt-get apt-cache dpkg-deb cpio gzip depmod mksquashfs xorriso unshare sha256sum; do
    command -v "$t" >/dev/null || die "missing $t (run scripts/install-deps.sh)"
done

case $FLAVOUR in
debian) pkgs="initramfs-tools initramfs-tools-core live-boot live-boot-initramfs-tools udev" ;;
dracut) pkgs="dracut-core dracut-network dracut-live udev iputils-arping" ;;
*) die "unknown flavour $FLAVOUR" ;;
esac

exec 9>"$OUT/.lock-$FLAVOUR"
flock -w 900 9 || die "timed out waiting for $OUT/.lock-$FLAVOUR"

kpkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
    awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[ -n "$kpkg" ] || die "cannot resolve linux-image-cloud-amd64 (run apt-get update)"
pkgs="$kpkg busybox-static ipxe $pkgs"
# The key: this script, the init, and the exact package versions apt would fetch.
vers=$(apt-cache policy $pkgs 2>/dev/null | awk '/^[^ ]/ {p=$1} /Candidate:/ {print p $2}' | tr -d '\n')
key=$(cat "$0" "$HERE/live-init.sh" | sha256sum | cut -c1-16)
key="$key-$(echo "$vers" | sha256sum | cut -c1-12)"
ENV=$OUT/$FLAVOUR.env
if [ -f "$ENV" ] && grep -qx "LIVE_KEY=$key" "$ENV"; then
    echo "build-live-image: cached $FLAVOUR image in $OUT ($key)"
    exit 0
fi
echo "build-live-image: building the $FLAVOUR image in $OUT ($key)"

(cd "$CACHE/debs" && apt-get download $pkgs >/dev/null 2>"$OUT/apt-download-$FLAVOUR.log") ||
    { cat "$OUT/apt-download-$FLAVOUR.log" >&2; die "apt-get download failed"; }

W=$OUT/work-$FLAVOUR
rm -rf "$W"
mkdir -p "$W/x"
X=$W/x
client_versions=""
for p in $pkgs; do
    deb=$(ls -t "$CACHE"/debs/"${p}"_*.deb | head -n1)
    dpkg-deb -x "$deb" "$X"
    case $p in linux-image-* | busybox-static | ipxe) continue ;; esac
    client_versions="$client_versions${client_versions:+,}$p=$(dpkg-deb -f "$deb" Version)"
done
# The host has merged /usr (Debian 12): move /bin, /sbin, /lib of the packages under usr/.
for d in bin sbin lib lib64; do
    [ -d "$X/$d" ] || continue
    mkdir -p "$X/usr/$d"
    cp -a "$X/$d/." "$X/usr/$d/"
    rm -rf "${X:?}/$d"
done
kver=${kpkg#linux-image-}
depmod -b "$X/usr" "$kver"

# --- the squashfs: static busybox, /sbin/init printing the marker -------------
token=$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
S=$W/rootfs
mkdir -p "$S"/{bin,sbin,etc/network,proc,sys,dev,run,tmp,root,var}
install -m755 "$X/usr/bin/busybox" "$S/bin/busybox"
ln -s busybox "$S/bin/sh"
install -m755 "$HERE/live-init.sh" "$S/sbin/init"
echo "$token" >"$S/etc/pxecore-e2e-token"
: >"$S/etc/fstab"

# in_overlay CMD...: runs CMD in a private mount namespace with the packages'
# trees over /usr, /etc and /boot (read-only lower layers: the host is untouched).
in_overlay() {
    mkdir -p "$X/etc" "$X/boot"
    unshare --mount -- sh -c '
        set -e
        mount --make-rprivate /
        mount -t overlay pxe-live-usr -o "lowerdir=$1/usr:/usr" /usr
        mount -t overlay pxe-live-etc -o "lowerdir=$1/etc:/etc" /etc
        mount -t overlay pxe-live-boot -o "lowerdir=$1/boot:/boot" /boot
        shift
        exec "$@"' sh "$X" "$@"
}

if [ "$FLAVOUR" = debian ]; then
    T=$W/tree
    mkdir -p "$T/live"
    mksquashfs "$S" "$T/live/filesystem.squashfs" -noappend -all-root -quiet >/dev/null
    cp "$X/boot/vmlinuz-$kver" "$T/live/vmlinuz-$kver"
    # mkinitramfs's own configuration (-d): MODULES=netboot as Debian's netboot
    # images; virtio_net and the live modules loaded at start; gzip (any kernel).
    C=$W/conf
    mkdir -p "$C/conf.d" "$C/hooks" "$C/scripts"
    printf 'MODULES=netboot\nBUSYBOX=y\nCOMPRESS=gzip\nDEVICE=\nNFSROOT=auto\nRUNSIZE=10%%\nFSTYPE=auto\n' \
        >"$C/initramfs.conf"
    printf 'virtio_pci\nvirtio_net\n' >"$C/modules"
    in_overlay mkinitramfs -d "$C" -o "$T/live/initrd.img-$kver" "$kver" >"$W/mkinitramfs.log" 2>&1 ||
        { tail -n 30 "$W/mkinitramfs.log" >&2; die "mkinitramfs failed"; }
    volid=PXE_DLIVE
    name=debian-live
else
    T=$W/tree
    mkdir -p "$T/images/pxeboot" "$T/LiveOS"
    mksquashfs "$S" "$T/LiveOS/squashfs.img" -noappend -all-root -quiet >/dev/null
    cp "$X/boot/vmlinuz-$kver" "$T/images/pxeboot/vmlinuz"
    # --no-hostonly: a generic image, as Fedora's live initramfs; only the
    # modules the live and network roots need.
    in_overlay dracut --no-hostonly --no-hostonly-cmdline --force --kver "$kver" \
        --modules "base dmsquash-live livenet nfs nbd network-legacy kernel-network-modules" \
        --omit "systemd systemd-initrd dracut-systemd plymouth i18n" \
        --add-drivers "virtio_pci virtio_net squashfs overlay loop iso9660 nbd nfsv3" \
        --no-compress "$T/images/pxeboot/initrd.img" >"$W/dracut.log" 2>&1 ||
        { tail -n 30 "$W/dracut.log" >&2; die "dracut failed"; }
    gzip -6 <"$T/images/pxeboot/initrd.img" >"$W/initrd.gz"
    mv "$W/initrd.gz" "$T/images/pxeboot/initrd.img"
    volid=PXE_DRACUT
    name=dracut-live
fi

xorriso -as mkisofs -R -J -V "$volid" -o "$W/$name.iso" "$T" 2>"$W/xorriso.log" ||
    { cat "$W/xorriso.log" >&2; die "xorriso failed"; }
mkdir -p "$OUT/loaders"
cp "$X"/usr/lib/ipxe/{snponly.efi,ipxe.efi,undionly.kpxe} "$OUT/loaders/"
rm -rf "${OUT:?}/$name" "$OUT/$name.iso"
mv "$T" "$OUT/$name"
mv "$W/$name.iso" "$OUT/$name.iso"
rm -rf "$W"
cat >"$ENV" <<EOF
LIVE_KEY=$key
LIVE_TREE=$OUT/$name
LIVE_ISO=$OUT/$name.iso
LIVE_VOLID=$volid
LIVE_LOADERS=$OUT/loaders
LIVE_KVER=$kver
LIVE_ID=$token
LIVE_CLIENT_VERSIONS=$client_versions
EOF
echo "build-live-image: done: $OUT/$name, $OUT/$name.iso ($client_versions)"
