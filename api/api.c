/* SPDX-License-Identifier: MIT */
/* REST API entry points; the API itself lands with issue 3. */
#include <stddef.h>

#include "api.h"

const struct pxe_config_item api_settings_items[] = {
    {"listen", PXE_CFG_STR, 0, "127.0.0.1:9480", offsetof(struct api_settings, listen),
     "address:port of the REST API", "api-listen", 0, 0},
    {"token", PXE_CFG_STR, PXE_CFG_SECRET, NULL, offsetof(struct api_settings, token),
     "bearer token (default: generated into the state directory)", NULL, 0, 0},
    {"metrics_public", PXE_CFG_BOOL, 0, "false", offsetof(struct api_settings, metrics_public),
     "serve /api/v1/metrics without the token", NULL, 0, 0},
    {0},
};

int api_init(struct core *c, struct api_settings *s)
{
    (void)c;
    (void)s;
    return 0;
}

int api_bind(struct core *c)
{
    (void)c;
    return 0;
}

int api_start(struct core *c)
{
    (void)c;
    return 0;
}

void api_stop(struct core *c)
{
    (void)c;
}

void api_free(struct core *c)
{
    (void)c;
}
