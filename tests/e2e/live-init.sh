#!/bin/busybox sh
# SPDX-License-Identifier: MIT
# /sbin/init inside the live test images' squashfs (static busybox beside it),
# for both Debian's live-boot and dracut's dmsquash-live. It runs only after
# the distribution's initramfs switched root into the squashfs, so its marker
# proves that the real boot path ran. Contract with boot-live.sh, on the
# serial console, then the machine powers off:
#   PXECORE-E2E-OK method=<http|nfs|nbd> id=<token> client=<live-boot|dracut>
#       root=overlay medium=<fstype|none> nbd0=<connected|no> t_root=<uptime> END
#   PXECORE-E2E-FAIL method=<m> reason=<text> END
# OK only when this is PID 1 and / is the overlay whose lower layer is the
# squashfs: live-boot's /run/live/rootfs/filesystem.squashfs (9990-overlay.sh)
# or dracut's /run/rootfsbase (dmsquash-live-root.sh, overlayfs mode). The
# token exists only in this squashfs, never in an initramfs.
bb=/bin/busybox
method=none
fail() {
    echo "PXECORE-E2E-FAIL method=$method reason=$* END"
    $bb sync
    $bb poweroff -f
    $bb sleep 30
}
[ -r /proc/cmdline ] || $bb mount -t proc proc /proc
for w in $($bb cat /proc/cmdline); do
    case "$w" in
    fetch=http*|root=live:http*) method=http ;;
    netboot=nfs|root=live:nfs*|root=nfs*|netroot=nfs*) method=nfs ;;
    root=live:nbd*|netroot=nbd*|root=nbd*) method=nbd ;;
    esac
done
[ "$$" = 1 ] || fail "init is not PID 1 (pid $$)"
root=$($bb awk '$2 == "/" { r = $1 ":" $3 ":" $4 } END { print r }' /proc/mounts)
case "$root" in
*:overlay:*lowerdir=/run/live/rootfs/filesystem.squashfs*)
    client=live-boot
    medium=$($bb awk '$2 == "/run/live/medium" { t = $3 } END { print t ? t : "none" }' /proc/mounts)
    ;;
*:overlay:*lowerdir=/run/rootfsbase*)
    client=dracut
    medium=$($bb awk '$2 == "/run/initramfs/live" { t = $3 } END { print t ? t : "none" }' /proc/mounts)
    ;;
*) fail "/ is not an overlay over the live squashfs: $root" ;;
esac
token=$($bb cat /etc/pxecore-e2e-token) || fail "no token in the root filesystem"
nbd0=no
[ -s /sys/block/nbd0/pid ] && nbd0=connected
up=$($bb cut -d' ' -f1 /proc/uptime)
echo "PXECORE-E2E-OK method=$method id=$token client=$client root=overlay medium=$medium nbd0=$nbd0 t_root=$up END"
$bb sync
$bb poweroff -f
$bb sleep 30
