#!/bin/bash
# SPDX-License-Identifier: MIT
# TFTP benchmark: pxecore's tftp plugin against dnsmasq, tftpd-hpa and atftpd, all on
# 127.0.0.1 in the same run, servers pinned to one CPU and clients to another.
#
#   bench/tftp/run.sh            (from the source tree; builds build/ when needed)
#
# Scenarios: 64 MiB with curl at blksize 512 and 1468; 1 MiB with curl at blksize 1468
# (one-1468); 64 MiB with atftp at blksize 1468 and windowsize 8 and 32; storms of 20 and
# 200 curl clients fetching 1 MiB at once (storm-N: any N).
# Prints seconds per server (best of $RUNS) and each peer's time / pxecore's time
# (above 1: pxecore is faster).  tftpd-hpa and atftpd are unpacked from their Debian
# packages into $PEERS (apt-get download + dpkg -x: nothing is installed or started);
# dnsmasq must be installed (dnsmasq-base) and listens on 127.0.0.1:69.
# Environment: PXE_BUILD_DIR (build), RUNS (3), SRV_CPU (0; "any": servers not pinned),
# CLI_CPU (1), SIZE_MB (64), SCEN (a subset of the scenarios, space-separated),
# BENCH_RESULTS (a file: every run appends "tftp SCENARIO SERVER SECONDS|FAIL", for bench/run.sh).
set -eu
cd "$(dirname "$0")/../.."
SRC=$PWD
B=${PXE_BUILD_DIR:-build}
case $B in /*) ;; *) B=$SRC/$B ;; esac
RUNS=${RUNS:-3}
SRV_CPU=${SRV_CPU:-0}
CLI_CPU=${CLI_CPU:-1}
SIZE_MB=${SIZE_MB:-64}
PEERS=${PEERS:-${XDG_CACHE_HOME:-$HOME/.cache}/pxecore-bench/peers}

die() { echo "bench: $*" >&2; exit 1; }
for c in curl atftp taskset python3 sha256sum; do
    command -v "$c" >/dev/null || die "missing $c (scripts/install-deps.sh installs the clients)"
done
[ "$(nproc)" -ge 2 ] || { SRV_CPU=0; CLI_CPU=0; echo "bench: one CPU: server and clients share it"; }

if [ ! -x "$B/pxecore" ] || [ ! -e "$B/plugins/pxecore-tftp.so" ]; then
    cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$B" -j"$(nproc)" >/dev/null
fi

# Peers: unpacked, never installed.
if [ ! -x "$PEERS/usr/sbin/in.tftpd" ] || [ ! -x "$PEERS/usr/sbin/atftpd" ]; then
    echo "bench: unpacking tftpd-hpa and atftpd into $PEERS (apt-get download; dpkg -x)"
    mkdir -p "$PEERS/debs"
    (cd "$PEERS/debs" && apt-get download tftpd-hpa atftpd >/dev/null 2>&1) ||
        die "apt-get download tftpd-hpa atftpd failed"
    for d in "$PEERS"/debs/*.deb; do dpkg -x "$d" "$PEERS"; done
fi
DNSMASQ=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
[ -x "$DNSMASQ" ] || die "dnsmasq not found (apt-get install dnsmasq-base)"

W=$(mktemp -d /tmp/pxebench.XXXXXX)
chmod 755 "$W"
PIDS=""
cleanup() {
    # set -e holds in the trap: a server that is already gone must not end the cleanup
    for p in $PIDS; do kill "$p" 2>/dev/null || true; done
    for p in $PIDS; do wait "$p" 2>/dev/null || true; done
    rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

D=$W/root
mkdir -p "$D"
chmod 755 "$D"
head -c $((SIZE_MB * 1024 * 1024)) /dev/urandom >"$D/big.bin"
head -c $((1024 * 1024)) /dev/urandom >"$D/one.bin"
chmod 644 "$D"/*.bin
SHA_BIG=$(sha256sum <"$D/big.bin" | cut -d' ' -f1)
SHA_ONE=$(sha256sum <"$D/one.bin" | cut -d' ' -f1)

port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
declare -A PORT SPID
# srv NAME CMD...: starts a server on SRV_CPU (taskset execs: $! is the server either way).
srv() {
    local n=$1
    shift
    if [ "$SRV_CPU" = any ]; then
        "$@" >>"$W/servers.log" 2>&1 &
    else
        taskset -c "$SRV_CPU" "$@" >>"$W/servers.log" 2>&1 &
    fi
    SPID[$n]=$!
    PIDS="$PIDS $!"
}
# cpu NAME: CPU seconds used by the server so far, reaped children included.
cpu() { awk -v t="$(getconf CLK_TCK)" '{ printf "%.3f\n", ($14 + $15 + $16 + $17) / t }' "/proc/${SPID[$1]}/stat"; }

PORT[pxecore]=$(port)
mkdir -p "$W/plugins"
ln -s "$B/plugins/pxecore-tftp.so" "$W/plugins/"
srv pxecore "$B/pxecore" --plugins-dir "$W/plugins" --pidfile "$W/pxecore.pid" --state-dir "$W/state" \
    --no-api --root "$D" --tftp-port "${PORT[pxecore]}" --set tftp.address=127.0.0.1 \
    --set tftp.max_transfers=512 --set tftp.max_per_client=512
PORT[tftpd-hpa]=$(port)
srv tftpd-hpa "$PEERS/usr/sbin/in.tftpd" -L -s "$D" -a "127.0.0.1:${PORT[tftpd-hpa]}"
PORT[atftpd]=$(port)
srv atftpd "$PEERS/usr/sbin/atftpd" --daemon --no-fork --port "${PORT[atftpd]}" --bind-address 127.0.0.1 \
    --logfile /dev/null --maxthread 512 --user root.root "$D"
PORT[dnsmasq]=69
srv dnsmasq "$DNSMASQ" --keep-in-foreground --conf-file=/dev/null --port=0 --enable-tftp --tftp-root="$D" \
    --listen-address=127.0.0.1 --bind-interfaces --interface=lo --tftp-max=512 --quiet-tftp \
    --pid-file="$W/dnsmasq.pid" --user=root
SERVERS="pxecore tftpd-hpa atftpd dnsmasq"
sleep 1
for s in $SERVERS; do
    timeout 20 curl -s -o "$W/probe" "tftp://127.0.0.1:${PORT[$s]}/one.bin" ||
        { cat "$W/servers.log"; die "$s does not answer on port ${PORT[$s]}"; }
done

cli() { taskset -c "$CLI_CPU" timeout 300 "$@"; }
now() { date +%s.%N; }

# one_fetch SERVER KIND ARG [FILE SHA]: one transfer of big.bin (or FILE); prints seconds or FAIL.
one_fetch() {
    local s=$1 kind=$2 arg=$3 file=${4:-big.bin} sha=${5:-$SHA_BIG} t0 t1 out=$W/out.$1
    rm -f "$out"
    t0=$(now)
    case $kind in
    curl) cli curl -s --tftp-blksize "$arg" -o "$out" "tftp://127.0.0.1:${PORT[$s]}/$file" || true ;;
    atftp) cli atftp --option "blksize 1468" --option "windowsize $arg" -g -r "$file" -l "$out" \
        127.0.0.1 "${PORT[$s]}" >/dev/null 2>&1 || true ;;
    esac
    t1=$(now)
    if [ "$(sha256sum <"$out" 2>/dev/null | cut -d' ' -f1)" = "$sha" ]; then
        echo "$t1 - $t0" | bc -l
    else
        echo FAIL
    fi
}

# storm SERVER N: N curl clients at once fetching one.bin; prints "seconds failures".
storm() {
    local s=$1 n=$2 t0 t1 i f=0 pids=""
    rm -rf "$W/storm"
    mkdir "$W/storm"
    t0=$(now)
    for i in $(seq 1 "$n"); do
        cli curl -s --tftp-blksize 1468 -o "$W/storm/$i" "tftp://127.0.0.1:${PORT[$s]}/one.bin" &
        pids="$pids $!"
    done
    for i in $pids; do wait "$i" || true; done
    t1=$(now)
    for i in $(seq 1 "$n"); do
        [ "$(sha256sum <"$W/storm/$i" 2>/dev/null | cut -d' ' -f1)" = "$SHA_ONE" ] || f=$((f + 1))
    done
    echo "$(echo "$t1 - $t0" | bc -l) $f"
}

best() { # best of RUNS; FAIL if any run failed
    local b="" v
    for v in "$@"; do
        [ "$v" = FAIL ] && { echo FAIL; return; }
        if [ -z "$b" ] || [ "$(echo "$v < $b" | bc -l)" = 1 ]; then b=$v; fi
    done
    echo "$b"
}

declare -A RES FAILS CPU VALS
SCEN=${SCEN:-"curl-512 curl-1468 atftp-w8 atftp-w32 storm-20 storm-200"}
for sc in $SCEN; do
    for s in $SERVERS; do FAILS[$sc,$s]=0; CPU[$sc,$s]=0; VALS[$sc,$s]=""; done
    # Runs interleave the servers, so each sees the same background noise.
    for r in $(seq 1 "$RUNS"); do
        for s in $SERVERS; do
            c0=$(cpu "$s")
            nf=0
            case $sc in
            one-*) v=$(one_fetch "$s" curl "${sc#one-}" one.bin "$SHA_ONE") ;;
            curl-*) v=$(one_fetch "$s" curl "${sc#curl-}") ;;
            atftp-w*) v=$(one_fetch "$s" atftp "${sc#atftp-w}") ;;
            storm-*)
                read -r v nf < <(storm "$s" "${sc#storm-}")
                FAILS[$sc,$s]=$((FAILS[$sc,$s] + nf))
                ;;
            esac
            VALS[$sc,$s]="${VALS[$sc,$s]} $v"
            [ -z "${BENCH_RESULTS:-}" ] || { [ "$nf" = 0 ] && echo "tftp $sc $s $v" || echo "tftp $sc $s FAIL"; } >>"$BENCH_RESULTS"
            CPU[$sc,$s]=$(echo "${CPU[$sc,$s]} + ($(cpu "$s") - $c0) / $RUNS" | bc -l)
        done
    done
    CPU[$sc,tftpd-hpa]=0 # its forked children are never reaped into its times: unknown
    for s in $SERVERS; do
        # shellcheck disable=SC2086
        RES[$sc,$s]=$(best ${VALS[$sc,$s]})
        printf '  %-10s %-10s%s (failed clients: %s, server CPU per run %.2f s)\n' "$sc" "$s" \
            "${VALS[$sc,$s]}" "${FAILS[$sc,$s]}" "${CPU[$sc,$s]}" >&2
    done
done

# table TITLE ARRAY: seconds per server, then peer / pxecore ratios.
table() {
    local -n V=$2
    echo
    echo "$1"
    printf '%-10s' scenario
    for s in $SERVERS; do printf ' %12s' "$s s"; done
    for s in $SERVERS; do [ "$s" = pxecore ] || printf ' %13s' "$s/pxe"; done
    echo
    for sc in $SCEN; do
        printf '%-10s' "$sc"
        for s in $SERVERS; do
            v=${V[$sc,$s]}
            if [ "$v" != FAIL ] && [ "$(echo "$v < 0.0005" | bc -l)" = 1 ]; then
                v=n/a
            elif [ "$v" != FAIL ]; then
                v=$(printf '%.3f' "$v")
            fi
            [ "${FAILS[$sc,$s]}" = 0 ] || v="$v(${FAILS[$sc,$s]}F)"
            printf ' %12s' "$v"
        done
        for s in $SERVERS; do
            [ "$s" = pxecore ] && continue
            a=${V[$sc,pxecore]} b=${V[$sc,$s]}
            if [ "$a" = FAIL ] || [ "$b" = FAIL ] || [ "$(echo "$a < 0.0005 || $b < 0.0005" | bc -l)" = 1 ]; then
                printf ' %13s' "-"
            else
                printf ' %12.2fx' "$(echo "$b / $a" | bc -l)"
            fi
        done
        echo
    done
}
table "Wall time: TFTP on loopback, ${SIZE_MB} MiB file (storms: 1 MiB each), best of $RUNS, servers on CPU $SRV_CPU, clients on CPU $CLI_CPU (nF: n clients failed)" RES
table "Server CPU seconds (user+sys of the server and the children it reaps), mean per run; n/a: tftpd-hpa's forked children are not reaped into its times" CPU
