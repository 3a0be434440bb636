#!/bin/bash
# SPDX-License-Identifier: MIT
# Boot-storm benchmark: N simulated machines each do what a BIOS PXE boot of the Arch
# ISO does: DHCP DORA as a PXE client, lpxelinux.0, ldlinux.c32, pxelinux.cfg/default
# over TFTP at blksize 1468, the kernel and initrd over HTTP, a second DHCP from the
# "initramfs", then the root filesystem: a 64 KiB Range read and a full read.  Served by
# pxecore (dhcp + tftp + http plugins) and, in the same run, by the Arch wiki's stack:
# dnsmasq for DHCP and TFTP with nginx standing in for darkhttpd (not packaged in Debian
# 12).  bench/storm/sim.py runs the machines in one event loop (DHCP through the crafted
# client of plugins/dhcp/tests/dhcpc.py, one curl process per transfer stage).
#
#   bench/storm/run.sh              N="100 500 1000", MODES="burst ramp", RUNS=3
#   bench/storm/run.sh --smoke      N=10, one run, every server and mode (CI: label bench)
#
# Servers: pxecore; "tuned" = dnsmasq --tftp-max=4096 --no-ping + nginx; "wiki" = dnsmasq
# as the wiki configures it (default --tftp-max of 50, and the ICMP check before each new
# lease) + nginx.  Everything runs in a private network namespace (unshare --net): TFTP
# and HTTP on its loopback, DHCP over a veth pair inside it (srv0 198.51.100.1/24 <->
# cli0), no route out.  The pool holds 240 addresses (198.51.100.10-249, the documentation
# range): DHCP=auto (default) puts DHCP in the sequence when N <= 240 and leaves it out
# (said in the table) above; DHCP=0 never.  Servers on CPU $SRV_CPU, clients on CPU $CLI_CPU.
# Prints per server, mode and N (medians of RUNS): time until all N machines are
# done, p50/p99 per machine, failed machines, DHCP retransmissions, server CPU seconds, server peak RSS
# and its growth per machine, and the clients' own CPU seconds with a "client-bound"
# flag when the simulator used at least 80% of its CPU.  A second table holds RSS
# per concurrent TFTP transfer and HTTP connection (rate-limited clients hold them
# open).  Environment: PXE_BUILD_DIR, N, MODES, RUNS, SERVERS, RAMP_S (2),
# KERNEL_KB (1024), INITRD_KB (4096), ROOTFS_KB (2048), HOLD (200), HOLD_S (3), SRV_CPU, CLI_CPU,
# DHCP (auto), BENCH_RESULTS (a file: each storm appends "storm MODE-N SERVER SECONDS|FAIL").
set -eu
cd "$(dirname "$0")/../.."
SRC=$PWD
B=${PXE_BUILD_DIR:-${PXECORE_BUILD:-build}}
case $B in /*) ;; *) B=$SRC/$B ;; esac
SMOKE=0
if [ "${1:-}" = --smoke ]; then
    SMOKE=1
    N=${N:-10} RUNS=${RUNS:-1} HOLD=${HOLD:-10} HOLD_S=${HOLD_S:-1} KERNEL_KB=${KERNEL_KB:-64} INITRD_KB=${INITRD_KB:-128}
    ROOTFS_KB=${ROOTFS_KB:-128}
    export N RUNS HOLD HOLD_S KERNEL_KB INITRD_KB ROOTFS_KB
fi
N=${N:-"100 500 1000"}
MODES=${MODES:-"burst ramp"}
RUNS=${RUNS:-3}
SERVERS=${SERVERS:-"pxecore tuned wiki"}
RAMP_S=${RAMP_S:-2}
KERNEL_KB=${KERNEL_KB:-1024}
INITRD_KB=${INITRD_KB:-4096}
ROOTFS_KB=${ROOTFS_KB:-2048}
HOLD=${HOLD:-200}
HOLD_S=${HOLD_S:-3}
SRV_CPU=${SRV_CPU:-0}
CLI_CPU=${CLI_CPU:-1}

die() { echo "storm: $*" >&2; exit 1; }
skip() { echo "storm: SKIP: $*" >&2; exit 77; }
DHCP=${DHCP:-auto}
DHCP_POOL=240
for c in curl taskset nginx unshare ip python3; do command -v "$c" >/dev/null || skip "missing $c"; done
DNSMASQ=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
[ -x "$DNSMASQ" ] || skip "dnsmasq not found (apt-get install dnsmasq-base)"
[ -x "$B/pxecore" ] && [ -e "$B/plugins/pxecore-tftp.so" ] && [ -e "$B/plugins/pxecore-http.so" ] &&
    [ -e "$B/plugins/pxecore-dhcp.so" ] || skip "build $B first (pxecore, dhcp, tftp and http plugins)"
[ "$(nproc)" -ge 2 ] || { SRV_CPU=0; CLI_CPU=0; }

# A private network namespace: port 69 and loopback traffic stay out of the host's.
if [ -z "${STORM_IN_NS:-}" ]; then
    [ "$(id -u)" = 0 ] || skip "needs root for unshare --net"
    STORM_IN_NS=1 exec unshare --net -- "$0" "$@"
fi
ip link set lo up
# dhcp_on N: whether DHCP is in this storm's sequence.
dhcp_on() { [ "$DHCP" = auto ] && [ "$1" -le "$DHCP_POOL" ]; }
ulimit -n 65536 2>/dev/null || ulimit -n 16384 2>/dev/null || true

W=$(mktemp -d /tmp/pxestorm.XXXXXX)
chmod 755 "$W"
SPIDS=""
cleanup() {
    [ -z "${CLINS:-}" ] || kill "$CLINS" 2>/dev/null || true
    for p in $SPIDS; do kill "$p" 2>/dev/null || true; done
    for p in $SPIDS; do wait "$p" 2>/dev/null || true; done
    rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
# The simulated machines' DHCP end: cli0 in a second namespace (held by a sleep).
unshare --net sleep 100000 &
CLINS=$!
while [ "$(readlink /proc/$CLINS/ns/net)" = "$(readlink /proc/self/ns/net)" ]; do sleep 0.05; done
ip link add srv0 type veth peer name cli0
ip link set cli0 netns "$CLINS"
ip addr add 198.51.100.1/24 dev srv0
ip link set srv0 up
nsenter -n -t "$CLINS" ip link set cli0 up

# The files (synthetic; sizes as a BIOS PXE boot of archiso, scaled down for the kernel,
# initrd and root filesystem, which are set by KERNEL_KB, INITRD_KB, ROOTFS_KB).
D=$W/root
mkdir -p "$D/pxelinux.cfg" "$D/arch/boot/x86_64" "$D/arch/x86_64"
mk() { head -c "$2" /dev/urandom >"$D/$1"; }
mk lpxelinux.0 91000
mk ldlinux.c32 122000
mk pxelinux.cfg/default 1200
mk arch/boot/x86_64/vmlinuz-linux $((KERNEL_KB * 1024))
mk arch/boot/x86_64/initramfs-linux.img $((INITRD_KB * 1024))
mk arch/x86_64/airootfs.sfs $((ROOTFS_KB * 1024))
chmod -R a+rX "$D"
EXPECT=$((91000 + 122000 + 1200 + (KERNEL_KB + INITRD_KB + ROOTFS_KB) * 1024 + 65536))
TP=69 HP=8080

start_pxecore() {
    mkdir -p "$W/plugins"
    ln -sf "$B/plugins/pxecore-tftp.so" "$B/plugins/pxecore-http.so" "$B/plugins/pxecore-dhcp.so" "$W/plugins/"
    rm -rf "$W/state"
    taskset -c "$SRV_CPU" "$B/pxecore" --plugins-dir "$W/plugins" --state-dir "$W/state" --no-api \
        --root "$D" --tftp-port $TP --http-port $HP --set tftp.address=127.0.0.1 \
        --set http.address=127.0.0.1 --set tftp.max_transfers=4096 --set tftp.max_per_client=4096 \
        --set http.max_connections=4096 --set http.max_connections_per_ip=4096 \
        --interface srv0 --dhcp-range 198.51.100.10,198.51.100.249,12h \
        >"$W/pxecore.log" 2>&1 &
    SPIDS="$SPIDS $!"
    SRV_PIDS=$!
}
start_peer() { # tuned|wiki
    local max=""
    [ "$1" = tuned ] && max="--tftp-max=4096 --no-ping"
    rm -f "$W/dnsmasq.leases"
    # shellcheck disable=SC2086
    taskset -c "$SRV_CPU" "$DNSMASQ" --keep-in-foreground --conf-file=/dev/null --port=0 \
        --enable-tftp --tftp-root="$D" --listen-address=127.0.0.1 --bind-interfaces --interface=lo \
        --interface=srv0 --dhcp-range=198.51.100.10,198.51.100.249,12h --dhcp-boot=lpxelinux.0 \
        --dhcp-leasefile="$W/dnsmasq.leases" $max --pid-file="$W/dnsmasq.pid" --user=root >"$W/dnsmasq.log" 2>&1 &
    SPIDS="$SPIDS $!"
    SRV_PIDS=$!
    mkdir -p "$W/nginx"
    cat >"$W/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $W/nginx/nginx.pid;
error_log $W/nginx/error.log;
events { worker_connections 8192; }
http {
    access_log $W/nginx/access.log;
    sendfile on;
    tcp_nopush on;
    client_body_temp_path $W/nginx; proxy_temp_path $W/nginx; fastcgi_temp_path $W/nginx;
    uwsgi_temp_path $W/nginx; scgi_temp_path $W/nginx;
    server { listen 127.0.0.1:$HP; root $D; }
}
EOF
    taskset -c "$SRV_CPU" nginx -c "$W/nginx/nginx.conf" -g 'daemon off;' >"$W/nginx/stderr" 2>&1 &
    SPIDS="$SPIDS $!"
    SRV_PIDS="$SRV_PIDS $!"
}
stop_servers() {
    for p in $SRV_PIDS; do kill "$p" 2>/dev/null || true; done
    for p in $SRV_PIDS; do wait "$p" 2>/dev/null || true; done
    SPIDS=""
}
# Every process of the server (nginx's workers are children of its master).
srv_all() { for p in $SRV_PIDS; do echo "$p"; pgrep -P "$p" || true; done; }
srv_cpu() { # CPU seconds of every server process (children included)
    local t=0 p
    for p in $(srv_all); do t=$((t + $(awk '{print $14 + $15 + $16 + $17}' "/proc/$p/stat" 2>/dev/null || echo 0))); done
    echo "scale=3; $t / $(getconf CLK_TCK)" | bc
}
srv_kb() { # sum of FIELD (VmRSS, VmHWM) in kB over the server's processes
    local t=0 p v
    for p in $(srv_all); do
        v=$(awk -v f="$1:" '$1 == f {print $2}' "/proc/$p/status" 2>/dev/null)
        t=$((t + ${v:-0}))
    done
    echo $t
}
srv_sockets() { local t=0 p; for p in $(srv_all); do t=$((t + $(find "/proc/$p/fd" -lname 'socket:*' 2>/dev/null | wc -l))); done; echo $t; }
wait_up() {
    for _ in $(seq 1 100); do
        curl -sf -o /dev/null "http://127.0.0.1:$HP/pxelinux.cfg/default" &&
            curl -sf -o /dev/null "tftp://127.0.0.1:$TP/pxelinux.cfg/default" && return 0
        sleep 0.1
    done
    cat "$W"/*.log >&2
    die "servers did not answer"
}

# storm MODE N: prints "wall p50 p99 failed srv_cpu peak_kb cli_cpu growth_kb retries"
# (sim.py runs the machines; see there for the sequence).
storm() {
    local mode=$1 n=$2 c0 c1 p idle dh=""
    rm -rf "$W/m"
    mkdir "$W/m"
    for p in $(srv_all); do echo 5 >"/proc/$p/clear_refs" 2>/dev/null || true; done
    idle=$(srv_kb VmRSS)
    dhcp_on "$n" && dh="/proc/$CLINS/ns/net cli0"
    c0=$(srv_cpu)
    taskset -c "$CLI_CPU" python3 "$SRC/bench/storm/sim.py" "$W/m" "$n" "$mode" "$RAMP_S" \
        "tftp://127.0.0.1:$TP" "http://127.0.0.1:$HP" $dh >"$W/sim.out"
    c1=$(srv_cpu)
    grep -v '^[a-z]' "$W/sim.out" | awk -v x="$EXPECT" '{ print $1, ($2 != 0 || $3 != x), $4 }' | sort -g |
        awk -v wall="$(awk '$1 == "wall" {print $2}' "$W/sim.out")" -v sc="$(echo "$c1 - $c0" | bc)" -v idle="$idle" -v kb="$(srv_kb VmHWM)" \
            -v cc="$(awk '$1 == "cpu" {print $2}' "$W/sim.out")" '
        { d[NR] = $1; f += $2; rt += $3 }
        END {
            printf "%.3f %.3f %.3f %d %s %d %s %d %d\n", wall, d[int((NR + 1) / 2)], d[int(NR * 0.99 + 0.999)],
                f, sc, kb, cc, (kb - idle) / NR, rt
        }'
}

# hold: RSS per concurrent TFTP transfer and HTTP connection, HOLD clients each kept
# open (TFTP: curl fetching a file too large to finish; HTTP: curl --limit-rate).
hold() { # proto -> "per_kb concurrent"
    local base basek i pids="" n k
    base=$(srv_sockets)
    basek=$(srv_kb VmRSS)
    for i in $(seq 1 "$HOLD"); do
        if [ "$1" = tftp ]; then
            taskset -c "$CLI_CPU" curl -s --tftp-blksize 1468 -o /dev/null "tftp://127.0.0.1:$TP/big.bin" &
        else
            taskset -c "$CLI_CPU" curl -s --limit-rate 20k -o /dev/null "http://127.0.0.1:$HP/big.bin" &
        fi
        pids="$pids $!"
    done
    sleep "$HOLD_S"
    n=$(($(srv_sockets) - base))
    k=$(($(srv_kb VmRSS) - basek))
    for i in $pids; do kill "$i" 2>/dev/null || true; done
    for i in $pids; do wait "$i" 2>/dev/null || true; done
    [ "$n" -gt 0 ] && echo "$((k / n)) $n" || echo "- 0"
}

med() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR] = $1} END {print (NR ? v[int((NR + 1) / 2)] : "-")}'; }

echo "storm: $(date -u '+%F %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg), per machine:" \
    "TFTP 91000 + 122000 + 1200 B, HTTP ${KERNEL_KB} + ${INITRD_KB} KiB, rootfs 64 KiB Range + ${ROOTFS_KB} KiB"
declare -A R
for n in $N; do
    for mode in $MODES; do
        for r in $(seq 1 "$RUNS"); do
            for s in $SERVERS; do # interleaved: each server sees the same background load
                if [ "$s" = pxecore ]; then start_pxecore; else start_peer "$s"; fi
                wait_up
                v=$(storm "$mode" "$n")
                R[$s,$mode,$n]="${R[$s,$mode,$n]:-}|$v"
                [ -z "${BENCH_RESULTS:-}" ] || echo "$v" | awk -v w="$mode-$n" -v s="$s" \
                    '{print "storm", w, s, ($4 ? "FAIL" : $1); if ($7 >= 0.8 * $1) print "storm-bound", w, s, 1}' >>"$BENCH_RESULTS"
                stop_servers
            done
        done
    done
done
echo "storm: load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

printf '\n%-8s %-5s %5s %4s %8s %7s %7s %6s %7s %7s %8s %8s %8s\n' server mode N dhcp "all s" "p50 s" "p99 s" failed retries "srv cpu" "peak MB" "KiB/mach" "cli cpu"
for n in $N; do
    for mode in $MODES; do
        for s in $SERVERS; do
            v=${R[$s,$mode,$n]}
            col() { echo "$v" | tr '|' '\n' | awk -v c="$1" 'NF {print $c}' | tr '\n' ' ' | med; }
            wall=$(col 1) kb=$(col 6) cli=$(col 7)
            fl=$(echo "$v" | tr '|' '\n' | awk 'NF {t += $4} END {print t + 0}')
            bound=""
            [ "$(echo "$cli >= 0.8 * $wall" | bc)" = 1 ] && bound=" client-bound"
            dh=no
            dhcp_on "$n" && dh=yes
            printf '%-8s %-5s %5s %4s %8s %7s %7s %6s %7s %7s %8.1f %8s %8s%s\n' "$s" "$mode" "$n" "$dh" "$wall" \
                "$(col 2)" "$(col 3)" "$fl" "$(col 9)" "$(col 5)" "$(echo "$kb / 1024" | bc -l)" "$(col 8)" "$cli" "$bound"
        done
    done
done
echo "(medians of $RUNS; failed: sum over runs; retries: DHCP retransmissions, median; peak MB: the server's processes' VmHWM during the storm;"
echo " KiB/mach: (peak - idle RSS) / N; cli cpu: the simulator's CPU seconds, client-bound when >= 80% of the wall time)"
PXE_FAILED=0
for k in "${!R[@]}"; do
    case $k in pxecore,*) PXE_FAILED=$((PXE_FAILED + $(echo "${R[$k]}" | tr '|' '\n' | awk 'NF {t += $4} END {print t + 0}'))) ;; esac
done

# Memory per concurrent client.
head -c $((64 * 1024 * 1024)) /dev/zero >"$D/big.bin"
printf '\n%-8s %14s %14s %10s\n' server "tftp KiB/xfer" "http KiB/conn" "idle MB"
for s in $SERVERS; do
    [ "$s" = wiki ] && continue
    if [ "$s" = pxecore ]; then start_pxecore; else start_peer "$s"; fi
    wait_up
    idle=$(srv_kb VmRSS)
    read -r tk tn < <(hold tftp)
    stop_servers # TFTP transfers whose clients vanished wait for their timeouts: restart
    if [ "$s" = pxecore ]; then start_pxecore; else start_peer "$s"; fi
    wait_up
    read -r hk hn < <(hold http)
    stop_servers
    printf '%-8s %9s (%3s) %9s (%3s) %10.1f\n' "$s" "$tk" "$tn" "$hk" "$hn" "$(echo "$idle / 1024" | bc -l)"
    [ -z "${BENCH_RESULTS:-}" ] || printf 'storm mem-tftp %s %s\nstorm mem-http %s %s\n' "$s" "$tk" "$s" "$hk" >>"$BENCH_RESULTS"
done
echo "(RSS growth over the sockets the server held open with $HOLD clients, in parentheses;"
echo " tuned: dnsmasq + nginx, summed; every plugin's idle RSS: see docs/performance.md)"
# A machine that did not get every byte from pxecore is a bug, not a figure: the smoke
# (ctest label bench) fails on it.  Times are never checked.
if [ "$SMOKE" = 1 ] && [ "$PXE_FAILED" != 0 ]; then
    echo "storm: $PXE_FAILED machines failed against pxecore" >&2
    exit 1
fi
