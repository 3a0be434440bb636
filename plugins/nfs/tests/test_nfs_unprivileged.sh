#!/bin/bash
# SPDX-License-Identifier: MIT
# The NFS method with the daemon running unprivileged (--user nobody, as the
# packaged service runs as its own user): the privileged helper the nfs plugin
# forks before the drop writes the ganesha include file, makes the DBus calls
# and loop-mounts the ISO image; the daemon itself holds no root.
#  1. helper=off: the unprivileged daemon cannot write the root-owned include
#     file nor mount the ISO, and says so (the reason the helper exists).
#  2. helper=auto (the default): both exports live, nfs-cat reads the kernel
#     from each with the right sha256, the daemon's uid is nobody's and only the
#     helper child is root; SIGTERM removes the exports and the loop mount and
#     the helper exits.
# What is untested here: the kernel backend end to end (kernel nfsd and
# /etc/exports.d are global to the machine); its exportfs calls go through the
# same helper code path (test_nfs_daemon runs them with a fake exportfs).
if [ -z "${NFS_IN_NS:-}" ]; then
    [ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (namespaces, ganesha, --user)"; exit 77; }
    unshare --mount --net true 2>/dev/null || { echo "SKIP: cannot unshare"; exit 77; }
    NFS_IN_NS=1 exec unshare --mount --propagation private --net bash "$0" "$@"
fi
set -eu
. "$PXECORE_SRC/tests/integration/lib.sh"
use_plugins nfs
SRC=$PXECORE_SRC/plugins/nfs/tests
. "$SRC/ganesha-env.sh"
id nobody >/dev/null 2>&1 || skip "no user 'nobody'"
NOBODY=$(id -u nobody)
export PXE_STATE_DIR=$T/state
mkdir -p "$PXE_STATE_DIR"
chown nobody "$PXE_STATE_DIR"

wait_log() {
    i=0
    until grep -qF -- "$1" "$T/pxecore.log"; do
        kill -0 "$PXE_PID" 2>/dev/null || fail "pxecore died waiting for: $1"
        i=$((i + 1)); [ "$i" -lt $(($2 * 10)) ] || fail "no log line '$1' after $2 s"
        sleep 0.1
    done
}
uid_of() { awk '/^Uid:/ { print $2 }' "/proc/$1/status"; }
args=(--no-api -v --user nobody --image "archiso=$T/img" --image "release=$T/rel.iso"
    --set nfs.backend=ganesha --set "nfs.ganesha_conf=$T/pxecore-ganesha.conf"
    --set "nfs.state_file=$PXE_STATE_DIR/nfs-state.json" --set "nfs.export_root=$T/run"
    --set "nfs.mount=$mount_cmd" --set nfs.clients=127.0.0.1)
start_dbus
start_ganesha

echo "## helper=off: the unprivileged daemon cannot do it, and says why"
: >"$T/pxecore.log"
start_pxecore "${args[@]}" --set nfs.helper=off
wait_log "rel.iso is an ISO file and NFS exports directories: start pxecore as root" 10
wait_log "cannot write $T/pxecore-ganesha.conf" 10
[ "$(uid_of "$PXE_PID")" = "$NOBODY" ] || fail "daemon not running as nobody"
stop_pxecore || true
grep -q Export_Id "$T/pxecore-ganesha.conf" && fail "include file written without privilege?"

echo "## helper=auto: the exports work with the daemon unprivileged"
: >"$T/pxecore.log"
start_pxecore "${args[@]}"
wait_log "[nfs] privileged helper started" 10
wait_log "[nfs] 2 export(s) live through the ganesha backend" 40
[ "$(uid_of "$PXE_PID")" = "$NOBODY" ] || fail "daemon not running as nobody"
helper=$(pgrep -P "$PXE_PID" -x pxecore-nfspriv) || fail "no helper child"
[ "$(uid_of "$helper")" = 0 ] || fail "helper not root"
awk '/^CapEff:/ { exit $2 != "0000000000000000" }' "/proc/$PXE_PID/status" ||
    fail "the daemon kept capabilities: $(grep CapEff "/proc/$PXE_PID/status")"
for p in "$T/img" "$T/run/release"; do
    got=$(timeout 60 nfs-cat "$(url "$p/arch/boot/x86_64/vmlinuz-linux")" | sha256sum | cut -c1-64)
    [ "$got" = "$want_kernel" ] || fail "sha256 over NFSv3 of $p: $got"
    echo "nfs-cat $p: sha256 ok"
done
stop_pxecore || fail "pxecore exit status"
kill -0 "$helper" 2>/dev/null && fail "helper still running after the daemon stopped"
timeout 20 nfs-ls "$(url "$T/img/arch")" >/dev/null 2>&1 && fail "export still served after SIGTERM"
mountpoint -q "$T/run/release" && fail "ISO mount left after SIGTERM"
[ ! -e "$T/run/release" ] || fail "mount point left after SIGTERM"
grep -q Export_Id "$T/pxecore-ganesha.conf" && fail "EXPORT blocks left after SIGTERM"
[ ! -e "$PXE_STATE_DIR/nfs-state.json" ] || fail "state file left"
echo PASS
