/* SPDX-License-Identifier: MIT */
/*
 * The archiso image kind: Arch Linux ISOs and their extracted trees, booted by
 * mkinitcpio-archiso's hooks (hooks/archiso, archiso_pxe_http, archiso_pxe_nbd,
 * archiso_pxe_nfs).  archiso.c is the plugin (descriptor, probe glue, entries);
 * archiso_layout.c finds the layout through the core's file API;
 * archiso_cmdline.c turns what was found and a transport into kernel
 * parameters (pure, unit-tested).
 */
#ifndef PXE_ARCHISO_H
#define PXE_ARCHISO_H

#include <stddef.h>
#include <stdint.h>

#include <pxecore/plugin.h>

#define ARCHISO_MAX_IMAGES 64

/* What archiso's hooks need to know about one image. */
struct archiso_facts {
    char basedir[64]; /* archisobasedir= ("arch" unless another top-level directory) */
    char arch[16];    /* x86_64, i686, aarch64 */
    char label[40];   /* archisolabel=: the ISO volume ID, or a tree's boot config's */
    char uuid[72];    /* archisosearchuuid=: boot/<uuid>.uuid, or "" */
    char kernel[256], initrd[256], rootfs[256];
    int has_sha512;  /* airootfs.sha512 beside the root filesystem (checksum=y) */
    int has_cms_sig; /* <rootfs>.cms.sig (cms_verify=y) */
};

struct archiso_state {
    const struct pxe_core_api *core;
    struct pxe_core *self;
    struct {
        const struct pxe_image *img;
        struct archiso_facts f;
    } images[ARCHISO_MAX_IMAGES];
    size_t n_images;
};

/* archiso_layout.c: 1 and *f filled when img has an archiso layout, else 0 (looked_for says
 * what was looked for). */
int archiso_detect(struct archiso_state *s, const struct pxe_image *img, struct archiso_facts *f,
                   struct pxe_buf *looked_for);
/* Whether the image's file namespace holds rel + suffix (a regular file). */
int archiso_has(struct archiso_state *s, const struct pxe_image *img, const char *rel,
                const char *suffix);

/* ---- archiso_cmdline.c (pure) ---- */

/* The value of the last key= (or bare key: len 0) in cmdline, quotes stripped; NULL if absent. */
const char *archiso_param_get(const char *cmdline, const char *key, size_t *ret_len);
/* True when the last key= in cmdline has exactly value. */
int archiso_param_is(const char *cmdline, const char *key, const char *value);

/*
 * The hooks' parameters for transport tr (tr->scheme "http", "nbd", "nfs")
 * into out[size]: 0, -EPROTONOSUPPORT (a transport archiso has no hook for),
 * -ENAMETOOLONG.
 */
int archiso_transport_params(const struct archiso_facts *f, const struct pxe_transport *tr,
                             char *out, size_t size);
/* The image's own parameters: archisobasedir=, cms_verify=y or checksum=y, ip=dhcp. */
int archiso_image_params(const struct archiso_facts *f, uint32_t loader_sets_ip, char *out,
                         size_t size);
/* Menu title and help for an entry over tr; 0 or -EPROTONOSUPPORT. */
int archiso_entry_text(const struct archiso_facts *f, const struct pxe_transport *tr,
                       const char *image_name, int is_default, char *title, size_t tsize,
                       char *help, size_t hsize);

#endif
