#!/bin/bash
# SPDX-License-Identifier: MIT
# Crafted requests (tests/dhcpc.py) checked option by option: BIOS, UEFI x64 (7, 9),
# ARM64, iPXE, HTTPClient, NAK, relay (giaddr, option 82), INFORM, broadcast flag.
# Network namespaces only.
set -eu
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/plugins/dhcp/tests/dhcp_lib.sh"
in_netns "$@"
use_plugins dhcp
need_http_service
need python3 ip nsenter
client_ns
cli_exec ip addr add 192.0.2.200/24 dev cli0
mkdir -p "$T/img"
start_pxecore --image "$T/img" --interface srv0 --dhcp-range 192.0.2.50,192.0.2.99,12h \
    --set dhcp.lease_file="$T/leases" --set 'dhcp.arch_table={"arm64":"arm64/snp.efi"}' \
    $(http_args 8080)
cli_exec $DHCPC cli0 clients 192.0.2.1 8080 || fail "crafted client checks failed"
grep -q 'DHCPOFFER(srv0) 192.0.2.[0-9]* 02:00:00:00:10:20 http://192.0.2.1:8080/boot.ipxe' \
    "$T/pxecore.log" || fail "no iPXE offer log line"
stop_pxecore || fail "pxecore did not exit cleanly"

# Without an http service, iPXE gets no boot file and one notice explains why.
: >"$T/pxecore.log"
use_plugins dhcp
start_pxecore --image "$T/img" --interface srv0 --dhcp-range 192.0.2.50,192.0.2.99,12h \
    --set dhcp.lease_file="$T/leases2"
cat >"$T/ipxe.py" <<'P'
import sys
sys.path.insert(0, sys.argv[1])
import dhcpc
c = dhcpc.Client("cli0")
r = dhcpc.discover(c, dhcpc.mac_of(0x70), dhcpc.opt(60, dhcpc.PXE_VC) + dhcpc.arch(0) +
                   dhcpc.opt(77, b"iPXE"))
dhcpc.check(r is not None and r["file"] == "" and r["yiaddr"] != "0.0.0.0",
            "iPXE without http: address, no boot file")
sys.exit(dhcpc.failures)
P
cli_exec python3 "$T/ipxe.py" "$PXECORE_SRC/plugins/dhcp/tests" || fail "iPXE without http"
grep -q 'no http service' "$T/pxecore.log" || fail "no notice about the missing http service"
stop_pxecore || fail "pxecore did not exit cleanly"

# Host profiles: local boot means no boot file; a known BIOS host gets its own menu (209).
: >"$T/pxecore.log"
need curl
start_pxecore --image "$T/img" --interface srv0 --dhcp-range 192.0.2.50,192.0.2.99,12h \
    --set dhcp.lease_file="$T/leases3"
api PUT /api/v1/hosts/02:00:00:00:10:71 '{"local_boot": true}' >/dev/null ||
    fail "PUT host profile"
api PUT /api/v1/hosts/02:00:00:00:10:73 '{}' >/dev/null || fail "PUT host profile"
cat >"$T/host.py" <<'P'
import sys
sys.path.insert(0, sys.argv[1])
import dhcpc
c = dhcpc.Client("cli0")
r = dhcpc.discover(c, dhcpc.mac_of(0x71), dhcpc.opt(60, dhcpc.PXE_VC) + dhcpc.arch(0))
dhcpc.check(r is not None and r["file"] == "" and 209 not in r["opts"] and
            r["yiaddr"] != "0.0.0.0", "local_boot host: address, no boot file")
r = dhcpc.discover(c, dhcpc.mac_of(0x72), dhcpc.opt(60, dhcpc.PXE_VC) + dhcpc.arch(0))
dhcpc.check(r is not None and r["opts"].get(209) == b"pxelinux.cfg/default",
            "unknown host: pxelinux.cfg/default")
r = dhcpc.discover(c, dhcpc.mac_of(0x73), dhcpc.opt(60, dhcpc.PXE_VC) + dhcpc.arch(0))
dhcpc.check(r is not None and r["opts"].get(209) == b"pxelinux.cfg/01-02-00-00-00-10-73" and
            r["file"] == "boot/syslinux/lpxelinux.0", "known host: its own pxelinux config")
sys.exit(dhcpc.failures)
P
cli_exec python3 "$T/host.py" "$PXECORE_SRC/plugins/dhcp/tests" || fail "host profile checks"
grep -q '02:00:00:00:10:71: host profile says local boot' "$T/pxecore.log" ||
    fail "no local-boot log line"
stop_pxecore || fail "pxecore did not exit cleanly"
echo PASS
