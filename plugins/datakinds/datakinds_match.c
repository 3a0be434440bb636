/* SPDX-License-Identifier: MIT */
/*
 * Templates and file patterns of data kinds.  Variables: ${image} ${arch}
 * ${kernel} ${initrd} ${rootfs} ${volume_id} (the image), and for an entry
 * over a transport ${method} ${label} ${server} ${port} ${url} ${export}
 * ${options} (struct pxe_transport).
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datakinds.h"

static const char *const image_vars[] = {"image",  "arch",      "kernel", "initrd",
                                         "rootfs", "volume_id", NULL};
static const char *const tr_vars[] = {"method", "label",  "server",  "port",
                                      "url",    "export", "options", NULL};

static int in(const char *const *set, const char *name, size_t len)
{
    for (int i = 0; set[i]; i++)
        if (strlen(set[i]) == len && !strncmp(set[i], name, len))
            return 1;
    return 0;
}

int dk_var_known(const char *name, size_t len, int tr)
{
    return in(image_vars, name, len) || (tr && in(tr_vars, name, len));
}

int dk_template_check(const char *tmpl, int tr, char bad[64])
{
    for (const char *p = strstr(tmpl, "${"); p; p = strstr(p + 2, "${")) {
        const char *end = strchr(p, '}');
        size_t len = end ? (size_t)(end - p - 2) : strlen(p + 2);

        if (!end || !dk_var_known(p + 2, len, tr)) {
            snprintf(bad, 64, "%.*s", (int)(len > 40 ? 40 : len), p + 2);
            return -EINVAL;
        }
    }
    return 0;
}

/* The value of variable name (len bytes) for v; "" when unset. */
static const char *value_of(const struct dk_vars *v, const char *name, size_t len, char num[16])
{
    const struct pxe_image *im = v->image;
    const struct pxe_transport *t = v->tr;
    const char *r = NULL;

#define IS(s) (strlen(s) == len && !strncmp(name, s, len))
    if (IS("image"))
        r = im->name;
    else if (IS("arch"))
        r = im->arch;
    else if (IS("kernel"))
        r = im->kernel;
    else if (IS("initrd"))
        r = im->initrd;
    else if (IS("rootfs"))
        r = im->rootfs;
    else if (IS("volume_id"))
        r = im->volume_id;
    else if (t && IS("method"))
        r = t->method;
    else if (t && IS("label"))
        r = t->label;
    else if (t && IS("server"))
        r = t->server;
    else if (t && IS("url"))
        r = t->url;
    else if (t && IS("export"))
        r = t->export_name;
    else if (t && IS("options"))
        r = t->options;
    else if (t && IS("port")) {
        snprintf(num, 16, "%u", t->port);
        r = num;
    }
#undef IS
    return r ? r : "";
}

int dk_fill(const char *tmpl, const struct dk_vars *v, char *out, size_t size)
{
    size_t n = 0;

    for (const char *p = tmpl; *p;) {
        const char *end = p[0] == '$' && p[1] == '{' ? strchr(p, '}') : NULL;
        const char *val;
        char num[16];
        size_t len;

        if (end) {
            val = value_of(v, p + 2, (size_t)(end - p - 2), num);
            len = strlen(val);
            p = end + 1;
        } else {
            val = p++;
            len = 1;
        }
        if (n + len >= size)
            return -ENAMETOOLONG;
        memcpy(out + n, val, len);
        n += len;
    }
    out[n] = '\0';
    return 0;
}

struct glob_ctx {
    const char *pat;
    char best[256];
};

static int glob_one(void *ud, const char *name, uint32_t type)
{
    struct glob_ctx *g = ud;

    if (type == 1 && fnmatch(g->pat, name, FNM_PERIOD) == 0 &&
        (!g->best[0] || strcmp(name, g->best) < 0) && strlen(name) < sizeof(g->best))
        snprintf(g->best, sizeof(g->best), "%s", name);
    return 0;
}

int dk_resolve(const char *pattern, dk_list_fn list, void *ud, char *out, size_t size)
{
    const char *slash = strrchr(pattern, '/');
    struct glob_ctx g = {slash ? slash + 1 : pattern, ""};
    char dir[256];

    snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - pattern) : 0, pattern);
    /* a plain name is a pattern matching itself: one listing answers "is a regular file" */
    list(ud, dir, glob_one, &g);
    if (!g.best[0])
        return 0;
    if ((size_t)snprintf(out, size, "%s%s%s", dir, *dir ? "/" : "", g.best) >= size)
        return 0;
    return 1;
}
