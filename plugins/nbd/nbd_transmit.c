/* SPDX-License-Identifier: MIT */
/* NBD transmission on byte buffers: requests parsed and checked, simple and structured
 * reply headers; see nbd_proto.h. */
#include <errno.h>
#include <string.h>

#include "nbd_proto.h"
#include "nbd_wire.h"

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
