/* SPDX-License-Identifier: MIT */
/*
 * The directory walk: each directory extent read once (a set of their
 * sectors catches loops), its records turned into nodes (multi-extent files,
 * relocated directories, symlinks), its children sorted by name.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iso_int.h"

/* Adds a directory sector to the seen set; -ELOOP when it was there already. */
static int seen_add(struct iso *iso, uint64_t lba)
{
    uint32_t key = (uint32_t)lba + 1, mask, h;

    if ((iso->seen_n + 1) * 2 > iso->seen_cap) {
        uint32_t cap = iso->seen_cap ? iso->seen_cap * 2 : 64;
        uint32_t *s = calloc(cap, sizeof(*s));

        if (!s)
            return -ENOMEM;
        for (uint32_t i = 0; i < iso->seen_cap; i++) {
            uint32_t k = iso->seen[i];

            if (!k)
                continue;
            for (h = (k * 2654435761u) & (cap - 1); s[h]; h = (h + 1) & (cap - 1))
                ;
            s[h] = k;
        }
        free(iso->seen);
        iso->seen = s;
        iso->seen_cap = cap;
    }
    mask = iso->seen_cap - 1;
    for (h = (key * 2654435761u) & mask; iso->seen[h]; h = (h + 1) & mask)
        if (iso->seen[h] == key)
            return -ELOOP;
    iso->seen[h] = key;
    iso->seen_n++;
    return 0;
}

/* "dir/name" for messages: the path of directory node dir, then name. */
static void node_path(const struct iso *iso, uint32_t dir, const char *name, char *out,
                      size_t outlen)
{
    const char *parts[ISO_MAX_DEPTH + 2];
    int n = 0;
    size_t o = 0;

    parts[n++] = name;
    for (uint32_t d = dir; d != 0 && n < ISO_MAX_DEPTH + 2; d = iso->nodes[d].parent)
        parts[n++] = iso->names + iso->nodes[d].name;
    out[0] = '\0';
    while (n-- > 0 && o + 1 < outlen) {
        int w = snprintf(out + o, outlen - o, "/%s", parts[n]);

        if (w < 0)
            break;
        o += (size_t)w;
    }
}

/* Checks that the extent of file name in directory dir lies inside the ISO. */
static int check_extent(struct iso *iso, uint32_t dir, const char *name, uint64_t off,
                        uint64_t size)
{
    char path[512];

    if (size && (off > iso->size || size > iso->size - off)) {
        node_path(iso, dir, name, path, sizeof(path));
        return iso_fail(iso, -EINVAL,
                        "%s: extent (sector %llu, %llu bytes) past the end of the "
                        "ISO (%llu bytes)",
                        path, (unsigned long long)(off / ISO_SECTOR), (unsigned long long)size,
                        (unsigned long long)iso->size);
    }
    return 0;
}

/* Size of a relocated directory: the data length of its "." record. */
static int dot_size(struct iso *iso, uint64_t off, uint64_t *ret)
{
    uint8_t b[34];

    if (iso_read(iso, off, b, sizeof(b)) < 0 || b[0] < 34)
        return iso_fail(iso, -EINVAL, "relocated directory at sector %llu unreadable",
                        (unsigned long long)(off / ISO_SECTOR));
    *ret = iso_le32(b + 10);
    return 0;
}

/* enum iso_type of a record: relocated (CL) or plain directory, symlink, device, file. */
static uint8_t entry_type(const struct rec *r, const struct rr *rr)
{
    if (rr->has_cl || (r->flags & FL_DIR))
        return ISO_DIR;
    if (rr->has_link)
        return ISO_LNK;
    if (rr->has_mode && (rr->mode & 0170000) != 0100000 && (rr->mode & 0170000) != 0)
        return ISO_OTHER;
    return ISO_REG;
}

static int add_entry(struct iso *iso, uint32_t dir, const struct rec *r, uint32_t *last_multi)
{
    struct rr rr;
    char name[ISO_MAX_NAME + 1];
    size_t nlen = 0;
    uint32_t idx;
    struct node *n;
    int ret;

    memset(&rr, 0, sizeof(rr));
    if (iso->rr && r->su_len > iso->skp) {
        ret = iso_parse_susp(iso, r->su + iso->skp, r->su_len - iso->skp, &rr);
        if (ret < 0)
            return ret;
    }
    if (rr.re || (r->flags & FL_ASSOC))
        return 0; /* relocated directory (reached through its CL) or associated file */
    if (*last_multi != UINT32_MAX) {
        /* a further section of a multi-extent file (ECMA-119 6.5.1) */
        n = &iso->nodes[*last_multi];
        if (r->lba * ISO_SECTOR != n->offset + n->size)
            n->fragmented = 1;
        ret = check_extent(iso, dir, iso->names + n->name, r->lba * ISO_SECTOR, r->size);
        if (ret < 0)
            return ret;
        n->size += r->size;
        if (!(r->flags & FL_MULTI))
            *last_multi = UINT32_MAX;
        return 0;
    }
    ret = iso_rec_name(iso, r, iso->rr ? &rr : NULL, name, &nlen);
    if (ret < 0)
        return ret;
    ret = iso_node_new(iso, &idx);
    if (ret < 0)
        return ret;
    n = &iso->nodes[idx];
    n->parent = dir;
    n->mtime = rr.has_mtime ? rr.mtime : r->mtime;
    n->offset = r->lba * ISO_SECTOR;
    n->size = r->size;
    n->type = entry_type(r, &rr);
    if (rr.has_cl) {
        n->offset = (uint64_t)rr.cl * ISO_SECTOR;
        n->size_unknown = 1;
    }
    if (n->type == ISO_DIR) {
        n->depth = (uint8_t)(iso->nodes[dir].depth + 1);
        if (iso->nodes[dir].depth + 1 > ISO_MAX_DEPTH)
            return iso_fail(iso, -E2BIG, "directories nested deeper than %d", ISO_MAX_DEPTH);
    }
    ret = iso_names_add(iso, name, nlen, &idx);
    if (ret < 0)
        return ret;
    n = &iso->nodes[iso->n - 1];
    n->name = idx;
    if (n->type == ISO_LNK) {
        ret = iso_names_add(iso, rr.link, rr.link_len, &idx);
        if (ret < 0)
            return ret;
        n = &iso->nodes[iso->n - 1];
        n->target = idx;
        n->size = rr.link_len;
    }
    if (n->type == ISO_REG) {
        if (n->size == 0)
            n->offset = 0;
        ret = check_extent(iso, dir, name, n->offset, n->size);
        if (ret < 0)
            return ret;
        if (r->flags & FL_MULTI)
            *last_multi = iso->n - 1;
    } else if (r->flags & FL_MULTI) {
        return iso_fail(iso, -EINVAL, "'%s': multi-extent flag on a non-file", name);
    }
    return 0;
}

/* By name, then by directory order (name offsets grow in that order): a duplicate name
 * resolves to its first record. */
static int node_cmp(const void *a, const void *b, void *names)
{
    const struct node *x = a, *y = b;
    int c = strcmp((const char *)names + x->name, (const char *)names + y->name);

    return c ? c : (x->name > y->name) - (x->name < y->name);
}

/* Reads directory node i and appends its entries (sorted by node_cmp). */
int iso_read_dir(struct iso *iso, uint32_t i)
{
    struct node *d = &iso->nodes[i];
    uint64_t off = d->offset, size = d->size;
    uint32_t last_multi = UINT32_MAX, first = iso->n;
    uint8_t *buf;
    int r;

    r = seen_add(iso, off / ISO_SECTOR);
    if (r == -ELOOP)
        return iso_fail(iso, r, "directory loop: the directory at sector %llu is reached twice",
                        (unsigned long long)(off / ISO_SECTOR));
    if (r < 0)
        return r;
    if (d->size_unknown) {
        r = dot_size(iso, off, &size);
        if (r < 0)
            return r;
        d->size = size;
        d->size_unknown = 0;
    }
    if (size > ISO_MAX_DIR_BYTES)
        return iso_fail(iso, -E2BIG, "a directory of %llu bytes (more than %u)",
                        (unsigned long long)size, ISO_MAX_DIR_BYTES);
    if (off > iso->size || size > iso->size - off)
        return iso_fail(iso, -EINVAL, "directory extent at sector %llu past the end of the ISO",
                        (unsigned long long)(off / ISO_SECTOR));
    iso->dir_bytes += size;
    if (iso->dir_bytes > ISO_MAX_TOTAL_DIR_BYTES)
        return iso_fail(iso, -E2BIG, "directories larger than %u bytes in total",
                        ISO_MAX_TOTAL_DIR_BYTES);
    buf = malloc(size ? size : 1);
    if (!buf)
        return -ENOMEM;
    r = iso_read(iso, off, buf, (size_t)size);
    if (r < 0) {
        r = iso_fail(iso, r, "directory at sector %llu unreadable",
                     (unsigned long long)(off / ISO_SECTOR));
        goto out;
    }
    for (uint64_t pos = 0; pos < size;) {
        uint64_t sector_end = (pos / ISO_SECTOR + 1) * ISO_SECTOR;
        size_t len = buf[pos];
        struct rec rec;

        if (sector_end > size)
            sector_end = size;
        if (len == 0) {
            pos = sector_end;
            continue;
        }
        if (len < 34 || pos + len > sector_end) {
            r = iso_fail(iso, -EINVAL, "malformed directory record at sector %llu",
                         (unsigned long long)((off + pos) / ISO_SECTOR));
            goto out;
        }
        r = iso_parse_rec(iso, buf + pos, len, &rec);
        if (r < 0)
            goto out;
        pos += len;
        if (rec.id_len == 1 && (rec.id[0] == 0 || rec.id[0] == 1))
            continue; /* "." and ".." */
        r = add_entry(iso, i, &rec, &last_multi);
        if (r < 0)
            goto out;
    }
    if (last_multi != UINT32_MAX) {
        r = iso_fail(iso, -EINVAL, "multi-extent file without its last section");
        goto out;
    }
    iso->nodes[i].first = first;
    iso->nodes[i].count = iso->n - first;
    /* none of these nodes is referenced yet (their own entries are read later) */
    qsort_r(iso->nodes + first, iso->n - first, sizeof(iso->nodes[0]), node_cmp, iso->names);
    r = 0;
out:
    free(buf);
    return r;
}
