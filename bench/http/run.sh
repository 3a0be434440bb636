#!/bin/bash
# SPDX-License-Identifier: MIT
# HTTP benchmark: pxecore (http plugin in the daemon) beside nginx and lighttpd
# (and darkhttpd when installed) in the same run, each alone on 127.0.0.1:
#   1. one 512 MiB GET with curl, MiB/s
#   2. 4 KiB GETs with wrk -t2 -c32 -d10s, requests/s
#   3. 100 concurrent curl downloads of a 64 MiB file, aggregate MiB/s
# Each is run $BENCH_REPEAT times, interleaved across the servers, and the
# best figure of each server is kept.  Prints a ratio table against nginx.  Run as root, it apt-get installs the
# missing peers (nginx-light lighttpd wrk curl); otherwise it skips them.
# Env: PXE_BUILD_DIR (default build), BENCH_REPEAT (3), BENCH_WRK_SECS (10),
# BENCH_SERVERS (default "pxecore nginx lighttpd darkhttpd").
set -eu
cd "$(dirname "$0")/../.."
SRC=$PWD
B=${PXE_BUILD_DIR:-build}
REPEAT=${BENCH_REPEAT:-3}
WRK_SECS=${BENCH_WRK_SECS:-10}
SERVERS=${BENCH_SERVERS:-pxecore nginx lighttpd darkhttpd}
NPROC=$(nproc)

if [ ! -x "$B/pxecore" ] || [ ! -f "$B/plugins/pxecore-http.so" ]; then
    echo "building pxecore in $B"
    cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$B" -j"$NPROC" >/dev/null
fi
missing=""
for t in nginx:nginx-light lighttpd:lighttpd wrk:wrk curl:curl; do
    command -v "${t%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${t%%:*}" ] || missing="$missing ${t#*:}"
done
if [ -n "$missing" ]; then
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
head -c $((512 * 1024 * 1024)) /dev/urandom >"$D/big.bin"
head -c $((64 * 1024 * 1024)) /dev/urandom >"$D/arch/x86_64/airootfs.sfs"
head -c 4096 /dev/urandom >"$D/small.bin"
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
    ln -sf "$SRC/$B/plugins/pxecore-http.so" "$W/plugins/"
    "$SRC/$B/pxecore" --plugins-dir "$W/plugins" --state-dir "$W/state" --no-api \
        --http-port "$1" --set http.address=127.0.0.1 --image "$D" >"$W/pxecore.log" 2>&1 &
    echo $!
}
start_nginx() {
    mkdir -p "$W/nginx"
    cat >"$W/nginx/nginx.conf" <<EOF
worker_processes $NPROC;
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
    nginx -c "$W/nginx/nginx.conf" -g 'daemon off;' >"$W/nginx/stderr" 2>&1 &
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
    lighttpd -D -f "$W/lighttpd/lighttpd.conf" >"$W/lighttpd/stderr" 2>&1 &
    echo $!
}
start_darkhttpd() {
    darkhttpd "$D" --addr 127.0.0.1 --port "$1" --log "$W/darkhttpd.log" >/dev/null 2>&1 &
    echo $!
}

# Measurements, each printing one number.
big_get() { # port: MiB/s of one 512 MiB download
    s=$(curl -sf -o /dev/null -w '%{speed_download}' "http://127.0.0.1:$1/big.bin") || s=0
    python3 -c "print(round($s / 1048576))"
}
small_wrk() { # port: requests/s
    wrk -t2 -c32 -d"${WRK_SECS}s" "http://127.0.0.1:$1/small.bin" >"$W/wrk.out"
    if grep -q 'Non-2xx' "$W/wrk.out"; then echo 0; return; fi
    awk '/^Requests\/sec/ {print int($2)}' "$W/wrk.out"
}
concurrent() { # port: aggregate MiB/s of 100 concurrent 64 MiB downloads
    t0=$(date +%s.%N)
    if ! seq 1 100 | xargs -P 100 -I{} curl -sf -o /dev/null "http://127.0.0.1:$1/arch/x86_64/airootfs.sfs"; then
        echo 0
        return
    fi
    t1=$(date +%s.%N)
    python3 -c "print(round(100 * 64 / ($t1 - $t0)))"
}

# Every server runs (idle) at once; the rounds interleave them so that load
# from elsewhere on the machine hits all alike; each figure is a server's best.
declare -A PORT R_BIG R_SMALL R_CONC
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
    R_BIG[$srv]=0 R_SMALL[$srv]=0 R_CONC[$srv]=0
    ran="$ran $srv"
done
max() { if [ "$1" -gt "$2" ]; then echo "$1"; else echo "$2"; fi; }
for round in $(seq 1 "$REPEAT"); do
    for srv in $ran; do
        echo "round $round/$REPEAT: $srv (port ${PORT[$srv]})..."
        R_BIG[$srv]=$(max "${R_BIG[$srv]}" "$(big_get "${PORT[$srv]}")")
        R_SMALL[$srv]=$(max "${R_SMALL[$srv]}" "$(small_wrk "${PORT[$srv]}")")
        R_CONC[$srv]=$(max "${R_CONC[$srv]}" "$(concurrent "${PORT[$srv]}")")
    done
done

ratio() { # value reference
    if [ -n "${2:-}" ] && [ "${2:-0}" != 0 ]; then python3 -c "print(f'{$1 / $2:.2f}x')"; else echo "-"; fi
}
echo
echo "$(uname -r), $NPROC CPUs, $(date -u +%Y-%m-%d)"
printf '%-10s | %16s %7s | %16s %7s | %18s %7s\n' server "512MiB GET MiB/s" "vs ngx" \
    "4KiB wrk req/s" "vs ngx" "100x64MiB MiB/s" "vs ngx"
for srv in $ran; do
    printf '%-10s | %16s %7s | %16s %7s | %18s %7s\n' "$srv" \
        "${R_BIG[$srv]}" "$(ratio "${R_BIG[$srv]}" "${R_BIG[nginx]:-}")" \
        "${R_SMALL[$srv]}" "$(ratio "${R_SMALL[$srv]}" "${R_SMALL[nginx]:-}")" \
        "${R_CONC[$srv]}" "$(ratio "${R_CONC[$srv]}" "${R_CONC[nginx]:-}")"
done
