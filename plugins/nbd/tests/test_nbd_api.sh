#!/bin/bash
# SPDX-License-Identifier: MIT
# The NBD method switched through the REST API: disabling keeps serving a
# connection in transmission (a copytoram=n root) while new clients are refused,
# the API shows it draining with its session, and enabling serves again.  Also
# the nbd.connect event and the plugin's metrics as the API reports them.
set -eu
. "$PXECORE_SRC/tests/integration/lib.sh"
need nbdinfo curl python3
use_plugins nbd

head -c $((4 << 20)) /dev/urandom >"$T/arch.iso"
P=$(free_port)
AP=$(free_port)
TOKEN=nbd-api-test-token-0123456789
start_pxecore --api-listen "127.0.0.1:$AP" --set api.token=$TOKEN --image "$T/arch.iso" \
    --set nbd.address=127.0.0.1 --nbd-port "$P"
U="nbd://127.0.0.1:$P/archiso"
api() { curl -sS -f -H "Authorization: Bearer $TOKEN" "$@"; }
field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
method() { api "http://127.0.0.1:$AP/api/v1/methods/nbd" | field "$1"; }

[ "$(method state)" = enabled ] || fail "nbd method not enabled at start"
[ "$(method active_sessions)" = 0 ] || fail "sessions before any client"

# A client in transmission that reads again once $T/go exists.
python3 - "$P" "$T/arch.iso" "$T/go" >"$T/live.log" 2>&1 <<'EOF' &
import os, socket, struct, sys, time
port, iso, go = int(sys.argv[1]), open(sys.argv[2], "rb").read(), sys.argv[3]
s = socket.create_connection(("127.0.0.1", port), timeout=30)
s.recv(18, socket.MSG_WAITALL)
s.sendall(struct.pack(">I", 3))
s.sendall(struct.pack(">QII", 0x49484156454F5054, 7, 13) + struct.pack(">I", 7) + b"archiso\0\0")
while True:
    h = s.recv(20, socket.MSG_WAITALL)
    t, n = struct.unpack(">II", h[12:20])
    s.recv(n, socket.MSG_WAITALL) if n else None
    if t != 3:
        break
assert t == 1, t
def read(off, n):
    s.sendall(struct.pack(">IHHQQI", 0x25609513, 0, 0, 1, off, n))
    h = s.recv(16, socket.MSG_WAITALL)
    assert struct.unpack(">I", h[4:8])[0] == 0, "read error"
    return s.recv(n, socket.MSG_WAITALL)
assert read(0, 4096) == iso[:4096]
print("connected", flush=True)
for _ in range(300):
    if os.path.exists(go):
        break
    time.sleep(0.1)
assert read(1 << 20, 65536) == iso[1 << 20:(1 << 20) + 65536], "data after disable"
print("read after disable ok", flush=True)
s.sendall(struct.pack(">IHHQQI", 0x25609513, 0, 2, 2, 0, 0))
EOF
LIVE=$!
at_exit "kill $LIVE 2>/dev/null"
for _ in $(seq 100); do grep -q connected "$T/live.log" && break; sleep 0.1; done
grep -q connected "$T/live.log" || fail "live client: $(cat "$T/live.log")"
[ "$(method active_sessions)" = 1 ] || fail "active_sessions with one client"

api -X PUT -H 'Content-Type: application/json' -d '{"enabled": false}' \
    "http://127.0.0.1:$AP/api/v1/methods/nbd" >/dev/null || fail "PUT enabled=false"
[ "$(method state)" = draining ] || fail "state $(method state), expected draining"
if nbdinfo --size "$U" >"$T/refused.log" 2>&1; then
    fail "new client served while the method is disabled"
fi
grep -qi "shut" "$T/refused.log" || fail "refusal is not ERR_SHUTDOWN: $(cat "$T/refused.log")"
touch "$T/go"
wait "$LIVE" || fail "live client failed: $(cat "$T/live.log")"
grep -q "read after disable ok" "$T/live.log" || fail "live client: $(cat "$T/live.log")"
for _ in $(seq 50); do [ "$(method state)" = disabled ] && break; sleep 0.1; done
[ "$(method state)" = disabled ] || fail "state $(method state) after the last session ended"
echo "ok disable keeps live connections"

api -X PUT -H 'Content-Type: application/json' -d '{"enabled": true}' \
    "http://127.0.0.1:$AP/api/v1/methods/nbd" >/dev/null || fail "PUT enabled=true"
[ "$(nbdinfo --size "$U")" = $((4 << 20)) ] || fail "nbdinfo after enabling again"
echo "ok enable"

api "http://127.0.0.1:$AP/api/v1/events?limit=1000" >"$T/events.json"
python3 - "$T/events.json" <<'EOF' || fail "events: $(cat "$T/events.json")"
import json, sys
ev = json.load(open(sys.argv[1]))["events"]
c = [e for e in ev if e["kind"] == "nbd.connect"]
assert len(c) >= 2 and c[0]["ip"] == "127.0.0.1" and c[0]["phase"] == "rootfs", c
assert any(e["kind"] == "nbd.disconnect" for e in ev)
EOF
api "http://127.0.0.1:$AP/metrics" >"$T/metrics.txt"
grep -Eq '^pxecore_nbd_connections(_total)? [2-9]' "$T/metrics.txt" || fail "connections metric: $(grep nbd "$T/metrics.txt")"
grep -Eq '^pxecore_nbd_refused(_total)? [1-9]' "$T/metrics.txt" || fail "refused metric (the disabled method)"
grep -Eq '^pxecore_nbd_active 0$' "$T/metrics.txt" || fail "active gauge"
echo "ok events and metrics"
stop_pxecore || fail "stop"
echo PASS
