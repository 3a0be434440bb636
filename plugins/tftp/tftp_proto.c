/* SPDX-License-Identifier: MIT */
/*
 * TFTP protocol, pure (see tftp_proto.h).  Everything here works on byte
 * buffers supplied by the caller and trusts no length it did not check.
 */
#include "tftp_proto.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

/* Next NUL-terminated string at *pos in pkt[0..len); NULL when unterminated. */
static const char *next_string(const uint8_t *pkt, size_t len, size_t *pos)
{
    const uint8_t *start = pkt + *pos, *nul;

    if (*pos >= len)
        return NULL;
    nul = memchr(start, 0, len - *pos);
    if (!nul)
        return NULL;
    *pos += (size_t)(nul - start) + 1;
    return (const char *)start;
}

/* Decimal digits only; -ERANGE beyond max, -EINVAL otherwise invalid. */
static int parse_uint(const char *s, uint64_t max, uint64_t *ret)
{
    uint64_t v = 0;
    int over = 0;

    if (!*s)
        return -EINVAL;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -EINVAL;
        if (v > (UINT64_MAX - 9) / 10)
            over = 1;
        else
            v = v * 10 + (uint64_t)(*s - '0');
    }
    if (over || v > max)
        return -ERANGE;
    *ret = v;
    return 0;
}

static void parse_option(struct tftp_request *req, const char *name, const char *value)
{
    uint64_t v;
    int r;

    if (strcasecmp(name, "blksize") == 0 && !(req->opts & TFTP_OPT_BLKSIZE)) {
        r = parse_uint(value, UINT64_MAX, &v);
        if (r == -ERANGE)
            v = TFTP_BLKSIZE_MAX, r = 0; /* absurdly large: the server may answer smaller */
        if (r == 0 && v >= TFTP_BLKSIZE_MIN) {
            req->blksize = v > TFTP_BLKSIZE_MAX ? TFTP_BLKSIZE_MAX : (uint32_t)v;
            req->opts |= TFTP_OPT_BLKSIZE;
        }
    } else if (strcasecmp(name, "tsize") == 0 && !(req->opts & TFTP_OPT_TSIZE)) {
        if (parse_uint(value, UINT64_MAX, &v) == 0) {
            req->tsize = v;
            req->opts |= TFTP_OPT_TSIZE;
        }
    } else if (strcasecmp(name, "timeout") == 0 && !(req->opts & TFTP_OPT_TIMEOUT)) {
        if (parse_uint(value, TFTP_TIMEOUT_MAX, &v) == 0 && v >= TFTP_TIMEOUT_MIN) {
            req->timeout = (uint32_t)v;
            req->opts |= TFTP_OPT_TIMEOUT;
        }
    } else if (strcasecmp(name, "windowsize") == 0 && !(req->opts & TFTP_OPT_WINDOWSIZE)) {
        r = parse_uint(value, UINT64_MAX, &v);
        if (r == -ERANGE)
            v = TFTP_WINDOW_MAX, r = 0;
        if (r == 0 && v >= 1) {
            req->windowsize = v > TFTP_WINDOW_MAX ? TFTP_WINDOW_MAX : (uint32_t)v;
            req->opts |= TFTP_OPT_WINDOWSIZE;
        }
    }
}

int tftp_parse_request(const uint8_t *pkt, size_t len, struct tftp_request *req)
{
    const char *name, *mode, *oname, *oval;
    size_t pos = 2, nlen;

    memset(req, 0, sizeof(*req));
    if (len < 2)
        return -EINVAL;
    req->opcode = (uint16_t)(pkt[0] << 8 | pkt[1]);
    if (req->opcode != TFTP_RRQ && req->opcode != TFTP_WRQ)
        return -EPROTO;
    name = next_string(pkt, len, &pos);
    if (!name)
        return -EINVAL;
    nlen = strlen(name);
    if (nlen == 0)
        return -EINVAL;
    if (nlen > TFTP_PATH_MAX)
        return -ENAMETOOLONG;
    memcpy(req->filename, name, nlen + 1);
    mode = next_string(pkt, len, &pos);
    if (!mode)
        return -EINVAL;
    if (strcasecmp(mode, "octet") == 0)
        req->mode = TFTP_MODE_OCTET;
    else if (strcasecmp(mode, "netascii") == 0)
        req->mode = TFTP_MODE_NETASCII;
    else
        return -ENOTSUP;
    while ((oname = next_string(pkt, len, &pos)) && (oval = next_string(pkt, len, &pos)))
        parse_option(req, oname, oval);
    return 0;
}

void tftp_negotiate(const struct tftp_request *req, const struct tftp_limits *lim, uint64_t size,
                    struct tftp_params *out)
{
    uint32_t bmax = lim->blksize_max, wmax = lim->windowsize_max;

    if (bmax < TFTP_BLKSIZE_MIN)
        bmax = TFTP_BLKSIZE_MIN;
    if (bmax > TFTP_BLKSIZE_MAX)
        bmax = TFTP_BLKSIZE_MAX;
    if (wmax < 1)
        wmax = 1;
    if (wmax > TFTP_WINDOW_CAP)
        wmax = TFTP_WINDOW_CAP;
    memset(out, 0, sizeof(*out));
    out->blksize = TFTP_BLKSIZE_DEFAULT;
    out->windowsize = 1;
    if (req->opts & TFTP_OPT_BLKSIZE) {
        out->blksize = req->blksize < bmax ? req->blksize : bmax;
        out->opts |= TFTP_OPT_BLKSIZE;
    }
    if (req->opts & TFTP_OPT_WINDOWSIZE) {
        out->windowsize = req->windowsize < wmax ? req->windowsize : wmax;
        out->opts |= TFTP_OPT_WINDOWSIZE;
    }
    if (req->opts & TFTP_OPT_TIMEOUT) {
        out->timeout = req->timeout;
        out->opts |= TFTP_OPT_TIMEOUT;
    }
    /* curl refuses "tsize 0" in an OACK: leave it out for empty content (RFC 2347 allows it). */
    if ((req->opts & TFTP_OPT_TSIZE) && size > 0) {
        out->tsize = size;
        out->opts |= TFTP_OPT_TSIZE;
    }
}

/* Appends "name\0value\0"; -ENOSPC when it does not fit. */
static int put_option(uint8_t *buf, size_t size, size_t *pos, const char *name, uint64_t value)
{
    char digits[21];
    size_t nl = strlen(name), dl = 0, i;
    uint64_t v = value;

    do {
        digits[dl++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (*pos + nl + 1 + dl + 1 > size)
        return -ENOSPC;
    memcpy(buf + *pos, name, nl + 1);
    *pos += nl + 1;
    for (i = 0; i < dl; i++)
        buf[(*pos)++] = (uint8_t)digits[dl - 1 - i];
    buf[(*pos)++] = 0;
    return 0;
}

int tftp_build_oack(const struct tftp_params *p, uint8_t *buf, size_t size)
{
    size_t pos = 2;
    int r = 0;

    if (size < 2)
        return -ENOSPC;
    buf[0] = 0;
    buf[1] = TFTP_OACK;
    if (p->opts & TFTP_OPT_BLKSIZE)
        r = put_option(buf, size, &pos, "blksize", p->blksize);
    if (r == 0 && (p->opts & TFTP_OPT_TSIZE))
        r = put_option(buf, size, &pos, "tsize", p->tsize);
    if (r == 0 && (p->opts & TFTP_OPT_TIMEOUT))
        r = put_option(buf, size, &pos, "timeout", p->timeout);
    if (r == 0 && (p->opts & TFTP_OPT_WINDOWSIZE))
        r = put_option(buf, size, &pos, "windowsize", p->windowsize);
    return r < 0 ? r : (int)pos;
}

int tftp_build_error(uint16_t code, const char *msg, uint8_t *buf, size_t size)
{
    size_t ml = strlen(msg);

    if (ml > 255)
        ml = 255;
    if (size < 5)
        return -ENOSPC;
    if (ml > size - 5)
        ml = size - 5;
    buf[0] = 0;
    buf[1] = TFTP_ERROR;
    buf[2] = (uint8_t)(code >> 8);
    buf[3] = (uint8_t)code;
    memcpy(buf + 4, msg, ml);
    buf[4 + ml] = 0;
    return (int)(ml + 5);
}

void tftp_build_data_header(uint64_t idx, uint8_t hdr[4])
{
    hdr[0] = 0;
    hdr[1] = TFTP_DATA;
    hdr[2] = (uint8_t)(idx >> 8);
    hdr[3] = (uint8_t)idx;
}

uint64_t tftp_netascii_size(const uint8_t *in, size_t len)
{
    uint64_t n = len;
    size_t i;

    for (i = 0; i < len; i++)
        if (in[i] == '\n' || in[i] == '\r')
            n++;
    return n;
}

void tftp_netascii_encode(const uint8_t *in, size_t len, uint8_t *out)
{
    size_t i;

    for (i = 0; i < len; i++) {
        if (in[i] == '\n') {
            *out++ = '\r';
            *out++ = '\n';
        } else if (in[i] == '\r') {
            *out++ = '\r';
            *out++ = 0;
        } else {
            *out++ = in[i];
        }
    }
}

void tftp_xfer_init(struct tftp_xfer *x, uint64_t size, uint32_t blksize, uint32_t windowsize,
                    uint32_t oack)
{
    memset(x, 0, sizeof(*x));
    x->size = size;
    x->blksize = blksize ? blksize : TFTP_BLKSIZE_DEFAULT;
    x->windowsize = windowsize ? windowsize : 1;
    if (x->windowsize > TFTP_WINDOW_CAP)
        x->windowsize = TFTP_WINDOW_CAP;
    x->nblocks = size / x->blksize + 1;
    x->acked = 0;
    x->next = 1;
    x->oack_pending = oack ? 1 : 0;
}

int tftp_xfer_ack(struct tftp_xfer *x, uint16_t block)
{
    uint64_t sent, diff;

    if (x->oack_pending) {
        if (block != 0)
            return TFTP_ACK_IGNORED;
        x->oack_pending = 0;
        return TFTP_ACK_PROGRESS;
    }
    /* Blocks acked+1 .. sent_max were sent (some maybe twice); the ACK names one of them. */
    if (x->next - 1 > x->sent_max)
        x->sent_max = x->next - 1;
    sent = x->sent_max - x->acked;
    diff = (uint16_t)(block - (uint16_t)x->acked);
    if (diff == 0 || diff > sent)
        return TFTP_ACK_IGNORED;
    x->acked += diff;
    /*
     * RFC 7440: the next window starts after the acknowledged block.  Windows
     * stay full size: a receiver acknowledges after windowsize blocks, so a
     * shorter window would only wait for its timeout.
     */
    x->next = x->acked + 1;
    return x->acked >= x->nblocks ? TFTP_ACK_DONE : TFTP_ACK_PROGRESS;
}

uint64_t tftp_xfer_next(const struct tftp_xfer *x)
{
    uint64_t end = x->acked + x->windowsize;

    if (x->oack_pending)
        return 0;
    if (end > x->nblocks)
        end = x->nblocks;
    return x->next <= end ? x->next : 0;
}

uint64_t tftp_xfer_block_offset(const struct tftp_xfer *x, uint64_t idx)
{
    return (idx - 1) * x->blksize;
}

uint32_t tftp_xfer_block_len(const struct tftp_xfer *x, uint64_t idx)
{
    uint64_t off = tftp_xfer_block_offset(x, idx);

    if (off >= x->size)
        return 0;
    return x->size - off < x->blksize ? (uint32_t)(x->size - off) : x->blksize;
}

void tftp_xfer_rewind(struct tftp_xfer *x)
{
    if (x->next - 1 > x->sent_max)
        x->sent_max = x->next - 1;
    x->next = x->acked + 1;
}

const char *tftp_path_strip(const char *name)
{
    if (name[0] == ':' && name[1] == ':')
        name += 2;
    while (*name == '/' || *name == '\\')
        name++;
    return name;
}

int tftp_is_loader(const char *path)
{
    static const char *const suffixes[] = {".0", ".efi", ".kpxe", ".pxe"};
    size_t pl = strlen(path), i, sl;

    for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        sl = strlen(suffixes[i]);
        if (pl > sl && strcasecmp(path + pl - sl, suffixes[i]) == 0)
            return 1;
    }
    return 0;
}
