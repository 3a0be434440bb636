/* SPDX-License-Identifier: MIT */
/*
 * pxelinux's own files, served when no served tree has them: the loaders of
 * the system's pxelinux package (menu.pxelinux_dir: lpxelinux.0, pxelinux.0)
 * and the modules of its syslinux-common (menu.syslinux_dir: ldlinux.c32,
 * libcom32.c32, libutil.c32 and the menu.ui module), and only where they
 * match the loader the client runs, because a mismatched ldlinux.c32 hangs
 * pxelinux and modules of another release fail to link:
 *  - the system set is one release: the banners ("PXELINUX 6.04 PXE
 *    20200816") of its loaders, and of sysdump.c32 in the modules folder when
 *    it is there, give one version and build date;
 *  - in the directory D of the request, each loader a served tree has
 *    (D/lpxelinux.0, D/pxelinux.0) carries that version and date, and a
 *    tree's D/ldlinux.c32, if any, is byte for byte the system's (ldlinux.c32
 *    itself carries no version string).
 * Thread-safe; nothing is cached (a package upgrade is seen at once).
 */
#ifndef PXE_CORE_SYSLINUX_H
#define PXE_CORE_SYSLINUX_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"

/*
 * Opens path (normalised) from the system set when its base name is one of
 * the files above and the rules hold.  0, or -ENOENT (with the reason in why
 * when why is not NULL and the name was one of ours).
 */
int syslinux_open(struct core *c, const char *path, int *ret_fd, uint64_t *ret_size,
                  int64_t *ret_mtime, char **ret_real, char *why, size_t why_len);

/*
 * Whether a pxelinux config served at cfg_path ("<D>pxelinux.cfg/<name>")
 * can say "UI <menu.ui>": ldlinux.c32, libcom32.c32, libutil.c32 and the UI
 * module are each served in D, by a tree or by syslinux_open.  1 yes; 0 with
 * the reason in why.
 */
int syslinux_ui_served(struct core *c, const char *cfg_path, char *why, size_t why_len);

/*
 * The release banner in a syslinux binary: "<version> <date>" from the first
 * "<NAME> <digits>.<digits> ... <8 digits>" string (e.g. "6.04 20200816"
 * from "PXELINUX 6.04 PXE 20200816 ").  0, or -ENOENT when there is none.
 */
int syslinux_banner(const unsigned char *data, size_t len, char *out, size_t out_len);

#endif
