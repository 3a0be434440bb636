/* SPDX-License-Identifier: MIT */
/*
 * Boot menus generated from the enabled boot methods: pxelinux, iPXE and GRUB.
 * Each entry's kernel command line is: image parameters the method did not
 * give + the method's cmdline() + globals (menu settings) + host extras, and
 * the method's cmdline_check() must accept it.  Loop thread only (it calls
 * plugin callbacks).
 */
#ifndef PXE_CORE_MENU_H
#define PXE_CORE_MENU_H

#include <stddef.h>

#include "buf.h"
#include "core.h"

#define MENU_MAX_ENTRIES 256
#define MENU_MAX_BYTES   (256 * 1024)
#define MENU_MAX_REFUSED 32

struct menu_item {
    char *id;     /* "<image>-<entry id>" */
    char *raw_id; /* the entry id the plugin gave */
    char *title;
    char *kernel; /* namespace path */
    char *kernel_efi; /* what UEFI loaders boot instead (generic entries), or NULL */
    char *initrd; /* namespace path (generic entries: comma-separated paths), or NULL */
    char *help;
    char *cmdline; /* loader-neutral: BOOTIF=/initrd= for iPXE and GRUB are added when rendering */
    char *method;
    int image_kernel; /* boots the image's own kernel (gets the archiso parameters) */
};

struct pxe_menu {
    struct menu_item items[MENU_MAX_ENTRIES];
    size_t n;
    const struct pxe_image *image; /* image of the entries being added */
    int tag_image; /* several images listed: titles get " [<image>]" unless they name it */
    /* Entries refused by a method's cmdline_check: "menu entry 'ID' refused: A conflicts
     * with the M method: WHY"; rendered as comments, logged once. */
    char *refused[MENU_MAX_REFUSED];
    size_t n_refused;
    int no_http; /* the loader has no HTTP client: GRUB gets kernel and initrd over TFTP */
};

int menu_add(struct pxe_menu *m, const struct pxe_menu_entry *e);
/* True when the space-separated cmdline has a parameter named key ("key" or "key=..."). */
int menu_has_param(const char *cmdline, const char *key);

/*
 * Renders format ("pxelinux", "ipxe", "grub") for a client reaching us at
 * server_ip; mac (may be NULL) selects a host profile. Returns a malloc'd
 * NUL-terminated text in *ret, or -errno.
 */
int menu_render(struct core *c, const char *format, const char *server_ip, const char *mac,
                char **ret);
/*
 * The same for a request of the namespace path (normalised): a pxelinux menu
 * names its UI module only where it is served (syslinux.h), and -ENOENT when
 * a served tree's own pxelinux config must answer instead (tree.h).
 */
int menu_render_at(struct core *c, const char *format, const char *path, const char *server_ip,
                   const char *mac, char **ret);

/* Renders an already collected (and possibly filtered) menu m, as menu_render does. */
int menu_render_menu(struct core *c, const char *format, const char *server_ip,
                     const struct pxe_menu *m, char **ret);

/*
 * Collects every entry (for the API and tests) of every image for every enabled
 * method (one host profile may narrow both). Caller frees with menu_free_items.
 */
int menu_collect(struct core *c, const char *format, const char *server_ip, const char *mac,
                 struct pxe_menu *ret);
void menu_free_items(struct pxe_menu *m);
/* Frees one item's strings and zeroes it. */
void menu_item_free(struct menu_item *it);

#endif
