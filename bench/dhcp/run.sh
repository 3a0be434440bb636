#!/bin/bash
# SPDX-License-Identifier: MIT
# DHCP benchmark: perfdhcp (kea-admin) against pxecore, Kea and dnsmasq --no-ping,
# all in one run, inside private network namespaces (never the host's interfaces).
#
#   bench/dhcp/run.sh [BUILD_DIR]        (root; BUILD_DIR defaults to ./build)
#   BENCH_PERIOD=10 seconds per rate; BENCH_MAX_RATE=50000 offered "max" rate.
#
# Prints exchanges/s and drops at 1000/s, 5000/s and the max offered rate, the
# burst time for 20 new clients, and pxecore's ratios to each peer.  RUNS (1) repeats
# every measurement (servers interleaved) and prints medians.  Servers run on CPU
# $SRV_CPU (0), perfdhcp and the burst client on CPU $CLI_CPU (1).  BENCH_NO_INSTALL=1:
# a missing peer is skipped instead of installed.  BENCH_RESULTS (a file): each
# measurement appends "dhcp rate-R SERVER EXCHANGES/S" and "dhcp burst20 SERVER MS".
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "${1:-${PXE_BUILD_DIR:-$SRC/build}}" && pwd)
PERIOD=${BENCH_PERIOD:-10}
MAXRATE=${BENCH_MAX_RATE:-50000}
SERVERS=${BENCH_SERVERS:-pxecore kea dnsmasq}
RATES=${BENCH_RATES-1000 5000 $MAXRATE}
RUNS=${RUNS:-1}
SRV_CPU=${SRV_CPU:-0}
CLI_CPU=${CLI_CPU:-1}
[ "$(nproc)" -ge 2 ] || { SRV_CPU=0; CLI_CPU=0; }
export RUNS SRV_CPU CLI_CPU

if [ -z "${BENCH_IN_NETNS:-}" ]; then
    [ "$(id -u)" = 0 ] || { echo "run as root (namespaces, raw sockets)" >&2; exit 1; }
    missing=""
    command -v perfdhcp >/dev/null || missing="$missing kea-admin"
    command -v kea-dhcp4 >/dev/null || missing="$missing kea-dhcp4-server"
    command -v dnsmasq >/dev/null || missing="$missing dnsmasq-base"
    if [ -n "$missing" ] && [ -n "${BENCH_NO_INSTALL:-}" ]; then
        command -v perfdhcp >/dev/null || { echo "dhcp: SKIP: perfdhcp missing (kea-admin)" >&2; exit 77; }
        command -v kea-dhcp4 >/dev/null || SERVERS=$(echo " $SERVERS " | sed 's/ kea / /')
        command -v dnsmasq >/dev/null || SERVERS=$(echo " $SERVERS " | sed 's/ dnsmasq / /')
        echo "dhcp: peers not installed skipped; servers:$SERVERS" >&2
        export BENCH_SERVERS="$SERVERS"
    elif [ -n "$missing" ]; then
        echo "installing the peers:$missing (apt-get)" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >&2
    fi
    BENCH_IN_NETNS=1 exec unshare --net -- bash "$0" "$BUILD"
fi

PXE=$BUILD/pxecore
[ -x "$PXE" ] || { echo "no $BUILD/pxecore: build first" >&2; exit 1; }
T=$(mktemp -d /tmp/pxebench.XXXXXX)
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$T"; }
trap cleanup EXIT

ip link set lo up
unshare --net sleep 3600 &
CLI=$!
PIDS="$PIDS $CLI"
while [ "$(readlink /proc/$CLI/ns/net)" = "$(readlink /proc/self/ns/net)" ]; do sleep 0.05; done
ip link add srv0 type veth peer name cli0
ip link set cli0 netns "$CLI"
ip addr add 198.18.0.1/16 dev srv0
ip link set srv0 up
cli() { nsenter -n -t "$CLI" taskset -c "$CLI_CPU" "$@"; }
cli ip link set lo up
cli ip link set cli0 up
cli ip addr add 198.18.0.200/16 dev cli0
RANGE_LO=198.18.1.0 RANGE_HI=198.18.255.254
VC=$(printf 'PXEClient:Arch:00000:UNDI:002001' | od -An -tx1 | tr -d ' \n')

SERVER_PID=""
start_server() {
    rm -rf "$T/s"; mkdir -p "$T/s/img"
    case $1 in
    pxecore)
        taskset -c "$SRV_CPU" "$PXE" --plugins-dir "$BUILD/plugins" --pidfile "$T/s/pid" --state-dir "$T/s" \
            --image "$T/s/img" --no-api --interface srv0 --dhcp-range "$RANGE_LO,$RANGE_HI,12h" \
            --set dhcp.lease_file="$T/s/leases" >"$T/s/log" 2>&1 &
        SERVER_PID=$!
        ready() { [ -s "$T/s/pid" ]; } ;;
    kea)
        cat >"$T/s/kea.json" <<J
{"Dhcp4": {"interfaces-config": {"interfaces": ["srv0"], "dhcp-socket-type": "raw"},
 "lease-database": {"type": "memfile", "persist": true, "name": "$T/s/kea.leases", "lfc-interval": 0},
 "valid-lifetime": 43200,
 "subnet4": [{"id": 1, "subnet": "198.18.0.0/16", "pools": [{"pool": "$RANGE_LO - $RANGE_HI"}]}],
 "loggers": [{"name": "kea-dhcp4", "output_options": [{"output": "$T/s/log"}], "severity": "INFO"}]}}
J
        KEA_LOCKFILE_DIR=$T/s KEA_PIDFILE_DIR=$T/s taskset -c "$SRV_CPU" kea-dhcp4 -c "$T/s/kea.json" >"$T/s/out" 2>&1 &
        SERVER_PID=$!
        ready() { grep -q DHCP4_STARTED "$T/s/log" 2>/dev/null; } ;;
    dnsmasq)
        taskset -c "$SRV_CPU" dnsmasq --no-daemon --port=0 --interface=srv0 --bind-interfaces --no-ping \
            --dhcp-range="$RANGE_LO,$RANGE_HI,12h" --dhcp-lease-max=70000 \
            --dhcp-leasefile="$T/s/leases" --log-facility="$T/s/log" >"$T/s/out" 2>&1 &
        SERVER_PID=$!
        ready() { grep -q 'DHCP, IP range' "$T/s/log" 2>/dev/null; } ;;
    esac
    i=0
    until ready; do
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$T/s/"*log* "$T/s/out" 2>/dev/null; echo "$1 died" >&2; exit 1; }
        i=$((i + 1)); [ "$i" -lt 100 ] || { echo "$1 not ready" >&2; exit 1; }
        sleep 0.1
    done
    sleep 0.3
}
stop_server() { kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null || true; }

# perf RATE -> "exchanges/s drop% cpu" (drops over both exchange halves; cpu: server CPU
# milliseconds per 1000 completed exchanges, from /proc/PID/stat, robust on a busy machine)
rcvbuf_errors() { # UDP datagrams the kernel dropped on full receive buffers in this namespace
    awk '/^Udp:/ { if (!h) { for (i = 2; i <= NF; i++) if ($i == "RcvbufErrors") c = i; h = 1 }
                   else print $c }' /proc/net/snmp
}
perf() {
    s0=$(rcvbuf_errors); c0=$(cli cat /proc/net/snmp | awk '/^Udp:/ { if (!h) { for (i = 2; i <= NF; i++) if ($i == "RcvbufErrors") c = i; h = 1 } else print $c }')
    t0=$(awk '{print $14 + $15}' "/proc/$SERVER_PID/stat")
    cli timeout $((PERIOD + 20)) perfdhcp -4 -l cli0 -r "$1" -p "$PERIOD" -R 60000 \
        -o "60,$VC" 198.18.0.1 >"$T/perf.out" 2>&1 || true
    t1=$(awk '{print $14 + $15}' "/proc/$SERVER_PID/stat")
    s1=$(rcvbuf_errors); c1=$(cli cat /proc/net/snmp | awk '/^Udp:/ { if (!h) { for (i = 2; i <= NF; i++) if ($i == "RcvbufErrors") c = i; h = 1 } else print $c }')
    echo "$CUR $1: receive-buffer overflows: server $((s1 - s0)), perfdhcp $((c1 - c0))" >>"$T/ovf"
    awk -v ticks=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v period="$PERIOD" '
         /^Rate:/ {rate=$2}
         /^sent packets:/ {sent+=$3}
         /^drops:/ {drops+=$2}
         END {if (sent == 0 || rate == 0) print "0 100 -";
              else printf "%.0f %.3f %.1f\n", rate, 100*drops/sent,
                          1000 * ticks / hz / (rate * period / 1000)}' "$T/perf.out"
}

declare -A R
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
for r in $(seq 1 "$RUNS"); do
    for s in $SERVERS; do # interleaved runs: each server sees the same background load
        start_server "$s"
        b=$(cli python3 "$HERE/burst.py" cli0 20 5)
        R[$s,burst]="${R[$s,burst]:-}|$b"
        [ -z "${BENCH_RESULTS:-}" ] || echo "dhcp burst20 $s ${b%% *}" | sed 's/ timeout$/ FAIL/' >>"$BENCH_RESULTS"
        [ -z "${BENCH_DEBUG:-}" ] || tail -n 20 "$T/s/log" >&2
        stop_server
        for rate in $RATES; do
            start_server "$s"
            CUR=$s
            v=$(perf "$rate")
            R[$s,$rate]="${R[$s,$rate]:-}|$v"
            [ -z "${BENCH_RESULTS:-}" ] || echo "dhcp rate-$rate $s ${v%% *}" >>"$BENCH_RESULTS"
            stop_server
        done
        echo "measured $s (run $r/$RUNS)" >&2
    done
done
# Each cell: the run with the median first field.
for k in "${!R[@]}"; do
    R[$k]=$(echo "${R[$k]}" | tr '|' '\n' | grep -v '^$' | sort -g | awk '{v[NR] = $0} END {print v[int((NR + 1) / 2)]}')
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "-" }'; }
get() { echo "${R[$1,$2]:-n/a}"; }
printf '\nDHCP benchmark (%ss per rate, perfdhcp relayed DORA, PXE vendor class, %s)\n' \
    "$PERIOD" "$(basename "$PXE")"
printf 'load average before: %s, after: %s (%s CPUs)\n' "$LOAD0" "$(cut -d' ' -f1-3 /proc/loadavg)" \
    "$(nproc)"
printf 'each rate: exchanges/s, drop %%, server CPU ms per 1000 exchanges\n'
printf '%-9s | %-20s | %-20s | %-22s | %-16s\n' server "1000/s" "5000/s" "$MAXRATE/s" \
    "burst 20: med/max ms"
for s in $SERVERS; do
    printf '%-9s | %-20s | %-20s | %-22s | %-16s\n' "$s" "$(get "$s" 1000)" "$(get "$s" 5000)" \
        "$(get "$s" "$MAXRATE")" "$(get "$s" burst)"
done
[ -z "$RATES" ] || { echo; cat "$T/ovf"; }
case " $SERVERS " in *" pxecore "*) ;; *) exit 0 ;; esac
printf '\nratios pxecore/peer (exchanges/s; cpu and burst: peer/pxecore; >1 = pxecore better)\n'
for p in $SERVERS; do
    [ "$p" = pxecore ] && continue
    printf '%-9s | 1000/s %s | 5000/s %s | max %s | cpu@1000/s %s | burst %s\n' "$p" \
        "$(ratio "$(get pxecore 1000 | cut -d' ' -f1)" "$(get "$p" 1000 | cut -d' ' -f1)")" \
        "$(ratio "$(get pxecore 5000 | cut -d' ' -f1)" "$(get "$p" 5000 | cut -d' ' -f1)")" \
        "$(ratio "$(get pxecore "$MAXRATE" | cut -d' ' -f1)" "$(get "$p" "$MAXRATE" | cut -d' ' -f1)")" \
        "$(ratio "$(get "$p" 1000 | cut -d' ' -f3)" "$(get pxecore 1000 | cut -d' ' -f3)")" \
        "$(ratio "$(get "$p" burst | cut -d' ' -f1)" "$(get pxecore burst | cut -d' ' -f1)")"
done
