/* SPDX-License-Identifier: MIT */
/*
 * The NFS boot method: rootfs_prepare answered when the exports are live,
 * menu entries and archiso_nfs_srv= command lines for exported images, the
 * check that refuses a command line while the export is not live, and the
 * method switch that drains before removing the exports.
 */
#include "nfs.h"

static struct nfs_exp *exp_for(struct nfs_state *s, const struct pxe_image *img)
{
    for (size_t i = 0; img && i < s->nexps; i++)
        if (s->exps[i].image == img || !strcmp(s->exps[i].image->name, img->name))
            return &s->exps[i];
    return NULL;
}

int nfs_rootfs_prepare(void *state, const struct pxe_image *image, struct pxe_request *req)
{
    struct nfs_state *s = state;
    struct nfs_exp *e = exp_for(s, image);

    if (!e)
        return -ENOENT;
    if (e->refused)
        return -EOPNOTSUPP;
    if (s->live && s->offer)
        return 0;
    if (!s->want || !s->offer)
        return -ENODEV;
    if (s->npending >= NFS_MAX_PENDING)
        return -EBUSY;
    s->pending[s->npending].req = req;
    s->pending[s->npending++].exp = e;
    return PXE_PENDING;
}

void nfs_rootfs_release(void *state, const struct pxe_image *image)
{
    struct nfs_state *s = state;

    /* The core has dropped every request still pending (shutdown): forget them.
     * The exports themselves are shared and go in stop(). */
    s->npending = 0;
}

int nfs_menu_entries(void *state, const struct pxe_boot_ctx *ctx, struct pxe_menu *menu)
{
    struct nfs_state *s = state;
    struct nfs_exp *e = exp_for(s, ctx->image);
    char title[128], help[NFS_MAX_PATH + 64];

    if (!e || e->refused || !s->live || !s->offer || s->draining)
        return 0;
    snprintf(title, sizeof(title), "Arch Linux %s (NFS)",
             ctx->image->arch ? ctx->image->arch : "x86_64");
    snprintf(help, sizeof(help), "Root filesystem over NFSv3 from %s:%s",
             ctx->server_ip ? ctx->server_ip : "?", e->path);
    return s->core->menu_add(menu, &(struct pxe_menu_entry){
                                       ._struct_size = sizeof(struct pxe_menu_entry),
                                       .id = "nfs",
                                       .title = title,
                                       .help = help,
                                   });
}

int nfs_cmdline(void *state, const struct pxe_boot_ctx *ctx, struct pxe_buf *out)
{
    struct nfs_state *s = state;
    struct nfs_exp *e = exp_for(s, ctx->image);
    const char *opt = s->cfg->archiso_nfs_opt;
    int r;

    if (!e || e->refused)
        return -ENOENT;
    r = s->core->buf_append(out, "archisobasedir=%s archiso_nfs_srv=%s:%s",
                            ctx->image->basedir ? ctx->image->basedir : "arch",
                            ctx->server_ip ? ctx->server_ip : "${pxeserver}", e->path);
    if (!r && opt && *opt)
        r = s->core->buf_append(out, " archiso_nfs_opt=%s", opt);
    return r;
}

int nfs_cmdline_check(void *state, const struct pxe_boot_ctx *ctx, const char *cmdline,
                      struct pxe_buf *why)
{
    struct nfs_state *s = state;
    struct nfs_exp *e;
    struct in_addr a;

    if (!cmdline || !strstr(cmdline, "archiso_nfs_srv="))
        return 0;
    e = exp_for(s, ctx->image);
    if (!e) {
        s->core->buf_append(why, "no NFS export for this image");
        return -EINVAL;
    }
    if (e->refused) {
        s->core->buf_append(why, "image %s is not exported over NFS: %s", e->image->name,
                            e->refused);
        return -EINVAL;
    }
    if (!s->live) {
        s->core->buf_append(why, "the NFS export %s is not live%s%s", e->path,
                            s->last_error ? ": " : "", s->last_error ? s->last_error : "");
        return -EINVAL;
    }
    if (ctx->server_ip && inet_aton(ctx->server_ip, &a) == 0) {
        s->core->buf_append(why, "archiso's nfsmount needs an IPv4 server address, not %s",
                            ctx->server_ip);
        return -EINVAL;
    }
    return 0;
}

int nfs_method_set(void *state, uint32_t enabled)
{
    struct nfs_state *s = state;

    if (s->inert)
        return 0;
    if (enabled) {
        s->offer = 1;
        if (s->draining)
            s->core->log(s->self, PXE_LOG_NOTICE,
                         "method enabled again while draining; "
                         "keeping the exports");
        s->draining = 0;
        s->want = 1;
        s->failed = 0;
        nfs_reconcile(s);
        return 0;
    }
    s->offer = 0;
    if (!s->want || s->draining)
        return 0;
    s->draining = 1;
    s->drain_start = s->core->now_usec();
    s->core->log(s->self, PXE_LOG_NOTICE,
                 "method disabled: no longer offered; exports kept while clients use them");
    s->core->timer_set(s->drain_timer, 1);
    return 0;
}

uint64_t nfs_active_sessions(void *state)
{
    struct nfs_state *s = state;

    return atomic_load(&s->sessions);
}
