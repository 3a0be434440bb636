#!/bin/bash
# SPDX-License-Identifier: MIT
# Usage: boot-secureboot.sh SCENARIO   (or E2E_SCENARIO= from ctest)
# UEFI Secure Boot through pxecore (docs/secure-boot.md): Debian's OVMF Secure
# Boot build with Microsoft's keys enrolled (OVMF_CODE_4M.secboot.fd +
# OVMF_VARS_4M.ms.fd, q35 with SMM), TCG, in the harness's namespaces. The
# chain is Debian's packages' own binaries: shim-signed, shim-helpers-amd64-signed,
# grub-efi-amd64-signed; the kernel is the e2e image's, Debian's signed cloud kernel.
# Scenarios:
#   pxe         PXE -> shimx64.efi -> grubx64.efi (signed GRUB) -> pxecore's grub.cfg ->
#               Debian's signed kernel -> archiso's hooks -> the root filesystem's
#               marker; the kernel says "Secure boot enabled" and GRUB ran locked
#               down. A second image with an unsigned copy of the kernel is the menu
#               default for machines without Secure Boot: pxecore must not offer it
#               to this one (mode auto: GRUB's locked-down branch lacks it), and the
#               guest never fetches it.
#   refuse      only the unsigned image: pxecore's grub.cfg offers nothing; at the
#               GRUB prompt the unsigned kernel is loaded by hand and the chain
#               (GRUB's shim_lock verifier) refuses it: "bad shim signature".
#   mokmanager  an unsigned GRUB served as grubx64.efi: shim refuses it and asks for
#               mmx64.efi, which pxecore serves; MokManager starts.
#   http        UEFI HTTP Boot (OVMF's PXE switched off with its fw_cfg knobs):
#               http://.../secureboot/shimx64.efi, shim fetches grubx64.efi over HTTP
#               and starts it. (GRUB then stops at its prompt: see docs/secure-boot.md.)
# Exit 77 (skipped) with the reason when a package or plugin is missing.
set -eu
scenario=${1:-${E2E_SCENARIO:-pxe}}
. "$(dirname "$0")/lib-e2e.sh"
E2E_NAME="secureboot-$scenario"
E2E_LAYOUT=uuid

e2e_need sbverify sbattach mkfifo
for f in /usr/lib/shim/shimx64.efi.signed /usr/lib/shim/mmx64.efi.signed \
    /usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed /usr/share/shim/debian-uefi-ca.der \
    /usr/share/OVMF/OVMF_CODE_4M.secboot.fd /usr/share/OVMF/OVMF_VARS_4M.ms.fd; do
    [ -f "$f" ] || e2e_skip "missing $f (scripts/install-deps.sh: shim-signed, grub-efi-amd64-signed, ovmf)"
done
UNSIGNED_GRUB=/usr/lib/grub/x86_64-efi/monolithic/grubnetx64.efi # grub-efi-amd64-bin
e2e_need_plugin dhcp tftp http
e2e_init "$@"

# An image whose kernel is an unsigned copy of Debian's (signature table removed).
U=$E/unsigned
cp -a "$E2E_IMAGE" "$U"
k=arch/boot/x86_64/vmlinuz-linux
sbattach --remove "$U/$k" >/dev/null
! sbverify --list "$U/$k" 2>&1 | grep -q '^signature 1' || e2e_fail "sbattach left a signature"

args=(--address "$E2E_SRV_IP" --root "$E2E_LOADERS" --console ttyS0
    --set "menu.append=no_timer_check" --set "dhcp.interface=srv0"
    --set "dhcp.lease_file=$E/dhcp.leases" --set "dhcp.range=192.0.2.100,192.0.2.150,1h"
    --disable-plugin nfs)
# GRUB's serial terminal, except where keys are typed: GRUB then reads only the firmware's
# console (OVMF's includes the serial port), or two readers share the UART's bytes.
[ "$scenario" = refuse ] || args+=(--serial "0 115200")
case $scenario in
pxe) args+=(--image "archiso=$E2E_IMAGE" --image "unsigned=$U" --menu-timeout 100ms
    --menu-default unsigned-http --secure-boot auto) ;;
refuse) args+=(--image "unsigned=$U" --menu-timeout 60s --secure-boot on) ;;
mokmanager)
    [ -f "$UNSIGNED_GRUB" ] || e2e_skip "missing $UNSIGNED_GRUB (grub-efi-amd64-bin)"
    args+=(--image "archiso=$E2E_IMAGE" --secure-boot on --set "secure_boot.grub=$UNSIGNED_GRUB") ;;
http) args+=(--image "archiso=$E2E_IMAGE" --secure-boot on) ;;
*) e2e_fail "unknown scenario $scenario" ;;
esac
e2e_pxecore_start "${args[@]}"

# sbverify runs in the background after start: wait (bounded) for every kernel's verdict.
i=0
while :; do
    e2e_api GET /api/v1/images >"$E/images.json" || e2e_fail "GET /api/v1/images failed"
    grep -q '"state": *"pending"' "$E/images.json" || break
    i=$((i + 1))
    [ $i -lt 120 ] || e2e_fail "kernel signatures still pending after 60 s"
    sleep 0.5
done
python3 - "$E/images.json" <<'PY' >"$E/signatures.txt" || e2e_fail "no kernel_signature in GET /api/v1/images"
import json, sys
for img in json.load(open(sys.argv[1]))["images"]:
    print(img["name"], img["kernel_signature"]["state"])
PY
e2e_log "kernel signatures (GET /api/v1/images): $(tr '\n' ' ' <"$E/signatures.txt")"
case $scenario in pxe | refuse)
    grep -qx 'unsigned unsigned' "$E/signatures.txt" || e2e_fail "the unsigned kernel is not reported unsigned" ;;
esac
if [ "$scenario" != refuse ]; then
    grep -qx 'archiso signed' "$E/signatures.txt" || e2e_fail "Debian's kernel is not reported signed"
fi

# The grub.cfg the signed GRUB will read, fetched as it will be.
cfg_url="http://$E2E_SRV_IP/grub/x86_64-efi/grub.cfg"
curl -fsS -m 5 "$cfg_url" >"$E/grub-sb.cfg" || e2e_fail "cannot fetch $cfg_url"
# What GRUB runs under Secure Boot: everything, or (auto) the lockdown branch only.
awk '/^if \[ "\$lockdown" = "y" \]; then$/ {inb = 1; next} /^else$/ && inb {exit} {print}' \
    "$E/grub-sb.cfg" >"$E/grub-sb-locked.cfg"
if grep -v '^#' "$E/grub-sb-locked.cfg" | grep -q "images/unsigned/$k"; then
    e2e_fail "pxecore offers the unsigned kernel to Secure Boot clients (see grub-sb.cfg)"
fi
if grep -q '^ *insmod' "$E/grub-sb.cfg"; then
    e2e_fail "the Secure Boot grub.cfg loads modules (refused under lockdown)"
fi
case $scenario in pxe | refuse)
    grep -q "menu entry 'unsigned-http' not offered to Secure Boot clients" "$E/pxecore.log" ||
        e2e_fail "pxecore did not log why the unsigned entry is not offered"
    e2e_log "pxecore: $(grep -o "menu entry 'unsigned-http' not offered[^(]*" "$E/pxecore.log" | head -n1)" ;;
esac

# Keys for the guest's console (QEMU's stdin): a FIFO kept open here, one key per call
# of type_next (the firmware's console drops keys typed faster).
keys_open() {
    mkfifo "$E/keys"
    exec 7<>"$E/keys"
    E2E_QEMU_STDIN=$E/keys
    keys_state=0 keys=""
}
type_next() {
    [ -n "$keys" ] || return 1
    printf '%s' "${keys:0:1}" >&7
    keys=${keys:1}
}

E2E_FAIL_PATTERN='Start PXE over IPv6|Access Denied|Security Violation'
E2E_FAIL_REASON="OVMF's PXE over IPv4 failed or the firmware refused a binary"
case $scenario in
pxe)
    E2E_FAIL_PATTERN='Start PXE over IPv6|bad shim signature|Failed to boot both default|you need to load the kernel first'
    E2E_FAIL_REASON="OVMF's PXE failed, or GRUB could not load the kernel"
    ;;
refuse)
    E2E_OK_PATTERN='bad shim signature'
    E2E_FAIL_PATTERN='Linux version|Secure boot enabled|Start PXE over IPv6|can.t find command'
    E2E_FAIL_REASON="the unsigned kernel started, or OVMF's PXE failed"
    # Types at GRUB: 'c' at its menu, then a linux command at its prompt.
    type_grub() {
        type_next && return 0
        case $keys_state in
        0) if grep -aq 'Boot from local disk' "$E/serial.log"; then
            keys=c
            keys_state=1
        fi ;;
        1) if grep -aq 'grub>' "$E/serial.log"; then
            keys="linux (tftp,$E2E_SRV_IP)/images/unsigned/$k"$'\r'
            keys_state=2
        fi ;;
        esac
    }
    keys_open
    E2E_BOOT_HOOK=type_grub
    ;;
mokmanager)
    E2E_OK_PATTERN='Perform MOK management|UEFI key management|Press any key to perform MOK'
    E2E_FAIL_PATTERN='Start PXE over IPv6|GNU GRUB'
    E2E_FAIL_REASON="OVMF's PXE failed, or shim started the unsigned GRUB"
    # shim shows "Verification failed: (0x1A) Security Violation" and waits for a key,
    # then starts MokManager.
    type_ok() {
        type_next && return 0
        if [ "$keys_state" = 0 ] && grep -aq 'Verification failed' "$E/serial.log"; then
            keys=$'\r'
            keys_state=1
        fi
    }
    keys_open
    E2E_BOOT_HOOK=type_ok
    ;;
http)
    # HTTP Boot only: OVMF's fw_cfg knobs switch PXE and IPv6 off.
    E2E_QEMU_ARGS=(-fw_cfg name=opt/org.tianocore/IPv4PXESupport,string=no
        -fw_cfg name=opt/org.tianocore/IPv6PXESupport,string=no
        -fw_cfg name=opt/org.tianocore/IPv6Support,string=no)
    # Debian 12's signed GRUB network image has no http module and finds no server
    # after an HTTP Boot: it stops at its prompt (docs/secure-boot.md). The chain is
    # tested up to GRUB running, verified by shim under Secure Boot.
    E2E_OK_PATTERN='Welcome to GRUB'
    E2E_FAIL_PATTERN='Verification failed|Security Violation|Access Denied'
    ;;
esac
e2e_ra_start
e2e_capture_start
# GRUB fetches kernel and initrd over TFTP (its signed image has no http module): slow
# under TCG (about 150 s to the marker), so the limit is longer than other boots'. Only
# the pxe boot is retried after a silent hang (the others type keys at a state).
[ "$scenario" = pxe ] || E2E_HANG_RETRIES=0
# Only the pxe scenario runs the archiso hooks; the others end in shim, GRUB or MokManager
# (E2E-SUMMARY counts them as "anything else").
[ "$scenario" = pxe ] || E2E_RESULT_CLIENT=shim-grub
e2e_boot uefi-sb "${PXE_E2E_SB_TIMEOUT:-270}"

# Every boot: the firmware fetched Debian's signed shim from pxecore, shim its second stage.
wire() { grep -aq -- "$1" "$E/tcpdump.log"; }
if [ "$scenario" = http ]; then
    wire 'GET /secureboot/shimx64.efi' || e2e_fail "OVMF's HTTP Boot never fetched secureboot/shimx64.efi"
    # shim 16.1 asks for "/secureboot//grubx64.efi" (its own URL's directory + "/grubx64.efi")
    wire 'GET /secureboot//*grubx64.efi' || e2e_fail "shim never fetched grubx64.efi over HTTP"
else
    wire 'RRQ "secureboot/shimx64.efi"' || e2e_fail "OVMF never fetched secureboot/shimx64.efi over TFTP"
    wire 'RRQ "secureboot/grubx64.efi"' || e2e_fail "shim never fetched secureboot/grubx64.efi"
fi
case $scenario in
pxe)
    e2e_expect_method http
    e2e_serial_has 'Secure boot enabled' || e2e_fail "the kernel did not report 'Secure boot enabled'"
    e2e_serial_has 'pxecore secure boot chain: lockdown=y' ||
        e2e_fail "GRUB did not run locked down (no lockdown=y from pxecore's grub.cfg)"
    wire 'RRQ "/grub/grub.cfg"' || e2e_fail "GRUB never asked for /grub/grub.cfg"
    if wire "images/unsigned/"; then
        e2e_fail "the guest fetched a file of the unsigned image"
    fi
    e2e_log "Secure Boot on: kernel '$(tr '\r' '\n' <"$E/serial.log" | grep -a -o 'secureboot: Secure boot enabled' | head -n1)', GRUB $(tr '\r' '\n' <"$E/serial.log" | grep -a -o 'lockdown=y shim_lock=[a-z]*' | head -n1)"
    ;;
refuse)
    grep -q "\[tftp\] sent .*unsigned/$k" "$E/pxecore.log" ||
        e2e_fail "GRUB never fetched the unsigned kernel (the refusal was not about its signature)"
    e2e_log "GRUB fetched the unsigned kernel typed at its prompt and refused it: bad shim signature"
    ;;
mokmanager)
    grep -q '\[tftp\] sent /usr/lib/shim/mmx64.efi.signed' "$E/pxecore.log" ||
        e2e_fail "pxecore never sent mmx64.efi"
    e2e_log "shim refused the unsigned grubx64.efi, fetched secureboot/mmx64.efi, MokManager started"
    ;;
esac
e2e_report
