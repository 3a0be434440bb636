#!/bin/bash
# Runs every libFuzzer target (ASan+UBSan) for SECONDS_PER_TARGET (default 60),
# one target at a time on one core, niced, and prints per target: executions,
# exec/s, coverage (edges "cov" and features "ft") and crashes.
#
#   bench/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
#
# FUZZ_BUILD   build directory (default build-fuzz; configured with clang and -DPXE_FUZZ=ON)
# FUZZ_OUT     work directory (default $FUZZ_BUILD/fuzz-out): grown corpora, logs, crash files
# FUZZ_RUNS=N  stop each target after N executions instead (SECONDS_PER_TARGET stays the cap)
# FUZZ_MERGE=1 merge the inputs that add coverage back into the seed corpus folders
#              (libFuzzer -merge=1: only new features are added, seeds are kept), named gen-<sha1:12>
#
# The seed corpora are the folders ctest replays (NAME_replay, label fuzz): each
# parser's fuzz/corpus beside its code, tests/fuzz/corpus/* for the others.
# A crash makes the script exit 1 after all targets ran; its input is kept in
# FUZZ_OUT/NAME/crashes/ and belongs, once fixed, in the seed folder as crash-<what>.
set -u
cd "$(dirname "$0")/../.."
SRC=$PWD
SECS=${1:-60}
shift || true
B=${FUZZ_BUILD:-build-fuzz}
OUT=${FUZZ_OUT:-$B/fuzz-out}

# target name, seed corpus folder, max_len
TARGETS=(
    "fuzz_dhcp plugins/dhcp/fuzz/corpus 1500"
    "fuzz_dhcp6 plugins/dhcp6/fuzz/corpus 1500"
    "fuzz_tftp plugins/tftp/fuzz/corpus 1500"
    "fuzz_http plugins/http/fuzz/corpus 4096"
    "fuzz_nbd plugins/nbd/fuzz/corpus 8192"
    "fuzz_nfs plugins/nfs/fuzz/corpus 4096"
    "fuzz_api api/fuzz/corpus 4096"
    "images_fuzz_iso tests/images/fuzz/corpus 65536"
    "fuzz_config tests/fuzz/corpus/config 4096"
    "fuzz_lease tests/fuzz/corpus/lease 4096"
    "fuzz_kinds tests/fuzz/corpus/kinds 8192"
    "fuzz_etcd plugins/etcd/fuzz/corpus 8192"
)

if ! command -v clang >/dev/null; then
    echo "bench/fuzz: clang not found (apt-get install clang libclang-rt-dev), skipping" >&2
    exit 77
fi
WANT="$*"
names=()
for t in "${TARGETS[@]}"; do
    set -- $t
    if [ -z "$WANT" ] || grep -qw "$1" <<<"$WANT"; then names+=("$1"); fi
done
if [ ! -f "$B/CMakeCache.txt" ]; then
    CC=clang cmake -S . -B "$B" -DPXE_FUZZ=ON -DPXE_WERROR=ON >/dev/null || exit 1
fi
# Only the fuzz binaries: the plugins themselves do not link under clang's static ASan.
nice cmake --build "$B" -j2 --target "${names[@]}" >"$B/fuzz-build.log" 2>&1 || {
    tail -30 "$B/fuzz-build.log"
    exit 1
}
mkdir -p "$OUT"
crashed=0
printf '%-16s %12s %8s %7s %7s %7s  %s\n' target execs exec/s edges feats crashes corpus
for t in "${TARGETS[@]}"; do
    set -- $t
    name=$1 seeds=$SRC/$2 maxlen=$3
    if [ -n "$WANT" ] && ! grep -qw "$name" <<<"$WANT"; then continue; fi
    bin=$(find "$B" -type f -name "$name" -perm -u+x | head -1)
    [ -n "$bin" ] || { echo "$name: not built" >&2; crashed=1; continue; }
    work=$OUT/$name/corpus
    mkdir -p "$work" "$OUT/$name/crashes"
    log=$OUT/$name/fuzz.log
    # -fork would use more cores; one process, niced, leaks and timeouts count as crashes.
    ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        nice -n 19 "$bin" -max_total_time="$SECS" ${FUZZ_RUNS:+-runs=$FUZZ_RUNS} -max_len="$maxlen" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -close_fd_mask=3 \
        -artifact_prefix="$OUT/$name/crashes/" "$work" "$seeds" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    edges=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    feats=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    ncrash=$(find "$OUT/$name/crashes" -type f | wc -l)
    if [ "$rc" -ne 0 ] || [ "$ncrash" -gt 0 ]; then
        crashed=1
        grep -m3 -E 'ERROR: |runtime error|SUMMARY' "$log" | sed "s|^|  $name: |" >&2
    fi
    if [ "${FUZZ_MERGE:-0}" = 1 ] && [ "$ncrash" -eq 0 ]; then
        # The seeds are the base; only inputs of the grown corpus that add
        # features are added, then renamed gen-<sha1:12>.
        m=$OUT/$name/merged
        rm -rf "$m" && mkdir -p "$m" && cp "$seeds"/* "$m"/
        nice -n 19 "$bin" -merge=1 -max_len="$maxlen" -close_fd_mask=3 "$m" "$work" \
            >"$OUT/$name/merge.log" 2>&1
        for f in "$m"/*; do
            h=$(basename "$f")
            [ -e "$seeds/$h" ] || cp "$f" "$seeds/gen-${h:0:12}"
        done
    fi
    printf '%-16s %12s %8s %7s %7s %7s  %s\n' "$name" "${execs:-?}" "${rate:-?}" \
        "${edges:-?}" "${feats:-?}" "$ncrash" "$(ls "$work" | wc -l)+$(ls "$seeds" | wc -l)"
done
echo "date: $(date -u +%Y-%m-%dT%H:%MZ), ${SECS}s per target, logs in $OUT"
exit $crashed
