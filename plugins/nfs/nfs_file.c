/* SPDX-License-Identifier: MIT */
/*
 * The exports file (kernel) or ganesha config as the step machine writes it:
 * rendered from the images not refused, rewritten only when it changes,
 * recorded in state_file before it is created.
 */
#include "nfs.h"

int nfs_render(struct nfs_state *s, int with_exports, char **ret)
{
    struct nfs_export ex[NFS_MAX_EXPORTS];
    size_t n = 0;
    const char *why = "";
    int r;

    for (size_t i = 0; with_exports && i < s->nexps; i++)
        if (!s->exps[i].refused)
            ex[n++] = (struct nfs_export){s->exps[i].path, s->exps[i].fsid, s->exps[i].id};
    if (s->backend == NFS_KERNEL)
        r = nfs_render_kernel(ex, n, s->cfg->clients, s->cfg->options, ret, &why);
    else
        r = nfs_render_ganesha(ex, n, s->cfg->clients, s->cfg->options, ret, &why);
    if (r)
        nfs_set_error(s, "cannot render %s: %s", s->file, why);
    return r;
}

size_t nfs_exported_count(const struct nfs_state *s)
{
    size_t n = 0;

    for (size_t i = 0; i < s->nexps; i++)
        n += !s->exps[i].refused;
    return n;
}

/* Makes s->file hold content (the kernel file is removed when it would list nothing). */
int nfs_sync_file(struct nfs_state *s, int with_exports)
{
    char *content;
    int r, empty = !with_exports || !nfs_exported_count(s);

    if ((r = nfs_render(s, with_exports, &content)))
        return r;
    if (s->written && !strcmp(s->written, content)) {
        free(content);
        return 0;
    }
    if (empty && s->backend == NFS_KERNEL) {
        if ((r = nfs_op_remove_file(s))) {
            nfs_set_error(s, "cannot remove %s: %s", s->file, strerror(-r));
            free(content);
            return r;
        }
        s->created.file[0] = '\0';
    } else {
        if (!empty) {
            snprintf(s->created.file, sizeof(s->created.file), "%s", s->file);
            if ((r = nfs_save_state(s))) {
                free(content);
                return r;
            }
        }
        r = nfs_op_write_file(s, with_exports, content);
        if (r) {
            nfs_set_error(s, "cannot write %s: %s", s->file, strerror(-r));
            free(content);
            return r;
        }
        if (empty)
            s->created.file[0] = '\0';
    }
    nfs_save_state(s);
    free(s->written);
    s->written = content;
    s->applied = 0;
    s->verified = 0;
    s->verify_tries = 0;
    return 0;
}
