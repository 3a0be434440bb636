#!/bin/bash
# SPDX-License-Identifier: MIT
# The reference stack of the Arch wiki (dnsmasq DHCP + TFTP with the wiki's
# options, busybox httpd for the root filesystem) boots the test image:
# proves the image and the harness independently of pxecore.
# PXE_E2E_RA=0 leaves out the IPv6 RA (the wiki's setup has none).
set -eu
. "$(dirname "$0")/lib-e2e.sh"
e2e_init "$@"
e2e_need dnsmasq busybox
e2e_ref_dnsmasq
e2e_ref_httpd
e2e_ra_start
e2e_capture_start
e2e_boot bios
e2e_expect_method http
e2e_report
