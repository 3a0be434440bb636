#!/bin/bash
# SPDX-License-Identifier: MIT
# pxecore demo: on a fresh Debian 12 machine (as root), one command
#   1. installs what the build and the demo need (scripts/install-deps.sh),
#   2. builds pxecore (build/),
#   3. builds the test image from Debian packages (tests/e2e/build-image.sh;
#      cached in tests/e2e/cache/); its initramfs runs the real Arch boot code
#      (mkinitcpio init + archiso hooks) when ../shared/clients/archiso or
#      $PXE_CLIENTS_DIR holds it, else a small imitation of those hooks,
#   4. starts pxecore in a private network namespace (192.0.2.1/24 on a veth;
#      the host's interfaces are never touched) and netboots a QEMU guest
#      through it: iPXE ROM -> DHCP -> generated iPXE menu -> kernel and
#      initramfs over HTTP -> root filesystem over HTTP, verified,
#      showing the guest's serial console as it goes, then the boot timeline,
#   5. cleans up (processes by PID, namespaces, temp files).
# Usage: ./demo.sh [http|nbd|nfs]   (root filesystem method, default http)
# PXE_DEMO_SKIP_DEPS=1 skips step 1.
set -eu
cd "$(dirname "$0")"
method=${1:-http}
case $method in http | nbd | nfs) ;; *) echo "usage: $0 [http|nbd|nfs]" >&2; exit 2 ;; esac
if [ "$(id -u)" -ne 0 ]; then
    echo "demo.sh: needs root (apt-get, network namespaces, a tap device); try: sudo $0" >&2
    exit 1
fi
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

if [ -z "${PXE_DEMO_SKIP_DEPS:-}" ]; then
    step "1/4 installing dependencies (apt-get, scripts/install-deps.sh)"
    sh ./scripts/install-deps.sh
fi

step "2/4 building pxecore"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" 2>&1 | tail -n 1

step "3/4 building the test image from Debian packages"
bash tests/e2e/build-image.sh
grep -q '^E2E_CLIENT=real' tests/e2e/cache/image.env ||
    echo "(no Arch client code at ${PXE_CLIENTS_DIR:-../shared/clients}/archiso: the guest runs an imitation of archiso's hooks)"

step "4/4 netbooting a QEMU guest through pxecore (root filesystem over ${method^^})"
echo "(QEMU runs under TCG; the guest's serial console follows)"
export PXECORE_BIN=$PWD/build/pxecore PXECORE_PLUGINS=$PWD/build/plugins
rc=0
# QEMU's NIC ROM is iPXE: pxecore hands it the generated iPXE script.
scenario=bios-$method
[ "$method" = http ] && scenario=ipxe-chain
E2E_ALLOW_IMITATION=1 E2E_SHOW_CONSOLE=1 bash tests/e2e/boot-pxecore.sh "$scenario" || rc=$?
case $rc in
0) step "done: the guest booted through pxecore alone; everything was cleaned up" ;;
77) step "the demo could not run here (reason above)" ;;
*) step "the boot failed (logs above)" ;;
esac
exit "$rc"
