#!/bin/bash
# SPDX-License-Identifier: MIT
# The dashboard (/ui) in headless Chromium (Debian chromium + chromium-driver,
# python3-selenium): log in, switch the http method off and on and see the
# generated menu follow through the API, set a boot-once profile, and watch a
# simulated client's DHCP, TFTP and HTTP steps appear in the live timeline.
# The client is real client software against the running daemon: busybox
# udhcpc and curl (tftp://, http://) in a client network namespace joined by a
# veth (192.0.2.0/24, no route out).  Saves a screenshot into
# $UI_OUT_DIR (default build/test-output/).
. "$PXECORE_SRC/tests/integration/lib.sh"
set -u
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || skip "chromium is not installed (apt-get install chromium chromium-driver)"
need chromedriver busybox curl ip nsenter unshare timeout python3
if [ -x /usr/bin/python3 ]; then python3() { /usr/bin/python3 "$@"; }; fi
python3 -c 'import selenium' 2>/dev/null || skip "python3-selenium is not installed"
in_netns "$@"
use_plugins dhcp tftp http
client_ns

mkdir -p "$T/img/arch/boot/x86_64" "$T/img/arch/x86_64"
head -c 200000 /dev/urandom >"$T/img/arch/boot/x86_64/vmlinuz-linux"
head -c 100000 /dev/urandom >"$T/img/arch/boot/x86_64/initramfs-linux.img"
head -c 100000 /dev/urandom >"$T/img/arch/x86_64/airootfs.sfs"
APORT=$(free_port)
HPORT=8080
start_pxecore --image "$T/img" --interface srv0 --dhcp-range 192.0.2.50,192.0.2.99,12h \
    --set dhcp.lease_file="$T/leases" --set http.port=$HPORT --api-listen "127.0.0.1:$APORT"
TOKEN=$(cat "$T/state/api.token")
OUT=${UI_OUT_DIR:-$PXECORE_BUILD/test-output}
mkdir -p "$OUT"

# The simulated client, run by the browser test once the dashboard watches:
# a PXE-like DHCP exchange, then the menu over TFTP and the kernel and initrd
# over HTTP from the address it was given.
MAC=02:00:00:00:00:42
cat >"$T/client.sh" <<CLIENT
set -eu
in_cli() { nsenter -n -t $CLI_NS_PID "\$@"; }
in_cli ip link set cli0 address $MAC
cat >"$T/udhcpc.sh" <<'S'
#!/bin/sh
[ "\$1" = bound ] && echo "\$ip" >"$T/client.ip"
exit 0
S
chmod +x "$T/udhcpc.sh"
in_cli timeout 20 busybox udhcpc -i cli0 -f -q -n -t 3 -T 1 -V PXEClient:Arch:00000:UNDI:002001 \
    -s "$T/udhcpc.sh" >"$T/udhcpc.log" 2>&1
ip=\$(cat "$T/client.ip")
in_cli ip addr add "\$ip/24" dev cli0
in_cli curl -sSf -m 20 -o "$T/menu.tftp" tftp://192.0.2.1/boot/syslinux/pxelinux.cfg/default
in_cli curl -sSf -m 20 -o /dev/null http://192.0.2.1:$HPORT/arch/boot/x86_64/vmlinuz-linux
in_cli curl -sSf -m 20 -o /dev/null http://192.0.2.1:$HPORT/arch/boot/x86_64/initramfs-linux.img
echo "client \$ip: DHCP, TFTP menu, HTTP kernel and initrd done"
CLIENT

python3 "$PXECORE_SRC/api/tests/ui_browser.py" --url "http://127.0.0.1:$APORT" --token "$TOKEN" \
    --mac "$MAC" --client "bash $T/client.sh" --chromium "$CHROMIUM" --ui-dir "$PXECORE_SRC/api/ui" \
    --out "$OUT" || fail "dashboard test"
