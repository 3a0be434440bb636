#!/bin/bash
# SPDX-License-Identifier: MIT
# Malformed datagrams (short, bad cookie, option past the end, overload loop) are
# dropped and counted; the server keeps answering.  Network namespaces only.
set -eu
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/plugins/dhcp/tests/dhcp_lib.sh"
in_netns "$@"
use_plugins dhcp
need python3 ip nsenter
client_ns
cli_exec ip addr add 192.0.2.200/24 dev cli0
mkdir -p "$T/img"
start_pxecore --image "$T/img" --interface srv0 --dhcp-range 192.0.2.50,192.0.2.99,12h \
    --set dhcp.lease_file="$T/leases" --set api.metrics_public=true
cli_exec $DHCPC cli0 malformed 192.0.2.1 || fail "crafted client checks failed"
grep -q 'malformed DHCP datagram' "$T/pxecore.log" || fail "malformed datagrams not logged"
n=$(dhcp_metric malformed_total)
stop_pxecore || fail "pxecore did not exit cleanly"
[ "$n" = 4 ] || fail "malformed_total is '$n', expected 4"
echo PASS
