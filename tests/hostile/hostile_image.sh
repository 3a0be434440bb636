#!/bin/bash
# SPDX-License-Identifier: MIT
# A hostile image: file names inside an image (a downloaded ISO, an rsync'd
# tree) are not trusted.  A kernel named to break out of a menu line (';', a
# blank, '$' expanded by iPXE and GRUB) is refused by the core when the image
# kind reports it (core/kinds.c adopt, core/menu_text.c), the log says why,
# and no menu names it; a clean image beside it is still offered.
. "$PXECORE_SRC/tests/integration/lib.sh"
need curl
use_plugins http

mk_arch() { # DIR KERNEL-SUFFIX
    mkdir -p "$1/arch/boot/x86_64" "$1/arch/x86_64"
    echo k >"$1/arch/boot/x86_64/vmlinuz-$2"
    echo i >"$1/arch/boot/x86_64/initramfs-$2.img"
    echo r >"$1/arch/x86_64/airootfs.sfs"
}
mk_arch "$T/semi" 'x;shell'
mk_arch "$T/blank" 'x chain evil'
mk_arch "$T/dollar" 'x${ip}'
mk_arch "$T/good" linux
HP=$(free_port)
start_pxecore --image "semi=$T/semi" --image "blank=$T/blank" --image "dollar=$T/dollar" \
    --image "good=$T/good" --set http.address=127.0.0.1 --set "http.port=$HP"
for i in semi blank dollar; do
    grep -q "image '$i': kind_probe gave a kernel path unfit for menus" "$T/pxecore.log" ||
        fail "$i: no refusal in the log"
done
curl -fsS "http://127.0.0.1:$HP/boot.ipxe" >"$T/ipxe" || fail "boot.ipxe"
curl -fsS "http://127.0.0.1:$HP/grub/grub.cfg" >"$T/grub" || fail "grub.cfg"
curl -fsS "http://127.0.0.1:$HP/pxelinux.cfg/default" >"$T/pxe" || fail "pxelinux.cfg/default"
for f in ipxe grub pxe; do
    ! grep -qE 'shell|evil|\$\{ip' "$T/$f" || fail "$f names a hostile kernel: $(cat "$T/$f")"
    grep -q "images/good/arch/boot/x86_64/vmlinuz-linux" "$T/$f" || fail "$f lost the good image"
done
stop_pxecore || fail "stop"
echo "hostile image: 3 kernels named to break menus refused, the clean image still offered"
