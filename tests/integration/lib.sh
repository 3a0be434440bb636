# SPDX-License-Identifier: MIT
# Shared helpers for integration tests (sourced, POSIX sh + bash ok).
# ctest sets PXECORE_BIN (the daemon) and PXECORE_PLUGINS (build/plugins).
# Exit 77 = skipped (ctest SKIP_RETURN_CODE).

: "${PXECORE_BIN:?PXECORE_BIN not set}"
: "${PXECORE_PLUGINS:?PXECORE_PLUGINS not set}"

T=$(mktemp -d "${TMPDIR:-/tmp}/pxetest.XXXXXX")
PXE_PID=""
_cleanups=""

# at_exit CMD: run CMD (a string) at exit, last registered first.
at_exit() { _cleanups="$1; $_cleanups"; }
_run_cleanups() {
    rc=$?
    set +e
    [ -n "$PXE_PID" ] && kill -TERM "$PXE_PID" 2>/dev/null && wait "$PXE_PID" 2>/dev/null
    eval "$_cleanups"
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -f "$T/pxecore.log" ]; then
        echo "--- pxecore.log (last 60 lines)"; tail -n 60 "$T/pxecore.log"
    fi
    rm -rf "$T"
    exit "$rc"
}
trap _run_cleanups EXIT
trap 'exit 1' INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
# need CMD...: skip unless every command exists.
need() { for c in "$@"; do command -v "$c" >/dev/null 2>&1 || skip "missing $c"; done; }

# free_port: an unused TCP/UDP port on 127.0.0.1 (best effort).
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# use_plugins NAME...: from here on the daemon loads only these in-tree plugins
# (so a test never binds another plugin's default port or touches the host's
# NFS exports), and the image kinds (archiso, datakinds), which bind nothing.
PXECORE_PLUGINS_ALL=$PXECORE_PLUGINS
use_plugins() {
    rm -rf "$T/plugins"
    mkdir -p "$T/plugins"
    for n in archiso datakinds "$@"; do
        [ -f "$PXECORE_PLUGINS_ALL/pxecore-$n.so" ] || fail "no plugin $n in $PXECORE_PLUGINS_ALL"
        ln -sf "$PXECORE_PLUGINS_ALL/pxecore-$n.so" "$T/plugins/"
    done
    PXECORE_PLUGINS=$T/plugins
}

# start_pxecore ARGS...: starts the daemon in the background with a pidfile and
# waits (at most 15 s) until it is ready. Sets PXE_PID. Log in $T/pxecore.log.
# The REST API listens on an ephemeral loopback port unless ARGS say otherwise
# (--api-listen, --no-api), so parallel tests never fight over 9480.
start_pxecore() {
    rm -f "$T/pxecore.pid"
    "$PXECORE_BIN" --plugins-dir "$PXECORE_PLUGINS" --pidfile "$T/pxecore.pid" \
        --state-dir "${PXE_STATE_DIR:-$T/state}" --api-listen 127.0.0.1:0 "$@" \
        >>"$T/pxecore.log" 2>&1 &
    PXE_PID=$!
    i=0
    while [ ! -s "$T/pxecore.pid" ]; do
        kill -0 "$PXE_PID" 2>/dev/null || { wait "$PXE_PID"; PXE_PID=""; cat "$T/pxecore.log"; fail "pxecore exited during start"; }
        i=$((i + 1)); [ "$i" -lt 150 ] || fail "pxecore not ready after 15 s"
        sleep 0.1
    done
}

# stop_pxecore: SIGTERM and wait (at most 10 s); returns the exit status.
stop_pxecore() {
    [ -n "$PXE_PID" ] || return 0
    kill -TERM "$PXE_PID"
    i=0
    while kill -0 "$PXE_PID" 2>/dev/null; do
        i=$((i + 1)); [ "$i" -lt 100 ] || { kill -KILL "$PXE_PID"; break; }
        sleep 0.1
    done
    wait "$PXE_PID"; rc=$?
    PXE_PID=""
    return "$rc"
}

# in_netns: re-exec the calling script inside a private network namespace
# (only loopback, brought up). Call first thing in tests that use veths.
in_netns() {
    if [ -z "${PXE_IN_NETNS:-}" ]; then
        command -v unshare >/dev/null || skip "missing unshare"
        unshare --net true 2>/dev/null || skip "cannot create network namespaces"
        PXE_IN_NETNS=1 exec unshare --net -- "$SHELL_FOR_NS" "$0" "$@"
    fi
    ip link set lo up
}
SHELL_FOR_NS=${BASH:-/bin/sh}

# ns_spawn: a new empty network namespace held by a sleeping process; sets NS_PID
# (enter it with nsenter -n -t "$NS_PID"). Removed at exit.
ns_spawn() {
    unshare --net sleep 3600 &
    NS_PID=$!
    at_exit "kill $NS_PID 2>/dev/null"
    # unshare may not have switched namespaces yet: wait (at most 5 s) until it has.
    i=0
    while [ "$(readlink /proc/$NS_PID/ns/net 2>/dev/null)" = "$(readlink /proc/self/ns/net)" ]; do
        i=$((i + 1)); [ "$i" -lt 100 ] || fail "network namespace not created"
        sleep 0.05
    done
}

# client_ns: creates a client namespace joined by a veth pair:
#   srv0 (here, 192.0.2.1/24) <-> cli0 (in the client namespace, no address).
# Sets CLI_NS_PID; run clients with: cli_exec CMD...
client_ns() {
    ns_spawn
    CLI_NS_PID=$NS_PID
    ip link add srv0 type veth peer name cli0
    ip link set cli0 netns "$CLI_NS_PID"
    ip addr add 192.0.2.1/24 dev srv0
    ip link set srv0 up
    nsenter -n -t "$CLI_NS_PID" ip link set lo up
    nsenter -n -t "$CLI_NS_PID" ip link set cli0 up
}
cli_exec() { nsenter -n -t "$CLI_NS_PID" "$@"; }

# sha FILE: sha256 hex of FILE.
sha() { sha256sum "$1" | cut -d' ' -f1; }
