/* SPDX-License-Identifier: MIT */
/* TFTP server for boot loaders, kernels and menus (skeleton: the protocol issue fills it in). */
#include <errno.h>
#include <stdlib.h>

#include <pxecore/plugin.h>

struct tftp_state {
    const struct pxe_core_api *core;
    struct pxe_core *self;
};

static int tftp_load(const struct pxe_core_api *core, struct pxe_core *self, void **ret_state)
{
    struct tftp_state *s = calloc(1, sizeof(*s));

    if (!s)
        return -ENOMEM;
    s->core = core;
    s->self = self;
    *ret_state = s;
    return 0;
}

static int tftp_start(void *state)
{
    (void)state;
    return 0;
}

static void tftp_unload(void *state)
{
    free(state);
}

static struct pxe_plugin tftp_plugin = {
    .thread_model = PXE_THREAD_LOOP,
    .caps = PXE_CAP_SERVICE,
    .name = "tftp",
    .version = "0.1.0",
    .description = "TFTP server for boot loaders, kernels and menus",
    .load = tftp_load,
    .start = tftp_start,
    .unload = tftp_unload,
};

PXE_PLUGIN_REGISTER(tftp_plugin)
