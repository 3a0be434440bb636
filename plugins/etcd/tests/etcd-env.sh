# SPDX-License-Identifier: MIT
# Helpers of the etcd tests (sourced after tests/integration/lib.sh): real etcd
# members on loopback ports with their data under $T, several pxecore
# instances sharing them.  Everything started here is stopped by PID at exit.
need etcd curl python3
[ -f "$PXECORE_PLUGINS/pxecore-etcd.so" ] || skip "the etcd plugin was not built (no libcurl)"
if [ -x /usr/bin/python3 ]; then python3() { /usr/bin/python3 "$@"; }; fi

ETCD_PIDS=()   # by member index
ETCD_CLIENT=() # client URLs by member index
ETCD_PEER=()
PX_PIDS=()     # by instance index
PX_API=()
PX_HTTP=()
PX_TOKEN=()

# etcd fsyncs every commit: its data lives in memory when /dev/shm is there
ETCD_DIR=$(mktemp -d /dev/shm/pxetcd.XXXXXX 2>/dev/null || echo "$T/etcd")
_etcd_cleanup() {
    for p in "${PX_PIDS[@]}" "${ETCD_PIDS[@]}"; do
        [ -n "$p" ] && kill -KILL "$p" 2>/dev/null
    done
    for p in "${PX_PIDS[@]}" "${ETCD_PIDS[@]}"; do
        [ -n "$p" ] && wait "$p" 2>/dev/null
    done
    rm -rf "$ETCD_DIR"
}
at_exit _etcd_cleanup

# etcd_cluster N: chooses ports for N members (call once, before etcd_member_start).
etcd_cluster() {
    ETCD_INITIAL=""
    for ((i = 0; i < $1; i++)); do
        ETCD_CLIENT[i]="http://127.0.0.1:$(free_port)"
        ETCD_PEER[i]="http://127.0.0.1:$(free_port)"
        ETCD_INITIAL="${ETCD_INITIAL:+$ETCD_INITIAL,}m$i=${ETCD_PEER[i]}"
    done
    ETCD_N=$1
}

# etcd_member_start I: starts (or restarts, same data dir) member I.
etcd_member_start() {
    local i=$1
    etcd --name "m$i" --data-dir "$ETCD_DIR/m$i" --listen-client-urls "${ETCD_CLIENT[i]}" \
        --advertise-client-urls "${ETCD_CLIENT[i]}" --listen-peer-urls "${ETCD_PEER[i]}" \
        --initial-advertise-peer-urls "${ETCD_PEER[i]}" --initial-cluster "$ETCD_INITIAL" \
        --initial-cluster-state new --initial-cluster-token "pxetest-$$" \
        --heartbeat-interval 100 --election-timeout 1000 >>"$T/etcd-m$i.log" 2>&1 &
    ETCD_PIDS[i]=$!
}

# etcd_member_kill I: kill -9 member I.
etcd_member_kill() {
    kill -KILL "${ETCD_PIDS[$1]}" 2>/dev/null
    wait "${ETCD_PIDS[$1]}" 2>/dev/null
    ETCD_PIDS[$1]=""
}

# etcd_wait_quorum: until a linearizable read through any member succeeds (at most 30 s).
etcd_wait_quorum() {
    local k=0 u
    while :; do
        for u in "${ETCD_CLIENT[@]}"; do
            curl -sf -m 2 -X POST -d '{"key":"cHJvYmU="}' "$u/v3/kv/range" >/dev/null && return 0
        done
        k=$((k + 1)); [ "$k" -lt 60 ] || fail "etcd has no quorum after 30 s (logs in $T)"
        sleep 0.5
    done
}

# px_start I ARGS...: starts pxecore instance I (its own state dir, API, HTTP port) on
# every etcd member; waits (at most 15 s) for its pidfile.
px_start() {
    local i=$1 eps=() u k=0
    shift
    for u in "${ETCD_CLIENT[@]}"; do eps+=(--etcd-endpoints "$u"); done
    PX_API[i]=${PX_API[i]:-$(free_port)}
    PX_HTTP[i]=${PX_HTTP[i]:-$(free_port)}
    mkdir -p "$T/px$i"
    rm -f "$T/px$i/pid"
    "$PXECORE_BIN" --plugins-dir "$PXECORE_PLUGINS" --pidfile "$T/px$i/pid" \
        --state-dir "$T/px$i/state" --api-listen "127.0.0.1:${PX_API[i]}" \
        --http-port "${PX_HTTP[i]}" --etcd-instance "px$i" "${eps[@]}" \
        --set etcd.probe_interval=200ms --set etcd.log_interval=2s --set etcd.timeout=3s "$@" >>"$T/px$i.log" 2>&1 &
    PX_PIDS[i]=$!
    while [ ! -s "$T/px$i/pid" ]; do
        kill -0 "${PX_PIDS[i]}" 2>/dev/null || { cat "$T/px$i.log"; fail "pxecore $i exited during start"; }
        k=$((k + 1)); [ "$k" -lt 150 ] || fail "pxecore $i not ready after 15 s"
        sleep 0.1
    done
    PX_TOKEN[i]=$(cat "$T/px$i/state/api.token")
}

# px_stop I: SIGTERM, a clean exit (status 0: under ASan no leak) within 20 s.
px_stop() {
    local i=$1 k=0 rc
    kill -TERM "${PX_PIDS[i]}"
    while kill -0 "${PX_PIDS[i]}" 2>/dev/null; do
        k=$((k + 1)); [ "$k" -lt 200 ] || fail "pxecore $i still running 20 s after SIGTERM"
        sleep 0.1
    done
    wait "${PX_PIDS[i]}"; rc=$?
    PX_PIDS[i]=""
    [ "$rc" = 0 ] || { tail -30 "$T/px$i.log"; fail "pxecore $i exited with $rc"; }
}

# px_req I METHOD PATH [JSON]: sets CODE, body in $T/out.
px_req() {
    local i=$1 m=$2 p=$3
    shift 3
    CODE=$(curl -sS -m 10 -o "$T/out" -w '%{http_code}' -X "$m" \
        -H "Authorization: Bearer ${PX_TOKEN[i]}" ${1:+-H 'Content-Type: application/json' --data-binary "$1"} \
        "http://127.0.0.1:${PX_API[i]}$p") || CODE=000
}
# jcheck EXPR WHAT: EXPR is true on the last JSON body d.
jcheck() {
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' \
        "$T/out" "$1" || { echo "--- body:"; cat "$T/out"; fail "$2: not true: $1"; }
}
# px_until I PATH EXPR WHAT: polls GET PATH on instance I until EXPR holds (at most 10 s).
px_until() {
    local k=0
    while :; do
        px_req "$1" GET "$2"
        [ "$CODE" = 200 ] && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$T/out" "$3" 2>/dev/null && return 0
        k=$((k + 1)); [ "$k" -lt 200 ] || { cat "$T/out"; fail "$4: instance $1 never got there (10 s)"; }
        sleep 0.05
    done
}
# px_until_code I PATH CODE WHAT: polls GET PATH on instance I until it answers CODE (at most 10 s).
px_until_code() {
    local k=0
    while :; do
        px_req "$1" GET "$2"
        [ "$CODE" = "$3" ] && return 0
        k=$((k + 1)); [ "$k" -lt 200 ] || { cat "$T/out"; fail "$4: instance $1 answers $CODE, not $3 (10 s)"; }
        sleep 0.05
    done
}
# make_image DIR: a directory the archiso kind recognises.
make_image() {
    mkdir -p "$1/arch/boot/x86_64" "$1/arch/x86_64"
    echo kernel >"$1/arch/boot/x86_64/vmlinuz-linux"
    echo initrd >"$1/arch/boot/x86_64/initramfs-linux.img"
    echo rootfs >"$1/arch/x86_64/airootfs.sfs"
}
