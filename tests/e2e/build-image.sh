#!/bin/bash
# SPDX-License-Identifier: MIT
# Builds the end-to-end test images from Debian packages and the real Arch boot
# client, and caches them (once per cache: every e2e test shares them).
#
# Usage: build-image.sh [CACHE_DIR]   (default $PXE_E2E_CACHE or tests/e2e/cache)
# The initramfs runs the REAL mkinitcpio init and archiso hooks from
# ${PXE_CLIENTS_DIR:-<repo>/../shared/clients}/archiso (build-archiso-initramfs.sh;
# E2E_CLIENT=real). Where that folder is absent (a user's clone), it is an
# imitation of the hooks (imitation-init.sh; E2E_CLIENT=imitation) that only
# demo.sh and bench/boot use: every archiso test skips then, saying why.
# Output, under CACHE_DIR, two images laid out as mkarchiso lays them out:
#   image-uuid/, archiso-uuid.iso    a current ISO: volume label, boot/<uuid>.uuid
#                                    (<uuid> = the ISO's modification date, what
#                                    blkid reports), airootfs.sha512 and
#                                    airootfs.sfs.cms.sig (signed here)
#   image-label/, archiso-label.iso  an older ISO: volume label only,
#                                    airootfs.sha512, no .uuid, no signature
#   each tree: arch/boot/x86_64/{vmlinuz-linux,initramfs-linux.img} (Debian cloud
#   kernel), arch/x86_64/airootfs.sfs (static busybox, /sbin/init =
#   rootfs-init.sh, a random token), boot/syslinux/ (pxelinux, reference menus)
#   loaders/    iPXE binaries (snponly.efi, ipxe.efi, undionly.kpxe)
#   image.env   shell variables (see the end of this script)
# The build is skipped when image.env matches this script's inputs.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${1:-${PXE_E2E_CACHE:-$HERE/cache}}
ROOTFS_MB=${PXE_E2E_ROOTFS_MB:-8}
CLIENTS=${PXE_CLIENTS_DIR:-$HERE/../../../shared/clients}
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)

die() { echo "build-image: $*" >&2; exit 1; }
for t in apt-get apt-cache dpkg cpio gzip depmod mksquashfs xorriso ldd sha512sum openssl; do
    command -v "$t" >/dev/null || die "missing $t (run scripts/install-deps.sh)"
done
client=imitation
if [ -f "$CLIENTS/archiso/mkinitcpio/init" ] && [ -f "$CLIENTS/archiso/archiso/hooks/archiso" ]; then
    client=real
    CLIENTS=$(cd "$CLIENTS" && pwd)
fi

# One builder at a time (ctest may start several e2e tests).
exec 9>"$CACHE/.lock"
flock -w 900 9 || die "timed out waiting for $CACHE/.lock"

kpkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
    awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[ -n "$kpkg" ] || die "cannot resolve linux-image-cloud-amd64 (run apt-get update)"
inputs=("$0" "$HERE/build-archiso-initramfs.sh" "$HERE/rootfs-init.sh" "$HERE/imitation-init.sh"
    "$HERE/imitation-udhcpc.sh" "$HERE/archiso_pxe.cfg")
[ "$client" = imitation ] || inputs+=("$CLIENTS"/archiso/VERSIONS "$CLIENTS"/archiso/*/hooks/*
    "$CLIENTS"/archiso/mkinitcpio/init* "$CLIENTS"/archiso/archiso_pxe-linux.cfg.releng)
key=$(cat "${inputs[@]}" | sha256sum | cut -c1-16)
key="$key-$kpkg-$ROOTFS_MB-$client"
if [ -f "$CACHE/image.env" ] && grep -qx "E2E_KEY=$key" "$CACHE/image.env" &&
    [ -f "$CACHE/archiso-label.iso" ]; then
    echo "build-image: cached image in $CACHE ($key)"
    exit 0
fi
echo "build-image: building in $CACHE ($key), client: $client"

pkgs="$kpkg busybox-static pxelinux syslinux-common ipxe"
[ "$client" = real ] || pkgs="$pkgs nbd-client klibc-utils libklibc"
mkdir -p "$CACHE/debs"
(cd "$CACHE/debs" && apt-get download $pkgs >/dev/null 2>"$CACHE/apt-download.log") ||
    { cat "$CACHE/apt-download.log" >&2; die "apt-get download failed"; }

W=$CACHE/work
rm -rf "$W" "$CACHE"/image* "$CACHE/loaders" "$CACHE"/archiso*.iso "$CACHE/image.env"
mkdir -p "$W/x"
for p in $pkgs; do
    deb=$(ls -t "$CACHE"/debs/"${p}"_*.deb | head -n1)
    dpkg -x "$deb" "$W/x"
done
X=$W/x
kver=${kpkg#linux-image-}
depmod -b "$X" "$kver"

# --- root filesystem: static busybox, /sbin/init printing the marker ----------
token=$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
S=$W/airootfs
mkdir -p "$S"/{bin,sbin,etc,proc,sys,dev,run,tmp}
install -m755 "$X/bin/busybox" "$S/bin/busybox"
ln -s busybox "$S/bin/sh"
install -m755 "$HERE/rootfs-init.sh" "$S/sbin/init"
echo "$token" >"$S/etc/pxecore-e2e-token"
echo "$token" >"$S/pxecore-e2e-id" # what the imitation initramfs reads
head -c "$((ROOTFS_MB * 1024 * 1024))" /dev/urandom >"$S/payload.bin"
T=$W/common
mkdir -p "$T/arch/boot/x86_64" "$T/arch/x86_64" "$T/boot/syslinux" "$T/boot/ipxe"
mksquashfs "$S" "$T/arch/x86_64/airootfs.sfs" -noappend -all-root -quiet >/dev/null
(cd "$T/arch/x86_64" && sha512sum airootfs.sfs >airootfs.sha512)
rootsum=$(cut -d' ' -f1 "$T/arch/x86_64/airootfs.sha512")
cp "$X/boot/vmlinuz-$kver" "$T/arch/boot/x86_64/vmlinuz-linux"
echo "$kver e2e $token" >"$T/arch/version"

# A code-signing certificate as mkarchiso's --cert-list makes one sign with
# (openssl cms; archiso's _verify_cms_signature needs emailProtection too).
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=pxecore e2e codesign" \
    -addext "keyUsage=digitalSignature" -addext "extendedKeyUsage=codeSigning,emailProtection" \
    -keyout "$W/codesign.key" -out "$W/codesign.crt" 2>"$W/openssl.log" ||
    { cat "$W/openssl.log" >&2; die "openssl req failed"; }

# --- initramfs ---------------------------------------------------------------
if [ "$client" = real ]; then
    bash "$HERE/build-archiso-initramfs.sh" "$CLIENTS/archiso" "$X" "$kver" \
        "$T/arch/boot/x86_64/initramfs-linux.img" "$W/codesign.crt"
    client_versions=$(grep -v '^#' "$CLIENTS/archiso/VERSIONS" | awk 'NF {printf "%s%s@%.12s", s, $1, $2; s=","}')
else
    R=$W/initramfs
    mkdir -p "$R"/{bin,sbin,etc,lib,lib64,proc,sys,dev,run,tmp,usr/lib/klibc/bin}
    install -m755 "$X/bin/busybox" "$R/bin/busybox"
    ln -s busybox "$R/bin/sh"
    install -m755 "$HERE/imitation-init.sh" "$R/init"
    install -m755 "$HERE/imitation-udhcpc.sh" "$R/etc/udhcpc.script"
    install -m755 "$X/sbin/nbd-client" "$R/sbin/nbd-client"
    for lib in $(ldd "$X/sbin/nbd-client" | awk '/=>/ {print $3}'); do cp -L "$lib" "$R/lib/"; done
    cp -L /lib64/ld-linux-x86-64.so.2 "$R/lib64/"
    mkdir -p "$R/lib/x86_64-linux-gnu"
    mv "$R"/lib/*.so* "$R/lib/x86_64-linux-gnu/"
    install -m755 "$X/usr/lib/klibc/bin/nfsmount" "$R/usr/lib/klibc/bin/nfsmount"
    ln -s ../usr/lib/klibc/bin/nfsmount "$R/sbin/nfsmount"
    cp "$X"/lib/klibc-*.so "$R/lib/"
    for m in virtio_pci virtio_net loop squashfs isofs nbd nfsv3; do
        modprobe -d "$X" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
    done | sort -u | while read -r ko; do
        rel=${ko#"$X"/}
        mkdir -p "$R/$(dirname "$rel")"
        cp "$ko" "$R/$rel"
    done
    cp "$X/lib/modules/$kver"/modules.{order,builtin,builtin.modinfo} "$R/lib/modules/$kver/"
    depmod -b "$R" "$kver"
    echo "$rootsum  airootfs.sfs" >"$R/etc/airootfs.sha512"
    echo "$token" >"$R/etc/pxecore-e2e-id"
    (cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -6) \
        >"$T/arch/boot/x86_64/initramfs-linux.img"
    client_versions=imitation
fi

# --- boot loaders and the reference stack's menus -----------------------------
cp "$X"/usr/lib/PXELINUX/{lpxelinux.0,pxelinux.0} "$T/boot/syslinux/"
for c in ldlinux libcom32 libutil menu vesamenu; do
    cp "$X/usr/lib/syslinux/modules/bios/$c.c32" "$T/boot/syslinux/"
done
mkdir -p "$CACHE/loaders"
cp "$X"/usr/lib/ipxe/{snponly.efi,ipxe.efi,undionly.kpxe} "$CACHE/loaders/"

# ref_menus TREE UUID: archiso_pxe_{http,nbd,nfs}.cfg for dnsmasq's option 209.
# With the real client: Arch's own releng PXE entries, its placeholders filled
# in as mkarchiso does, plus console=ttyS0 (the marker is read on the serial
# port). Otherwise tests/e2e/archiso_pxe.cfg.
ref_menus() {
    local tree=$1 uuid=$2 m
    if [ "$client" = real ]; then
        {
            echo "# Arch's archiso_pxe-linux.cfg (releng) for the e2e image; console=ttyS0 added."
            sed -e 's/%INSTALL_DIR%/arch/g' -e 's/%ARCH%/x86_64/g' -e "s/%ARCHISO_UUID%/$uuid/g" \
                -e 's/^\(APPEND .*\)$/\1 console=ttyS0/' "$CLIENTS/archiso/archiso_pxe-linux.cfg.releng"
        } >"$tree/boot/syslinux/archiso_pxe-linux.cfg"
        for m in http nbd nfs; do
            {
                printf 'SERIAL 0 115200\nPROMPT 0\nTIMEOUT 0\nDEFAULT arch_%s\n' "$m"
                cat "$tree/boot/syslinux/archiso_pxe-linux.cfg"
            } >"$tree/boot/syslinux/archiso_pxe_$m.cfg"
        done
    else
        for m in http nbd nfs; do
            sed "s/^DEFAULT .*/DEFAULT arch_$m/" "$HERE/archiso_pxe.cfg" >"$tree/boot/syslinux/archiso_pxe_$m.cfg"
        done
    fi
    # The reference stack's UEFI path: iPXE script with Arch's HTTP parameters.
    cat >"$tree/boot/ipxe/reference.ipxe" <<'EOF'
#!ipxe
# Reference stack (busybox httpd serving the image tree): Arch's HTTP entry.
kernel http://${next-server}/arch/boot/x86_64/vmlinuz-linux initrd=initramfs-linux.img archisobasedir=arch archiso_http_srv=http://${next-server}/ ip=dhcp BOOTIF=01-${netX/mac:hexhyp} console=ttyS0 @VERIFY@
initrd http://${next-server}/arch/boot/x86_64/initramfs-linux.img
boot
EOF
    if [ -n "$uuid" ]; then m=cms_verify=y; else m=checksum=y; fi
    sed -i "s/@VERIFY@/$m/" "$tree/boot/ipxe/reference.ipxe"
}

# --- the two layouts and their ISO files ---------------------------------------
date=$(date -u +%Y%m%d%H%M%S)
uuid="${date:0:4}-${date:4:2}-${date:6:2}-${date:8:2}-${date:10:2}-${date:12:2}-00"
U=$W/image-uuid L=$W/image-label
cp -a "$T" "$U"
cp -a "$T" "$L"
: >"$U/boot/$uuid.uuid"
openssl cms -sign -binary -noattr -in "$U/arch/x86_64/airootfs.sfs" -signer "$W/codesign.crt" \
    -inkey "$W/codesign.key" -outform DER -out "$U/arch/x86_64/airootfs.sfs.cms.sig" ||
    die "openssl cms -sign failed"
ref_menus "$U" "$uuid"
ref_menus "$L" ""
# An older ISO names its label in its own boot menu (pxecore reads it from there).
printf 'LABEL arch\n  APPEND archisobasedir=arch archisolabel=ARCH_E2EL\n' >"$L/boot/syslinux/archiso_sys.cfg"
xorriso -as mkisofs -R -J -V ARCH_E2EU --modification-date="${date}00" \
    -o "$W/archiso-uuid.iso" "$U" 2>"$W/xorriso.log" || { cat "$W/xorriso.log" >&2; die "xorriso failed"; }
xorriso -as mkisofs -R -J -V ARCH_E2EL -o "$W/archiso-label.iso" "$L" 2>"$W/xorriso.log" ||
    { cat "$W/xorriso.log" >&2; die "xorriso failed"; }

mv "$U" "$L" "$W"/archiso-*.iso "$CACHE/"
cp "$W/codesign.crt" "$CACHE/codesign.crt"
rm -rf "$W"
cat >"$CACHE/image.env" <<EOF
E2E_KEY=$key
E2E_CLIENT=$client
E2E_CLIENT_VERSIONS=$client_versions
E2E_IMAGE_uuid=$CACHE/image-uuid
E2E_ISO_uuid=$CACHE/archiso-uuid.iso
E2E_VOLID_uuid=ARCH_E2EU
E2E_UUID=$uuid
E2E_IMAGE_label=$CACHE/image-label
E2E_ISO_label=$CACHE/archiso-label.iso
E2E_VOLID_label=ARCH_E2EL
E2E_LOADERS=$CACHE/loaders
E2E_KVER=$kver
E2E_ROOTFS_SHA512=$rootsum
E2E_ID=$token
EOF
echo "build-image: done: $CACHE/image-{uuid,label}, $CACHE/archiso-{uuid,label}.iso ($client client)"
