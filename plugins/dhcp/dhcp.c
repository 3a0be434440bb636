/* SPDX-License-Identifier: MIT */
/* DHCP and proxyDHCP server with PXE boot decisions (skeleton: the protocol issue fills it in). */
#include <errno.h>
#include <stdlib.h>

#include <pxecore/plugin.h>

struct dhcp_state {
    const struct pxe_core_api *core;
    struct pxe_core *self;
};

static int dhcp_load(const struct pxe_core_api *core, struct pxe_core *self, void **ret_state)
{
    struct dhcp_state *s = calloc(1, sizeof(*s));

    if (!s)
        return -ENOMEM;
    s->core = core;
    s->self = self;
    *ret_state = s;
    return 0;
}

static int dhcp_start(void *state)
{
    (void)state;
    return 0;
}

static void dhcp_unload(void *state)
{
    free(state);
}

static struct pxe_plugin dhcp_plugin = {
    .thread_model = PXE_THREAD_LOOP,
    .caps = PXE_CAP_SERVICE,
    .name = "dhcp",
    .version = "0.1.0",
    .description = "DHCP and proxyDHCP server with PXE boot decisions",
    .load = dhcp_load,
    .start = dhcp_start,
    .unload = dhcp_unload,
};

PXE_PLUGIN_REGISTER(dhcp_plugin)
