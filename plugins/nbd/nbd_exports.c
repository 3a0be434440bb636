/* SPDX-License-Identifier: MIT */
/*
 * The export table: every ISO image (whole file, read-only, under the image
 * name) plus the files of the "exports" config key; built before start, read
 * without locks by the workers until stop.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "nbd_int.h"

int nbd_export_lookup(const struct nbd_state *s, const char *name, size_t len)
{
    uint32_t i;

    if (len == 0)
        return s->default_export;
    for (i = 0; i < s->n_exports; i++)
        if (strlen(s->exports[i].name) == len && memcmp(s->exports[i].name, name, len) == 0)
            return (int)i;
    return -1;
}

int nbd_find_image_export(const struct nbd_state *s, const struct pxe_image *image)
{
    uint32_t i;

    if (!image || !image->name)
        return -1;
    for (i = 0; i < s->n_exports; i++)
        if (s->exports[i].from_image && strcmp(s->exports[i].name, image->name) == 0)
            return (int)i;
    return -1;
}

/* Export names from the config: 1..255 of [A-Za-z0-9._+-]. */
int nbd_name_valid(const char *name)
{
    size_t n = strlen(name);

    if (n == 0 || n > 255)
        return 0;
    return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-") == n;
}

/* Opens path read-only and appends it to the export table. */
static int nbd_export_add(struct nbd_state *s, const char *name, const char *path,
                          const char *description, uint32_t from_image)
{
    struct nbd_export *e, *t;
    struct stat st;
    int fd, r;

    if (*name && nbd_export_lookup(s, name, strlen(name)) >= 0) {
        s->core->log(s->self, PXE_LOG_ERR, "export '%s' defined twice", name);
        return -EEXIST;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        r = -errno;
        s->core->log(s->self, PXE_LOG_ERR, "export '%s': cannot open %s: %s", name, path,
                     strerror(-r));
        return r;
    }
    if (fstat(fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))) {
        s->core->log(s->self, PXE_LOG_ERR, "export '%s': %s is not a file", name, path);
        close(fd);
        return -EINVAL;
    }
    t = realloc(s->exports, (s->n_exports + 1) * sizeof(*s->exports));
    if (!t) {
        close(fd);
        return -ENOMEM;
    }
    s->exports = t;
    e = &s->exports[s->n_exports];
    memset(e, 0, sizeof(*e));
    e->fd = fd;
    e->from_image = from_image;
    e->size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : (uint64_t)lseek(fd, 0, SEEK_END);
    e->name = strdup(name);
    e->path = strdup(path);
    e->description = strdup(description);
    s->n_exports++;
    if (!e->name || !e->path || !e->description)
        return -ENOMEM;
    return 0;
}

void nbd_exports_free(struct nbd_state *s)
{
    uint32_t i;

    for (i = 0; i < s->n_exports; i++) {
        if (s->exports[i].fd >= 0)
            close(s->exports[i].fd);
        free(s->exports[i].name);
        free(s->exports[i].path);
        free(s->exports[i].description);
    }
    free(s->exports);
    s->exports = NULL;
    s->n_exports = 0;
    s->default_export = -1;
}

/* Every ISO image, then the config's exports; the default export is the image named "archiso"
 * (the core's default image name), else the first. */
int nbd_exports_build(struct nbd_state *s)
{
    uint32_t i, n = s->core->image_count(s->self);
    const char *name;
    char desc[300];
    json_t *v;
    int r;

    for (i = 0; i < n; i++) {
        const struct pxe_image *im = s->core->image_get(s->self, i);

        if (!im || !im->is_iso || !im->source || !im->name)
            continue;
        snprintf(desc, sizeof(desc), "image %s%s%s", im->name, im->volume_id ? ", volume " : "",
                 im->volume_id ? im->volume_id : "");
        r = nbd_export_add(s, im->name, im->source, desc, 1);
        if (r < 0)
            return r;
    }
    if (s->cfg && s->cfg->exports)
        json_object_foreach(s->cfg->exports, name, v)
        {
            r = nbd_export_add(s, name, json_string_value(v), "pxecore export", 0);
            if (r < 0)
                return r;
        }
    s->default_export = nbd_export_lookup(s, "archiso", 7);
    if (s->default_export < 0 && s->n_exports > 0)
        s->default_export = 0;
    return 0;
}
