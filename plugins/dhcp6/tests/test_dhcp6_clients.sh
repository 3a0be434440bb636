#!/bin/bash
# SPDX-License-Identifier: MIT
# DHCPv6 boot server with ISC dhclient -6 (stateful: Solicit/Advertise/Request/Reply,
# Release; stateless: Information-request), the boot file URL fetched over TFTP and HTTP on
# IPv6 with bracketed literals, malformed datagrams dropped and counted, and the
# managed/other Router Advertisement (which replaces the dhcp plugin's plain one on the
# same link).  Network namespaces only (2001:db8::/64 on a veth pair, no route out).
set -eu
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/plugins/dhcp/tests/dhcp_lib.sh"
. "$PXECORE_SRC/plugins/dhcp6/tests/dhcp6_lib.sh"
in_netns "$@"
use_plugins dhcp dhcp6 tftp http
need dhclient ip nsenter timeout curl python3
[ -e /proc/sys/net/ipv6 ] || skip "no IPv6 in this kernel"
client_ns
LOG=$T/pxecore.log
RS="python3 $PXECORE_SRC/plugins/dhcp/tests/rs.py"

# Addresses without duplicate address detection, so they are usable at once.
cli_exec sysctl -qw net.ipv6.conf.cli0.accept_dad=0
cli_exec ip link set cli0 down
cli_exec ip link set cli0 up
ip addr add 2001:db8::1/64 dev srv0 nodad
mkdir -p "$T/img" "$T/root/arm64"
head -c 300000 /dev/urandom >"$T/root/snponly.efi"
head -c 1000 /dev/urandom >"$T/root/arm64/grubnetaa64.efi"
metric() { curl -s "http://127.0.0.1:$(api_port)/api/v1/metrics" | sed -n "s/^pxecore_dhcp6_$1 //p"; }

args=(--image "$T/img" --root "$T/root" --set api.metrics_public=true
      --set tftp.address=:: --set http.address=:: --set http.port=8080
      --set dhcp6.interface=srv0 --set dhcp6.boot_arm64=arm64/grubnetaa64.efi)
# The dhcp plugin in full mode on the same link: its plain RA must give way to dhcp6's.
v4args=(--interface srv0 --dhcp-range 192.0.2.50,192.0.2.99,12h
        --set dhcp.lease_file="$T/leases")
start_pxecore "${args[@]}" "${v4args[@]}" --set dhcp6.range=2001:db8::100,2001:db8::1ff
grep -q 'DHCPv6 on srv0 (\[2001:db8::1\]), range 2001:db8::100,2001:db8::1ff' "$LOG" ||
    fail "no DHCPv6 start line"

# UEFI x64 PXE: an address from the pool and a tftp:// URL with a bracketed literal.
dhc6 7 pxe
addr=$(envval pxe new_ip6_address)
case $addr in 2001:db8::1[0-9a-f][0-9a-f]) ;; *) fail "address '$addr' not from the range" ;; esac
expect_env pxe new_dhcp6_bootfile_url 'tftp://[2001:db8::1]/snponly.efi'
wait_for "$LOG" "DHCPREPLY\(srv0\) $addr "
# The URL works: TFTP over IPv6 (curl's TFTP client) from the client namespace.
cli_exec ip addr add "$addr/64" dev cli0 nodad
cli_exec timeout 30 curl -sf -o "$T/got.tftp" 'tftp://[2001:db8::1]/snponly.efi' ||
    fail "TFTP over IPv6 failed"
[ "$(sha "$T/got.tftp")" = "$(sha "$T/root/snponly.efi")" ] || fail "TFTP content differs"

# The same client (same DUID, kept in its lease file) again keeps its address.
LF=pxe dhc6 7 pxe2
expect_env pxe2 new_ip6_address "$addr"

# Release: the binding goes (logged), and the API's status counts no lease.  Sent without
# option 61 (an empty config), as EDK2 sends it: pxe_only still answers (it names our DUID;
# OVMF's Dhcp6->Stop() waits for that Reply forever).
: >"$T/rel.conf"
cli_exec timeout 20 dhclient -6 -r -cf "$T/rel.conf" -sf "$T/pxe2.sh" \
    -lf "$T/pxe.leases" -pf "$T/pxe2.pid" cli0 >>"$T/dhclient.log" 2>&1 || fail "dhclient -6 -r"
wait_for "$LOG" "DHCPRELEASE\(srv0\) [0-9a-f:]+ arch -1 ''"
wait_for "$LOG" 'DHCPREPLY\(srv0\) - [0-9a-f:]+$'

# UEFI x64 HTTP boot (arch 16) and ARM64 HTTP boot (19): http:// URLs, fetched over IPv6.
dhc6 16 http
expect_env http new_dhcp6_bootfile_url 'http://[2001:db8::1]:8080/snponly.efi'
cli_exec timeout 30 curl -sfg -o "$T/got.http" 'http://[2001:db8::1]:8080/snponly.efi' ||
    fail "HTTP over IPv6 failed"
[ "$(sha "$T/got.http")" = "$(sha "$T/root/snponly.efi")" ] || fail "HTTP content differs"
dhc6 19 arm
expect_env arm new_dhcp6_bootfile_url 'http://[2001:db8::1]:8080/arm64/grubnetaa64.efi'
dhc6 11 armpxe
expect_env armpxe new_dhcp6_bootfile_url 'tftp://[2001:db8::1]/arm64/grubnetaa64.efi'

# Router Solicitation: exactly the dhcp6 plugin's advertisement (M and O flags, with the
# 32-byte prefix option), not the dhcp plugin's plain one.
cli_exec timeout 10 $RS cli0 1 1.5 >"$T/ra.txt" || fail "rs.py failed"
grep -q 'flags=192 .*len=48' "$T/ra.txt" || fail "no managed/other RA: $(cat "$T/ra.txt")"
! grep -q 'flags=0 ' "$T/ra.txt" || fail "the dhcp plugin still advertised: $(cat "$T/ra.txt")"

# Malformed datagrams to ff02::1:2: dropped and counted; the server keeps answering.
m0=$(metric malformed_total); m0=${m0:-0}
cli_exec python3 - <<'P' || fail "could not send malformed datagrams"
import socket, struct
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"cli0")
dst = ("ff02::1:2", 547, 0, socket.if_nametoindex("cli0"))
duid = bytes([0, 3, 0, 1, 2, 0, 0, 0, 0, 9])
for pkt in (b"\x01\x00\x00",                                      # short
            b"\x01\x00\x00\x01" + struct.pack(">HH", 1, 40) + duid,  # option past the end
            b"\x01\x00\x00\x02" + struct.pack(">HH", 1, 2) + b"\x00\x03",  # DUID too short
            b"\x0b\x00\x00\x03" + struct.pack(">HH", 3, 12) + bytes(12)):  # IA_NA in info-req
    s.sendto(pkt, dst)
P
i=0
while [ "$(metric malformed_total)" != "$((m0 + 4))" ]; do
    i=$((i + 1)); [ "$i" -lt 50 ] || fail "malformed_total is '$(metric malformed_total)', expected $((m0 + 4))"
    sleep 0.1
done
dhc6 7 after
expect_env after new_dhcp6_bootfile_url 'tftp://[2001:db8::1]/snponly.efi'
after_addr=$(envval after new_ip6_address)
stop_pxecore || fail "pxecore did not exit cleanly"

# The bindings survive a restart (dhcp6.lease_file, written at stop at the latest): every
# bound line is restored, a malformed line is skipped and counted, the client keeps its
# address.
LEASES=$T/state/dhcp6.leases
grep -Eq "^[0-9]+ [0-9a-f]+ [0-9]+ $after_addr\$" "$LEASES" || fail "no binding for $after_addr in $LEASES"
bound=$(wc -l <"$LEASES")
echo "not a binding" >>"$LEASES"
echo "1 0001 1 2001:db8::150" >>"$LEASES" # expired long ago: dropped without a word
start_pxecore "${args[@]}" "${v4args[@]}" --set dhcp6.range=2001:db8::100,2001:db8::1ff
wait_for "$LOG" "lease_file $LEASES: $bound binding\(s\) restored, some lines skipped"
[ "$(metric lease_file_skipped_total)" = 1 ] || fail "lease_file_skipped_total is '$(metric lease_file_skipped_total)'"
LF=after dhc6 7 after2
expect_env after2 new_ip6_address "$after_addr"
stop_pxecore || fail "pxecore did not exit cleanly"
grep -q "not a binding" "$LEASES" && fail "the malformed line survived a rewrite"

# Stateless (no range, beside a site server): Information-request gets the boot URL only.
start_pxecore "${args[@]}"
grep -q 'stateless (information-request only)' "$LOG" || fail "no stateless start line"
dhc6 16 info -S
expect_env info new_dhcp6_bootfile_url 'http://[2001:db8::1]:8080/snponly.efi'
[ -z "$(envval info new_ip6_address)" ] || fail "stateless mode handed out an address"
# No advertisements in stateless mode: the site's router sends them.
cli_exec timeout 10 $RS cli0 1 1 >"$T/ra2.txt" || fail "rs.py failed"
! grep -q '^ra ' "$T/ra2.txt" || fail "stateless mode advertised: $(cat "$T/ra2.txt")"
stop_pxecore || fail "pxecore did not exit cleanly"
echo "PASS"
