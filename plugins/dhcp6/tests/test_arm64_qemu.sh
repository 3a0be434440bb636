#!/bin/bash
# SPDX-License-Identifier: MIT
# An ARM64 UEFI machine (qemu-system-aarch64 -M virt, TCG, AAVMF from qemu-efi-aarch64)
# network-boots through pxecore in the test's own namespaces:
#   pxe4: DHCP (arch 11) -> boot_arm64 = grubnetaa64.efi over TFTP (Debian's signed GRUB
#         network image for arm64) -> GRUB starts and fetches pxecore's generated
#         grub/grub.cfg from the same server.
#   pxe6: DHCPv6 (arch 11) -> tftp://[2001:db8::1]/grubnetaa64.efi -> GRUB starts.
# The loader comes from fetch-arm64-loader.sh (apt's client, a private arm64 package list);
# without it, or without qemu-system-aarch64 / AAVMF, the test is skipped.
set -eu
MODE=${1:-pxe4}
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/plugins/dhcp/tests/dhcp_lib.sh"
. "$PXECORE_SRC/plugins/dhcp6/tests/qemu_lib.sh"
need qemu-system-aarch64 ip nsenter timeout
[ -e /usr/share/AAVMF/AAVMF_CODE.fd ] || skip "missing qemu-efi-aarch64 (AAVMF)"
CACHE=${PXE_E2E_CACHE:-$PXECORE_SRC/tests/e2e/cache}
# Fetched before entering the namespace (which has no route to the package mirror).
[ -n "${PXE_IN_NETNS:-}" ] || bash "$PXECORE_SRC/plugins/dhcp6/tests/fetch-arm64-loader.sh" "$CACHE" ||
    skip "Debian's grub-efi-arm64-signed could not be fetched"
in_netns "$@"
[ -s "$CACHE/arm64/grubnetaa64.efi" ] || skip "no $CACHE/arm64/grubnetaa64.efi"
use_plugins dhcp dhcp6 http tftp
client_ns
qemu_bridge
ip addr add 2001:db8::1/64 dev srv0 nodad
mkdir -p "$T/img" "$T/root"
cp "$CACHE/arm64/grubnetaa64.efi" "$T/root/"
cp /usr/share/AAVMF/AAVMF_VARS.fd "$T/vars.fd"
MAC=52:54:00:00:a6:01
args=(--image "$T/img" --root "$T/root" --set http.port=8080 --set http.address=::
      --set tftp.address=::)
case $MODE in
pxe4) args+=(--interface srv0 --dhcp-range 192.0.2.50,192.0.2.99,1h
             --set dhcp.lease_file="$T/leases")
      knobs="-fw_cfg name=opt/org.tianocore/IPv6PXESupport,string=no"
      want="DHCPACK\(srv0\) 192.0.2.[0-9]+ $MAC grubnetaa64.efi"
      sent="grubnetaa64.efi to 192.0.2." ;;
pxe6) args+=(--set dhcp6.interface=srv0 --set dhcp6.range=2001:db8::100,2001:db8::1ff)
      knobs="-fw_cfg name=opt/org.tianocore/IPv4PXESupport,string=no"
      want="DHCPREPLY\(srv0\) 2001:db8::[0-9a-f]+ $MAC tftp://\[2001:db8::1\]/grubnetaa64.efi"
      sent="grubnetaa64.efi to 2001:db8::" ;;
*) fail "mode pxe4 or pxe6" ;;
esac
qemu=(nice qemu-system-aarch64 -accel tcg -M virt -cpu cortex-a57 -m 512 -nographic -no-reboot
      -drive if=pflash,format=raw,readonly=on,file=/usr/share/AAVMF/AAVMF_CODE.fd
      -drive "if=pflash,format=raw,file=$T/vars.fd" $knobs
      -netdev tap,id=n0,ifname=tap0,script=no,downscript=no
      -device "virtio-net-pci,netdev=n0,mac=$MAC,romfile=")
start_pxecore "${args[@]}"
qemu_until 150 "grep -q 'tftp. sent .*grub/grub.cfg' $T/pxecore.log" "${qemu[@]}"
grep -Eq "$want" "$T/pxecore.log" || { qemu_console; fail "$MODE: no answer with the arm64 loader"; }
grep -q "\[tftp\] sent .*$sent" "$T/pxecore.log" || { qemu_console; fail "$MODE: grubnetaa64.efi not sent"; }
grep -q "\[tftp\] sent .*grub/grub.cfg" "$T/pxecore.log" ||
    { qemu_console; grep tftp "$T/pxecore.log" | tail; fail "$MODE: GRUB did not fetch grub/grub.cfg"; }
qemu_console 'Start PXE|Station IP|NBP|GNU GRUB|pxecore'
echo "PASS ($MODE, $QEMU_SECS s)"
