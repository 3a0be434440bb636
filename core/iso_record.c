/* SPDX-License-Identifier: MIT */
/*
 * Reading the image: bounded reads, little-endian numbers, ECMA-119 dates
 * and directory records (9.1), and the node and name tables every other part
 * of the reader appends to, each with its cap.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iso_int.h"

int iso_fail(struct iso *iso, int r, const char *fmt, ...)
{
    va_list ap;

    if (iso->err && iso->errlen && !iso->err[0]) {
        va_start(ap, fmt);
        vsnprintf(iso->err, iso->errlen, fmt, ap);
        va_end(ap);
    }
    return r;
}

uint32_t iso_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint16_t iso_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* Reads len bytes at off; -EINVAL when the range is past the end of the ISO. */
int iso_read(struct iso *iso, uint64_t off, void *buf, size_t len)
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
int64_t iso_date7(const uint8_t *p)
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
int64_t iso_date17(const uint8_t *p)
{
    int y, mo, d, h, mi, s;

    if (digits(p, 4, &y) || digits(p + 4, 2, &mo) || digits(p + 6, 2, &d) || digits(p + 8, 2, &h) ||
        digits(p + 10, 2, &mi) || digits(p + 12, 2, &s))
        return 0;
    return mk_time(y, mo, d, h, mi, s, (int8_t)p[16]);
}

int iso_names_add(struct iso *iso, const char *s, size_t len, uint32_t *ret)
{
    if (iso->names_len + len + 1 > iso->names_cap) {
        size_t cap = iso->names_cap ? iso->names_cap * 2 : 4096;
        char *n;

        while (cap < iso->names_len + len + 1)
            cap *= 2;
        if (cap > ISO_MAX_NAME_BYTES)
            return iso_fail(iso, -E2BIG, "names and symlink targets larger than %u bytes",
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

int iso_node_new(struct iso *iso, uint32_t *ret)
{
    if (iso->n >= ISO_MAX_NODES)
        return iso_fail(iso, -E2BIG, "more than %u directory entries", ISO_MAX_NODES);
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

/* Parses the record at p (len bytes, len >= 34 checked by the caller). */
int iso_parse_rec(struct iso *iso, const uint8_t *p, size_t len, struct rec *r)
{
    size_t idl = p[32], su;

    if (33 + idl > len || idl == 0)
        return iso_fail(iso, -EINVAL, "malformed directory record (identifier length %zu)", idl);
    r->lba = iso_le32(p + 2) + (uint64_t)p[1]; /* extended attribute record precedes the data */
    r->size = iso_le32(p + 10);
    r->mtime = iso_date7(p + 18);
    r->flags = p[25];
    r->id = p + 33;
    r->id_len = idl;
    su = 33 + idl + !(idl & 1);
    r->su = p + su;
    r->su_len = su < len ? len - su : 0;
    if (p[26] || p[27])
        return iso_fail(iso, -EINVAL, "interleaved files are not supported");
    return 0;
}
