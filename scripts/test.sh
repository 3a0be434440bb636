#!/bin/sh
# Configures, builds (warnings are errors) and runs the whole test suite.
# PXE_BUILD_DIR (default build) and PXE_CMAKE_ARGS adjust the build;
# extra arguments go to ctest (e.g. -L unit, -LE e2e).
set -eu
cd "$(dirname "$0")/.."
B=${PXE_BUILD_DIR:-build}
# shellcheck disable=SC2086
cmake -S . -B "$B" -DPXE_WERROR=ON ${PXE_CMAKE_ARGS:-}
cmake --build "$B" -j"$(nproc)"
cd "$B"
rc=0
ctest --output-on-failure -j2 "$@" || rc=$?
# e2e_summary's line (how many archiso boots ran the real hooks), when it ran.
grep -h '^E2E-SUMMARY' Testing/Temporary/LastTest.log 2>/dev/null | tail -n 1 || true
exit "$rc"
