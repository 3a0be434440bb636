#!/bin/bash
# SPDX-License-Identifier: MIT
# Boot benchmark: the same QEMU guest (TCG, iPXE ROM, test image of
# tests/e2e/build-image.sh) netboots to its root filesystem over HTTP through
#   reference  the Arch wiki's stack: dnsmasq (DHCP + TFTP, the wiki's options)
#              + busybox httpd on port 80 (darkhttpd is not in Debian 12)
#   pxecore    pxecore alone (DHCP + TFTP + HTTP plugins; its own settings
#              except the serial console), with its default 5 s menu timeout
#              and with 0.1 s
# and both with the harness's IPv6 router advertisement (which ends the ROM's
# 13 s IPv6 wait; the wiki's setup has none). QEMU's ROM is iPXE, so pxecore
# hands it the iPXE script (tests/e2e/boot-pxecore.sh ipxe-chain). Prints the
# time from QEMU start to the guest's success marker and the ratio to the
# reference stack.
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

# boot ROW RA MENU_TIMEOUT SCRIPT ARG: runs one boot, prints its seconds to
# the marker (or "fail").
boot() {
    local row=$1 ra=$2 mt=$3 script=$4 arg=$5
    local out="$LOG/run.$RANDOM.log"
    if ! E2E_ALLOW_IMITATION=1 PXE_E2E_RA=$ra E2E_MENU_TIMEOUT=$mt bash "tests/e2e/$script" "$arg" >"$out" 2>&1; then
        echo "run.sh: $row failed:" >&2
        tail -n 30 "$out" >&2
        echo fail
        return 0
    fi
    cp "$out" "$LOG/last.$(echo "$row" | tr -c 'a-zA-Z0-9\n' _)"
    sed -n 's/^E2E-RESULT .*qemu_to_marker=\([0-9.]*\)s.*/\1/p' "$out"
}

# name | RA | menu timeout ("" = pxecore's default) | script | argument
# pxecore answers the ROM's IPv6 router solicitation itself (dhcp.ipv6_ra), so its rows
# need no harness RA; "reference + IPv6 RA" shows the wiki stack with ra.py's help.
rows=("reference (wiki: dnsmasq + httpd)|0||boot-reference.sh|http"
    "pxecore, defaults|0||boot-pxecore.sh|ipxe-chain"
    "pxecore, menu timeout 0.1 s|0|100ms|boot-pxecore.sh|ipxe-chain"
    "reference + IPv6 RA|1||boot-reference.sh|http")
declare -A best
for r in "${rows[@]}"; do
    IFS='|' read -r name ra mt script arg <<<"$r"
    for ((i = 1; i <= RUNS; i++)); do
        t=$(boot "$name" "$ra" "$mt" "$script" "$arg")
        echo "  $name, run $i: $t"
        if [ "$t" != fail ] && { [ -z "${best[$name]:-}" ] ||
            awk -v a="$t" -v b="${best[$name]}" 'BEGIN { exit !(a < b) }'; }; then
            best[$name]=$t
        fi
    done
done

ref=${best["reference (wiki: dnsmasq + httpd)"]:-}
echo
echo "QEMU start -> root filesystem verified, best of $RUNS run(s), same guest, same machine"
printf '%-36s %9s %14s\n' "stack" "seconds" "vs reference"
for r in "${rows[@]}"; do
    name=${r%%|*}
    t=${best[$name]:-}
    if [ -n "$t" ] && [ -n "$ref" ]; then
        printf '%-36s %9s %14s\n' "$name" "$t" "$(awk -v a="$t" -v b="$ref" 'BEGIN { printf "%.2f", a / b }')"
    else
        printf '%-36s %9s %14s\n' "$name" "${t:-fail}" "n/a"
    fi
done
echo
for f in "$LOG"/last.*; do
    [ -f "$f" ] || continue
    echo "phases, ${f##*/last.} (last run):"
    sed -n '/milestone (wire/,$p' "$f" | grep '^  '
done
