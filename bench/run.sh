#!/bin/bash
# SPDX-License-Identifier: MIT
# Every protocol benchmark beside its peers, one table (issue 22, item 6):
#
#   bench/run.sh            full sizes, RUNS=3 (about an hour on 2 CPUs)
#   bench/run.sh --smoke    tiny sizes, one run each, every script and peer path (CI: label bench)
#   bench/run.sh --table F  prints the table again from a results file F (BENCH_LOG_DIR/results)
#
# Runs bench/tftp, bench/http, bench/nbd, bench/dhcp and bench/storm (each with its peers
# in the same run, servers on CPU $SRV_CPU and clients on CPU $CLI_CPU), plus the idle RSS
# of pxecore with every plugin and the REST API.  Each script appends every run's figure
# to a results file (BENCH_RESULTS); this one prints per work: pxecore's median, the best
# peer's median, the ratio (above 1: pxecore better, whatever the unit), the issue's
# target, and whether it is met.  A speed verdict needs a fair machine: when the 1-minute
# load average before that benchmark was above LOAD_MAX_PER_CPU (0.5) per CPU, or the runs
# of pxecore or of the best peer spread by more than SPREAD_MAX (25 %) of their median,
# it says "too loaded" instead; with fewer than 3 runs, "few runs"; a storm whose
# simulator used >= 80 % of its CPU, "client-bound".  Memory targets get a verdict at any
# load.  Load averages before and after each benchmark are printed beside its rows.
# Before each benchmark it waits up to SETTLE_MAX (180) s for the load to settle.
# Env: PXE_BUILD_DIR (build), RUNS (3), ONLY (a subset of "tftp http nbd dhcp storm idle"),
# SRV_CPU (0), CLI_CPU (1), BENCH_LOG_DIR (each script's output; default: a temporary
# directory, removed).  Needs root (network namespaces for DHCP and the storm).
# A failed transfer from pxecore, or a script that fails, makes the exit status 1;
# times are never checked.
set -eu
cd "$(dirname "$0")/.."
SRC=$PWD
SMOKE=0 TABLE=""
[ "${1:-}" = --smoke ] && SMOKE=1
[ "${1:-}" = --table ] && TABLE=${2:?--table needs a results file}
B=${PXE_BUILD_DIR:-build}
case $B in /*) ;; *) B=$SRC/$B ;; esac
RUNS=${RUNS:-3}
ONLY=${ONLY:-tftp http nbd dhcp storm idle}
LOAD_MAX_PER_CPU=${LOAD_MAX_PER_CPU:-0.5}
SPREAD_MAX=${SPREAD_MAX:-0.25}
NCPU=$(nproc)
export SRV_CPU=${SRV_CPU:-0} CLI_CPU=${CLI_CPU:-1} PXE_BUILD_DIR=$B
[ "$NCPU" -ge 2 ] || export SRV_CPU=0 CLI_CPU=0
SETTLE_MAX=${SETTLE_MAX:-180}
[ "$SMOKE" = 0 ] || RUNS=1 SETTLE_MAX=0

[ -n "$TABLE" ] || [ -x "$B/pxecore" ] || { echo "bench: build $B first" >&2; exit 77; }
W=$(mktemp -d /tmp/pxebench-all.XXXXXX)
LOGS=${BENCH_LOG_DIR:-$W/logs}
mkdir -p "$LOGS"
trap 'rm -rf "$W"' EXIT
RES=$LOGS/results
[ -z "$TABLE" ] || { RES=$W/results; cp "$TABLE" "$RES"; ONLY=none; }
[ -n "$TABLE" ] || : >"$RES"
export BENCH_RESULTS=$RES BENCH_NO_INSTALL=1

declare -A LOAD_B LOAD_A STATUS
load1() { cut -d' ' -f1 /proc/loadavg; }
# bench NAME CMD...: runs one benchmark script, its output into $LOGS/NAME.log.
# settle: waits up to SETTLE_MAX seconds (180; 0 with --smoke) for the 1-minute load
# average to drop under the fair-figure threshold: the previous benchmark's own clients
# (200 curl processes, wrk -c256) keep it high for minutes after they are gone.
settle() {
    local end=$((SECONDS + SETTLE_MAX))
    while awk -v l="$(load1)" -v m="$LOAD_MAX_PER_CPU" -v n="$NCPU" 'BEGIN { exit !(l > m * n) }' &&
        [ "$SECONDS" -lt "$end" ]; do
        sleep 5
    done
}

bench() {
    local n=$1 rc=0 t0=$SECONDS
    shift
    case " $ONLY " in *" $n "*) ;; *) return 0 ;; esac
    settle
    LOAD_B[$n]=$(load1)
    echo "bench: $n (load $(cut -d' ' -f1-3 /proc/loadavg))..." >&2
    "$@" >"$LOGS/$n.log" 2>&1 || rc=$?
    LOAD_A[$n]=$(load1)
    echo "load $n ${LOAD_B[$n]} ${LOAD_A[$n]}" >>"$RES"
    case $rc in
    0) STATUS[$n]=ok ;;
    77) STATUS[$n]=skipped ;;
    *) STATUS[$n]="failed ($rc)" ;;
    esac
    echo "bench: $n ${STATUS[$n]} in $((SECONDS - t0)) s" >&2
    [ "$rc" = 0 ] || [ "$rc" = 77 ] || tail -n 20 "$LOGS/$n.log" >&2
}

# idle RSS with every plugin built and the REST API, in a private network namespace
# (the dhcp plugins find no interface to serve there).
idle_rss() {
    local iso=$W/idle.iso
    mkdir -p "$W/idle/iso"
    head -c 65536 /dev/zero >"$W/idle/iso/file"
    xorriso -as mkisofs -quiet -o "$iso" "$W/idle/iso" 2>/dev/null || return 77
    unshare --net -- bash -c '
        ip link set lo up
        "$1" --plugins-dir "$2/plugins" --state-dir "$3/idle/state" --image "$4" \
            --api-listen 127.0.0.1:8099 >"$3/idle/log" 2>&1 &
        p=$!
        for _ in $(seq 1 50); do [ -e "$3/idle/state" ] && grep -q ready "$3/idle/log" && break; sleep 0.1; done
        sleep 1
        kb=$(awk "\$1 == \"VmRSS:\" {print \$2}" /proc/$p/status)
        kill $p
        wait $p
        ls "$2/plugins" | sed -n "s/^pxecore-\(.*\)\.so$/\1/p" | tr "\n" " " >&2
        echo "idle rss-all pxecore $((kb / 1024)).$((kb % 1024 * 10 / 1024))" >>"$5"
    ' _ "$B/pxecore" "$B" "$W" "$iso" "$RES"
}

if [ "$SMOKE" = 1 ]; then
    bench tftp env RUNS=1 SIZE_MB=1 SCEN="one-1468 curl-1468 atftp-w8 storm-5" bash bench/tftp/run.sh
    bench http env BENCH_REPEAT=1 BIG_MB=2 CONC_MB=1 CONC_N=4 BENCH_WRK_SECS=1 WRK_SCEN="4k-c32 64k-c256" \
        BENCH_SERVERS="pxecore nginx lighttpd" bash bench/http/run.sh
    bench nbd env ROUNDS=1 SIZE_MIB=8 INFO_N=3 bash bench/nbd/run.sh
    bench dhcp env RUNS=1 BENCH_PERIOD=1 BENCH_RATES=1000 bash bench/dhcp/run.sh "$B"
    bench storm env N=5 MODES=burst DHCP_GIVEUP=20 bash bench/storm/run.sh --smoke
else
    bench tftp env RUNS="$RUNS" SCEN="one-1468 curl-1468 atftp-w8 atftp-w32 storm-20 storm-200" bash bench/tftp/run.sh
    bench http env BENCH_REPEAT="$RUNS" bash bench/http/run.sh
    bench nbd env ROUNDS="$RUNS" bash bench/nbd/run.sh
    bench dhcp env RUNS="$RUNS" bash bench/dhcp/run.sh "$B"
    bench storm env RUNS="$RUNS" bash bench/storm/run.sh
fi
case " $ONLY " in *" idle "*)
    LOAD_B[idle]=$(load1)
    idle_rss 2>"$LOGS/idle.log" && STATUS[idle]=ok || STATUS[idle]="failed ($?)"
    LOAD_A[idle]=$(load1)
    echo "load idle ${LOAD_B[idle]} ${LOAD_A[idle]}" >>"$RES"
    ;;
esac
# Loads recorded in the results (a table printed again from a saved file).
while read -r _ n lb la; do LOAD_B[$n]=$lb LOAD_A[$n]=$la; done < <(awk '$1 == "load"' "$RES")

# What each work is: "unit direction target label".  direction: time (lower is better;
# ratio = best peer / pxecore), rate (higher is better; ratio = pxecore / best peer),
# max (an absolute ceiling for pxecore alone).  target: the least ratio (or the ceiling);
# "-": none in the issue.
describe() { # bench work
    case $1/$2 in
    tftp/one-*) echo "s time 1.3 TFTP 1 MiB, curl blksize ${2#one-}" ;;
    tftp/curl-1468) echo "s time 1.3 TFTP big file, curl blksize 1468" ;;
    tftp/curl-*) echo "s time - TFTP big file, curl blksize ${2#curl-}" ;;
    tftp/atftp-w*) echo "s time 1.5 TFTP big file, atftp windowsize ${2#atftp-w}" ;;
    tftp/storm-*) echo "s time 1.43 TFTP ${2#storm-} curl clients x 1 MiB (time <= 0.7x)" ;;
    http/get-*) echo "MiB/s rate 1.0 HTTP one ${2#get-} GET" ;;
    http/conc-*) echo "MiB/s rate 1.0 HTTP ${2#conc-} parallel downloads" ;;
    http/*-c*) echo "req/s rate 1.0 HTTP ${2%%-*} wrk -t2 -c${2#*-c}" ;;
    nbd/copy1) echo "MiB/s rate 1.3 NBD nbdcopy, 1 connection" ;;
    nbd/copy) echo "MiB/s rate - NBD nbdcopy, default connections" ;;
    nbd/info) echo "ms time - NBD connect + handshake (nbdinfo --size)" ;;
    dhcp/rate-*) echo "ex/s rate - DHCP perfdhcp at ${2#rate-}/s offered" ;;
    dhcp/burst20) echo "ms time - DHCP 20 new clients at once" ;;
    storm/burst-1000) echo "s time 2.0 storm 1000 machines at once (time <= 0.5x)" ;;
    storm/burst-*) echo "s time - storm ${2#burst-} machines at once" ;;
    storm/ramp-*) echo "s time - storm ${2#ramp-} machines, ramp" ;;
    storm/mem-tftp) echo "KiB max 64 RSS per concurrent TFTP transfer" ;;
    storm/mem-http) echo "KiB max 64 RSS per HTTP connection" ;;
    idle/rss-all) echo "MB max 8 idle RSS, every plugin + REST API" ;;
    *) echo "? rate - $1 $2" ;;
    esac
}
# stats: reads values, prints "median spread runs fails" (spread = (max - min) / median).
stats() {
    sort -g | awk '$1 == "FAIL" { f++; next } { v[++n] = $1 }
        END {
            if (!n) { print "FAIL 0 0", f + 0; exit }
            m = v[int((n + 1) / 2)]
            printf "%s %.3f %d %d\n", (m >= 100 ? sprintf("%.0f", m) : sprintf("%.3f", m)),
                (m > 0 ? (v[n] - v[1]) / m : 0), n + f, f + 0
        }'
}

FAILED=0
printf '\n%-52s %10s %10s %-11s %7s %7s  %-18s %s\n' work pxecore "best peer" "(peer)" ratio target "met?" "load before->after"
for key in $(awk '$1 != "storm-bound" && $1 != "load" {print $1 "/" $2}' "$RES" | awk '!seen[$0]++'); do
    b=${key%%/*} w=${key#*/}
    read -r unit dir target label < <(describe "$b" "$w")
    read -r pm psp pn pf < <(awk -v b="$b" -v w="$w" '$1 == b && $2 == w && $3 == "pxecore" {print $4}' "$RES" | stats)
    [ "$pf" = 0 ] || FAILED=1
    pk=- km=- ksp=0 kn=0
    for s in $(awk -v b="$b" -v w="$w" '$1 == b && $2 == w && $3 != "pxecore" {print $3}' "$RES" | sort -u); do
        read -r m sp n _ < <(awk -v b="$b" -v w="$w" -v s="$s" '$1 == b && $2 == w && $3 == s {print $4}' "$RES" | stats)
        [ "$m" = FAIL ] && continue
        if [ "$km" = - ] || { [ "$dir" = time ] && awk -v a="$m" -v c="$km" 'BEGIN {exit !(a < c)}'; } ||
            { [ "$dir" = rate ] && awk -v a="$m" -v c="$km" 'BEGIN {exit !(a > c)}'; }; then
            km=$m ksp=$sp kn=$n pk=$s
        fi
    done
    ratio=-
    if [ "$pm" != FAIL ] && [ "$km" != - ] && [ "$dir" != max ]; then
        ratio=$(awk -v p="$pm" -v k="$km" -v d="$dir" 'BEGIN {
            r = (d == "time") ? (p > 0 ? k / p : 0) : (k > 0 ? p / k : 0); printf "%.2f", r }')
    fi
    lb=${LOAD_B[$b]:-?} la=${LOAD_A[$b]:-?}
    if [ "$dir" = max ]; then
        if [ "$pm" = FAIL ]; then met="NO (failed)"; else
            met=$(awk -v p="$pm" -v t="$target" 'BEGIN {print (p <= t) ? "yes" : "NO"}')
        fi
        target="<=$target"
    elif [ "$pf" != 0 ]; then
        met="NO ($pf failed)"
    elif [ "$target" = - ] || [ "$ratio" = - ]; then
        met=-
    elif awk -v l="$lb" -v c="$NCPU" -v m="$LOAD_MAX_PER_CPU" 'BEGIN {exit !(l > c * m)}'; then
        met="too loaded"
    elif awk -v a="$psp" -v c="$ksp" -v m="$SPREAD_MAX" 'BEGIN {exit !(a > m || c > m)}'; then
        met="too loaded"
    elif [ "$pn" -lt 3 ] || [ "$kn" -lt 3 ]; then
        met="few runs"
    elif grep -q "^storm-bound $w " "$RES"; then
        met="client-bound"
    else
        met=$(awk -v r="$ratio" -v t="$target" 'BEGIN {print (r >= t) ? "yes" : "NO"}')
    fi
    [ "$target" = - ] || [ "$dir" = max ] || target=">=$target"
    printf '%-52s %10s %10s %-11s %7s %7s  %-18s %s -> %s\n' "$label ($unit)" "$pm" "$km" "($pk)" \
        "$ratio" "$target" "$met" "$lb" "$la"
done
echo
echo "ratio: above 1, pxecore is better (peer time / pxecore time, or pxecore rate / peer rate);"
echo "medians of $RUNS runs; servers on CPU $SRV_CPU, clients on CPU $CLI_CPU; $NCPU CPUs;" \
    "too loaded: load before > $LOAD_MAX_PER_CPU per CPU or runs spread > $(awk -v s="$SPREAD_MAX" 'BEGIN {print s * 100}') %"
echo "$(date -u '+%F %H:%M UTC'), $(uname -r), build $B"
for n in tftp http nbd dhcp storm idle; do
    [ -z "${STATUS[$n]:-}" ] || printf '%s: %s  ' "$n" "${STATUS[$n]}"
    case ${STATUS[$n]:-ok} in ok | skipped) ;; *) FAILED=1 ;; esac
done
echo
[ -n "${BENCH_LOG_DIR:-}" ] || echo "(each script's own table and the results file: set BENCH_LOG_DIR to keep them)"
exit "$FAILED"
