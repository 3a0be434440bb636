/* SPDX-License-Identifier: MIT */
/*
 * Lookups and listings on the parsed tree: paths resolved component by
 * component with symlinks followed (bounded), by binary search over each
 * directory's sorted children.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "iso_int.h"

/* Compares the NUL-terminated n with name[0..len) as strcmp would. */
static int name_cmp(const char *n, const char *name, size_t len)
{
    int c = strncmp(n, name, len);

    return c ? c : (unsigned char)n[len];
}

/* Binary search over the sorted children: the first entry called name[0..len). */
static uint32_t find_child(const struct iso *iso, uint32_t dir, const char *name, size_t len)
{
    const struct node *d = &iso->nodes[dir];
    uint32_t lo = d->first, hi = d->first + d->count;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;

        if (name_cmp(iso->names + iso->nodes[mid].name, name, len) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < d->first + d->count && name_cmp(iso->names + iso->nodes[lo].name, name, len) == 0)
        return lo;
    return UINT32_MAX;
}

static int resolve(const struct iso *iso, const char *path, int follow_last, uint32_t *ret)
{
    char rem[ISO_PATH_MAX];
    size_t plen = strlen(path);
    uint32_t cur = 0;
    int links = 0;
    char *p = rem;

    if (plen >= sizeof(rem))
        return -ENAMETOOLONG;
    memcpy(rem, path, plen + 1);
    for (;;) {
        char *e;
        size_t len;
        uint32_t child;
        int last;

        while (*p == '/')
            p++;
        if (!*p)
            break;
        e = p + strcspn(p, "/");
        len = (size_t)(e - p);
        last = e[strspn(e, "/")] == '\0';
        if (iso->nodes[cur].type != ISO_DIR)
            return -ENOENT;
        if (len == 1 && p[0] == '.') {
            p = e;
            continue;
        }
        if (len == 2 && p[0] == '.' && p[1] == '.') {
            if (cur == 0)
                return -EACCES;
            cur = iso->nodes[cur].parent;
            p = e;
            continue;
        }
        child = find_child(iso, cur, p, len);
        if (child == UINT32_MAX)
            return -ENOENT;
        if (iso->nodes[child].type == ISO_LNK && (!last || follow_last)) {
            const char *t = iso->names + iso->nodes[child].target;
            size_t tl = strlen(t), rl = strlen(e);

            if (++links > ISO_MAX_SYMLINKS)
                return -ELOOP;
            if (t[0] == '/')
                return -EACCES;
            if (tl == 0)
                return -ENOENT;
            if (tl + rl + 1 > sizeof(rem))
                return -ENAMETOOLONG;
            memmove(rem + tl, e, rl + 1);
            memcpy(rem, t, tl);
            p = rem;
            continue;
        }
        cur = child;
        p = e;
    }
    *ret = cur;
    return 0;
}

static void fill_stat(const struct node *n, struct iso_stat *st)
{
    memset(st, 0, sizeof(*st));
    st->type = n->type;
    st->offset = n->offset;
    st->size = n->size;
    st->mtime = n->mtime;
    st->fragmented = n->fragmented;
}

int iso_lookup(const struct iso *iso, const char *path, int follow_last, struct iso_stat *st)
{
    uint32_t idx;
    int r = resolve(iso, path, follow_last, &idx);

    if (r < 0)
        return r;
    fill_stat(&iso->nodes[idx], st);
    return 0;
}

int iso_list(const struct iso *iso, const char *path, iso_list_cb cb, void *ud)
{
    uint32_t dir;
    int r = resolve(iso, path, 1, &dir);
    const struct node *d;

    if (r < 0)
        return r;
    d = &iso->nodes[dir];
    if (d->type != ISO_DIR)
        return -ENOTDIR;
    for (uint32_t k = d->first; k < d->first + d->count; k++) {
        const struct node *n = &iso->nodes[k];
        struct iso_stat st;

        /* a name a hostile image repeats is listed once, as lookups resolve it: the first */
        if (k > d->first && !strcmp(iso->names + n->name, iso->names + n[-1].name))
            continue;
        fill_stat(n, &st);
        if (n->type == ISO_LNK) {
            char sub[ISO_PATH_MAX];
            int w = snprintf(sub, sizeof(sub), "%s/%s", path, iso->names + n->name);

            if (w < 0 || (size_t)w >= sizeof(sub) || iso_lookup(iso, sub, 1, &st) < 0)
                fill_stat(n, &st); /* dangling: reported as a link */
        }
        r = cb(ud, iso->names + n->name, &st);
        if (r)
            return r;
    }
    return 0;
}
