#!/bin/bash
# SPDX-License-Identifier: MIT
# What the TFTP plugin reports through the REST API: one tftp.sent event per file with
# the right boot phase (menu, loader, kernel, initrd, none), the plugin's counters (a
# missing file counted as an error), its active gauge, and its status.
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/plugins/tftp/tests/tftp_lib.sh"
need curl python3
set -u
use_plugins tftp
make_image "$T/img"
PORT=$(free_port)
AP=$(free_port)
TOKEN=tftp-api-test-token-0123456789
start_pxecore --api-listen "127.0.0.1:$AP" --set api.token=$TOKEN --tftp-port "$PORT" \
    --set tftp.address=127.0.0.1 --image "$T/img"
api() { curl -sS -f -H "Authorization: Bearer $TOKEN" "$@"; }
U=tftp://127.0.0.1:$PORT
for f in pxelinux.cfg/default boot/syslinux/lpxelinux.0 arch/boot/x86_64/vmlinuz-linux \
    images/archiso/arch/boot/x86_64/initramfs-linux.img sub/dir/exact-1024; do
    curl -sS -o "$T/out" "$U/$f" || fail "fetch $f"
done
curl -s -o "$T/out" "$U/no/such/file" && fail "missing file served"

api "http://127.0.0.1:$AP/api/v1/events?limit=1000" >"$T/events.json" || fail "GET events"
python3 - "$T/events.json" <<'PY' || fail "events: $(cat "$T/events.json")"
import json, sys
ev = [e for e in json.load(open(sys.argv[1]))["events"] if e["kind"] == "tftp.sent"]
got = {e["message"]: e["phase"] for e in ev}
want = {
    "pxelinux.cfg/default": "menu",
    "boot/syslinux/lpxelinux.0": "loader",
    "arch/boot/x86_64/vmlinuz-linux": "kernel",
    "images/archiso/arch/boot/x86_64/initramfs-linux.img": "initrd",
    "sub/dir/exact-1024": "none",
}
for path, phase in want.items():
    assert got.get(path) == phase, (path, got.get(path), got)
assert all(e.get("ip") == "127.0.0.1" for e in ev), ev
assert len(ev) == 5, ev
print("ok - tftp.sent events with phases menu, loader, kernel, initrd, none")
PY

api "http://127.0.0.1:$AP/metrics" >"$T/metrics.txt" || fail "GET metrics"
m() { grep -E "^pxecore_tftp_$1 " "$T/metrics.txt" | awk '{print $2}'; }
[ "$(m requests_total)" = 6 ] || fail "requests: $(grep tftp "$T/metrics.txt")"
[ "$(m transfers_total)" = 5 ] || fail "transfers: $(grep tftp "$T/metrics.txt")"
[ "$(m errors_total)" = 1 ] || fail "errors: $(grep tftp "$T/metrics.txt")"
[ "$(m active)" = 0 ] || fail "active gauge: $(grep tftp "$T/metrics.txt")"
bytes=0
for f in boot/syslinux/lpxelinux.0 arch/boot/x86_64/vmlinuz-linux \
    arch/boot/x86_64/initramfs-linux.img sub/dir/exact-1024; do
    bytes=$((bytes + $(stat -c %s "$T/img/$f")))
done
b=$(m bytes_sent_total)
[ "$b" -gt "$bytes" ] || fail "bytes_sent $b, expected the files ($bytes) plus the menu"
echo "ok - metrics requests, transfers, errors, bytes_sent, active"

api "http://127.0.0.1:$AP/api/v1/plugins/tftp" >"$T/plugin.json" || fail "GET plugin"
python3 - "$T/plugin.json" "$PORT" <<'PY' || fail "plugin: $(cat "$T/plugin.json")"
import json, sys
p = json.load(open(sys.argv[1]))
st = p.get("status", p)
assert st["port"] == int(sys.argv[2]) and st["active"] == 0 and st["completed"] == 5, st
print("ok - plugin status")
PY
stop_pxecore || fail "pxecore exit status $?"
