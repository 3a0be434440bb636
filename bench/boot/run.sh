#!/bin/bash
# SPDX-License-Identifier: MIT
# Boot benchmark: the same QEMU guest (TCG, iPXE ROM, test image of
# tests/e2e/build-image.sh) netboots to its root filesystem over HTTP through
#   reference  the Arch wiki's stack: dnsmasq (DHCP + TFTP, the wiki's options)
#              + busybox httpd on port 80 (darkhttpd is not in Debian 12)
#   pxecore    pxecore alone (DHCP + TFTP + HTTP plugins, default settings
#              except the serial console and a 0.1 s menu timeout)
# each with and without the harness's IPv6 router advertisement (which ends
# the ROM's 13 s IPv6 wait; the wiki's setup has none). Prints the time from
# QEMU start to the guest's success marker, side by side, and the ratio.
#
# Usage: bench/boot/run.sh [RUNS]     (default 1 run per row; one QEMU at a time)
# Needs root (network namespaces, tap). PXECORE_BIN/PXECORE_PLUGINS default
# to build/pxecore and build/plugins. As root it apt-get installs missing
# peers (dnsmasq-base, busybox, qemu-system-x86, ...) after saying so.
set -eu
cd "$(dirname "$0")/../.."
RUNS=${1:-1}
export PXECORE_BIN=${PXECORE_BIN:-$PWD/build/pxecore}
export PXECORE_PLUGINS=${PXECORE_PLUGINS:-$(dirname "$PXECORE_BIN")/plugins}
[ "$(id -u)" -eq 0 ] || { echo "run.sh: needs root (network namespaces, tap)" >&2; exit 1; }
[ -x "$PXECORE_BIN" ] || { echo "run.sh: no $PXECORE_BIN; build first (cmake -S . -B build && cmake --build build)" >&2; exit 1; }

missing=""
for pair in dnsmasq:dnsmasq-base busybox:busybox qemu-system-x86_64:qemu-system-x86 \
    tcpdump:tcpdump mksquashfs:squashfs-tools xorriso:xorriso cpio:cpio depmod:kmod \
    nbd-client:nbd-client; do
    command -v "${pair%%:*}" >/dev/null || missing="$missing ${pair#*:}"
done
if [ -n "$missing" ]; then
    echo "run.sh: installing the benchmark's peers:$missing"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi

LOG=$(mktemp -d "${TMPDIR:-/tmp}/pxe-bootbench.XXXXXX")
trap 'rm -rf "$LOG"' EXIT

# boot ROW SCRIPT ARGS...: runs one boot, prints its seconds to the marker.
boot() {
    local row=$1 ra=$2 script=$3
    shift 3
    local out="$LOG/$row.$RANDOM.log"
    if ! PXE_E2E_RA=$ra bash "tests/e2e/$script" "$@" >"$out" 2>&1; then
        echo "run.sh: $row failed:" >&2
        tail -n 30 "$out" >&2
        echo fail
        return 0
    fi
    cat "$out" >>"$LOG/$row.all"
    sed -n 's/^E2E-RESULT .*qemu_to_marker=\([0-9.]*\)s.*/\1/p' "$out"
}

rows=("reference:0:boot-reference.sh:http"
    "pxecore:0:boot-pxecore.sh:bios-http"
    "reference+RA:1:boot-reference.sh:http"
    "pxecore+RA:1:boot-pxecore.sh:bios-http")
declare -A best
for r in "${rows[@]}"; do
    IFS=: read -r name ra script arg <<<"$r"
    for ((i = 1; i <= RUNS; i++)); do
        t=$(boot "$name" "$ra" "$script" "$arg")
        echo "  $name run $i: ${t}s"
        if [ "$t" != fail ] && { [ -z "${best[$name]:-}" ] ||
            awk -v a="$t" -v b="${best[$name]}" 'BEGIN { exit !(a < b) }'; }; then
            best[$name]=$t
        fi
    done
done

ratio() {
    [ -n "${best[$1]:-}" ] && [ -n "${best[$2]:-}" ] || { echo "n/a"; return; }
    awk -v a="${best[$1]}" -v b="${best[$2]}" 'BEGIN { printf "%.2f", a / b }'
}
echo
echo "QEMU start -> root filesystem verified (best of $RUNS, seconds)"
printf '%-14s %10s %10s %8s\n' "" reference pxecore ratio
printf '%-14s %10s %10s %8s\n' "no RA (wiki)" "${best[reference]:-fail}" "${best[pxecore]:-fail}" \
    "$(ratio pxecore reference)"
printf '%-14s %10s %10s %8s\n' "with RA" "${best[reference+RA]:-fail}" "${best[pxecore+RA]:-fail}" \
    "$(ratio pxecore+RA reference+RA)"
echo
for n in reference pxecore; do
    [ -f "$LOG/$n.all" ] || continue
    echo "phases, $n (last run):"
    awk '/milestone \(wire/ { buf = "" } /milestone|^  [a-zA-Z]/ { buf = buf $0 "\n" } END { printf "%s", buf }' \
        "$LOG/$n.all"
done
