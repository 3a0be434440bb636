#!/bin/busybox sh
# SPDX-License-Identifier: MIT
# /sbin/init inside the e2e image's airootfs.sfs (static busybox beside it).
# It runs only after the initramfs's hooks switched root into the squashfs, so
# its marker proves that the real boot path ran. Contract with lib-e2e.sh, on
# the serial console, then the machine powers off:
#   PXECORE-E2E-OK method=<http|nbd|nfs> id=<token> root=<how / is mounted>
#       bootmnt=<fstype|none> nbd0=<connected|no> t_root=<uptime> END
#   PXECORE-E2E-FAIL method=<m> reason=<text> END
# The token exists only in this squashfs (never in the initramfs); OK is
# printed only when this is PID 1 and / is the overlay whose lower dir is
# /run/archiso/airootfs (hooks/archiso: _mnt_overlayfs).
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
    archiso_http_srv=*) method=http ;;
    archiso_nbd_srv=*) method=nbd ;;
    archiso_nfs_srv=*) method=nfs ;;
    esac
done
[ "$$" = 1 ] || fail "init is not PID 1 (pid $$)"
root=$($bb awk '$2 == "/" { r = $1 ":" $3 ":" $4 } END { print r }' /proc/mounts)
case "$root" in
airootfs:overlay:*lowerdir=/run/archiso/airootfs,*) ;;
*) fail "/ is not archiso's overlay over /run/archiso/airootfs: $root" ;;
esac
token=$($bb cat /etc/pxecore-e2e-token) || fail "no token in the root filesystem"
bootmnt=$($bb awk '$2 == "/run/archiso/bootmnt" { t = $3 } END { print t ? t : "none" }' /proc/mounts)
nbd0=no
[ -s /sys/block/nbd0/pid ] && nbd0=connected
up=$($bb cut -d' ' -f1 /proc/uptime)
echo "PXECORE-E2E-OK method=$method id=$token root=overlay bootmnt=$bootmnt nbd0=$nbd0 t_root=$up END"
$bb sync
$bb poweroff -f
$bb sleep 30
