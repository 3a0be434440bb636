/* SPDX-License-Identifier: MIT */
/*
 * The system's iPXE loaders (Debian's ipxe package: snponly.efi, ipxe.efi,
 * undionly.kpxe, undionly.kkpxe, ipxe.pxe in menu.ipxe_dir), served at the
 * root of the file namespace when no served tree has them, so that the DHCP
 * plugin's default UEFI boot file (snponly.efi) is there without a --root.
 * Thread-safe; nothing is cached.
 */
#ifndef PXE_CORE_SYSLOADER_H
#define PXE_CORE_SYSLOADER_H

#include <stdint.h>

#include "core.h"

/* Opens path (normalised) when it is one of those names at the root. 0, -ENOENT, -errno. */
int sysloader_open(struct core *c, const char *path, int *ret_fd, uint64_t *ret_size,
                   int64_t *ret_mtime, char **ret_real);

#endif
