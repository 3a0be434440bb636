#!/bin/bash
# SPDX-License-Identifier: MIT
# Acceptance of issue 7 through the REST API, on an ISO image served by the
# http plugin: GET /api/v1/images reports the ISO's label/UUID/layout;
# switching boot methods with PUT /api/v1/methods/<name> changes all three
# generated menus at the next request (pxelinux.cfg/default, boot.ipxe,
# grub/grub.cfg), for the http method and for a third-party fixture method.
. "$PXECORE_SRC/tests/integration/lib.sh"
need xorriso curl python3
FIX="$PXECORE_BUILD/tests/images/plugins"
[ -f "$PXECORE_PLUGINS/pxecore-http.so" ] &&
    "$PXECORE_BIN" --dump-plugin "$PXECORE_PLUGINS/pxecore-http.so" | grep -q '^config\.port=' ||
    skip "the http plugin is still a skeleton"

S=$T/src
mkdir -p "$S/arch/boot/x86_64" "$S/arch/x86_64" "$S/boot"
head -c 100000 /dev/urandom >"$S/arch/boot/x86_64/vmlinuz-linux"
head -c 50000 /dev/urandom >"$S/arch/boot/x86_64/initramfs-linux.img"
head -c 70000 /dev/urandom >"$S/arch/x86_64/airootfs.erofs"
: >"$S/boot/2024-11-01-10-20-30-00.uuid"
ISO=$T/archlinux.iso
xorriso -report_about SORRY -as mkisofs -r -J -V ARCH_202411 -o "$ISO" "$S" >/dev/null 2>&1 || fail xorriso

mkdir -p "$T/plugins"
ln -s "$PXECORE_PLUGINS/pxecore-http.so" "$PXECORE_PLUGINS/pxecore-archiso.so" \
    "$FIX/pxecore-rescue.so" "$T/plugins/"
PXECORE_PLUGINS=$T/plugins
HP=$(free_port); AP=$(free_port)
start_pxecore --image "$ISO" --set http.port="$HP" --set http.address=127.0.0.1 \
    --api-listen "127.0.0.1:$AP"
TOKEN=$(cat "$T/state/api.token") || fail "no API token"
api() { curl -fsS -H "Authorization: Bearer $TOKEN" "$@"; }
api "http://127.0.0.1:$AP/api/v1/images" >"$T/images.json" || fail "GET /api/v1/images"
python3 - "$T/images.json" "$ISO" <<'PY' || fail "images: $(cat "$T/images.json")"
import json, sys
img = json.load(open(sys.argv[1]))["images"][0]
want = {"name": "archiso", "is_iso": True, "source": sys.argv[2], "kind": "archiso",
        "volume_id": "ARCH_202411", "title": "Arch Linux x86_64", "arch": "x86_64",
        "facts": {"basedir": "arch", "label": "ARCH_202411", "uuid": "2024-11-01-10-20-30-00"},
        "kernel": "arch/boot/x86_64/vmlinuz-linux",
        "initrd": "arch/boot/x86_64/initramfs-linux.img", "rootfs": "arch/x86_64/airootfs.erofs"}
bad = {k: img.get(k) for k, v in want.items() if img.get(k) != v}
# which methods can serve it, and for the others why not
methods = {m["method"]: m for m in img.get("methods", [])}
if not methods.get("http", {}).get("serves"):
    bad["methods.http"] = methods.get("http")
if methods.get("rescue", {}).get("serves", True) or "entries of its own" not in methods["rescue"]["why_not"]:
    bad["methods.rescue"] = methods.get("rescue")
sys.exit("unexpected: %s" % bad if bad else 0)
PY

menus() { # fetches the three menus into $T/m.*
    curl -fsS -o "$T/m.pxelinux" "http://127.0.0.1:$HP/pxelinux.cfg/default" || fail "pxelinux.cfg/default"
    curl -fsS -o "$T/m.ipxe" "http://127.0.0.1:$HP/boot.ipxe" || fail "boot.ipxe"
    curl -fsS -o "$T/m.grub" "http://127.0.0.1:$HP/grub/grub.cfg" || fail "grub/grub.cfg"
}
expect() { # ENTRY-ID 1|0: present in all three menus, or in none
    for f in pxelinux ipxe grub; do
        case $f in
        pxelinux) pat="^LABEL $1\$" ;;
        ipxe) pat="^item $1 " ;;
        grub) pat="--id $1 {\$" ;;
        esac
        if [ "$2" = 1 ]; then grep -q -- "$pat" "$T/m.$f" || { cat "$T/m.$f"; fail "$1 missing from the $f menu"; }
        else ! grep -q -- "$pat" "$T/m.$f" || { cat "$T/m.$f"; fail "$1 still in the $f menu"; }; fi
    done
}
switch() { # METHOD true|false
    api -X PUT -H "Content-Type: application/json" --data "{\"enabled\": $2}" \
        "http://127.0.0.1:$AP/api/v1/methods/$1" >/dev/null ||
        fail "PUT /api/v1/methods/$1 $2"
}
menus; expect archiso-http 1; expect archiso-rescue 1
switch http false; menus; expect archiso-http 0; expect archiso-rescue 1
switch rescue false; menus; expect archiso-http 0; expect archiso-rescue 0
grep -q '^LABEL local$' "$T/m.pxelinux" || fail "no local entry with every method off"
switch http true; menus; expect archiso-http 1; expect archiso-rescue 0
switch rescue true; menus; expect archiso-http 1; expect archiso-rescue 1
stop_pxecore || fail "pxecore exit $?"
echo "ok: method switches through the API change all three menus"
