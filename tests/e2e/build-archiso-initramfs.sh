#!/bin/bash
# SPDX-License-Identifier: MIT
# Builds an initramfs that runs the REAL Arch boot client: mkinitcpio's `init`
# and `init_functions` and archiso's hooks, read unmodified from
# ${PXE_CLIENTS_DIR}/archiso (test data, never copied into this repository),
# with Debian 12 binaries. What a Debian-built initramfs needs to run them is
# in that folder's README; this script does exactly that and changes no hook.
#
# Usage: build-archiso-initramfs.sh CLIENT_DIR MODROOT KVER OUT [CODESIGN_CRT]
#   CLIENT_DIR    ${PXE_CLIENTS_DIR}/archiso (mkinitcpio/, archiso/)
#   MODROOT       a tree with lib/modules/KVER (dpkg -x of the kernel package)
#   OUT           the gzip'd newc cpio to write
#   CODESIGN_CRT  installed as /codesign.crt (what cms_verify=y checks against)
# Binaries come from the host, installed there by Debian packages
# (scripts/install-deps.sh): busybox (the dynamic build: it runs PATH lookups
# like Arch's, see the README), kmod, util-linux, mount, dmsetup, openssl,
# curl, nbd-client, klibc-utils (ipconfig, nfsmount), coreutils (install).
set -euo pipefail
CL=$1 MODROOT=$2 KVER=$3 OUT=$4 CRT=${5:-}
die() { echo "build-archiso-initramfs: $*" >&2; exit 1; }
[ -f "$CL/mkinitcpio/init" ] && [ -f "$CL/archiso/hooks/archiso" ] || die "no client code in $CL"

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
R=$W/root
# Arch's merged /usr: everything in /usr/bin (mkinitcpio's init sets PATH to it).
mkdir -p "$R"/usr/{bin,lib/x86_64-linux-gnu,lib64} "$R"/{dev,proc,sys,run,tmp,etc,new_root,hooks}
ln -s usr/bin "$R/bin"
ln -s usr/bin "$R/sbin"
ln -s bin "$R/usr/sbin"
ln -s usr/lib "$R/lib"
ln -s usr/lib64 "$R/lib64"

# add_bin PATH [NAME]: a host binary into /usr/bin with the libraries it needs.
add_bin() {
    local src name=${2:-$(basename "$1")} lib
    src=$(command -v "$1") || die "missing $1 on the host (scripts/install-deps.sh)"
    src=$(readlink -f "$src")
    install -m755 "$src" "$R/usr/bin/$name"
    ldd "$src" 2>/dev/null | grep -q 'not found' && die "$src: libraries missing"
    for lib in $(ldd "$src" 2>/dev/null | awk '/=> \// {print $3}'); do
        [ -e "$R/usr/lib/x86_64-linux-gnu/$(basename "$lib")" ] ||
            cp -L "$lib" "$R/usr/lib/x86_64-linux-gnu/"
    done
}

# busybox and its applets first (install/base), real tools over them after.
add_bin busybox
for a in $("$R/usr/bin/busybox" --list); do
    [ -e "$R/usr/bin/$a" ] || ln -s busybox "$R/usr/bin/$a"
done
add_bin kmod
for a in depmod insmod rmmod lsmod modprobe modinfo; do ln -sf kmod "$R/usr/bin/$a"; done
for b in blkid mount umount switch_root blockdev losetup lsblk mountpoint dmsetup \
    openssl curl nbd-client install; do
    rm -f "$R/usr/bin/$b"
    add_bin "$b"
done
cp -L /lib64/ld-linux-x86-64.so.2 "$R/usr/lib64/"
# klibc: nfsmount as it is; ipconfig behind a wrapper (below). Their
# interpreter is /lib/klibc-<hash>.so.
for k in ipconfig nfsmount; do
    [ -x "/usr/lib/klibc/bin/$k" ] || die "missing /usr/lib/klibc/bin/$k (apt-get install klibc-utils)"
done
mkdir -p "$R/usr/lib/klibc/bin"
cp /usr/lib/klibc/bin/ipconfig "$R/usr/lib/klibc/bin/"
rm -f "$R/usr/bin/nfsmount" "$R/usr/bin/ipconfig"
cp /usr/lib/klibc/bin/nfsmount "$R/usr/bin/"
cp -L /usr/lib/klibc-*.so "$R/usr/lib/"
# Arch's ipconfig (mkinitcpio-nfs-utils) writes /tmp/net-<dev>.conf, which
# archiso_pxe_common sources; Debian's klibc ipconfig writes /run/net-<dev>.conf.
cat >"$R/usr/bin/ipconfig" <<'EOF'
#!/usr/bin/ash
# klibc ipconfig, then its /run/net-*.conf where Arch's ipconfig leaves them (/tmp).
/usr/lib/klibc/bin/ipconfig "$@" || exit
for f in /run/net-*.conf; do [ -e "$f" ] && cp "$f" /tmp/; done
exit 0
EOF
chmod 755 "$R/usr/bin/ipconfig"

# mkinitcpio's init, its functions and archiso's hooks, byte for byte.
install -m755 "$CL/mkinitcpio/init" "$R/init"
install -m644 "$CL/mkinitcpio/init_functions" "$R/init_functions"
# Arch's releng profile order (mkinitcpio.conf.d/archiso.conf).
hooks="archiso archiso_loop_mnt archiso_pxe_common archiso_pxe_nbd archiso_pxe_http archiso_pxe_nfs"
early="" run="" late="" cleanup="" emergency=""
for h in $hooks; do
    install -m755 "$CL/archiso/hooks/$h" "$R/hooks/$h"
    grep -q '^run_earlyhook()' "$R/hooks/$h" && early="$early $h"
    grep -q '^run_hook()' "$R/hooks/$h" && run="$run $h"
    grep -q '^run_latehook()' "$R/hooks/$h" && late="$late $h"
    grep -q '^run_cleanuphook()' "$R/hooks/$h" && cleanup="$cleanup $h"
    grep -q '^run_emergencyhook()' "$R/hooks/$h" && emergency="$emergency $h"
done
# No udev hook: MODULES names the NIC driver and what the hooks mount.
mods="virtio_pci virtio_net loop squashfs overlay isofs nbd nfsv3"
cat >"$R/config" <<EOF
MODULES="$mods"
EARLYHOOKS="${early# }"
HOOKS="${run# }"
LATEHOOKS="${late# }"
CLEANUPHOOKS="${cleanup# }"
EMERGENCYHOOKS="${emergency# }"
EOF
[ -z "$CRT" ] || install -m644 "$CRT" "$R/codesign.crt"

# Kernel modules with their dependencies (modprobe --show-depends, depmod -b).
for m in $mods; do
    modprobe -d "$MODROOT" -S "$KVER" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
done | sort -u | while read -r ko; do
    rel=${ko#"$MODROOT"/}
    rel=${rel#usr/}
    mkdir -p "$R/usr/$(dirname "$rel")"
    cp "$ko" "$R/usr/$rel"
done
for f in modules.order modules.builtin modules.builtin.modinfo; do
    cp "$MODROOT/lib/modules/$KVER/$f" "$R/usr/lib/modules/$KVER/"
done
depmod -b "$R" "$KVER"

(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -6) >"$OUT"
