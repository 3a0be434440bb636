#!/bin/bash
# SPDX-License-Identifier: MIT
# Usage: boot-generic.sh SCENARIO   (or E2E_SCENARIO= from ctest)
# A generic entry (docs/images.md): memtest86+ from Debian's memtest86+
# package, named in pxecore's config (menu.entries) with console=ttyS0,115200
# on its command line, booted by QEMU until memtest86+ itself prints its
# banner ("Memtest86+ v6...") on the serial console. No image, no kind.
#   bios  QEMU's iPXE ROM -> pxecore DHCP -> lpxelinux.0 (system pxelinux)
#         -> pxecore's pxelinux menu -> LINUX memtest86+x64.bin over HTTP
#   uefi  OVMF -> snponly.efi (package ipxe) -> pxecore's boot.ipxe -> the entry's kernel_efi
#         memtest86+x64.efi over HTTP
# The entry is also put through the REST API (GET /api/v1/entries) and its
# ${server}/${mac} substitutions are checked in the menu; the machine's host
# profile names the entry with boot_once, which must end after the boot (the
# profile turns to local_boot, the menu loses the entry). Fails at once when
# the firmware falls back to the local disk.
# Labels e2e and generic; exit 77 with the reason when something is missing.
set -eu
scenario=${1:-${E2E_SCENARIO:-bios}}
E2E_NO_ARCHISO=1
. "$(dirname "$0")/lib-e2e.sh"
E2E_NAME="generic-memtest-$scenario"

MT_DIR=${PXE_MEMTEST_DIR:-/boot}
[ -f "$MT_DIR/memtest86+x64.bin" ] && [ -f "$MT_DIR/memtest86+x64.efi" ] ||
    e2e_skip "no $MT_DIR/memtest86+x64.bin or .efi (apt-get install memtest86+)"
e2e_need dpkg-query
e2e_need_plugin dhcp tftp http
E2E_CLIENT=memtest86+
E2E_RESULT_CLIENT=memtest86+
E2E_CLIENT_VERSIONS="memtest86+ $(dpkg-query -W -f '${Version}' memtest86+ 2>/dev/null || echo '(not from a package)')"
args=(--menu-timeout 1s)
case $scenario in
bios)
    [ -f /usr/lib/PXELINUX/lpxelinux.0 ] && [ -f /usr/lib/syslinux/modules/bios/ldlinux.c32 ] ||
        e2e_skip "no /usr/lib/PXELINUX/lpxelinux.0 (apt-get install pxelinux syslinux-common)"
    args+=(--set dhcp.boot_bios=lpxelinux.0 --set dhcp.ipxe_chain=false --serial "0 115200")
    fail_pattern='No bootable device\|Booting from Hard Disk\|Boot failed'
    ;;
uefi)
    [ -f /usr/lib/ipxe/snponly.efi ] || e2e_skip "no /usr/lib/ipxe/snponly.efi (apt-get install ipxe)"
    fail_pattern='Shell>\|Start PXE over IPv6\|BdsDxe: failed to load Boot.*PXEv4'
    ;;
*) e2e_fail "unknown scenario $scenario" ;;
esac

e2e_init "$@"
e2e_log "client code: $E2E_CLIENT_VERSIONS ($MT_DIR/memtest86+x64.bin, .efi)"
mkdir -p "$E/tree"
cp "$MT_DIR/memtest86+x64.bin" "$MT_DIR/memtest86+x64.efi" "$E/tree/"
# UEFI: Debian's iPXE (package ipxe), which pxecore's DHCP names for arch 7
[ "$scenario" = bios ] || cp /usr/lib/ipxe/snponly.efi "$E/tree/"
entry='[{"name": "memtest", "title": "Memtest86+ (Debian)", "kernel": "memtest86+x64.bin",
  "kernel_efi": "memtest86+x64.efi", "cmdline": "console=ttyS0,115200 server=${server} mac=${mac}"}]'
e2e_pxecore_start --address "$E2E_SRV_IP" --disable-plugin nfs --disable-plugin nbd \
    --set "dhcp.interface=srv0" --set "dhcp.lease_file=$E/dhcp.leases" \
    --set "dhcp.range=192.0.2.100,192.0.2.150,1h" --root "$E/tree" --entries "$entry" "${args[@]}"

e2e_api GET /api/v1/entries >"$E/api-entries.log" ||
    e2e_fail "GET /api/v1/entries failed: $(cat "$E/api-entries.log")"
grep -q '"kernel_efi": "memtest86+x64.efi"' "$E/api-entries.log" ||
    e2e_fail "the API does not show the entry: $(cat "$E/api-entries.log")"
curl -fsS -m 5 -o "$E/menu-ipxe.log" "http://$E2E_SRV_IP/boot.ipxe?mac=$E2E_MAC" ||
    e2e_fail "cannot fetch boot.ipxe"
grep -q "^kernel http://$E2E_SRV_IP/memtest86+x64.efi console=ttyS0,115200 server=$E2E_SRV_IP mac=$E2E_MAC\$" \
    "$E/menu-ipxe.log" || e2e_fail "boot.ipxe lacks the memtest entry: $(cat "$E/menu-ipxe.log")"
e2e_log "the entry is in the API and in boot.ipxe, \${server} and \${mac} substituted"
# The machine's profile names the entry and boots it once: the kernel's HTTP GET ends it.
e2e_api PUT "/api/v1/hosts/$E2E_MAC" '{"image": "memtest", "boot_once": true}' >"$E/api-host.log" ||
    e2e_fail "cannot set the host profile: $(cat "$E/api-host.log")"

e2e_ra_start
e2e_capture_start
E2E_FAIL_PATTERN=$fail_pattern
E2E_FAIL_REASON="the firmware fell back to the local disk (or IPv6): the entry did not boot"
# memtest86+ 6 draws its screen on the serial console (VT100); its banner first
E2E_OK_PATTERN='Memtest86\+ v[0-9]+\.[0-9]+'
E2E_HANG_RETRIES=${E2E_HANG_RETRIES:-0}
e2e_boot "$scenario" "${PXE_E2E_TIMEOUT:-240}"
kernel=memtest86+x64.bin
[ "$scenario" = bios ] || kernel=memtest86+x64.efi
grep -aq "GET /$kernel" "$E/tcpdump.log" || e2e_fail "no HTTP GET of $kernel (tcpdump.log)"
e2e_log "memtest86+ ($kernel) booted: $E2E_MARKER"
e2e_expect_local_boot memtest86
e2e_report
