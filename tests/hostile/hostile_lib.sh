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

# slowloris PORT N SECS: N half-open HTTP connections to 127.0.0.1:PORT held for
# SECS in the background ($SL is the client's PID); returns once they are open
# (at most 60 s).  $T/held then says "made refused".
slowloris() {
    rm -f "$T/held"
    "$PY" "$HOSTILE_SRC/slowloris.py" 127.0.0.1 "$1" "$2" "$3" "$T/held" >"$T/sl.out" 2>&1 &
    SL=$!
    at_exit "kill $SL 2>/dev/null"
    i=0
    until [ -s "$T/held" ]; do
        i=$((i + 1)); [ "$i" -lt 600 ] || fail "slowloris did not open its connections"
        sleep 0.1
    done
    sleep 1
}

# rss_below BEFORE MARGIN_KIB VALUE...: every VALUE (KiB) stays under BEFORE + MARGIN_KIB.
# Not asserted when the daemon runs under ASan: its quarantine keeps up to 256 MiB
# of freed memory resident, so RSS says nothing about our allocations there.
rss_below() {
    if grep -q 'libasan' "/proc/$PXE_PID/maps" 2>/dev/null; then
        echo "RSS bound not asserted under ASan (quarantine)"
        return 0
    fi
    lim=$(($1 + $2))
    shift 2
    for v in "$@"; do
        [ "$v" -lt "$lim" ] || fail "RSS grew to $v KiB (limit $lim)"
    done
}
