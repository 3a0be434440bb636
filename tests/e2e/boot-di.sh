#!/bin/bash
# SPDX-License-Identifier: MIT
# Usage: boot-di.sh SCENARIO   (or E2E_SCENARIO= from ctest)
# Debian's own netboot tree (package debian-installer-12-netboot-amd64) served
# as it is with --root: pxecore never shadows a file of the tree, and its own
# menus chain to the tree's. A QEMU guest boots the tree's menu, a person's
# keystrokes (lib-di.sh) add console=ttyS0,115200 to its default entry, and
# the installer must show its first dialog on the serial console. Scenarios:
#   bios-pxelinux  the issue's command: --root TREE --set dhcp.boot_bios=pxelinux.0
#                  --set dhcp.ipxe_chain=false; QEMU's iPXE ROM loads the tree's
#                  pxelinux.0, which reads the tree's pxelinux.cfg/default
#   bios-ipxe      the same with ipxe_chain on (the default): the ROM gets
#                  pxecore's boot.ipxe, whose only entry "<tree> (its own menu)"
#                  chains the tree's pxelinux.0 with options 209/210
#   uefi-grub      OVMF loads the tree's bootnetx64.efi (shim), which loads its
#                  grubx64.efi, which reads the tree's grub/grub.cfg
#   bios-image     --image TREE (not --root): the debian-installer image kind
#                  recognises the tree; pxecore's own boot.ipxe offers "Debian
#                  installer" with menu.console on its line, iPXE loads kernel
#                  and initrd over HTTP; no keystrokes
#   uefi-image     bios-image on UEFI: OVMF loads Debian's iPXE (snponly.efi, package
#                  ipxe), which boots the kind's entry from pxecore's boot.ipxe
#   bios-host      bios-image with a host profile for the guest (PUT /api/v1/hosts):
#                  image "debian" (a generic entry beside it leaves the menu),
#                  method "http" (the kind's entry needs no transport: it stays),
#                  console= in cmdline_extra (no menu.console: the dialog on the
#                  serial console proves the extra reached the installer) and
#                  boot_once (after the kernel was fetched the profile turns to
#                  local_boot and the menu offers only the local disk)
#   bios-menu      a host profile: pxecore's own pxelinux menu (pxelinux.cfg/01-<mac>)
#                  with "UI menu.c32", run by lpxelinux.0; neither is in the tree,
#                  both come from the system's pxelinux and syslinux-common
#                  (same release as the tree's loader); its entry "<tree> (its
#                  own menu)" says CONFIG ::/pxelinux.cfg/default ::/
# Labels e2e and debian-installer; exit 77 with the reason when something is missing.
set -eu
scenario=${1:-${E2E_SCENARIO:-bios-pxelinux}}
E2E_NO_ARCHISO=1
. "$(dirname "$0")/lib-e2e.sh"
. "$(dirname "$0")/lib-di.sh"
E2E_NAME="di-$scenario"

e2e_need_plugin dhcp tftp http
mode=bios
args=()
DI_MENU_FILE=splash.png DI_OPEN_KEYS=tab DI_MOVE_KEYS="" DI_BOOT_KEYS=ret
case $scenario in
bios-pxelinux) args+=(--set dhcp.boot_bios=pxelinux.0 --set dhcp.ipxe_chain=false) ;;
bios-ipxe) args+=(--set dhcp.boot_bios=pxelinux.0) ;;
uefi-grub)
    mode=uefi
    args+=(--set dhcp.boot_efi64=debian-installer/amd64/bootnetx64.efi)
    # GRUB's entry editor: setparams, a blank line, set background_color, linux
    DI_OPEN_KEYS=e DI_MOVE_KEYS="down down down end" DI_BOOT_KEYS=f10
    ;;
bios-image | bios-host) DI_FIRST_STATE=dialog ;;
uefi-image)
    mode=uefi DI_FIRST_STATE=dialog
    [ -f /usr/lib/ipxe/snponly.efi ] || e2e_skip "no /usr/lib/ipxe/snponly.efi (apt-get install ipxe)"
    ;;
bios-menu)
    [ -f /usr/lib/PXELINUX/lpxelinux.0 ] && [ -f /usr/lib/syslinux/modules/bios/menu.c32 ] ||
        e2e_skip "no /usr/lib/PXELINUX/lpxelinux.0 or /usr/lib/syslinux/modules/bios/menu.c32 (apt-get install pxelinux syslinux-common)"
    [ ! -e "$DI_TREE/lpxelinux.0" ] && [ ! -e "$DI_TREE/menu.c32" ] ||
        e2e_skip "the tree has its own lpxelinux.0 or menu.c32: nothing for pxecore to serve"
    args+=(--set dhcp.boot_bios=lpxelinux.0 --set dhcp.ipxe_chain=false
        --serial "0 115200" --menu-timeout 1s)
    ;;
*) e2e_fail "unknown scenario $scenario" ;;
esac

e2e_init "$@"
di_init
case $scenario in
bios-image | uefi-image | bios-host)
    e2e_need_plugin datakinds
    args+=(--image "debian=$DI_TREE" --menu-timeout 1s)
    if [ "$scenario" = bios-host ]; then
        args+=(--entries '[{"name": "other", "title": "Not for this host", "kernel": "other/vmlinuz"}]')
    else
        args+=(--set "menu.console=${DI_CONSOLE#console=}")
    fi
    if [ "$scenario" = uefi-image ]; then # Debian's iPXE for arch 7, in a root of its own
        mkdir -p "$E/efi"
        cp /usr/lib/ipxe/snponly.efi "$E/efi/"
        args+=(--root "$E/efi")
    fi
    ;;
*)
    args+=(--root "$DI_TREE")
    ;;
esac
e2e_pxecore_start --address "$E2E_SRV_IP" --disable-plugin nfs \
    --set "dhcp.interface=srv0" --set "dhcp.lease_file=$E/dhcp.leases" \
    --set "dhcp.range=192.0.2.100,192.0.2.150,1h" "${args[@]}"

is_image=0
case $scenario in bios-image | uefi-image | bios-host) is_image=1 ;; esac
if [ "$scenario" = bios-host ]; then
    e2e_api PUT "/api/v1/hosts/$E2E_MAC" "{\"image\": \"debian\", \"method\": \"http\",
        \"cmdline_extra\": \"$DI_CONSOLE\", \"boot_once\": true}" >"$E/api-host.log" ||
        e2e_fail "cannot set the host profile: $(cat "$E/api-host.log")"
    curl -fsS -m 5 "http://$E2E_SRV_IP/boot.ipxe" | grep -q '^item other Not for this host$' ||
        e2e_fail "the generic entry is missing from the menu of a machine without a profile"
fi
if [ $is_image = 1 ]; then
    grep -q "image 'debian': directory $DI_TREE, kind debian-installer" "$E/pxecore.log" ||
        e2e_fail "the tree was not recognised as a Debian installer image (pxecore.log)"
    curl -fsS -m 5 -o "$E/menu-ipxe.log" "http://$E2E_SRV_IP/boot.ipxe?mac=$E2E_MAC" ||
        e2e_fail "cannot fetch boot.ipxe"
    grep -q "^item debian-install Debian installer\$" "$E/menu-ipxe.log" &&
        grep -q "^kernel http://[^ ]*/images/debian/debian-installer/amd64/linux .*$DI_CONSOLE" "$E/menu-ipxe.log" ||
        e2e_fail "boot.ipxe lacks the Debian installer entry: $(cat "$E/menu-ipxe.log")"
    [ "$scenario" != bios-host ] || ! grep -q '^item other ' "$E/menu-ipxe.log" ||
        e2e_fail "the host profile's image did not narrow the menu: $(cat "$E/menu-ipxe.log")"
    # iPXE asks with the MAC percent-encoded (boot.ipxe?mac=52%3A54%3A...): the same menu
    [ "$scenario" != bios-host ] ||
        curl -fsS -m 5 "http://$E2E_SRV_IP/boot.ipxe?mac=${E2E_MAC//:/%3A}" | cmp -s - "$E/menu-ipxe.log" ||
        e2e_fail "boot.ipxe?mac=<percent-encoded MAC> is not the host's menu"
    e2e_log "the debian-installer kind recognised the tree; boot.ipxe offers it"
fi
# The tree's files are the tree's: its pxelinux.cfg/default byte for byte.
if [ $is_image = 0 ]; then
curl -fsS -m 5 -o "$E/served-default.cfg" "http://$E2E_SRV_IP/pxelinux.cfg/default" ||
    e2e_fail "cannot fetch pxelinux.cfg/default"
cmp -s "$E/served-default.cfg" "$DI_TREE/pxelinux.cfg/default" ||
    e2e_fail "pxelinux.cfg/default is not the tree's own file: $(head -c 300 "$E/served-default.cfg")"
curl -fsS -m 5 -o "$E/menu-ipxe.log" "http://$E2E_SRV_IP/boot.ipxe?mac=$E2E_MAC" ||
    e2e_fail "cannot fetch boot.ipxe"
grep -q '^chain tftp://[^ ]*/pxelinux\.0$' "$E/menu-ipxe.log" ||
    e2e_fail "boot.ipxe does not chain the tree's pxelinux.0: $(cat "$E/menu-ipxe.log")"
if [ "$scenario" = bios-menu ]; then
    ! curl -fsS -m 5 -o /dev/null "http://$E2E_SRV_IP/pxelinux.cfg/01-$(echo "$E2E_MAC" | tr : -)" ||
        e2e_fail "pxelinux.cfg/01-<mac> of a host without a profile shadows the tree's default"
    e2e_api PUT "/api/v1/hosts/$E2E_MAC" '{}' >"$E/api-host.log" ||
        e2e_fail "cannot set a host profile: $(cat "$E/api-host.log")"
    curl -fsS -m 5 -o "$E/menu-pxelinux.log" \
        "http://$E2E_SRV_IP/pxelinux.cfg/01-$(echo "$E2E_MAC" | tr : -)" ||
        e2e_fail "no generated pxelinux.cfg/01-<mac> for a host with a profile"
    grep -q '^UI menu\.c32$' "$E/menu-pxelinux.log" && grep -q '^  CONFIG ::/pxelinux.cfg/default ::/$' "$E/menu-pxelinux.log" ||
        e2e_fail "the generated pxelinux menu lacks UI menu.c32 or the CONFIG entry: $(cat "$E/menu-pxelinux.log")"
fi
e2e_log "the tree's pxelinux.cfg/default is served as it is; boot.ipxe chains the tree's loader"
fi

e2e_ra_start
e2e_capture_start
if [ "$mode" = uefi ]; then
    E2E_FAIL_PATTERN='Start PXE over IPv6'
    E2E_FAIL_REASON="OVMF's PXE over IPv4 failed (no usable offer for arch 7)"
fi
di_boot "$mode"

# What the guest fetched: the tree's own loader chain, in order.
rrq() { grep -aq "RRQ \"/\\?$1\"" "$E/tcpdump.log" || e2e_fail "no TFTP request for $1 (tcpdump.log)"; }
case $scenario in
bios-pxelinux)
    rrq pxelinux.0
    rrq pxelinux.cfg/default
    ;;
bios-ipxe)
    grep -aq 'GET /boot\.ipxe' "$E/tcpdump.log" || e2e_fail "the ROM never fetched boot.ipxe"
    rrq pxelinux.0
    rrq pxelinux.cfg/default
    ;;
uefi-grub)
    rrq debian-installer/amd64/bootnetx64.efi
    rrq debian-installer/amd64/grubx64.efi
    rrq debian-installer/amd64/grub/grub.cfg
    ;;
bios-menu)
    rrq lpxelinux.0
    rrq "pxelinux.cfg/01-$(echo "$E2E_MAC" | tr : -)"
    rrq pxelinux.cfg/default
    for f in /usr/lib/PXELINUX/lpxelinux.0 /usr/lib/syslinux/modules/bios/menu.c32 \
        /usr/lib/syslinux/modules/bios/libutil.c32 /usr/lib/syslinux/modules/bios/libcom32.c32; do
        grep -q "sent $f " "$E/pxecore.log" || e2e_fail "pxecore did not serve $f (pxecore.log)"
    done
    e2e_log "lpxelinux.0 and menu.c32 came from the system's pxelinux and syslinux-common"
    ;;
bios-image | uefi-image | bios-host)
    grep -aq 'GET /images/debian/debian-installer/amd64/initrd.gz' "$E/tcpdump.log" ||
        e2e_fail "iPXE never fetched the installer's initrd over HTTP (tcpdump.log)"
    ;;
esac
[ $is_image = 1 ] || rrq debian-installer/amd64/initrd.gz
# boot_once: the profile turned to local_boot
[ "$scenario" != bios-host ] || e2e_expect_local_boot debian-install
e2e_report
e2e_timeline
