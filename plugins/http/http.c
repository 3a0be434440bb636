/* SPDX-License-Identifier: MIT */
/* HTTP server for boot files and the HTTP rootfs boot method (skeleton: the protocol issue fills it in). */
#include <errno.h>
#include <stdlib.h>

#include <pxecore/plugin.h>

struct http_state {
    const struct pxe_core_api *core;
    struct pxe_core *self;
};

static int http_load(const struct pxe_core_api *core, struct pxe_core *self, void **ret_state)
{
    struct http_state *s = calloc(1, sizeof(*s));

    if (!s)
        return -ENOMEM;
    s->core = core;
    s->self = self;
    *ret_state = s;
    return 0;
}

static int http_start(void *state)
{
    (void)state;
    return 0;
}

static void http_unload(void *state)
{
    free(state);
}

static struct pxe_plugin http_plugin = {
    .thread_model = PXE_THREAD_LOOP,
    .caps = PXE_CAP_SERVICE,
    .name = "http",
    .version = "0.1.0",
    .description = "HTTP server for boot files and the HTTP rootfs boot method",
    .load = http_load,
    .start = http_start,
    .unload = http_unload,
};

PXE_PLUGIN_REGISTER(http_plugin)
