/* SPDX-License-Identifier: MIT */
/* NBD fixed newstyle negotiation on byte buffers; transmission is in nbd_transmit.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nbd_proto.h"
#include "nbd_wire.h"

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
