/* SPDX-License-Identifier: MIT */
/* NBD server and the NBD rootfs boot method (skeleton: the protocol issue fills it in). */
#include <errno.h>
#include <stdlib.h>

#include <pxecore/plugin.h>

struct nbd_state {
    const struct pxe_core_api *core;
    struct pxe_core *self;
};

static int nbd_load(const struct pxe_core_api *core, struct pxe_core *self, void **ret_state)
{
    struct nbd_state *s = calloc(1, sizeof(*s));

    if (!s)
        return -ENOMEM;
    s->core = core;
    s->self = self;
    *ret_state = s;
    return 0;
}

static int nbd_start(void *state)
{
    (void)state;
    return 0;
}

static void nbd_unload(void *state)
{
    free(state);
}

static struct pxe_plugin nbd_plugin = {
    .thread_model = PXE_THREAD_LOOP,
    .caps = PXE_CAP_SERVICE,
    .name = "nbd",
    .version = "0.1.0",
    .description = "NBD server and the NBD rootfs boot method",
    .load = nbd_load,
    .start = nbd_start,
    .unload = nbd_unload,
};

PXE_PLUGIN_REGISTER(nbd_plugin)
