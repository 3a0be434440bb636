/* SPDX-License-Identifier: MIT */
/* Unit tests of dhcp_proto.c on byte buffers. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "../dhcp_proto.h"
#include "tap.h"

static uint8_t pkt[1024];
static size_t plen;

/* Starts a BOOTREQUEST from 52:54:00:12:34:56 with message type t. */
static void req(uint8_t t)
{
    static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

    memset(pkt, 0, sizeof(pkt));
    pkt[0] = 1;
    pkt[1] = 1;
    pkt[2] = 6;
    pkt[4] = 0xde, pkt[5] = 0xad, pkt[6] = 0xbe, pkt[7] = 0xef;
    memcpy(pkt + 28, mac, 6);
    pkt[236] = 99, pkt[237] = 130, pkt[238] = 83, pkt[239] = 99;
    plen = 240;
    if (t) {
        pkt[plen++] = 53;
        pkt[plen++] = 1;
        pkt[plen++] = t;
    }
}

static void opt(uint8_t code, const void *data, uint8_t len)
{
    pkt[plen++] = code;
    pkt[plen++] = len;
    memcpy(pkt + plen, data, len);
    plen += len;
}

static void end(void)
{
    pkt[plen++] = 255;
}

static void arch(uint16_t a)
{
    uint8_t v[2] = {(uint8_t)(a >> 8), (uint8_t)a};

    opt(93, v, 2);
}

static const char pxe_vc[] = "PXEClient:Arch:00000:UNDI:002001";

/* Finds option code in a reply's option area; returns its length or -1. */
static int find_opt(const uint8_t *b, int len, uint8_t code, const uint8_t **ret)
{
    int i = 240;

    while (i < len && b[i] != 255) {
        if (b[i] == 0) {
            i++;
            continue;
        }
        if (b[i] == code) {
            *ret = b + i + 2;
            return b[i + 1];
        }
        i += 2 + b[i + 1];
    }
    return -1;
}

static struct dhcp_boot_cfg bcfg(void)
{
    struct dhcp_boot_cfg c;

    memset(&c, 0, sizeof(c));
    c.file[DHCP_ARCH_BIOS] = "boot/syslinux/lpxelinux.0";
    c.file[DHCP_ARCH_EFI64] = "snponly.efi";
    c.file[DHCP_ARCH_ARM64] = "arm64/snp.efi";
    c.server_ip = "192.0.2.1";
    c.http_port = 8080;
    c.ipxe_script = "boot.ipxe";
    c.ipxe_chain = 1;
    c.pxelinux_cfg = "pxelinux.cfg/default";
    return c;
}

TEST(parse_discover)
{
    struct dhcp_msg m;
    uint8_t prl[] = {1, 3, 67};
    uint8_t uuid[17] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    char mac[64];

    req(DHCP_DISCOVER);
    opt(55, prl, 3);
    opt(60, pxe_vc, (uint8_t)strlen(pxe_vc));
    arch(7);
    opt(97, uuid, 17);
    end();
    EXPECT_EQ_INT(dhcp_parse(pkt, plen, &m), 0);
    EXPECT_EQ_INT(m.type, DHCP_DISCOVER);
    EXPECT_EQ_INT(m.arch, 7);
    EXPECT(m.has_arch);
    EXPECT_EQ_INT(m.kind, DHCP_CLIENT_PXE);
    EXPECT_EQ_INT(m.uuid_len, 17);
    EXPECT(dhcp_requested(&m, 67));
    EXPECT(!dhcp_requested(&m, 66));
    dhcp_mac_str(&m, mac, sizeof(mac));
    EXPECT_EQ_STR(mac, "52:54:00:12:34:56");
    dhcp_mac_str(&m, mac, 9);
    EXPECT_EQ_STR(mac, "52:54:00");
}

TEST(parse_malformed)
{
    struct dhcp_msg m;
    uint8_t big[4] = {1, 2, 3, 4};

    req(DHCP_DISCOVER);
    end();
    EXPECT_EQ_INT(dhcp_parse(pkt, 239, &m), -EBADMSG); /* short */
    pkt[236] = 98;
    EXPECT_EQ_INT(dhcp_parse(pkt, plen, &m), -EBADMSG); /* cookie */
    req(DHCP_DISCOVER);
    pkt[0] = 2;
    EXPECT_EQ_INT(dhcp_parse(pkt, plen, &m), -EBADMSG); /* a reply */
    req(DHCP_DISCOVER);
    pkt[2] = 17;
    EXPECT_EQ_INT(dhcp_parse(pkt, plen, &m), -EBADMSG); /* hlen */
    req(DHCP_DISCOVER);
    pkt[plen++] = 60;
    pkt[plen++] = 50; /* past the end */
    pkt[plen++] = 'P';
    EXPECT_EQ_INT(dhcp_parse(pkt, plen, &m), -EBADMSG);
    req(DHCP_DISCOVER);
    pkt[plen++] = 60; /* length byte missing */
    EXPECT_EQ_INT(dhcp_parse(pkt, plen, &m), -EBADMSG);
    req(0);
    end();
    EXPECT_EQ_INT(dhcp_parse(pkt, plen, &m), -EBADMSG); /* no type (BOOTP) */
    req(9);
    end();
    EXPECT_EQ_INT(dhcp_parse(pkt, plen, &m), -EBADMSG);
    req(DHCP_DISCOVER);
    opt(54, big, 3); /* fixed size wrong */
    end();
    EXPECT_EQ_INT(dhcp_parse(pkt, plen, &m), -EBADMSG);
    req(DHCP_DISCOVER);
    opt(93, big, 3);
    end();
    EXPECT_EQ_INT(dhcp_parse(pkt, plen, &m), -EBADMSG);
}

TEST(parse_overload)
{
    struct dhcp_msg m;
    uint8_t ov = 3, ov1 = 1;

    /* Vendor class in file, arch in sname. */
    req(DHCP_DISCOVER);
    opt(52, &ov, 1);
    end();
    pkt[108] = 60;
    pkt[109] = (uint8_t)strlen(pxe_vc);
    memcpy(pkt + 110, pxe_vc, strlen(pxe_vc));
    pkt[110 + strlen(pxe_vc)] = 255;
    pkt[44] = 93, pkt[45] = 2, pkt[46] = 0, pkt[47] = 11, pkt[48] = 255;
    EXPECT_EQ_INT(dhcp_parse(pkt, plen, &m), 0);
    EXPECT_EQ_INT(m.kind, DHCP_CLIENT_PXE);
    EXPECT_EQ_INT(m.arch, 11);

    /* Option 52 inside the file field: a loop, dropped. */
    req(DHCP_DISCOVER);
    opt(52, &ov1, 1);
    end();
    pkt[108] = 52, pkt[109] = 1, pkt[110] = 3, pkt[111] = 255;
    EXPECT_EQ_INT(dhcp_parse(pkt, plen, &m), -EBADMSG);

    /* An option in file running past the 128 bytes of the field. */
    req(DHCP_DISCOVER);
    opt(52, &ov1, 1);
    end();
    pkt[230] = 60, pkt[231] = 40;
    EXPECT_EQ_INT(dhcp_parse(pkt, plen, &m), -EBADMSG);

    /* Message type only in the overloaded field still counts. */
    req(0);
    opt(52, &ov1, 1);
    end();
    pkt[108] = 53, pkt[109] = 1, pkt[110] = 1, pkt[111] = 255;
    EXPECT_EQ_INT(dhcp_parse(pkt, plen, &m), 0);
    EXPECT_EQ_INT(m.type, DHCP_DISCOVER);
}

TEST(classify)
{
    struct dhcp_msg m;
    static const uint8_t uc_rfc[] = {4, 'i', 'P', 'X', 'E'};
    int http;

    req(DHCP_DISCOVER);
    opt(77, "iPXE", 4);
    end();
    EXPECT_EQ_INT(dhcp_parse(pkt, plen, &m), 0);
    EXPECT_EQ_INT(m.kind, DHCP_CLIENT_IPXE);
    req(DHCP_DISCOVER);
    opt(77, uc_rfc, sizeof(uc_rfc));
    end();
    EXPECT_EQ_INT(dhcp_parse(pkt, plen, &m), 0);
    EXPECT_EQ_INT(m.kind, DHCP_CLIENT_IPXE);
    req(DHCP_DISCOVER);
    opt(175, "\x13\x01\x01", 3);
    opt(60, "HTTPClient:Arch:00016:UNDI:003001", 33);
    end();
    EXPECT_EQ_INT(dhcp_parse(pkt, plen, &m), 0);
    EXPECT_EQ_INT(m.kind, DHCP_CLIENT_IPXE | DHCP_CLIENT_HTTP);

    EXPECT_EQ_INT(dhcp_arch_class(0, &http), DHCP_ARCH_BIOS);
    EXPECT_EQ_INT(dhcp_arch_class(9, &http), DHCP_ARCH_EFI64);
    EXPECT_EQ_INT(http, 0);
    EXPECT_EQ_INT(dhcp_arch_class(16, &http), DHCP_ARCH_EFI64);
    EXPECT_EQ_INT(http, 1);
    EXPECT_EQ_INT(dhcp_arch_class(11, &http), DHCP_ARCH_ARM64);
    EXPECT_EQ_INT(dhcp_arch_class(0xffff, &http), DHCP_ARCH_UNKNOWN);
}

TEST(boot_decisions)
{
    struct dhcp_boot_cfg c = bcfg();
    struct dhcp_boot b;
    struct dhcp_msg m;

    /* BIOS PXE. */
    req(DHCP_DISCOVER);
    opt(60, pxe_vc, (uint8_t)strlen(pxe_vc));
    arch(0);
    end();
    dhcp_parse(pkt, plen, &m);
    EXPECT_EQ_INT(dhcp_boot_decide(&m, &c, "52:54:00:12:34:56", &b), 0);
    EXPECT_EQ_INT(b.kind, DHCP_BOOT_NBP);
    EXPECT_EQ_STR(b.file, "boot/syslinux/lpxelinux.0");
    EXPECT_EQ_STR(b.prefix, "boot/syslinux/");
    EXPECT_EQ_STR(b.config, "pxelinux.cfg/default");
    EXPECT_EQ_STR(b.vendor, "PXEClient");
    EXPECT(b.bios);

    /* UEFI x64 (7 and 9) and ARM64. */
    for (uint16_t a = 7; a <= 11; a += 2) {
        req(DHCP_DISCOVER);
        opt(60, pxe_vc, (uint8_t)strlen(pxe_vc));
        arch(a);
        end();
        dhcp_parse(pkt, plen, &m);
        dhcp_boot_decide(&m, &c, "52:54:00:12:34:56", &b);
        EXPECT_EQ_INT(b.kind, DHCP_BOOT_NBP);
        EXPECT_EQ_STR(b.file, a == 11 ? "arm64/snp.efi" : "snponly.efi");
        EXPECT(!b.bios);
    }

    /* Per-arch override and unknown arch. */
    c.override[9] = "ipxe.efi";
    req(DHCP_DISCOVER);
    opt(60, pxe_vc, (uint8_t)strlen(pxe_vc));
    arch(9);
    end();
    dhcp_parse(pkt, plen, &m);
    dhcp_boot_decide(&m, &c, "x", &b);
    EXPECT_EQ_STR(b.file, "ipxe.efi");
    req(DHCP_DISCOVER);
    opt(60, pxe_vc, (uint8_t)strlen(pxe_vc));
    arch(0x3f00);
    end();
    dhcp_parse(pkt, plen, &m);
    EXPECT_EQ_INT(dhcp_boot_decide(&m, &c, "x", &b), 0);
    EXPECT_EQ_INT(b.kind, DHCP_BOOT_NONE);
    EXPECT_EQ_INT(b.reason, DHCP_BOOT_NO_FILE);

    /* iPXE: script URL, with and without an HTTP service. */
    req(DHCP_DISCOVER);
    opt(60, pxe_vc, (uint8_t)strlen(pxe_vc));
    opt(77, "iPXE", 4);
    arch(0);
    end();
    dhcp_parse(pkt, plen, &m);
    dhcp_boot_decide(&m, &c, "52:54:00:12:34:56", &b);
    EXPECT_EQ_INT(b.kind, DHCP_BOOT_IPXE);
    EXPECT_EQ_STR(b.file, "http://192.0.2.1:8080/boot.ipxe?mac=52:54:00:12:34:56");
    EXPECT(!b.bios);
    c.http_port = 80;
    dhcp_boot_decide(&m, &c, "52:54:00:12:34:56", &b);
    EXPECT_EQ_STR(b.file, "http://192.0.2.1/boot.ipxe?mac=52:54:00:12:34:56");
    c.http_port = 0;
    dhcp_boot_decide(&m, &c, "52:54:00:12:34:56", &b);
    EXPECT_EQ_INT(b.kind, DHCP_BOOT_NONE);
    EXPECT_EQ_INT(b.reason, DHCP_BOOT_NO_HTTP);
    /* ipxe_chain off: an iPXE ROM is answered like any BIOS PXE ROM. */
    c.ipxe_chain = 0;
    dhcp_boot_decide(&m, &c, "52:54:00:12:34:56", &b);
    EXPECT_EQ_INT(b.kind, DHCP_BOOT_NBP);
    EXPECT_EQ_STR(b.file, "boot/syslinux/lpxelinux.0");
    EXPECT(b.bios);
    c.ipxe_chain = 1;

    /* UEFI HTTP boot. */
    c.http_port = 8080;
    req(DHCP_DISCOVER);
    opt(60, "HTTPClient:Arch:00016:UNDI:003001", 33);
    arch(16);
    end();
    dhcp_parse(pkt, plen, &m);
    dhcp_boot_decide(&m, &c, "x", &b);
    EXPECT_EQ_INT(b.kind, DHCP_BOOT_HTTP);
    EXPECT_EQ_STR(b.file, "http://192.0.2.1:8080/snponly.efi");
    EXPECT_EQ_STR(b.vendor, "HTTPClient");
}

/* The proxy offer to a BIOS client, byte for byte. */
TEST(reply_bios_proxy_bytes)
{
    struct dhcp_boot_cfg c = bcfg();
    struct dhcp_boot b;
    struct dhcp_reply r;
    struct dhcp_msg m;
    uint8_t out[DHCP_MAX_REPLY];
    uint8_t uuid[17] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    uint8_t relay[] = {1, 4, 'p', 'o', 'r', 't'};
    const char *file = "boot/syslinux/lpxelinux.0";
    int len;

    req(DHCP_DISCOVER);
    opt(60, pxe_vc, (uint8_t)strlen(pxe_vc));
    arch(0);
    opt(97, uuid, 17);
    opt(82, relay, sizeof(relay));
    end();
    pkt[10] = 0x80; /* broadcast flag */
    EXPECT_EQ_INT(dhcp_parse(pkt, plen, &m), 0);
    dhcp_boot_decide(&m, &c, "52:54:00:12:34:56", &b);
    memset(&r, 0, sizeof(r));
    r.type = DHCP_OFFER;
    inet_pton(AF_INET, "192.0.2.1", &r.server_id);
    r.siaddr = r.server_id;
    r.boot = &b;
    r.pxe_opt43 = 1;
    r.tftp_server = "192.0.2.1";
    len = dhcp_build_reply(&m, &r, out, sizeof(out));
    EXPECT(len >= 300);
    EXPECT_EQ_INT(out[0], 2);
    EXPECT_EQ_INT(out[10], 0x80);
    EXPECT(memcmp(out + 4, "\xde\xad\xbe\xef", 4) == 0);
    EXPECT(memcmp(out + 16, "\0\0\0\0", 4) == 0);        /* yiaddr */
    EXPECT(memcmp(out + 20, "\xc0\x00\x02\x01", 4) == 0); /* siaddr */
    EXPECT(memcmp(out + 28, "\x52\x54\x00\x12\x34\x56", 6) == 0);
    EXPECT(memcmp(out + 108, file, strlen(file) + 1) == 0);
    {
        static const uint8_t want[] = {
            53, 1, 2,                                   /* OFFER */
            54, 4, 192, 0, 2, 1,                        /* server id */
            60, 9, 'P', 'X', 'E', 'C', 'l', 'i', 'e', 'n', 't',
            66, 9, '1', '9', '2', '.', '0', '.', '2', '.', '1',
            43, 4, 6, 1, 8, 255,                        /* PXE discovery control */
            209, 20, 'p', 'x', 'e', 'l', 'i', 'n', 'u', 'x', '.', 'c', 'f', 'g', '/',
            'd', 'e', 'f', 'a', 'u', 'l', 't',
            210, 14, 'b', 'o', 'o', 't', '/', 's', 'y', 's', 'l', 'i', 'n', 'u', 'x', '/',
            97, 17, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
            82, 6, 1, 4, 'p', 'o', 'r', 't',            /* relay info last */
            255};

        EXPECT(memcmp(out + 240, want, sizeof(want)) == 0);
        for (int i = 240 + (int)sizeof(want); i < len; i++)
            EXPECT_EQ_INT(out[i], 0);
    }
}

TEST(reply_full_and_limits)
{
    struct dhcp_boot_cfg c = bcfg();
    struct dhcp_boot b;
    struct dhcp_reply r;
    struct dhcp_msg m;
    uint8_t out[DHCP_MAX_REPLY];
    uint32_t dns[2];
    const uint8_t *v;
    uint8_t prl[] = {1, 3, 6, 67};
    uint8_t maxs[2] = {0x05, 0xdc}; /* 1500 */
    char longurl[250];
    int len;

    req(DHCP_REQUEST);
    opt(60, pxe_vc, (uint8_t)strlen(pxe_vc));
    opt(55, prl, sizeof(prl));
    arch(7);
    end();
    dhcp_parse(pkt, plen, &m);
    dhcp_boot_decide(&m, &c, "x", &b);
    memset(&r, 0, sizeof(r));
    r.type = DHCP_ACK;
    inet_pton(AF_INET, "192.0.2.1", &r.server_id);
    inet_pton(AF_INET, "192.0.2.60", &r.yiaddr);
    inet_pton(AF_INET, "255.255.255.0", &r.netmask);
    inet_pton(AF_INET, "192.0.2.254", &r.router);
    inet_pton(AF_INET, "192.0.2.53", &dns[0]);
    inet_pton(AF_INET, "192.0.2.54", &dns[1]);
    r.dns = dns;
    r.n_dns = 2;
    r.domain = "lab.example";
    r.lease_secs = 3600;
    r.boot = &b;
    r.pxe_opt43 = 1;
    len = dhcp_build_reply(&m, &r, out, sizeof(out));
    EXPECT(len > 0 && len <= 548);
    EXPECT_EQ_INT(find_opt(out, len, 51, &v), 4);
    EXPECT(memcmp(v, "\0\0\x0e\x10", 4) == 0);
    EXPECT_EQ_INT(find_opt(out, len, 58, &v), 4);
    EXPECT(memcmp(v, "\0\0\x07\x08", 4) == 0);
    EXPECT_EQ_INT(find_opt(out, len, 6, &v), 8);
    EXPECT_EQ_INT(find_opt(out, len, 15, &v), 11);
    EXPECT_EQ_INT(find_opt(out, len, 67, &v), 11); /* asked for in 55 */
    EXPECT_EQ_INT(find_opt(out, len, 43, &v), -1); /* not for UEFI */
    EXPECT_EQ_INT(find_opt(out, len, 209, &v), -1);
    /* Full mode, UEFI ROM: no option 60, or OVMF hunts for a boot server on 4011. */
    EXPECT_EQ_INT(find_opt(out, len, 60, &v), -1);
    EXPECT(memcmp(out + 16, "\xc0\x00\x02\x3c", 4) == 0);
    /* The same client in proxy mode (no lease) does get option 60 PXEClient. */
    r.lease_secs = 0;
    len = dhcp_build_reply(&m, &r, out, sizeof(out));
    EXPECT_EQ_INT(find_opt(out, len, 60, &v), 9);
    r.lease_secs = 3600;

    /* A 249-byte URL does not fit the file field: option 67 (mandatory) carries it. */
    memset(longurl, 'a', sizeof(longurl) - 1);
    longurl[sizeof(longurl) - 1] = '\0';
    memcpy(b.file, longurl, sizeof(longurl));
    len = dhcp_build_reply(&m, &r, out, sizeof(out));
    EXPECT(len > 0 && len <= 548);
    EXPECT_EQ_INT(find_opt(out, len, 67, &v), 249);
    EXPECT_EQ_INT(out[108], 0);

    /* With 12 DNS servers' worth of domain the optional ones are dropped to fit 576. */
    {
        char dom[256];

        memset(dom, 'd', 255);
        dom[255] = '\0';
        r.domain = dom;
        len = dhcp_build_reply(&m, &r, out, sizeof(out));
        EXPECT(len > 0 && len <= 548);
        EXPECT_EQ_INT(find_opt(out, len, 15, &v), -1);
        EXPECT_EQ_INT(find_opt(out, len, 67, &v), 249);
        /* Option 57 = 1500 lets everything in. */
        req(DHCP_REQUEST);
        opt(60, pxe_vc, (uint8_t)strlen(pxe_vc));
        opt(55, prl, sizeof(prl));
        opt(57, maxs, 2);
        arch(7);
        end();
        dhcp_parse(pkt, plen, &m);
        len = dhcp_build_reply(&m, &r, out, sizeof(out));
        EXPECT(len > 548 && len <= 1472);
        EXPECT_EQ_INT(find_opt(out, len, 15, &v), 255);
    }
}

TEST(reply_nak)
{
    struct dhcp_reply r;
    struct dhcp_msg m;
    uint8_t out[DHCP_MAX_REPLY];
    const uint8_t *v;
    int len;

    req(DHCP_REQUEST);
    end();
    dhcp_parse(pkt, plen, &m);
    memset(&r, 0, sizeof(r));
    r.type = DHCP_NAK;
    inet_pton(AF_INET, "192.0.2.1", &r.server_id);
    r.message = "wrong address";
    len = dhcp_build_reply(&m, &r, out, sizeof(out));
    EXPECT(len > 0);
    EXPECT_EQ_INT(find_opt(out, len, 53, &v), 1);
    EXPECT_EQ_INT(v[0], DHCP_NAK);
    EXPECT_EQ_INT(find_opt(out, len, 56, &v), 13);
    EXPECT_EQ_INT(find_opt(out, len, 51, &v), -1);
    EXPECT_EQ_INT(dhcp_build_reply(&m, &r, out, 100), -ENOBUFS);
}

/* A relayed proxy offer (flag clear in the request, giaddr set): the reply asks
 * the relay to broadcast, since a relay unicasts to yiaddr, here 0 (RFC 1542 5.4). */
TEST(reply_relayed_proxy_broadcast)
{
    struct dhcp_boot_cfg c = bcfg();
    struct dhcp_boot b;
    struct dhcp_reply r;
    struct dhcp_msg m;
    uint8_t out[DHCP_MAX_REPLY];
    int len;

    req(DHCP_DISCOVER);
    opt(60, pxe_vc, (uint8_t)strlen(pxe_vc));
    arch(0);
    end();
    pkt[10] = 0;                             /* iPXE sends no broadcast flag */
    memcpy(pkt + 24, "\xc6\x33\x64\x01", 4); /* giaddr 198.51.100.1 */
    EXPECT_EQ_INT(dhcp_parse(pkt, plen, &m), 0);
    dhcp_boot_decide(&m, &c, "52:54:00:12:34:56", &b);
    memset(&r, 0, sizeof(r));
    r.type = DHCP_OFFER;
    inet_pton(AF_INET, "192.0.2.1", &r.server_id);
    r.boot = &b;
    len = dhcp_build_reply(&m, &r, out, sizeof(out));
    EXPECT(len >= 300);
    EXPECT_EQ_INT(out[10], 0); /* copied from the request by default */
    r.broadcast_flag = 1;
    len = dhcp_build_reply(&m, &r, out, sizeof(out));
    EXPECT(len >= 300);
    EXPECT_EQ_INT(out[10], 0x80);
    EXPECT_EQ_INT(out[11], 0);
    EXPECT(memcmp(out + 24, "\xc6\x33\x64\x01", 4) == 0); /* giaddr */
}

int main(void)
{
    RUN(parse_discover);
    RUN(parse_malformed);
    RUN(parse_overload);
    RUN(classify);
    RUN(boot_decisions);
    RUN(reply_bios_proxy_bytes);
    RUN(reply_full_and_limits);
    RUN(reply_nak);
    RUN(reply_relayed_proxy_broadcast);
    return tap_done();
}
