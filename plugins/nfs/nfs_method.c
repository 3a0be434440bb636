/* SPDX-License-Identifier: MIT */
/*
 * The NFS boot method: rootfs_prepare answered when the exports are live,
 * the transport (an exported directory) image kinds build their command
 * lines from while the export is live, and the method switch that drains
 * before removing the exports.
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

/*
 * The NFS transport: the image's exported directory (a tree, or the ISO's
 * mount) and the mount options clients should use.  Only while the exports
 * are live and the method is offered.
 */
int nfs_transport(void *state, const struct pxe_boot_ctx *ctx, struct pxe_transport *tr,
                  struct pxe_buf *why)
{
    struct nfs_state *s = state;
    struct nfs_exp *e = exp_for(s, ctx->image);
    const char *opt = s->cfg->archiso_nfs_opt;
    const char *server = ctx->server_ip ? ctx->server_ip : "${pxeserver}";

    if (!e) {
        s->core->buf_append(why, "no NFS export for this image");
        return -ENOENT;
    }
    if (e->refused) {
        s->core->buf_append(why, "image %s is not exported over NFS: %s", e->image->name,
                            e->refused);
        return -EOPNOTSUPP;
    }
    if (!s->live || !s->offer || s->draining) {
        s->core->buf_append(why, "the NFS export %s is not live%s%s", e->path,
                            s->last_error ? ": " : "", s->last_error ? s->last_error : "");
        return -ENODEV;
    }
    snprintf(tr->scheme, sizeof(tr->scheme), "nfs");
    snprintf(tr->label, sizeof(tr->label), "NFS");
    snprintf(tr->server, sizeof(tr->server), "%s", server);
    snprintf(tr->export_name, sizeof(tr->export_name), "%s", e->path);
    snprintf(tr->url, sizeof(tr->url), "%s:%s", server, e->path);
    snprintf(tr->options, sizeof(tr->options), "%s", opt ? opt : "");
    tr->port = 2049;
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
