# SPDX-License-Identifier: MIT
# QEMU helpers for the dhcp6 plugin's firmware tests (sourced after
# tests/integration/lib.sh and client_ns).  Everything runs in the test's namespaces.

# qemu_bridge: br0 in the client namespace joins cli0 and a tap device tap0 for the VM.
qemu_bridge() {
    cli_exec ip link add br0 type bridge
    cli_exec ip link set cli0 master br0
    cli_exec ip tuntap add tap0 mode tap
    cli_exec ip link set tap0 master br0
    cli_exec ip link set tap0 up
    cli_exec ip link set br0 up
}

# qemu_until LIMIT CHECK QEMU-ARGV...: runs QEMU (serial console in $T/qemu.log) in the client
# namespace until the shell command CHECK succeeds, QEMU exits or LIMIT seconds pass (a
# bound, not an assertion: the caller checks what happened); then stops QEMU by PID.
# Sets QEMU_SECS to the seconds waited.
qemu_until() {
    limit=$1 check=$2; shift 2
    cli_exec timeout $((limit + 10)) "$@" >"$T/qemu.log" 2>&1 &
    QEMU_PID=$!
    at_exit "kill $QEMU_PID 2>/dev/null"
    QEMU_SECS=0
    until eval "$check"; do
        kill -0 "$QEMU_PID" 2>/dev/null || break
        QEMU_SECS=$((QEMU_SECS + 1)); [ "$QEMU_SECS" -lt "$limit" ] || break
        sleep 1
    done
    kill "$QEMU_PID" 2>/dev/null || true
    wait "$QEMU_PID" 2>/dev/null || true
}

# qemu_console [PATTERN]: the serial console without escapes and blank lines (last 40, or
# the first 12 lines matching PATTERN).
qemu_console() {
    tr '\r' '\n' <"$T/qemu.log" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g' | grep -av '^\s*$' |
        grep -av 'Press ESC' | if [ $# -gt 0 ]; then grep -aE "$1" | head -n 12; else tail -n 40; fi
}
