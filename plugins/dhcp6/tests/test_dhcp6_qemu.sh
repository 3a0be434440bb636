#!/bin/bash
# SPDX-License-Identifier: MIT
# Real UEFI firmware (OVMF, QEMU TCG) network-booting through pxecore, in the test's own
# namespaces (192.0.2.0/24 and 2001:db8::/64 on a veth + bridge + tap, no route out):
#   pxe6:  OVMF PXE over IPv6: DHCPv6 (dhcp6 plugin, stateful) gives an address and
#          tftp://[2001:db8::1]/snponly.efi; OVMF fetches it over TFTP on IPv6 and iPXE starts.
#   http4: OVMF UEFI HTTP Boot over IPv4 (HTTPClient, dhcp plugin) -> http:// URL -> iPXE.
#   http6: OVMF UEFI HTTP Boot over IPv6 (vendor class HTTPClient in DHCPv6) -> http://[..]
#          URL -> iPXE.
# The marker is iPXE's own start-up line on the serial console ("iPXE initialising devices"):
# the loader was downloaded and is running.  Other boot options are switched off with OVMF's
# fw_cfg knobs so each mode tries only its own path.  Usage: test_dhcp6_qemu.sh MODE.
set -eu
MODE=${1:-pxe6}
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/plugins/dhcp/tests/dhcp_lib.sh"
. "$PXECORE_SRC/plugins/dhcp6/tests/qemu_lib.sh"
in_netns "$@"
need qemu-system-x86_64 ip nsenter timeout
[ -e /usr/share/OVMF/OVMF_CODE_4M.fd ] || skip "missing ovmf"
[ -e /usr/lib/ipxe/snponly.efi ] || skip "missing ipxe (snponly.efi)"
[ -e /proc/sys/net/ipv6 ] || skip "no IPv6 in this kernel"
use_plugins dhcp dhcp6 http tftp
client_ns
qemu_bridge
ip addr add 2001:db8::1/64 dev srv0 nodad
mkdir -p "$T/img" "$T/root"
cp /usr/lib/ipxe/snponly.efi "$T/root/"
cp /usr/share/OVMF/OVMF_VARS_4M.fd "$T/vars.fd"
MAC=52:54:00:00:d6:01
fw() { echo "-fw_cfg name=opt/org.tianocore/$1,string=$2"; }
args=(--image "$T/img" --root "$T/root" --set http.port=8080 --set http.address=::
      --set tftp.address=:: --set dhcp6.interface=srv0 --set dhcp6.range=2001:db8::100,2001:db8::1ff)
case $MODE in
pxe6)  knobs="$(fw IPv4PXESupport no)"
       want="tftp://\[2001:db8::1\]/snponly.efi" ;;
http4) knobs="$(fw IPv4PXESupport no) $(fw IPv6PXESupport no) $(fw IPv6Support no)"
       args+=(--interface srv0 --dhcp-range 192.0.2.50,192.0.2.99,1h
              --set dhcp.lease_file="$T/leases")
       want="http://192.0.2.1:8080/snponly.efi" ;;
http6) # OVMF tries HTTP over IPv4 first, and its IPv4Support=no knob breaks HTTP over IPv6
       # too; so DHCPv4 hands it a URL that is not there (404) and it gives up at once.
       knobs="$(fw IPv4PXESupport no) $(fw IPv6PXESupport no)"
       args+=(--interface srv0 --dhcp-range 192.0.2.50,192.0.2.99,1h
              --set dhcp.lease_file="$T/leases" --set 'dhcp.arch_table={"16":"not-here.efi"}')
       want="http://\[2001:db8::1\]:8080/snponly.efi" ;;
*) fail "mode pxe6, http4 or http6" ;;
esac
knobs=${PXE_OVMF_KNOBS:-$knobs} # (a debugging aid: other fw_cfg knobs)
# romfile= : OVMF's own virtio driver and PXE/HTTP boot, not the iPXE option ROM.
qemu=(nice qemu-system-x86_64 -accel tcg -machine q35 -m 256 -nographic -no-reboot -boot n
      -drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd
      -drive "if=pflash,format=raw,file=$T/vars.fd" $knobs
      -netdev tap,id=n0,ifname=tap0,script=no,downscript=no
      -device "virtio-net-pci,netdev=n0,mac=$MAC,romfile=")
start_pxecore "${args[@]}"
qemu_until 170 "grep -qa 'iPXE initialising devices' $T/qemu.log" "${qemu[@]}"
grep -qa 'iPXE initialising devices' "$T/qemu.log" || { qemu_console; fail "$MODE: iPXE never started"; }
grep -Eq "DHCP(ACK|REPLY)\(srv0\) [0-9a-f.:]+ $MAC $want" "$T/pxecore.log" ||
    { qemu_console; fail "$MODE: no DHCP answer with $want"; }
case $MODE in
pxe6)  grep -q "\[tftp\] sent .*snponly.efi to 2001:db8::1" "$T/pxecore.log" ||
           fail "pxe6: snponly.efi not sent over TFTP on IPv6" ;;
http4) grep -q "DHCPREQUEST\|DHCPDISCOVER" "$T/pxecore.log" || fail "http4: no DHCPv4" ;;
http6) grep -q "DHCPSOLICIT(srv0) $MAC arch 16 'HTTPClient" "$T/pxecore.log" ||
           fail "http6: no HTTPClient Solicit with arch 16" ;;
esac
qemu_console 'Start (PXE|HTTP) over|Station IP|NBP|URI:|File Size|iPXE initialising'
echo "PASS ($MODE, $QEMU_SECS s)"
