#!/bin/bash
# SPDX-License-Identifier: MIT
# Image kinds through the daemon, with the plugins symlinked as the harness does:
# a Debian installer netboot tree (files named as in Debian's
# debian-installer-12-netboot-amd64) is recognised by the shipped data kind with
# no option beyond --image, offered as one "Debian installer" entry in all three
# menus with no transport (titles tagged "[debian]": two images);
# GET /api/v1/images names its kind and why the http
# method does not carry it; a tree no kind knows gets one line naming what each
# kind looked for, and no entry.
. "$PXECORE_SRC/tests/integration/lib.sh"
need curl python3
use_plugins http

D=$T/di
mkdir -p "$D/debian-installer/amd64" "$T/other/boot"
echo kernel >"$D/debian-installer/amd64/linux"
echo initrd >"$D/debian-installer/amd64/initrd.gz"
echo x >"$T/other/boot/bzImage"
HP=$(free_port)
start_pxecore --image "debian=$D" --image "other=$T/other" --set http.address=127.0.0.1 \
    --set "http.port=$HP" --set menu.console=ttyS0,115200
grep -q "image 'debian': directory $D, kind debian-installer (Debian installer amd64), kernel debian-installer/amd64/linux" \
    "$T/pxecore.log" || fail "the netboot tree was not recognised"
grep -q "image 'other' ($T/other): no image kind recognised it, served as files only: archiso looked for .*; datakinds looked for data kinds: debian-installer/amd64/linux" \
    "$T/pxecore.log" || fail "no line naming what each kind looked for"

curl -fsS "http://127.0.0.1:$HP/boot.ipxe" >"$T/ipxe" || fail "boot.ipxe"
curl -fsS "http://127.0.0.1:$HP/pxelinux.cfg/default" >"$T/pxe" || fail "pxelinux.cfg/default"
curl -fsS "http://127.0.0.1:$HP/grub/grub.cfg" >"$T/grub" || fail "grub.cfg"
grep -qx "item debian-install Debian installer \[debian\]" "$T/ipxe" || fail "ipxe: $(cat "$T/ipxe")"
grep -q "^kernel http://127.0.0.1:$HP/images/debian/debian-installer/amd64/linux initrd=initrd.gz console=ttyS0,115200 " "$T/ipxe" ||
    fail "ipxe kernel line: $(cat "$T/ipxe")"
grep -qx "initrd http://127.0.0.1:$HP/images/debian/debian-installer/amd64/initrd.gz" "$T/ipxe" || fail "ipxe initrd"
grep -qx "  MENU LABEL Debian installer \[debian\]" "$T/pxe" || fail "pxelinux: $(cat "$T/pxe")"
grep -q "^menuentry 'Debian installer \[debian\]' --id debian-install {" "$T/grub" || fail "grub: $(cat "$T/grub")"
! grep -q "other" "$T/ipxe" || fail "an entry for the unrecognised tree"

TOKEN=$(cat "$T/state/api.token") || fail "no API token"
AP=$(sed -n 's/.*api: listening on .* port \([0-9]*\).*/\1/p' "$T/pxecore.log" | head -n1)
curl -fsS -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$AP/api/v1/images" >"$T/images.json" ||
    fail "GET /api/v1/images"
python3 - "$T/images.json" <<'PY' || fail "images: $(cat "$T/images.json")"
import json, sys
imgs = {i["name"]: i for i in json.load(open(sys.argv[1]))["images"]}
d, o = imgs["debian"], imgs["other"]
assert d["kind"] == "debian-installer" and d["title"] == "Debian installer amd64", d
assert d["initrd"] == "debian-installer/amd64/initrd.gz" and d["rootfs"] is None, d
http = [m for m in d["methods"] if m["method"] == "http"][0]
assert not http["serves"] and "kernel and initrd only" in http["why_not"], http
assert o["kind"] is None, o
assert "no image kind" in [m for m in o["methods"] if m["method"] == "http"][0]["why_not"], o
PY
stop_pxecore || fail "stop"
echo "image kinds: Debian installer tree recognised and offered; unknown tree reported"
