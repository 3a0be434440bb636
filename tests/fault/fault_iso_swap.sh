#!/bin/bash
# SPDX-License-Identifier: MIT
# The ISO file changed under the running daemon (HTTP and TFTP on loopback):
#  1. truncated to half: files whose extent lies past the new end fail at
#     once (HTTP 500, a TFTP error; never the whole body), files before it
#     are still served, the daemon stays up; SIGHUP finds the short file
#     unusable and keeps serving what it can (error logged);
#  2. replaced by another ISO (rename over the path): without SIGHUP the
#     daemon serves the old file it holds open; after SIGHUP, the new one;
#  3. rewritten in place (same inode): after SIGHUP, the new contents;
#  4. a download in progress across the SIGHUP completes with the old bytes.
set -eu
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/tests/fault/fault_lib.sh"
need curl xorriso truncate
use_plugins http tftp
mk_iso() { xorriso -as mkisofs -quiet -V TEST -o "$2" "$1" 2>/dev/null; } # DIR OUT
for v in 1 2 3; do
    mkdir -p "$T/v$v"
    head -c 40000 /dev/urandom >"$T/v$v/a"   # extents in name order: "a" in the first half
    head -c 3000000 /dev/urandom >"$T/v$v/b"
    mk_iso "$T/v$v" "$T/v$v.iso"
done
cp "$T/v1.iso" "$T/image.iso"
HP=$(free_port)
TP=$(free_port)
start_pxecore --no-api --image "$T/image.iso" --set http.port="$HP" --set http.address=127.0.0.1 \
    --set tftp.port="$TP" --set tftp.address=127.0.0.1
http_sha() { curl -s -m 20 "http://127.0.0.1:$HP/$1" | sha256sum | cut -c1-64; }
tftp_sha() { curl -s -m 20 "tftp://127.0.0.1:$TP/$1" | sha256sum | cut -c1-64; }
# serves V: both files over both protocols are version V's
serves() {
    for f in a b; do
        [ "$(http_sha $f)" = "$(sha "$T/v$1/$f")" ] || fail "$2: HTTP $f is not version $1's"
        [ "$(tftp_sha $f)" = "$(sha "$T/v$1/$f")" ] || fail "$2: TFTP $f is not version $1's"
    done
}
hup() {
    n=$(grep -c 'SIGHUP' "$T/pxecore.log" || true)
    kill -HUP "$PXE_PID"
    i=0
    until [ "$(grep -c 'SIGHUP' "$T/pxecore.log")" -gt "$n" ]; do
        i=$((i + 1)); [ "$i" -lt 50 ] || fail "SIGHUP not handled"
        sleep 0.1
    done
    sleep 0.3
}
serves 1 "at start"

echo "## 1. truncated to half"
truncate -s $(($(stat -c %s "$T/v1.iso") / 2)) "$T/image.iso"
code=$(curl -s -m 10 -o "$T/b.out" -w '%{http_code}' "http://127.0.0.1:$HP/b" || true)
[ "$(sha "$T/b.out")" != "$(sha "$T/v1/b")" ] || fail "truncated: HTTP b still served whole"
tftp_ok=0; curl -s -m 20 -o "$T/b.tftp" "tftp://127.0.0.1:$TP/b" && tftp_ok=1
[ "$tftp_ok" = 0 ] || [ "$(sha "$T/b.tftp")" != "$(sha "$T/v1/b")" ] ||
    fail "truncated: TFTP b still served whole"
[ "$(http_sha a)" = "$(sha "$T/v1/a")" ] || fail "truncated: a (before the cut) not served"
kill -0 "$PXE_PID" || fail "daemon died on a truncated ISO"
echo "truncated: b over HTTP: status $code, $(stat -c %s "$T/b.out") bytes; TFTP: $([ $tftp_ok = 1 ] && echo short || echo failed); a: served"
hup
grep -q "not a usable ISO 9660 image now" "$T/pxecore.log" || fail "SIGHUP on a truncated ISO: no error logged"
[ "$(http_sha a)" = "$(sha "$T/v1/a")" ] || fail "after SIGHUP on the truncated file: a not served"

echo "## 2. replaced (rename over the path)"
cp "$T/v2.iso" "$T/new.iso" && mv "$T/new.iso" "$T/image.iso"
[ "$(http_sha a)" = "$(sha "$T/v1/a")" ] || fail "replaced, before SIGHUP: not the open file's bytes"
hup
serves 2 "replaced, after SIGHUP"

echo "## 3. rewritten in place, with a download in progress"
curl -s -m 60 --limit-rate 500k -o "$T/slow.out" "http://127.0.0.1:$HP/b" &
SLOW=$!
sleep 1
cat "$T/v3.iso" >"$T/image.iso.new" && mv "$T/image.iso.new" "$T/image.iso"
hup
serves 3 "rewritten, after SIGHUP"
wait "$SLOW" || fail "the download in progress across SIGHUP failed"
[ "$(sha "$T/slow.out")" = "$(sha "$T/v2/b")" ] || fail "the download in progress changed bytes"
cat "$T/v1.iso" >"$T/image.iso" # same inode, new contents
hup
serves 1 "rewritten in place (same inode), after SIGHUP"
stop_pxecore || fail "exit status"
echo "fault_iso_swap: ok"
