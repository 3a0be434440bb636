#!/bin/bash
# SPDX-License-Identifier: MIT
# iPXE over DHCPv6, booted by real firmware in QEMU (TCG), on an IPv6-only link (the guest's
# segment has no IPv4 address and no DHCPv4 server, so nothing but DHCPv6 can work).
# Usage: test_ipxe6_qemu.sh MODE
#   bios: SeaBIOS runs QEMU's iPXE option ROM for virtio-net (package ipxe-qemu,
#         /usr/lib/ipxe/qemu/efi-virtio.rom, its legacy BIOS image; client arch 0).
#   efi:  OVMF boots Debian's iPXE (package ipxe: ipxe.efi, with its own virtio-net driver)
#         from a small FAT disk (QEMU's vvfat of a directory with EFI/BOOT/BOOTX64.EFI;
#         snponly.efi would drive only the device it was loaded from, the disk: "No more
#         network devices"); client arch 7.
#   pxe6: no disk: OVMF's PXE over IPv6 gets tftp://[2001:db8::1]/snponly.efi (pxecore's
#         default boot_efi64) by DHCPv6 and starts it; snponly.efi disconnects OVMF's
#         network stack, whose DHCPv6 sends a Release and waits for the Reply (a Release
#         carries no option 61: pxecore must still answer it, or iPXE hangs).  Arch 7.
# Then iPXE autoconfigures IPv6 from pxecore's Router Advertisement (M and O flags), runs
# stateful DHCPv6 with user class "iPXE", gets option 59
# http://[2001:db8::1]:8080/boot.ipxe?mac=<its MAC> from the dhcp6 plugin (not a loader: no
# chain loop; the MAC from its link-local address, its DUID has none), fetches that script
# over HTTP on IPv6 and boots its one generic entry: Debian's cloud kernel and a small
# initrd whose /init prints a marker with the kernel command line.  The marker must carry
# server=2001:db8::1 (the entry's ${server}: the script was fetched over IPv6).  Kernel and
# busybox-static come from the e2e cache (tests/e2e/build-image.sh downloads them).
set -eu
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/plugins/dhcp6/tests/qemu_lib.sh"
MODE=${1:-efi}
LOADER=$(readlink -f /usr/lib/ipxe/ipxe.efi) # a link to /boot/ipxe.efi
case $MODE in
efi|pxe6) [ -e /usr/share/OVMF/OVMF_CODE_4M.fd ] || skip "missing ovmf"
      [ -e "$LOADER" ] && [ -e /usr/lib/ipxe/snponly.efi ] || skip "missing ipxe ($LOADER)"
      ARCH=7 ;;
bios) [ -e /usr/lib/ipxe/qemu/efi-virtio.rom ] || skip "missing ipxe-qemu (efi-virtio.rom)"
      ARCH=0 ;;
*) fail "mode bios, efi or pxe6" ;;
esac
need qemu-system-x86_64 ip nsenter timeout cpio gzip dpkg-deb
[ -e /proc/sys/net/ipv6 ] || skip "no IPv6 in this kernel"
CACHE=${PXE_E2E_CACHE:-$PXECORE_SRC/tests/e2e/cache}
debs() { ls "$CACHE"/debs/{linux-image-*-cloud-amd64,busybox-static}_*.deb 2>/dev/null; }
# Built before entering the namespace (apt-get download needs the network).
if [ -z "${PXE_IN_NETNS:-}" ] && [ "$(debs | wc -l)" -lt 2 ]; then
    bash "$PXECORE_SRC/tests/e2e/build-image.sh" "$CACHE" >/dev/null 2>&1 ||
        skip "tests/e2e/build-image.sh failed (no kernel for the marker)"
fi
in_netns "$@"
[ "$(debs | wc -l)" -ge 2 ] || skip "no cloud kernel / busybox-static deb in $CACHE/debs"

# The marker kernel: Debian's cloud kernel, an initrd with static busybox and /init.
mkdir -p "$T/x" "$T/rd/bin" "$T/rd/proc" "$T/rd/dev" "$T/root" "$T/esp/EFI/BOOT"
for d in $(debs); do dpkg-deb -x "$d" "$T/x"; done
cp "$(ls "$T"/x/boot/vmlinuz-* | head -n1)" "$T/root/vmlinuz"
cp "$T/x/bin/busybox" "$T/rd/bin/busybox"
cat >"$T/rd/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs dev /dev
exec >/dev/console 2>&1
echo "PXECORE-IPXE6-OK cmdline=[$(/bin/busybox cat /proc/cmdline)] END"
/bin/busybox poweroff -f
EOF
chmod +x "$T/rd/init"
(cd "$T/rd" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$T/root/initrd.gz"

plugins=(dhcp6 http) args=()
if [ "$MODE" = pxe6 ]; then
    plugins+=(tftp)
    args=(--set tftp.address=::) # boot_efi64: snponly.efi, the default
    cp /usr/lib/ipxe/snponly.efi "$T/root/"
fi
use_plugins "${plugins[@]}"
client_ns
qemu_bridge
ip addr del 192.0.2.1/24 dev srv0 # IPv6 only on the guest's link
ip addr add 2001:db8::1/64 dev srv0 nodad
MAC=52:54:00:00:d6:61
entry='[{"name": "marker", "kernel": "vmlinuz", "initrds": ["initrd.gz"],
  "cmdline": "console=ttyS0,115200 panic=-1 server=${server}"}]'
start_pxecore --root "$T/root" --set http.port=8080 --set http.address=:: \
    --set dhcp6.interface=srv0 --set dhcp6.range=2001:db8::100,2001:db8::1ff \
    --entries "$entry" --menu-timeout 1s "${args[@]}" ${PXE_IPXE6_ARGS:-}
MACHINE=(nice qemu-system-x86_64 -accel tcg -m 256 -nographic -no-reboot
         -netdev tap,id=n0,ifname=tap0,script=no,downscript=no)
fw() { echo "-fw_cfg name=opt/org.tianocore/$1,string=$2"; }
ovmf=(-machine q35 -drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd
      -drive "if=pflash,format=raw,file=$T/vars.fd" $(fw IPv4PXESupport no))
# romfile= : OVMF's virtio-net driver, not the iPXE option ROM.
nic="virtio-net-pci,netdev=n0,mac=$MAC,romfile="
if [ "$MODE" = efi ]; then
    cp "$LOADER" "$T/esp/EFI/BOOT/BOOTX64.EFI"
    cp /usr/share/OVMF/OVMF_VARS_4M.fd "$T/vars.fd"
    # OVMF's own PXE and HTTP boot are off (fw_cfg knobs), the ESP disk is first.
    qemu=("${MACHINE[@]}" "${ovmf[@]}" $(fw IPv6PXESupport no)
          -drive "if=none,id=esp,format=raw,file=fat:$T/esp,readonly=on"
          -device virtio-blk-pci,drive=esp,bootindex=1 -device "$nic")
elif [ "$MODE" = pxe6 ]; then
    cp /usr/share/OVMF/OVMF_VARS_4M.fd "$T/vars.fd"
    qemu=("${MACHINE[@]}" "${ovmf[@]}" -boot n -device "$nic")
else
    # No romfile= : QEMU loads ipxe-qemu's ROM (QEMU's search path has /usr/lib/ipxe/qemu).
    qemu=("${MACHINE[@]}" -boot n -device "virtio-net-pci,netdev=n0,mac=$MAC")
fi
# Ends early at the marker, or when iPXE gave up (OVMF's shell, SeaBIOS's last words).
stop='PXECORE-IPXE6-OK.*END\|Shell> \|No bootable device'
qemu_until 170 "grep -qa '$stop' $T/qemu.log" "${qemu[@]}"
qemu_console 'iPXE [0-9]|Configuring|net0: [0-9a-f]+:|Filename|http://|PXECORE-IPXE6'
grep -a '\[dhcp6\] DHCP\|\[http\].*GET' "$T/pxecore.log" | head -n 12 || true
grep -aEq 'PXECORE-IPXE6-OK.*server=\[?2001:db8::1.*END' "$T/qemu.log" ||
    { qemu_console; fail "$MODE: no marker from the kernel booted by iPXE"; }
# iPXE's own DHCPv6 (user class iPXE, arch 7 or 0) got the script URL, not the EFI loader again.
# iPXE's DUID is a DUID-UUID: the MAC comes from its EUI-64 link-local source address.
grep -Eq "DHCPSOLICIT\(srv0\) $MAC arch $ARCH .*iPXE" "$T/pxecore.log" ||
    fail "$MODE: no Solicit from iPXE (user class iPXE, arch $ARCH)"
url="http://\[2001:db8::1\]:8080/boot.ipxe\?mac=$MAC"
grep -Eq "DHCPREPLY\(srv0\) 2001:db8::1[0-9a-f]{2} $MAC $url\$" "$T/pxecore.log" ||
    fail "$MODE: no DHCPv6 Reply with the boot.ipxe URL"
if [ "$MODE" = pxe6 ]; then
    grep -Eq "DHCPREPLY\(srv0\) 2001:db8::1[0-9a-f]{2} $MAC tftp://\[2001:db8::1\]/snponly.efi\$" \
        "$T/pxecore.log" || fail "pxe6: OVMF did not get the snponly.efi URL"
    grep -q "\[tftp\] sent .*snponly.efi to 2001:db8::" "$T/pxecore.log" ||
        fail "pxe6: snponly.efi not sent over TFTP on IPv6"
    grep -q "DHCPREPLY(srv0) - $MAC\$" "$T/pxecore.log" || fail "pxe6: OVMF's Release not answered"
fi
echo "PASS ($MODE, $QEMU_SECS s)"
