/* SPDX-License-Identifier: MIT */
/*
 * GET /ui and /ui/{file}: the dashboard's static files, compiled in from
 * api/ui/ (see assets.h).  Served without the token (they hold no data; the
 * page sends the token with every API call it makes).  Names are looked up in
 * the table, never on disk, so no path can leave it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "assets.h"

static const char *type_of(const char *name)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".svg", "image/svg+xml"},
    };
    const char *dot = strrchr(name, '.');

    for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].type;
    return "application/octet-stream";
}

int h_ui(struct api_request *rq, json_t **ret)
{
    char name[ROUTE_SUBPATH_MAX + 8];
    const struct api_asset *a;

    snprintf(name, sizeof(name), "ui/%s", rq->m->route->id == R_UI ? "index.html" : rq->m->subpath);
    a = api_asset_find(name);
    if (!a)
        return api_fail(rq, 404, "not_found", "no such dashboard file");
    rq->text = strdup((const char *)a->data);
    if (!rq->text)
        return api_fail(rq, 500, "internal", "out of memory");
    rq->text_type = type_of(name);
    return 200;
}
