#!/bin/bash
# SPDX-License-Identifier: MIT
# The nfs plugin inside the real daemon (build/pxecore):
#  1. kernel backend with the fake exportfs: exports live, the core's
#     rootfs_prepare completes, SIGTERM removes the file and re-runs exportfs;
#     kill -9 leaves the state file and the next start cleans up.
#  2. nfs-ganesha (DBus) started here: pxecore adds the exports of a directory
#     image and an ISO image, nfs-ls/nfs-cat read the kernel over NFSv3 with a
#     matching sha256, SIGTERM removes them from ganesha.
# Runs in a private mount + network namespace (loopback only).
if [ -z "${NFS_IN_NS:-}" ]; then
    [ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (namespaces, ganesha)"; exit 77; }
    unshare --mount --net true 2>/dev/null || { echo "SKIP: cannot unshare"; exit 77; }
    NFS_IN_NS=1 exec unshare --mount --propagation private --net bash "$0" "$@"
fi
set -eu
. "$PXECORE_SRC/tests/integration/lib.sh"
use_plugins nfs
SRC=$PXECORE_SRC/plugins/nfs/tests
. "$SRC/ganesha-env.sh"
mkdir -p "$F/exports.d"

kernel_args=(--image "archiso=$T/img" --set "nfs.exportfs=$SRC/fake-exportfs"
    --set "nfs.exports_file=$F/exports.d/pxecore.exports" --set "nfs.state_file=$T/nfs-state.json"
    --set "nfs.export_root=$T/run" --set nfs.clients=192.0.2.0/24 --set nfs.check_interval=500ms)

echo "## kernel backend, fake exportfs"
: >"$T/pxecore.log"
start_pxecore --no-api -v "${kernel_args[@]}"
wait_log "[nfs] 1 export(s) live through the kernel backend" 10
wait_log "[nfs] root filesystem for image 'archiso' ready" 10
grep -qx "$T/img 192.0.2.0/24(ro,no_subtree_check)" "$F/exports.d/pxecore.exports" || fail "exports file"
grep -q '"file": ".*pxecore.exports"' "$T/nfs-state.json" || fail "state file"
stop_pxecore || fail "pxecore exit status"
[ ! -e "$F/exports.d/pxecore.exports" ] || fail "exports file left after SIGTERM"
[ ! -e "$T/nfs-state.json" ] || fail "state file left after SIGTERM"
[ "$(grep -c '^exportfs -ra$' "$F/calls.log")" -eq 2 ] || fail "exportfs -ra at start and stop"

echo "## kill -9, then the next start cleans up"
: >"$T/pxecore.log"
start_pxecore --no-api "${kernel_args[@]}"
wait_log "export(s) live" 10
kill -9 "$PXE_PID"; wait "$PXE_PID" 2>/dev/null || true; PXE_PID=""
[ -e "$F/exports.d/pxecore.exports" ] && [ -e "$T/nfs-state.json" ] || fail "crash left nothing to clean"
: >"$T/pxecore.log"
start_pxecore --no-api "${kernel_args[@]}" --set "nfs.exports_file=$F/exports.d/other.exports"
wait_log "undoing what the previous run left" 10
wait_log "export(s) live" 10
[ ! -e "$F/exports.d/pxecore.exports" ] || fail "old exports file not removed"
stop_pxecore || fail "pxecore exit status"
[ ! -e "$F/exports.d/other.exports" ] && [ ! -e "$T/nfs-state.json" ] || fail "left after stop"

echo "## SIGTERM while the ISO loop mount is still running: stop waits for it; nothing is left"
: >"$T/pxecore.log"
touch "$F/slow"
start_pxecore --no-api -v "${kernel_args[@]}" --image "release=$T/rel.iso" --set "nfs.mount=$mount_cmd"
stop_pxecore || fail "pxecore exit status"
rm "$F/slow"
grep -q "waiting for loop-mounting" "$T/pxecore.log" || fail "stop did not wait for the mount"
mountpoint -q "$T/run/release" && fail "loop mount left after SIGTERM"
[ ! -e "$T/nfs-state.json" ] || fail "state file left"

echo "## a bad backend is a config error naming it"
"$PXECORE_BIN" --plugins-dir "$PXECORE_PLUGINS" --no-api --state-dir "$T/state" \
    --set nfs.backend=nfsd >"$T/bad.log" 2>&1 && fail "bad backend accepted"
grep -q 'backend: "kernel" or "ganesha", not "nfsd"' "$T/bad.log" || { cat "$T/bad.log"; fail "message"; }

echo "## nfs-ganesha over DBus"
start_dbus
start_ganesha
: >"$T/pxecore.log"
start_pxecore --no-api -v --image "archiso=$T/img" --image "release=$T/rel.iso" \
    --set nfs.backend=ganesha --set "nfs.ganesha_conf=$T/pxecore-ganesha.conf" \
    --set "nfs.state_file=$T/nfs-state.json" --set "nfs.export_root=$T/run" \
    --set "nfs.mount=$mount_cmd" --set nfs.clients=127.0.0.1
wait_log "[nfs] 2 export(s) live through the ganesha backend" 30
for p in "$T/img" "$T/run/release"; do
    timeout 20 nfs-ls "$(url "$p/arch/boot/x86_64")" | grep -q vmlinuz-linux || fail "nfs-ls $p"
    got=$(timeout 60 nfs-cat "$(url "$p/arch/boot/x86_64/vmlinuz-linux")" | sha256sum | cut -c1-64)
    [ "$got" = "$want_kernel" ] || fail "sha256 over NFSv3 of $p: $got"
    echo "nfs-cat $p: sha256 ok"
done
echo "## kill -9 with ganesha exports; the next start removes them (DBus) and adds them again"
kill -9 "$PXE_PID"; wait "$PXE_PID" 2>/dev/null || true; PXE_PID=""
grep -q '"ganesha_ids"' "$T/nfs-state.json" && grep -q 4201 "$T/nfs-state.json" || fail "state file ids"
: >"$T/pxecore.log"
start_pxecore --no-api -v --image "archiso=$T/img" --image "release=$T/rel.iso" \
    --set nfs.backend=ganesha --set "nfs.ganesha_conf=$T/pxecore-ganesha.conf" \
    --set "nfs.state_file=$T/nfs-state.json" --set "nfs.export_root=$T/run" \
    --set "nfs.mount=$mount_cmd" --set nfs.clients=127.0.0.1
wait_log "undoing what the previous run left (2 DBus export(s), 1 mount(s), exports file)" 10
wait_log "[nfs] 2 export(s) live through the ganesha backend" 30
grep -q 'RemoveExport uint16:4201' "$T/pxecore.log" || grep -q 'RemoveExport 4201 left by the previous run' \
    "$T/pxecore.log" || fail "leftover DBus export not removed"
got=$(timeout 60 nfs-cat "$(url "$T/run/release/arch/boot/x86_64/vmlinuz-linux")" | sha256sum | cut -c1-64)
[ "$got" = "$want_kernel" ] || fail "sha256 after the crash cleanup"

# archiso's client is a klibc nfsmount: when klibc-utils is here, its MOUNT v3
# exchange over TCP with the options we emit must succeed (the mount(2) call
# itself needs an NFS-capable kernel, which this host may lack).
NFSMOUNT=/usr/lib/klibc/bin/nfsmount
if [ -x "$NFSMOUNT" ]; then
    mkdir -p "$T/mnt"
    if timeout 30 "$NFSMOUNT" -o v3,tcp "127.0.0.1:$T/img" "$T/mnt" >"$T/nfsmount.out" 2>&1; then
        [ "$(sha "$T/mnt/arch/boot/x86_64/vmlinuz-linux")" = "$want_kernel" ] || fail "nfsmount read"
        umount "$T/mnt"
        echo "klibc nfsmount -o v3,tcp: mounted, sha256 ok"
    elif grep -q "the kernel lacks NFS v3 support" "$T/nfsmount.out"; then
        echo "klibc nfsmount -o v3,tcp: MOUNT v3/TCP accepted; this kernel cannot mount NFS"
    else
        cat "$T/nfsmount.out"; fail "klibc nfsmount -o v3,tcp refused"
    fi
    timeout 30 "$NFSMOUNT" -o v3,tcp "127.0.0.1:$T/not-exported" "$T/mnt" >"$T/nfsmount.out" 2>&1 &&
        fail "nfsmount of a path that is not exported succeeded"
    grep -q "Permission denied" "$T/nfsmount.out" || { cat "$T/nfsmount.out"; fail "nfsmount refusal"; }
else
    echo "note: klibc-utils not installed; archiso's nfsmount not exercised"
fi
stop_pxecore || fail "pxecore exit status"
timeout 20 nfs-ls "$(url "$T/img/arch")" >/dev/null 2>&1 && fail "export still served after SIGTERM"
mountpoint -q "$T/run/release" && fail "ISO mount left after SIGTERM"
grep -q Export_Id "$T/pxecore-ganesha.conf" && fail "EXPORT blocks left after SIGTERM"
[ ! -e "$T/nfs-state.json" ] || fail "state file left"
echo PASS
