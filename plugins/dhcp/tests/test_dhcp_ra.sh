#!/bin/bash
# SPDX-License-Identifier: MIT
# IPv6 Router Solicitations in full DHCP mode: answered with a Router
# Advertisement that gives no address or route (lifetime 0, no options, no M/O
# flags); invalid solicitations dropped and counted; rate limit; nothing with
# ipv6_ra=false; never in proxy mode.  Network namespaces only.
set -eu
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/plugins/dhcp/tests/dhcp_lib.sh"
in_netns "$@"
use_plugins dhcp
need ip nsenter python3 curl
[ -d /proc/sys/net/ipv6 ] || skip "no IPv6 in this kernel"
client_ns
RS="python3 $PXECORE_SRC/plugins/dhcp/tests/rs.py"
LOG=$T/pxecore.log
# IPv6 on both ends; the client kernel sends no solicitations of its own.
sysctl -qw net.ipv6.conf.srv0.disable_ipv6=0
cli_exec sysctl -qw net.ipv6.conf.cli0.router_solicitations=0
cli_exec sysctl -qw net.ipv6.conf.cli0.disable_ipv6=0
args=(--interface srv0 --dhcp-range 192.0.2.50,192.0.2.99,1h --set dhcp.lease_file="$T/leases"
      --set api.metrics_public=true)

# ll_ready CMD...: waits (at most 10 s) for a non-tentative link-local address.
ll_ready() {
    i=0
    until "$@" | grep 'scope link' | grep -vq tentative; do
        i=$((i + 1)); [ "$i" -lt 100 ] || fail "no link-local address: $("$@")"
        sleep 0.1
    done
}

start_pxecore "${args[@]}"
grep -q 'ipv6_ra: answering router solicitations on srv0' "$LOG" || fail "no ipv6_ra log line"
ll_ready ip -6 addr show dev srv0
ll_ready cli_exec ip -6 addr show dev cli0

# One solicitation: one advertisement from srv0's link-local address, hop limit 255,
# router lifetime 0, no flags, no options.
out=$(cli_exec $RS cli0 1 2)
echo "$out"
[ "$(echo "$out" | grep -c '^ra ')" = 1 ] || fail "expected one RA, got: $out"
echo "$out" | grep -q ' src=fe80:' || fail "RA not from a link-local address"
for f in hops=255 code=0 curhop=64 flags=0 lifetime=0 reachable=0 retrans=0 len=16; do
    echo "$out" | grep -q " $f\b" || fail "RA: expected $f in: $out"
done
[ "$(dhcp_metric rs_received_total)" = 1 ] || fail "rs_received_total: $(dhcp_metric rs_received_total)"
[ "$(dhcp_metric ra_sent_total)" = 1 ] || fail "ra_sent_total: $(dhcp_metric ra_sent_total)"
# The client took neither an address nor a default route from it.
cli_exec ip -6 route show default | grep -q . && fail "client got an IPv6 default route"
cli_exec ip -6 addr show dev cli0 scope global | grep -q inet6 && fail "client got a global address"

# A solicitation that crossed a router (hop limit < 255) is dropped and counted.
out=$(cli_exec $RS cli0 1 1 64)
[ -z "$out" ] || fail "RA for a routed RS: $out"
[ "$(dhcp_metric rs_malformed_total)" = 1 ] || fail "rs_malformed_total: $(dhcp_metric rs_malformed_total)"

# A burst of 30 solicitations gets at most 10 advertisements (rate limit), at least one.
sleep 1.1 # a fresh rate-limit window
out=$(cli_exec $RS cli0 30 1.5)
n=$(echo "$out" | grep -c '^ra ' || true)
[ "$n" -ge 1 ] && [ "$n" -le 10 ] || fail "burst of 30 RS: $n RAs"
[ "$(dhcp_metric rs_received_total)" = 31 ] || fail "rs_received_total: $(dhcp_metric rs_received_total)"
stop_pxecore || fail "pxecore exit status $?"

# ipv6_ra=false: no answer.
start_pxecore "${args[@]}" --set dhcp.ipv6_ra=false
out=$(cli_exec $RS cli0 2 2)
[ -z "$out" ] || fail "RA with ipv6_ra=false: $out"
stop_pxecore || fail "pxecore exit status $?"

# Proxy mode: never an RA (the site has its own router).
start_pxecore --interface srv0 --proxy-dhcp --set api.metrics_public=true
out=$(cli_exec $RS cli0 2 2)
[ -z "$out" ] || fail "RA in proxy mode: $out"
stop_pxecore || fail "pxecore exit status $?"
[ "$(grep -c 'ipv6_ra: answering' "$LOG")" = 1 ] || fail "ipv6_ra active in more than one run"
grep -q 'notice: \[dhcp\] ipv6_ra:' "$LOG" && fail "unexpected ipv6_ra notice: $(grep 'ipv6_ra:' "$LOG")"
echo "PASS"
