#!/bin/bash
# SPDX-License-Identifier: MIT
# The live kinds of issue 18 through the daemon, with no option beyond --image:
# a live-build tree (live/vmlinuz-*, live/initrd.img-*, live/filesystem.squashfs)
# is a debian-live image and a Fedora-style tree (images/pxeboot/,
# LiveOS/squashfs.img) a dracut-live image, each offered over HTTP in the iPXE,
# pxelinux and GRUB menus with the distribution's parameters; a live tree
# without its squashfs gets one line naming what is missing, and no entry.
. "$PXECORE_SRC/tests/integration/lib.sh"
need curl
use_plugins http

L=$T/dlive F=$T/fedora H=$T/half
mkdir -p "$L/live" "$F/images/pxeboot" "$F/LiveOS" "$H/live"
for f in "$L/live/vmlinuz-6.1.0-18-amd64" "$L/live/initrd.img-6.1.0-18-amd64" \
    "$L/live/filesystem.squashfs" "$F/images/pxeboot/vmlinuz" "$F/images/pxeboot/initrd.img" \
    "$F/LiveOS/squashfs.img" "$H/live/vmlinuz" "$H/live/initrd.img"; do
    echo x >"$f"
done
HP=$(free_port)
start_pxecore --image "dlive=$L" --image "fedora=$F" --image "half=$H" \
    --set http.address=127.0.0.1 --set "http.port=$HP" --set menu.console=ttyS0
grep -q "image 'dlive': directory $L, kind debian-live (Debian live), kernel live/vmlinuz-6.1.0-18-amd64" \
    "$T/pxecore.log" || fail "the live-build tree was not recognised"
grep -q "image 'fedora': directory $F, kind dracut-live (dracut live), kernel images/pxeboot/vmlinuz" \
    "$T/pxecore.log" || fail "the Fedora-style tree was not recognised"
[ "$(grep -c "warning: image 'half'" "$T/pxecore.log")" = 1 ] &&
    grep -q "image 'half' ($H): no image kind recognised it, served as files only: .*debian-live (debian-live.json) found live/vmlinuz but not live/filesystem.squashfs; data kinds: " \
        "$T/pxecore.log" || fail "not one line naming the half tree's missing squashfs: $(grep "image 'half'" "$T/pxecore.log")"

curl -fsS "http://127.0.0.1:$HP/boot.ipxe" >"$T/ipxe" || fail "boot.ipxe"
curl -fsS "http://127.0.0.1:$HP/pxelinux.cfg/default" >"$T/pxe" || fail "pxelinux.cfg/default"
curl -fsS "http://127.0.0.1:$HP/grub/grub.cfg" >"$T/grub" || fail "grub.cfg"
u="http://127.0.0.1:$HP/images"
for f in "$T/ipxe" "$T/pxe" "$T/grub"; do
    grep -q "fetch=$u/dlive/live/filesystem.squashfs boot=live console=ttyS0" "$f" ||
        fail "$(basename "$f"): no Debian live HTTP line: $(cat "$f")"
    grep -q "root=live:$u/fedora/LiveOS/squashfs.img ip=dhcp rd.live.overlay.overlayfs=1 console=ttyS0" "$f" ||
        fail "$(basename "$f"): no dracut live HTTP line: $(cat "$f")"
    ! grep -q "/half/" "$f" || fail "$(basename "$f"): an entry for the half tree"
done
grep -qx "item dlive-http Debian live (HTTP) \[dlive\]" "$T/ipxe" || fail "ipxe title: $(cat "$T/ipxe")"
grep -qx "item fedora-http dracut live (HTTP) \[fedora\]" "$T/ipxe" || fail "ipxe title: $(cat "$T/ipxe")"
stop_pxecore || fail "stop"
echo "live kinds: debian-live and dracut-live trees recognised and offered; a half tree reported once"
