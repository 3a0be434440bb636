# SPDX-License-Identifier: MIT
# Helpers for the hostile-client tests (sourced after tests/integration/lib.sh).
if [ -x /usr/bin/python3 ]; then python3() { /usr/bin/python3 "$@"; }; fi
PY=$(command -v /usr/bin/python3 || command -v python3)
HOSTILE_SRC=$PXECORE_SRC/tests/hostile

rss_kb() { sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p' "/proc/$1/status"; }
# rss_watch PID OUT: samples PID's RSS every 0.2 s into OUT (max in OUT.max) until PID exits
# or $OUT.stop exists; bounded by 900 samples.
rss_watch() {
    (
        max=0 n=0
        while [ "$n" -lt 900 ] && [ ! -e "$2.stop" ] && kill -0 "$1" 2>/dev/null; do
            r=$(rss_kb "$1"); [ -n "$r" ] && [ "$r" -gt "$max" ] && max=$r
            echo "$max" >"$2.max"
            n=$((n + 1)); sleep 0.2
        done
    ) &
    RSS_WATCH=$!
}
rss_watch_stop() { touch "$1.stop"; wait "$RSS_WATCH" 2>/dev/null || true; cat "$1.max"; }
# now_ms: monotonic-ish wall clock in milliseconds
now_ms() { date +%s%3N; }
