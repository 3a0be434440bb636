/* SPDX-License-Identifier: MIT */
/*
 * The served trees of the file namespace, and the boot loaders and menus of
 * their own that pxecore's menus can chain to.
 *
 * Which name space wins (docs/tftp.md, "The file namespace"): a path
 * "images/<name>/<rel>" is that image's file; any other path is the default
 * image's file, else the file of the first root (--root) that has it.  Only a
 * path that no served tree has falls to pxecore's own files: the generated
 * menus (pxelinux.cfg/..., boot.ipxe, grub.cfg), then the system's syslinux
 * files (syslinux.h).  A file that exists in a served tree is never shadowed.
 */
#ifndef PXE_CORE_TREE_H
#define PXE_CORE_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"

#define TREE_PATH_MAX 256

/*
 * Opens the normalised path in the served trees (thread-safe).  Fills fd
 * (owned by the caller), offset, size, mtime and *ret_real (malloc'd).
 * 0, -ENOENT when no tree has it, -EISDIR, -EACCES.
 */
int tree_open(struct core *c, const char *path, int *ret_fd, uint64_t *ret_offset,
              uint64_t *ret_size, int64_t *ret_mtime, char **ret_real);

/* 1 when a served tree has path as a regular file, else 0 (thread-safe). */
int tree_has(struct core *c, const char *path);

/* What a served tree brings to boot with its own menu (namespace paths, "" when absent). */
struct tree_boot {
    char title[128];                  /* "<tree> (its own menu)" */
    char pxelinux_cfg[TREE_PATH_MAX]; /* "pxelinux.cfg/default" */
    char bios_loader[TREE_PATH_MAX];  /* pxelinux.0 or lpxelinux.0 at the namespace root */
    char efi_loader[TREE_PATH_MAX];   /* e.g. debian-installer/amd64/bootnetx64.efi */
    char grub_cfg[TREE_PATH_MAX];     /* e.g. debian-installer/amd64/grub/grub.cfg */
};

/*
 * Fills ret from the served trees (loop thread: the scan of the roots for EFI
 * loaders and grub.cfg is done once and cached).  1 when the trees have a
 * menu of their own to chain to (a pxelinux config with its loader, or a
 * grub.cfg), else 0.  Nothing when menu.tree_entry is off.
 */
int tree_boot_find(struct core *c, struct tree_boot *ret);

/*
 * Loop thread.  Whether a generated pxelinux config may answer path
 * ("<dir>pxelinux.cfg/<name>", normalised): not when a served tree has
 * "<dir>pxelinux.cfg/default" and name is a per-client name (01-<mac>, a hex
 * IP, a UUID) of a client without a host profile (mac NULL or unknown), so
 * that pxelinux's search goes on to the tree's default.  1 yes, 0 no.
 */
int tree_generated_allowed(struct core *c, const char *path, const char *mac);

#endif
