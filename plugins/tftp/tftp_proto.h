/* SPDX-License-Identifier: MIT */
/*
 * TFTP protocol, pure: request and option parsing (RFC 1350, 2347, 2348, 2349,
 * 7440), OACK/DATA/ERROR building, netascii conversion and the send-window /
 * ACK state machine of one read transfer.  No I/O, no logging, no allocation
 * except where a function says so.
 */
#ifndef PXE_TFTP_PROTO_H
#define PXE_TFTP_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define TFTP_RRQ   1
#define TFTP_WRQ   2
#define TFTP_DATA  3
#define TFTP_ACK   4
#define TFTP_ERROR 5
#define TFTP_OACK  6

#define TFTP_ERR_UNDEF    0
#define TFTP_ERR_NOTFOUND 1
#define TFTP_ERR_ACCESS   2
#define TFTP_ERR_FULL     3
#define TFTP_ERR_ILLEGAL  4
#define TFTP_ERR_TID      5
#define TFTP_ERR_EXISTS   6
#define TFTP_ERR_USER     7
#define TFTP_ERR_OPTION   8

#define TFTP_MODE_OCTET    0
#define TFTP_MODE_NETASCII 1

#define TFTP_BLKSIZE_DEFAULT 512
#define TFTP_BLKSIZE_MIN     8
#define TFTP_BLKSIZE_MAX     65464
#define TFTP_WINDOW_MAX      65535
#define TFTP_TIMEOUT_MIN     1
#define TFTP_TIMEOUT_MAX     255
#define TFTP_PATH_MAX        512 /* longest file name accepted, NUL excluded */

/* Options seen in a request (tftp_request.opts bits). */
#define TFTP_OPT_BLKSIZE    (1u << 0)
#define TFTP_OPT_TSIZE      (1u << 1)
#define TFTP_OPT_TIMEOUT    (1u << 2)
#define TFTP_OPT_WINDOWSIZE (1u << 3)

/* A parsed RRQ or WRQ.  Options with invalid values are left out of opts. */
struct tftp_request {
    uint16_t opcode; /* TFTP_RRQ or TFTP_WRQ */
    uint16_t mode;   /* TFTP_MODE_* */
    char filename[TFTP_PATH_MAX + 1];
    uint32_t opts;       /* TFTP_OPT_* present and valid */
    uint32_t blksize;    /* asked, 8..65464 (larger asks are clamped) */
    uint32_t timeout;    /* asked, 1..255 seconds */
    uint32_t windowsize; /* asked, 1..65535 */
    uint64_t tsize;      /* as sent (0 in a read request) */
};

/*
 * Parses a request packet.  0 on success; -EINVAL when malformed (short, no
 * NUL, empty name), -ENAMETOOLONG, -EPROTO when the opcode is not RRQ/WRQ,
 * -ENOTSUP for a mode other than octet/netascii.  Unknown options, duplicate
 * options (the first wins) and options with out-of-range values are ignored;
 * an unterminated trailing option is ignored.
 */
int tftp_parse_request(const uint8_t *pkt, size_t len, struct tftp_request *req);

/* Server side limits applied to a request's options. */
struct tftp_limits {
    uint32_t blksize_max;    /* 8..65464: MTU clamp and configured maximum */
    uint32_t windowsize_max; /* 1..TFTP_WINDOW_CAP */
};

/* Largest window the ACK mapping accepts without 16-bit ambiguity. */
#define TFTP_WINDOW_CAP 4096

/* What a transfer runs with once the options are negotiated. */
struct tftp_params {
    uint32_t opts; /* options to put in the OACK; 0: no OACK, DATA 1 first */
    uint32_t blksize;
    uint32_t windowsize;
    uint32_t timeout; /* seconds, only meaningful with TFTP_OPT_TIMEOUT */
    uint64_t tsize;   /* the size announced with TFTP_OPT_TSIZE */
};

/*
 * Negotiates req's options against lim for content of size bytes.  tsize is
 * not echoed for empty content (curl rejects "tsize 0").
 */
void tftp_negotiate(const struct tftp_request *req, const struct tftp_limits *lim, uint64_t size,
                    struct tftp_params *out);

/* Packet builders: return the packet length, or -ENOSPC when it does not fit in size. */
int tftp_build_oack(const struct tftp_params *p, uint8_t *buf, size_t size);
/* msg is truncated to fit (at most 255 bytes) and must be printable. */
int tftp_build_error(uint16_t code, const char *msg, uint8_t *buf, size_t size);
/* Writes the 4-byte DATA header for the block with 1-based index idx. */
void tftp_build_data_header(uint64_t idx, uint8_t hdr[4]);

/*
 * Netascii: LF becomes CR LF and CR becomes CR NUL.  tftp_netascii_size gives
 * the encoded length; tftp_netascii_encode writes it into out (which must hold
 * that many bytes).
 */
uint64_t tftp_netascii_size(const uint8_t *in, size_t len);
void tftp_netascii_encode(const uint8_t *in, size_t len, uint8_t *out);

/*
 * Send-window state of one read transfer of size bytes in blksize blocks.
 * Blocks have 1-based indexes 1..nblocks; the last one is shorter than blksize
 * (possibly empty).  On the wire a block number is idx mod 65536 (rollover to 0).
 */
struct tftp_xfer {
    uint64_t size;
    uint64_t nblocks;
    uint32_t blksize;
    uint32_t windowsize;   /* negotiated */
    uint64_t acked;        /* every block <= acked was acknowledged */
    uint64_t next;         /* next block index to send */
    uint64_t sent_max;     /* highest block index sent so far (ACKs beyond it are bogus) */
    uint32_t oack_pending; /* 1: an OACK waits for ACK 0 */
};

void tftp_xfer_init(struct tftp_xfer *x, uint64_t size, uint32_t blksize, uint32_t windowsize,
                    uint32_t oack);

/* Results of tftp_xfer_ack. */
#define TFTP_ACK_IGNORED  0 /* stale, duplicate or out-of-window: do nothing */
#define TFTP_ACK_PROGRESS 1 /* acked moved (or the OACK was accepted): send more */
#define TFTP_ACK_DONE     2 /* the last block is acknowledged */

int tftp_xfer_ack(struct tftp_xfer *x, uint16_t block);

/* Next block to send now, or 0 when the current window is fully sent. */
uint64_t tftp_xfer_next(const struct tftp_xfer *x);
/* Byte offset and length of block idx. */
uint64_t tftp_xfer_block_offset(const struct tftp_xfer *x, uint64_t idx);
uint32_t tftp_xfer_block_len(const struct tftp_xfer *x, uint64_t idx);
/* Marks the unacknowledged window for sending again (after a timeout). */
void tftp_xfer_rewind(struct tftp_xfer *x);

/*
 * Strips what a client puts before a namespace path: pxelinux's "::" absolute
 * prefix and leading '/' or '\\'.  Returns a pointer into name.
 */
const char *tftp_path_strip(const char *name);

/* 1 when path names a network bootstrap program (.0, .efi, .kpxe, .pxe). */
int tftp_is_loader(const char *path);

#endif
