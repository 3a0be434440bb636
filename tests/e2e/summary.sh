#!/bin/bash
# SPDX-License-Identifier: MIT
# Runs after every e2e boot (ctest fixture cleanup): one line that says how
# many archiso boots ran the real mkinitcpio/archiso hooks, and how they ended.
# In CI (CI=true) it fails when none did: the real-hook tests must not skip.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${PXE_E2E_CACHE:-$HERE/cache}
R=$CACHE/results.log
real=0 ok=0 other=0 hung=0
if [ -f "$R" ]; then
    real=$(grep -v ' result=hang ' "$R" | grep -c ' client=real ' || true)
    ok=$(grep -c ' client=real result=ok ' "$R" || true)
    other=$(grep -v ' result=hang ' "$R" | grep -vc ' client=real ' || true)
    hung=$(grep -c ' result=hang ' "$R" || true)
fi
versions=$(grep -s '^E2E_CLIENT_VERSIONS=' "$CACHE/image.env" | cut -d= -f2- || true)
# The live boots (boot-live.sh): client=<live-boot|dracut>:<package versions>.
live=$(grep -s -v ' result=hang ' "$R" | grep -cE ' client=(live-boot|dracut):' || true)
live_ok=$(grep -s -cE ' client=(live-boot|dracut):[^ ]* result=ok ' "$R" || true)
[ "$live" -eq 0 ] || echo "E2E-LIVE: $live live boots ran Debian's live-boot or dracut (versions in results.log): $live_ok passed, $((live - live_ok)) failed"
echo "E2E-SUMMARY: $real archiso boots ran the real mkinitcpio/archiso hooks ($versions): $ok passed, $((real - ok)) failed; $other boots ran anything else; $hung silent hangs booted again"
if [ "$real" -eq 0 ]; then
    [ "${CI:-}" = true ] && { echo "FAIL: no archiso boot ran the real hooks in CI"; exit 1; }
    echo "SKIP: no archiso boot ran the real hooks (see the e2e tests' skip reasons)"
    exit 77
fi
