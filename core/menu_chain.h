/* SPDX-License-Identifier: MIT */
/*
 * What a generated menu adds for the served trees (tree.h) and the syslinux
 * files it may name (syslinux.h): the entry "<tree> (its own menu)" that
 * chains to a tree's own loader and menu, and whether a pxelinux menu may say
 * "UI <menu.ui>".  Loop thread.
 */
#ifndef PXE_CORE_MENU_CHAIN_H
#define PXE_CORE_MENU_CHAIN_H

#include "buf.h"
#include "core.h"
#include "tree.h"

#define MENU_CHAIN_ID "tree"

struct menu_chain {
    int has_tree; /* tree is filled: add the chain entry */
    int plain;    /* pxelinux: leave out the UI line (its modules are not served) */
    struct tree_boot tree;
};

/*
 * For a menu of format answering the namespace path (NULL: not a request,
 * e.g. the API) for mac (may be NULL).  -ENOENT when a served tree's own
 * pxelinux config must answer instead (tree_generated_allowed), else 0.
 * Logs once why a pxelinux menu goes without its UI module.
 */
int menu_chain_prepare(struct core *c, const char *format, const char *path, const char *mac,
                       struct menu_chain *ret);

/* Whether format has something to chain to (the entry is written). */
int menu_chain_wanted(const struct menu_chain *ch, const char *format);

/*
 * Appends the chain entry in format: pxelinux "CONFIG ::/<cfg> ::/"; iPXE
 * the tree's pxelinux loader with options 209/210 set (BIOS) or its EFI
 * loader (UEFI); GRUB "configfile" of the tree's grub.cfg with $prefix set to
 * its folder.  def: it is the menu's default entry.
 */
int menu_chain_render(const struct menu_chain *ch, const char *format, const char *server_ip,
                      int def, struct pxe_buf *b);

#endif
