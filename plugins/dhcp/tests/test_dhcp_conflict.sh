#!/bin/bash
# SPDX-License-Identifier: MIT
# Optional conflict check (conflict_check): an address that answers ping is not offered,
# it is quarantined and the client gets the next one; the loop keeps serving meanwhile.
# Network namespaces only.
set -eu
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/plugins/dhcp/tests/dhcp_lib.sh"
in_netns "$@"
use_plugins dhcp
need python3 ip nsenter
client_ns
# A machine squatting on the first pool address, which answers ping.
cli_exec ip addr add 192.0.2.50/24 dev cli0
mkdir -p "$T/img"
start_pxecore --image "$T/img" --interface srv0 --dhcp-range 192.0.2.50,192.0.2.99,12h \
    --set dhcp.lease_file="$T/leases" --set dhcp.conflict_check=300ms
cat >"$T/conflict.py" <<'P'
import sys
sys.path.insert(0, sys.argv[1])
import dhcpc
c = dhcpc.Client("cli0")
r = dhcpc.discover(c, dhcpc.mac_of(0x80), dhcpc.opt(60, dhcpc.PXE_VC) + dhcpc.arch(0))
dhcpc.check(r is not None and r["yiaddr"] == "192.0.2.51",
            "address in use skipped: offered %s" % (r and r["yiaddr"]))
r = dhcpc.discover(c, dhcpc.mac_of(0x81), dhcpc.opt(60, dhcpc.PXE_VC) + dhcpc.arch(0))
dhcpc.check(r is not None and r["yiaddr"] not in ("192.0.2.50", "192.0.2.51"),
            "quarantined address not offered again: %s" % (r and r["yiaddr"]))
sys.exit(dhcpc.failures)
P
cli_exec python3 "$T/conflict.py" "$PXECORE_SRC/plugins/dhcp/tests" || fail "conflict checks"
grep -q '192.0.2.50 answers ping: in use' "$T/pxecore.log" || fail "no conflict log line"
stop_pxecore || fail "pxecore did not exit cleanly"
echo PASS
