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
cd "$B" && ctest --output-on-failure -j2 "$@"
