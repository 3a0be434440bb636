/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the TFTP request/option parser, the OACK builder and the
 * ACK state machine: the input is a request packet; its bytes are reused as a
 * stream of ACK block numbers.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tftp_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tftp_request req;
    struct tftp_limits lim = {.blksize_max = 1468, .windowsize_max = 64};
    struct tftp_params p;
    struct tftp_xfer x;
    uint8_t out[1024];
    size_t i;
    int n;

    if (tftp_parse_request(data, size, &req) != 0)
        return 0;
    if (strlen(req.filename) > TFTP_PATH_MAX || req.filename[0] == 0)
        __builtin_trap();
    (void)tftp_path_strip(req.filename);
    (void)tftp_is_loader(req.filename);
    tftp_negotiate(&req, &lim, size * 1000, &p);
    if (p.blksize < TFTP_BLKSIZE_MIN || p.blksize > lim.blksize_max || p.windowsize < 1 ||
        p.windowsize > lim.windowsize_max)
        __builtin_trap();
    n = tftp_build_oack(&p, out, sizeof(out));
    if (n < 2 || (size_t)n > sizeof(out))
        __builtin_trap();
    tftp_xfer_init(&x, p.tsize ? p.tsize : size * 7, p.blksize, p.windowsize, p.opts != 0);
    for (i = 0; i + 1 < size; i += 2) {
        uint64_t idx, before = x.acked;

        while ((idx = tftp_xfer_next(&x))) {
            if (tftp_xfer_block_len(&x, idx) > x.blksize)
                __builtin_trap();
            x.next++;
        }
        if (tftp_xfer_ack(&x, (uint16_t)(data[i] << 8 | data[i + 1])) == TFTP_ACK_DONE)
            break;
        if (x.acked < before || x.acked > x.nblocks)
            __builtin_trap();
        if (data[i] & 1)
            tftp_xfer_rewind(&x);
    }
    return 0;
}
