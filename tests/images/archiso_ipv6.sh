#!/bin/bash
# SPDX-License-Identifier: MIT
# An archiso image in a menu asked for over IPv6.  archiso's initramfs configures
# IPv4 only (archiso_pxe_common: ipconfig), so the kind flags its images
# PXE_IMAGE_IPV4_ROOT and the core gives the transports the IPv4 address of the
# interface the request came in on: the loader fetches kernel and initrd over IPv6,
# the command line names the server by IPv4.  An interface with no IPv4 address
# gets no archiso entry, and the log says why.  A private network namespace with a
# dummy interface (2001:db8::1, then 198.51.100.1 beside it); only HTTP on it.
set -eu
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/plugins/dhcp/tests/dhcp_lib.sh" # wait_for
in_netns "$@"
need curl ip
use_plugins http
[ -e /proc/sys/net/ipv6 ] || skip "no IPv6 in this kernel"
mkdir -p "$T/a/arch/boot/x86_64" "$T/a/arch/x86_64"
echo k >"$T/a/arch/boot/x86_64/vmlinuz-linux"
echo i >"$T/a/arch/boot/x86_64/initramfs-linux.img"
echo r >"$T/a/arch/x86_64/airootfs.sfs"
ip link add d0 type veth peer name d1 # (no dummy driver in every kernel)
ip link set d1 up
ip addr add 2001:db8::1/64 dev d0 nodad
ip link set d0 up
HP=$(free_port)
start_pxecore --image "arch=$T/a" --set http.address=:: --set "http.port=$HP"

# Loopback: ::1 sits on lo beside 127.0.0.1.
curl -fsSg "http://[::1]:$HP/boot.ipxe" >"$T/lo.ipxe" || fail "boot.ipxe over [::1]"
grep -q "^kernel http://\[::1\]:$HP/images/arch/arch/boot/x86_64/vmlinuz-linux " "$T/lo.ipxe" ||
    fail "the loader's kernel URL is not the IPv6 one: $(cat "$T/lo.ipxe")"
grep -q "archiso_http_srv=http://127.0.0.1:$HP/images/arch/" "$T/lo.ipxe" ||
    fail "no IPv4 archiso_http_srv: $(cat "$T/lo.ipxe")"
! grep -q "srv=.*::1" "$T/lo.ipxe" || fail "an IPv6 server in archiso's command line"

# An IPv6-only interface: no archiso entry, one log line saying why.
curl -fsSg "http://[2001:db8::1]:$HP/boot.ipxe" >"$T/v6.ipxe" || fail "boot.ipxe over [2001:db8::1]"
! grep -q "archiso_" "$T/v6.ipxe" || fail "an archiso entry with no IPv4 to reach: $(cat "$T/v6.ipxe")"
wait_for "$T/pxecore.log" "image 'arch' \(kind archiso\) reaches its root over IPv4 only, and the interface of 2001:db8::1 has no IPv4 address"

# Dual stack: the same interface gets an IPv4 address, and the command line uses it.
ip addr add 198.51.100.1/24 dev d0
curl -fsSg "http://[2001:db8::1]:$HP/boot.ipxe" >"$T/ds.ipxe" || fail "boot.ipxe over [2001:db8::1]"
grep -q "^kernel http://\[2001:db8::1\]:$HP/images/arch/" "$T/ds.ipxe" || fail "kernel URL: $(cat "$T/ds.ipxe")"
grep -q "archiso_http_srv=http://198.51.100.1:$HP/images/arch/" "$T/ds.ipxe" ||
    fail "no archiso_http_srv on the interface's IPv4 address: $(cat "$T/ds.ipxe")"
stop_pxecore || fail "stop"
echo "archiso over IPv6: IPv4 command line beside an IPv6 loader, refused where no IPv4 exists"
