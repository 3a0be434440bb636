/* SPDX-License-Identifier: MIT */
/* Which boot methods can serve an image now, and why not (GET /api/v1/images). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "kinds.h"
#include "menu.h"

/* Asks kind for its entries over tr and counts them (nothing is kept). */
static size_t count_entries(struct pxe_core *kind, const struct pxe_boot_ctx *ctx,
                            const struct pxe_transport *tr)
{
    struct pxe_menu *m = calloc(1, sizeof(*m));
    size_t n;

    if (!m)
        return 0;
    m->image = ctx->image;
    kind->desc.kind_entries(kind->state, ctx, tr, m);
    n = m->n;
    menu_free_items(m);
    free(m);
    return n;
}

int kinds_method_serves(struct core *c, const struct pxe_image *img, struct pxe_core *p,
                        const char *server_ip, char *why, size_t whylen)
{
    struct pxe_core *kind = kinds_of(c, img);
    struct pxe_boot_ctx ctx = {
        ._struct_size = sizeof(ctx), .image = img, .server_ip = server_ip, .menu_format = "ipxe"};
    struct pxe_transport tr = {._struct_size = sizeof(tr)};
    struct pxe_buf b;
    int r;

    if (!p->started || !p->method_enabled)
        return snprintf(why, whylen, "the %s method is %s", p->desc.name,
                        p->started ? "disabled" : "not running"),
               0;
    if (!(p->desc.caps & PXE_CAP_TRANSPORT))
        return snprintf(why, whylen, "the %s method offers entries of its own, not a transport",
                        p->desc.name),
               0;
    if (!kind)
        return snprintf(why, whylen, "no image kind recognised the image"), 0;
    if (img->flags & PXE_IMAGE_NO_ROOTFS)
        return snprintf(why, whylen,
                        "the %s kind boots kernel and initrd only: no root filesystem to carry",
                        img->kind),
               0;
    snprintf(tr.method, sizeof(tr.method), "%s", p->desc.name);
    buf_init(&b, 512);
    r = p->desc.transport(p->state, &ctx, &tr, &b);
    if (r < 0)
        snprintf(why, whylen, "%s", b.len ? buf_str(&b) : strerror(-r));
    buf_done(&b);
    if (r < 0)
        return 0;
    if (count_entries(kind, &ctx, &tr) == 0)
        return snprintf(why, whylen, "the %s kind has no entry over %s (%s)", img->kind,
                        p->desc.name, tr.scheme),
               0;
    return 1;
}
