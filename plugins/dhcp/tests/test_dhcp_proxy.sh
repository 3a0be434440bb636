#!/bin/bash
# SPDX-License-Identifier: MIT
# proxyDHCP beside dnsmasq acting as the site's DHCP server on the same segment:
# the client's address comes from dnsmasq, its boot file from pxecore (port 67
# shared, boot server on 4011).  Network namespaces only.
set -eu
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/plugins/dhcp/tests/dhcp_lib.sh"
in_netns "$@"
use_plugins dhcp
need_http_service
need python3 ip nsenter dnsmasq busybox
client_ns
ip addr add 192.0.2.2/24 dev srv0       # pxecore's address; dnsmasq answers as 192.0.2.1
cli_exec ip addr add 192.0.2.200/24 dev cli0
mkdir -p "$T/img"

start_dnsmasq() {
    dnsmasq --no-daemon --port=0 --interface=srv0 --bind-interfaces --no-ping \
        --dhcp-range=192.0.2.100,192.0.2.149,1h --dhcp-leasefile="$T/dnsmasq.leases" \
        --pid-file="$T/dnsmasq.pid" --log-dhcp >>"$T/dnsmasq.log" 2>&1 &
    DNSMASQ_PID=$!
    at_exit "kill $DNSMASQ_PID 2>/dev/null"
    wait_for "$T/dnsmasq.log" 'DHCP, IP range'
}

# dnsmasq first, then pxecore binds beside it.
start_dnsmasq
start_pxecore --image "$T/img" --interface srv0 --proxy-dhcp \
    --set dhcp.server_address=192.0.2.2 $(http_args 8080)
grep -q 'proxyDHCP on srv0' "$T/pxecore.log" || fail "proxy mode did not start"
cli_exec $DHCPC cli0 proxy 192.0.2.2 192.0.2.1 8080 || fail "crafted proxy checks failed"

# dnsmasq restarted while pxecore holds its port-67 socket: still binds and serves.
kill "$DNSMASQ_PID"; wait "$DNSMASQ_PID" 2>/dev/null || true
: >"$T/dnsmasq.log"
start_dnsmasq
cli_exec ip addr flush dev cli0
# The installed system (a plain client) gets its lease from the site server only.
udhcpc_run p || fail "plain udhcpc got no lease from dnsmasq"
case "$(envval p ip)" in 192.0.2.1[0-4][0-9]) ;; *) fail "lease not from dnsmasq: $(envval p ip)" ;; esac
expect_env p serverid 192.0.2.1
[ -z "$(envval p boot_file)" ] || fail "plain client got a boot file"
grep -q 'DHCPACK(srv0) 192.0.2.1[0-4][0-9]' "$T/dnsmasq.log" || fail "dnsmasq did not ACK"
stop_pxecore || fail "pxecore did not exit cleanly"
echo PASS
