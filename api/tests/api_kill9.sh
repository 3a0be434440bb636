#!/bin/bash
# SPDX-License-Identifier: MIT
# kill -9 while mutating: a client changes a host profile and a method switch
# as fast as it can and records each acknowledged change; the daemon is killed
# at a random moment.  After every kill the state file must be valid JSON and
# hold the last acknowledged change, and the restarted daemon must serve it.
# Temp files a kill leaves must be gone after the restart.
# API_KILL9_ITERATIONS (default 200) kills, bounded by API_KILL9_SECONDS (1500 s).
. "$PXECORE_SRC/tests/integration/lib.sh"
. "$PXECORE_SRC/api/tests/common.sh"
set -u

ITER=${API_KILL9_ITERATIONS:-200}
LIMIT=${API_KILL9_SECONDS:-1500}
MAC=52:54:00:00:00:01
make_image "$T/img"
echo "h 0" >"$T/acked"
: >"$T/stale"

# mutator FIRST: PUT host n=j then method http enabled=(j even), j = FIRST...; records acks.
mutator() {
    j=$1
    while :; do
        c=$(curl -s -m 2 -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $TOKEN" \
            -H 'Content-Type: application/json' --data "{\"cmdline_extra\":\"n=$j\"}" \
            "$BASE/api/v1/hosts/$MAC") || return 0
        case $c in 200 | 201) ;; *) return 0 ;; esac
        echo "h $j" >"$T/acked.tmp" && mv "$T/acked.tmp" "$T/acked"
        en=false; [ $((j % 2)) = 0 ] && en=true
        c=$(curl -s -m 2 -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $TOKEN" \
            -H 'Content-Type: application/json' --data "{\"enabled\":$en}" \
            "$BASE/api/v1/methods/http") || return 0
        [ "$c" = 200 ] || return 0
        echo "m $j" >"$T/acked.tmp" && mv "$T/acked.tmp" "$T/acked"
        j=$((j + 1))
    done
}

# check FILE: valid JSON, host n >= acked j, and the switch when nothing later was applied.
check_state() {
    python3 - "$1" "$(cat "$T/acked")" "$MAC" <<'PY'
import json, sys
path, (kind, j), mac = sys.argv[1], sys.argv[2].split(), sys.argv[3]
j = int(j)
try:
    with open(path) as f:
        d = json.load(f)
except FileNotFoundError:
    if j == 0:
        print(0)
        sys.exit(0)
    sys.exit("state file missing after acknowledged change %d" % j)
except ValueError as e:
    sys.exit("state file is not valid JSON: %s" % e)
host = d.get("hosts", {}).get(mac)
n = int(host["cmdline_extra"].split("=")[1]) if host else 0
if n < j:
    sys.exit("acknowledged change n=%d lost (file has n=%d)" % (j, n))
if kind == "m" and n == j and d["methods"]["http"]["enabled"] != (j % 2 == 0):
    sys.exit("acknowledged switch of step %d lost" % j)
print(n)
PY
}

iter=0
n=0
while [ "$iter" -lt "$ITER" ]; do
    [ "$SECONDS" -lt "$LIMIT" ] || fail "only $iter of $ITER kills in ${LIMIT}s"
    iter=$((iter + 1))
    api_start --image "$T/img"
    # the restart removed the temp files the kill left (a write cut short)
    while read -r f; do [ ! -e "$f" ] || fail "iteration $iter: temp file $f left"; done <"$T/stale"
    # the restarted daemon serves what the file holds
    if [ "$n" != 0 ]; then
        req GET "/api/v1/hosts/$MAC"; expect 200 "iteration $iter: host after restart"
        grep -q "\"cmdline_extra\": \"n=$n\"" "$T/out" || fail "iteration $iter: served profile is not n=$n"
    fi
    mutator $((n + 1)) &
    MPID=$!
    sleep "0.$(printf '%03d' $((RANDOM % 250)))"
    kill -KILL "$PXE_PID"
    wait "$PXE_PID" 2>/dev/null
    PXE_PID=""
    wait "$MPID"
    find "$T/state" -maxdepth 1 -name '*.tmp.*' >"$T/stale"
    n=$(check_state "$T/state/state.json") || fail "iteration $iter: after kill -9 ($(cat "$T/acked"))"
done
echo "api_kill9: $iter kills, last acknowledged change $(cat "$T/acked"), ${SECONDS}s"
