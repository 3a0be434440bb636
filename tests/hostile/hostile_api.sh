#!/bin/bash
# SPDX-License-Identifier: MIT
# 10,000 bad REST API requests (tests/hostile/badapi.py, seeded): no answer
# is a 5xx (but 505 for a bad HTTP version), the daemon stays up, its RSS stays under before + 32 MiB, a
# client's GET of /api/v1/status keeps working, and state.json afterwards is
# valid JSON.  Prints the answers by status and the good client's time before,
# during and after.  Loopback only, against the fixture plugins of the API tests.
set -eu
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/tests/hostile/hostile_lib.sh"
. "$PXECORE_SRC/api/tests/common.sh"
N=${HOSTILE_REQUESTS:-10000}
make_image "$T/img"
api_start --image "$T/img"
status_ms() {
    t0=$(now_ms)
    req GET /api/v1/status
    expect 200 "GET /api/v1/status $1"
    echo $(($(now_ms) - t0))
}
before=$(status_ms before)
rss0=$(rss_kb "$PXE_PID")
rss_watch "$PXE_PID" "$T/rss"
"$PY" "$HOSTILE_SRC/badapi.py" 127.0.0.1 "$PORT" "$TOKEN" "$N" 21 >"$T/answers" 2>&1 &
BAD=$!
at_exit "kill $BAD 2>/dev/null"
sleep 1
during=$(status_ms during)
wait "$BAD" || fail "badapi.py: $(cat "$T/answers")"
after=$(status_ms after)
rssmax=$(rss_watch_stop "$T/rss")
kill -0 "$PXE_PID" || fail "daemon died"
echo "answers to $N bad requests (status count): $(tr '\n' ' ' <"$T/answers")"
echo "GET /api/v1/status, ms: before $before, during $during, after $after"
echo "RSS KiB: before $rss0, max $rssmax"
# 505 is MHD's answer to "HTTP/9.9"; any other 5xx would be a failure of ours
! grep -v '^505 ' "$T/answers" | grep -q '^5' || fail "5xx answers to bad requests"
[ "$(awk '{s += $2} END {print s}' "$T/answers")" = "$N" ] || fail "not every request was made"
rss_below "$rss0" 32768 "$rssmax"
[ ! -e "$T/state/state.json" ] || python3 -c 'import json,sys; json.load(open(sys.argv[1]))' \
    "$T/state/state.json" || fail "state.json is not valid JSON"
stop_pxecore || fail "exit status"
