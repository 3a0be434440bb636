/* SPDX-License-Identifier: MIT */
/* Router Solicitation parser and Router Advertisement builder (dhcp_ra.c). */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "../dhcp_ra.h"
#include "tap.h"

TEST(rs_valid)
{
    /* Bare RS; RS with a source link-layer address option (type 1, 8 bytes). */
    uint8_t rs[8] = {133, 0, 0x12, 0x34, 0, 0, 0, 0};
    uint8_t sll[16] = {133, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0x52, 0x54, 0, 0x12, 0x34, 0x56};

    EXPECT_EQ_INT(dhcp_ra_parse_rs(rs, sizeof(rs), 255), 0);
    EXPECT_EQ_INT(dhcp_ra_parse_rs(rs, sizeof(rs), -1), 0);
    EXPECT_EQ_INT(dhcp_ra_parse_rs(sll, sizeof(sll), 255), 0);
}

TEST(rs_invalid)
{
    uint8_t rs[8] = {133, 0, 0, 0, 0, 0, 0, 0};
    uint8_t b[16];

    EXPECT_EQ_INT(dhcp_ra_parse_rs(NULL, 0, 255), -EBADMSG);
    EXPECT_EQ_INT(dhcp_ra_parse_rs(rs, 7, 255), -EBADMSG);   /* short */
    EXPECT_EQ_INT(dhcp_ra_parse_rs(rs, 8, 64), -EBADMSG);    /* routed: hop limit not 255 */
    EXPECT_EQ_INT(dhcp_ra_parse_rs(rs, 8, 254), -EBADMSG);
    memcpy(b, rs, 8);
    b[1] = 1; /* code */
    EXPECT_EQ_INT(dhcp_ra_parse_rs(b, 8, 255), -EBADMSG);
    b[1] = 0;
    b[0] = 134; /* an RA is no RS */
    EXPECT_EQ_INT(dhcp_ra_parse_rs(b, 8, 255), -EBADMSG);
    b[0] = 133;
    memset(b + 8, 0, 8);
    b[8] = 1; /* option length 0 */
    EXPECT_EQ_INT(dhcp_ra_parse_rs(b, 16, 255), -EBADMSG);
    b[9] = 2; /* option longer than the message */
    EXPECT_EQ_INT(dhcp_ra_parse_rs(b, 16, 255), -EBADMSG);
    EXPECT_EQ_INT(dhcp_ra_parse_rs(b, 9, 255), -EBADMSG); /* truncated option header */
}

TEST(ra_bytes)
{
    uint8_t ra[DHCP_RA_LEN];
    static const uint8_t want[DHCP_RA_LEN] = {134, 0, 0, 0, 64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

    memset(ra, 0xaa, sizeof(ra));
    dhcp_ra_build(ra);
    /* Type 134, code 0, hop limit 64, no M/O flags, router lifetime 0, no options. */
    EXPECT(memcmp(ra, want, sizeof(want)) == 0);
}

int main(void)
{
    RUN(rs_valid);
    RUN(rs_invalid);
    RUN(ra_bytes);
    return tap_done();
}
