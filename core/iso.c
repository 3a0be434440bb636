/* SPDX-License-Identifier: MIT */
/*
 * Bounded ISO 9660 reader; see iso.h for the contract.  References: ECMA-119
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

#include "iso.h"

#define ISO_PATH_MAX   4096
#define ISO_MAX_CE_LEN (4 * ISO_SECTOR)

/* Directory record flags (ECMA-119 9.1.6). */
#define FL_DIR   0x02
#define FL_ASSOC 0x04
#define FL_MULTI 0x80

struct node {
    uint32_t name;   /* offset in names */
    uint32_t target; /* symlinks: offset of the target in names */
    uint32_t parent;
    uint32_t first, count; /* directories: children, once read */
    uint8_t type;          /* enum iso_type */
    uint8_t depth;
    uint8_t fragmented;
    uint8_t size_unknown; /* Rock Ridge CL: size comes from the "." record */
    uint64_t offset, size;
    int64_t mtime;
};

struct iso {
    int fd;
    const uint8_t *mem;
    uint64_t size;
    struct node *nodes;
    uint32_t n, cap;
    char *names;
    size_t names_len, names_cap;
    uint32_t *seen; /* open-addressing set of directory sectors + 1 */
    uint32_t seen_n, seen_cap;
    uint64_t dir_bytes, ce_bytes;
    int rr, joliet;
    unsigned skp; /* SUSP bytes to skip at the start of each system use area */
    char label[33];
    char uuid[24];
    char *err;
    size_t errlen;
};

/* Rock Ridge fields gathered from one directory record's system use entries. */
struct rr {
    char name[ISO_MAX_NAME + 1];
    size_t name_len;
    int has_name;
    char link[ISO_MAX_LINK + 1];
    size_t link_len;
    int has_link, link_cont;
    uint32_t mode;
    int has_mode;
    int64_t mtime;
    int has_mtime;
    uint32_t cl;
    int has_cl, re;
};

/* One parsed directory record. */
struct rec {
    uint8_t flags;
    uint64_t lba;
    uint64_t size;
    int64_t mtime;
    const uint8_t *id;
    size_t id_len;
    const uint8_t *su;
    size_t su_len;
};

static int fail(struct iso *iso, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct iso *iso, int r, const char *fmt, ...)
{
    va_list ap;

    if (iso->err && iso->errlen && !iso->err[0]) {
        va_start(ap, fmt);
        vsnprintf(iso->err, iso->errlen, fmt, ap);
        va_end(ap);
    }
    return r;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* Reads len bytes at off; -EINVAL when the range is past the end of the ISO. */
static int rd(struct iso *iso, uint64_t off, void *buf, size_t len)
{
    uint8_t *b = buf;

    if (off > iso->size || len > iso->size - off)
        return -EINVAL;
    if (iso->mem) {
        memcpy(buf, iso->mem + off, len);
        return 0;
    }
    while (len) {
        ssize_t n = pread(iso->fd, b, len, (off_t)off);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            return -EIO;
        b += n;
        off += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + (int64_t)doe - 719468;
}

static int64_t mk_time(int64_t year, int mon, int day, int h, int mi, int s, int gmtoff15)
{
    if (mon < 1 || mon > 12 || day < 1 || day > 31 || h > 23 || mi > 59 || s > 60)
        return 0;
    return days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400 + h * 3600 + mi * 60 + s -
           (int64_t)gmtoff15 * 900;
}

/* 7-byte date of a directory record (9.1.5) or RRIP TF short form. */
static int64_t date7(const uint8_t *p)
{
    return mk_time(1900 + p[0], p[1], p[2], p[3], p[4], p[5], (int8_t)p[6]);
}

static int digits(const uint8_t *p, size_t n, int *ret)
{
    int v = 0;

    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    *ret = v;
    return 0;
}

/* 17-byte volume date (8.4.26.1) or RRIP TF long form. */
static int64_t date17(const uint8_t *p)
{
    int y, mo, d, h, mi, s;

    if (digits(p, 4, &y) || digits(p + 4, 2, &mo) || digits(p + 6, 2, &d) || digits(p + 8, 2, &h) ||
        digits(p + 10, 2, &mi) || digits(p + 12, 2, &s))
        return 0;
    return mk_time(y, mo, d, h, mi, s, (int8_t)p[16]);
}

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

static int names_add(struct iso *iso, const char *s, size_t len, uint32_t *ret)
{
    if (iso->names_len + len + 1 > iso->names_cap) {
        size_t cap = iso->names_cap ? iso->names_cap * 2 : 4096;
        char *n;

        while (cap < iso->names_len + len + 1)
            cap *= 2;
        if (cap > ISO_MAX_NAME_BYTES)
            return fail(iso, -E2BIG, "names and symlink targets larger than %u bytes",
                        ISO_MAX_NAME_BYTES);
        n = realloc(iso->names, cap);
        if (!n)
            return -ENOMEM;
        iso->names = n;
        iso->names_cap = cap;
    }
    memcpy(iso->names + iso->names_len, s, len);
    iso->names[iso->names_len + len] = '\0';
    *ret = (uint32_t)iso->names_len;
    iso->names_len += len + 1;
    return 0;
}

static int node_new(struct iso *iso, uint32_t *ret)
{
    if (iso->n >= ISO_MAX_NODES)
        return fail(iso, -E2BIG, "more than %u directory entries", ISO_MAX_NODES);
    if (iso->n == iso->cap) {
        uint32_t cap = iso->cap ? iso->cap * 2 : 256;
        struct node *n = realloc(iso->nodes, (size_t)cap * sizeof(*n));

        if (!n)
            return -ENOMEM;
        iso->nodes = n;
        iso->cap = cap;
    }
    memset(&iso->nodes[iso->n], 0, sizeof(iso->nodes[0]));
    *ret = iso->n++;
    return 0;
}

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

/* Parses the record at p (len bytes, len >= 34 checked by the caller). */
static int parse_rec(struct iso *iso, const uint8_t *p, size_t len, struct rec *r)
{
    size_t idl = p[32], su;

    if (33 + idl > len || idl == 0)
        return fail(iso, -EINVAL, "malformed directory record (identifier length %zu)", idl);
    r->lba = le32(p + 2) + (uint64_t)p[1]; /* extended attribute record precedes the data */
    r->size = le32(p + 10);
    r->mtime = date7(p + 18);
    r->flags = p[25];
    r->id = p + 33;
    r->id_len = idl;
    su = 33 + idl + !(idl & 1);
    r->su = p + su;
    r->su_len = su < len ? len - su : 0;
    if (p[26] || p[27])
        return fail(iso, -EINVAL, "interleaved files are not supported");
    return 0;
}

static int rr_append(char *dst, size_t *len, size_t max, const void *src, size_t n)
{
    if (*len + n > max)
        return -ENAMETOOLONG;
    memcpy(dst + *len, src, n);
    *len += n;
    dst[*len] = '\0';
    return 0;
}

/* One SL entry's component records (RRIP 4.1.3.1). */
static int rr_sl(struct rr *rr, const uint8_t *p, size_t len)
{
    size_t i = 1; /* p[0] is the SL flags byte */

    rr->has_link = 1;
    while (i + 2 <= len) {
        uint8_t cf = p[i], cl = p[i + 1];
        const char *s = (const char *)p + i + 2;
        size_t sl = cl;

        if (i + 2 + cl > len)
            return -EINVAL;
        if (cf & 0x02)
            s = ".", sl = 1;
        else if (cf & 0x04)
            s = "..", sl = 2;
        else if (cf & 0x38)
            s = "/", sl = 1; /* root, volume root, host: absolute */
        if (rr->link_len && !rr->link_cont && rr->link[rr->link_len - 1] != '/' &&
            rr_append(rr->link, &rr->link_len, ISO_MAX_LINK, "/", 1) < 0)
            return -ENAMETOOLONG;
        if (rr_append(rr->link, &rr->link_len, ISO_MAX_LINK, s, sl) < 0)
            return -ENAMETOOLONG;
        rr->link_cont = cf & 0x01;
        i += 2 + cl;
    }
    return 0;
}

/* TF (RRIP 4.1.6): the modification time when present. */
static void rr_tf(struct rr *rr, const uint8_t *p, size_t len)
{
    uint8_t fl = p[0];
    size_t w = (fl & 0x80) ? 17 : 7, off = 1;

    if (!(fl & 0x02))
        return;
    if (fl & 0x01)
        off += w;
    if (off + w > len)
        return;
    rr->mtime = w == 17 ? date17(p + off) : date7(p + off);
    rr->has_mtime = 1;
}

/* Walks the SUSP entries of a system use area and its continuation areas. */
static int parse_susp(struct iso *iso, const uint8_t *su, size_t len, struct rr *rr)
{
    uint8_t *ce_buf = NULL;
    int r = 0;

    for (int ce = 0;; ce++) {
        uint64_t ce_off = 0, ce_len = 0;
        size_t p = 0;

        while (p + 4 <= len) {
            const uint8_t *e = su + p;
            size_t el = e[2];

            if (el < 4 || p + el > len)
                break; /* padding or a truncated entry ends the area */
            if (e[0] == 'S' && e[1] == 'T')
                break;
            if (e[0] == 'C' && e[1] == 'E' && el >= 28) {
                ce_off = (uint64_t)le32(e + 4) * ISO_SECTOR + le32(e + 12);
                ce_len = le32(e + 20);
            } else if (e[0] == 'N' && e[1] == 'M' && el >= 5) {
                if (!(e[4] & 0x06)) {
                    rr->has_name = 1;
                    if (rr_append(rr->name, &rr->name_len, ISO_MAX_NAME, e + 5, el - 5) < 0) {
                        r = fail(iso, -EINVAL, "Rock Ridge name longer than %d bytes",
                                 ISO_MAX_NAME);
                        goto out;
                    }
                }
            } else if (e[0] == 'S' && e[1] == 'L' && el >= 5) {
                if (rr_sl(rr, e + 4, el - 4) < 0) {
                    r = fail(iso, -EINVAL, "malformed or too long Rock Ridge symlink");
                    goto out;
                }
            } else if (e[0] == 'P' && e[1] == 'X' && el >= 12) {
                rr->mode = le32(e + 4);
                rr->has_mode = 1;
            } else if (e[0] == 'T' && e[1] == 'F' && el >= 5) {
                rr_tf(rr, e + 4, el - 4);
            } else if (e[0] == 'C' && e[1] == 'L' && el >= 12) {
                rr->cl = le32(e + 4);
                rr->has_cl = 1;
            } else if (e[0] == 'R' && e[1] == 'E') {
                rr->re = 1;
            }
            p += el;
        }
        if (!ce_len)
            break;
        iso->ce_bytes += ce_len;
        if (ce >= ISO_MAX_CE || ce_len > ISO_MAX_CE_LEN || iso->ce_bytes > ISO_MAX_TOTAL_CE_BYTES) {
            r = fail(iso, -EINVAL, "too many or too long SUSP continuation areas");
            goto out;
        }
        if (!ce_buf && !(ce_buf = malloc(ISO_MAX_CE_LEN))) {
            r = -ENOMEM;
            goto out;
        }
        if (rd(iso, ce_off, ce_buf, (size_t)ce_len) < 0) {
            r = fail(iso, -EINVAL, "SUSP continuation area past the end of the ISO");
            goto out;
        }
        su = ce_buf;
        len = (size_t)ce_len;
    }
out:
    free(ce_buf);
    return r;
}

static void put_utf8(char *out, size_t *o, uint32_t c)
{
    if (c < 0x80) {
        out[(*o)++] = (char)c;
    } else if (c < 0x800) {
        out[(*o)++] = (char)(0xc0 | c >> 6);
        out[(*o)++] = (char)(0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
        out[(*o)++] = (char)(0xe0 | c >> 12);
        out[(*o)++] = (char)(0x80 | ((c >> 6) & 0x3f));
        out[(*o)++] = (char)(0x80 | (c & 0x3f));
    } else {
        out[(*o)++] = (char)(0xf0 | c >> 18);
        out[(*o)++] = (char)(0x80 | ((c >> 12) & 0x3f));
        out[(*o)++] = (char)(0x80 | ((c >> 6) & 0x3f));
        out[(*o)++] = (char)(0x80 | (c & 0x3f));
    }
}

/* Drops a ";N" version suffix. */
static void strip_version(char *s, size_t *len)
{
    char *semi = memrchr(s, ';', *len);

    if (semi && semi > s) {
        *len = (size_t)(semi - s);
        s[*len] = '\0';
    }
}

/* The entry's name in out (ISO_MAX_NAME + 1 bytes): Rock Ridge NM, Joliet UCS-2 or the
 * ISO 9660 identifier mapped like Linux's map=normal (lower case, no ";1", no trailing '.'). */
static int rec_name(struct iso *iso, const struct rec *r, const struct rr *rr, char *out,
                    size_t *ret_len)
{
    size_t o = 0;

    if (rr && rr->has_name) {
        memcpy(out, rr->name, rr->name_len + 1);
        o = rr->name_len;
    } else if (iso->joliet) {
        for (size_t i = 0; i + 1 < r->id_len; i += 2) {
            uint32_t c = (uint32_t)r->id[i] << 8 | r->id[i + 1];

            if (c >= 0xd800 && c < 0xdc00 && i + 3 < r->id_len) {
                uint32_t lo = (uint32_t)r->id[i + 2] << 8 | r->id[i + 3];

                if (lo >= 0xdc00 && lo < 0xe000) {
                    c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
                    i += 2;
                }
            }
            if (o + 4 > ISO_MAX_NAME)
                return fail(iso, -EINVAL, "Joliet name too long");
            put_utf8(out, &o, c);
        }
        out[o] = '\0';
        strip_version(out, &o);
    } else {
        if (r->id_len > ISO_MAX_NAME)
            return fail(iso, -EINVAL, "ISO 9660 name too long");
        for (size_t i = 0; i < r->id_len; i++) {
            char c = (char)r->id[i];

            out[o++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
        }
        out[o] = '\0';
        strip_version(out, &o);
        if (o > 1 && out[o - 1] == '.')
            out[--o] = '\0';
    }
    if (o == 0 || memchr(out, '/', o) || memchr(out, '\0', o) || strcmp(out, ".") == 0 ||
        strcmp(out, "..") == 0)
        return fail(iso, -EINVAL, "invalid file name in directory record");
    *ret_len = o;
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
        return fail(iso, -EINVAL,
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

    if (rd(iso, off, b, sizeof(b)) < 0 || b[0] < 34)
        return fail(iso, -EINVAL, "relocated directory at sector %llu unreadable",
                    (unsigned long long)(off / ISO_SECTOR));
    *ret = le32(b + 10);
    return 0;
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
        ret = parse_susp(iso, r->su + iso->skp, r->su_len - iso->skp, &rr);
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
    ret = rec_name(iso, r, iso->rr ? &rr : NULL, name, &nlen);
    if (ret < 0)
        return ret;
    ret = node_new(iso, &idx);
    if (ret < 0)
        return ret;
    n = &iso->nodes[idx];
    n->parent = dir;
    n->mtime = rr.has_mtime ? rr.mtime : r->mtime;
    n->offset = r->lba * ISO_SECTOR;
    n->size = r->size;
    if (rr.has_cl) {
        n->type = ISO_DIR;
        n->offset = (uint64_t)rr.cl * ISO_SECTOR;
        n->size_unknown = 1;
    } else if (r->flags & FL_DIR) {
        n->type = ISO_DIR;
    } else if (rr.has_link) {
        n->type = ISO_LNK;
    } else if (rr.has_mode && (rr.mode & 0170000) != 0100000 && (rr.mode & 0170000) != 0) {
        n->type = ISO_OTHER;
    } else {
        n->type = ISO_REG;
    }
    if (n->type == ISO_DIR) {
        n->depth = (uint8_t)(iso->nodes[dir].depth + 1);
        if (iso->nodes[dir].depth + 1 > ISO_MAX_DEPTH)
            return fail(iso, -E2BIG, "directories nested deeper than %d", ISO_MAX_DEPTH);
    }
    ret = names_add(iso, name, nlen, &idx);
    if (ret < 0)
        return ret;
    n = &iso->nodes[iso->n - 1];
    n->name = idx;
    if (n->type == ISO_LNK) {
        ret = names_add(iso, rr.link, rr.link_len, &idx);
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
        return fail(iso, -EINVAL, "'%s': multi-extent flag on a non-file", name);
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
static int read_dir(struct iso *iso, uint32_t i)
{
    struct node *d = &iso->nodes[i];
    uint64_t off = d->offset, size = d->size;
    uint32_t last_multi = UINT32_MAX, first = iso->n;
    uint8_t *buf;
    int r;

    r = seen_add(iso, off / ISO_SECTOR);
    if (r == -ELOOP)
        return fail(iso, r, "directory loop: the directory at sector %llu is reached twice",
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
        return fail(iso, -E2BIG, "a directory of %llu bytes (more than %u)",
                    (unsigned long long)size, ISO_MAX_DIR_BYTES);
    if (off > iso->size || size > iso->size - off)
        return fail(iso, -EINVAL, "directory extent at sector %llu past the end of the ISO",
                    (unsigned long long)(off / ISO_SECTOR));
    iso->dir_bytes += size;
    if (iso->dir_bytes > ISO_MAX_TOTAL_DIR_BYTES)
        return fail(iso, -E2BIG, "directories larger than %u bytes in total",
                    ISO_MAX_TOTAL_DIR_BYTES);
    buf = malloc(size ? size : 1);
    if (!buf)
        return -ENOMEM;
    r = rd(iso, off, buf, (size_t)size);
    if (r < 0) {
        r = fail(iso, r, "directory at sector %llu unreadable",
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
            r = fail(iso, -EINVAL, "malformed directory record at sector %llu",
                     (unsigned long long)((off + pos) / ISO_SECTOR));
            goto out;
        }
        r = parse_rec(iso, buf + pos, len, &rec);
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
        r = fail(iso, -EINVAL, "multi-extent file without its last section");
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

/* The first record of the root directory starts with SUSP's SP entry when Rock Ridge is used. */
static int detect_rr(struct iso *iso, const uint8_t *root_rec)
{
    uint8_t b[256];
    struct rec r;
    uint64_t off = (uint64_t)(le32(root_rec + 2) + root_rec[1]) * ISO_SECTOR;

    if (rd(iso, off, b, sizeof(b)) < 0 || b[0] < 34)
        return 0;
    if (parse_rec(iso, b, b[0], &r) < 0) {
        iso->err[0] = '\0';
        return 0;
    }
    if (r.su_len >= 7 && r.su[0] == 'S' && r.su[1] == 'P' && r.su[2] >= 7 && r.su[4] == 0xbe &&
        r.su[5] == 0xef) {
        iso->rr = 1;
        iso->skp = r.su[6];
    }
    return 0;
}

static int parse(struct iso *iso)
{
    uint8_t vd[ISO_SECTOR], pvd_root[34], svd_root[34];
    int have_pvd = 0, have_svd = 0, r;
    uint32_t root;
    const uint8_t *root_rec;
    struct rec rec;

    for (int i = 0; i < ISO_MAX_VD; i++) {
        r = rd(iso, (uint64_t)(16 + i) * ISO_SECTOR, vd, sizeof(vd));
        if (r < 0)
            return fail(iso, r == -EINVAL ? -EINVAL : r,
                        "no volume descriptor set terminator (truncated or not an ISO 9660 "
                        "image)");
        if (memcmp(vd + 1, "CD001", 5) != 0)
            return fail(iso, -EINVAL, "not an ISO 9660 image (no CD001 at sector %d)", 16 + i);
        if (vd[0] == 255)
            break;
        if (vd[0] == 1 && !have_pvd) {
            if (le16(vd + 128) != ISO_SECTOR)
                return fail(iso, -EINVAL, "logical block size %u is not supported", le16(vd + 128));
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
            if (le16(vd + 128) == ISO_SECTOR) {
                memcpy(svd_root, vd + 156, 34);
                have_svd = 1;
            }
        }
        if (i == ISO_MAX_VD - 1)
            return fail(iso, -EINVAL, "more than %d volume descriptors", ISO_MAX_VD);
    }
    if (!have_pvd)
        return fail(iso, -EINVAL, "no primary volume descriptor");
    r = detect_rr(iso, pvd_root);
    if (r < 0)
        return r;
    root_rec = pvd_root;
    if (!iso->rr && have_svd) {
        iso->joliet = 1;
        root_rec = svd_root;
    }
    if (root_rec[0] < 34)
        return fail(iso, -EINVAL, "malformed root directory record");
    r = parse_rec(iso, root_rec, 34, &rec);
    if (r < 0)
        return r;
    if (!(rec.flags & FL_DIR))
        return fail(iso, -EINVAL, "root directory record is not a directory");
    r = node_new(iso, &root);
    if (r < 0)
        return r;
    r = names_add(iso, "", 0, &iso->nodes[root].name);
    if (r < 0)
        return r;
    iso->nodes[root].type = ISO_DIR;
    iso->nodes[root].offset = rec.lba * ISO_SECTOR;
    iso->nodes[root].size = rec.size;
    iso->nodes[root].mtime = rec.mtime;
    for (uint32_t i = 0; i < iso->n; i++) {
        if (iso->nodes[i].type != ISO_DIR)
            continue;
        r = read_dir(iso, i);
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
            fail(iso, r, "out of memory");
        else
            fail(iso, r, "%s", strerror(-r));
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
