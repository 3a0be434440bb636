/* SPDX-License-Identifier: MIT */
/*
 * The archiso image kind plugin: recognises archiso trees and ISO files
 * (archiso_layout.c), offers an entry per transport archiso has a hook for
 * (HTTP, NBD, NFS), and gives the hooks' parameters (archiso_cmdline.c).
 * Everything runs on the loop thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archiso.h"

static int archiso_load(const struct pxe_core_api *core, struct pxe_core *self, void **ret)
{
    struct archiso_state *s = calloc(1, sizeof(*s));

    if (!s)
        return -ENOMEM;
    s->core = core;
    s->self = self;
    *ret = s;
    return 0;
}

static void archiso_unload(void *state)
{
    free(state);
}

static const struct archiso_facts *facts_of(struct archiso_state *s, const struct pxe_image *img)
{
    for (size_t i = 0; img && i < s->n_images; i++)
        if (s->images[i].img == img)
            return &s->images[i].f;
    return NULL;
}

/* The facts the API shows under the image's "facts". */
static void publish(struct archiso_state *s, const struct pxe_image *img,
                    const struct archiso_facts *f)
{
    s->core->image_fact_set(s->self, img, "basedir", f->basedir);
    if (f->label[0])
        s->core->image_fact_set(s->self, img, "label", f->label);
    if (f->uuid[0])
        s->core->image_fact_set(s->self, img, "uuid", f->uuid);
    if (f->has_sha512)
        s->core->image_fact_set(s->self, img, "checksum", "airootfs.sha512");
    if (f->has_cms_sig)
        s->core->image_fact_set(s->self, img, "cms_signature", "airootfs .cms.sig");
}

static int archiso_probe(void *state, const struct pxe_image *img, struct pxe_kind_probe *out,
                         struct pxe_buf *looked_for)
{
    struct archiso_state *s = state;
    struct archiso_facts *f;

    if (s->n_images == ARCHISO_MAX_IMAGES)
        return -E2BIG;
    f = &s->images[s->n_images].f;
    if (!archiso_detect(s, img, f, looked_for))
        return 0;
    s->images[s->n_images++].img = img;
    snprintf(out->title, sizeof(out->title), "Arch Linux %s", f->arch);
    snprintf(out->arch, sizeof(out->arch), "%s", f->arch);
    snprintf(out->kernel, sizeof(out->kernel), "%s", f->kernel);
    snprintf(out->initrd, sizeof(out->initrd), "%s", f->initrd);
    snprintf(out->rootfs, sizeof(out->rootfs), "%s", f->rootfs);
    out->flags = PXE_IMAGE_IPV4_ROOT; /* archiso_pxe_common: ipconfig, IPv4 only */
    publish(s, img, f);
    return 1;
}

/* Preflight of a transport carrying the image's files: the root filesystem is there. */
static int rootfs_ready(struct archiso_state *s, const struct pxe_image *img,
                        const struct pxe_transport *tr)
{
    if (tr->whole_image || tr->external)
        return 1;
    return img->rootfs && archiso_has(s, img, img->rootfs, "");
}

static int archiso_entries(void *state, const struct pxe_boot_ctx *ctx,
                           const struct pxe_transport *tr, struct pxe_menu *menu)
{
    struct archiso_state *s = state;
    const struct archiso_facts *f = facts_of(s, ctx->image);
    char title[128], help[700];
    struct pxe_menu_entry e = {sizeof(e), tr ? tr->method : NULL, title, NULL, NULL, help};

    if (!f || !tr)
        return 0; /* archiso always needs its root filesystem carried */
    if (!strcmp(tr->scheme, "http") && !rootfs_ready(s, ctx->image, tr))
        return 0;
    if (archiso_entry_text(f, tr, ctx->image->name, ctx->image == s->core->image_get(s->self, 0),
                           title, sizeof(title), help, sizeof(help)) < 0)
        return 0;
    return s->core->menu_add(menu, &e);
}

static int archiso_cmdline(void *state, const struct pxe_boot_ctx *ctx,
                           const struct pxe_transport *tr, struct pxe_buf *out)
{
    struct archiso_state *s = state;
    const struct archiso_facts *f = facts_of(s, ctx->image);
    char line[1400];
    int r;

    if (!f)
        return -ENOENT;
    if (ctx->entry_id && !tr)
        return 0; /* no archiso entry goes without a transport */
    r = ctx->entry_id ? archiso_transport_params(f, tr, line, sizeof(line))
                      : archiso_image_params(f, ctx->loader_sets_ip, line, sizeof(line));
    return r < 0 ? r : s->core->buf_append(out, "%s", line);
}

/* HTTP: archiso_pxe_http copies the root filesystem to RAM, and fetches the checksum and
 * signature files the parameters ask it to verify. */
static int check_http(struct archiso_state *s, const struct pxe_image *img,
                      const struct pxe_transport *tr, const char *cmdline, struct pxe_buf *why)
{
    char dir[300];
    const char *slash;

    if (archiso_param_is(cmdline, "copytoram", "n")) {
        s->core->buf_append(why, "copytoram=n cannot be used with the HTTP boot method: archiso "
                                 "fetches the root filesystem over HTTP into RAM (copytoram=y is "
                                 "forced); drop copytoram=n or boot with NBD or NFS");
        return -EINVAL;
    }
    if (tr->external || !img->rootfs)
        return 0;
    slash = strrchr(img->rootfs, '/');
    snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - img->rootfs + 1) : 0, img->rootfs);
    if (archiso_param_is(cmdline, "checksum", "y") &&
        !archiso_has(s, img, dir, "airootfs.sha512")) {
        s->core->buf_append(why, "checksum=y but %s%sairootfs.sha512 is missing", img->prefix, dir);
        return -EINVAL;
    }
    if (archiso_param_is(cmdline, "verify", "y") && !archiso_has(s, img, img->rootfs, ".sig")) {
        s->core->buf_append(why, "verify=y but %s%s.sig is missing", img->prefix, img->rootfs);
        return -EINVAL;
    }
    if (archiso_param_is(cmdline, "cms_verify", "y") &&
        !archiso_has(s, img, img->rootfs, ".cms.sig")) {
        s->core->buf_append(why, "cms_verify=y but %s%s.cms.sig is missing", img->prefix,
                            img->rootfs);
        return -EINVAL;
    }
    return 0;
}

static int archiso_cmdline_check(void *state, const struct pxe_boot_ctx *ctx,
                                 const struct pxe_transport *tr, const char *cmdline,
                                 struct pxe_buf *why)
{
    struct archiso_state *s = state;
    struct in_addr a;

    if (!tr || !cmdline)
        return 0;
    if (!strcmp(tr->scheme, "http"))
        return check_http(s, ctx->image, tr, cmdline, why);
    /* archiso_pxe_nfs mounts with klibc's nfsmount, which takes IPv4 only */
    if (!strcmp(tr->scheme, "nfs") && inet_aton(tr->server, &a) == 0) {
        s->core->buf_append(why, "archiso's nfsmount needs an IPv4 server address, not %s",
                            tr->server);
        return -EINVAL;
    }
    return 0;
}

static struct pxe_plugin archiso_plugin = {
    .thread_model = PXE_THREAD_LOOP,
    .caps = PXE_CAP_KIND,
    .name = "archiso",
    .version = "1.0.0",
    .description = "image kind: Arch Linux ISOs and trees (mkinitcpio-archiso hooks)",
    .load = archiso_load,
    .unload = archiso_unload,
    .kind_probe = archiso_probe,
    .kind_entries = archiso_entries,
    .kind_cmdline = archiso_cmdline,
    .kind_cmdline_check = archiso_cmdline_check,
};

PXE_PLUGIN_REGISTER(archiso_plugin)
