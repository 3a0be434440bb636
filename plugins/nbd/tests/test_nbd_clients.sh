#!/bin/bash
# SPDX-License-Identifier: MIT
# Real NBD clients (nbdinfo, nbdcopy, qemu-img) against the NBD plugin run by
# nbd_host (the plugin .so on a small fake core), plus malformed traffic from
# nbd_malformed.py; the server must keep serving and stop cleanly.
set -eu
. "$PXECORE_SRC/tests/integration/lib.sh"
need nbdinfo nbdcopy qemu-img python3 sha256sum
: "${NBD_HOST:?}" "${NBD_PLUGIN:?}"
HERE=$(dirname "$0")

head -c $((64 << 20)) /dev/urandom >"$T/arch.iso"
head -c 1000000 /dev/urandom >"$T/extra.bin" # not a multiple of 512
if command -v xorriso >/dev/null; then
    mkdir -p "$T/tree/arch/boot"
    head -c 300000 /dev/urandom >"$T/tree/arch/boot/vmlinuz-linux"
    xorriso -as mkisofs -quiet -V TINY -o "$T/tiny.iso" "$T/tree" 2>/dev/null
else
    head -c 2048000 /dev/urandom >"$T/tiny.iso"
fi

"$NBD_HOST" "$NBD_PLUGIN" "$T/port" --image archiso="$T/arch.iso" --image tiny="$T/tiny.iso" \
    address=127.0.0.1 port=0 "exports={\"extra\":\"$T/extra.bin\"}" \
    >"$T/host.out" 2>"$T/pxecore.log" &
HOST_PID=$!
at_exit "kill $HOST_PID 2>/dev/null"
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
[ -s "$T/port" ] || fail "nbd_host did not start"
P=$(cat "$T/port")
U="nbd://127.0.0.1:$P"

# nbdinfo: size, read-only, multi-conn, export list.
nbdinfo --json "$U/archiso" >"$T/info.json"
python3 - "$T/info.json" <<'EOF' || fail "nbdinfo --json"
import json, sys
j = json.load(open(sys.argv[1]))
e = j["exports"][0]
assert e["export-size"] == 64 << 20, e
assert e["is_read_only"] is True, e
assert e["can_multi_conn"] is True, e
assert e["can_flush"] is True, e
assert j["protocol"] == "newstyle-fixed", j
EOF
[ "$(nbdinfo --size "$U/extra")" = 1000000 ] || fail "extra export size"
[ "$(nbdinfo --size "$U")" = $((64 << 20)) ] || fail "default export is archiso"
nbdinfo --list --json "$U" >"$T/list.json"
python3 -c 'import json,sys; n=sorted(e["export-name"] for e in json.load(open(sys.argv[1]))["exports"]); assert n==["archiso","extra","tiny"], n' \
    "$T/list.json" || fail "nbdinfo --list"
echo "ok nbdinfo"
# nbd-client (archiso's client): only the export list; attaching needs the kernel module.
if command -v nbd-client >/dev/null; then
    nbd-client -l 127.0.0.1 "$P" >"$T/nbd-client.out" 2>&1 || fail "nbd-client -l: $(cat "$T/nbd-client.out")"
    [ "$(grep -E -x 'archiso|extra|tiny' "$T/nbd-client.out" | sort | tr '\n' ' ')" = "archiso extra tiny " ] ||
        fail "nbd-client -l: $(cat "$T/nbd-client.out")"
    echo "ok nbd-client -l"
fi

# nbdcopy: whole exports, byte for byte, one connection and several.
nbdcopy "$U/archiso" "$T/copy1" --connections=1
[ "$(sha "$T/copy1")" = "$(sha "$T/arch.iso")" ] || fail "nbdcopy --connections=1 differs"
rm -f "$T/copy1"
nbdcopy "$U/archiso" - | sha256sum | cut -d' ' -f1 >"$T/sum"
[ "$(cat "$T/sum")" = "$(sha "$T/arch.iso")" ] || fail "nbdcopy (default connections) differs"
nbdcopy "$U/extra" "$T/copy2"
cmp "$T/copy2" "$T/extra.bin" || fail "nbdcopy of a 1000000-byte export"
echo "ok nbdcopy"

# qemu-img: info and convert.
qemu-img info "$U/archiso" >"$T/qinfo"
grep -q "virtual size: 64 MiB (67108864 bytes)" "$T/qinfo" || { cat "$T/qinfo"; fail "qemu-img info"; }
qemu-img convert -f raw -O raw "$U/tiny" "$T/tiny.out"
cmp "$T/tiny.out" "$T/tiny.iso" || fail "qemu-img convert differs"
echo "ok qemu-img"

# Malformed traffic, then a normal client still works.
python3 "$HERE/nbd_malformed.py" 127.0.0.1 "$P" archiso $((64 << 20)) || fail "malformed cases"
[ "$(nbdinfo --size "$U/archiso")" = $((64 << 20)) ] || fail "nbdinfo after malformed traffic"
qemu-img convert -f raw -O raw "$U/tiny" "$T/tiny.out2" && cmp "$T/tiny.out2" "$T/tiny.iso" ||
    fail "qemu-img after malformed traffic"
echo "ok malformed"

# IPv6 listen address (when the host has ::1).
if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
    "$NBD_HOST" "$NBD_PLUGIN" "$T/port6" --image archiso="$T/tiny.iso" address=::1 port=0 \
        >/dev/null 2>>"$T/pxecore.log" &
    H6=$!
    at_exit "kill $H6 2>/dev/null"
    for _ in $(seq 100); do [ -s "$T/port6" ] && break; sleep 0.1; done
    [ "$(nbdinfo --size "nbd://[::1]:$(cat "$T/port6")/archiso")" = "$(stat -c %s "$T/tiny.iso")" ] ||
        fail "nbdinfo over IPv6"
    kill -TERM "$H6"
    wait "$H6" || fail "IPv6 nbd_host exited with $?"
    echo "ok IPv6"
fi

kill -TERM "$HOST_PID"
wait "$HOST_PID" || fail "nbd_host exited with $?"
cat "$T/host.out"
grep -q '^metric errors [1-9]' "$T/host.out" || fail "errors metric not counted"
grep -q '^metric connections [1-9]' "$T/host.out" || fail "connections metric"
grep -q '^metric active 0$' "$T/host.out" || fail "active gauge not back to 0"
grep -q '^event nbd.connect [1-9]' "$T/host.out" || fail "nbd.connect events"
echo "PASS"
