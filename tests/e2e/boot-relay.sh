#!/bin/bash
# SPDX-License-Identifier: MIT
# Usage: boot-relay.sh [uefi|bios] [LAYOUT]   (or E2E_SCENARIO=, E2E_LAYOUT= from ctest)
# Proxy mode behind a DHCP relay (issue 23, item 4). A QEMU guest (uefi: OVMF's
# own PXE, then Debian's snponly.efi; bios: SeaBIOS and the NIC's iPXE ROM) in
# 198.51.100.0/24 is relayed by a real relay, dnsmasq's
# --dhcp-relay on the router, to the site's DHCP server (dnsmasq: addresses
# only, no boot options) and to pxecore in proxy mode, both in 192.0.2.0/24:
#
#   client ns                 router ns (relay)              this ns        site ns
#   QEMU-tap0-br0-cli0 <-> rt0 198.51.100.1  rt1 192.0.2.254 <-> srv0 (bridge) <-> site0
#                                                           192.0.2.1       192.0.2.2
#                                                           pxecore         dnsmasq
#
# No namespace has a route out. The path checked: the relay forwards the
# firmware's DISCOVER to both servers (giaddr 198.51.100.1); pxecore answers the
# relay (giaddr:67) with its proxy offer, flagged broadcast so the relay can
# deliver it to a client that has no address yet; the firmware takes its address
# from the site server. uefi: OVMF asks pxecore's boot server on port 4011
# (routed unicast, as EDK2 does for a PXEClient offer without option 43), gets
# snponly.efi, fetches it over TFTP, and that iPXE goes through the relay again.
# bios: the ROM takes the proxy offer's boot file as it is (iPXE asks 4011 only
# when the offer has no file). Then boot.ipxe, kernel and initrd over HTTP, the
# real archiso hooks, the root filesystem over HTTP, the marker. The wire must
# show pxecore's replies to the relay (and for uefi the 4011 exchange).
set -eu
scenario=${1:-${E2E_SCENARIO:-uefi}}
E2E_LAYOUT=${2:-${E2E_LAYOUT:-uuid}}
. "$(dirname "$0")/lib-e2e.sh"
E2E_NAME="pxecore-relay-$scenario"
RELAY_CLI=198.51.100.1 RELAY_SRV=192.0.2.254 SITE_IP=192.0.2.2

e2e_need dnsmasq tcpdump
case $scenario in
bios) e2e_need_plugin dhcp http ;;
uefi) e2e_need_plugin dhcp http tftp ;;
*) e2e_fail "unknown scenario $scenario" ;;
esac
"$PXECORE_BIN" --dump-plugin "$PXECORE_PLUGINS/pxecore-dhcp.so" 2>/dev/null |
    grep -q '^config\.proxy_relay=' || e2e_skip "the dhcp plugin has no proxy_relay key yet"

# ns_new VAR: a new network namespace held by a sleeping process; VAR = its PID.
ns_new() {
    unshare --net sleep 3600 &
    local pid=$! i=0
    E2E_PIDS+=("$pid")
    while [ "$(readlink /proc/$pid/ns/net)" = "$(readlink /proc/self/ns/net)" ]; do
        i=$((i + 1))
        [ $i -lt 50 ] || e2e_fail "namespace not created"
        sleep 0.05
    done
    printf -v "$1" %s "$pid"
}
rx() { nsenter -n -t "$RT_PID" "$@"; }
sx() { nsenter -n -t "$SITE_PID" "$@"; }

# Replaces the harness's one-segment topology (called by e2e_init).
e2e_topology() {
    ns_new E2E_CLI_PID
    ns_new RT_PID
    ns_new SITE_PID
    sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
    rx sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0 net.ipv4.ip_forward=1
    # This namespace: the server segment as a bridge, pxecore on its address.
    ip link add srv0 type bridge forward_delay 0 stp_state 0
    ip addr add "$E2E_SRV_IP/24" dev srv0
    ip link add srt0 type veth peer name rt1
    ip link add ssite0 type veth peer name site0
    ip link set rt1 netns "$RT_PID"
    ip link set site0 netns "$SITE_PID"
    for l in srt0 ssite0; do ip link set "$l" master srv0 && ip link set "$l" up; done
    ip link set srv0 up
    ip route add 198.51.100.0/24 via "$RELAY_SRV"
    # The site DHCP server.
    sx ip link set lo up
    sx ip addr add "$SITE_IP/24" dev site0
    sx ip link set site0 up
    sx ip route add 198.51.100.0/24 via "$RELAY_SRV"
    # The router and relay.
    ip link add rt0 type veth peer name cli0
    ip link set rt0 netns "$RT_PID"
    ip link set cli0 netns "$E2E_CLI_PID"
    rx ip link set lo up
    rx ip addr add "$RELAY_CLI/24" dev rt0
    rx ip addr add "$RELAY_SRV/24" dev rt1
    rx ip link set rt0 up
    rx ip link set rt1 up
    # The client segment: QEMU's tap bridged to the router's port, no address.
    e2e_client_bridge
}

e2e_init "$@"

# The site's DHCP server: addresses for the relayed subnet, no boot options.
cat >"$E/site.conf" <<EOF
port=0
interface=site0
dhcp-range=198.51.100.50,198.51.100.99,255.255.255.0,12h
dhcp-option=option:router,$RELAY_CLI
dhcp-leasefile=$E/site.leases
log-dhcp
pid-file=
EOF
nsenter -n -t "$SITE_PID" dnsmasq -k -u root -C "$E/site.conf" --log-facility=- >"$E/site-dnsmasq.log" 2>&1 &
E2E_PIDS+=($!)
# The relay on the router, to both servers. No bind-interfaces: the servers'
# replies arrive on rt1, addressed to the relay's address on rt0.
nsenter -n -t "$RT_PID" dnsmasq -k -u root --conf-file=/dev/null --port=0 --interface=rt0 \
    --dhcp-relay="$RELAY_CLI,$SITE_IP" --dhcp-relay="$RELAY_CLI,$E2E_SRV_IP" \
    --dhcp-leasefile="$E/relay.leases" --pid-file= --log-dhcp --log-facility=- >"$E/relay-dnsmasq.log" 2>&1 &
E2E_PIDS+=($!)

args=(--address "$E2E_SRV_IP" --root "$E2E_LOADERS" --console ttyS0 --serial "0 115200"
    --set "menu.append=no_timer_check" --menu-timeout 100ms --menu-default archiso-http
    --image "archiso=$E2E_IMAGE" --disable-plugin nfs
    --set dhcp.interface=srv0 --set dhcp.proxy=true --set dhcp.proxy_relay=true)
e2e_pxecore_start "${args[@]}"
e2e_wait_menu 'archiso_http_srv=' 60 "the generated iPXE menu offers no HTTP entry (menu-ipxe.log)"
rx ss -Hlun | grep -q ':67 ' || e2e_fail "the relay does not listen (relay-dnsmasq.log)"
sx ss -Hlun | grep -q ':67 ' || e2e_fail "the site DHCP server does not listen (site-dnsmasq.log)"

# The ROM's IPv6 wait ends with an RA on the client's segment, from the router.
if [ "${PXE_E2E_RA:-1}" = 1 ]; then
    nsenter -n -t "$RT_PID" python3 "$E2E_DIR/ra.py" rt0 "$E2E_TIMEOUT" >"$E/ra.log" 2>&1 &
    E2E_PIDS+=($!)
fi
e2e_capture_start
e2e_bg wire-4011 tcpdump -i srv0 -n -tt -l 'udp port 4011'
# The client's segment too: what the relay hands the ROM.
nsenter -n -t "$E2E_CLI_PID" tcpdump -i br0 -n -tt -l -vv -s 600 'udp port 67 or udp port 68 or udp port 4011' \
    >"$E/client-wire.log" 2>&1 &
E2E_PIDS+=($!)
if [ "$scenario" = uefi ]; then
    # OVMF tries PXE over IPv6 only when PXE over IPv4 found no usable offer.
    E2E_FAIL_PATTERN='Start PXE over IPv6'
    E2E_FAIL_REASON="OVMF's PXE over IPv4 failed behind the relay"
else
    E2E_FAIL_PATTERN='No more network devices'
    E2E_FAIL_REASON="the iPXE ROM found nothing to boot behind the relay"
fi
e2e_boot "$scenario"
e2e_expect_method http

# The wire (srv0, pxecore's side): the relayed requests to pxecore (whatever
# address the relay sends from), pxecore's replies to the relay (giaddr:67), the
# boot server REQUEST on 4011 from the client's routed address and its answer.
w() { grep -a -c -E "$1" "$E/tcpdump.log" || true; }
w4() { grep -a -c -E "$1" "$E/wire-4011.log" || true; }
n_in=$(w "IP [0-9.]+\.67 > 192\.0\.2\.1\.67: ")
n_out=$(w "IP $E2E_SRV_IP\.67 > $RELAY_CLI\.67: ")
n_4011=$(w4 'IP 198\.51\.100\.[0-9]+\.[0-9]+ > 192\.0\.2\.1\.4011: ')
n_4011r=$(w4 'IP 192\.0\.2\.1\.4011 > 198\.51\.100\.[0-9]+\.[0-9]+: ')
e2e_log "on the wire: relay->pxecore:67 $n_in, pxecore->relay (giaddr):67 $n_out, client->4011 $n_4011, 4011->client $n_4011r"
[ "$n_in" -gt 0 ] || e2e_fail "the relay never forwarded a request to pxecore"
[ "$n_out" -gt 0 ] || e2e_fail "pxecore never answered the relay (giaddr:67)"
if [ "$scenario" = uefi ]; then
    [ "$n_4011" -gt 0 ] && [ "$n_4011r" -gt 0 ] || e2e_fail "no boot server exchange on port 4011"
    grep -aq 'RRQ "[^"]*snponly\.efi"' "$E/tcpdump.log" || e2e_fail "OVMF never fetched snponly.efi over TFTP"
fi
grep -aq 'GET /[^ ]*boot\.ipxe' "$E/tcpdump.log" || e2e_fail "the guest never fetched boot.ipxe"
grep -aq 'DHCPOFFER(srv0) 0.0.0.0 [0-9a-f:]* proxy' "$E/pxecore.log" ||
    e2e_fail "pxecore logged no proxy offer"
grep -q " $E2E_MAC 198\.51\.100\." "$E/site.leases" ||
    e2e_fail "the guest's address did not come from the site server (site.leases)"
e2e_log "the relay forwarded to both servers; the address came from the site server: $(cut -d' ' -f3 "$E/site.leases" | head -n1)"
e2e_report
e2e_timeline
