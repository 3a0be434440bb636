#!/bin/bash
# SPDX-License-Identifier: MIT
# Usage: boot-pxecore.sh SCENARIO [LAYOUT]   (or E2E_SCENARIO=, E2E_LAYOUT= from ctest)
# A QEMU guest netboots the test image through pxecore alone, in a network
# namespace (see lib-e2e.sh): the real mkinitcpio init and archiso hooks must
# switch root into the squashfs, whose /sbin/init prints the marker with the
# expected method. LAYOUT: uuid (a current ISO, default) or label (an older
# one). Scenarios:
#   bios-http       iPXE ROM -> DHCP -> TFTP lpxelinux.0 + generated menu ->
#                   kernel/initrd -> root filesystem over HTTP
#   bios-nbd        the same, root filesystem over NBD (the ISO file)
#   bios-nfs        the same, root filesystem over NFS (nfs-ganesha)
#   ipxe-chain      the ROM is handed the generated iPXE script; kernel and
#                   initrd over HTTP
#   uefi            OVMF -> snponly.efi (arch 7) -> generated iPXE menu
#   proxy           dnsmasq hands out addresses only; pxecore in proxy mode
#   iso-http        image served straight from the ISO file, HTTP method
#   iso-nbd         image served straight from the ISO file, NBD method
#   method-disable  HTTP disabled through the REST API: the next boot's menu
#                   no longer offers it and the guest boots over NFS
#   copytoram-nfs   menu.copytoram=n: the root stays on NFS (bootmnt=nfs)
#   copytoram-nbd   menu.copytoram=n: the root stays on NBD (nbd0 connected)
# Exit 77 (skipped) with the reason when a plugin or tool is missing.
set -eu
scenario=${1:-${E2E_SCENARIO:-bios-http}}
E2E_LAYOUT=${2:-${E2E_LAYOUT:-uuid}}
. "$(dirname "$0")/lib-e2e.sh"
E2E_NAME="pxecore-$scenario"

# e2e_plugin_real NAME: the plugin is built and is not the skeleton (a real
# one has stop() or config keys).
e2e_plugin_real() {
    local f="$PXECORE_PLUGINS/pxecore-$1.so" d
    [ -f "$f" ] || return 1
    d=$("$PXECORE_BIN" --dump-plugin "$f" 2>/dev/null) || return 1
    printf '%s\n' "$d" | grep -q '^has_stop=1\|^config\.'
}
need_plugins() {
    e2e_pxecore_bin
    local p
    for p in "$@"; do
        e2e_plugin_real "$p" || e2e_skip "plugin $p is not on main yet (skeleton or missing)"
    done
}

# e2e_plugin_key PLUGIN KEY: the plugin declares config key KEY.
e2e_plugin_key() {
    "$PXECORE_BIN" --dump-plugin "$PXECORE_PLUGINS/pxecore-$1.so" 2>/dev/null |
        grep -q "^config\.$2="
}

mode=bios method=http image=dir proxy=0 loader=any copytoram=""
# Plugins each scenario needs; tftp only where a TFTP client is in the path
# (QEMU's BIOS ROM is iPXE and gets everything over HTTP).
case $scenario in
bios-http) need_plugins dhcp tftp http; loader=pxelinux ;;
bios-nbd) need_plugins dhcp http nbd; method=nbd image=iso loader=pxelinux ;;
bios-nfs) need_plugins dhcp http nfs; method=nfs loader=pxelinux ;;
ipxe-chain) need_plugins dhcp http; loader=ipxe ;;
uefi) need_plugins dhcp tftp http; mode=uefi loader=ipxe ;;
proxy) need_plugins dhcp http; proxy=1 ;;
iso-http) need_plugins dhcp http; image=iso ;;
iso-nbd) need_plugins dhcp http nbd; image=iso method=nbd ;;
method-disable) need_plugins dhcp http nfs; method=nfs ;;
copytoram-nfs) need_plugins dhcp http nfs; method=nfs copytoram=n ;;
copytoram-nbd) need_plugins dhcp http nbd; method=nbd image=iso copytoram=n ;;
*) e2e_fail "unknown scenario $scenario" ;;
esac
# The dhcp plugin hands iPXE clients (QEMU's ROM is one) the iPXE script; the
# PXELINUX path needs a key that turns that off.
chain_key=""
if [ "$loader" = pxelinux ]; then
    for k in ipxe_chain chain_ipxe ipxe_detect; do
        e2e_plugin_key dhcp "$k" && chain_key=$k && break
    done
    if [ -z "$chain_key" ]; then
        [ "$scenario" = bios-http ] &&
            e2e_skip "the dhcp plugin always chains iPXE ROMs to the iPXE script (no key to test lpxelinux.0 with QEMU's ROM; ipxe-chain covers the rest)"
        loader=any
    else
        need_plugins tftp
    fi
fi

e2e_init "$@"

# no_timer_check: a TCG guest on a loaded host can fail the kernel's IO-APIC
# timer check and panic; the same parameter is added to the reference menus.
args=(--address "$E2E_SRV_IP" --root "$E2E_LOADERS"
    --console ttyS0 --serial "0 115200" --set "menu.append=no_timer_check"
    --set "dhcp.interface=srv0" --set "dhcp.lease_file=$E/dhcp.leases")
# ip=dhcp in iPXE/GRUB menus: the initramfs (not a PXE client) asks for a lease
# itself; a dhcp plugin with pxe_grace answers it by default, an older one
# needs pxe_only=false.
e2e_plugin_key dhcp pxe_grace || args+=(--set dhcp.pxe_only=false)
[ -z "$chain_key" ] || args+=(--set "dhcp.$chain_key=false")
# Menu timeout: 0.1 s unless E2E_MENU_TIMEOUT says otherwise ("" = pxecore's default).
menu_timeout=${E2E_MENU_TIMEOUT-100ms}
[ -z "$menu_timeout" ] || args+=(--menu-timeout "$menu_timeout")
[ -z "$copytoram" ] || args+=(--set "menu.copytoram=$copytoram")
if [ "$image" = iso ]; then
    args+=(--image "archiso=$E2E_ISO")
else
    args+=(--image "archiso=$E2E_IMAGE")
fi
if [ "$proxy" = 1 ]; then
    # The site's DHCP server: addresses only, no boot options.
    e2e_ref_dnsmasq_addresses
    args+=(--set dhcp.proxy=true)
else
    args+=(--set "dhcp.range=192.0.2.100,192.0.2.150,1h")
fi
if [ "$method" = nfs ]; then
    e2e_pxecore_ganesha
    args+=("${E2E_NFS_ARGS[@]}")
else
    # The nfs plugin's default backend edits /etc/exports.d on this machine.
    args+=(--disable-plugin nfs)
fi
if [ "$scenario" = method-disable ]; then
    args+=(--menu-default archiso-http) # gone once disabled: the menu falls back
else
    args+=(--menu-default "archiso-$method") # entry ids: <image>-<method>
fi

e2e_pxecore_start "${args[@]}"
# The menus the guest will get (kept for the logs), and the method in them.
# pxecore is ready before a method's root filesystem is (NFS exports and NBD
# checks finish in the background): wait, at most 60 s, for the method's entry.
i=0
while :; do
    curl -fsS -m 5 -o "$E/menu-ipxe.log" "http://$E2E_SRV_IP/boot.ipxe?mac=$E2E_MAC" || true
    curl -fsS -m 5 -o "$E/menu-pxelinux.log" "http://$E2E_SRV_IP/pxelinux.cfg/default" || true
    grep -q "archiso_${method}_srv=" "$E/menu-ipxe.log" "$E/menu-pxelinux.log" 2>/dev/null && break
    i=$((i + 1))
    [ $i -lt 120 ] || break
    sleep 0.5
done
if ! grep -q "archiso_${method}_srv=" "$E/menu-ipxe.log" "$E/menu-pxelinux.log" 2>/dev/null; then
    [ "$image" = iso ] && ! curl -fsS -m 5 -o /dev/null "http://$E2E_SRV_IP/arch/version" &&
        e2e_skip "pxecore cannot read files inside ISO images yet (GET /arch/version failed)"
    e2e_fail "the generated menus offer no $method entry (see menu-*.log, pxecore.log)"
fi
if [ "$image" = iso ]; then
    curl -fsS -m 5 -o /dev/null "http://$E2E_SRV_IP/arch/version" ||
        e2e_skip "pxecore cannot read files inside ISO images yet (GET /arch/version failed)"
fi
if [ "$scenario" = method-disable ]; then
    menu_url="http://$E2E_SRV_IP/pxelinux.cfg/default"
    curl -fsS -m 5 "$menu_url" >"$E/menu-before.cfg" || e2e_fail "cannot fetch $menu_url"
    grep -q 'archiso_http_srv=' "$E/menu-before.cfg" || e2e_fail "HTTP not in the menu at first"
    e2e_api_method_disable http
    curl -fsS -m 5 "$menu_url" >"$E/menu-after.cfg" || e2e_fail "cannot fetch $menu_url"
    if grep -q 'archiso_http_srv=' "$E/menu-after.cfg"; then
        e2e_fail "HTTP still in the menu after it was disabled through the API"
    fi
    e2e_log "HTTP method disabled through the API; the menu no longer offers it"
fi
e2e_ra_start
e2e_capture_start
if [ "$mode" = uefi ]; then
    # OVMF tries PXE over IPv6 only when PXE over IPv4 found no usable offer.
    E2E_FAIL_PATTERN='Start PXE over IPv6'
    E2E_FAIL_REASON="OVMF's PXE over IPv4 failed (PXE-E16: no valid offer for arch 7; an OFFER with option 60 PXEClient and no boot menu in option 43 makes EDK2 ask the boot server on :4011, see docs/e2e.md)"
fi
e2e_boot "$mode"
e2e_expect_method "$method"
if [ "$copytoram" = n ]; then
    case $method in
    nfs) e2e_expect_marker bootmnt=nfs ;;
    nbd) e2e_expect_marker nbd0=connected ;;
    esac
    e2e_log "copytoram=n: the root filesystem stayed on $method"
fi

case $loader in
ipxe)
    grep -aq 'GET /[^ ]*boot\.ipxe' "$E/tcpdump.log" ||
        e2e_fail "the guest never fetched the generated iPXE script"
    ;;
pxelinux)
    grep -aq 'RRQ "[^"]*lpxelinux\.0"' "$E/tcpdump.log" ||
        e2e_fail "the ROM never fetched lpxelinux.0 over TFTP"
    ;;
esac
case $scenario in
uefi)
    grep -aq 'RRQ "[^"]*snponly\.efi"' "$E/tcpdump.log" ||
        e2e_fail "OVMF never fetched snponly.efi over TFTP"
    ;;
method-disable)
    if grep -aq 'GET /[^ ]*airootfs\.sfs' "$E/tcpdump.log"; then
        e2e_fail "the guest fetched the root filesystem over HTTP after HTTP was disabled"
    fi
    ;;
esac
e2e_report
e2e_timeline
if [ -n "${E2E_SHOW_CONSOLE:-}" ]; then
    echo "  pxecore's log:"
    sed 's/^/    /' "$E/pxecore.log" | tail -n 40
fi
