#!/bin/bash
# SPDX-License-Identifier: MIT
# Usage: boot-reference.sh [http|nbd|nfs|uefi]   (uefi: OVMF, rootfs over HTTP)
# The reference stack of the Arch wiki boots the test image: dnsmasq (DHCP +
# TFTP with the wiki's options) and, for the root filesystem, busybox httpd
# (stand-in for darkhttpd), nbdkit (the ISO file) or nfs-ganesha (the image
# tree at /run/archiso/bootmnt, as archiso's menu expects). Proves the image
# and the harness independently of pxecore, and is the boot benchmark's peer.
# PXE_E2E_RA=0 leaves out the IPv6 RA (the wiki's setup has none).
set -eu
method=${1:-${E2E_SCENARIO:-http}}
. "$(dirname "$0")/lib-e2e.sh"
E2E_NAME="reference-$method"
e2e_init "$@"
mode=bios
case $method in
http)
    e2e_ref_httpd
    ;;
uefi)
    mode=uefi method=http
    e2e_ref_httpd
    ;;
nbd)
    E2E_REF_MENU=archiso_pxe_nbd.cfg
    e2e_ref_nbd
    ;;
nfs)
    E2E_REF_MENU=archiso_pxe_nfs.cfg
    e2e_private_run
    mkdir -p /run/archiso/bootmnt
    mount --bind "$E2E_IMAGE" /run/archiso/bootmnt
    e2e_ganesha /run/archiso/bootmnt
    ;;
*) e2e_fail "unknown method $method" ;;
esac
e2e_ref_dnsmasq
e2e_ra_start
e2e_capture_start
e2e_boot "$mode"
e2e_expect_method "$method"
e2e_report
