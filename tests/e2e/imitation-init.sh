#!/bin/sh
# SPDX-License-Identifier: MIT
# /init of the IMITATION initramfs: used only where the real Arch client code
# (${PXE_CLIENTS_DIR}/archiso) is absent, by demo.sh and bench/boot; no test uses it.
#
# Behaves like archiso's PXE hooks (archiso_pxe_common + _http/_nbd/_nfs):
# brings up the NIC with DHCP (or the static ip= from PXELINUX SYSAPPEND 1),
# reads archiso_http_srv= / archiso_nbd_srv= (+archiso_nbd_name=) /
# archiso_nfs_srv= (+archiso_nfs_opt=) and archisobasedir= from the kernel
# command line, fetches or attaches the root filesystem that way, checks its
# sha512 against the one baked into this initramfs (and against the
# airootfs.sha512 the server ships), mounts it and reads the image id inside.
# Contract with the harness (tests/e2e/lib-e2e.sh), on the serial console:
#   PXECORE-E2E-OK method=<http|nbd|nfs> id=<id> ... END   success
#   PXECORE-E2E-FAIL method=<m> reason=<text> END           failure
# (END tells the harness the line is complete)
# then the machine powers off at once.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev /run /tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs -o size=90% tmpfs /run
dmesg -n 1

method=none
up() { cut -d' ' -f1 /proc/uptime; }
say() { echo "PXECORE-E2E: t=$(up) $*"; }
fail() {
    echo "PXECORE-E2E-FAIL method=$method reason=$* END"
    sync
    poweroff -f
    sleep 30
}

t_init=$(up)
say "init started"

basedir=arch
http_srv="" nbd_srv="" nbd_name=archiso nfs_srv="" nfs_opt="" ipcfg="" bootif=""
for w in $(cat /proc/cmdline); do
    case "$w" in
    archisobasedir=*) basedir=${w#*=} ;;
    archiso_http_srv=*) http_srv=${w#*=} ;;
    archiso_nbd_srv=*) nbd_srv=${w#*=} ;;
    archiso_nbd_name=*) nbd_name=${w#*=} ;;
    archiso_nfs_srv=*) nfs_srv=${w#*=} ;;
    archiso_nfs_opt=*) nfs_opt=${w#*=} ;;
    ip=*) ipcfg=${w#*=} ;;
    BOOTIF=*) bootif=${w#*=} ;;
    esac
done
if [ -n "$http_srv" ]; then method=http
elif [ -n "$nbd_srv" ]; then method=nbd
elif [ -n "$nfs_srv" ]; then method=nfs
else fail "no archiso_http_srv/archiso_nbd_srv/archiso_nfs_srv on the command line"
fi
say "cmdline: $(cat /proc/cmdline)"

for m in virtio_pci virtio_net loop squashfs isofs; do
    modprobe "$m" || fail "modprobe $m"
done
case $method in
nbd) modprobe nbd || fail "modprobe nbd" ;;
nfs) modprobe nfsv3 || fail "modprobe nfsv3" ;;
esac

# The interface: BOOTIF=01-aa-bb-.. (PXELINUX SYSAPPEND 2) or the first NIC.
want_mac=""
if [ -n "$bootif" ]; then
    want_mac=$(echo "${bootif#01-}" | tr 'A-F-' 'a-f:')
fi
ifname=""
i=0
while [ -z "$ifname" ] && [ $i -lt 50 ]; do
    for d in /sys/class/net/*; do
        n=${d##*/}
        [ "$n" = lo ] && continue
        if [ -z "$want_mac" ] || [ "$(cat "$d/address")" = "$want_mac" ]; then
            ifname=$n
            break
        fi
    done
    [ -n "$ifname" ] || { sleep 0.1; i=$((i + 1)); }
done
[ -n "$ifname" ] || fail "no network interface (BOOTIF=$bootif)"
ip link set lo up
ip link set "$ifname" up
# Like ipconfig, wait (at most 5 s) for the carrier before the first packet.
i=0
while [ "$(cat "/sys/class/net/$ifname/carrier" 2>/dev/null)" != 1 ] && [ $i -lt 50 ]; do
    sleep 0.1
    i=$((i + 1))
done
t_mod=$(up)
say "modules loaded, $ifname up"

# ip=<client>:<server>:<gw>:<mask> (SYSAPPEND 1) is used as is; otherwise DHCP.
pxeserver=""
client_ip=$(echo "$ipcfg" | cut -d: -f1)
case "$client_ip" in
[0-9]*.[0-9]*.[0-9]*.[0-9]*)
    pxeserver=$(echo "$ipcfg" | cut -d: -f2)
    mask=$(echo "$ipcfg" | cut -d: -f4)
    prefix=$(ipcalc -p "$client_ip" "$mask" | cut -d= -f2)
    ip addr add "$client_ip/${prefix:-24}" dev "$ifname" || fail "ip addr add"
    say "static ip=$client_ip/$prefix pxeserver=$pxeserver"
    ;;
*)
    udhcpc -i "$ifname" -n -q -f -t 8 -T 2 -s /etc/udhcpc.script >/run/udhcpc.log 2>&1 ||
        { cat /run/udhcpc.log; fail "DHCP on $ifname got no lease"; }
    . /run/dhcp.env
    pxeserver=${siaddr:-$serverid}
    [ "$pxeserver" = 0.0.0.0 ] && pxeserver=$serverid
    say "dhcp ip=$ip/$mask siaddr=$siaddr serverid=$serverid"
    ;;
esac
t_net=$(up)

# ${pxeserver} in a server parameter is expanded like archiso does.
expand() { echo "$1" | sed "s/\${pxeserver}/$pxeserver/g"; }
http_srv=$(expand "$http_srv")
nbd_srv=$(expand "$nbd_srv")
nfs_srv=$(expand "$nfs_srv")

sfs=""
served_sum=""
case $method in
http)
    case "$http_srv" in */) ;; *) fail "archiso_http_srv must end with / ($http_srv)" ;; esac
    url="${http_srv}${basedir}/x86_64"
    say "fetching $url/airootfs.sfs"
    timeout 150 wget -q -O /run/airootfs.sfs "$url/airootfs.sfs" || fail "wget $url/airootfs.sfs"
    timeout 30 wget -q -O /run/airootfs.sha512 "$url/airootfs.sha512" || fail "wget $url/airootfs.sha512"
    sfs=/run/airootfs.sfs
    served_sum=/run/airootfs.sha512
    ;;
nbd)
    say "attaching nbd $nbd_srv export $nbd_name"
    timeout 60 nbd-client -N "$nbd_name" "$nbd_srv" /dev/nbd0 >/run/nbd.log 2>&1 ||
        { cat /run/nbd.log; fail "nbd-client $nbd_srv -N $nbd_name"; }
    mkdir -p /run/bootmnt
    mount -t iso9660 -o ro /dev/nbd0 /run/bootmnt || fail "mount iso9660 /dev/nbd0"
    sfs=/run/bootmnt/$basedir/x86_64/airootfs.sfs
    served_sum=/run/bootmnt/$basedir/x86_64/airootfs.sha512
    ;;
nfs)
    say "mounting nfs $nfs_srv opts ${nfs_opt:-<none>}"
    mkdir -p /run/bootmnt
    if [ -n "$nfs_opt" ]; then
        timeout 60 nfsmount -o "$nfs_opt" "$nfs_srv" /run/bootmnt >/run/nfs.log 2>&1
    else
        timeout 60 nfsmount "$nfs_srv" /run/bootmnt >/run/nfs.log 2>&1
    fi || { cat /run/nfs.log; fail "nfsmount $nfs_srv"; }
    sfs=/run/bootmnt/$basedir/x86_64/airootfs.sfs
    served_sum=/run/bootmnt/$basedir/x86_64/airootfs.sha512
    ;;
esac
[ -f "$sfs" ] || fail "no $sfs"

want=$(cut -d' ' -f1 /etc/airootfs.sha512)
got=$(sha512sum "$sfs" | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "airootfs.sfs sha512 mismatch"
[ "$(cut -d' ' -f1 "$served_sum")" = "$want" ] || fail "served airootfs.sha512 differs"
t_fetch=$(up)

mkdir -p /run/airootfs
mount -t squashfs -o ro,loop "$sfs" /run/airootfs || fail "mount squashfs"
id=$(cat /run/airootfs/pxecore-e2e-id) || fail "no id in the root filesystem"
[ "$id" = "$(cat /etc/pxecore-e2e-id)" ] || fail "root filesystem id $id is not this image's"
t_root=$(up)

echo "PXECORE-E2E-OK method=$method id=$id t_init=$t_init t_mod=$t_mod t_net=$t_net t_fetch=$t_fetch t_root=$t_root END"
sync
poweroff -f
sleep 30
