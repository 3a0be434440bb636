#!/bin/bash
# SPDX-License-Identifier: MIT
# NBD benchmark: pxecore's NBD plugin beside nbdkit (file plugin, -r) and
# nbd-server, all on 127.0.0.1 in the same run, serving the same 512 MiB file:
#   - nbdcopy of the whole export to null: with --connections=1 and nbdcopy's default;
#   - 50 sequential `nbdinfo --size` per server (connection + handshake latency; the
#     slowest 20 % of calls, scheduling outliers, are dropped: see handshake.py).
# Each measurement is repeated ROUNDS times (default 5), servers interleaved;
# the median is reported.  Ratios are peer time / pxecore time (> 1: pxecore faster).
# Usage: bench/nbd/run.sh   (PXE_BUILD_DIR=build, ROUNDS=5, SIZE_MIB=512, INFO_N=50)
# Servers run on CPU $SRV_CPU (0) and clients on CPU $CLI_CPU (1) ("any": not pinned).
# BENCH_RESULTS (a file): every round appends "nbd TEST SERVER VALUE" (MiB/s, ms/call).
# As root it apt-get installs missing peers/clients (not with BENCH_NO_INSTALL=1); otherwise a
# missing peer is skipped.
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
if [ -n "$missing" ] && [ "$(id -u)" -eq 0 ] && [ -z "${BENCH_NO_INSTALL:-}" ]; then
    echo "installing:$missing" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >&2
fi
command -v nbdcopy >/dev/null && command -v nbdinfo >/dev/null || { echo "need libnbd-bin (nbdcopy, nbdinfo)" >&2; exit 1; }
command -v xorriso >/dev/null || { echo "need xorriso (the export is an ISO 9660 image)" >&2; exit 1; }
SRV_CPU=${SRV_CPU:-0}
CLI_CPU=${CLI_CPU:-1}
INFO_N=${INFO_N:-50}
[ "$(nproc)" -ge 2 ] || { SRV_CPU=any; CLI_CPU=any; }
# Command prefixes: taskset execs the command, so $! of "${SRV[@]}" CMD & is CMD's pid.
SRV=(taskset -c "$SRV_CPU") CLI=(taskset -c "$CLI_CPU")
[ "$SRV_CPU" != any ] || SRV=()
[ "$CLI_CPU" != any ] || CLI=()

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

# pxecore serves ISO 9660 images only: one holding a random file of SIZE_MIB.
mkdir "$W/iso"
head -c $((SIZE_MIB << 20)) /dev/urandom >"$W/iso/airootfs.sfs"
xorriso -as mkisofs -quiet -V ARCH_BENCH -o "$W/disk.iso" "$W/iso" 2>/dev/null
rm -rf "$W/iso"
cat "$W/disk.iso" >/dev/null # page cache: every server reads from memory

# pxecore with only the NBD plugin.
mkdir "$W/plugins"
cp "$PLUGIN" "$W/plugins/"
P1=$(port)
"${SRV[@]}" "$PXECORE" --plugins-dir "$W/plugins" --no-api --state-dir "$W/state" --image "$W/disk.iso" \
    --set nbd.address=127.0.0.1 --nbd-port "$P1" 2>"$W/pxecore.log" &
PIDS="$PIDS $!"
NAMES="pxecore"
declare -A URL PID
PID[pxecore]=$!
URL[pxecore]="nbd://127.0.0.1:$P1/archiso"

if command -v nbdkit >/dev/null; then
    P2=$(port)
    "${SRV[@]}" nbdkit -r -f -i 127.0.0.1 -p "$P2" file "$W/disk.iso" 2>"$W/nbdkit.log" &
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
    "${SRV[@]}" nbd-server -C "$W/nbd-server.conf" -p "$W/nbd-server.pid" 2>"$W/nbd-server.log"
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
    "${CLI[@]}" nbdcopy "$@" "${URL[$n]}" null:
    t=$(($(now) - t))
    R[$key,$n]="${R[$key,$n]:-} $t"
    [ -z "${BENCH_RESULTS:-}" ] ||
        awk -v k="$key" -v n="$n" -v t="$t" -v s="$SIZE_MIB" 'BEGIN {printf "nbd %s %s %.1f\n", k, n, s / (t / 1e9)}' >>"$BENCH_RESULTS"
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
    while read -r name v; do
        R[info,$name]="${R[info,$name]:-} $v"
        [ -z "${BENCH_RESULTS:-}" ] ||
            awk -v n="$name" -v v="$v" -v c="$INFO_N" 'BEGIN {printf "nbd info %s %.3f\n", n, v / c / 1e6}' >>"$BENCH_RESULTS"
    done < <("${CLI[@]}" python3 bench/nbd/handshake.py "$INFO_N" $args)
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
    info) label="$INFO_N x nbdinfo --size (ms/call)" ;;
    esac
    printf '%-34s' "$label"
    declare -A M
    for n in $NAMES; do
        M[$n]=$(echo "${R[$t,$n]}" | median)
        if [ "$t" = info ]; then
            printf '%14s' "$(awk -v v="${M[$n]}" -v c="$INFO_N" 'BEGIN {printf "%.2f", v / c / 1e6}')"
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
