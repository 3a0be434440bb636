#!/bin/bash
# SPDX-License-Identifier: MIT
# A full disk under state_dir (a 512 KiB tmpfs in a private mount namespace,
# network namespaces for DHCP): while the disk is full, PXE clients keep
# getting leases, the lease file keeps its last good contents, the failure is
# logged at most once a second, an API change answers 500 "state_not_saved"
# and leaves state.json intact; once space returns the lease file catches up
# with every lease handed out meanwhile and no temp file is left.
if [ -z "${FAULT_IN_NS:-}" ]; then
    [ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (mount namespace)"; exit 77; }
    unshare --mount --net true 2>/dev/null || { echo "SKIP: cannot unshare"; exit 77; }
    FAULT_IN_NS=1 exec unshare --mount --propagation private --net bash "$0" "$@"
fi
set -eu
PXE_IN_NETNS=1
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/tests/fault/fault_lib.sh"
need curl ip nsenter
ip link set lo up
use_plugins dhcp
client_ns
S=$T/state
mkdir -p "$T/img" "$S"
mount -t tmpfs -o size=512k,mode=0700 tmpfs "$S"
at_exit "umount -l '$S' 2>/dev/null"
PORT=$(free_port)
start_pxecore --api-listen "127.0.0.1:$PORT" --image "$T/img" --interface srv0 \
    --dhcp-range 192.0.2.10,192.0.2.250,12h --set dhcp.lease_flush=100ms
TOKEN=$(cat "$S/api.token")
put_host() { # N: sets a host profile; prints the HTTP status
    curl -s -m 5 -o "$T/out" -w '%{http_code}' -X PUT -H "Authorization: Bearer $TOKEN" \
        -H 'Content-Type: application/json' --data "{\"cmdline_extra\":\"n=$1\"}" \
        "http://127.0.0.1:$PORT/api/v1/hosts/52:54:00:00:00:01"
}
dora() { cli_exec python3 "$FAULT_SRC/dhcp_dora.py" cli0 "$T/acks" "$1" "$2"; }
leases_in_file() { grep -c . "$S/dhcp.leases" 2>/dev/null || true; }

: >"$T/acks"
dora 0 5 || fail "no leases before the disk filled"
case $(put_host 1) in 200 | 201) ;; *) fail "PUT before the disk filled: $(cat "$T/out")" ;; esac
i=0
until [ "$(leases_in_file)" = 5 ]; do
    i=$((i + 1)); [ "$i" -lt 50 ] || fail "lease file not written before the disk filled"
    sleep 0.1
done
cp "$S/dhcp.leases" "$T/leases.before"
cp "$S/state.json" "$T/state.before"

echo "## disk full"
dd if=/dev/zero of="$S/filler" bs=4k 2>/dev/null || true
df -k "$S" | tail -1
t0=$SECONDS
logged0=$(grep -c 'No space left on device' "$T/pxecore.log" || true)
dora 5 40 || fail "DHCP stopped serving on a full disk"
[ "$(wc -l <"$T/acks")" = 45 ] || fail "not every client got a lease on a full disk"
code=$(put_host 2)
[ "$code" = 500 ] && grep -q state_not_saved "$T/out" || fail "PUT on a full disk: HTTP $code $(cat "$T/out")"
sleep 2
window=$((SECONDS - t0 + 1))
cmp -s "$S/dhcp.leases" "$T/leases.before" || fail "lease file changed on a full disk"
cmp -s "$S/state.json" "$T/state.before" || fail "state.json changed on a full disk"
warns=$(grep 'writing lease file' "$T/pxecore.log" | grep -c 'No space left on device' || true)
[ "$warns" -ge 1 ] || fail "the full disk was not logged"
[ "$warns" -le $((window + 1)) ] || fail "$warns warnings in ${window}s: not rate-limited"
kill -0 "$PXE_PID" || fail "daemon died on a full disk"
echo "full disk: 40 leases served, $warns lease-file warning(s) in ${window}s," \
     "$(($(grep -c 'No space left on device' "$T/pxecore.log") - logged0)) log lines about it"

echo "## space returns"
rm -f "$S/filler"
i=0
until [ "$(leases_in_file)" = 45 ]; do
    i=$((i + 1)); [ "$i" -lt 50 ] || fail "lease file did not catch up: $(leases_in_file) of 45"
    sleep 0.1
done
[ "$(put_host 3)" = 200 ] || fail "PUT after space returned: $(cat "$T/out")"
grep -q 'n=3' "$S/state.json" || fail "state.json not written after space returned"
stale=$(temps "$S")
[ -z "$stale" ] || fail "temp files left: $stale"
stop_pxecore || fail "exit status after the full disk"
echo "fault_enospc: ok"
