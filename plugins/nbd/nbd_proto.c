/* SPDX-License-Identifier: MIT */
/* NBD fixed newstyle negotiation and transmission decisions on byte buffers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nbd_proto.h"

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)(v >> 32));
    put32(p + 4, (uint32_t)v);
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint64_t get64(const uint8_t *p)
{
    return ((uint64_t)get32(p) << 32) | get32(p + 4);
}

void nbd_out_reset(struct nbd_out *out)
{
    out->len = 0;
}

void nbd_out_free(struct nbd_out *out)
{
    free(out->data);
    out->data = NULL;
    out->len = out->cap = 0;
}

/* Reserves n more bytes and returns where they start, or NULL (*r set). */
static uint8_t *out_grow(struct nbd_out *out, size_t n, int *r)
{
    if (n > NBD_OUT_MAX || out->len > NBD_OUT_MAX - n) {
        *r = -E2BIG;
        return NULL;
    }
    if (out->len + n > out->cap) {
        size_t cap = out->cap ? out->cap : 256;
        uint8_t *p;

        while (cap < out->len + n)
            cap *= 2;
        p = realloc(out->data, cap);
        if (!p) {
            *r = -ENOMEM;
            return NULL;
        }
        out->data = p;
        out->cap = cap;
    }
    out->len += n;
    return out->data + out->len - n;
}

int nbd_greeting(struct nbd_out *out)
{
    int r = 0;
    uint8_t *p = out_grow(out, NBD_GREETING_SIZE, &r);

    if (!p)
        return r;
    put64(p, NBD_MAGIC);
    put64(p + 8, NBD_IHAVEOPT);
    put16(p + 16, NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES);
    return 0;
}

int nbd_client_flags(struct nbd_hs *hs, const uint8_t in[4])
{
    uint32_t f = get32(in);

    if (f & ~(NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES))
        return -EPROTO;
    if (!(f & NBD_FLAG_C_FIXED_NEWSTYLE))
        return -EPROTO;
    hs->client_flags = f;
    return 0;
}

int nbd_opt_header(const uint8_t in[NBD_OPT_HDR_SIZE], uint32_t *ret_opt, uint32_t *ret_len)
{
    if (get64(in) != NBD_IHAVEOPT)
        return -EPROTO;
    *ret_opt = get32(in + 8);
    *ret_len = get32(in + 12);
    return 0;
}

/* Appends an option reply header announcing len bytes of data; returns the data area. */
static uint8_t *rep(struct nbd_out *out, uint32_t opt, uint32_t type, uint32_t len, int *r)
{
    uint8_t *p = out_grow(out, 20 + (size_t)len, r);

    if (!p)
        return NULL;
    put64(p, NBD_REP_MAGIC);
    put32(p + 8, opt);
    put32(p + 12, type);
    put32(p + 16, len);
    return p + 20;
}

static int rep_empty(struct nbd_out *out, uint32_t opt, uint32_t type)
{
    int r = 0;

    return rep(out, opt, type, 0, &r) ? 0 : r;
}

static int rep_info_export(struct nbd_out *out, uint32_t opt, uint64_t size)
{
    int r = 0;
    uint8_t *p = rep(out, opt, NBD_REP_INFO, 12, &r);

    if (!p)
        return r;
    put16(p, NBD_INFO_EXPORT);
    put64(p + 2, size);
    put16(p + 10, NBD_TRANSMISSION_FLAGS);
    return 0;
}

static int rep_info_string(struct nbd_out *out, uint32_t opt, uint16_t info, const char *s)
{
    size_t n = strnlen(s, NBD_NAME_MAX);
    int r = 0;
    uint8_t *p = rep(out, opt, NBD_REP_INFO, (uint32_t)(2 + n), &r);

    if (!p)
        return r;
    put16(p, info);
    memcpy(p + 2, s, n);
    return 0;
}

static int rep_info_block_size(struct nbd_out *out, uint32_t opt)
{
    int r = 0;
    uint8_t *p = rep(out, opt, NBD_REP_INFO, 14, &r);

    if (!p)
        return r;
    put16(p, NBD_INFO_BLOCK_SIZE);
    put32(p + 2, 1);    /* minimum: any alignment */
    put32(p + 6, 4096); /* preferred */
    put32(p + 10, NBD_MAX_PAYLOAD);
    return 0;
}

/* NBD_OPT_INFO and NBD_OPT_GO: name length, name, count, count 16-bit info requests. */
static int opt_info_go(struct nbd_hs *hs, uint32_t opt, const uint8_t *d, uint32_t len,
                       const struct nbd_exports *ex, struct nbd_out *out, int *ret_id)
{
    struct nbd_export_info info;
    uint32_t namelen, nreq, i;
    int want_name = 0, want_desc = 0, id = -1, r;

    if (len < 6)
        return rep_empty(out, opt, NBD_REP_ERR_INVALID);
    namelen = get32(d);
    if (namelen > len - 6 || namelen > NBD_NAME_MAX)
        return rep_empty(out, opt, NBD_REP_ERR_INVALID);
    nreq = get16(d + 4 + namelen);
    if ((uint64_t)len != 6 + (uint64_t)namelen + 2 * (uint64_t)nreq)
        return rep_empty(out, opt, NBD_REP_ERR_INVALID);
    if (memchr(d + 4, 0, namelen))
        return rep_empty(out, opt, NBD_REP_ERR_INVALID);
    for (i = 0; i < nreq; i++) {
        uint16_t t = get16(d + 6 + namelen + 2 * i);

        want_name |= t == NBD_INFO_NAME;
        want_desc |= t == NBD_INFO_DESCRIPTION;
    }
    if (hs->refusing) {
        hs->refused++;
        return rep_empty(out, opt, NBD_REP_ERR_SHUTDOWN);
    }
    if (ex->find(ex->ud, (const char *)d + 4, namelen, &info, &id) < 0)
        return rep_empty(out, opt, NBD_REP_ERR_UNKNOWN);

    r = rep_info_export(out, opt, info.size);
    if (r == 0 && want_name)
        r = rep_info_string(out, opt, NBD_INFO_NAME, info.name);
    if (r == 0 && want_desc && info.description)
        r = rep_info_string(out, opt, NBD_INFO_DESCRIPTION, info.description);
    if (r == 0)
        r = rep_info_block_size(out, opt);
    if (r == 0)
        r = rep_empty(out, opt, NBD_REP_ACK);
    if (r < 0)
        return r;
    if (opt == NBD_OPT_INFO)
        return NBD_HS_CONTINUE;
    *ret_id = id;
    return NBD_HS_GO;
}

static int opt_list(struct nbd_hs *hs, uint32_t len, const struct nbd_exports *ex,
                    struct nbd_out *out)
{
    struct nbd_export_info info;
    uint32_t i;
    int r = 0;

    if (len != 0)
        return rep_empty(out, NBD_OPT_LIST, NBD_REP_ERR_INVALID);
    if (hs->refusing) {
        hs->refused++;
        return rep_empty(out, NBD_OPT_LIST, NBD_REP_ERR_SHUTDOWN);
    }
    for (i = 0; ex->get(ex->ud, i, &info) == 0; i++) {
        size_t n = strnlen(info.name, NBD_NAME_MAX);
        uint8_t *p = rep(out, NBD_OPT_LIST, NBD_REP_SERVER, (uint32_t)(4 + n), &r);

        if (!p)
            return r;
        put32(p, (uint32_t)n);
        memcpy(p + 4, info.name, n);
    }
    return rep_empty(out, NBD_OPT_LIST, NBD_REP_ACK);
}

/* NBD_OPT_EXPORT_NAME: no error reply exists, an unknown name closes. */
static int opt_export_name(struct nbd_hs *hs, const uint8_t *d, uint32_t len,
                           const struct nbd_exports *ex, struct nbd_out *out, int *ret_id)
{
    struct nbd_export_info info;
    size_t pad = (hs->client_flags & NBD_FLAG_C_NO_ZEROES) ? 0 : 124;
    int id = -1, r = 0;
    uint8_t *p;

    if (hs->refusing) {
        hs->refused++;
        return NBD_HS_CLOSE;
    }
    if (len > NBD_NAME_MAX || (len && memchr(d, 0, len)))
        return NBD_HS_CLOSE;
    if (ex->find(ex->ud, (const char *)d, len, &info, &id) < 0)
        return NBD_HS_CLOSE;
    p = out_grow(out, 10 + pad, &r);
    if (!p)
        return r;
    put64(p, info.size);
    put16(p + 8, NBD_TRANSMISSION_FLAGS);
    memset(p + 10, 0, pad);
    *ret_id = id;
    return NBD_HS_GO;
}

int nbd_hs_option(struct nbd_hs *hs, uint32_t opt, const uint8_t *data, uint32_t len,
                  const struct nbd_exports *ex, struct nbd_out *out, int *ret_id)
{
    int r;

    hs->options++;
    if (len > NBD_OPT_MAX)
        return -EINVAL;
    if (opt == NBD_OPT_STARTTLS && hs->tls != NBD_TLS_OFF) {
        if (len != 0 || hs->tls_active)
            return rep_empty(out, opt, NBD_REP_ERR_INVALID);
        r = rep_empty(out, opt, NBD_REP_ACK);
        return r < 0 ? r : NBD_HS_STARTTLS;
    }
    if (hs->tls == NBD_TLS_REQUIRE && !hs->tls_active && opt != NBD_OPT_ABORT) {
        /* EXPORT_NAME has no error reply: hang up. */
        if (opt == NBD_OPT_EXPORT_NAME)
            return NBD_HS_CLOSE;
        return rep_empty(out, opt, NBD_REP_ERR_TLS_REQD);
    }
    switch (opt) {
    case NBD_OPT_EXPORT_NAME:
        return opt_export_name(hs, data, len, ex, out, ret_id);
    case NBD_OPT_ABORT:
        r = rep_empty(out, opt, NBD_REP_ACK);
        return r < 0 ? r : NBD_HS_CLOSE;
    case NBD_OPT_LIST:
        return opt_list(hs, len, ex, out);
    case NBD_OPT_INFO:
    case NBD_OPT_GO:
        return opt_info_go(hs, opt, data, len, ex, out, ret_id);
    case NBD_OPT_STRUCTURED_REPLY:
        if (len != 0)
            return rep_empty(out, opt, NBD_REP_ERR_INVALID);
        hs->structured = 1;
        return rep_empty(out, opt, NBD_REP_ACK);
    default:
        /* STARTTLS, meta contexts, extended headers and anything newer. */
        return rep_empty(out, opt, NBD_REP_ERR_UNSUP);
    }
}

int nbd_opt_too_big(uint32_t opt, struct nbd_out *out)
{
    return rep_empty(out, opt, NBD_REP_ERR_TOO_BIG);
}

int nbd_request_parse(const uint8_t in[NBD_REQUEST_SIZE], struct nbd_request *ret)
{
    if (get32(in) != NBD_REQUEST_MAGIC)
        return -EPROTO;
    ret->flags = get16(in + 4);
    ret->type = get16(in + 6);
    ret->cookie = get64(in + 8);
    ret->offset = get64(in + 16);
    ret->length = get32(in + 24);
    return 0;
}

static int in_range(const struct nbd_request *rq, uint64_t size)
{
    return rq->offset <= size && rq->length <= size - rq->offset;
}

int nbd_request_check(const struct nbd_request *rq, uint64_t size, uint32_t *ret_error)
{
    *ret_error = 0;
    if (rq->type == NBD_CMD_WRITE) {
        /* The payload follows whatever we answer: drop it to stay in sync, or hang up. */
        if (rq->length > NBD_MAX_PAYLOAD)
            return NBD_ACT_DISCONNECT;
        *ret_error = NBD_EPERM;
        return NBD_ACT_DISCARD;
    }
    if (rq->flags & ~NBD_CMD_FLAGS_KNOWN) {
        *ret_error = NBD_EINVAL;
        return NBD_ACT_ERROR;
    }
    switch (rq->type) {
    case NBD_CMD_READ:
        if (rq->length > NBD_MAX_PAYLOAD) {
            *ret_error = (rq->flags & NBD_CMD_FLAG_DF) ? NBD_EOVERFLOW : NBD_EINVAL;
            return NBD_ACT_ERROR;
        }
        if (!in_range(rq, size)) {
            *ret_error = NBD_EINVAL;
            return NBD_ACT_ERROR;
        }
        return NBD_ACT_READ;
    case NBD_CMD_DISC:
        return NBD_ACT_DISCONNECT;
    case NBD_CMD_FLUSH:
        return NBD_ACT_OK;
    case NBD_CMD_CACHE:
        if (!in_range(rq, size)) {
            *ret_error = NBD_EINVAL;
            return NBD_ACT_ERROR;
        }
        return NBD_ACT_OK;
    case NBD_CMD_TRIM:
    case NBD_CMD_WRITE_ZEROES:
        *ret_error = NBD_EPERM;
        return NBD_ACT_ERROR;
    default:
        /* BLOCK_STATUS needs a meta context, which we never agree to. */
        *ret_error = NBD_EINVAL;
        return NBD_ACT_ERROR;
    }
}

size_t nbd_simple_reply(uint8_t buf[NBD_SIMPLE_REPLY_SIZE], uint64_t cookie, uint32_t error)
{
    put32(buf, NBD_SIMPLE_REPLY_MAGIC);
    put32(buf + 4, error);
    put64(buf + 8, cookie);
    return NBD_SIMPLE_REPLY_SIZE;
}

static void chunk_hdr(uint8_t *buf, uint16_t type, uint64_t cookie, uint32_t length)
{
    put32(buf, NBD_STRUCTURED_REPLY_MAGIC);
    put16(buf + 4, NBD_REPLY_FLAG_DONE);
    put16(buf + 6, type);
    put64(buf + 8, cookie);
    put32(buf + 16, length);
}

size_t nbd_chunk_data(uint8_t buf[NBD_CHUNK_HDR_SIZE + 8], uint64_t cookie, uint64_t offset,
                      uint32_t length)
{
    chunk_hdr(buf, NBD_REPLY_TYPE_OFFSET_DATA, cookie, 8 + length);
    put64(buf + NBD_CHUNK_HDR_SIZE, offset);
    return NBD_CHUNK_HDR_SIZE + 8;
}

size_t nbd_chunk_none(uint8_t buf[NBD_CHUNK_HDR_SIZE], uint64_t cookie)
{
    chunk_hdr(buf, NBD_REPLY_TYPE_NONE, cookie, 0);
    return NBD_CHUNK_HDR_SIZE;
}

size_t nbd_chunk_error(uint8_t buf[NBD_CHUNK_HDR_SIZE + 6], uint64_t cookie, uint32_t error)
{
    chunk_hdr(buf, NBD_REPLY_TYPE_ERROR, cookie, 6);
    put32(buf + NBD_CHUNK_HDR_SIZE, error);
    put16(buf + NBD_CHUNK_HDR_SIZE + 4, 0);
    return NBD_CHUNK_HDR_SIZE + 6;
}
