/* SPDX-License-Identifier: MIT */
/* Unit tests of the address pool and lease file (dhcp_lease.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../dhcp_lease.h"
#include "atomic.h"
#include "tap.h"

#define IP(d) (0xc0000200u | (d)) /* 192.0.2.d */

static const uint8_t A[6] = {2, 0, 0, 0, 0, 1}, B[6] = {2, 0, 0, 0, 0, 2},
                     C[6] = {2, 0, 0, 0, 0, 3};

/* What the plugin does: format, then the core's crash-safe write. */
static int pool_save(const struct dhcp_pool *p, const char *path, uint64_t now)
{
    char *buf;
    size_t len;
    int r = dhcp_pool_format(p, now, &buf, &len);

    if (r < 0)
        return r;
    r = atomic_write_file(path, buf, len, 0644);
    free(buf);
    return r;
}

TEST(init_limits)
{
    struct dhcp_pool p;

    EXPECT_EQ_INT(dhcp_pool_init(&p, IP(10), IP(9)), -EINVAL);
    EXPECT_EQ_INT(dhcp_pool_init(&p, 0x0a000000, 0x0a010000), -E2BIG);
    EXPECT_EQ_INT(dhcp_pool_init(&p, 0x0a000000, 0x0a00ffff), 0);
    dhcp_pool_done(&p);
}

TEST(allocation)
{
    struct dhcp_pool p;
    struct dhcp_lease *a, *b, *c;
    uint64_t now = 1000;

    EXPECT_EQ_INT(dhcp_pool_init(&p, IP(50), IP(51)), 0);
    a = dhcp_pool_pick(&p, A, 6, 0, now);
    EXPECT(a && dhcp_pool_ip(&p, a) == IP(50));
    dhcp_pool_set(&p, a, A, 6, DHCP_LEASE_OFFERED, now + 60);
    /* The same client gets the same address again. */
    EXPECT(dhcp_pool_pick(&p, A, 6, 0, now) == a);
    /* Another client asking for A's address gets the other one. */
    b = dhcp_pool_pick(&p, B, 6, IP(50), now);
    EXPECT(b && dhcp_pool_ip(&p, b) == IP(51));
    dhcp_pool_set(&p, b, B, 6, DHCP_LEASE_BOUND, now + 3600);
    dhcp_pool_set(&p, a, A, 6, DHCP_LEASE_BOUND, now + 100);
    EXPECT_EQ_INT(dhcp_pool_bound(&p, now), 2);
    /* Exhausted until A's lease expires; then C takes it and A loses it. */
    EXPECT(dhcp_pool_pick(&p, C, 6, 0, now) == NULL);
    c = dhcp_pool_pick(&p, C, 6, 0, now + 200);
    EXPECT(c == a);
    dhcp_pool_set(&p, c, C, 6, DHCP_LEASE_BOUND, now + 4000);
    EXPECT(dhcp_pool_find(&p, A, 6) == NULL);
    EXPECT(dhcp_pool_find(&p, C, 6) == c);
    EXPECT(!dhcp_pool_usable(c, A, 6, now + 300));
    /* A requested address outside the range is ignored. */
    dhcp_pool_set(&p, b, B, 6, DHCP_LEASE_FREE, 0);
    EXPECT(dhcp_pool_pick(&p, A, 6, IP(99), now + 300) == b);
    /* Decline quarantines, even for its former owner. */
    dhcp_pool_set(&p, b, NULL, 0, DHCP_LEASE_DECLINED, now + 900);
    EXPECT(dhcp_pool_pick(&p, B, 6, 0, now + 300) == NULL);
    EXPECT(dhcp_pool_pick(&p, B, 6, 0, now + 901) == b);
    dhcp_pool_done(&p);
}

TEST(reserved_and_moves)
{
    struct dhcp_pool p;
    struct dhcp_lease *r, *x;

    EXPECT_EQ_INT(dhcp_pool_init(&p, IP(50), IP(52)), 0);
    r = dhcp_pool_at(&p, IP(50));
    dhcp_pool_set(&p, r, A, 6, DHCP_LEASE_RESERVED, 0);
    x = dhcp_pool_pick(&p, B, 6, IP(50), 0);
    EXPECT(x && x != r);
    EXPECT(dhcp_pool_pick(&p, A, 6, 0, 0) == r);
    /* Moving B from one slot to another keeps one slot per MAC. */
    dhcp_pool_set(&p, x, B, 6, DHCP_LEASE_BOUND, 100);
    dhcp_pool_set(&p, dhcp_pool_at(&p, IP(52)), B, 6, DHCP_LEASE_BOUND, 100);
    EXPECT_EQ_INT(x->state, DHCP_LEASE_FREE);
    EXPECT_EQ_INT(x->mac_len, 0);
    EXPECT(dhcp_pool_find(&p, B, 6) == dhcp_pool_at(&p, IP(52)));
    dhcp_pool_done(&p);
}

/* Many clients through a small hash: find stays exact after deletions. */
TEST(hash_churn)
{
    struct dhcp_pool p;
    uint8_t mac[6] = {2, 0, 0, 0, 0, 0};
    int bad = 0;

    EXPECT_EQ_INT(dhcp_pool_init(&p, IP(0), IP(0) + 999), 0);
    for (int round = 0; round < 5; round++)
        for (int i = 0; i < 1000; i++) {
            struct dhcp_lease *l;

            mac[4] = (uint8_t)(i >> 8);
            mac[5] = (uint8_t)i;
            mac[3] = (uint8_t)round;
            l = dhcp_pool_at(&p, IP(0) + (uint32_t)((i * 7 + round) % 1000));
            dhcp_pool_set(&p, l, mac, 6, DHCP_LEASE_BOUND, 10);
            if (dhcp_pool_find(&p, mac, 6) != l)
                bad++;
        }
    for (int i = 0; i < 1000; i++) {
        mac[3] = 4;
        mac[4] = (uint8_t)(i >> 8);
        mac[5] = (uint8_t)i;
        if (dhcp_pool_find(&p, mac, 6) != dhcp_pool_at(&p, IP(0) + (uint32_t)((i * 7 + 4) % 1000)))
            bad++;
        mac[3] = 3;
        if (dhcp_pool_find(&p, mac, 6) != NULL)
            bad++;
    }
    EXPECT_EQ_INT(bad, 0);
    dhcp_pool_done(&p);
}

TEST(file_roundtrip)
{
    char dir[] = "/tmp/test_dhcp_lease.XXXXXX", path[128], line[256];
    struct dhcp_pool p, q;
    unsigned skipped;
    FILE *f;

    EXPECT(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/dhcp.leases", dir);
    EXPECT_EQ_INT(dhcp_pool_init(&p, IP(50), IP(60)), 0);
    EXPECT_EQ_INT(dhcp_pool_load(&p, path, 1000, &skipped), 0); /* missing file */
    dhcp_pool_set(&p, dhcp_pool_at(&p, IP(55)), A, 6, DHCP_LEASE_BOUND, 5000);
    dhcp_lease_set_hostname(dhcp_pool_at(&p, IP(55)), (const uint8_t *)"pc 1;rm", 7);
    dhcp_pool_at(&p, IP(55))->pxe_at = 900;
    dhcp_pool_set(&p, dhcp_pool_at(&p, IP(56)), B, 6, DHCP_LEASE_OFFERED, 5000);
    dhcp_pool_set(&p, dhcp_pool_at(&p, IP(57)), C, 6, DHCP_LEASE_BOUND, 500); /* expired */
    EXPECT_EQ_INT(pool_save(&p, path, 1000), 0);
    f = fopen(path, "r");
    EXPECT(f && fgets(line, sizeof(line), f));
    EXPECT_EQ_STR(line, "5000 02:00:00:00:00:01 192.0.2.55 pc1rm 900\n");
    EXPECT(!fgets(line, sizeof(line), f));
    fclose(f);
    /* Appended junk and out-of-range lines are skipped on load. */
    f = fopen(path, "a");
    fputs("garbage\n9000 02:00:00:00:00:09 10.0.0.1 *\n9000 zz:00 192.0.2.58 *\n"
          "9000 02:00:00:00:00:02 192.0.2.59 *\n", f); /* old 4-field form still loads */
    fclose(f);
    EXPECT_EQ_INT(dhcp_pool_init(&q, IP(50), IP(60)), 0);
    EXPECT_EQ_INT(dhcp_pool_load(&q, path, 1000, &skipped), 2);
    EXPECT_EQ_INT(skipped, 3);
    EXPECT_EQ_INT(dhcp_pool_at(&q, IP(59))->pxe_at, 0);
    EXPECT(dhcp_pool_find(&q, A, 6) == dhcp_pool_at(&q, IP(55)));
    EXPECT_EQ_STR(dhcp_pool_at(&q, IP(55))->hostname, "pc1rm");
    EXPECT_EQ_INT(dhcp_pool_at(&q, IP(55))->expires, 5000);
    EXPECT_EQ_INT(dhcp_pool_at(&q, IP(55))->pxe_at, 900);
    /* Loading after its expiry drops it (the .59 lease lasts until 9000). */
    dhcp_pool_done(&q);
    EXPECT_EQ_INT(dhcp_pool_init(&q, IP(50), IP(60)), 0);
    EXPECT_EQ_INT(dhcp_pool_load(&q, path, 6000, &skipped), 1);
    EXPECT(dhcp_pool_find(&q, A, 6) == NULL);
    /* A save into a missing directory fails cleanly. */
    EXPECT(pool_save(&p, "/nonexistent-dir/x/leases", 1000) < 0);
    dhcp_pool_done(&q);
    dhcp_pool_done(&p);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    RUN(init_limits);
    RUN(allocation);
    RUN(reserved_and_moves);
    RUN(hash_churn);
    RUN(file_roundtrip);
    return tap_done();
}
