#!/bin/bash
# SPDX-License-Identifier: MIT
# The real daemon with `--image archlinux.iso` (an ISO built here with xorriso):
# every file read through core->file_open (by a probe fixture plugin, as TFTP
# and HTTP do) under images/archiso/ and at the namespace root equals the
# source file; a third-party method fixture's entries appear in all three
# generated menus; confinement errors; a malformed ISO stops the daemon with
# exit code 3 and a message naming the problem.
. "$PXECORE_SRC/tests/integration/lib.sh"
need xorriso python3 cmp
FIX="$PXECORE_BUILD/tests/images/plugins"
[ -f "$FIX/pxecore-rescue.so" ] && [ -f "$FIX/pxecore-zzz-probe.so" ] || fail "fixtures not built"

S=$T/src
mkdir -p "$S/arch/boot/x86_64" "$S/arch/x86_64" "$S/boot/syslinux"
head -c 700001 /dev/urandom >"$S/arch/boot/x86_64/vmlinuz-linux"
head -c 300000 /dev/urandom >"$S/arch/boot/x86_64/initramfs-linux.img"
head -c 1500000 /dev/urandom >"$S/arch/x86_64/airootfs.sfs"
echo sums >"$S/arch/x86_64/airootfs.sha512"
: >"$S/boot/2024-11-01-10-20-30-00.uuid"
head -c 45000 /dev/urandom >"$S/boot/syslinux/lpxelinux.0"
ln -s ../../etc/passwd "$S/escape"
ISO=$T/archlinux.iso
xorriso -report_about SORRY -as mkisofs -r -J -joliet-long -V ARCH_202411 \
    --modification-date=2024110110203000 -o "$ISO" "$S" >"$T/xorriso.log" 2>&1 ||
    { cat "$T/xorriso.log"; fail xorriso; }

mapfile -t files < <(cd "$S" && find . -type f | sed 's|^\./||' | sort)
paths=()
for f in "${files[@]}"; do paths+=("images/archiso/$f" "$f"); done
menus=("pxelinux.cfg/default" "pxelinux.cfg/01-52-54-00-12-34-56" "boot.ipxe" "grub/grub.cfg")
errors=("../etc/passwd:EACCES" "arch:EISDIR" "nope:ENOENT" "images/archiso/escape:EACCES"
        "images/archiso:EISDIR" "images/other/x:ENOENT")
all=("${paths[@]}" "${menus[@]}")
for e in "${errors[@]}"; do all+=("${e%:*}"); done
mkdir -p "$T/out"
python3 - "$T/out" "${all[@]}" >"$T/pxecore.json" <<'PY'
import json, sys
print(json.dumps({"menu": {"timeout": "3s"},
                  "plugins": {"zzz-probe": {"out": sys.argv[1], "files": sys.argv[2:]}}}))
PY
PXECORE_PLUGINS=$FIX start_pxecore --config "$T/pxecore.json" --image "$ISO" --no-api
stop_pxecore || fail "pxecore exited with $?"

i=0
for p in "${paths[@]}"; do
    src="$S/${p#images/archiso/}"
    [ -f "$T/out/$i" ] || fail "$p: $(cat "$T/out/$i.err" 2>/dev/null || echo 'not read')"
    cmp -s "$T/out/$i" "$src" || fail "$p differs from $src"
    i=$((i + 1))
done
echo "${#paths[@]} ISO files read through core->file_open equal the source"
grep -q "iso:$ISO:/arch/boot/x86_64/vmlinuz-linux" "$T/pxecore.log" || fail "realpath not iso:..."
for m in "${menus[@]}"; do
    [ -f "$T/out/$i" ] || fail "$m: $(cat "$T/out/$i.err" 2>/dev/null)"
    cp "$T/out/$i" "$T/menu-${m//\//_}"
    i=$((i + 1))
done
pxe=$T/menu-pxelinux.cfg_default
grep -q '^LABEL archiso-rescue$' "$pxe" || fail "pxelinux: no third-party entry"
grep -q '^  MENU LABEL Rescue shell (third party)$' "$pxe" || fail "pxelinux: title"
grep -q '^  LINUX ::/images/archiso/arch/boot/x86_64/vmlinuz-linux$' "$pxe" || fail "pxelinux: LINUX"
grep -q '^  INITRD ::/images/archiso/arch/boot/x86_64/initramfs-linux.img$' "$pxe" || fail "pxelinux: INITRD"
grep -q '^  APPEND rescue.server=192.0.2.1 systemd.unit=rescue.target archisobasedir=arch checksum=y$' "$pxe" ||
    fail "pxelinux: APPEND"
grep -q '^TIMEOUT 30$' "$pxe" || fail "pxelinux: menu.timeout"
cmp -s "$pxe" "$T/menu-pxelinux.cfg_01-52-54-00-12-34-56" || fail "per-MAC pxelinux file differs (no host profile)"
grep -q '^item archiso-rescue Rescue shell (third party)$' "$T/menu-boot.ipxe" || fail "ipxe: item"
grep -q '^kernel tftp://192.0.2.1/images/archiso/arch/boot/x86_64/vmlinuz-linux initrd=initramfs-linux.img rescue.server=192.0.2.1 ' "$T/menu-boot.ipxe" ||
    fail "ipxe: kernel"
grep -q "^menuentry 'Rescue shell (third party)' --id archiso-rescue {" "$T/menu-grub_grub.cfg" || fail "grub: menuentry"
grep -q '^  initrd (tftp,192.0.2.1)/images/archiso/arch/boot/x86_64/initramfs-linux.img$' "$T/menu-grub_grub.cfg" || fail "grub: initrd"
for e in "${errors[@]}"; do
    [ -f "$T/out/$i.err" ] || fail "${e%:*} opened (expected ${e#*:})"
    [ "$(cat "$T/out/$i.err")" = "${e#*:}" ] || fail "${e%:*}: $(cat "$T/out/$i.err"), expected ${e#*:}"
    i=$((i + 1))
done

# a malformed ISO: refused at start with exit code 3 (file) and the reason
python3 "$PXECORE_SRC/tests/images/isopatch.py" loop "$ISO" "$T/bad.iso" arch/boot "" || fail isopatch
set +e
"$PXECORE_BIN" --plugins-dir "$FIX" --state-dir "$T/state" --config "$T/pxecore.json" \
    --image "$T/bad.iso" --no-api >"$T/bad.log" 2>&1
rc=$?
set -e
[ "$rc" = 3 ] || { cat "$T/bad.log"; fail "malformed ISO: exit $rc, expected 3"; }
grep -q "directory loop" "$T/bad.log" || { cat "$T/bad.log"; fail "no reason in the log"; }
echo ok
