/* SPDX-License-Identifier: MIT */
/*
 * Image kinds: after the plugins are loaded, every image is offered to every
 * image-kind plugin (kind_probe); the one kind that recognises it names its
 * kernel, initrd and root filesystem.  Loop thread.
 */
#ifndef PXE_CORE_KINDS_H
#define PXE_CORE_KINDS_H

#include <stddef.h>

#include "core.h"

/*
 * Probes every image.  An image no kind recognises is logged once, naming
 * what each kind looked for, and stays served as files; an image two kinds
 * claim is a config error (-EINVAL, err names both).  0 or -errno.
 */
int kinds_probe_images(struct core *c, char *err, size_t errlen);

/* The image-kind plugin of img, or NULL (no kind recognised it, or it is not running). */
struct pxe_core *kinds_of(const struct core *c, const struct pxe_image *img);

/*
 * Whether boot method p can serve img now (for GET /api/v1/images): 1, or 0
 * with the reason in why ("the NFS export ... is not live", "the
 * debian-installer kind has no entry over nbd").  server_ip: the address a
 * client would reach (URLs in transports). Loop thread.
 */
int kinds_method_serves(struct core *c, const struct pxe_image *img, struct pxe_core *p,
                        const char *server_ip, char *why, size_t whylen);

/* pxe_core_api.image_fact_set on the core's image. */
int kinds_fact_set(struct core *c, const struct pxe_image *img, const char *key, const char *value);

#endif
