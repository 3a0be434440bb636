/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the DHCP lease file reader (plugins/dhcp/dhcp_lease.c):
 * the input is a lease file, handed over as a memfd.  A pool loaded from it
 * must format to a file that loads back to the same number of leases (the
 * restart path after a crash reads whatever the last write left).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dhcp_lease.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int load(const void *buf, size_t len, struct dhcp_pool *p)
{
    static int fd = -1;
    char path[64];
    unsigned skipped;

    if (fd < 0)
        fd = memfd_create("lease", 0);
    if (fd < 0 || ftruncate(fd, 0) < 0 || pwrite(fd, buf, len, 0) != (ssize_t)len)
        abort();
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    return dhcp_pool_load(p, path, 1000, &skipped);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dhcp_pool p, q;
    char *text;
    size_t len;
    int n, m;

    /* 192.0.2.10 .. 192.0.2.200, one address reserved */
    if (dhcp_pool_init(&p, 0xc000020a, 0xc00002c8) < 0)
        abort();
    dhcp_pool_set(&p, dhcp_pool_at(&p, 0xc0000214), (const uint8_t *)"\1\2\3\4\5\6", 6,
                  DHCP_LEASE_RESERVED, 0);
    n = load(data, size, &p);
    if (n >= 0 && dhcp_pool_format(&p, 1000, &text, &len) == 0) {
        if (dhcp_pool_init(&q, 0xc000020a, 0xc00002c8) < 0)
            abort();
        m = load(text, len, &q);
        /* a MAC loaded twice keeps one slot, so the reload may hold fewer, never more */
        if (m < 0 || (uint32_t)m != dhcp_pool_bound(&p, 1000) ||
            dhcp_pool_bound(&q, 1000) != (uint32_t)m)
            abort();
        dhcp_pool_done(&q);
        free(text);
    }
    dhcp_pool_done(&p);
    return 0;
}
