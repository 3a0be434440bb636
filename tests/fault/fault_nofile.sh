#!/bin/bash
# SPDX-License-Identifier: MIT
# RLIMIT_NOFILE low under load, HTTP and TFTP on loopback.
#  1. Started with a hard limit of 128 descriptors: the http plugin lowers
#     max_connections to fit (a socket and a file per connection, 64 kept for
#     the rest) and says so; 300 half-open connections (tests/hostile/
#     slowloris.py) then fill the connection slots, not the descriptor table:
#     a keep-alive connection opened before is still served the same bytes,
#     new connections wait in the listen backlog (MHD stops accepting at its cap), the descriptor count stays
#     under the limit, and a TFTP download still succeeds.
#  2. The limit cut under the running daemon (prlimit) to the descriptors it
#     has open while the flood holds its connections: the keep-alive connection gets the file or a clean
#     "503 Service Unavailable" with Retry-After (never a 500, never a crash),
#     the daemon does not spin on accept (CPU time printed, bounded at 50% of
#     one core), and once the flood stops new HTTP and TFTP downloads succeed.
set -eu
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/tests/fault/fault_lib.sh"
. "$PXECORE_SRC/tests/hostile/hostile_lib.sh"
need curl prlimit python3
use_plugins http tftp
mkdir -p "$T/img"
head -c 2000000 /dev/urandom >"$T/img/big"
want=$(sha "$T/img/big")
HP=$(free_port)
TP=$(free_port)
printf '#!/bin/sh\nexec prlimit --nofile=128:128 -- "%s" "$@"\n' "$PXECORE_BIN" >"$T/limited"
chmod +x "$T/limited"
PXECORE_BIN=$T/limited start_pxecore --no-api --image "$T/img" --set http.port="$HP" \
    --set http.address=127.0.0.1 --set tftp.port="$TP" --set tftp.address=127.0.0.1 \
    --set http.timeout=30s
grep -q 'max_connections 1024 lowered to 32: RLIMIT_NOFILE is 128' "$T/pxecore.log" ||
    fail "max_connections not fitted to RLIMIT_NOFILE"
cpu() { awk '{print $14 + $15}' "/proc/$PXE_PID/stat"; } # clock ticks
fds() { ls "/proc/$PXE_PID/fd" | wc -l; }

# keepalive N: a keep-alive client that downloads twice, the second time after $T/go.N
keepalive() {
    "$PY" "$FAULT_SRC/keepalive.py" 127.0.0.1 "$HP" /big "$want" "$T/go.$1" >"$T/ka.$1" 2>&1 &
    KA=$!
    at_exit "kill $KA 2>/dev/null"
    i=0
    until grep -q 'first ok' "$T/ka.$1"; do
        i=$((i + 1)); [ "$i" -lt 100 ] || fail "keep-alive client $1: $(cat "$T/ka.$1")"
        sleep 0.1
    done
}
echo "## 1. hard limit 128 from the start"
keepalive 1
slowloris "$HP" 300 60
n=$(fds)
echo "flood: $(cat "$T/held") (connections made, refused); daemon descriptors $n of 128"
[ "$n" -lt 128 ] || fail "descriptor table full ($n): the connection cap does not fit the limit"
touch "$T/go.1"
wait "$KA" || fail "keep-alive connection not served during the flood: $(cat "$T/ka.1")"
new=$(curl -s -m 3 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HP/big" || true)
got=$(curl -s -m 20 "tftp://127.0.0.1:$TP/big" | sha256sum | cut -c1-64)
[ "$got" = "$want" ] || fail "TFTP not served during the HTTP flood"
echo "during the flood: keep-alive served, TFTP served, new HTTP connection: $new (000: waited in the backlog)"

echo "## 2. the limit cut under the running daemon to what it has open"
kill "$SL" 2>/dev/null || true; wait "$SL" 2>/dev/null || true
t0=$SECONDS
i=0
until curl -s -m 2 -o /dev/null "http://127.0.0.1:$HP/big"; do
    i=$((i + 1)); [ "$i" -lt 30 ] || fail "HTTP not served again after the first flood"
done
echo "after the flood: served again in $((SECONDS - t0))s"
keepalive 2
slowloris "$HP" 300 60
lim=$(fds)
prlimit --pid "$PXE_PID" --nofile="$lim:$lim"
echo "flood: $(cat "$T/held"); limit cut to the $lim descriptors open"
c0=$(cpu)
touch "$T/go.2"
if ! wait "$KA"; then
    grep -q 'HTTP 503' "$T/ka.2" || fail "keep-alive at the descriptor limit: $(cat "$T/ka.2")"
    echo "keep-alive at the limit: 503 (no descriptor for the file)"
else
    echo "keep-alive at the limit: served"
fi
curl -s -m 3 -o /dev/null "http://127.0.0.1:$HP/big" || true
curl -s -m 3 -o /dev/null "tftp://127.0.0.1:$TP/big" || true
sleep 2
c1=$(cpu)
ms=$(((c1 - c0) * 1000 / $(getconf CLK_TCK)))
kill -0 "$PXE_PID" || fail "daemon died at the descriptor limit"
echo "at the limit: daemon CPU ${ms} ms in about 8 s"
[ "$ms" -lt 4000 ] || fail "the daemon spins at the descriptor limit (${ms} ms CPU)"
kill "$SL" 2>/dev/null || true; wait "$SL" 2>/dev/null || true
i=0
until [ "$(curl -s -m 5 "http://127.0.0.1:$HP/big" | sha256sum | cut -c1-64)" = "$want" ]; do
    i=$((i + 1)); [ "$i" -lt 20 ] || fail "HTTP not served again after the flood"
    sleep 0.5
done
got=$(curl -s -m 20 "tftp://127.0.0.1:$TP/big" | sha256sum | cut -c1-64)
[ "$got" = "$want" ] || fail "TFTP not served again after the flood"
no_match() { ! grep -Eq "$1" "$T/pxecore.log" || fail "unexpected '$1' in the log"; }
no_match '"GET /big" 500'
stop_pxecore || fail "exit status after the descriptor limit"
echo "fault_nofile: ok"
