#!/bin/bash
# SPDX-License-Identifier: MIT
# Real firmware against pxecore's DHCP, in QEMU (TCG) inside the test's namespaces:
#   bios: SeaBIOS + the iPXE ROM of ipxe-qemu: DHCP gives iPXE the boot.ipxe URL, which it
#         fetches from the http plugin (no iPXE loop).
#   uefi: OVMF: PXE DHCP (arch 7) answered with snponly.efi; then either TFTP or UEFI HTTP
#         boot (HTTPClient) brings up iPXE, which gets and runs boot.ipxe.
# Usage: test_dhcp_qemu.sh bios|uefi.  Network namespaces only; slow (TCG).
set -eu
MODE=${1:-bios}
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/plugins/dhcp/tests/dhcp_lib.sh"
in_netns "$@"
need qemu-system-x86_64 ip nsenter timeout
"$PXECORE_BIN" --dump-plugin "$PXECORE_PLUGINS/pxecore-http.so" 2>/dev/null |
    grep -q '^config\.port=' || skip "http plugin without a port key"
use_plugins dhcp http tftp
client_ns
# The VM's tap and cli0 share a bridge in the client namespace.
cli_exec ip link add br0 type bridge
cli_exec ip link set cli0 master br0
cli_exec ip tuntap add tap0 mode tap
cli_exec ip link set tap0 master br0
cli_exec ip link set tap0 up
cli_exec ip link set br0 up
mkdir -p "$T/img" "$T/root"
net="-netdev tap,id=n0,ifname=tap0,script=no,downscript=no"
case $MODE in
bios)
    [ -e /usr/lib/ipxe/qemu/efi-virtio.rom ] || skip "missing ipxe-qemu"
    MAC=52:54:00:00:d0:01
    qemu=(qemu-system-x86_64 -m 256 -nographic -no-reboot -boot n $net
          -device "virtio-net-pci,netdev=n0,mac=$MAC")
    limit=60 ;;
uefi)
    [ -e /usr/share/OVMF/OVMF_CODE_4M.fd ] || skip "missing ovmf"
    [ -e /usr/lib/ipxe/snponly.efi ] || skip "missing ipxe (snponly.efi)"
    cp /usr/lib/ipxe/snponly.efi "$T/root/"
    cp /usr/share/OVMF/OVMF_VARS_4M.fd "$T/vars.fd"
    MAC=52:54:00:00:d0:02
    # romfile= : OVMF's own virtio driver and PXE/HTTP boot, not the iPXE option ROM.
    qemu=(qemu-system-x86_64 -machine q35 -m 256 -nographic -no-reboot -boot n
          -drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd
          -drive "if=pflash,format=raw,file=$T/vars.fd" $net
          -device "virtio-net-pci,netdev=n0,mac=$MAC,romfile=")
    limit=170 ;;
*) fail "mode bios or uefi" ;;
esac
start_pxecore --image "$T/img" --root "$T/root" --interface srv0 \
    --dhcp-range 192.0.2.50,192.0.2.99,1h --set dhcp.lease_file="$T/leases" \
    --set http.port=8080
cli_exec timeout $((limit + 10)) "${qemu[@]}" >"$T/qemu.log" 2>&1 &
QEMU_PID=$!
at_exit "kill $QEMU_PID 2>/dev/null"
i=0
until grep -qa 'boot.ipxe : [0-9]* bytes' "$T/qemu.log"; do
    kill -0 "$QEMU_PID" 2>/dev/null || break
    i=$((i + 1)); [ "$i" -lt "$limit" ] || break
    sleep 1
done
kill "$QEMU_PID" 2>/dev/null || true
wait "$QEMU_PID" 2>/dev/null || true
show() { tr '\r' '\n' <"$T/qemu.log" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g' | grep -av '^\s*$' | tail -n 25; }
grep -qa 'boot.ipxe : [0-9]* bytes' "$T/qemu.log" || { show; fail "$MODE: iPXE never ran boot.ipxe"; }
url="http://192.0.2.1:8080/boot.ipxe?mac=$MAC"
grep -q "DHCPACK(srv0) 192.0.2.[0-9]* $MAC $url" "$T/pxecore.log" ||
    fail "$MODE: no DHCPACK with the iPXE script URL"
grep -qa "Filename: $url" "$T/qemu.log" || { show; fail "$MODE: iPXE did not take the URL"; }
if [ "$MODE" = uefi ]; then
    grep -q "DHCPACK(srv0) 192.0.2.[0-9]* $MAC snponly.efi" "$T/pxecore.log" ||
        fail "uefi: PXE (arch 7) not answered with snponly.efi"
    if grep -q "$MAC http://192.0.2.1:8080/snponly.efi" "$T/pxecore.log"; then
        echo "uefi: OVMF fell back to UEFI HTTP boot (HTTPClient) and loaded snponly.efi over HTTP"
    fi
fi
echo PASS
