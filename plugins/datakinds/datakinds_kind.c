/* SPDX-License-Identifier: MIT */
/*
 * The data kinds at work: probe (the first layout of one kind whose kernel,
 * initrd, root filesystem and required files all exist), entries (one per
 * entry of the kind whose transport is the one asked for) and command lines
 * (the kind's templates filled).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "datakinds.h"

struct list_ud {
    struct dk_state *s;
    const struct pxe_image *img;
};

static int list_image(void *ud, const char *dir,
                      int (*cb)(void *cbud, const char *name, uint32_t type), void *cbud)
{
    struct list_ud *l = ud;

    return l->s->core->image_list(l->s->self, l->img, dir, cb, cbud);
}

/*
 * Whether layout l matches img; fills out's paths. On a half match (the kernel
 * is there, something else is not) says what is missing in why.
 */
static int match_layout(struct dk_state *s, const struct pxe_image *img, const struct dk_kind *k,
                        const struct dk_layout *l, struct pxe_kind_probe *out, struct pxe_buf *why)
{
    struct list_ud ud = {s, img};
    const char *missing = NULL;
    char req[256];

    if (!dk_resolve(l->kernel, list_image, &ud, out->kernel, sizeof(out->kernel)))
        return 0;
    if (l->initrd && !dk_resolve(l->initrd, list_image, &ud, out->initrd, sizeof(out->initrd)))
        missing = l->initrd;
    else if (l->rootfs && !dk_resolve(l->rootfs, list_image, &ud, out->rootfs, sizeof(out->rootfs)))
        missing = l->rootfs;
    for (int i = 0; !missing && l->requires[i]; i++)
        if (!dk_resolve(l->requires[i], list_image, &ud, req, sizeof(req)))
    missing = l->requires[i];
    if (missing) {
        s->core->buf_append(why, "%s (%s) found %s but not %s; ", k->name, k->file, out->kernel,
                            missing);
        out->kernel[0] = out->initrd[0] = out->rootfs[0] = '\0';
        return -1;
    }
    return 1;
}

/* The first layout of k that matches img, or NULL. */
static const struct dk_layout *match_kind(struct dk_state *s, const struct pxe_image *img,
                                          const struct dk_kind *k, struct pxe_kind_probe *out,
                                          struct pxe_buf *half)
{
    for (size_t i = 0; i < k->n_layouts; i++)
        if (match_layout(s, img, k, &k->layouts[i], out, half) == 1)
            return &k->layouts[i];
    return NULL;
}

/* Whether every entry of k needs no transport (an installer): no root filesystem to carry. */
static int kernel_only(const struct dk_kind *k)
{
    for (size_t i = 0; i < k->n_entries; i++)
        if (k->entries[i].transport)
            return 0;
    return 1;
}

/* Fills the probe answer from kind k and its matched layout l. */
static void answer(const struct pxe_image *img, const struct dk_kind *k, const struct dk_layout *l,
                   struct pxe_kind_probe *out)
{
    struct pxe_image tmp = *img;
    struct dk_vars v = {&tmp, NULL};

    snprintf(out->kind, sizeof(out->kind), "%s", k->name);
    snprintf(out->arch, sizeof(out->arch), "%s", l->arch ? l->arch : "");
    tmp.arch = out->arch;
    tmp.kernel = out->kernel;
    if (dk_fill(k->title, &v, out->title, sizeof(out->title)) < 0)
        snprintf(out->title, sizeof(out->title), "%s", k->name);
    out->flags = kernel_only(k) ? PXE_IMAGE_NO_ROOTFS : 0;
}

int dk_probe(void *state, const struct pxe_image *img, struct pxe_kind_probe *out,
             struct pxe_buf *looked_for)
{
    struct dk_state *s = state;
    const struct dk_kind *owner = NULL;
    const struct dk_layout *layout = NULL;
    struct pxe_kind_probe first = *out;

    if (s->n_matches == DK_MAX_IMAGES)
        return -E2BIG;
    for (size_t i = 0; i < s->n_kinds; i++) {
        struct pxe_kind_probe pr = first;
        const struct dk_layout *l = match_kind(s, img, &s->kinds[i], &pr, looked_for);

        if (!l)
            continue;
        if (owner) {
            s->core->buf_append(looked_for, "claimed by two data kinds, %s (%s) and %s (%s)",
                                owner->name, owner->file, s->kinds[i].name, s->kinds[i].file);
            return -EEXIST;
        }
        owner = &s->kinds[i];
        layout = l;
        *out = pr;
    }
    if (!owner) {
        if (s->n_kinds == 0)
            s->core->buf_append(looked_for, "nothing: no data kinds loaded");
        for (size_t i = 0; i < s->n_kinds; i++)
            for (size_t j = 0; j < s->kinds[i].n_layouts; j++)
                s->core->buf_append(looked_for, "%s%s",
                                    i + j ? ", " : "data kinds: ", s->kinds[i].layouts[j].kernel);
        return 0;
    }
    answer(img, owner, layout, out);
    s->matches[s->n_matches++] = (struct dk_match){img, owner, layout};
    return 1;
}

static const struct dk_match *match_of(struct dk_state *s, const struct pxe_image *img)
{
    for (size_t i = 0; img && i < s->n_matches; i++)
        if (s->matches[i].img == img)
            return &s->matches[i];
    return NULL;
}

/* Whether entry e is offered over tr (NULL: no transport). */
static int entry_fits(const struct dk_entry *e, const struct pxe_transport *tr)
{
    if (!e->transport || !tr)
        return !e->transport && !tr;
    return strcmp(e->transport, tr->scheme) == 0;
}

int dk_entries(void *state, const struct pxe_boot_ctx *ctx, const struct pxe_transport *tr,
               struct pxe_menu *menu)
{
    struct dk_state *s = state;
    const struct dk_match *m = match_of(s, ctx->image);
    struct dk_vars v = {ctx->image, tr};
    int r = 0;

    for (size_t i = 0; m && r == 0 && i < m->kind->n_entries; i++) {
        const struct dk_entry *e = &m->kind->entries[i];
        struct pxe_menu_entry me = {._struct_size = sizeof(me), .id = e->id};
        char title[256];

        if (!entry_fits(e, tr))
            continue;
        if (dk_fill(e->title, &v, title, sizeof(title)) < 0)
            continue;
        me.title = title;
        r = s->core->menu_add(menu, &me);
    }
    return r;
}

int dk_cmdline(void *state, const struct pxe_boot_ctx *ctx, const struct pxe_transport *tr,
               struct pxe_buf *out)
{
    struct dk_state *s = state;
    const struct dk_match *m = match_of(s, ctx->image);
    struct dk_vars v = {ctx->image, tr};
    const char *tmpl = NULL;
    char line[2048];

    if (!m)
        return -ENOENT;
    if (!ctx->entry_id)
        tmpl = m->kind->cmdline;
    for (size_t i = 0; ctx->entry_id && i < m->kind->n_entries; i++)
        if (!strcmp(m->kind->entries[i].id, ctx->entry_id))
            tmpl = m->kind->entries[i].cmdline;
    if (!tmpl || !*tmpl)
        return 0;
    if (dk_fill(tmpl, &v, line, sizeof(line)) < 0)
        return -ENAMETOOLONG;
    return s->core->buf_append(out, "%s", line);
}
