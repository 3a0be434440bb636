/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the input is a client byte stream (client flags, options,
 * then requests) run through the handshake and the request decisions the way
 * nbd_worker.c does, minus the socket.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../nbd_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int f_find(void *ud, const char *name, size_t len, struct nbd_export_info *ret, int *id)
{
    if (len != 0 && (len != 7 || memcmp(name, "archiso", 7) != 0))
        return -1;
    ret->name = "archiso";
    ret->description = "fuzz";
    ret->size = 1u << 20;
    *id = 0;
    return 0;
}

static int f_get(void *ud, uint32_t i, struct nbd_export_info *ret)
{
    return i == 0 ? f_find(ud, "", 0, ret, (int[]){0}) : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct nbd_exports ex = {f_find, f_get, NULL};
    struct nbd_hs hs = {0};
    struct nbd_out out = {0};
    size_t o = 4;
    int id = -1, r = NBD_HS_CONTINUE;

    if (size < 4 || nbd_greeting(&out) < 0 || nbd_client_flags(&hs, data) < 0)
        goto done;
    hs.refusing = size % 7 == 0;   /* also exercise the disabled-method answers */
    hs.tls = (uint32_t)(size % 3); /* and every TLS policy */
    while (r == NBD_HS_CONTINUE && size - o >= NBD_OPT_HDR_SIZE) {
        uint32_t opt, len;

        if (nbd_opt_header(data + o, &opt, &len) < 0)
            goto done;
        o += NBD_OPT_HDR_SIZE;
        if (len > size - o)
            goto done;
        nbd_out_reset(&out);
        if (len > NBD_OPT_MAX)
            r = nbd_opt_too_big(opt, &out);
        else
            r = nbd_hs_option(&hs, opt, data + o, len, &ex, &out, &id);
        o += len;
        if (r == NBD_HS_STARTTLS) {
            hs.tls_active = 1; /* as if the TLS handshake succeeded */
            r = NBD_HS_CONTINUE;
        }
    }
    if (r != NBD_HS_GO || id != 0)
        goto done;
    while (size - o >= NBD_REQUEST_SIZE) {
        struct nbd_request rq;
        uint8_t hdr[NBD_CHUNK_HDR_SIZE + 8];
        uint32_t err;
        int act;

        if (nbd_request_parse(data + o, &rq) < 0)
            break;
        o += NBD_REQUEST_SIZE;
        act = nbd_request_check(&rq, 1u << 20, &err);
        if (act == NBD_ACT_DISCONNECT)
            break;
        if (act == NBD_ACT_READ && rq.length > (1u << 20))
            __builtin_trap(); /* a read the check let through must fit the export */
        if (act == NBD_ACT_DISCARD) {
            if (rq.length > size - o)
                break;
            o += rq.length;
        }
        if (hs.structured && act == NBD_ACT_READ)
            (void)nbd_chunk_data(hdr, rq.cookie, rq.offset, rq.length);
        else if (hs.structured && act == NBD_ACT_ERROR)
            (void)nbd_chunk_error(hdr, rq.cookie, err);
        else
            (void)nbd_simple_reply(hdr, rq.cookie, err);
    }
done:
    nbd_out_free(&out);
    return 0;
}
