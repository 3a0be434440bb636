#!/bin/bash
# SPDX-License-Identifier: MIT
# The NFS entry in the menus the daemon generates, fetched with curl through
# the http plugin (skipped while that plugin is a skeleton): the entry and its
# command line while the export is live (fake exportfs), and no entry while
# exportfs fails.
set -eu
. "$PXECORE_SRC/tests/integration/lib.sh"
need curl
"$PXECORE_BIN" --plugins-dir "$PXECORE_PLUGINS" --dump-plugin "$PXECORE_PLUGINS/pxecore-http.so" |
    grep -q '^config.port=' || skip "the http plugin serves no files in this build"
use_plugins nfs http
SRC=$PXECORE_SRC/plugins/nfs/tests
F=$T/fake
mkdir -p "$F/exports.d" "$T/img/arch/boot/x86_64"
export FAKE_NFS_DIR=$F
echo kernel >"$T/img/arch/boot/x86_64/vmlinuz-linux"
echo initrd >"$T/img/arch/boot/x86_64/initramfs-linux.img"
port=$(free_port)
args=(--no-api --image "archiso=$T/img" --set http.address=127.0.0.1 --set "http.port=$port"
    --set "nfs.exportfs=$SRC/fake-exportfs" --set "nfs.exports_file=$F/exports.d/pxecore.exports"
    --set "nfs.state_file=$T/nfs-state.json" --set "nfs.export_root=$T/run")
menu() { curl -sf --max-time 10 "http://127.0.0.1:$port/pxelinux.cfg/default"; }

echo "## export live: entry offered"
start_pxecore "${args[@]}"
i=0
until grep -q 'export(s) live' "$T/pxecore.log"; do
    i=$((i + 1)); [ "$i" -lt 100 ] || fail "export not live"; sleep 0.1
done
menu >"$T/menu"
cat "$T/menu"
grep -q 'MENU LABEL Arch Linux x86_64 (NFS)' "$T/menu" || fail "no NFS entry"
grep -q "APPEND .*archisobasedir=arch archiso_nfs_srv=127.0.0.1:$T/img archiso_nfs_opt=v3,tcp" "$T/menu" ||
    fail "NFS command line"
stop_pxecore

echo "## exportfs fails: no entry"
touch "$F/fail"
: >"$T/pxecore.log"
start_pxecore "${args[@]}"
i=0
until grep -q 'exportfs -ra failed' "$T/pxecore.log"; do
    i=$((i + 1)); [ "$i" -lt 100 ] || fail "no exportfs failure"; sleep 0.1
done
menu >"$T/menu"
grep -q '(NFS)' "$T/menu" && fail "NFS entry offered while the export is not live"
stop_pxecore
echo PASS
