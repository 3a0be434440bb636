/* SPDX-License-Identifier: MIT */
/*
 * Data image kinds: each *.json file of the kinds directories describes one
 * distribution's layout and command lines (docs/plugin-api.md, "Image kinds
 * as data"; the format in docs/images.md).  datakinds_load.c reads and
 * validates the files (errors name the file and the key), datakinds_match.c
 * matches an image's files and fills templates, datakinds.c is the plugin.
 */
#ifndef PXE_DATAKINDS_H
#define PXE_DATAKINDS_H

#include <stddef.h>
#include <stdint.h>

#include <pxecore/plugin.h>

#define DK_MAX_KINDS   64
#define DK_MAX_LAYOUTS 8
#define DK_MAX_ENTRIES 8
#define DK_MAX_REQ     8
#define DK_MAX_IMAGES  64
#define DK_ERR_MAX     512

/* One way the distribution's files can lie in an image; paths may end in one '*' pattern. */
struct dk_layout {
    char *kernel, *initrd, *rootfs, *arch;
    char *requires[DK_MAX_REQ + 1];
};

struct dk_entry {
    char *id, *title, *transport; /* transport: a scheme ("http"), or NULL: none needed */
    char *cmdline;                /* template: the parameters that use the transport */
};

struct dk_kind {
    char *file; /* base name, for messages */
    char *name, *title, *cmdline;
    struct dk_layout layouts[DK_MAX_LAYOUTS];
    size_t n_layouts;
    struct dk_entry entries[DK_MAX_ENTRIES];
    size_t n_entries;
};

struct dk_match {
    const struct pxe_image *img;
    const struct dk_kind *kind;
    const struct dk_layout *layout;
};

struct dk_state {
    const struct pxe_core_api *core;
    struct pxe_core *self;
    struct dk_kind kinds[DK_MAX_KINDS];
    size_t n_kinds;
    struct dk_match matches[DK_MAX_IMAGES];
    size_t n_matches;
};

/* ---- datakinds_kind.c: the kind callbacks ---- */

int dk_probe(void *state, const struct pxe_image *img, struct pxe_kind_probe *out,
             struct pxe_buf *looked_for);
int dk_entries(void *state, const struct pxe_boot_ctx *ctx, const struct pxe_transport *tr,
               struct pxe_menu *menu);
int dk_cmdline(void *state, const struct pxe_boot_ctx *ctx, const struct pxe_transport *tr,
               struct pxe_buf *out);

/* ---- datakinds_load.c ---- */

/* Reads and validates path into *k (zeroed first). 0, or -EINVAL with err naming file and key. */
int dk_kind_load(const char *path, struct dk_kind *k, char *err, size_t errlen);
/* Parses text (a kind file's contents) named file. Same returns. */
int dk_kind_parse(const char *text, const char *file, struct dk_kind *k, char *err, size_t errlen);
void dk_kind_free(struct dk_kind *k);

/* ---- datakinds_match.c ---- */

/* The variables a template may name, for validation: 1 when name is one. tr: transport ones too. */
int dk_var_known(const char *name, size_t len, int tr);
/* Checks a template's ${...} names. 0 or -EINVAL with the bad name in bad[64]. */
int dk_template_check(const char *tmpl, int tr, char bad[64]);

/* What a template is filled with. */
struct dk_vars {
    const struct pxe_image *image;
    const struct pxe_transport *tr; /* NULL: none */
};
/* Fills tmpl into out[size]. 0, -ENAMETOOLONG. */
int dk_fill(const char *tmpl, const struct dk_vars *v, char *out, size_t size);

/* Lists a directory of an image: the core's image_list. */
typedef int (*dk_list_fn)(void *ud, const char *dir,
                          int (*cb)(void *cbud, const char *name, uint32_t type), void *cbud);
/*
 * Resolves pattern (a path whose last component may hold '*') in the image
 * through list: the first matching regular file in sorted order into out.
 * 1 found, 0 not.
 */
int dk_resolve(const char *pattern, dk_list_fn list, void *ud, char *out, size_t size);

#endif
