#!/bin/bash
# SPDX-License-Identifier: MIT
# Runs after every e2e boot (ctest fixture cleanup of e2e_results): one line
# that says how many archiso boots ran the real mkinitcpio/archiso hooks and
# how they ended, and the same for every other client (the Debian installer,
# memtest86+...). In CI (CI=true) it fails when no archiso boot ran the real
# hooks: the real-hook tests must not skip.
# summary.sh --reset (fixture setup, before any boot) empties the record.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${PXE_E2E_CACHE:-$HERE/cache}
R=$CACHE/results.log
if [ "${1:-}" = --reset ]; then
    mkdir -p "$CACHE"
    : >"$R"
    exit 0
fi
real=0 ok=0 other=0 hung=0 clients=""
if [ -f "$R" ]; then
    real=$(grep -v ' result=hang ' "$R" | grep -c ' client=real ' || true)
    ok=$(grep -c ' client=real result=ok ' "$R" || true)
    other=$(grep -v ' result=hang ' "$R" | grep -vc ' client=real ' || true)
    hung=$(grep -c ' result=hang ' "$R" || true)
    # "debian-installer 5 (5 passed)" for every client but the real archiso hooks
    clients=$(grep -v ' result=hang ' "$R" | grep -v ' client=real ' |
        sed -n 's/^[^ ]* client=\([^ ]*\) result=\([^ ]*\) .*/\1 \2/p' | sort |
        awk '{ n[$1]++; if ($2 == "ok") p[$1]++ }
             END { for (c in n) { printf "%s%s %d (%d passed)", s, c, n[c], p[c]; s = ", " } }' || true)
fi
versions=$(grep -s '^E2E_CLIENT_VERSIONS=' "$CACHE/image.env" | cut -d= -f2- || true)
echo "E2E-SUMMARY: $real archiso boots ran the real mkinitcpio/archiso hooks ($versions): $ok passed, $((real - ok)) failed; $other boots ran anything else${clients:+ ($clients)}; $hung silent hangs booted again"
if [ "$real" -eq 0 ]; then
    [ "${CI:-}" = true ] && { echo "FAIL: no archiso boot ran the real hooks in CI"; exit 1; }
    echo "SKIP: no archiso boot ran the real hooks (see the e2e tests' skip reasons)"
    exit 77
fi
