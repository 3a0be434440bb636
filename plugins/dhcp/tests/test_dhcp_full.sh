#!/bin/bash
# SPDX-License-Identifier: MIT
# Full DHCP mode with real clients (busybox udhcpc, ISC dhclient): options and boot
# file, PXE-only answering, reservations, RELEASE, lease file across a restart.
# Network namespaces only.
set -eu
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/plugins/dhcp/tests/dhcp_lib.sh"
in_netns "$@"
use_plugins dhcp
need busybox dhclient ip nsenter timeout
client_ns
mkdir -p "$T/img"
LOG=$T/pxecore.log
PXE_VC=PXEClient:Arch:00000:UNDI:002001
args=(--image "$T/img" --interface srv0 --dhcp-range 192.0.2.50,192.0.2.99,12h
      --set dhcp.lease_file="$T/leases" --set dhcp.lease_flush=100ms
      --set 'dhcp.reservations={"02:00:00:00:00:03":{"ip":"192.0.2.10","hostname":"resv"}}')
setmac() { cli_exec ip link set cli0 address "$1"; }

start_pxecore "${args[@]}"

# BIOS PXE client (udhcpc with the PXE vendor class): address, boot file, 209/210/43/66.
setmac 02:00:00:00:00:01
udhcpc_run a -V "$PXE_VC" -O 209 -O 210 -O 43 -O 66 || fail "udhcpc got no lease"
expect_env a ip 192.0.2.50
expect_env a boot_file boot/syslinux/lpxelinux.0
expect_env a siaddr 192.0.2.1
expect_env a serverid 192.0.2.1
expect_env a subnet 255.255.255.0
expect_env a broadcast 192.0.2.255
expect_env a lease 43200
expect_env a vendor PXEClient
expect_env a tftp 192.0.2.1
expect_env a pxeconffile pxelinux.cfg/default
expect_env a pxepathprefix boot/syslinux/
expect_env a opt43 060108ff
grep -q 'DHCPDISCOVER(srv0) 02:00:00:00:00:01$' "$LOG" || fail "no DHCPDISCOVER log line"
grep -q 'DHCPOFFER(srv0) 192.0.2.50 02:00:00:00:00:01' "$LOG" || fail "no DHCPOFFER log line"
grep -q 'DHCPACK(srv0) 192.0.2.50 02:00:00:00:00:01' "$LOG" || fail "no DHCPACK log line"
if command -v curl >/dev/null; then
    # The daemon's GET /api/v1/leases asks this plugin.
    api GET /api/v1/leases >"$T/leases.json" || fail "GET /api/v1/leases"
    python3 - "$T/leases.json" <<'P' || fail "lease not in /api/v1/leases: $(cat "$T/leases.json")"
import json, sys
ls = json.load(open(sys.argv[1]))["leases"]
sys.exit(0 if any(l["mac"] == "02:00:00:00:00:01" and l["ip"] == "192.0.2.50" and
                  l["state"] == "bound" for l in ls) else 1)
P
fi

# An installed OS (udhcpc's own vendor class) is left to the site's server.
setmac 02:00:00:00:00:05
if udhcpc_run plain; then fail "pxe_only: a non-PXE client got a lease"; fi
grep -q 'DHCPDISCOVER(srv0) 02:00:00:00:00:05$' "$LOG" || fail "non-PXE DISCOVER not seen"
no_match "$LOG" 'DHCPOFFER\(srv0\) [0-9.]+ 02:00:00:00:00:05'

# The system a PXE client just booted (same MAC, no PXE vendor class: the initramfs)
# is answered within pxe_grace, with the same address.
setmac 02:00:00:00:00:01
udhcpc_run os || fail "pxe_only: the booted system of a PXE client got no lease"
expect_env os ip 192.0.2.50
[ -z "$(envval os boot_file)" ] || [ "$(envval os boot_file)" = boot/syslinux/lpxelinux.0 ] ||
    fail "booted system: unexpected boot file"

# Reservation outside the range, with its hostname; reserved machines are always answered.
setmac 02:00:00:00:00:03
udhcpc_run r -V "$PXE_VC" || fail "reserved client got no lease"
expect_env r ip 192.0.2.10
expect_env r hostname resv
udhcpc_run r2 || fail "reserved machine without PXE vendor class got no lease"
expect_env r2 ip 192.0.2.10

# dhclient: lease, boot file, then RELEASE.
setmac 02:00:00:00:00:04
cat >"$T/dhclient.conf" <<C
send vendor-class-identifier "$PXE_VC";
request subnet-mask, broadcast-address, routers, domain-name-servers;
timeout 15;
retry 1;
C
cat >"$T/dhclient.sh" <<'S'
#!/bin/sh
case "$reason" in
BOUND|REBOOT) env | sort >"@OUT@"; ip addr add "$new_ip_address/24" dev "$interface" ;;
RELEASE) ip addr del "$old_ip_address/24" dev "$interface" 2>/dev/null ;;
esac
exit 0
S
sed -i "s|@OUT@|$T/d.env|" "$T/dhclient.sh"
chmod +x "$T/dhclient.sh"
at_exit "[ -s $T/dhclient.pid ] && kill \$(cat $T/dhclient.pid) 2>/dev/null"
cli_exec timeout 30 dhclient -1 -cf "$T/dhclient.conf" -sf "$T/dhclient.sh" \
    -lf "$T/dhclient.leases" -pf "$T/dhclient.pid" cli0 >>"$T/dhclient.log" 2>&1 ||
    { cat "$T/dhclient.log"; fail "dhclient got no lease"; }
expect_env d new_ip_address 192.0.2.51
expect_env d new_filename boot/syslinux/lpxelinux.0
expect_env d new_dhcp_server_identifier 192.0.2.1
expect_env d new_subnet_mask 255.255.255.0
wait_for "$T/leases" '02:00:00:00:00:04 192.0.2.51 '
cli_exec timeout 20 dhclient -r -cf "$T/dhclient.conf" -sf "$T/dhclient.sh" \
    -lf "$T/dhclient.leases" -pf "$T/dhclient.pid" cli0 >>"$T/dhclient.log" 2>&1 ||
    fail "dhclient -r failed"
wait_for "$LOG" 'DHCPRELEASE\(srv0\) 02:00:00:00:00:04'
i=0
while grep -q '02:00:00:00:00:04' "$T/leases"; do
    i=$((i + 1)); [ "$i" -lt 50 ] || fail "released lease still in the lease file"
    sleep 0.1
done

# The lease file survives a restart: client 01 keeps .50, a new client does not get it.
wait_for "$T/leases" '02:00:00:00:00:01 192.0.2.50 '
stop_pxecore || fail "pxecore did not exit cleanly"
start_pxecore "${args[@]}"
grep -Eq 'lease file .*: 1 leases loaded' "$LOG" || fail "lease not reloaded"
setmac 02:00:00:00:00:02
udhcpc_run b -V "$PXE_VC" || fail "udhcpc (new client) got no lease"
expect_env b ip 192.0.2.51
setmac 02:00:00:00:00:01
udhcpc_run a2 -V "$PXE_VC" || fail "udhcpc (returning client) got no lease"
expect_env a2 ip 192.0.2.50
stop_pxecore || fail "pxecore did not exit cleanly"

# Past pxe_grace the machine's own OS is left to the site's server again.
start_pxecore "${args[@]}" --set dhcp.pxe_grace=0
sleep 1.2
if udhcpc_run late; then fail "pxe_grace 0: a non-PXE client was answered"; fi
udhcpc_run a3 -V "$PXE_VC" || fail "PXE client after the grace test got no lease"
expect_env a3 ip 192.0.2.50
stop_pxecore || fail "pxecore did not exit cleanly"
echo "PASS"
