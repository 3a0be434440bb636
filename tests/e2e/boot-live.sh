#!/bin/bash
# SPDX-License-Identifier: MIT
# Usage: boot-live.sh KIND-METHOD-FIRMWARE-SOURCE   (or E2E_SCENARIO= from ctest)
#   KIND      debian (Debian's live-boot + initramfs-tools) or dracut (Debian's
#             dracut: dmsquash-live, livenet, nfs, nbd)
#   METHOD    http, nfs or nbd: how the root filesystem reaches the guest
#   FIRMWARE  bios (QEMU's iPXE ROM gets pxecore's boot.ipxe) or uefi (OVMF ->
#             snponly.efi over TFTP -> boot.ipxe)
#   SOURCE    tree (a directory image) or iso (the ISO file, read in place);
#             ref: no pxecore, the reference stack (dnsmasq + busybox httpd,
#             HTTP only) serves the tree with an iPXE script written here from
#             the distribution's documented parameters, so that a failing
#             pxecore boot beside a passing reference one points at pxecore
# The image (tests/e2e/build-live-image.sh, cached) is given to pxecore with
# --image only: the debian-live or dracut-live data kind must recognise it and
# the generated iPXE menu must offer the method's entry. The guest boots it;
# the distribution's own initramfs code must switch root into the squashfs,
# whose /sbin/init (live-init.sh) prints the marker as PID 1 on the overlay
# over the squashfs. The test names the real client packages and versions it
# ran. Labels e2e, slow, live. Exit 77 with the reason when something is missing.
set -eu
scenario=${1:-${E2E_SCENARIO:-debian-http-bios-tree}}
IFS=- read -r kind method fw source <<<"$scenario"
E2E_NO_ARCHISO=1
. "$(dirname "$0")/lib-e2e.sh"
E2E_NAME="live-$scenario"
[ "$source" != ref ] || E2E_NAME="reference-live-$kind"

plugins="dhcp http datakinds"
[ "$fw" = uefi ] && plugins="$plugins tftp"
[ "$method" = http ] || plugins="$plugins $method"
# shellcheck disable=SC2086
[ "$source" = ref ] || e2e_need_plugin $plugins
case $kind in
debian) client=live-boot knd=debian-live rootfs=live/filesystem.squashfs ;;
dracut) client=dracut knd=dracut-live rootfs=LiveOS/squashfs.img ;;
*) e2e_fail "unknown kind $kind in $scenario" ;;
esac
case $kind-$method in
debian-http) want='fetch=http://[^ ]*/live/filesystem\.squashfs' medium=ramfs ;;
debian-nfs) want='netboot=nfs nfsroot=192\.0\.2\.1:/' medium=nfs ;;
dracut-http) want='root=live:http://[^ ]*/LiveOS/squashfs\.img' medium=none ;;
dracut-nfs) want='root=live:nfs://192\.0\.2\.1/' medium=none ;; # url-lib's NFS mount is lazily unmounted before the switch
dracut-nbd) want='root=live:CDLABEL=PXE_DRACUT netroot=nbd:192\.0\.2\.1:live' medium=iso9660 ;;
*) e2e_skip "$kind over $method: the kind offers no such entry (docs/images.md says why)" ;;
esac
[ "$method" != nbd ] || [ "$source" = iso ] || e2e_fail "NBD exports ISO files only: use SOURCE iso"

# The image is built (or found in the cache) before e2e_init enters the private network
# namespace: apt-get download needs the network, which the namespace does not have.
if [ -z "${E2E_IN_NETNS:-}" ]; then
    for t in apt-get dpkg-deb cpio mksquashfs xorriso depmod; do
        command -v "$t" >/dev/null || e2e_skip "missing $t to build the live image (scripts/install-deps.sh)"
    done
    blog=$(mktemp "${TMPDIR:-/tmp}/build-live-image.XXXXXX")
    bash "$E2E_DIR/build-live-image.sh" "$kind" "$E2E_CACHE" >"$blog" 2>&1 ||
        { cat "$blog"; rm -f "$blog"; e2e_fail "build-live-image.sh $kind failed (log above)"; }
    rm -f "$blog"
fi
e2e_init "$@"
# shellcheck disable=SC1090
. "$E2E_CACHE/live/$kind.env"
E2E_CLIENT=$client E2E_RESULT_CLIENT="$client:$LIVE_CLIENT_VERSIONS"
E2E_ID=$LIVE_ID
e2e_log "real client: $LIVE_CLIENT_VERSIONS (kernel $LIVE_KVER)"
img=$LIVE_TREE
[ "$source" = iso ] && img=$LIVE_ISO

pxecore_start() {
    args=(--address "$E2E_SRV_IP" --root "$LIVE_LOADERS" --image "live=$img"
        --console ttyS0 --serial "0 115200" --set "menu.append=no_timer_check"
        --set "dhcp.interface=srv0" --set "dhcp.lease_file=$E/dhcp.leases"
        --set "dhcp.range=192.0.2.100,192.0.2.150,1h" --menu-timeout 100ms
        --menu-default "live-$method")
    if [ "$method" = nfs ]; then
        e2e_pxecore_ganesha
        args+=("${E2E_NFS_ARGS[@]}")
    else
        args+=(--disable-plugin nfs) # its default backend edits /etc/exports.d
    fi
    e2e_pxecore_start "${args[@]}"
    grep -q "image 'live': .*kind $knd" "$E/pxecore.log" ||
        e2e_fail "the $source image was not recognised as $knd: $(grep -m3 "image 'live'" "$E/pxecore.log")"
    # NFS exports and NBD checks finish after "ready": wait (at most 60 s) for the entry.
    e2e_wait_menu "$want" 120 "boot.ipxe offers no $method entry matching '$want' (see menu-ipxe.log)"
    e2e_log "the $knd kind recognised the $source image; boot.ipxe: $(grep -o "${want}[^ ]*" "$E/menu-ipxe.log" | head -n1)"
}
# ref_start: dnsmasq + busybox httpd (lib-e2e.sh's reference stack) serving the
# tree at the URLs pxecore would use, and iPXE (BIOS ROM or snponly.efi) the
# script boot/ipxe/reference.ipxe with the parameters written out by hand.
ref_start() {
    [ "$method" = http ] || e2e_fail "the reference stack boots over http only"
    local p
    case $kind in
    debian) p="boot=live fetch=http://$E2E_SRV_IP/images/live/$rootfs" ;;
    dracut) p="root=live:http://$E2E_SRV_IP/images/live/$rootfs ip=dhcp rd.live.overlay.overlayfs=1" ;;
    esac
    E2E_IMAGE=$E/www E2E_LOADERS=$LIVE_LOADERS
    mkdir -p "$E2E_IMAGE/images" "$E2E_IMAGE/boot/ipxe"
    ln -s "$LIVE_TREE" "$E2E_IMAGE/images/live"
    (cd "$LIVE_TREE" && find . -type f -path './*/*' \( -name 'vmlinuz*' -o -name 'initrd*' \) | sort) >"$E/ref-files"
    local k i
    k=$(grep -m1 vmlinuz "$E/ref-files") i=$(grep -m1 initrd "$E/ref-files")
    printf '#!ipxe\nkernel http://%s/images/live/%s initrd=%s %s console=ttyS0 no_timer_check BOOTIF=01-${netX/mac:hexhyp}\ninitrd http://%s/images/live/%s\nboot\n' \
        "$E2E_SRV_IP" "${k#./}" "$(basename "$i")" "$p" "$E2E_SRV_IP" "${i#./}" >"$E2E_IMAGE/boot/ipxe/reference.ipxe"
    e2e_ref_httpd
    e2e_ref_dnsmasq "dhcp-boot=tag:!efi64,tag:ipxe,http://$E2E_SRV_IP/boot/ipxe/reference.ipxe"
    want=$p
    cp "$E2E_IMAGE/boot/ipxe/reference.ipxe" "$E/menu-ipxe.log"
}
if [ "$source" = ref ]; then
    ref_start
else
    pxecore_start
fi

e2e_ra_start
e2e_capture_start
if [ "$fw" = uefi ]; then
    E2E_FAIL_PATTERN='Start PXE over IPv6'
    E2E_FAIL_REASON="OVMF's PXE over IPv4 failed (no usable offer for arch 7)"
fi
# What the distributions' initramfs print when they give up.
E2E_GUEST_FAIL="$E2E_GUEST_FAIL|Unable to find a live file system on the network|Warning: dracut: FATAL|dracut Warning: Could not boot|Entering emergency mode|\\(initramfs\\) $|dracut:/# "
# dracut's initramfs (udev, 26 MB) takes twice live-boot's time under TCG: 420 s
# for it (seen: 100-170 s to the marker on a loaded 2-core host).
limit=$E2E_TIMEOUT
[ "$kind" != dracut ] || [ -n "${PXE_E2E_TIMEOUT:-}" ] || limit=420
e2e_boot "$fw" "$limit"
e2e_expect_method "$method"
e2e_expect_marker "client=$client"
e2e_expect_marker root=overlay
e2e_expect_marker "medium=$medium"
[ "$method" != nbd ] || e2e_expect_marker nbd0=connected
e2e_log "$client switched root into the squashfs over $method (medium $medium)"
case $fw in
uefi) grep -aq 'RRQ "[^"]*snponly\.efi"' "$E/tcpdump.log" || e2e_fail "OVMF never fetched snponly.efi" ;;
esac
script=boot.ipxe
[ "$source" != ref ] || script=reference.ipxe
grep -aq "GET /[^ ]*$script" "$E/tcpdump.log" || e2e_fail "the guest never fetched $script"
# The root filesystem came over the method, as seen on the wire (srv0).
case $method in
http) grep -aq "GET /images/live/$rootfs" "$E/tcpdump.log" ;;
nfs) grep -aq '192\.0\.2\.1\.2049: Flags \[S\]' "$E/tcpdump.log" ;;
nbd) grep -aq '192\.0\.2\.1\.10809: Flags \[S\]' "$E/tcpdump.log" ;;
esac || e2e_fail "no $method request for the root filesystem on the wire (tcpdump.log)"
e2e_report
[ "$source" = ref ] || e2e_timeline
