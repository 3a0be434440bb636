/* SPDX-License-Identifier: MIT */
/*
 * Pure readers of UEFI PE/COFF images on byte buffers: a section by name, and
 * what a GRUB EFI image carries in its "mods" section (grub-mkimage's module
 * info: the built-in prefix, the embedded config, the built-in modules, the
 * memdisk).  No crypto: signatures are checked by sbverify (sboot_sig.c).
 * Every offset read is bounds-checked; malformed input gives -EINVAL.
 */
#ifndef PXE_CORE_PE_H
#define PXE_CORE_PE_H

#include <stddef.h>
#include <stdint.h>

#define PE_MAX_SECTIONS  96
#define GRUB_PREFIX_MAX  256
#define GRUB_MODLIST_MAX 4096

/* Finds section name (up to 8 bytes) in the PE image buf; its file offset and
 * raw size (clamped to len). 0, -ENOENT (no such section) or -EINVAL. */
int pe_section(const uint8_t *buf, size_t len, const char *name, size_t *ret_off, size_t *ret_size);

/* What grub-mkimage put into a GRUB EFI image. */
struct grub_image_info {
    char prefix[GRUB_PREFIX_MAX]; /* OBJ_TYPE_PREFIX, e.g. "/grub"; "" when none */
    char config[GRUB_PREFIX_MAX]; /* OBJ_TYPE_CONFIG (first line), e.g. "normal (memdisk)/grub.cfg"
                                   */
    char modules[GRUB_MODLIST_MAX]; /* built-in module names, space-separated, sorted as found */
    uint32_t n_modules;
    uint32_t has_memdisk;
    /* The memdisk's config sources "$prefix/<platform>/grub.cfg" (Debian's netboot
     * images do: "if [ -e $prefix/x86_64-efi/grub.cfg ]; then source ..."): the
     * platform directory, e.g. "x86_64-efi", else "". */
    char platform_cfg_dir[32];
};

/* Reads the GRUB module info of the PE image buf. 0, -ENOENT (not a GRUB image) or -EINVAL. */
int grub_image_parse(const uint8_t *buf, size_t len, struct grub_image_info *ret);

/* True when the space-separated list holds name. */
int grub_has_module(const struct grub_image_info *g, const char *name);

#endif
