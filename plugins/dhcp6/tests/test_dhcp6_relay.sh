#!/bin/bash
# SPDX-License-Identifier: MIT
# Relayed DHCPv6 (RFC 8415 19): ISC dhclient -6 on one link, dnsmasq as the DHCPv6 relay
# agent (--dhcp-relay) between it and pxecore on another link.  pxecore answers the
# Relay-forward with a Relay-reply: an address from a pool on the client's link (chosen by
# the relay's link-address) and the boot file URL, which the client then fetches over the
# routed path.  A pool on another prefix gives a relayed client no address.
# Three network namespaces (server, relay, client), 2001:db8:a::/64 and 2001:db8:b::/64,
# no route out.
set -eu
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/plugins/dhcp/tests/dhcp_lib.sh"
. "$PXECORE_SRC/plugins/dhcp6/tests/dhcp6_lib.sh"
in_netns "$@"
use_plugins dhcp6 tftp
need dhclient dnsmasq ip nsenter timeout curl
[ -e /proc/sys/net/ipv6 ] || skip "no IPv6 in this kernel"
LOG=$T/pxecore.log

# server (here) srv0 2001:db8:b::1 <-> rl1 2001:db8:b::2 (relay) rl0 2001:db8:a::1 <-> cli0
ns_spawn
CLI_NS_PID=$NS_PID
ns_spawn
RL=$NS_PID
rl_exec() { nsenter -n -t "$RL" "$@"; }
ip link add srv0 type veth peer name rl1
ip link set rl1 netns "$RL"
rl_exec ip link add rl0 type veth peer name cli0
rl_exec ip link set cli0 netns "$CLI_NS_PID"
for ns in "" "rl_exec" "cli_exec"; do $ns ip link set lo up; done
ip addr add 2001:db8:b::1/64 dev srv0 nodad
ip link set srv0 up
rl_exec sysctl -qw net.ipv6.conf.all.forwarding=1
rl_exec ip addr add 2001:db8:b::2/64 dev rl1 nodad
rl_exec ip addr add 2001:db8:a::1/64 dev rl0 nodad
rl_exec ip link set rl1 up
rl_exec ip link set rl0 up
cli_exec sysctl -qw net.ipv6.conf.cli0.accept_dad=0
cli_exec ip link set cli0 up
# Routes once every link has its carrier (a next hop must be on a link that is up).
ip -6 route add 2001:db8:a::/64 via 2001:db8:b::2 dev srv0
cli_exec ip -6 route add 2001:db8:b::/64 via 2001:db8:a::1 dev cli0 onlink

# dnsmasq as nothing but a DHCPv6 relay agent (no DNS, no DHCP server of its own).
rl_exec dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0 --log-dhcp \
    --log-facility="$T/dnsmasq.log" --pid-file="$T/dnsmasq.pid" --user=root \
    --dhcp-relay=2001:db8:a::1,2001:db8:b::1 &
RELAY_PID=$!
at_exit "kill $RELAY_PID 2>/dev/null"
mkdir -p "$T/img" "$T/root"
head -c 100000 /dev/urandom >"$T/root/snponly.efi"
args=(--image "$T/img" --root "$T/root" --set tftp.address=:: --set dhcp6.interface=srv0
      --set dhcp6.ipv6_ra=false)

start_pxecore "${args[@]}" --set dhcp6.range=2001:db8:a::100,2001:db8:a::1ff
dhc6 7 pxe
addr=$(envval pxe new_ip6_address)
case $addr in 2001:db8:a::1[0-9a-f][0-9a-f]) ;; *) fail "address '$addr' not from the client link's pool" ;; esac
expect_env pxe new_dhcp6_bootfile_url 'tftp://[2001:db8:b::1]/snponly.efi'
wait_for "$LOG" "DHCPSOLICIT\(srv0 via 2001:db8:b::2\) 52:54|DHCPSOLICIT\(srv0 via 2001:db8:b::2\) [0-9a-f:]+ arch 7"
wait_for "$LOG" "DHCPREPLY\(srv0\) $addr "
grep -E "DHCP(SOLICIT|REQUEST)\(srv0 via" "$LOG" | sed 's/^/  pxecore: /'
# The URL works from the client's link, through the relay's routing.
cli_exec ip addr add "$addr/64" dev cli0 nodad
cli_exec timeout 30 curl -sf -o "$T/got.tftp" 'tftp://[2001:db8:b::1]/snponly.efi' ||
    fail "TFTP over the routed IPv6 path failed"
[ "$(sha "$T/got.tftp")" = "$(sha "$T/root/snponly.efi")" ] || fail "TFTP content differs"
relayed=$(curl -s "http://127.0.0.1:$(api_port)/api/v1/metrics" -H "Authorization: Bearer $(cat "$T/state/api.token")" |
    sed -n 's/^pxecore_dhcp6_relayed_total //p')
[ "${relayed:-0}" -ge 2 ] || fail "relayed_total is '${relayed:-}' (Solicit and Request came through the relay)"
stop_pxecore || fail "pxecore did not exit cleanly"

# A pool on a prefix that is not the relayed client's link: no address, said in the log.
start_pxecore "${args[@]}" --set dhcp6.range=2001:db8:c::100,2001:db8:c::1ff
cli_exec ip addr flush dev cli0 scope global
cli_exec timeout 12 dhclient -6 -1 -cf "$T/pxe.conf" -sf "$T/pxe.sh" -lf "$T/none.leases" \
    -pf "$T/none.pid" cli0 >>"$T/dhclient.log" 2>&1 && fail "a client on another link got an address"
wait_for "$LOG" "DHCPSOLICIT\(srv0\) .*: no address available|DHCPADVERTISE.*no address"
stop_pxecore || fail "pxecore did not exit cleanly"
echo "PASS: relayed Solicit/Request answered in Relay-reply, address on the client's link, URL fetched"
