/* SPDX-License-Identifier: MIT */
/* NFS export manager and the NFS rootfs boot method (skeleton: the protocol issue fills it in). */
#include <errno.h>
#include <stdlib.h>

#include <pxecore/plugin.h>

struct nfs_state {
    const struct pxe_core_api *core;
    struct pxe_core *self;
};

static int nfs_load(const struct pxe_core_api *core, struct pxe_core *self, void **ret_state)
{
    struct nfs_state *s = calloc(1, sizeof(*s));

    if (!s)
        return -ENOMEM;
    s->core = core;
    s->self = self;
    *ret_state = s;
    return 0;
}

static int nfs_start(void *state)
{
    (void)state;
    return 0;
}

static void nfs_unload(void *state)
{
    free(state);
}

static struct pxe_plugin nfs_plugin = {
    .thread_model = PXE_THREAD_LOOP,
    .caps = PXE_CAP_SERVICE,
    .name = "nfs",
    .version = "0.1.0",
    .description = "NFS export manager and the NFS rootfs boot method",
    .load = nfs_load,
    .start = nfs_start,
    .unload = nfs_unload,
};

PXE_PLUGIN_REGISTER(nfs_plugin)
