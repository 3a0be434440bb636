/* SPDX-License-Identifier: MIT */
/*
 * Bounded ISO 9660 reader; see iso.h for the contract and iso_int.h for its
 * parts.  This file reads the volume descriptors and opens.  References: ECMA-119
 * (volume descriptors 8.4/8.5, directory records 9.1), IEEE P1281 (SUSP) and
 * P1282 (RRIP 1.12), the Joliet specification (UCS-2 names in an SVD with
 * escape sequence %/@, %/C or %/E).
 *
 * The tree is read breadth first: every directory's entries are appended to
 * one node array, so a directory's children are contiguous and a lookup is a
 * walk over parent->children.  Each directory extent is read once (a set of
 * their sectors catches loops made with directory records or Rock Ridge CL).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iso_int.h"

/* The blkid spelling of a 17-byte volume date, or 0 when unset/invalid. */
static int date_uuid(const uint8_t *p, char out[24])
{
    for (int i = 0; i < 16; i++)
        if (p[i] < '0' || p[i] > '9')
            return 0;
    if (memcmp(p, "0000000000000000", 16) == 0)
        return 0;
    snprintf(out, 24, "%.4s-%.2s-%.2s-%.2s-%.2s-%.2s-%.2s", p, p + 4, p + 6, p + 8, p + 10, p + 12,
             p + 14);
    return 1;
}

static int parse(struct iso *iso)
{
    uint8_t vd[ISO_SECTOR], pvd_root[34], svd_root[34];
    int have_pvd = 0, have_svd = 0, r;
    uint32_t root;
    const uint8_t *root_rec;
    struct rec rec;

    for (int i = 0; i < ISO_MAX_VD; i++) {
        r = iso_read(iso, (uint64_t)(16 + i) * ISO_SECTOR, vd, sizeof(vd));
        if (r < 0)
            return iso_fail(iso, r == -EINVAL ? -EINVAL : r,
                            "no volume descriptor set terminator (truncated or not an ISO 9660 "
                            "image)");
        if (memcmp(vd + 1, "CD001", 5) != 0)
            return iso_fail(iso, -EINVAL, "not an ISO 9660 image (no CD001 at sector %d)", 16 + i);
        if (vd[0] == 255)
            break;
        if (vd[0] == 1 && !have_pvd) {
            if (iso_le16(vd + 128) != ISO_SECTOR)
                return iso_fail(iso, -EINVAL, "logical block size %u is not supported",
                                iso_le16(vd + 128));
            memcpy(pvd_root, vd + 156, 34);
            memcpy(iso->label, vd + 40, 32);
            iso->label[32] = '\0';
            for (int k = 31; k >= 0 && (iso->label[k] == ' ' || iso->label[k] == '\0'); k--)
                iso->label[k] = '\0';
            if (!date_uuid(vd + 830, iso->uuid))
                date_uuid(vd + 813, iso->uuid);
            have_pvd = 1;
        } else if (vd[0] == 2 && !have_svd && vd[88] == 0x25 && vd[89] == 0x2f &&
                   (vd[90] == 0x40 || vd[90] == 0x43 || vd[90] == 0x45)) {
            if (iso_le16(vd + 128) == ISO_SECTOR) {
                memcpy(svd_root, vd + 156, 34);
                have_svd = 1;
            }
        }
        if (i == ISO_MAX_VD - 1)
            return iso_fail(iso, -EINVAL, "more than %d volume descriptors", ISO_MAX_VD);
    }
    if (!have_pvd)
        return iso_fail(iso, -EINVAL, "no primary volume descriptor");
    r = iso_detect_rr(iso, pvd_root);
    if (r < 0)
        return r;
    root_rec = pvd_root;
    if (!iso->rr && have_svd) {
        iso->joliet = 1;
        root_rec = svd_root;
    }
    if (root_rec[0] < 34)
        return iso_fail(iso, -EINVAL, "malformed root directory record");
    r = iso_parse_rec(iso, root_rec, 34, &rec);
    if (r < 0)
        return r;
    if (!(rec.flags & FL_DIR))
        return iso_fail(iso, -EINVAL, "root directory record is not a directory");
    r = iso_node_new(iso, &root);
    if (r < 0)
        return r;
    r = iso_names_add(iso, "", 0, &iso->nodes[root].name);
    if (r < 0)
        return r;
    iso->nodes[root].type = ISO_DIR;
    iso->nodes[root].offset = rec.lba * ISO_SECTOR;
    iso->nodes[root].size = rec.size;
    iso->nodes[root].mtime = rec.mtime;
    for (uint32_t i = 0; i < iso->n; i++) {
        if (iso->nodes[i].type != ISO_DIR)
            continue;
        r = iso_read_dir(iso, i);
        if (r < 0)
            return r;
    }
    free(iso->seen);
    iso->seen = NULL;
    return 0;
}

static int open_common(struct iso *iso, struct iso **ret, char *err, size_t errlen)
{
    char dummy[1];
    int r;

    iso->err = err && errlen ? err : dummy;
    iso->errlen = err && errlen ? errlen : sizeof(dummy);
    iso->err[0] = '\0';
    r = parse(iso);
    if (r < 0) {
        if (r == -ENOMEM)
            iso_fail(iso, r, "out of memory");
        else
            iso_fail(iso, r, "%s", strerror(-r));
        iso->err = NULL;
        iso_free(iso);
        return r;
    }
    iso->err = NULL;
    iso->errlen = 0;
    *ret = iso;
    return 0;
}

int iso_open_fd(int fd, uint64_t size, struct iso **ret, char *err, size_t errlen)
{
    struct iso *iso = calloc(1, sizeof(*iso));

    if (!iso)
        return -ENOMEM;
    iso->fd = fd;
    iso->size = size;
    return open_common(iso, ret, err, errlen);
}

int iso_open_mem(const void *data, size_t size, struct iso **ret, char *err, size_t errlen)
{
    struct iso *iso = calloc(1, sizeof(*iso));

    if (!iso)
        return -ENOMEM;
    iso->fd = -1;
    iso->mem = data;
    iso->size = size;
    return open_common(iso, ret, err, errlen);
}

void iso_free(struct iso *iso)
{
    if (!iso)
        return;
    free(iso->nodes);
    free(iso->names);
    free(iso->seen);
    free(iso);
}

const char *iso_label(const struct iso *iso)
{
    return iso->label;
}

const char *iso_date_uuid(const struct iso *iso)
{
    return iso->uuid[0] ? iso->uuid : NULL;
}

const char *iso_naming(const struct iso *iso)
{
    return iso->rr ? "rockridge" : iso->joliet ? "joliet" : "iso9660";
}

uint32_t iso_node_count(const struct iso *iso)
{
    return iso->n;
}
