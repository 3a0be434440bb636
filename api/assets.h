/* SPDX-License-Identifier: MIT */
/*
 * Files compiled into the daemon (cmake/embed.cmake, at build time): the
 * OpenAPI document (api/openapi.json) and the dashboard (api/ui/).  Nothing
 * is read from disk at run time, so the dashboard always matches this API.
 */
#ifndef PXE_API_ASSETS_H
#define PXE_API_ASSETS_H

#include <stddef.h>

struct api_asset {
    const char *name;          /* "openapi.json", "ui/app.js"... */
    const unsigned char *data; /* len bytes, then a NUL byte */
    size_t len;
};

/* The table, ended by {NULL}. */
extern const struct api_asset api_assets[];

/* The asset called name, or NULL. */
const struct api_asset *api_asset_find(const char *name);

#endif
