#!/bin/bash
# SPDX-License-Identifier: MIT
# The plugin's "http.sent" events and their boot phases, checked through
# http_host (the plugin under the fake core, which prints every event):
# kernel -> KERNEL(4), initrd -> INITRD(5), rootfs -> ROOTFS(6), generated
# boot.ipxe -> MENU(3); probes, HEAD, 304 and errors send none.
set -u
. "$PXECORE_SRC/tests/integration/lib.sh"
need curl
HOST=$PXECORE_BUILD/plugins/http/http_host
[ -x "$HOST" ] || skip "no http_host"

IMG=$T/img
mkdir -p "$IMG/arch/x86_64" "$IMG/arch/boot/x86_64"
head -c 100000 /dev/urandom >"$IMG/arch/x86_64/airootfs.sfs"
head -c 1000 /dev/urandom >"$IMG/arch/boot/x86_64/vmlinuz-linux"
head -c 2000 /dev/urandom >"$IMG/arch/boot/x86_64/initramfs-linux.img"
echo other >"$IMG/other.txt"
PORT=$(free_port)
U=http://127.0.0.1:$PORT
"$HOST" --image "$IMG" --port "$PORT" --pidfile "$T/host.pid" 2>"$T/host.log" &
HPID=$!
at_exit "kill $HPID 2>/dev/null"
for _ in $(seq 1 50); do [ -s "$T/host.pid" ] && break; sleep 0.1; done
[ -s "$T/host.pid" ] || fail "http_host did not start: $(cat "$T/host.log")"

# Each request, then the event it must (or must not) add.
events() { grep -c 'event http.sent' "$T/host.log"; }
expect_event() { # description curl-args... ; last event must match $WANT
    n0=$(events)
    curl -s -o /dev/null "$@"
    for _ in $(seq 1 20); do [ "$(events)" -gt "$n0" ] && break; sleep 0.1; done
    [ "$(events)" = $((n0 + 1)) ] || fail "no single event for $*"
    tail -n 50 "$T/host.log" | grep 'event http.sent' | tail -n1 | grep -q -- "$WANT" ||
        fail "event for $*: $(grep 'event http.sent' "$T/host.log" | tail -n1), want $WANT"
}
expect_none() {
    n0=$(events)
    curl -s -o /dev/null "$@"
    sleep 0.3
    [ "$(events)" = "$n0" ] || fail "unexpected event for $*: $(grep 'event http.sent' "$T/host.log" | tail -n1)"
}
WANT="ip=127.0.0.1 phase=4 arch/boot/x86_64/vmlinuz-linux 200 1000 bytes"
expect_event "$U/arch/boot/x86_64/vmlinuz-linux"
WANT="phase=5 images/archiso/arch/boot/x86_64/initramfs-linux.img 200 2000 bytes"
expect_event "$U/images/archiso/arch/boot/x86_64/initramfs-linux.img"
WANT="phase=6 arch/x86_64/airootfs.sfs 200 100000 bytes"
expect_event "$U/arch/x86_64/airootfs.sfs"
WANT="phase=6 arch/x86_64/airootfs.sfs 206 50000 bytes"
expect_event -r 50000- "$U/arch/x86_64/airootfs.sfs"
WANT="phase=3 boot.ipxe 200 "
expect_event "$U/boot.ipxe"
expect_none -r 0-0 "$U/arch/x86_64/airootfs.sfs"
expect_none -I "$U/arch/x86_64/airootfs.sfs"
expect_none "$U/other.txt"
expect_none "$U/missing"
ETAG=$(curl -sI "$U/arch/x86_64/airootfs.sfs" | grep -i '^etag:' | cut -d' ' -f2 | tr -d '\r')
expect_none -H "If-None-Match: $ETAG" "$U/arch/x86_64/airootfs.sfs"
WANT="phase=3 boot.ipxe 206 6 bytes"
expect_event -r 0-5 "$U/boot.ipxe"
curl -s -r 0-5 "$U/boot.ipxe" | grep -qx '#!ipxe' || fail "range of a generated file"
expect_none -X POST -d x "$U/boot.ipxe"
kill -TERM "$HPID"
wait "$HPID" || fail "http_host exit status $?"

# The counters reach the core's metrics (flushed once a second and at stop).
metric() { grep "^metric $1 " "$T/host.log" | cut -d' ' -f3; }
REQS=$(grep -c '\[http\] [0-9]* 127.0.0.1 "' "$T/host.log")
[ "$(metric requests_total)" = "$REQS" ] || fail "requests_total $(metric requests_total), log lines $REQS"
[ "$(metric errors_total)" = 2 ] || fail "errors_total $(metric errors_total), want 2 (404, 405)"
[ "$(metric connections)" = 0 ] || fail "connections gauge $(metric connections) after stop"
[ "$(metric rootfs_sessions)" = 0 ] || fail "rootfs_sessions $(metric rootfs_sessions) after stop"
BYTES=$(grep -o '\[http\] [0-9]* 127.0.0.1 "[^"]*" [0-9]* [0-9]*' "$T/host.log" | awk '{s += $NF} END {print s}')
[ "$(metric sent_bytes_total)" = "$BYTES" ] || fail "sent_bytes_total $(metric sent_bytes_total), log sum $BYTES"
echo ok
