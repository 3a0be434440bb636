/* SPDX-License-Identifier: MIT */
/* GET /api/v1/openapi.json: the OpenAPI 3.1 document of this API (api/openapi.json). */
#include <string.h>

#include <pxecore/version.h>

#include "api_int.h"
#include "assets.h"

const struct api_asset *api_asset_find(const char *name)
{
    for (const struct api_asset *a = api_assets; a->name; a++)
        if (strcmp(a->name, name) == 0)
            return a;
    return NULL;
}

/* The embedded document with info.version set to this daemon's version. */
int h_openapi(struct api_request *rq, json_t **ret)
{
    const struct api_asset *a = api_asset_find("openapi.json");
    json_error_t je;
    json_t *info;

    if (!a)
        return api_fail(rq, 500, "internal", "no OpenAPI document was built in");
    *ret = json_loadb((const char *)a->data, a->len, 0, &je);
    if (!*ret)
        return api_fail(rq, 500, "internal", "the built-in OpenAPI document is broken: %s",
                        je.text);
    info = json_object_get(*ret, "info");
    if (json_is_object(info))
        json_object_set_new(info, "version", json_string(PXE_VERSION_STRING));
    return 200;
}
