#!/bin/bash
# SPDX-License-Identifier: MIT
# ganesha backend against a real nfs-ganesha (VFS FSAL) started here, inside a
# private network + mount namespace (loopback only; /run is a private tmpfs
# holding rpcbind's socket and a private system bus).  libnfs's nfs-ls and
# nfs-cat read the kernel over NFSv3 and the sha256 must match.  Two rounds:
# with DBus (AddExport/RemoveExport/ShowExports) and without (SIGHUP through
# ganesha_reload_cmd; `nfs-ls -D` lists the exports for the check).  Each
# round: export live, read, disable (drain until the export is idle), read refused, enable, read, ganesha
# killed (clear error, entry withdrawn), ganesha restarted (recovery), read,
# stop (exports gone).
if [ -z "${NFS_IN_NS:-}" ]; then
    [ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (namespaces, ganesha)"; exit 77; }
    unshare --mount --net true 2>/dev/null || { echo "SKIP: cannot unshare"; exit 77; }
    NFS_IN_NS=1 exec unshare --mount --propagation private --net bash "$0" "$@"
fi
set -eu
. "$PXECORE_SRC/tests/integration/lib.sh"
: "${NFS_HARNESS:?}"
H=$NFS_HARNESS
SRC=$PXECORE_SRC/plugins/nfs/tests
. "$SRC/ganesha-env.sh"

read_ok() { # PATH: nfs-cat of the kernel under export PATH matches
    printf '%s\n' sh "timeout 20 nfs-ls '$(url "$1/arch/boot/x86_64")' | grep -q vmlinuz-linux && [ \"\$(timeout 60 nfs-cat '$(url "$1/arch/boot/x86_64/vmlinuz-linux")' | sha256sum | cut -c1-64)\" = $want_kernel ]"
}
refused() { # PATH: the export is gone (MNT3ERR_ACCES)
    printf '%s\n' sh "! timeout 20 nfs-ls '$(url "$1/arch")' >/dev/null 2>&1"
}
out=$T/out
round() { # NAME ARGS...: runs the harness, output in $out, log in $T/harness-NAME.err
    name=$1
    shift
    "$H" --set backend=ganesha --set ganesha_conf="$T/pxecore-ganesha.conf" \
        --set state_file="$T/state.json" --set export_root="$T/run" --set mount="$mount_cmd" \
        --set clients=127.0.0.1 --set check_interval=500ms --set drain_poll=300ms \
        --set drain_idle=5s --image archiso="$T/img" --image release="$T/rel.iso" "$@" \
        >"$out" 2>"$T/harness-$name.err" || {
        cat "$out"; grep -v -E 'harness: (spawn|exit|debug)' "$T/harness-$name.err" | tail -40
        tail -20 "$T/ganesha.log"; fail "round $name"; }
    cat "$out"
}
# NFS_DEBUG_DIR=DIR keeps the harness and ganesha logs there.
keep_logs() { [ -z "${NFS_DEBUG_DIR:-}" ] || cp "$T"/harness-*.err "$T/ganesha.log" "$NFS_DEBUG_DIR/" 2>/dev/null; }
at_exit keep_logs
steps() { # the same story for both rounds
    local -a s=()
    # shellcheck disable=SC2207
    IFS=$'\n'
    s+=(start wait-live 30 menu)
    s+=($(read_ok "$T/img") $(read_ok "$T/run/release"))
    s+=(disable menu run 1 expect draining true)
    s+=(wait-dead 30 wait-idle 10 $(refused "$T/img") $(refused "$T/run/release"))
    s+=(enable wait-live 30 menu $(read_ok "$T/img"))
    s+=(sh "kill -9 \$(cat $T/ganesha.pid.shell)")
    s+=(wait-log "export check failed" 20 wait-dead 5 menu check run 3 expect live false)
    s+=(sh "bash $T/start-ganesha" wait-live 90 menu $(read_ok "$T/img") $(read_ok "$T/run/release"))
    s+=(stop)
    unset IFS
    printf '%s\n' "${s[@]}"
}
after_stop() {
    [ ! -e "$T/state.json" ] || fail "state file left after stop"
    grep -q Export_Id "$T/pxecore-ganesha.conf" && fail "EXPORT blocks left after stop"
    mountpoint -q "$T/run/release" && fail "loop mount left after stop"
    timeout 20 nfs-ls "$(url "$T/img/arch")" >/dev/null 2>&1 && fail "export still served after stop"
    [ "$(grep -c '^menu-count: 2' "$out")" -eq 3 ] || fail "menu entries while live"
    [ "$(grep -c '^menu-count: 0' "$out")" -eq 2 ] || fail "menu entries while disabled/killed"
    grep -q '^check: refused: the NFS export .* is not live: export check failed' "$out" ||
        fail "no clear reason after ganesha died"
    :
}

echo "## round 1: DBus"
start_dbus
start_ganesha
mapfile -t S < <(steps)
round dbus "${S[@]}"
grep -q "draining: [12] client(s) still using the exports (ganesha ShowExports)" "$T/harness-dbus.err" ||
    fail "did not wait for the export to go idle"
# ServiceUnknown once ganesha has left the bus; NoReply when the check's call was in flight as
# it died (seen on a loaded machine).  Either names the server as not answering.
grep -Eq 'export check failed, the NFS server does not answer \(exit 1\): Error org.freedesktop.DBus.Error.(ServiceUnknown|NoReply)' \
    "$T/harness-dbus.err" || fail "no clear error when ganesha died"
grep -q 'AddExport string:.* string:EXPORT(Export_Id=4200)' "$T/harness-dbus.err" || fail "no AddExport"
grep -q 'RemoveExport uint16:4201' "$T/harness-dbus.err" || fail "no RemoveExport"
after_stop

echo "## round 2: SIGHUP reload, no DBus"
kill -9 "$(cat "$T/ganesha.pid.shell")" 2>/dev/null || true
kill "$DBUS_PID"
sleep 0.5
start_ganesha
mapfile -t S < <(steps)
round reload --set ganesha_dbus=false --set ganesha_reload_cmd="/usr/bin/pkill -HUP -F $T/ganesha.pid" \
    --set export_list_cmd="/usr/bin/nfs-ls -D nfs://127.0.0.1" "${S[@]}"
grep -q 'without DBus the mounts cannot be seen' "$T/harness-reload.err" || fail "drain reason"
grep -q 'export check failed, the NFS server does not answer (exit 255): Failed to get exports for server 127.0.0.1' \
    "$T/harness-reload.err" || fail "no clear error when ganesha died"
after_stop
echo PASS
