#!/bin/bash
# SPDX-License-Identifier: MIT
# The NBD plugin inside the real daemon: ISO images given with --image are
# exported under their names (the first as "archiso"), an extra file through the
# "exports" config key; nbdinfo, nbdcopy and qemu-img read them; malformed
# traffic leaves the server serving; SIGTERM with a live connection stops cleanly.
set -eu
. "$PXECORE_SRC/tests/integration/lib.sh"
need nbdinfo nbdcopy qemu-img python3 sha256sum
HERE=$(dirname "$0")

use_plugins nbd

head -c $((64 << 20)) /dev/urandom >"$T/arch.iso"
head -c 1000000 /dev/urandom >"$T/extra.bin"
if command -v xorriso >/dev/null; then
    mkdir -p "$T/tree/arch/boot/x86_64"
    head -c 300000 /dev/urandom >"$T/tree/arch/boot/x86_64/vmlinuz-linux"
    xorriso -as mkisofs -quiet -V TINY -o "$T/tiny.iso" "$T/tree" 2>/dev/null
else
    head -c 2048000 /dev/urandom >"$T/tiny.iso"
fi
cat >"$T/config.json" <<EOF
{"plugins": {"nbd": {"address": "127.0.0.1", "max_connections": 8,
                     "exports": {"extra": "$T/extra.bin"}}}}
EOF
P=$(free_port)
start_pxecore --no-api --config "$T/config.json" --image "$T/arch.iso" \
    --image tiny="$T/tiny.iso" --nbd-port "$P"
U="nbd://127.0.0.1:$P"
grep -q "listening on 127.0.0.1 port $P, 3 exports" "$T/pxecore.log" || fail "listen line"

nbdinfo --json "$U/archiso" >"$T/info.json"
python3 - "$T/info.json" <<'EOF' || fail "nbdinfo --json"
import json, sys
e = json.load(open(sys.argv[1]))["exports"][0]
assert e["export-size"] == 64 << 20 and e["is_read_only"] is True and e["can_multi_conn"] is True, e
EOF
nbdinfo --list --json "$U" >"$T/list.json"
python3 -c 'import json,sys; n=sorted(e["export-name"] for e in json.load(open(sys.argv[1]))["exports"]); assert n==["archiso","extra","tiny"], n' \
    "$T/list.json" || fail "nbdinfo --list"
[ "$(nbdinfo --size "$U/extra")" = 1000000 ] || fail "extra export size"
nbdcopy "$U/archiso" - | sha256sum | cut -d' ' -f1 >"$T/sum"
[ "$(cat "$T/sum")" = "$(sha "$T/arch.iso")" ] || fail "nbdcopy differs from the ISO"
nbdcopy --connections=1 "$U/tiny" "$T/tiny.out"
cmp "$T/tiny.out" "$T/tiny.iso" || fail "nbdcopy --connections=1 of tiny differs"
qemu-img info "$U/tiny" | grep -q "virtual size: .*($(stat -c %s "$T/tiny.iso") bytes)" ||
    fail "qemu-img info"
qemu-img convert -f raw -O raw "$U/archiso" "$T/q.out"
cmp "$T/q.out" "$T/arch.iso" || fail "qemu-img convert differs"
rm -f "$T/q.out"
echo "ok real clients"
# nbd-client (archiso's client): only the export list; attaching needs the kernel module.
if command -v nbd-client >/dev/null; then
    nbd-client -l 127.0.0.1 "$P" >"$T/nbd-client.out" 2>&1 || fail "nbd-client -l: $(cat "$T/nbd-client.out")"
    [ "$(grep -E -x 'archiso|extra|tiny' "$T/nbd-client.out" | sort | tr '\n' ' ')" = "archiso extra tiny " ] ||
        fail "nbd-client -l: $(cat "$T/nbd-client.out")"
    echo "ok nbd-client -l"
fi

python3 "$HERE/nbd_malformed.py" 127.0.0.1 "$P" archiso $((64 << 20)) >"$T/malformed.log" ||
    { cat "$T/malformed.log"; fail "malformed cases"; }
[ "$(nbdinfo --size "$U/archiso")" = $((64 << 20)) ] || fail "nbdinfo after malformed traffic"
echo "ok malformed traffic"

# SIGTERM while a client is in transmission: stop() closes it and joins its thread.
python3 "$HERE/nbd_hold.py" 127.0.0.1 "$P" tiny >"$T/hold.log" 2>&1 &
HOLD=$!
at_exit "kill $HOLD 2>/dev/null"
for _ in $(seq 50); do grep -q connected "$T/hold.log" && break; sleep 0.1; done
grep -q connected "$T/hold.log" || fail "holding client did not connect: $(cat "$T/hold.log")"
stop_pxecore || fail "pxecore exited with $? with a live NBD connection"
wait "$HOLD" || true
grep -q closed "$T/hold.log" || fail "live client not closed at stop"
grep -q "root filesystem for image 'archiso' ready" "$T/pxecore.log" || fail "preflight of archiso"
echo "PASS"
