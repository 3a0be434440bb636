#!/bin/bash
# SPDX-License-Identifier: MIT
# NBD benchmark: pxecore's NBD plugin beside nbdkit (file plugin, -r) and
# nbd-server, all on 127.0.0.1 in the same run, serving the same 512 MiB file:
#   - nbdcopy of the whole export to null: with --connections=1 and nbdcopy's default;
#   - 50 sequential `nbdinfo --size` per server (connection + handshake latency; the
#     slowest 20 % of calls, scheduling outliers, are dropped: see handshake.py).
# Each measurement is repeated ROUNDS times (default 5), servers interleaved;
# the median is reported.  Ratios are peer time / pxecore time (> 1: pxecore faster).
# Usage: bench/nbd/run.sh   (PXE_BUILD_DIR=build, ROUNDS=5, SIZE_MIB=512)
# As root it apt-get installs missing peers/clients; otherwise a missing peer is skipped.
set -eu
cd "$(dirname "$0")/../.."
B=${PXE_BUILD_DIR:-build}
ROUNDS=${ROUNDS:-5}
SIZE_MIB=${SIZE_MIB:-512}
PXECORE=$B/pxecore
PLUGIN=$B/plugins/pxecore-nbd.so
[ -x "$PXECORE" ] && [ -f "$PLUGIN" ] || { echo "build first: cmake -S . -B $B && cmake --build $B" >&2; exit 1; }

missing=""
for pair in nbdcopy:libnbd-bin nbdinfo:libnbd-bin nbdkit:nbdkit nbd-server:nbd-server; do
    command -v "${pair%%:*}" >/dev/null || missing="$missing ${pair#*:}"
done
if [ -n "$missing" ] && [ "$(id -u)" -eq 0 ]; then
    echo "installing:$missing" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >&2
fi
command -v nbdcopy >/dev/null && command -v nbdinfo >/dev/null || { echo "need libnbd-bin (nbdcopy, nbdinfo)" >&2; exit 1; }

W=$(mktemp -d "${TMPDIR:-/tmp}/nbdbench.XXXXXX")
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null && { wait "$p" 2>/dev/null || true; }; done
    rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
    for _ in $(seq 100); do
        nbdinfo --size "$1" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "server at $1 did not come up" >&2
    return 1
}
now() { date +%s%N; }

head -c $((SIZE_MIB << 20)) /dev/urandom >"$W/disk.iso"
cat "$W/disk.iso" >/dev/null # page cache: every server reads from memory

# pxecore with only the NBD plugin.
mkdir "$W/plugins"
cp "$PLUGIN" "$W/plugins/"
P1=$(port)
"$PXECORE" --plugins-dir "$W/plugins" --no-api --state-dir "$W/state" --image "$W/disk.iso" \
    --set nbd.address=127.0.0.1 --nbd-port "$P1" 2>"$W/pxecore.log" &
PIDS="$PIDS $!"
NAMES="pxecore"
declare -A URL PID
PID[pxecore]=$!
URL[pxecore]="nbd://127.0.0.1:$P1/archiso"

if command -v nbdkit >/dev/null; then
    P2=$(port)
    nbdkit -r -f -i 127.0.0.1 -p "$P2" file "$W/disk.iso" 2>"$W/nbdkit.log" &
    PIDS="$PIDS $!"
    PID[nbdkit]=$!
    NAMES="$NAMES nbdkit"
    URL[nbdkit]="nbd://127.0.0.1:$P2/archiso"
fi
if command -v nbd-server >/dev/null; then
    P3=$(port)
    cat >"$W/nbd-server.conf" <<EOF
[generic]
    listenaddr = 127.0.0.1
    port = $P3
    allowlist = true
[archiso]
    exportname = $W/disk.iso
    readonly = true
EOF
    # -d (no fork) serves one connection and exits: let it daemonize, kill it by its pidfile.
    nbd-server -C "$W/nbd-server.conf" -p "$W/nbd-server.pid" 2>"$W/nbd-server.log"
    for _ in $(seq 50); do [ -s "$W/nbd-server.pid" ] && break; sleep 0.1; done
    PIDS="$PIDS $(cat "$W/nbd-server.pid")"
    PID[nbd-server]=$(cat "$W/nbd-server.pid")
    NAMES="$NAMES nbd-server"
    URL[nbd-server]="nbd://127.0.0.1:$P3/archiso"
fi
for n in $NAMES; do wait_port "${URL[$n]}"; done

# CPU ticks used by a server and its reaped children (nbd-server forks per connection).
cpu() { awk '{print $14 + $15 + $16 + $17}' "/proc/$1/stat"; }
# t_copy NAME [nbdcopy options]: records elapsed nanoseconds and server CPU ticks.
t_copy() {
    local n=$1 t c key
    shift
    key=copy${1:+1}
    c=$(cpu "${PID[$n]}")
    t=$(now)
    nbdcopy "$@" "${URL[$n]}" null:
    R[$key,$n]="${R[$key,$n]:-} $(($(now) - t))"
    sleep 0.2 # let nbd-server reap its child
    R[cpu$key,$n]="${R[cpu$key,$n]:-} $(($(cpu "${PID[$n]}") - c))"
}
# Sanity: every server serves the same bytes.
want=$(sha256sum <"$W/disk.iso" | cut -d' ' -f1)
for n in $NAMES; do
    got=$(nbdcopy "${URL[$n]}" - | sha256sum | cut -d' ' -f1)
    [ "$got" = "$want" ] || { echo "$n served different bytes" >&2; exit 1; }
done

# Handshake latency: 50 calls per server, interleaved in shuffled order (handshake.py).
t_info_all() {
    local args="" n name v
    for n in $NAMES; do args="$args $n=${URL[$n]}"; done
    while read -r name v; do R[info,$name]="${R[info,$name]:-} $v"; done \
        < <(python3 bench/nbd/handshake.py 50 $args)
}

declare -A R
LOAD0=$(cut -d' ' -f1 /proc/loadavg)
for round in $(seq "$ROUNDS"); do
    for n in $NAMES; do t_copy "$n" --connections=1; done
    for n in $NAMES; do t_copy "$n"; done
    t_info_all
    echo "round $round done" >&2
done
LOAD1=$(cut -d' ' -f1 /proc/loadavg)

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '\nNBD benchmark: %d MiB export from page cache, 127.0.0.1, median of %d rounds, %s CPUs, load %s -> %s\n' \
    "$SIZE_MIB" "$ROUNDS" "$(nproc)" "$LOAD0" "$LOAD1"
printf '%-34s' "test"
for n in $NAMES; do printf '%14s' "$n"; done
for n in $NAMES; do [ "$n" = pxecore ] || printf '%18s' "vs $n"; done
echo
TICK=$(getconf CLK_TCK)
for t in copy1 copy cpucopy1 cpucopy info; do
    case $t in
    copy1) label="nbdcopy --connections=1 (MiB/s)" ;;
    copy) label="nbdcopy default conns (MiB/s)" ;;
    cpucopy1) label="server CPU, 1 conn (ms)" ;;
    cpucopy) label="server CPU, default (ms)" ;;
    info) label="50 x nbdinfo --size (ms/call)" ;;
    esac
    printf '%-34s' "$label"
    declare -A M
    for n in $NAMES; do
        M[$n]=$(echo "${R[$t,$n]}" | median)
        if [ "$t" = info ]; then
            printf '%14s' "$(awk -v v="${M[$n]}" 'BEGIN {printf "%.2f", v / 50 / 1e6}')"
        elif [ "${t#cpu}" != "$t" ]; then
            printf '%14s' "$(awk -v v="${M[$n]}" -v k="$TICK" 'BEGIN {printf "%.0f", v * 1000 / k}')"
        else
            printf '%14s' "$(awk -v v="${M[$n]}" -v s="$SIZE_MIB" 'BEGIN {printf "%.0f", s / (v / 1e9)}')"
        fi
    done
    for n in $NAMES; do
        [ "$n" = pxecore ] && continue
        printf '%18s' "$(awk -v a="${M[$n]}" -v b="${M[pxecore]}" 'BEGIN {if (b > 0) printf "%.2fx", a / b; else print "inf"}')"
    done
    echo
done
echo "(vs X = X's time (or CPU) / pxecore's: above 1.00x pxecore is faster (or cheaper);"
echo " server CPU is utime+stime of the server process and its reaped children, in ${TICK} Hz ticks)"
