# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Harness for the end-to-end netboot tests and the boot benchmark (sourced by
# bash scripts). A QEMU guest (TCG, virtio-net, the NIC's own iPXE ROM or
# OVMF) boots from servers that run in a private network namespace:
#
#   this script's namespace (unshare --net)      client namespace
#   srv0 192.0.2.1/24  <---- veth ---->  cli0 -+- br0 -+- tap0 <- QEMU
#
# Nothing touches the host's interfaces: the script re-executes itself under
# `unshare --net --mount` first, the veth is created inside it and its peer moved into
# the client namespace. Every wait is bounded; every process is killed by PID.
#
# Typical use:
#   . tests/e2e/lib-e2e.sh
#   e2e_init "$@"          # re-exec in a netns, temp dir, image, topology
#   ...start servers on 192.0.2.1...
#   e2e_boot bios          # QEMU until the guest's marker; sets E2E_T_MARKER
#   e2e_expect_method http
#   e2e_report
# Tunables: PXE_E2E_CACHE (image cache), PXE_E2E_TIMEOUT (per boot, default
# 240 s), PXE_E2E_KEEP=1 (keep the temp dir), PXE_E2E_RA=0 (no ra.py;
# pxecore in full mode still answers solicitations itself),
# E2E_SHOW_CONSOLE=1 (stream the guest's serial console to stdout),
# E2E_LAYOUT=uuid|label (which image, see e2e_image), PXE_CLIENTS_DIR (the
# real Arch client code, default ../shared/clients beside the checkout).

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_SRC=$(cd "$E2E_DIR/../.." && pwd)
E2E_TIMEOUT=${PXE_E2E_TIMEOUT:-240}
E2E_CACHE=${PXE_E2E_CACHE:-$E2E_DIR/cache}
E2E_SRV_IP=192.0.2.1
E2E_MAC=${E2E_MAC:-52:54:00:e2:e0:01}
E2E_PIDS=()
E2E_NAME=$(basename "$0" .sh)

e2e_log() { printf '[%s] %s\n' "$E2E_NAME" "$*"; }
e2e_skip() { echo "SKIP: $*"; exit 77; }
e2e_fail() { echo "FAIL: $*"; exit 1; }
e2e_need() {
    local c
    for c in "$@"; do command -v "$c" >/dev/null 2>&1 || e2e_skip "missing $c"; done
}
e2e_now() { date +%s.%N; }
# e2e_since T0: seconds since T0 (from e2e_now), 2 decimals.
e2e_since() { awk -v a="$1" -v b="$(e2e_now)" 'BEGIN { printf "%.2f", b - a }'; }

# e2e_bg NAME CMD...: runs CMD in the background, output in $E/NAME.log, and
# registers its PID for cleanup. Sets E2E_LAST_PID.
e2e_bg() {
    local name=$1
    shift
    "$@" >"$E/$name.log" 2>&1 &
    E2E_LAST_PID=$!
    E2E_PIDS+=("$E2E_LAST_PID")
}

# e2e_kill PID: TERM, then KILL after 3 s; reaps it.
e2e_kill() {
    local pid=$1 i=0
    kill -TERM "$pid" 2>/dev/null || return 0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 30 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    return 0
}

# e2e_console_text FILE: the file without terminal escapes, CRs and empty lines.
e2e_console_text() {
    sed 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1b[()][0-9A-Za-z]//g' "$1" | tr '\r' '\n' | grep -av '^ *$'
}

_e2e_cleanup() {
    local rc=$? i
    set +e
    for ((i = ${#E2E_PIDS[@]} - 1; i >= 0; i--)); do
        e2e_kill "${E2E_PIDS[$i]}"
    done
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -n "${E:-}" ] && [ -d "$E" ]; then
        local f n seen=""
        # The guest's console first: CI shows only a part of long outputs.
        for f in "$E"/serial*.log "$E"/*.log; do
            [ -s "$f" ] || continue
            case " $seen " in *" $f "*) continue ;; esac
            seen="$seen $f"
            n=40
            case $f in */serial*.log) n=60 ;; */ganesha.log | */rpcbind.log) n=8 ;; esac
            echo "--- $(basename "$f") (last $n lines)"
            e2e_console_text "$f" | grep -av 'SetComponentLogLevel' | tail -n "$n"
        done
    fi
    if [ -n "${E:-}" ] && [ -d "$E" ]; then
        if [ -n "${PXE_E2E_KEEP:-}" ]; then echo "kept $E"; else rm -rf "$E"; fi
    fi
    exit "$rc"
}

# e2e_init ARGS: re-executes the calling script in a private network namespace
# (once), makes $E, loads (building if needed) the test image, creates the
# topology. Skips (77) when the machine cannot run the tests.
e2e_init() {
    if [ -z "${E2E_IN_NETNS:-}" ]; then
        [ "$(id -u)" -eq 0 ] || e2e_skip "needs root (network namespaces, tap)"
        e2e_need unshare nsenter ip qemu-system-x86_64 python3
        unshare --net true 2>/dev/null || e2e_skip "cannot create network namespaces"
        [ -c /dev/net/tun ] || e2e_skip "no /dev/net/tun"
        E2E_IN_NETNS=1 exec unshare --net --mount -- bash "$0" "$@"
    fi
    E=$(mktemp -d "${TMPDIR:-/tmp}/pxe-e2e.XXXXXX")
    chmod 755 "$E"
    trap _e2e_cleanup EXIT
    trap 'exit 1' INT TERM
    ip link set lo up
    # E2E_NO_ARCHISO=1: a test that boots something else (the Debian installer)
    [ "${E2E_NO_ARCHISO:-0}" = 1 ] || e2e_image
    e2e_topology
}

# e2e_image: builds the cached images if needed, loads image.env and picks the
# layout E2E_LAYOUT (uuid: a current Arch ISO with boot/<uuid>.uuid and a CMS
# signature; label: an older one with its volume label only) as E2E_IMAGE
# (tree), E2E_ISO (file) and E2E_VOLID (label). Skips unless the initramfs runs
# the real Arch client (../shared/clients), or E2E_ALLOW_IMITATION=1 (demo.sh).
E2E_CLIENTS_DIR=${PXE_CLIENTS_DIR:-$E2E_SRC/../shared/clients}
e2e_image() {
    local t
    for t in apt-get dpkg cpio mksquashfs xorriso depmod ldd openssl; do
        command -v "$t" >/dev/null || e2e_skip "missing $t to build the test image (scripts/install-deps.sh)"
    done
    PXE_CLIENTS_DIR=$E2E_CLIENTS_DIR bash "$E2E_DIR/build-image.sh" "$E2E_CACHE" >"$E/build-image.log" 2>&1 ||
        e2e_fail "build-image.sh failed: $(tail -n 5 "$E/build-image.log")"
    # shellcheck disable=SC1091
    . "$E2E_CACHE/image.env"
    if [ "$E2E_CLIENT" != real ] && [ "${E2E_ALLOW_IMITATION:-0}" != 1 ]; then
        e2e_skip "the real Arch boot client (mkinitcpio init + archiso hooks) is not in $E2E_CLIENTS_DIR/archiso: set PXE_CLIENTS_DIR (the test never uses an imitation)"
    fi
    E2E_LAYOUT=${E2E_LAYOUT:-uuid}
    local v
    for v in IMAGE ISO VOLID; do
        eval "E2E_$v=\${E2E_${v}_$E2E_LAYOUT:-}"
        eval "[ -n \"\$E2E_$v\" ]" || e2e_fail "no image layout '$E2E_LAYOUT' in image.env"
    done
    E2E_NAME="$E2E_NAME-$E2E_LAYOUT"
    e2e_log "image layout $E2E_LAYOUT ($E2E_IMAGE), boot client: $E2E_CLIENT ($E2E_CLIENT_VERSIONS)"
}

# e2e_topology: srv0 192.0.2.1/24 here; cli0 + tap0 bridged in the client ns.
e2e_topology() {
    unshare --net sleep 3600 &
    E2E_CLI_PID=$!
    E2E_PIDS+=("$E2E_CLI_PID")
    local i=0
    while [ "$(readlink /proc/$E2E_CLI_PID/ns/net)" = "$(readlink /proc/self/ns/net)" ]; do
        i=$((i + 1))
        [ $i -lt 50 ] || e2e_fail "client namespace not created"
        sleep 0.05
    done
    sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
    ip link add srv0 type veth peer name cli0
    ip link set cli0 netns "$E2E_CLI_PID"
    ip addr add "$E2E_SRV_IP/24" dev srv0
    ip link set srv0 up
    e2e_client_bridge
}
# e2e_client_bridge: in the client namespace, QEMU's tap0 bridged (br0) to cli0,
# which the caller has moved there; no address, no IPv6 of the namespace's own.
e2e_client_bridge() {
    cx sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    cx ip link set lo up
    cx ip link add br0 type bridge forward_delay 0 stp_state 0
    cx ip tuntap add dev tap0 mode tap
    cx ip link set cli0 master br0
    cx ip link set tap0 master br0
    for l in cli0 tap0 br0; do cx ip link set "$l" up; done
}
# cx CMD...: runs CMD in the client namespace (where QEMU runs).
cx() { nsenter -n -t "$E2E_CLI_PID" "$@"; }

# e2e_ra_start: answers the ROM's IPv6 router solicitation (ends iPXE's 13 s
# IPv6 wait). Skipped with PXE_E2E_RA=0, and when the pxecore started here
# answers solicitations itself (dhcp.ipv6_ra, full mode).
e2e_ra_start() {
    [ "${PXE_E2E_RA:-1}" = 1 ] || return 0
    if [ -n "${E2E_PXE_PID:-}" ] &&
        grep -q 'ipv6_ra: answering router solicitations' "$E/pxecore.log" 2>/dev/null; then
        e2e_log "pxecore answers IPv6 router solicitations itself: no ra.py"
        return 0
    fi
    e2e_bg ra python3 "$E2E_DIR/ra.py" srv0 "$E2E_TIMEOUT"
}

# e2e_capture_start: records boot milestones (DHCP, TFTP RRQs, HTTP GETs, TCP
# SYNs) on srv0 as text for e2e_phases. Does nothing without tcpdump.
e2e_capture_start() {
    command -v tcpdump >/dev/null || return 0
    local get='tcp[((tcp[12]&0xf0)>>2):4] = 0x47455420'
    e2e_bg tcpdump tcpdump -i srv0 -n -tt -l -A -s 400 \
        "udp port 67 or udp port 68 or udp dst port 69 or udp dst port 4011 or
         (tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-ack == 0) or
         (tcp and $get)"
    local i=0
    until grep -q 'listening on' "$E/tcpdump.log" 2>/dev/null; do
        i=$((i + 1))
        [ $i -lt 100 ] || { e2e_log "tcpdump did not start"; return 0; }
        sleep 0.05
    done
}

# What ends a boot as failed at once: a kernel panic, or the initramfs giving
# up (mkinitcpio's launch_interactive_shell and its callers' messages).
E2E_GUEST_FAIL='Kernel panic|Falling back to interactive prompt|Bailing out, you are on your own|dropped into an emergency shell|ERROR: Device .* not found|No device containing the file|ERROR: one or more files are corrupted|ERROR: no root file system image found|ERROR: Downloading|\[rootfs [^]]*\]#'

# e2e_boot MODE [MARKER_TIMEOUT]: boots a QEMU guest (MODE bios, uefi, or
# uefi-sb: OVMF's Secure Boot build with Microsoft's keys enrolled, q35 with
# SMM) in the client namespace and waits for PXECORE-E2E-OK/FAIL on its serial
# console. Sets E2E_T0 (QEMU start, epoch), E2E_T_MARKER (seconds to the
# marker) and E2E_MARKER (the marker line). Fails the test on FAIL, exit or
# timeout, and at once when the console shows E2E_FAIL_PATTERN
# (E2E_FAIL_REASON says why). Optional: E2E_OK_PATTERN (grep -E on the
# console that ends the boot as passed), E2E_BOOT_HOOK (a function called
# every 0.1 s while waiting), E2E_QEMU_STDIN (QEMU's standard input: the
# serial console's keyboard; default /dev/null), E2E_QEMU_ARGS (an array of
# extra QEMU arguments), E2E_QEMU_MEM (MiB, default 512). A hook may set
# E2E_MARKER itself (a guest with no marker of ours: tests/e2e/lib-di.sh).
# A silent hang (no marker, no failure on the console, QEMU still running at
# the limit: seen on loaded TCG hosts) is shown, then booted once more when
# E2E_HANG_RETRIES (default 1) allows; results.log and the summary count it.
e2e_boot() {
    local tries=$((${E2E_HANG_RETRIES:-1} + 1)) n=1
    while :; do
        _e2e_boot_once "$@"
        [ "$E2E_BOOT_STATUS" = hang ] && [ $n -lt $tries ] || break
        e2e_log "guest hung without a marker after ${E2E_T_MARKER}s; last console lines:"
        e2e_console_text "$E/serial.log" | tail -n 30 | sed 's/^/    | /'
        mv "$E/serial.log" "$E/serial-hang$n.log"
        echo "$E2E_NAME client=${E2E_RESULT_CLIENT:-$E2E_CLIENT} result=hang t=$E2E_T_MARKER" >>"$E2E_CACHE/results.log"
        e2e_log "booting once more (attempt $((n + 1)) of $tries)"
        n=$((n + 1))
    done
    _e2e_boot_verdict
}

_e2e_boot_once() {
    local mode=$1 limit=${2:-$E2E_TIMEOUT}
    E2E_BOOT_LIMIT=$limit
    local args=(-accel tcg -m "${E2E_QEMU_MEM:-512}" -smp 1 -nographic -no-reboot -no-user-config
        -netdev tap,id=n0,ifname=tap0,script=no,downscript=no
        -device "virtio-net-pci,netdev=n0,mac=$E2E_MAC" -boot n)
    case $mode in
    bios) args=(-machine pc "${args[@]}") ;;
    uefi)
        local code=/usr/share/OVMF/OVMF_CODE_4M.fd vars=/usr/share/OVMF/OVMF_VARS_4M.fd
        [ -f "$code" ] || e2e_skip "no $code (apt-get install ovmf)"
        cp "$vars" "$E/ovmf-vars.fd"
        # romfile= (none): OVMF's own virtio-net driver and PXE stack boot,
        # not the iPXE option ROM QEMU would add (for BIOS it is needed).
        args=(-machine q35 -drive "if=pflash,format=raw,readonly=on,file=$code"
            -drive "if=pflash,format=raw,file=$E/ovmf-vars.fd" "${args[@]}")
        args=("${args[@]/#virtio-net-pci,netdev=n0,/virtio-net-pci,romfile=,netdev=n0,}")
        ;;
    uefi-sb)
        local code=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd vars=/usr/share/OVMF/OVMF_VARS_4M.ms.fd
        [ -f "$code" ] && [ -f "$vars" ] || e2e_skip "no $code or $vars (apt-get install ovmf)"
        cp "$vars" "$E/ovmf-vars.fd"
        # The Secure Boot build keeps its variables in SMM: q35 with SMM and a secure pflash.
        args=(-machine q35,smm=on -global driver=cfi.pflash01,property=secure,value=on
            -drive "if=pflash,format=raw,unit=0,readonly=on,file=$code"
            -drive "if=pflash,format=raw,unit=1,file=$E/ovmf-vars.fd" "${args[@]}")
        args=("${args[@]/#virtio-net-pci,netdev=n0,/virtio-net-pci,romfile=,netdev=n0,}")
        ;;
    *) e2e_fail "e2e_boot: unknown mode $mode" ;;
    esac
    [ -z "${E2E_QEMU_ARGS+x}" ] || args+=("${E2E_QEMU_ARGS[@]}")
    : >"$E/serial.log"
    E2E_T0=$(e2e_now)
    # nsenter execs QEMU: $! is QEMU's own PID (a backgrounded shell function
    # would leave QEMU orphaned when killed).
    nsenter -n -t "$E2E_CLI_PID" qemu-system-x86_64 "${args[@]}" \
        <"${E2E_QEMU_STDIN:-/dev/null}" >"$E/serial.log" 2>"$E/qemu-stderr.log" &
    local qpid=$! tpid="" line
    E2E_PIDS+=("$qpid")
    e2e_log "QEMU ($mode) started, pid $qpid, limit ${limit}s"
    if [ -n "${E2E_SHOW_CONSOLE:-}" ]; then
        tail -n +1 -f "$E/serial.log" &
        tpid=$!
        E2E_PIDS+=("$tpid")
    fi
    local deadline
    deadline=$(awk -v a="$E2E_T0" -v l="$limit" 'BEGIN { printf "%d", a + l }')
    E2E_MARKER=""
    while :; do
        if E2E_MARKER=$(grep -a -o 'PXECORE-E2E-\(OK\|FAIL\) .* END' "$E/serial.log" | head -n1) &&
            [ -n "$E2E_MARKER" ]; then
            break
        fi
        if ! kill -0 "$qpid" 2>/dev/null; then
            # The guest powers off right after its marker: read the log once more.
            E2E_MARKER=$(grep -a -o 'PXECORE-E2E-\(OK\|FAIL\) .* END' "$E/serial.log" | head -n1) || E2E_MARKER=""
            break
        fi
        if [ -n "${E2E_OK_PATTERN:-}" ] && line=$(grep -a -o -m1 -E -- "$E2E_OK_PATTERN" "$E/serial.log"); then
            E2E_MARKER="PXECORE-E2E-OK pattern=$(printf '%s' "$line" | tr -d '\r' | tr ' ' '_') END"
            break
        fi
        [ -z "${E2E_BOOT_HOOK:-}" ] || "$E2E_BOOT_HOOK"
        [ -z "$E2E_MARKER" ] || break
        if [ -n "${E2E_FAIL_PATTERN:-}" ] && grep -a -q -- "$E2E_FAIL_PATTERN" "$E/serial.log"; then
            E2E_MARKER="PXECORE-E2E-FAIL reason=firmware: ${E2E_FAIL_REASON:-$E2E_FAIL_PATTERN} END"
            break
        fi
        if line=$(grep -a -m1 -E -- "$E2E_GUEST_FAIL" "$E/serial.log") && [ -n "$line" ]; then
            sleep 1 # let the console show what follows
            E2E_MARKER="PXECORE-E2E-FAIL reason=guest: $(printf '%s' "$line" | tr -d '\r') END"
            break
        fi
        [ "$(date +%s)" -lt "$deadline" ] || break
        sleep 0.1
    done
    E2E_T_MARKER=$(e2e_since "$E2E_T0")
    e2e_kill "$qpid"
    if [ -n "$tpid" ]; then
        sleep 0.2
        e2e_kill "$tpid"
        printf '\r\n'
    fi
    E2E_BOOT_STATUS=done
    if [ -z "$E2E_MARKER" ] && ! grep -a -q -E -- "$E2E_GUEST_FAIL" "$E/serial.log"; then
        E2E_BOOT_STATUS=hang
    fi
}

# _e2e_boot_verdict: records the last boot in results.log and passes or fails.
_e2e_boot_verdict() {
    local result=fail limit=$E2E_BOOT_LIMIT
    case "$E2E_MARKER" in PXECORE-E2E-OK*) result=ok ;; esac
    echo "$E2E_NAME client=${E2E_RESULT_CLIENT:-$E2E_CLIENT} result=$result t=$E2E_T_MARKER" >>"$E2E_CACHE/results.log"
    case "$E2E_MARKER" in
    PXECORE-E2E-OK*)
        e2e_log "marker after ${E2E_T_MARKER}s: $E2E_MARKER"
        ;;
    PXECORE-E2E-FAIL*)
        e2e_phases
        e2e_fail "guest failed after ${E2E_T_MARKER}s: $E2E_MARKER"
        ;;
    *)
        e2e_phases
        e2e_fail "no marker after ${E2E_T_MARKER}s (limit ${limit}s); see serial.log"
        ;;
    esac
}

# e2e_expect_method M: the marker reports root filesystem method M and this
# image's id (the guest checked the root filesystem's sha512 before).
e2e_expect_method() {
    case "$E2E_MARKER" in
    *"method=$1 "*) ;;
    *) e2e_fail "expected method=$1 in: $E2E_MARKER" ;;
    esac
    case "$E2E_MARKER" in
    *" id=$E2E_ID "*) ;;
    *) e2e_fail "expected id=$E2E_ID in: $E2E_MARKER" ;;
    esac
    # The real client: the marker came from /sbin/init inside the squashfs,
    # PID 1 on archiso's overlay (tests/e2e/rootfs-init.sh).
    if [ "$E2E_CLIENT" = real ]; then
        case "$E2E_MARKER" in
        *" root=overlay "*) e2e_log "real archiso hooks: / is the overlay over /run/archiso/airootfs" ;;
        *) e2e_fail "expected root=overlay (init of the squashfs as PID 1) in: $E2E_MARKER" ;;
        esac
    fi
}

# e2e_expect_marker WORD: the marker holds WORD (e.g. bootmnt=nfs).
e2e_expect_marker() {
    case "$E2E_MARKER" in
    *" $1 "*) ;;
    *) e2e_fail "expected $1 in: $E2E_MARKER" ;;
    esac
}

# e2e_serial_has TEXT: the serial log contains TEXT.
e2e_serial_has() { tr '\r' '\n' <"$E/serial.log" | grep -a -q -F -- "$1"; }

# e2e_phases: prints the boot milestones seen on the wire, as seconds since
# QEMU start, then the guest's own times from the marker.
e2e_phases() {
    [ -s "$E/tcpdump.log" ] || return 0
    awk -v t0="$E2E_T0" '
        function mark(name) { if (!(name in seen)) { seen[name] = ts; order[n++] = name } }
        /^[0-9]+\.[0-9]+ IP / {
            ts = $1 - t0
            pkt = $0
            isdhcp = (pkt ~ /\.6[78]: BOOTP\/DHCP/ || pkt ~ /\.6[78] > .*\.6[78]:/)
            if (isdhcp && pkt ~ /\.68 > /) {
                if (!("initrd" in seen)) mark("firmware DHCP request")
                else mark("initramfs DHCP request")
            }
            if (isdhcp && pkt ~ /\.67 > /) {
                if (!("initrd" in seen)) mark("firmware DHCP reply")
                else mark("initramfs DHCP reply")
            }
            if (pkt ~ /\.4011: /) mark("PXE boot-server request (4011)")
            if (pkt ~ /Flags \[S\]/ && pkt ~ /\.10809: /) mark("rootfs: NBD connect")
            if (pkt ~ /Flags \[S\]/ && pkt ~ /\.(111|2049): /) mark("rootfs: NFS connect")
        }
        {
            line = $0
            if (line ~ /RRQ|GET /) {
                if (line ~ /(lpxelinux|pxelinux\.0|snponly|ipxe\.efi|undionly|grubx64|shim)/) mark("NBP request")
                if (line ~ /(pxelinux\.cfg|boot\.ipxe|grub\.cfg|archiso_pxe[a-z_]*\.cfg)/) mark("menu request")
                if (line ~ /vmlinuz|installer\/amd64\/linux"/) mark("kernel request")
                if (line ~ /initramfs|initrd\.gz/) { mark("initrd request"); seen["initrd"] = ts }
                if (line ~ /airootfs\.sfs/) mark("rootfs: HTTP GET")
            }
        }
        END {
            printf "  %-32s %8s\n", "milestone (wire, srv0)", "t (s)"
            for (i = 0; i < n; i++) printf "  %-32s %8.2f\n", order[i], seen[order[i]]
        }' "$E/tcpdump.log"
    if [ -n "${E2E_MARKER:-}" ]; then
        printf '  %-32s %8.2f\n' "marker on serial console" "$E2E_T_MARKER"
        echo "$E2E_MARKER" | tr ' ' '\n' | grep '^t_' |
            sed 's/^t_\([a-z]*\)=/  guest uptime at \1: /'
    fi
}

# e2e_report: prints the headline time and the phases.
e2e_report() {
    echo "E2E-RESULT test=$E2E_NAME qemu_to_marker=${E2E_T_MARKER}s"
    e2e_phases
}

# ---------------------------------------------------------------- reference
# The Arch wiki's stack: dnsmasq (DHCP + TFTP, the wiki's options) and a static
# HTTP server (busybox httpd stands in for darkhttpd) on port 80.

# e2e_ref_dnsmasq [EXTRA_OPTION...]: full DHCP + TFTP as in the wiki.
# E2E_REF_MENU picks the PXELINUX config (default archiso_pxe_http.cfg).
e2e_ref_dnsmasq() {
    e2e_need dnsmasq
    cat >"$E/dnsmasq.conf" <<EOF
port=0
interface=srv0
bind-interfaces
dhcp-range=192.0.2.50,192.0.2.150,12h
dhcp-boot=/boot/syslinux/lpxelinux.0
dhcp-option-force=209,boot/syslinux/${E2E_REF_MENU:-archiso_pxe_http.cfg}
dhcp-option-force=210,/
dhcp-option-force=66,$E2E_SRV_IP
enable-tftp
tftp-root=$E/tftp
dhcp-leasefile=$E/dnsmasq.leases
# UEFI x64 (arch 7, 9): snponly.efi, then the iPXE script over HTTP.
dhcp-match=set:efi64,option:client-arch,7
dhcp-match=set:efi64,option:client-arch,9
dhcp-userclass=set:ipxe,iPXE
dhcp-boot=tag:efi64,tag:!ipxe,snponly.efi
dhcp-boot=tag:efi64,tag:ipxe,http://$E2E_SRV_IP/boot/ipxe/reference.ipxe
log-dhcp
pid-file=
EOF
    local o
    for o in "$@"; do echo "$o" >>"$E/dnsmasq.conf"; done
    # TFTP root: the image tree plus the iPXE loaders.
    mkdir -p "$E/tftp"
    for o in "$E2E_IMAGE"/* "$E2E_LOADERS"/*; do ln -s "$o" "$E/tftp/"; done
    e2e_bg dnsmasq dnsmasq -k -u root -C "$E/dnsmasq.conf" --log-facility=-
    e2e_wait_port udp 67
}

# e2e_ref_dnsmasq_addresses: the site's DHCP server of the proxy-mode test:
# addresses only, no boot options, no TFTP.
e2e_ref_dnsmasq_addresses() {
    e2e_need dnsmasq
    cat >"$E/dnsmasq.conf" <<EOF
port=0
interface=srv0
bind-interfaces
dhcp-range=192.0.2.50,192.0.2.99,12h
dhcp-leasefile=$E/dnsmasq.leases
log-dhcp
pid-file=
EOF
    e2e_bg dnsmasq dnsmasq -k -u root -C "$E/dnsmasq.conf" --log-facility=-
    e2e_wait_port udp 67
}

# e2e_ref_httpd: busybox httpd on 192.0.2.1:80 serving the image tree.
e2e_ref_httpd() {
    e2e_need busybox
    e2e_bg httpd busybox httpd -f -p "$E2E_SRV_IP:80" -h "$E2E_IMAGE"
    e2e_wait_port tcp 80
}

# e2e_ref_nbd: nbdkit exporting the ISO file read-only on 192.0.2.1:10809
# (any export name), the peer the nbd plugin replaces.
e2e_ref_nbd() {
    e2e_need nbdkit
    e2e_bg nbdkit nbdkit -f -r -i "$E2E_SRV_IP" -p 10809 file "$E2E_ISO"
    e2e_wait_port tcp 10809
}

# e2e_private_run: puts tmpfs on /run and /var/lib/nfs in this script's own
# mount namespace (see e2e_init) so rpcbind/ganesha state never meets the host's.
e2e_private_run() {
    mount --make-rprivate /
    mount -t tmpfs -o mode=755 tmpfs /run
    mkdir -p /run/lock /var/lib/nfs
    mount -t tmpfs -o mode=755 tmpfs /var/lib/nfs
}

# e2e_ganesha EXPORT_PATH...: rpcbind + nfs-ganesha (VFS FSAL, NFSv3 over TCP,
# read-only; on every address of this namespace: pxecore checks MOUNT on
# 127.0.0.1) exporting each EXPORT_PATH; needs e2e_private_run first.
# E2E_GANESHA_INCLUDE=FILE adds `%include FILE` (exports managed by pxecore).
e2e_ganesha() {
    e2e_need rpcbind ganesha.nfsd
    local id=1 p
    {
        [ -z "${E2E_GANESHA_INCLUDE:-}" ] || echo "%include \"$E2E_GANESHA_INCLUDE\""
        echo "NFS_CORE_PARAM { Protocols = 3; NFS_Port = 2049; MNT_Port = 20048;"
        echo "    Bind_addr = 0.0.0.0; Enable_NLM = false; Enable_RQUOTA = false; }"
        echo "NFSV4 { Graceless = true; }"
        echo "LOG { Default_Log_Level = WARN; }"
        for p in "$@"; do
            echo "EXPORT { Export_Id = $id; Path = \"$p\"; Pseudo = \"$p\"; Access_Type = RO;"
            echo "    Squash = No_Root_Squash; Protocols = 3; Transports = TCP; SecType = sys;"
            echo "    FSAL { Name = VFS; } }"
            id=$((id + 1))
        done
    } >"$E/ganesha.conf"
    e2e_bg rpcbind rpcbind -f -w
    e2e_wait_port tcp 111
    e2e_bg ganesha ganesha.nfsd -F -L /dev/stderr -f "$E/ganesha.conf" -p /run/ganesha.pid
    e2e_wait_port tcp 2049
}

# e2e_pxecore_ganesha: nfs-ganesha started here (private /run), whose exports
# pxecore's nfs plugin manages in an included file and makes it re-read with
# SIGHUP. Sets E2E_NFS_ARGS, the pxecore options for that.
e2e_pxecore_ganesha() {
    e2e_private_run
    : >"$E/pxecore-exports.conf"
    E2E_GANESHA_INCLUDE=$E/pxecore-exports.conf e2e_ganesha
    E2E_NFS_ARGS=(--set nfs.backend=ganesha --set "nfs.ganesha_conf=$E/pxecore-exports.conf"
        --set nfs.ganesha_dbus=false
        --set "nfs.ganesha_reload_cmd=$(command -v pkill) -HUP -F /run/ganesha.pid"
        --set "nfs.state_file=$E/nfs-state.json" --set "nfs.export_root=$E/nfsroot")
}

# e2e_wait_port udp|tcp PORT: waits (at most 10 s) for a listener here.
e2e_wait_port() {
    local i=0 flag=-l
    [ "$1" = udp ] && flag=-u || flag=-t
    until ss -Hn "$flag" -a "( sport = :$2 )" 2>/dev/null | grep -q .; do
        i=$((i + 1))
        [ $i -lt 100 ] || e2e_fail "nothing listens on $1 port $2"
        sleep 0.1
    done
}

# ---------------------------------------------------------------- pxecore
# e2e_pxecore_bin: finds the daemon (ctest sets PXECORE_BIN/PXECORE_PLUGINS).
e2e_pxecore_bin() {
    : "${PXECORE_BIN:=$E2E_SRC/build/pxecore}"
    : "${PXECORE_PLUGINS:=$(dirname "$PXECORE_BIN")/plugins}"
    [ -x "$PXECORE_BIN" ] || e2e_skip "no pxecore binary at $PXECORE_BIN"
}

# e2e_need_plugin NAME...: skips unless build/plugins has pxecore-NAME.so.
e2e_need_plugin() {
    e2e_pxecore_bin
    local p
    for p in "$@"; do
        [ -f "$PXECORE_PLUGINS/pxecore-$p.so" ] || e2e_skip "plugin $p not built (not on main yet)"
    done
}

# e2e_pxecore_start ARGS...: starts pxecore here with a pidfile and waits (at
# most 20 s) until it is ready. Sets E2E_PXE_PID; log in $E/pxecore.log.
E2E_API=127.0.0.1:18080
E2E_TOKEN=pxecore-e2e-token
e2e_pxecore_start() {
    e2e_pxecore_bin
    rm -f "$E/pxecore.pid"
    "$PXECORE_BIN" --plugins-dir "$PXECORE_PLUGINS" --pidfile "$E/pxecore.pid" \
        --state-dir "$E/state" --api-listen "$E2E_API" --set "api.token=$E2E_TOKEN" "$@" >"$E/pxecore.log" 2>&1 &
    E2E_PXE_PID=$!
    E2E_PIDS+=("$E2E_PXE_PID")
    local i=0
    until [ -s "$E/pxecore.pid" ]; do
        kill -0 "$E2E_PXE_PID" 2>/dev/null || e2e_fail "pxecore exited during start"
        i=$((i + 1))
        [ $i -lt 200 ] || e2e_fail "pxecore not ready after 20 s"
        sleep 0.1
    done
}

# e2e_api METHOD PATH [BODY]: a REST call to pxecore's API; prints the body.
e2e_api() {
    local m=$1 p=$2
    shift 2
    if [ $# -gt 0 ]; then
        curl -fsS -m 5 -X "$m" -H "Authorization: Bearer $E2E_TOKEN" \
            -H 'Content-Type: application/json' -d "$1" "http://$E2E_API$p"
    else
        curl -fsS -m 5 -X "$m" -H "Authorization: Bearer $E2E_TOKEN" "http://$E2E_API$p"
    fi
}

# e2e_wait_menu PATTERN TRIES WHY: fetches the guest's boot.ipxe into
# $E/menu-ipxe.log every 0.5 s until it matches PATTERN (grep), at most TRIES
# times; then fails with WHY.  Plugins finish some entries after "ready".
e2e_wait_menu() {
    local i=0
    until curl -fsS -m 5 -o "$E/menu-ipxe.log" "http://$E2E_SRV_IP/boot.ipxe?mac=$E2E_MAC" &&
        grep -q "$1" "$E/menu-ipxe.log"; do
        i=$((i + 1))
        [ "$i" -lt "$2" ] || e2e_fail "$3"
        sleep 0.5
    done
}

# e2e_expect_local_boot WHAT: after a boot, the guest's host profile with
# boot_once has turned to local_boot (the daemon checks once a second; up to
# 10 s here) and its iPXE menu no longer names WHAT (a pattern).
e2e_expect_local_boot() {
    for _ in $(seq 1 20); do
        e2e_api GET "/api/v1/hosts/$E2E_MAC" >"$E/api-host.log" || true
        grep -q '"local_boot": true' "$E/api-host.log" && break
        sleep 0.5
    done
    grep -q '"local_boot": true' "$E/api-host.log" ||
        e2e_fail "boot_once did not turn into local_boot: $(cat "$E/api-host.log")"
    curl -fsS -m 5 -o "$E/menu-after.log" "http://$E2E_SRV_IP/boot.ipxe?mac=$E2E_MAC" ||
        e2e_fail "cannot fetch boot.ipxe"
    ! grep -q "$1" "$E/menu-after.log" ||
        e2e_fail "after its one boot the machine still gets $1: $(cat "$E/menu-after.log")"
    e2e_log "boot_once used: the profile is local_boot, the menu offers the local disk only"
}

# e2e_api_method_disable NAME: disables boot method NAME through the REST API
# (PUT /api/v1/methods/NAME {"enabled": false}); skips the test when the API
# does not offer it.
e2e_api_method_disable() {
    e2e_api PUT "/api/v1/methods/$1" '{"enabled": false}' >"$E/api-disable.log" 2>&1 ||
        e2e_skip "the REST API cannot disable method $1: $(head -c 200 "$E/api-disable.log")"
}

# e2e_timeline: prints pxecore's own per-phase timeline for the guest's MAC
# (GET /api/v1/clients/{mac}/timeline): the first event of each phase, as
# seconds after QEMU start, then every event.
e2e_timeline() {
    if ! e2e_api GET "/api/v1/clients/$E2E_MAC/timeline" >"$E/timeline.json" 2>"$E/timeline.err"; then
        e2e_log "no timeline from the API: $(head -c 200 "$E/timeline.err")"
        return 0
    fi
    python3 - "$E/timeline.json" "$E2E_T0" <<'PY' || e2e_log "timeline not understood: $(head -c 300 "$E/timeline.json")"
import json, sys
d = json.load(open(sys.argv[1]))
t0 = float(sys.argv[2])
ev = d.get("events", [])
def abs_s(e):
    t = e.get("time")
    if isinstance(t, (int, float)):
        t = float(t)
        if t > 1e14: t /= 1e6      # microseconds
        elif t > 1e11: t /= 1e3    # milliseconds
        return t - t0
    return None
print(f"  pxecore timeline for {d.get('mac')}: furthest phase {d.get('phase')}, {len(ev)} events")
first = {}
for e in ev:
    first.setdefault(e.get("phase", "none"), e)
print(f"  {'phase (pxecore events)':32s} {'t (s)':>8s}  first event")
for ph in ("dhcp", "loader", "menu", "kernel", "initrd", "rootfs"):
    if ph in first:
        e = first[ph]; a = abs_s(e)
        ts = f"{a:8.2f}" if a is not None else f"{'+' + str(e.get('offset_s')):>8s}"
        print(f"  {ph:32s} {ts}  {e.get('source', '')} {e.get('kind', '')} {e.get('msg', e.get('message', ''))}"[:150])
for e in ev:
    a = abs_s(e)
    ts = f"{a:7.2f}" if a is not None else "      ?"
    print(f"    {ts} {e.get('phase', ''):7s} {e.get('source', ''):5s} {e.get('kind', '')} {e.get('msg', e.get('message', ''))}"[:150])
PY
}
