#!/bin/sh
# SPDX-License-Identifier: MIT
# busybox udhcpc script of the e2e initramfs: configures the lease and
# leaves it in /run/dhcp.env for /init.
case "$1" in
deconfig)
    ip addr flush dev "$interface"
    ip link set "$interface" up
    ;;
bound | renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    {
        echo "ip=$ip"
        echo "mask=${mask:-24}"
        echo "siaddr=$siaddr"
        echo "serverid=$serverid"
        echo "router=$router"
    } >/run/dhcp.env
    ;;
esac
exit 0
