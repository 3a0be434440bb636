/* SPDX-License-Identifier: MIT */
/*
 * Entry names: Rock Ridge (IEEE P1281 SUSP, P1282 RRIP 1.12: NM, SL, PX, TF,
 * CL, RE, with continuation areas), Joliet UCS-2 names as UTF-8, and plain
 * ISO 9660 identifiers mapped like Linux's map=normal.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iso_int.h"

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
    rr->mtime = w == 17 ? iso_date17(p + off) : iso_date7(p + off);
    rr->has_mtime = 1;
}

/* Walks the SUSP entries of a system use area and its continuation areas. */
int iso_parse_susp(struct iso *iso, const uint8_t *su, size_t len, struct rr *rr)
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
                ce_off = (uint64_t)iso_le32(e + 4) * ISO_SECTOR + iso_le32(e + 12);
                ce_len = iso_le32(e + 20);
            } else if (e[0] == 'N' && e[1] == 'M' && el >= 5) {
                if (!(e[4] & 0x06)) {
                    rr->has_name = 1;
                    if (rr_append(rr->name, &rr->name_len, ISO_MAX_NAME, e + 5, el - 5) < 0) {
                        r = iso_fail(iso, -EINVAL, "Rock Ridge name longer than %d bytes",
                                     ISO_MAX_NAME);
                        goto out;
                    }
                }
            } else if (e[0] == 'S' && e[1] == 'L' && el >= 5) {
                if (rr_sl(rr, e + 4, el - 4) < 0) {
                    r = iso_fail(iso, -EINVAL, "malformed or too long Rock Ridge symlink");
                    goto out;
                }
            } else if (e[0] == 'P' && e[1] == 'X' && el >= 12) {
                rr->mode = iso_le32(e + 4);
                rr->has_mode = 1;
            } else if (e[0] == 'T' && e[1] == 'F' && el >= 5) {
                rr_tf(rr, e + 4, el - 4);
            } else if (e[0] == 'C' && e[1] == 'L' && el >= 12) {
                rr->cl = iso_le32(e + 4);
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
            r = iso_fail(iso, -EINVAL, "too many or too long SUSP continuation areas");
            goto out;
        }
        if (!ce_buf && !(ce_buf = malloc(ISO_MAX_CE_LEN))) {
            r = -ENOMEM;
            goto out;
        }
        if (iso_read(iso, ce_off, ce_buf, (size_t)ce_len) < 0) {
            r = iso_fail(iso, -EINVAL, "SUSP continuation area past the end of the ISO");
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
int iso_rec_name(struct iso *iso, const struct rec *r, const struct rr *rr, char *out,
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
                return iso_fail(iso, -EINVAL, "Joliet name too long");
            put_utf8(out, &o, c);
        }
        out[o] = '\0';
        strip_version(out, &o);
    } else {
        if (r->id_len > ISO_MAX_NAME)
            return iso_fail(iso, -EINVAL, "ISO 9660 name too long");
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
        return iso_fail(iso, -EINVAL, "invalid file name in directory record");
    *ret_len = o;
    return 0;
}

/* The first record of the root directory starts with SUSP's SP entry when Rock Ridge is used. */
int iso_detect_rr(struct iso *iso, const uint8_t *root_rec)
{
    uint8_t b[256];
    struct rec r;
    uint64_t off = (uint64_t)(iso_le32(root_rec + 2) + root_rec[1]) * ISO_SECTOR;

    if (iso_read(iso, off, b, sizeof(b)) < 0 || b[0] < 34)
        return 0;
    if (iso_parse_rec(iso, b, b[0], &r) < 0) {
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
