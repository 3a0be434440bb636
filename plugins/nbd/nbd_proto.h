/* SPDX-License-Identifier: MIT */
/*
 * NBD protocol (NetworkBlockDevice/nbd doc/proto.md), server side, read-only.
 * Pure: no I/O, no logging.  The caller reads fixed-size headers and option
 * payloads from the socket, hands them here, and writes what lands in a
 * struct nbd_out.  Only fixed newstyle negotiation is spoken.
 */
#ifndef PXE_NBD_PROTO_H
#define PXE_NBD_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define NBD_MAGIC                  0x4e42444d41474943ull /* "NBDMAGIC" */
#define NBD_IHAVEOPT               0x49484156454f5054ull /* "IHAVEOPT" */
#define NBD_REP_MAGIC              0x3e889045565a9ull
#define NBD_REQUEST_MAGIC          0x25609513u
#define NBD_SIMPLE_REPLY_MAGIC     0x67446698u
#define NBD_STRUCTURED_REPLY_MAGIC 0x668e33efu

/* Handshake flags (server) and client flags. */
#define NBD_FLAG_FIXED_NEWSTYLE   (1u << 0)
#define NBD_FLAG_NO_ZEROES        (1u << 1)
#define NBD_FLAG_C_FIXED_NEWSTYLE (1u << 0)
#define NBD_FLAG_C_NO_ZEROES      (1u << 1)

/* Options. */
#define NBD_OPT_EXPORT_NAME      1u
#define NBD_OPT_ABORT            2u
#define NBD_OPT_LIST             3u
#define NBD_OPT_STARTTLS         5u
#define NBD_OPT_INFO             6u
#define NBD_OPT_GO               7u
#define NBD_OPT_STRUCTURED_REPLY 8u

/* Option replies. */
#define NBD_REP_ACK          1u
#define NBD_REP_SERVER       2u
#define NBD_REP_INFO         3u
#define NBD_REP_ERR_BIT      (1u << 31)
#define NBD_REP_ERR_UNSUP    (NBD_REP_ERR_BIT | 1u)
#define NBD_REP_ERR_POLICY   (NBD_REP_ERR_BIT | 2u)
#define NBD_REP_ERR_INVALID  (NBD_REP_ERR_BIT | 3u)
#define NBD_REP_ERR_TLS_REQD (NBD_REP_ERR_BIT | 5u)
#define NBD_REP_ERR_UNKNOWN  (NBD_REP_ERR_BIT | 6u)
#define NBD_REP_ERR_SHUTDOWN (NBD_REP_ERR_BIT | 7u)
#define NBD_REP_ERR_TOO_BIG  (NBD_REP_ERR_BIT | 9u)

/* Info types. */
#define NBD_INFO_EXPORT      0u
#define NBD_INFO_NAME        1u
#define NBD_INFO_DESCRIPTION 2u
#define NBD_INFO_BLOCK_SIZE  3u

/* Transmission flags. */
#define NBD_FLAG_HAS_FLAGS      (1u << 0)
#define NBD_FLAG_READ_ONLY      (1u << 1)
#define NBD_FLAG_SEND_FLUSH     (1u << 2)
#define NBD_FLAG_CAN_MULTI_CONN (1u << 8)
#define NBD_FLAG_SEND_CACHE     (1u << 10)
#define NBD_TRANSMISSION_FLAGS                                                                     \
    (NBD_FLAG_HAS_FLAGS | NBD_FLAG_READ_ONLY | NBD_FLAG_SEND_FLUSH | NBD_FLAG_CAN_MULTI_CONN |     \
     NBD_FLAG_SEND_CACHE)

/* Commands and command flags. */
#define NBD_CMD_READ           0u
#define NBD_CMD_WRITE          1u
#define NBD_CMD_DISC           2u
#define NBD_CMD_FLUSH          3u
#define NBD_CMD_TRIM           4u
#define NBD_CMD_CACHE          5u
#define NBD_CMD_WRITE_ZEROES   6u
#define NBD_CMD_BLOCK_STATUS   7u
#define NBD_CMD_FLAG_FUA       (1u << 0)
#define NBD_CMD_FLAG_NO_HOLE   (1u << 1)
#define NBD_CMD_FLAG_DF        (1u << 2)
#define NBD_CMD_FLAG_REQ_ONE   (1u << 3)
#define NBD_CMD_FLAG_FAST_ZERO (1u << 4)
#define NBD_CMD_FLAGS_KNOWN    0x1fu

/* Structured reply chunks. */
#define NBD_REPLY_FLAG_DONE        (1u << 0)
#define NBD_REPLY_TYPE_NONE        0u
#define NBD_REPLY_TYPE_OFFSET_DATA 1u
#define NBD_REPLY_TYPE_ERROR       ((1u << 15) | 1u)

/* Error values on the wire. */
#define NBD_EPERM     1u
#define NBD_EIO       5u
#define NBD_ENOMEM    12u
#define NBD_EINVAL    22u
#define NBD_ENOSPC    28u
#define NBD_EOVERFLOW 75u
#define NBD_ENOTSUP   95u
#define NBD_ESHUTDOWN 108u

/* Sizes. */
#define NBD_GREETING_SIZE     18u /* NBDMAGIC, IHAVEOPT, 16-bit handshake flags */
#define NBD_OPT_HDR_SIZE      16u /* IHAVEOPT, option, length */
#define NBD_REQUEST_SIZE      28u
#define NBD_SIMPLE_REPLY_SIZE 16u
#define NBD_CHUNK_HDR_SIZE    20u
#define NBD_NAME_MAX          4096u       /* longest string the protocol allows */
#define NBD_OPT_MAX           65536u      /* longest option payload accepted */
#define NBD_MAX_PAYLOAD       (32u << 20) /* longest READ/WRITE accepted */
#define NBD_OUT_MAX           (1u << 20)  /* longest reply built for one option */

/* Output bytes built by the functions below; grows up to NBD_OUT_MAX. */
struct nbd_out {
    uint8_t *data;
    size_t len;
    size_t cap;
};
void nbd_out_reset(struct nbd_out *out);
void nbd_out_free(struct nbd_out *out);

/* What the handshake knows about an export. Strings borrowed. */
struct nbd_export_info {
    const char *name;
    const char *description; /* NULL: none */
    uint64_t size;
};

/*
 * The exports a handshake may see.  find: 0 and *ret filled when name (not
 * NUL-terminated, len bytes; "" is the default export) exists, else -ENOENT.
 * get: the index-th export for NBD_OPT_LIST, -ENOENT past the last.
 */
struct nbd_exports {
    int (*find)(void *ud, const char *name, size_t len, struct nbd_export_info *ret, int *ret_id);
    int (*get)(void *ud, uint32_t index, struct nbd_export_info *ret);
    void *ud;
};

/* Handshake state of one connection. */
struct nbd_hs {
    uint32_t client_flags;
    uint32_t structured; /* NBD_OPT_STRUCTURED_REPLY negotiated */
    uint32_t refusing;   /* 1: answer INFO/GO/LIST with ERR_SHUTDOWN (method disabled) */
    uint32_t options;    /* options seen */
    uint32_t tls;        /* NBD_TLS_*: what the server offers */
    uint32_t tls_active; /* STARTTLS done: the rest of the session is encrypted */
    uint32_t refused;    /* options refused because of refusing */
};

/* TLS policy (struct nbd_hs.tls). */
#define NBD_TLS_OFF     0 /* STARTTLS answered ERR_UNSUP */
#define NBD_TLS_ON      1 /* STARTTLS offered, plain sessions allowed */
#define NBD_TLS_REQUIRE 2 /* everything but STARTTLS and ABORT refused until TLS */

/* Results of nbd_hs_option. */
#define NBD_HS_CONTINUE 0 /* write out, read the next option */
#define NBD_HS_GO       1 /* write out, then transmission on export *ret_id */
#define NBD_HS_CLOSE    2 /* write out (may be empty), then close */
#define NBD_HS_STARTTLS 3 /* write out (the ACK), run the TLS handshake, set tls_active */

/* Appends the 18-byte server greeting. 0 or -ENOMEM. */
int nbd_greeting(struct nbd_out *out);
/* Checks the 4 client flag bytes: 0, or -EPROTO (unknown bits, or not fixed newstyle). */
int nbd_client_flags(struct nbd_hs *hs, const uint8_t in[4]);
/* Parses an option header: 0, or -EPROTO for a bad magic. */
int nbd_opt_header(const uint8_t in[NBD_OPT_HDR_SIZE], uint32_t *ret_opt, uint32_t *ret_len);
/*
 * Handles one option with its whole payload (len <= NBD_OPT_MAX; longer
 * payloads are the caller's to skip or refuse, see nbd_opt_too_big).
 * Appends the reply to out and returns NBD_HS_*; *ret_id is the export
 * chosen by NBD_HS_GO.  -ENOMEM (or -E2BIG when the reply passes
 * NBD_OUT_MAX) means close.
 */
int nbd_hs_option(struct nbd_hs *hs, uint32_t opt, const uint8_t *data, uint32_t len,
                  const struct nbd_exports *ex, struct nbd_out *out, int *ret_id);
/* Reply for an option whose payload was too long and has been skipped. */
int nbd_opt_too_big(uint32_t opt, struct nbd_out *out);

/* A parsed transmission request. */
struct nbd_request {
    uint16_t flags;
    uint16_t type;
    uint64_t cookie;
    uint64_t offset;
    uint32_t length;
};

/* What to do with a request (nbd_request_check). */
#define NBD_ACT_READ       0 /* send length bytes at offset */
#define NBD_ACT_OK         1 /* success, no data (flush, cache) */
#define NBD_ACT_ERROR      2 /* reply with *ret_error */
#define NBD_ACT_DISCARD    3 /* read and drop length payload bytes, then reply *ret_error */
#define NBD_ACT_DISCONNECT 4 /* close now, no reply (NBD_CMD_DISC, or unrecoverable) */

/* Parses a 28-byte request header: 0, or -EPROTO for a bad magic. */
int nbd_request_parse(const uint8_t in[NBD_REQUEST_SIZE], struct nbd_request *ret);
/* Decides a request against an export of size bytes; returns NBD_ACT_*. */
int nbd_request_check(const struct nbd_request *rq, uint64_t size, uint32_t *ret_error);

/* Reply headers; each fills buf and returns the bytes used. */
/* Simple reply: 16 bytes; data (for a successful read) follows. */
size_t nbd_simple_reply(uint8_t buf[NBD_SIMPLE_REPLY_SIZE], uint64_t cookie, uint32_t error);
/* Structured OFFSET_DATA chunk header with DONE: 28 bytes; length data bytes follow. */
size_t nbd_chunk_data(uint8_t buf[NBD_CHUNK_HDR_SIZE + 8], uint64_t cookie, uint64_t offset,
                      uint32_t length);
/* Structured NONE chunk with DONE: 20 bytes, complete. */
size_t nbd_chunk_none(uint8_t buf[NBD_CHUNK_HDR_SIZE], uint64_t cookie);
/* Structured ERROR chunk with DONE, no message: 26 bytes, complete. */
size_t nbd_chunk_error(uint8_t buf[NBD_CHUNK_HDR_SIZE + 6], uint64_t cookie, uint32_t error);

#endif /* PXE_NBD_PROTO_H */
