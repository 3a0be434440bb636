#!/bin/bash
# SPDX-License-Identifier: MIT
# 10,000 malformed DHCP and 10,000 malformed TFTP datagrams (half random bytes,
# half mutated valid requests: PXE DISCOVER/REQUEST/INFORM with option
# overload and relay options, RRQ/WRQ with options, ACK/DATA/ERROR) sent from
# a client namespace while real clients work from the same link: busybox
# udhcpc gets its lease and boot file, curl downloads over TFTP from another
# address with the right sha256.  Prints the real clients' time without and
# with the flood, and the daemon's RSS before, at most and after; asserts the
# results are right, the daemon stays up and RSS stays under before + 32 MiB.
# Network namespaces only (192.0.2.0/24, no route out).
set -eu
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/tests/hostile/hostile_lib.sh"
. "$PXECORE_SRC/plugins/dhcp/tests/dhcp_lib.sh"
in_netns "$@"
use_plugins dhcp tftp
need busybox curl ip nsenter timeout
N=${HOSTILE_PACKETS:-10000}
client_ns
cli_exec ip addr add 192.0.2.2/24 dev cli0
cli_exec ip addr add 192.0.2.3/24 dev cli0
mkdir -p "$T/img/boot/syslinux"
head -c 300000 /dev/urandom >"$T/img/file"
head -c 40000 /dev/urandom >"$T/img/boot/syslinux/lpxelinux.0"
want=$(sha "$T/img/file")
start_pxecore --no-api --image "$T/img" --interface srv0 --dhcp-range 192.0.2.50,192.0.2.99,12h \
    --set tftp.address=192.0.2.1
PXE_VC=PXEClient:Arch:00000:UNDI:002001

# real_clients TAG: one udhcpc lease and one TFTP download; prints milliseconds
real_clients() {
    t0=$(now_ms)
    # Retries as PXE firmware does (it waits 4, 8, 16, 32 s): a flood on a loaded host may
    # cost a real client its first DISCOVERs, it must not cost it the lease.
    udhcpc_run "$1" -V "$PXE_VC" -t 8 -T 2 || fail "$1: udhcpc got no lease"
    [ "$(envval "$1" boot_file)" = boot/syslinux/lpxelinux.0 ] || fail "$1: wrong boot file"
    t1=$(now_ms)
    got=$(cli_exec curl -s -m 30 --interface 192.0.2.2 "tftp://192.0.2.1/file" | sha256sum | cut -c1-64)
    [ "$got" = "$want" ] || fail "$1: TFTP download wrong or failed"
    t2=$(now_ms)
    echo "$((t1 - t0)) $((t2 - t1))"
}
base=$(real_clients base)
rss0=$(rss_kb "$PXE_PID")
rss_watch "$PXE_PID" "$T/rss"
cli_exec "$PY" "$HOSTILE_SRC/udpflood.py" dhcp cli0 "$N" 21 >"$T/flood.dhcp" 2>&1 &
F1=$!
cli_exec "$PY" "$HOSTILE_SRC/udpflood.py" tftp 192.0.2.3 192.0.2.1 "$N" 21 >"$T/flood.tftp" 2>&1 &
F2=$!
at_exit "kill $F1 $F2 2>/dev/null"
during=$(real_clients flood)
wait "$F1" || fail "DHCP flood: $(cat "$T/flood.dhcp")"
wait "$F2" || fail "TFTP flood: $(cat "$T/flood.tftp")"
after=$(real_clients after)
rssmax=$(rss_watch_stop "$T/rss")
rss1=$(rss_kb "$PXE_PID")
kill -0 "$PXE_PID" || fail "daemon died under the flood"
echo "flood: DHCP $(cat "$T/flood.dhcp"), TFTP $(cat "$T/flood.tftp")"
echo "real clients, ms (lease, TFTP 300 kB): alone $base; during the flood $during; after $after"
echo "RSS KiB: before $rss0, max $rssmax, after $rss1"
echo "log lines about malformed datagrams: $(grep -ci 'malformed\|ignoring\|dropp' "$T/pxecore.log")"
rss_below "$rss0" 32768 "$rss1" "$rssmax"
stop_pxecore || fail "exit status after the flood"
