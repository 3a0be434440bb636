#!/bin/bash
# SPDX-License-Identifier: MIT
# Builds (or reuses) the cached e2e images and checks their shape: both archiso
# layouts, the ISO files' labels and date UUID as blkid reports them, the root
# filesystem's checksum and CMS signature, the initramfs's client code (the
# real mkinitcpio/archiso files, byte for byte) and modules. Fixture of the e2e
# boots (the results file is emptied by e2e_results_reset).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${PXE_E2E_CACHE:-$HERE/cache}
CLIENTS=${PXE_CLIENTS_DIR:-$HERE/../../../shared/clients}
for t in apt-get dpkg cpio mksquashfs xorriso depmod openssl blkid; do
    command -v "$t" >/dev/null || { echo "SKIP: missing $t (scripts/install-deps.sh)"; exit 77; }
done
PXE_CLIENTS_DIR=$CLIENTS bash "$HERE/build-image.sh" "$CACHE"
. "$CACHE/image.env"
fail() { echo "FAIL: $*"; exit 1; }
for layout in uuid label; do
    eval "img=\$E2E_IMAGE_$layout iso=\$E2E_ISO_$layout volid=\$E2E_VOLID_$layout"
    for f in arch/boot/x86_64/vmlinuz-linux arch/boot/x86_64/initramfs-linux.img \
        arch/x86_64/airootfs.sfs arch/x86_64/airootfs.sha512 boot/syslinux/lpxelinux.0 \
        boot/syslinux/ldlinux.c32 boot/syslinux/archiso_pxe_http.cfg; do
        [ -s "$img/$f" ] || fail "$layout: missing $f"
    done
    (cd "$img/arch/x86_64" && sha512sum -c --quiet airootfs.sha512) || fail "$layout: airootfs.sha512"
    [ "$(cut -d' ' -f1 "$img/arch/x86_64/airootfs.sha512")" = "$E2E_ROOTFS_SHA512" ] || fail "image.env sha512"
    [ "$(blkid -p -s LABEL -o value "$iso")" = "$volid" ] || fail "$layout: ISO label"
    xorriso -indev "$iso" -find /arch/x86_64 -name airootfs.sfs 2>/dev/null | grep -q airootfs.sfs ||
        fail "$layout: no airootfs.sfs in the ISO"
done
# uuid layout: boot/<uuid>.uuid names the ISO's date UUID; a valid CMS signature.
[ -e "$E2E_IMAGE_uuid/boot/$E2E_UUID.uuid" ] || fail "no boot/$E2E_UUID.uuid"
[ "$(blkid -p -s UUID -o value "$E2E_ISO_uuid")" = "$E2E_UUID" ] || fail "ISO UUID is not $E2E_UUID"
openssl cms -verify -binary -noattr -nointern -purpose any -inform DER \
    -in "$E2E_IMAGE_uuid/arch/x86_64/airootfs.sfs.cms.sig" -content "$E2E_IMAGE_uuid/arch/x86_64/airootfs.sfs" \
    -certfile "$CACHE/codesign.crt" -CAfile "$CACHE/codesign.crt" -out /dev/null 2>/dev/null || fail "CMS signature"
# label layout: none of that.
ls "$E2E_IMAGE_label"/boot/*.uuid >/dev/null 2>&1 && fail "label layout has a .uuid file"
[ ! -e "$E2E_IMAGE_label/arch/x86_64/airootfs.sfs.cms.sig" ] || fail "label layout has a signature"
for f in snponly.efi ipxe.efi undionly.kpxe; do [ -s "$E2E_LOADERS/$f" ] || fail "missing loader $f"; done

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
(cd "$T" && gzip -dc "$E2E_IMAGE_uuid/arch/boot/x86_64/initramfs-linux.img" | cpio -i --quiet)
if [ "$E2E_CLIENT" = real ]; then
    cmp -s "$T/init" "$CLIENTS/archiso/mkinitcpio/init" || fail "/init is not mkinitcpio's init"
    cmp -s "$T/init_functions" "$CLIENTS/archiso/mkinitcpio/init_functions" || fail "init_functions differ"
    for h in archiso archiso_pxe_common archiso_pxe_http archiso_pxe_nbd archiso_pxe_nfs; do
        cmp -s "$T/hooks/$h" "$CLIENTS/archiso/archiso/hooks/$h" || fail "hooks/$h is not archiso's"
    done
    grep -q '^HOOKS=".*archiso_pxe_http' "$T/config" || fail "/config lacks the archiso hooks"
    for b in ash kmod blkid mount losetup switch_root curl nbd-client nfsmount ipconfig openssl install; do
        [ -x "$T/usr/bin/$b" ] || fail "initramfs: no /usr/bin/$b"
    done
    [ -s "$T/codesign.crt" ] || fail "initramfs: no /codesign.crt"
    echo "initramfs: the real client ($E2E_CLIENT_VERSIONS), unmodified"
else
    echo "initramfs: IMITATION (no $CLIENTS/archiso): the archiso boots will skip"
fi
for m in virtio_net nbd nfsv3 squashfs isofs loop overlay; do
    grep -q "/$m.ko:" "$T"/*/modules/"$E2E_KVER"/modules.dep "$T"/usr/lib/modules/"$E2E_KVER"/modules.dep 2>/dev/null ||
        fail "module $m not in modules.dep"
done
grep -rqx "$E2E_ID" "$T" 2>/dev/null && [ "$E2E_CLIENT" = real ] && fail "the rootfs token is in the initramfs"
echo "ok: images $E2E_IMAGE_uuid, $E2E_IMAGE_label, kernel $E2E_KVER, uuid $E2E_UUID, id $E2E_ID"
