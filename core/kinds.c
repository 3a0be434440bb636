/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "kinds.h"
#include "log.h"
#include "menu_text.h"

static struct image *image_of(const struct core *c, const struct pxe_image *img)
{
    for (uint32_t i = 0; img && i < c->n_images; i++)
        if (&c->images[i]->pub == img)
            return c->images[i];
    return NULL;
}

struct pxe_core *kinds_of(const struct core *c, const struct pxe_image *img)
{
    const struct image *im = image_of(c, img);

    return im && im->kind_plugin && im->kind_plugin->loaded ? im->kind_plugin : NULL;
}

static int valid_kind_name(const char *s)
{
    size_t n = strlen(s);

    return n >= 1 && n <= 31 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/* Copies what kind p found into img. 0, -EINVAL (a bad probe result, logged), -ENOMEM. */
static int adopt(struct image *img, struct pxe_core *p, struct pxe_kind_probe *pr)
{
    struct pxe_image *pub = &img->pub;
    const char *why;

    pr->kind[sizeof(pr->kind) - 1] = pr->title[sizeof(pr->title) - 1] = '\0';
    pr->arch[sizeof(pr->arch) - 1] = pr->kernel[sizeof(pr->kernel) - 1] = '\0';
    pr->initrd[sizeof(pr->initrd) - 1] = pr->rootfs[sizeof(pr->rootfs) - 1] = '\0';
    if (!pr->kind[0])
        snprintf(pr->kind, sizeof(pr->kind), "%s", p->desc.name);
    why = !valid_kind_name(pr->kind)                            ? "an invalid kind name"
          : !pr->kernel[0]                                      ? "no kernel"
          : !menu_image_path_ok(pr->kernel)                     ? "a kernel path unfit for menus"
          : pr->initrd[0] && !menu_image_path_ok(pr->initrd)    ? "an initrd path unfit for menus"
          : pr->rootfs[0] && !menu_image_path_ok(pr->rootfs)    ? "a rootfs path unfit for menus"
          : !menu_text_ok(pr->title) || !menu_text_ok(pr->arch) ? "a title or arch unfit for menus"
                                                                : NULL;
    if (why) {
        char sk[128];

        log_sanitize(pr->kernel, strlen(pr->kernel), sk, sizeof(sk));
        log_msg(p->desc.name, 3, "image '%s': kind_probe gave %s (kernel '%s'); ignored", pub->name,
                why, sk);
        return -EINVAL;
    }
    pub->kind = strdup(pr->kind);
    pub->title = strdup(pr->title[0] ? pr->title : pr->kind);
    pub->arch = pr->arch[0] ? strdup(pr->arch) : NULL;
    pub->kernel = strdup(pr->kernel);
    pub->initrd = pr->initrd[0] ? strdup(pr->initrd) : NULL;
    pub->rootfs = pr->rootfs[0] ? strdup(pr->rootfs) : NULL;
    pub->flags = pr->flags;
    img->kind_plugin = p;
    if (!pub->kind || !pub->title || !pub->kernel || (pr->arch[0] && !pub->arch) ||
        (pr->initrd[0] && !pub->initrd) || (pr->rootfs[0] && !pub->rootfs))
        return -ENOMEM;
    return 0;
}

/* Offers img to every kind. 0 (recognised or not), -EINVAL (two kinds), -ENOMEM. */
static int probe_one(struct core *c, struct image *img, char *err, size_t errlen)
{
    struct pxe_buf looked;
    struct pxe_core *owner = NULL;
    char owner_kind[32] = "";
    int r = 0;

    buf_init(&looked, 4096);
    for (struct pxe_core *p = c->plugins; p && r >= 0; p = p->next) {
        struct pxe_kind_probe pr = {._struct_size = sizeof(pr)};
        struct pxe_buf why;

        if (!p->loaded || !plugin_is_kind(p))
            continue;
        buf_init(&why, 1024);
        r = p->desc.kind_probe(p->state, &img->pub, &pr, &why);
        if (r == -EEXIST) {
            snprintf(err, errlen, "image '%s' (%s): %s: %s", img->pub.name, img->pub.source,
                     p->file, why.len ? buf_str(&why) : "claimed twice");
            r = -EINVAL;
        } else if (r == 0 || r < 0) {
            buf_append(&looked, "%s%s %s %s", looked.len ? "; " : "", p->desc.name,
                       r < 0 ? "failed:" : "looked for",
                       r < 0     ? strerror(-r)
                       : why.len ? buf_str(&why)
                                 : "(nothing said)");
            r = 0;
        } else if (owner) {
            snprintf(err, errlen,
                     "image '%s' (%s): claimed by two image kinds, %s (plugin %s) and %s "
                     "(plugin %s); remove one of the plugins or the image",
                     img->pub.name, img->pub.source, owner_kind, owner->desc.name,
                     pr.kind[0] ? pr.kind : p->desc.name, p->desc.name);
            r = -EINVAL;
        } else {
            r = adopt(img, p, &pr);
            if (r == 0) {
                owner = p;
                snprintf(owner_kind, sizeof(owner_kind), "%s", img->pub.kind);
            } else if (r == -EINVAL) {
                r = 0;
            }
        }
        buf_done(&why);
    }
    if (r == 0 && !owner)
        log_warn("image '%s' (%s): no image kind recognised it, served as files only: %s",
                 img->pub.name, img->pub.source,
                 looked.len ? buf_str(&looked) : "no image-kind plugin is loaded");
    else if (r == 0)
        log_info("image '%s': %s %s, kind %s (%s), kernel %s", img->pub.name,
                 img->pub.is_iso ? "ISO file" : "directory", img->pub.source, img->pub.kind,
                 img->pub.title, img->pub.kernel);
    buf_done(&looked);
    if (r == -ENOMEM)
        snprintf(err, errlen, "image '%s': out of memory", img->pub.name);
    return r;
}

int kinds_probe_images(struct core *c, char *err, size_t errlen)
{
    for (uint32_t i = 0; i < c->n_images; i++) {
        int r = probe_one(c, c->images[i], err, errlen);

        if (r < 0)
            return r;
    }
    return 0;
}

static int valid_fact_key(const char *k)
{
    size_t n = k ? strlen(k) : 0;

    return n >= 1 && n <= 31 && strspn(k, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

int kinds_fact_set(struct core *c, const struct pxe_image *pimg, const char *key, const char *value)
{
    struct image *img = image_of(c, pimg);
    char *v;
    size_t i;

    if (!img || !valid_fact_key(key) || !value || strlen(value) > 255)
        return -EINVAL;
    for (const char *q = value; *q; q++)
        if ((unsigned char)*q < 0x20 || *q == 0x7f)
            return -EINVAL;
    for (i = 0; i < img->n_facts && strcmp(img->facts[i].key, key); i++)
        ;
    if (i == IMAGE_MAX_FACTS)
        return -E2BIG;
    v = strdup(value);
    if (!v)
        return -ENOMEM;
    if (i == img->n_facts) {
        img->facts[i].key = strdup(key);
        if (!img->facts[i].key) {
            free(v);
            return -ENOMEM;
        }
        img->n_facts++;
    }
    free(img->facts[i].value);
    img->facts[i].value = v;
    return 0;
}
