/* SPDX-License-Identifier: MIT */
/* Unit tests for tftp_proto: request parsing, negotiation, builders, window state machine. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "tftp_proto.h"

/* Builds a packet from opcode and NUL-separated fields given as one string with explicit length. */
static size_t mkpkt(uint8_t *buf, uint16_t op, const char *fields, size_t flen)
{
    buf[0] = (uint8_t)(op >> 8);
    buf[1] = (uint8_t)op;
    memcpy(buf + 2, fields, flen);
    return flen + 2;
}
#define PKT(buf, op, lit) mkpkt(buf, op, lit, sizeof(lit) - 1)

TEST(parse_plain_rrq)
{
    uint8_t b[600];
    struct tftp_request r;
    size_t n = PKT(b, TFTP_RRQ, "pxelinux.0\0octet\0");

    EXPECT_EQ_INT(tftp_parse_request(b, n, &r), 0);
    EXPECT_EQ_INT(r.opcode, TFTP_RRQ);
    EXPECT_EQ_STR(r.filename, "pxelinux.0");
    EXPECT_EQ_INT(r.mode, TFTP_MODE_OCTET);
    EXPECT_EQ_INT(r.opts, 0);
}

TEST(parse_options)
{
    uint8_t b[600];
    struct tftp_request r;
    size_t n = PKT(b, TFTP_RRQ,
                   "a/b\0OCTET\0BlkSize\0001468\0tsize\0000\0timeout\0005\0windowsize\0004\0"
                   "blksize\000512\0unknown\0x\0");

    EXPECT_EQ_INT(tftp_parse_request(b, n, &r), 0);
    EXPECT_EQ_INT(r.opts,
                  TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE | TFTP_OPT_TIMEOUT | TFTP_OPT_WINDOWSIZE);
    EXPECT_EQ_INT(r.blksize, 1468); /* first one wins */
    EXPECT_EQ_INT(r.tsize, 0);
    EXPECT_EQ_INT(r.timeout, 5);
    EXPECT_EQ_INT(r.windowsize, 4);
}

TEST(parse_netascii_and_bad_modes)
{
    uint8_t b[600];
    struct tftp_request r;
    size_t n = PKT(b, TFTP_RRQ, "f\0netascii\0");

    EXPECT_EQ_INT(tftp_parse_request(b, n, &r), 0);
    EXPECT_EQ_INT(r.mode, TFTP_MODE_NETASCII);
    n = PKT(b, TFTP_RRQ, "f\0mail\0");
    EXPECT_EQ_INT(tftp_parse_request(b, n, &r), -ENOTSUP);
    n = PKT(b, TFTP_WRQ, "f\0octet\0");
    EXPECT_EQ_INT(tftp_parse_request(b, n, &r), 0);
    EXPECT_EQ_INT(r.opcode, TFTP_WRQ);
}

TEST(parse_malformed)
{
    uint8_t b[2048] = {0};
    struct tftp_request r;
    size_t n;

    EXPECT_EQ_INT(tftp_parse_request(b, 0, &r), -EINVAL);
    b[0] = 0;
    EXPECT_EQ_INT(tftp_parse_request(b, 1, &r), -EINVAL);
    n = PKT(b, 9, "f\0octet\0");
    EXPECT_EQ_INT(tftp_parse_request(b, n, &r), -EPROTO);
    n = PKT(b, TFTP_ACK, "\0\1");
    EXPECT_EQ_INT(tftp_parse_request(b, n, &r), -EPROTO);
    n = PKT(b, TFTP_RRQ, "noterminator");
    EXPECT_EQ_INT(tftp_parse_request(b, n, &r), -EINVAL);
    n = PKT(b, TFTP_RRQ, "f\0octet");
    EXPECT_EQ_INT(tftp_parse_request(b, n, &r), -EINVAL);
    n = PKT(b, TFTP_RRQ, "\0octet\0");
    EXPECT_EQ_INT(tftp_parse_request(b, n, &r), -EINVAL);
    EXPECT_EQ_INT(tftp_parse_request(b, 2, &r), -EINVAL);
    /* name too long */
    b[0] = 0;
    b[1] = TFTP_RRQ;
    memset(b + 2, 'a', 600);
    memcpy(b + 602, "\0octet\0", 7);
    EXPECT_EQ_INT(tftp_parse_request(b, 609, &r), -ENAMETOOLONG);
    /* exactly TFTP_PATH_MAX is fine */
    memcpy(b + 2 + TFTP_PATH_MAX, "\0octet\0", 7);
    EXPECT_EQ_INT(tftp_parse_request(b, 2 + TFTP_PATH_MAX + 7, &r), 0);
    EXPECT_EQ_INT(strlen(r.filename), TFTP_PATH_MAX);
}

TEST(parse_option_values)
{
    uint8_t b[600];
    struct tftp_request r;
    size_t n;

    n = PKT(b, TFTP_RRQ, "f\0octet\0blksize\0007\0windowsize\0000\0timeout\000256\0tsize\0-1\0");
    EXPECT_EQ_INT(tftp_parse_request(b, n, &r), 0);
    EXPECT_EQ_INT(r.opts, 0);
    n = PKT(b, TFTP_RRQ, "f\0octet\0blksize\00099999999999999999999999999\0windowsize\000999999\0");
    EXPECT_EQ_INT(tftp_parse_request(b, n, &r), 0);
    EXPECT_EQ_INT(r.blksize, TFTP_BLKSIZE_MAX);
    EXPECT_EQ_INT(r.windowsize, TFTP_WINDOW_MAX);
    n = PKT(b, TFTP_RRQ, "f\0octet\0blksize\0 512\0timeout\0\0windowsize\0004x\0");
    EXPECT_EQ_INT(tftp_parse_request(b, n, &r), 0);
    EXPECT_EQ_INT(r.opts, 0);
    /* unterminated trailing option is ignored */
    n = PKT(b, TFTP_RRQ, "f\0octet\0blksize\0001024\0tsize\0000");
    EXPECT_EQ_INT(tftp_parse_request(b, n, &r), 0);
    EXPECT_EQ_INT(r.opts, TFTP_OPT_BLKSIZE);
    n = PKT(b, TFTP_RRQ, "f\0octet\0blksize");
    EXPECT_EQ_INT(tftp_parse_request(b, n, &r), 0);
    EXPECT_EQ_INT(r.opts, 0);
}

TEST(negotiate)
{
    struct tftp_request r = {0};
    struct tftp_limits lim = {.blksize_max = 1468, .windowsize_max = 64};
    struct tftp_params p;

    tftp_negotiate(&r, &lim, 1000, &p);
    EXPECT_EQ_INT(p.opts, 0);
    EXPECT_EQ_INT(p.blksize, 512);
    EXPECT_EQ_INT(p.windowsize, 1);
    r.opts = TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE | TFTP_OPT_WINDOWSIZE;
    r.blksize = 65464;
    r.windowsize = 1000;
    tftp_negotiate(&r, &lim, 123456789, &p);
    EXPECT_EQ_INT(p.blksize, 1468);
    EXPECT_EQ_INT(p.windowsize, 64);
    EXPECT_EQ_INT(p.tsize, 123456789);
    EXPECT_EQ_INT(p.opts, r.opts);
    r.blksize = 1024;
    r.windowsize = 4;
    tftp_negotiate(&r, &lim, 0, &p);
    EXPECT_EQ_INT(p.opts, TFTP_OPT_BLKSIZE | TFTP_OPT_WINDOWSIZE); /* no tsize 0 */
    EXPECT_EQ_INT(p.blksize, 1024);
    EXPECT_EQ_INT(p.windowsize, 4);
    lim.blksize_max = 100000;
    lim.windowsize_max = 0;
    r.blksize = 65464;
    tftp_negotiate(&r, &lim, 0, &p);
    EXPECT_EQ_INT(p.blksize, 65464);
    EXPECT_EQ_INT(p.windowsize, 1);
}

TEST(build_oack)
{
    struct tftp_params p = {.opts = TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE | TFTP_OPT_TIMEOUT |
                                    TFTP_OPT_WINDOWSIZE,
                            .blksize = 1468,
                            .windowsize = 8,
                            .timeout = 3,
                            .tsize = 0};
    static const char want[] = "\0\6blksize\0001468\0tsize\0000\0timeout\0003\0windowsize\0008\0";
    uint8_t b[512];
    int n = tftp_build_oack(&p, b, sizeof(b));

    EXPECT_EQ_INT(n, sizeof(want) - 1);
    EXPECT(memcmp(b, want, sizeof(want) - 1) == 0);
    EXPECT_EQ_INT(tftp_build_oack(&p, b, 20), -ENOSPC);
    p.opts = TFTP_OPT_TSIZE;
    p.tsize = UINT64_MAX;
    n = tftp_build_oack(&p, b, sizeof(b));
    EXPECT_EQ_INT(n, 2 + 6 + 21);
    EXPECT(memcmp(b + 8, "18446744073709551615", 21) == 0);
}

TEST(build_error_and_data)
{
    uint8_t b[300], h[4];
    char longmsg[400];
    int n = tftp_build_error(TFTP_ERR_NOTFOUND, "file not found", b, sizeof(b));

    EXPECT_EQ_INT(n, 4 + 14 + 1);
    EXPECT(memcmp(b, "\0\5\0\1file not found\0", 19) == 0);
    memset(longmsg, 'x', sizeof(longmsg) - 1);
    longmsg[sizeof(longmsg) - 1] = 0;
    n = tftp_build_error(0, longmsg, b, sizeof(b));
    EXPECT_EQ_INT(n, 4 + 255 + 1);
    EXPECT_EQ_INT(b[n - 1], 0);
    n = tftp_build_error(0, longmsg, b, 10);
    EXPECT_EQ_INT(n, 10);
    EXPECT_EQ_INT(b[9], 0);
    EXPECT_EQ_INT(tftp_build_error(0, "x", b, 4), -ENOSPC);
    tftp_build_data_header(65536 + 258, h);
    EXPECT(memcmp(h, "\0\3\1\2", 4) == 0);
}

TEST(netascii)
{
    static const uint8_t in[] = "a\nb\rc\r\n";
    uint8_t out[32];
    uint64_t n = tftp_netascii_size(in, sizeof(in) - 1);

    EXPECT_EQ_INT(n, 11);
    tftp_netascii_encode(in, sizeof(in) - 1, out);
    EXPECT(memcmp(out, "a\r\nb\r\0c\r\0\r\n", 11) == 0);
}

TEST(xfer_simple)
{
    struct tftp_xfer x;

    tftp_xfer_init(&x, 1024, 512, 1, 0); /* 3 blocks: 512, 512, 0 */
    EXPECT_EQ_INT(x.nblocks, 3);
    EXPECT_EQ_INT(tftp_xfer_next(&x), 1);
    EXPECT_EQ_INT(tftp_xfer_block_len(&x, 1), 512);
    EXPECT_EQ_INT(tftp_xfer_block_len(&x, 3), 0);
    EXPECT_EQ_INT(tftp_xfer_ack(&x, 1), TFTP_ACK_IGNORED); /* not sent yet */
    x.next++;
    EXPECT_EQ_INT(tftp_xfer_next(&x), 0);
    EXPECT_EQ_INT(tftp_xfer_ack(&x, 0), TFTP_ACK_IGNORED);
    EXPECT_EQ_INT(tftp_xfer_ack(&x, 1), TFTP_ACK_PROGRESS);
    EXPECT_EQ_INT(tftp_xfer_ack(&x, 1), TFTP_ACK_IGNORED); /* duplicate: no sorcerer's apprentice */
    EXPECT_EQ_INT(tftp_xfer_next(&x), 2);
    x.next++;
    EXPECT_EQ_INT(tftp_xfer_ack(&x, 2), TFTP_ACK_PROGRESS);
    x.next++;
    EXPECT_EQ_INT(tftp_xfer_ack(&x, 3), TFTP_ACK_DONE);
}

TEST(xfer_oack_window_and_gap)
{
    struct tftp_xfer x;
    uint64_t i;

    tftp_xfer_init(&x, 10 * 100 + 50, 100, 4, 1); /* 11 blocks */
    EXPECT_EQ_INT(tftp_xfer_next(&x), 0);
    EXPECT_EQ_INT(tftp_xfer_ack(&x, 1), TFTP_ACK_IGNORED);
    EXPECT_EQ_INT(tftp_xfer_ack(&x, 0), TFTP_ACK_PROGRESS);
    for (i = 1; i <= 4; i++) {
        EXPECT_EQ_INT(tftp_xfer_next(&x), i);
        x.next++;
    }
    EXPECT_EQ_INT(tftp_xfer_next(&x), 0);
    EXPECT_EQ_INT(tftp_xfer_ack(&x, 2), TFTP_ACK_PROGRESS); /* gap after 2 */
    EXPECT_EQ_INT(tftp_xfer_next(&x), 3);
    for (i = 3; i <= 6; i++)
        x.next++;
    EXPECT_EQ_INT(tftp_xfer_next(&x), 0);
    EXPECT_EQ_INT(tftp_xfer_ack(&x, 7), TFTP_ACK_IGNORED); /* beyond what was sent */
    EXPECT_EQ_INT(tftp_xfer_ack(&x, 6), TFTP_ACK_PROGRESS);
    x.next += 4;
    EXPECT_EQ_INT(tftp_xfer_ack(&x, 10), TFTP_ACK_PROGRESS);
    EXPECT_EQ_INT(tftp_xfer_next(&x), 11);
    EXPECT_EQ_INT(tftp_xfer_block_len(&x, 11), 50);
    x.next++;
    EXPECT_EQ_INT(tftp_xfer_next(&x), 0);
    tftp_xfer_rewind(&x);
    EXPECT_EQ_INT(tftp_xfer_next(&x), 11);
    x.next++;
    EXPECT_EQ_INT(tftp_xfer_ack(&x, 11), TFTP_ACK_DONE);
}

TEST(xfer_stale_window_ack)
{
    struct tftp_xfer x;

    tftp_xfer_init(&x, 100 * 100, 100, 8, 0); /* 101 blocks */
    x.next = 9;                               /* window 1..8 sent */
    tftp_xfer_rewind(&x);                     /* timeout: resend from 1 */
    EXPECT_EQ_INT(tftp_xfer_next(&x), 1);
    x.next = 5;
    /* The client had 1..6 from the first window: its ACK 6 is still valid. */
    EXPECT_EQ_INT(tftp_xfer_ack(&x, 6), TFTP_ACK_PROGRESS);
    EXPECT_EQ_INT(x.acked, 6);
    EXPECT_EQ_INT(tftp_xfer_ack(&x, 9), TFTP_ACK_IGNORED);
    EXPECT_EQ_INT(tftp_xfer_next(&x), 7);
    x.next = 15; /* 7..14: a full window again */
    EXPECT_EQ_INT(tftp_xfer_next(&x), 0);
    EXPECT_EQ_INT(tftp_xfer_ack(&x, 14), TFTP_ACK_PROGRESS);
}

TEST(xfer_rollover)
{
    struct tftp_xfer x;
    uint64_t i, n = 70000;
    int r = 0;
    uint8_t h[4];

    tftp_xfer_init(&x, (n - 1) * 512 + 7, 512, 8, 0);
    EXPECT_EQ_INT(x.nblocks, n);
    while ((i = tftp_xfer_next(&x)) || r != TFTP_ACK_DONE) {
        uint64_t last = 0;
        while ((i = tftp_xfer_next(&x))) {
            last = i;
            x.next++;
        }
        tftp_build_data_header(last, h);
        r = tftp_xfer_ack(&x, (uint16_t)(h[2] << 8 | h[3]));
        if (r == TFTP_ACK_IGNORED)
            break;
        if (r == TFTP_ACK_DONE)
            break;
    }
    EXPECT_EQ_INT(r, TFTP_ACK_DONE);
    EXPECT_EQ_INT(x.acked, n);
    EXPECT_EQ_INT(tftp_xfer_block_offset(&x, 65537), 65536ull * 512);
}

TEST(path_strip_and_loader)
{
    EXPECT_EQ_STR(tftp_path_strip("::/arch/boot/x86_64/vmlinuz-linux"),
                  "arch/boot/x86_64/vmlinuz-linux");
    EXPECT_EQ_STR(tftp_path_strip("::arch"), "arch");
    EXPECT_EQ_STR(tftp_path_strip("//\\boot"), "boot");
    EXPECT_EQ_STR(tftp_path_strip("a::b"), "a::b");
    EXPECT_EQ_STR(tftp_path_strip(":x"), ":x");
    EXPECT(tftp_is_loader("boot/syslinux/lpxelinux.0"));
    EXPECT(tftp_is_loader("ipxe.EFI"));
    EXPECT(tftp_is_loader("undionly.kpxe"));
    EXPECT(!tftp_is_loader(".0"));
    EXPECT(!tftp_is_loader("vmlinuz-linux"));
    EXPECT(!tftp_is_loader("x.10"));
}

int main(void)
{
    RUN(parse_plain_rrq);
    RUN(parse_options);
    RUN(parse_netascii_and_bad_modes);
    RUN(parse_malformed);
    RUN(parse_option_values);
    RUN(negotiate);
    RUN(build_oack);
    RUN(build_error_and_data);
    RUN(netascii);
    RUN(xfer_simple);
    RUN(xfer_oack_window_and_gap);
    RUN(xfer_stale_window_ack);
    RUN(xfer_rollover);
    RUN(path_strip_and_loader);
    return tap_done();
}
