#!/bin/bash
# SPDX-License-Identifier: MIT
# HTTP benchmark: pxecore (http plugin in the daemon) beside nginx and lighttpd
# (and darkhttpd when installed) in the same run, each alone on 127.0.0.1:
#   1. one BIG_MB (512) MiB GET with curl, MiB/s
#   2. 4 KiB and 64 KiB GETs with wrk -t2 at -c32 and -c256, requests/s
#   3. CONC_N (100) concurrent curl downloads of a CONC_MB (64) MiB file, aggregate MiB/s
# Each is run $BENCH_REPEAT times, interleaved across the servers; the table holds
# each server's median.  Prints a ratio table against nginx.  Run as root, it apt-get
# installs the missing peers (nginx-light lighttpd wrk curl) unless BENCH_NO_INSTALL=1;
# otherwise it skips them.  Servers run on CPU $SRV_CPU (0), clients on CPU $CLI_CPU (1)
# ("any": not pinned); nginx gets one worker per server CPU.
# Env: PXE_BUILD_DIR (default build), BENCH_REPEAT (3), BENCH_WRK_SECS (10),
# BENCH_SERVERS (default "pxecore nginx lighttpd darkhttpd"), WRK_SCEN ("4k-c32 4k-c256
# 64k-c32 64k-c256"), BENCH_RESULTS (a file: each measurement appends
# "http WORK SERVER VALUE", for bench/run.sh).
set -eu
cd "$(dirname "$0")/../.."
SRC=$PWD
B=${PXE_BUILD_DIR:-build}
case $B in /*) ;; *) B=$SRC/$B ;; esac
REPEAT=${BENCH_REPEAT:-3}
WRK_SECS=${BENCH_WRK_SECS:-10}
SERVERS=${BENCH_SERVERS:-pxecore nginx lighttpd darkhttpd}
NPROC=$(nproc)
BIG_MB=${BIG_MB:-512}
CONC_MB=${CONC_MB:-64}
CONC_N=${CONC_N:-100}
WRK_SCEN=${WRK_SCEN:-4k-c32 4k-c256 64k-c32 64k-c256}
SRV_CPU=${SRV_CPU:-0}
CLI_CPU=${CLI_CPU:-1}
[ "$NPROC" -ge 2 ] || { SRV_CPU=any; CLI_CPU=any; }
# Command prefixes: taskset execs the command, so $! of "${SRV[@]}" CMD & is CMD's pid.
SRV=(taskset -c "$SRV_CPU") CLI=(taskset -c "$CLI_CPU")
[ "$SRV_CPU" != any ] || SRV=()
[ "$CLI_CPU" != any ] || CLI=()
# nginx workers: one per server CPU
if [ "$SRV_CPU" = any ]; then WORKERS=$NPROC; else WORKERS=$(echo "$SRV_CPU" | tr ',' '\n' | wc -l); fi

if [ ! -x "$B/pxecore" ] || [ ! -f "$B/plugins/pxecore-http.so" ]; then
    echo "building pxecore in $B"
    cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$B" -j"$NPROC" >/dev/null
fi
missing=""
for t in nginx:nginx-light lighttpd:lighttpd wrk:wrk curl:curl; do
    command -v "${t%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${t%%:*}" ] || missing="$missing ${t#*:}"
done
if [ -n "$missing" ] && [ -z "${BENCH_NO_INSTALL:-}" ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "installing:$missing"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >/dev/null
    else
        echo "missing (run as root to install):$missing" >&2
    fi
fi
command -v wrk >/dev/null && command -v curl >/dev/null || { echo "need wrk and curl" >&2; exit 1; }

W=$(mktemp -d "${TMPDIR:-/tmp}/pxebench.XXXXXX")
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null || true; done
    rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Data: the same files for every server, in the page cache after the first pass.
D=$W/www
mkdir -p "$D/arch/x86_64" "$D/arch/boot/x86_64"
head -c $((BIG_MB * 1024 * 1024)) /dev/urandom >"$D/big.bin"
head -c $((CONC_MB * 1024 * 1024)) /dev/urandom >"$D/arch/x86_64/airootfs.sfs"
head -c 4096 /dev/urandom >"$D/small.bin"
head -c 65536 /dev/urandom >"$D/small64k.bin"
cat "$D/big.bin" "$D/arch/x86_64/airootfs.sfs" >/dev/null
chmod -R a+rX "$W" # nginx workers run as nobody/www-data

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_http() { # port
    for _ in $(seq 1 100); do
        curl -s -o /dev/null "http://127.0.0.1:$1/small.bin" && return 0
        sleep 0.1
    done
    return 1
}

start_pxecore() { # port; only the http plugin is loaded
    mkdir -p "$W/plugins"
    ln -sf "$B/plugins/pxecore-http.so" "$W/plugins/"
    "${SRV[@]}" "$B/pxecore" --plugins-dir "$W/plugins" --state-dir "$W/state" --no-api \
        --http-port "$1" --set http.address=127.0.0.1 --image "$D" >"$W/pxecore.log" 2>&1 &
    echo $!
}
start_nginx() {
    mkdir -p "$W/nginx"
    cat >"$W/nginx/nginx.conf" <<EOF
worker_processes $WORKERS;
pid $W/nginx/nginx.pid;
error_log $W/nginx/error.log;
events { worker_connections 1024; }
http {
    access_log $W/nginx/access.log;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    client_body_temp_path $W/nginx; proxy_temp_path $W/nginx; fastcgi_temp_path $W/nginx;
    uwsgi_temp_path $W/nginx; scgi_temp_path $W/nginx;
    server { listen 127.0.0.1:$1; root $D; }
}
EOF
    "${SRV[@]}" nginx -c "$W/nginx/nginx.conf" -g 'daemon off;' >"$W/nginx/stderr" 2>&1 &
    echo $!
}
start_lighttpd() {
    mkdir -p "$W/lighttpd"
    cat >"$W/lighttpd/lighttpd.conf" <<EOF
server.document-root = "$D"
server.bind = "127.0.0.1"
server.port = $1
server.errorlog = "$W/lighttpd/error.log"
server.modules = ("mod_accesslog")
accesslog.filename = "$W/lighttpd/access.log"
server.max-keep-alive-requests = 100000
EOF
    "${SRV[@]}" lighttpd -D -f "$W/lighttpd/lighttpd.conf" >"$W/lighttpd/stderr" 2>&1 &
    echo $!
}
start_darkhttpd() {
    "${SRV[@]}" darkhttpd "$D" --addr 127.0.0.1 --port "$1" --log "$W/darkhttpd.log" >/dev/null 2>&1 &
    echo $!
}

# Measurements, each printing one number (0: failed).
big_get() { # port: MiB/s of one BIG_MB MiB download
    s=$("${CLI[@]}" curl -sf -o /dev/null -w '%{speed_download}' "http://127.0.0.1:$1/big.bin") || s=0
    python3 -c "print(round($s / 1048576))"
}
small_wrk() { # port scenario (4k-c32...): requests/s
    local f=small.bin c=${2#*-c}
    [ "${2%%-*}" = 64k ] && f=small64k.bin
    "${CLI[@]}" wrk -t2 -c"$c" -d"${WRK_SECS}s" "http://127.0.0.1:$1/$f" >"$W/wrk.out" || { echo 0; return; }
    if grep -q 'Non-2xx' "$W/wrk.out"; then echo 0; return; fi
    awk '/^Requests\/sec/ {print int($2)}' "$W/wrk.out"
}
concurrent() { # port: aggregate MiB/s of CONC_N concurrent CONC_MB MiB downloads
    t0=$(date +%s.%N)
    if ! seq 1 "$CONC_N" | "${CLI[@]}" xargs -P "$CONC_N" -I{} curl -sf -o /dev/null "http://127.0.0.1:$1/arch/x86_64/airootfs.sfs"; then
        echo 0
        return
    fi
    t1=$(date +%s.%N)
    python3 -c "print(round($CONC_N * $CONC_MB / ($t1 - $t0)))"
}

# Every server runs (idle) at once; the rounds interleave them so that load
# from elsewhere on the machine hits all alike; each figure is a server's best.
declare -A PORT
ran=""
for srv in $SERVERS; do
    case $srv in
    pxecore) ;;
    *) command -v "$srv" >/dev/null 2>&1 || [ -x "/usr/sbin/$srv" ] || {
        echo "$srv: not installed, skipped"
        continue
    } ;;
    esac
    port=$(free_port)
    pid=$(start_"$srv" "$port")
    PIDS="$PIDS $pid"
    if ! wait_http "$port"; then
        echo "$srv: did not come up, skipped" >&2
        continue
    fi
    PORT[$srv]=$port
    ran="$ran $srv"
done
WORKS="get-${BIG_MB}m $WRK_SCEN conc-${CONC_N}x${CONC_MB}m"
record() { # work server value
    R[$1,$2]="${R[$1,$2]:-} $3"
    [ -z "${BENCH_RESULTS:-}" ] || echo "http $1 $2 $3" >>"$BENCH_RESULTS"
}
declare -A R
for round in $(seq 1 "$REPEAT"); do
    for srv in $ran; do
        echo "round $round/$REPEAT: $srv (port ${PORT[$srv]})..."
        record "get-${BIG_MB}m" "$srv" "$(big_get "${PORT[$srv]}")"
        for w in $WRK_SCEN; do record "$w" "$srv" "$(small_wrk "${PORT[$srv]}" "$w")"; done
        record "conc-${CONC_N}x${CONC_MB}m" "$srv" "$(concurrent "${PORT[$srv]}")"
    done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR ? a[int((NR+1)/2)] : 0)}'; }

ratio() { # value reference
    if [ -n "${2:-}" ] && [ "${2:-0}" != 0 ]; then python3 -c "print(f'{$1 / $2:.2f}x')"; else echo "-"; fi
}
echo
echo "$(uname -r), $NPROC CPUs, $(date -u +%Y-%m-%d), servers on CPU $SRV_CPU, clients on CPU $CLI_CPU," \
    "median of $REPEAT (get, conc: MiB/s; wrk: requests/s with -t2 -cN on 4 KiB / 64 KiB)"
printf '%-18s' work
for srv in $ran; do printf ' %10s' "$srv"; done
for srv in $ran; do [ "$srv" = nginx ] || printf ' %10s' "vs nginx"; done
echo
for w in $WORKS; do
    printf '%-18s' "$w"
    declare -A M
    for srv in $ran; do
        M[$srv]=$(echo "${R[$w,$srv]}" | median)
        printf ' %10s' "${M[$srv]}"
    done
    for srv in $ran; do [ "$srv" = nginx ] || printf ' %10s' "$(ratio "${M[$srv]}" "${M[nginx]:-}")"; done
    echo
done
