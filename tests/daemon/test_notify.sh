#!/bin/bash
# SPDX-License-Identifier: MIT
# The systemd readiness protocol without systemd: a datagram listener of our
# own on $NOTIFY_SOCKET (a path, then an abstract '@' name) must receive
# READY=1 (with STATUS=) once pxecore serves, RELOADING=1 then READY=1 on
# SIGHUP, and STOPPING=1 on SIGTERM, in that order; and nothing breaks
# without NOTIFY_SOCKET or with a socket nobody listens on.
. "$PXECORE_SRC/tests/integration/lib.sh"
need python3
use_plugins http # and the image kinds, which lib.sh always adds: 3 plugins

# listen ADDR OUT: collects datagrams on ADDR into OUT (one per line, \n as |)
# until it has seen STOPPING=1 (at most 60 s).
listen() {
    python3 - "$1" "$2" <<'PY' &
import socket, sys, time
addr, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
open(out + ".ready", "w").close()
s.settimeout(1.0)
end = time.time() + 60
with open(out, "w") as f:
    while time.time() < end:
        try:
            m = s.recv(4096).decode()
        except socket.timeout:
            continue
        f.write(m.replace("\n", "|") + "\n"); f.flush()
        if "STOPPING=1" in m:
            break
PY
    LISTENER=$!
    at_exit "kill $LISTENER 2>/dev/null"
    i=0
    until [ -e "$2.ready" ]; do
        i=$((i + 1)); [ "$i" -lt 100 ] || fail "listener on $1 did not start"
        sleep 0.1
    done
}

# wait_for OUT PATTERN: until OUT has a line matching PATTERN (at most 15 s).
wait_for() {
    i=0
    until grep -q -- "$2" "$1" 2>/dev/null; do
        i=$((i + 1)); [ "$i" -lt 150 ] || { cat "$1"; fail "no '$2' from pxecore"; }
        sleep 0.1
    done
}

for addr in "$T/notify.sock" "@pxecore-test-notify-$$"; do
    out=$T/notify.$RANDOM
    listen "$addr" "$out"
    NOTIFY_SOCKET=$addr start_pxecore --no-api --http-port "$(free_port)"
    wait_for "$out" '^READY=1|STATUS=serving 0 image(s) with 3 plugin(s)$'
    kill -HUP "$PXE_PID"
    wait_for "$out" '^RELOADING=1'
    stop_pxecore || fail "pxecore exit status $? ($addr)"
    wait "$LISTENER" 2>/dev/null
    seq=$(cut -d'|' -f1 "$out" | tr '\n' ' ')
    [ "$seq" = "READY=1 RELOADING=1 READY=1 STOPPING=1 " ] || fail "$addr: messages in order: $seq"
    echo "ok: $addr got: $seq"
done

# No manager, and a socket path nobody listens on: pxecore serves either way.
start_pxecore --no-api --http-port "$(free_port)"
stop_pxecore || fail "without NOTIFY_SOCKET: exit status $?"
NOTIFY_SOCKET=$T/nobody.sock start_pxecore --no-api --http-port "$(free_port)"
stop_pxecore || fail "with a dead NOTIFY_SOCKET: exit status $?"
grep -q "NOTIFY_SOCKET: cannot notify the service manager" "$T/pxecore.log" ||
    fail "a dead NOTIFY_SOCKET is not reported"
[ "$(grep -c 'NOTIFY_SOCKET: cannot notify' "$T/pxecore.log")" = 1 ] || fail "reported more than once"
echo "ok: no manager, dead socket"
