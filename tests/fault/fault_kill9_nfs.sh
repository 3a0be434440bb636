#!/bin/bash
# SPDX-License-Identifier: MIT
# kill -9 while NFS state is written.  A client switches the NFS method on and
# off through the REST API as fast as it can (each switch rewrites the exports
# file, the plugin's state file and state.json, and runs exportfs), and the
# daemon is killed at a seeded random moment, FAULT_ITERATIONS times (default
# 200, bounded by FAULT_SECONDS, 1500 s: about 160 s on an idle machine,
# several times that under ASan or load).  After every kill each file is valid
# (or absent); after every restart the daemon converges within 10 s to what
# state.json says: switched on, exactly one export of the image in the exports
# file and in the (fake) kernel table; switched off, none; no stale export is
# left, and the temp files the kill left are removed.  Kernel backend with the
# fake exportfs (plugins/nfs/tests/fake-exportfs); loopback only.
set -eu
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/tests/fault/fault_lib.sh"
need curl python3
use_plugins nfs
ITER=${FAULT_ITERATIONS:-200}
LIMIT=${FAULT_SECONDS:-1500}
RANDOM=${FAULT_SEED:-21}
F=$T/fake
export FAKE_NFS_DIR=$F
mkdir -p "$F/exports.d" "$T/img/arch/boot/x86_64" "$T/nfs"
echo kernel >"$T/img/arch/boot/x86_64/vmlinuz-linux"
: >"$F/rmtab"
: >"$T/stale"
args=(--image "archiso=$T/img" --set "nfs.exportfs=$PXECORE_SRC/plugins/nfs/tests/fake-exportfs"
      --set "nfs.exports_file=$F/exports.d/pxecore.exports" --set "nfs.state_file=$T/nfs/state.json"
      --set "nfs.export_root=$T/run" --set "nfs.rmtab=$F/rmtab" --set nfs.drain_poll=100ms
      --set nfs.check_interval=200ms --set nfs.clients=192.0.2.0/24)
LINE="$T/img 192.0.2.0/24(ro,no_subtree_check)"

api() { # METHOD PATH [BODY]
    curl -s -m 3 -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
        -X "$1" ${3:+--data "$3"} "$BASE/api/v1$2"
}

# switcher: on/off/on... until the daemon dies.
switcher() {
    en=$1
    while api PUT /methods/nfs "{\"enabled\": $en}" | grep -q '"enabled"'; do
        if [ "$en" = true ]; then en=false; else en=true; fi
    done
}

# files_valid: every file the kill left parses.
files_valid() {
    python3 - "$T/state/state.json" "$T/nfs/state.json" "$F/exports.d/pxecore.exports" "$LINE" <<'PY'
import json, sys
for p in sys.argv[1:3]:
    try:
        json.load(open(p))
    except FileNotFoundError:
        pass
    except ValueError as e:
        sys.exit("%s is not valid JSON: %s" % (p, e))
try:
    lines = [l for l in open(sys.argv[3]).read().splitlines() if l and not l.startswith("#")]
except FileNotFoundError:
    lines = []
if any(l != sys.argv[4] for l in lines) or len(lines) > 1:
    sys.exit("exports file holds %r" % lines)
PY
}

# converged: the exports match the method's switch in state.json.
converged() {
    want=$(python3 -c 'import json,sys
try: d=json.load(open(sys.argv[1]))
except FileNotFoundError: d={}
print("on" if d.get("methods",{}).get("nfs",{}).get("enabled",True) else "off")' "$T/state/state.json")
    file=$(grep -v '^#' "$F/exports.d/pxecore.exports" 2>/dev/null | grep -c . || true)
    table=$(grep -c "^$T/img" "$F/table" 2>/dev/null || true)
    others=$(ls "$F/exports.d" | grep -vx pxecore.exports | grep -c . || true)
    [ "$others" = 0 ] || return 1
    if [ "$want" = on ]; then
        [ "$file" = 1 ] && [ "$table" = 1 ] && grep -qxF "$LINE" "$F/exports.d/pxecore.exports"
    else
        [ "$file" = 0 ] && [ "$table" = 0 ]
    fi
}

iter=0 on=0 off=0
while [ "$iter" -lt "$ITER" ]; do
    [ "$SECONDS" -lt "$LIMIT" ] || fail "only $iter of $ITER kills in ${LIMIT}s"
    iter=$((iter + 1))
    PORT=$(free_port)
    BASE=http://127.0.0.1:$PORT
    start_pxecore --api-listen "127.0.0.1:$PORT" "${args[@]}"
    TOKEN=$(cat "$T/state/api.token")
    i=0
    until converged; do
        i=$((i + 1))
        [ "$i" -lt 100 ] || fail "iteration $iter: no convergence after restart: $(cat "$F/exports.d/"* 2>/dev/null | tr '\n' ' ') table: $(cat "$F/table" 2>/dev/null)"
        sleep 0.1
    done
    if grep -q . "$F/exports.d/pxecore.exports" 2>/dev/null; then on=$((on + 1)); else off=$((off + 1)); fi
    stale_gone "iteration $iter, after restart"
    first=false; [ $((RANDOM % 2)) = 0 ] && first=true
    switcher "$first" &
    SPID=$!
    sleep "$(rand_ms 500)"
    kill9
    wait "$SPID" 2>/dev/null || true
    { temps "$F/exports.d"; temps "$T/nfs"; temps "$T/state"; } >"$T/stale"
    STALE_SEEN=$((STALE_SEEN + $(wc -l <"$T/stale")))
    files_valid || fail "iteration $iter: after kill -9"
done
echo "fault_kill9_nfs: $iter kills in ${SECONDS}s; restarts converged to on $on, off $off;" \
     "temp files left by kills and removed: $STALE_SEEN"
