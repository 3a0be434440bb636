# SPDX-License-Identifier: MIT
# Helpers for the fault tests (sourced after tests/integration/lib.sh).
if [ -x /usr/bin/python3 ]; then python3() { /usr/bin/python3 "$@"; }; fi
# For background clients: a program, not the function above (so $! is its PID).
PY=$(command -v /usr/bin/python3 || command -v python3)
FAULT_SRC=$PXECORE_SRC/tests/fault

# kill9: SIGKILL the daemon and reap it.
kill9() {
    kill -KILL "$PXE_PID" 2>/dev/null || true
    wait "$PXE_PID" 2>/dev/null || true
    PXE_PID=""
}

# rand_ms MAX: a seeded pseudo-random number of milliseconds in [0, MAX) as "S.mmm".
rand_ms() { r=$((RANDOM % $1)); printf '%d.%03d' $((r / 1000)) $((r % 1000)); }

# temps DIR: the "<name>.tmp.XXXXXX" files in DIR, one a line.
temps() { find "$1" -maxdepth 1 -name '*.tmp.*' 2>/dev/null | sort; }
# STALE_SEEN counts the temp files kills left behind (the path the restart must clean).
STALE_SEEN=0
# stale_note DIR: after a kill, remembers DIR's temp files in $T/stale.
stale_note() {
    temps "$1" >"$T/stale"
    STALE_SEEN=$((STALE_SEEN + $(wc -l <"$T/stale")))
}
# stale_gone WHAT: after the restart, none of the remembered temp files is left
# (a running daemon may have a write of its own in progress: other names).
stale_gone() {
    while read -r f; do
        [ ! -e "$f" ] || fail "$1: temp file left by the crash not removed: $f"
    done <"$T/stale"
}

