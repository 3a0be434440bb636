#!/bin/bash
# SPDX-License-Identifier: MIT
# Existing PXE trees served as they are (issue 17, items 3 and 4), over the
# http plugin on loopback, with Debian's own netboot tree
# (debian-installer-12-netboot-amd64) as the first --root:
#  - a file of the tree is never shadowed: pxelinux.cfg/default, grub.cfg and
#    ldlinux.c32 are the tree's bytes; a per-client pxelinux name of a client
#    without a host profile is not found (pxelinux goes on to the tree's
#    default), and is pxecore's menu once the client has a profile;
#  - pxecore's menus chain to the tree's own: pxelinux CONFIG, iPXE chain
#    (pxelinux.0 with options 209/210 on BIOS, the EFI loader on UEFI), GRUB
#    configfile with $prefix;
#  - syslinux files the tree lacks (lpxelinux.0, menu.c32, libutil.c32,
#    libcom32.c32) come from the system's pxelinux/syslinux-common only when
#    their release is the served loader's: a directory whose pxelinux.0 says
#    another release, or whose ldlinux.c32 differs, gets none, and its
#    generated pxelinux menu has no UI line, the log saying why.
. "$PXECORE_SRC/tests/integration/lib.sh"
need curl python3 cmp
DI=${PXE_DI_TREE:-/usr/lib/debian-installer/images/12/amd64/text}
SYS=/usr/lib/syslinux/modules/bios
PXL=/usr/lib/PXELINUX
[ -f "$DI/pxelinux.0" ] && [ -f "$DI/debian-installer/amd64/grub/grub.cfg" ] ||
    skip "no Debian installer netboot tree at $DI (apt-get install debian-installer-12-netboot-amd64)"
[ -f "$PXL/lpxelinux.0" ] && [ -f "$SYS/menu.c32" ] ||
    skip "no $PXL/lpxelinux.0 or $SYS/menu.c32 (apt-get install pxelinux syslinux-common)"
cmp -s "$DI/pxelinux.0" "$PXL/pxelinux.0" ||
    skip "the installer tree's pxelinux.0 is not this system's (another syslinux release): the matching case cannot be shown"
echo "client code: $(dpkg-query -W -f '${Package} ${Version}, ' debian-installer-12-netboot-amd64 pxelinux syslinux-common 2>/dev/null)"

# A second root with two directories the system's syslinux does not fit:
# old/ has a loader of another release (its banner, as syslinux 6.03 prints
# it), badld/ has this system's pxelinux.0 beside a different ldlinux.c32.
R=$T/other
mkdir -p "$R/old" "$R/badld"
{ head -c 2000 /dev/zero; printf 'PXELINUX 6.03 PXE 20150819 \0'; head -c 3000 /dev/zero; } >"$R/old/pxelinux.0"
cp "$PXL/pxelinux.0" "$R/badld/"
head -c 4000 /dev/urandom >"$R/badld/ldlinux.c32"

use_plugins http
HP=$(free_port)
AP=$(free_port)
start_pxecore --root "$DI" --root "$R" --set http.port="$HP" --set http.address=127.0.0.1 \
    --address 127.0.0.1 --api-listen "127.0.0.1:$AP"
TOKEN=$(cat "$T/state/api.token") || fail "no API token"
U=http://127.0.0.1:$HP
get() { curl -fsS -m 10 -o "$2" "$U/$1"; }
same() { # PATH FILE: the served PATH is FILE byte for byte
    get "$1" "$T/got" || fail "GET /$1"
    cmp -s "$T/got" "$2" || fail "/$1 is not $2"
}
absent() { ! curl -fsS -m 10 -o /dev/null "$U/$1" || fail "/$1 is served"; }

# 1. the tree's own files win
same pxelinux.cfg/default "$DI/pxelinux.cfg/default"
same debian-installer/amd64/grub/grub.cfg "$DI/debian-installer/amd64/grub/grub.cfg"
same ldlinux.c32 "$DI/ldlinux.c32"
MAC=52:54:00:12:34:56
ONE=pxelinux.cfg/01-52-54-00-12-34-56
absent "$ONE"
absent pxelinux.cfg/C0A80001
echo "ok: the tree's files are served as they are; per-client names fall through to its default"

# 2. system syslinux files where they fit
same lpxelinux.0 "$PXL/lpxelinux.0"
same menu.c32 "$SYS/menu.c32"
same libutil.c32 "$SYS/libutil.c32"
same libcom32.c32 "$SYS/libcom32.c32"
absent vesamenu.c32 # not one of the files a generated menu names
for d in old badld; do
    absent "$d/menu.c32"
    absent "$d/lpxelinux.0"
done
absent old/ldlinux.c32
echo "ok: lpxelinux.0 and the menu modules come from the system only where the release matches"

# 3. the chain entries
curl -fsS -X PUT -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{}' \
    "http://127.0.0.1:$AP/api/v1/hosts/$MAC" >/dev/null || fail "PUT host profile"
get "$ONE" "$T/m.pxelinux" || fail "no generated $ONE for a host with a profile"
grep -qx 'UI menu.c32' "$T/m.pxelinux" || fail "no UI menu.c32: $(cat "$T/m.pxelinux")"
grep -qx '  CONFIG ::/pxelinux.cfg/default ::/' "$T/m.pxelinux" || fail "no CONFIG entry: $(cat "$T/m.pxelinux")"
grep -q "^  MENU LABEL $DI (its own menu)" "$T/m.pxelinux" || fail "entry title: $(cat "$T/m.pxelinux")"
grep -qx '  MENU DEFAULT' "$T/m.pxelinux" || fail "the tree entry is not the default"
get boot.ipxe "$T/m.ipxe" || fail "GET boot.ipxe"
for l in 'set 209:string pxelinux.cfg/default' 'set 210:string tftp://127.0.0.1/' \
    'chain tftp://127.0.0.1/pxelinux.0' 'chain tftp://127.0.0.1/debian-installer/amd64/bootnetx64.efi' \
    'iseq ${platform} efi && goto tree-efi ||'; do
    grep -qxF "$l" "$T/m.ipxe" || fail "boot.ipxe lacks '$l': $(cat "$T/m.ipxe")"
done
grep -q 'no boot entry' "$T/m.ipxe" && fail "boot.ipxe still says no boot entry"
get grub/grub.cfg "$T/m.grub" || fail "GET grub/grub.cfg"
for l in 'set default=tree' '  set root=(tftp,127.0.0.1)' \
    '  set prefix=($root)/debian-installer/amd64/grub' \
    '  configfile ($root)/debian-installer/amd64/grub/grub.cfg'; do
    grep -qxF "$l" "$T/m.grub" || fail "grub.cfg lacks '$l': $(cat "$T/m.grub")"
done
echo "ok: pxelinux CONFIG, iPXE chain and GRUB configfile entries for the tree's own menus"

# 4. a plain menu where the modules are not served, and the log says why
for d in old badld; do
    get "$d/pxelinux.cfg/default" "$T/m.$d" || fail "GET $d/pxelinux.cfg/default"
    grep -q '^UI ' "$T/m.$d" && fail "$d/: the menu names a UI module nobody serves: $(cat "$T/m.$d")"
    grep -q "pxelinux menu $d/pxelinux.cfg/default: plain menu without \"UI menu.c32\"" "$T/pxecore.log" ||
        fail "no log line for $d/"
done
grep -q 'the served old/pxelinux.0 is 6.03 20150819, the system.s syslinux is 6.04' "$T/pxecore.log" ||
    fail "the log does not name both releases: $(grep 'plain menu' "$T/pxecore.log")"
grep -q "the served badld/ldlinux.c32 is not $SYS/ldlinux.c32" "$T/pxecore.log" ||
    fail "the log does not name the ldlinux.c32 mismatch: $(grep 'plain menu' "$T/pxecore.log")"
echo "ok: plain pxelinux menus where the release does not match, with the reason in the log"
