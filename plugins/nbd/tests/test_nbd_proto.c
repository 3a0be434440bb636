/* SPDX-License-Identifier: MIT */
/* Unit tests of nbd_proto.c on byte buffers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "../nbd_proto.h"

static const char *names[] = {"archiso", "other"};
static const uint64_t sizes[] = {1048576, 4096};

static int t_find(void *ud, const char *name, size_t len, struct nbd_export_info *ret, int *id)
{
    for (int i = 0; i < 2; i++)
        if ((len == 0 && i == 0) || (strlen(names[i]) == len && !memcmp(names[i], name, len))) {
            ret->name = names[i];
            ret->description = "desc";
            ret->size = sizes[i];
            *id = i;
            return 0;
        }
    return -ENOENT;
}

static int t_get(void *ud, uint32_t i, struct nbd_export_info *ret)
{
    if (i >= 2)
        return -ENOENT;
    ret->name = names[i];
    ret->description = NULL;
    ret->size = sizes[i];
    return 0;
}

static const struct nbd_exports ex = {t_find, t_get, NULL};

static uint64_t be(const uint8_t *p, int n)
{
    uint64_t v = 0;

    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* Builds an INFO/GO payload: name, then the info requests. */
static size_t go_payload(uint8_t *b, const char *name, int nreq, const uint16_t *req)
{
    size_t n = strlen(name), o = 0;

    b[o++] = 0, b[o++] = 0, b[o++] = (uint8_t)(n >> 8), b[o++] = (uint8_t)n;
    memcpy(b + o, name, n);
    o += n;
    b[o++] = 0, b[o++] = (uint8_t)nreq;
    for (int i = 0; i < nreq; i++)
        b[o++] = (uint8_t)(req[i] >> 8), b[o++] = (uint8_t)req[i];
    return o;
}

/* Walks the option replies in out: returns how many, the type of the i-th in types[]. */
static int replies(const struct nbd_out *out, uint32_t opt, uint32_t *types, int max)
{
    size_t o = 0;
    int n = 0;

    while (o + 20 <= out->len && n < max) {
        if (be(out->data + o, 8) != NBD_REP_MAGIC || be(out->data + o + 8, 4) != opt)
            return -1;
        types[n++] = (uint32_t)be(out->data + o + 12, 4);
        o += 20 + be(out->data + o + 16, 4);
    }
    return o == out->len ? n : -1;
}

TEST(greeting_and_flags)
{
    struct nbd_out out = {0};
    struct nbd_hs hs = {0};
    uint8_t f[4] = {0, 0, 0, 3};

    EXPECT_EQ_INT(nbd_greeting(&out), 0);
    EXPECT_EQ_INT(out.len, 18);
    EXPECT(be(out.data, 8) == NBD_MAGIC);
    EXPECT(be(out.data + 8, 8) == NBD_IHAVEOPT);
    EXPECT_EQ_INT(be(out.data + 16, 2), 3);
    EXPECT_EQ_INT(nbd_client_flags(&hs, f), 0);
    f[3] = 2; /* not fixed newstyle */
    EXPECT_EQ_INT(nbd_client_flags(&hs, f), -EPROTO);
    f[3] = 1, f[0] = 0x80; /* unknown bit */
    EXPECT_EQ_INT(nbd_client_flags(&hs, f), -EPROTO);
    nbd_out_free(&out);
}

TEST(opt_header)
{
    uint8_t h[16] = {0x49, 0x48, 0x41, 0x56, 0x45, 0x4f, 0x50, 0x54, 0, 0, 0, 7, 0, 0, 1, 0};
    uint32_t opt, len;

    EXPECT_EQ_INT(nbd_opt_header(h, &opt, &len), 0);
    EXPECT_EQ_INT(opt, 7);
    EXPECT_EQ_INT(len, 256);
    h[0] ^= 1;
    EXPECT_EQ_INT(nbd_opt_header(h, &opt, &len), -EPROTO);
}

TEST(go_known_export)
{
    struct nbd_out out = {0};
    struct nbd_hs hs = {0};
    uint8_t b[64];
    uint16_t req[] = {NBD_INFO_NAME, NBD_INFO_DESCRIPTION};
    uint32_t t[8];
    int id = -1;
    size_t n = go_payload(b, "other", 2, req);

    EXPECT_EQ_INT(nbd_hs_option(&hs, NBD_OPT_GO, b, (uint32_t)n, &ex, &out, &id), NBD_HS_GO);
    EXPECT_EQ_INT(id, 1);
    EXPECT_EQ_INT(replies(&out, NBD_OPT_GO, t, 8), 5);
    EXPECT_EQ_INT(t[0], NBD_REP_INFO);
    EXPECT_EQ_INT(t[4], NBD_REP_ACK);
    /* INFO_EXPORT: type 0, size, flags */
    EXPECT_EQ_INT(be(out.data + 20, 2), NBD_INFO_EXPORT);
    EXPECT_EQ_INT(be(out.data + 22, 8), 4096);
    EXPECT_EQ_INT(be(out.data + 30, 2), NBD_TRANSMISSION_FLAGS);
    EXPECT(be(out.data + 30, 2) & NBD_FLAG_READ_ONLY);
    EXPECT(be(out.data + 30, 2) & NBD_FLAG_CAN_MULTI_CONN);
    nbd_out_free(&out);
}

TEST(info_default_and_unknown)
{
    struct nbd_out out = {0};
    struct nbd_hs hs = {0};
    uint8_t b[64];
    uint32_t t[8];
    int id = -1;
    size_t n = go_payload(b, "", 0, NULL);

    /* INFO on the default export: EXPORT + BLOCK_SIZE + ACK, stays in negotiation. */
    EXPECT_EQ_INT(nbd_hs_option(&hs, NBD_OPT_INFO, b, (uint32_t)n, &ex, &out, &id),
                  NBD_HS_CONTINUE);
    EXPECT_EQ_INT(replies(&out, NBD_OPT_INFO, t, 8), 3);
    EXPECT_EQ_INT(be(out.data + 22, 8), 1048576);
    EXPECT_EQ_INT(t[1], NBD_REP_INFO);
    EXPECT_EQ_INT(t[2], NBD_REP_ACK);
    nbd_out_reset(&out);
    n = go_payload(b, "nope", 0, NULL);
    EXPECT_EQ_INT(nbd_hs_option(&hs, NBD_OPT_GO, b, (uint32_t)n, &ex, &out, &id), NBD_HS_CONTINUE);
    EXPECT_EQ_INT(replies(&out, NBD_OPT_GO, t, 8), 1);
    EXPECT_EQ_INT(t[0], NBD_REP_ERR_UNKNOWN);
    nbd_out_free(&out);
}

TEST(go_malformed)
{
    struct nbd_out out = {0};
    struct nbd_hs hs = {0};
    uint8_t b[64];
    uint32_t t[8];
    int id = -1;
    size_t n = go_payload(b, "archiso", 1, (const uint16_t[]){NBD_INFO_NAME});

    /* name length past the payload; request count not matching; too short */
    EXPECT_EQ_INT(nbd_hs_option(&hs, NBD_OPT_GO, b, 5, &ex, &out, &id), NBD_HS_CONTINUE);
    EXPECT_EQ_INT(nbd_hs_option(&hs, NBD_OPT_GO, b, (uint32_t)n - 1, &ex, &out, &id),
                  NBD_HS_CONTINUE);
    b[0] = 0xff;
    EXPECT_EQ_INT(nbd_hs_option(&hs, NBD_OPT_GO, b, (uint32_t)n, &ex, &out, &id), NBD_HS_CONTINUE);
    EXPECT_EQ_INT(replies(&out, NBD_OPT_GO, t, 8), 3);
    EXPECT_EQ_INT(t[0], NBD_REP_ERR_INVALID);
    EXPECT_EQ_INT(t[1], NBD_REP_ERR_INVALID);
    EXPECT_EQ_INT(t[2], NBD_REP_ERR_INVALID);
    EXPECT_EQ_INT(id, -1);
    nbd_out_free(&out);
}

TEST(list_abort_unknown_structured)
{
    struct nbd_out out = {0};
    struct nbd_hs hs = {0};
    uint32_t t[8];
    int id;

    EXPECT_EQ_INT(nbd_hs_option(&hs, NBD_OPT_LIST, NULL, 0, &ex, &out, &id), NBD_HS_CONTINUE);
    EXPECT_EQ_INT(replies(&out, NBD_OPT_LIST, t, 8), 3);
    EXPECT_EQ_INT(t[0], NBD_REP_SERVER);
    EXPECT_EQ_INT(be(out.data + 20, 4), 7);
    EXPECT(memcmp(out.data + 24, "archiso", 7) == 0);
    EXPECT_EQ_INT(t[2], NBD_REP_ACK);
    nbd_out_reset(&out);
    EXPECT_EQ_INT(nbd_hs_option(&hs, NBD_OPT_LIST, (const uint8_t *)"x", 1, &ex, &out, &id),
                  NBD_HS_CONTINUE);
    EXPECT_EQ_INT(replies(&out, NBD_OPT_LIST, t, 8), 1);
    EXPECT_EQ_INT(t[0], NBD_REP_ERR_INVALID);
    nbd_out_reset(&out);
    EXPECT_EQ_INT(nbd_hs_option(&hs, 0x1234, (const uint8_t *)"abc", 3, &ex, &out, &id),
                  NBD_HS_CONTINUE);
    EXPECT_EQ_INT(replies(&out, 0x1234, t, 8), 1);
    EXPECT_EQ_INT(t[0], NBD_REP_ERR_UNSUP);
    nbd_out_reset(&out);
    EXPECT_EQ_INT(nbd_hs_option(&hs, NBD_OPT_STARTTLS, NULL, 0, &ex, &out, &id), NBD_HS_CONTINUE);
    EXPECT_EQ_INT(replies(&out, NBD_OPT_STARTTLS, t, 8), 1);
    EXPECT_EQ_INT(t[0], NBD_REP_ERR_UNSUP);
    nbd_out_reset(&out);
    EXPECT_EQ_INT(nbd_hs_option(&hs, NBD_OPT_STRUCTURED_REPLY, NULL, 0, &ex, &out, &id),
                  NBD_HS_CONTINUE);
    EXPECT_EQ_INT(hs.structured, 1);
    nbd_out_reset(&out);
    EXPECT_EQ_INT(nbd_hs_option(&hs, NBD_OPT_ABORT, NULL, 0, &ex, &out, &id), NBD_HS_CLOSE);
    EXPECT_EQ_INT(replies(&out, NBD_OPT_ABORT, t, 8), 1);
    EXPECT_EQ_INT(t[0], NBD_REP_ACK);
    nbd_out_reset(&out);
    EXPECT_EQ_INT(nbd_opt_too_big(9, &out), 0);
    EXPECT_EQ_INT(replies(&out, 9, t, 8), 1);
    EXPECT_EQ_INT(t[0], NBD_REP_ERR_TOO_BIG);
    nbd_out_free(&out);
}

TEST(export_name)
{
    struct nbd_out out = {0};
    struct nbd_hs hs = {.client_flags = NBD_FLAG_C_FIXED_NEWSTYLE};
    int id = -1;

    EXPECT_EQ_INT(
        nbd_hs_option(&hs, NBD_OPT_EXPORT_NAME, (const uint8_t *)"other", 5, &ex, &out, &id),
        NBD_HS_GO);
    EXPECT_EQ_INT(id, 1);
    EXPECT_EQ_INT(out.len, 10 + 124);
    EXPECT_EQ_INT(be(out.data, 8), 4096);
    EXPECT_EQ_INT(be(out.data + 8, 2), NBD_TRANSMISSION_FLAGS);
    nbd_out_reset(&out);
    hs.client_flags |= NBD_FLAG_C_NO_ZEROES;
    EXPECT_EQ_INT(nbd_hs_option(&hs, NBD_OPT_EXPORT_NAME, NULL, 0, &ex, &out, &id), NBD_HS_GO);
    EXPECT_EQ_INT(id, 0);
    EXPECT_EQ_INT(out.len, 10);
    nbd_out_reset(&out);
    EXPECT_EQ_INT(nbd_hs_option(&hs, NBD_OPT_EXPORT_NAME, (const uint8_t *)"x", 1, &ex, &out, &id),
                  NBD_HS_CLOSE);
    EXPECT_EQ_INT(out.len, 0);
    nbd_out_free(&out);
}

TEST(refusing)
{
    struct nbd_out out = {0};
    struct nbd_hs hs = {.client_flags = 1, .refusing = 1};
    uint8_t b[64];
    uint32_t t[8];
    int id = -1;
    size_t n = go_payload(b, "archiso", 0, NULL);

    EXPECT_EQ_INT(nbd_hs_option(&hs, NBD_OPT_GO, b, (uint32_t)n, &ex, &out, &id), NBD_HS_CONTINUE);
    EXPECT_EQ_INT(replies(&out, NBD_OPT_GO, t, 8), 1);
    EXPECT_EQ_INT(t[0], NBD_REP_ERR_SHUTDOWN);
    nbd_out_reset(&out);
    EXPECT_EQ_INT(
        nbd_hs_option(&hs, NBD_OPT_EXPORT_NAME, (const uint8_t *)"archiso", 7, &ex, &out, &id),
        NBD_HS_CLOSE);
    EXPECT_EQ_INT(id, -1);
    nbd_out_free(&out);
}

TEST(starttls)
{
    struct nbd_out out = {0};
    struct nbd_hs hs = {.client_flags = 1, .tls = NBD_TLS_REQUIRE};
    uint8_t b[64];
    uint32_t t[8];
    int id = -1;
    size_t n = go_payload(b, "archiso", 0, NULL);

    /* Required: everything but STARTTLS and ABORT is refused before TLS. */
    EXPECT_EQ_INT(nbd_hs_option(&hs, NBD_OPT_GO, b, (uint32_t)n, &ex, &out, &id), NBD_HS_CONTINUE);
    EXPECT_EQ_INT(replies(&out, NBD_OPT_GO, t, 8), 1);
    EXPECT_EQ_INT(t[0], NBD_REP_ERR_TLS_REQD);
    nbd_out_reset(&out);
    EXPECT_EQ_INT(nbd_hs_option(&hs, NBD_OPT_LIST, NULL, 0, &ex, &out, &id), NBD_HS_CONTINUE);
    EXPECT_EQ_INT(replies(&out, NBD_OPT_LIST, t, 8), 1);
    EXPECT_EQ_INT(t[0], NBD_REP_ERR_TLS_REQD);
    nbd_out_reset(&out);
    EXPECT_EQ_INT(
        nbd_hs_option(&hs, NBD_OPT_EXPORT_NAME, (const uint8_t *)"archiso", 7, &ex, &out, &id),
        NBD_HS_CLOSE);
    EXPECT_EQ_INT(out.len, 0);
    EXPECT_EQ_INT(nbd_hs_option(&hs, NBD_OPT_STARTTLS, b, 1, &ex, &out, &id), NBD_HS_CONTINUE);
    EXPECT_EQ_INT(replies(&out, NBD_OPT_STARTTLS, t, 8), 1);
    EXPECT_EQ_INT(t[0], NBD_REP_ERR_INVALID);
    nbd_out_reset(&out);
    EXPECT_EQ_INT(nbd_hs_option(&hs, NBD_OPT_STARTTLS, NULL, 0, &ex, &out, &id), NBD_HS_STARTTLS);
    EXPECT_EQ_INT(replies(&out, NBD_OPT_STARTTLS, t, 8), 1);
    EXPECT_EQ_INT(t[0], NBD_REP_ACK);
    nbd_out_reset(&out);
    /* After the TLS handshake: a second STARTTLS is invalid, GO works. */
    hs.tls_active = 1;
    EXPECT_EQ_INT(nbd_hs_option(&hs, NBD_OPT_STARTTLS, NULL, 0, &ex, &out, &id), NBD_HS_CONTINUE);
    EXPECT_EQ_INT(replies(&out, NBD_OPT_STARTTLS, t, 8), 1);
    EXPECT_EQ_INT(t[0], NBD_REP_ERR_INVALID);
    nbd_out_reset(&out);
    EXPECT_EQ_INT(nbd_hs_option(&hs, NBD_OPT_GO, b, (uint32_t)n, &ex, &out, &id), NBD_HS_GO);
    /* Optional TLS: plain GO works too. */
    hs = (struct nbd_hs){.client_flags = 1, .tls = NBD_TLS_ON};
    nbd_out_reset(&out);
    EXPECT_EQ_INT(nbd_hs_option(&hs, NBD_OPT_GO, b, (uint32_t)n, &ex, &out, &id), NBD_HS_GO);
    nbd_out_free(&out);
}

static struct nbd_request rq(uint16_t type, uint16_t flags, uint64_t off, uint32_t len)
{
    return (struct nbd_request){.type = type, .flags = flags, .offset = off, .length = len};
}

TEST(requests)
{
    uint8_t in[28] = {0x25, 0x60, 0x95, 0x13, 0, 1, 0, 0, 1, 2, 3, 4, 5,  6,
                      7,    8,    0,    0,    0, 0, 0, 0, 2, 0, 0, 0, 16, 0};
    struct nbd_request r;
    uint32_t e;

    EXPECT_EQ_INT(nbd_request_parse(in, &r), 0);
    EXPECT_EQ_INT(r.flags, 1);
    EXPECT_EQ_INT(r.type, 0);
    EXPECT(r.cookie == 0x0102030405060708ull);
    EXPECT_EQ_INT(r.offset, 512);
    EXPECT_EQ_INT(r.length, 4096);
    in[3] = 0;
    EXPECT_EQ_INT(nbd_request_parse(in, &r), -EPROTO);

    r = rq(NBD_CMD_READ, 0, 0, 4096);
    EXPECT_EQ_INT(nbd_request_check(&r, 4096, &e), NBD_ACT_READ);
    r = rq(NBD_CMD_READ, 0, 1, 4096);
    EXPECT_EQ_INT(nbd_request_check(&r, 4096, &e), NBD_ACT_ERROR);
    EXPECT_EQ_INT(e, NBD_EINVAL);
    r = rq(NBD_CMD_READ, 0, UINT64_MAX, 2);
    EXPECT_EQ_INT(nbd_request_check(&r, 4096, &e), NBD_ACT_ERROR);
    r = rq(NBD_CMD_READ, 0, 0, NBD_MAX_PAYLOAD + 1);
    EXPECT_EQ_INT(nbd_request_check(&r, UINT64_MAX, &e), NBD_ACT_ERROR);
    EXPECT_EQ_INT(e, NBD_EINVAL);
    r = rq(NBD_CMD_READ, 0x100, 0, 1);
    EXPECT_EQ_INT(nbd_request_check(&r, 4096, &e), NBD_ACT_ERROR);
    r = rq(NBD_CMD_WRITE, 0, 0, 512);
    EXPECT_EQ_INT(nbd_request_check(&r, 4096, &e), NBD_ACT_DISCARD);
    EXPECT_EQ_INT(e, NBD_EPERM);
    r = rq(NBD_CMD_WRITE, 0xffff, 0, NBD_MAX_PAYLOAD + 1);
    EXPECT_EQ_INT(nbd_request_check(&r, 4096, &e), NBD_ACT_DISCONNECT);
    r = rq(NBD_CMD_TRIM, 0, 0, 512);
    EXPECT_EQ_INT(nbd_request_check(&r, 4096, &e), NBD_ACT_ERROR);
    EXPECT_EQ_INT(e, NBD_EPERM);
    r = rq(NBD_CMD_WRITE_ZEROES, 0, 0, 512);
    EXPECT_EQ_INT(nbd_request_check(&r, 4096, &e), NBD_ACT_ERROR);
    EXPECT_EQ_INT(e, NBD_EPERM);
    r = rq(NBD_CMD_FLUSH, 0, 0, 0);
    EXPECT_EQ_INT(nbd_request_check(&r, 4096, &e), NBD_ACT_OK);
    r = rq(NBD_CMD_CACHE, 0, 0, 4096);
    EXPECT_EQ_INT(nbd_request_check(&r, 4096, &e), NBD_ACT_OK);
    r = rq(NBD_CMD_DISC, 0, 0, 0);
    EXPECT_EQ_INT(nbd_request_check(&r, 4096, &e), NBD_ACT_DISCONNECT);
    r = rq(NBD_CMD_BLOCK_STATUS, 0, 0, 512);
    EXPECT_EQ_INT(nbd_request_check(&r, 4096, &e), NBD_ACT_ERROR);
    r = rq(77, 0, 0, 0);
    EXPECT_EQ_INT(nbd_request_check(&r, 4096, &e), NBD_ACT_ERROR);
    EXPECT_EQ_INT(e, NBD_EINVAL);
}

TEST(reply_encoding)
{
    uint8_t b[32];

    EXPECT_EQ_INT(nbd_simple_reply(b, 0x1122334455667788ull, NBD_EPERM), 16);
    EXPECT_EQ_INT(be(b, 4), NBD_SIMPLE_REPLY_MAGIC);
    EXPECT_EQ_INT(be(b + 4, 4), 1);
    EXPECT(be(b + 8, 8) == 0x1122334455667788ull);
    EXPECT_EQ_INT(nbd_chunk_data(b, 5, 4096, 512), 28);
    EXPECT_EQ_INT(be(b, 4), NBD_STRUCTURED_REPLY_MAGIC);
    EXPECT_EQ_INT(be(b + 4, 2), NBD_REPLY_FLAG_DONE);
    EXPECT_EQ_INT(be(b + 6, 2), NBD_REPLY_TYPE_OFFSET_DATA);
    EXPECT_EQ_INT(be(b + 16, 4), 520);
    EXPECT_EQ_INT(be(b + 20, 8), 4096);
    EXPECT_EQ_INT(nbd_chunk_error(b, 5, NBD_EINVAL), 26);
    EXPECT_EQ_INT(be(b + 6, 2), NBD_REPLY_TYPE_ERROR);
    EXPECT_EQ_INT(be(b + 16, 4), 6);
    EXPECT_EQ_INT(be(b + 20, 4), NBD_EINVAL);
    EXPECT_EQ_INT(nbd_chunk_none(b, 5), 20);
    EXPECT_EQ_INT(be(b + 16, 4), 0);
}

int main(void)
{
    RUN(greeting_and_flags);
    RUN(opt_header);
    RUN(go_known_export);
    RUN(info_default_and_unknown);
    RUN(go_malformed);
    RUN(list_abort_unknown_structured);
    RUN(export_name);
    RUN(refusing);
    RUN(starttls);
    RUN(requests);
    RUN(reply_encoding);
    return tap_done();
}
