#!/bin/bash
# SPDX-License-Identifier: MIT
# Disable/enable round trip of the NFS method through the daemon's REST API
# (skipped while the API is a stub in the build): disabling keeps the export
# while rmtab shows a client (state "draining", active_sessions 1), removes it
# once the client is gone ("disabled"), and enabling exports again.  Kernel
# backend with the fake exportfs.
set -eu
. "$PXECORE_SRC/tests/integration/lib.sh"
need curl python3
use_plugins nfs
SRC=$PXECORE_SRC/plugins/nfs/tests
F=$T/fake
mkdir -p "$F/exports.d" "$T/img/arch/boot/x86_64"
export FAKE_NFS_DIR=$F
echo kernel >"$T/img/arch/boot/x86_64/vmlinuz-linux"
printf '192.0.2.50:%s:0x00000001\n' "$T/img" >"$F/rmtab"
port=$(free_port)
start_pxecore --api-listen "127.0.0.1:$port" --image "archiso=$T/img" \
    --set "nfs.exportfs=$SRC/fake-exportfs" --set "nfs.exports_file=$F/exports.d/pxecore.exports" \
    --set "nfs.state_file=$T/nfs-state.json" --set "nfs.export_root=$T/run" \
    --set "nfs.rmtab=$F/rmtab" --set nfs.drain_poll=200ms --set nfs.check_interval=300ms
[ -s "$T/state/api.token" ] || skip "the REST API is not in this build"
TOKEN=$(cat "$T/state/api.token")
api() { # METHOD PATH [BODY]
    curl -s --max-time 10 -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
        -X "$1" ${3:+--data "$3"} "http://127.0.0.1:$port/api/v1$2"
}
field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
# wait_state STATE SECS
wait_state() {
    i=0
    until [ "$(api GET /methods/nfs | field state)" = "$1" ]; do
        i=$((i + 1)); [ "$i" -lt $(($2 * 10)) ] || fail "method state not $1: $(api GET /methods/nfs)"
        sleep 0.1
    done
}
api GET /methods/nfs | grep -q '"name"' || skip "no /api/v1/methods in this build"
i=0
until grep -q 'export(s) live' "$T/pxecore.log"; do
    i=$((i + 1)); [ "$i" -lt 100 ] || fail "export not live"; sleep 0.1
done
wait_state enabled 5

echo "## disable: draining while rmtab shows a client"
api PUT /methods/nfs '{"enabled": false}' | grep -q '"enabled": *false' || fail "PUT disable"
wait_state draining 10
[ "$(api GET /methods/nfs | field active_sessions)" = 1 ] || fail "active_sessions"
[ -e "$F/exports.d/pxecore.exports" ] || fail "export removed while a client has it mounted"

echo "## the client unmounts: export removed"
printf '' >"$F/rmtab"
wait_state disabled 10
i=0
while [ -e "$F/exports.d/pxecore.exports" ] || grep -q "^$T/img" "$F/table"; do
    i=$((i + 1)); [ "$i" -lt 100 ] || fail "export not removed"; sleep 0.1
done

echo "## enable: exported again"
api PUT /methods/nfs '{"enabled": true}' | grep -q '"enabled": *true' || fail "PUT enable"
wait_state enabled 5
i=0
until grep -q "^$T/img" "$F/table" 2>/dev/null; do
    i=$((i + 1)); [ "$i" -lt 100 ] || fail "not exported again"; sleep 0.1
done
stop_pxecore || fail "pxecore exit status"
[ ! -e "$F/exports.d/pxecore.exports" ] || fail "exports file left after stop"
echo PASS
