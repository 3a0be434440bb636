#!/bin/bash
# SPDX-License-Identifier: MIT
# Safe defaults: idle without an interface, refusal of a range or proxy mode without
# one, of full mode without a range, of bad ranges, tables and missing interfaces, of
# proxy_relay in full mode or on an address that is not ours.
# Network namespace only (nothing here should ever bind, but be safe).
set -eu
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/plugins/dhcp/tests/dhcp_lib.sh"
in_netns "$@"
use_plugins dhcp
need ip
mkdir -p "$T/img"
ip link add srv0 type veth peer name cli0
ip addr add 192.0.2.1/24 dev srv0
ip link set srv0 up

start_pxecore --image "$T/img"
grep -q 'no interface configured: DHCP stays idle' "$T/pxecore.log" || fail "no idle notice"
stop_pxecore || fail "idle daemon did not exit cleanly"

# refuses EXPECTED_CODE PATTERN ARGS...: the daemon exits with EXPECTED_CODE and logs PATTERN.
refuses() {
    code=$1 pat=$2; shift 2
    rc=0
    timeout 10 "$PXECORE_BIN" --plugins-dir "$PXECORE_PLUGINS" --state-dir "$T/state" \
        --image "$T/img" --no-api "$@" >"$T/refuse.log" 2>&1 || rc=$?
    [ "$rc" = "$code" ] || { cat "$T/refuse.log"; fail "exit $rc, expected $code for: $*"; }
    grep -q -- "$pat" "$T/refuse.log" || { cat "$T/refuse.log"; fail "no '$pat' for: $*"; }
}
refuses 1 'needs an explicit interface' --dhcp-range 192.0.2.50,192.0.2.99
refuses 1 'needs an explicit interface' --proxy-dhcp
refuses 1 'full DHCP mode needs a range' --interface srv0
refuses 1 "dhcp-range '192.0.2.99,192.0.2.50'" --interface srv0 --dhcp-range 192.0.2.99,192.0.2.50
refuses 1 "dhcp-range" --interface srv0 --dhcp-range 192.0.2.50,192.0.2.99,1s
refuses 1 "dhcp-range" --interface srv0 --dhcp-range 10.0.0.0,10.2.0.0
refuses 1 'reservations: bad entry' --interface srv0 --dhcp-range 192.0.2.50,192.0.2.99 \
    --set 'dhcp.reservations={"nonsense":"192.0.2.5"}'
refuses 1 'arch_table: key' --interface srv0 --dhcp-range 192.0.2.50,192.0.2.99 \
    --set 'dhcp.arch_table={"x86":"a.efi"}'
refuses 1 'proxy_relay is for proxy mode' --interface srv0 --dhcp-range 192.0.2.50,192.0.2.99 \
    --proxy-dhcp-relay
# proxy_relay binds our address:67; an address that is not ours names the key.
refuses 2 'proxy_relay: bind 192.0.2.9:67' --interface srv0 --proxy-dhcp --proxy-dhcp-relay \
    --set dhcp.server_address=192.0.2.9
refuses 2 'interface nope0' --interface nope0 --dhcp-range 192.0.2.50,192.0.2.99 \
    --set dhcp.lease_file="$T/l"
echo PASS
