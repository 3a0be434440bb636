/* SPDX-License-Identifier: MIT */
/*
 * DHCPv6 protocol code (dhcp6_proto.c) on crafted messages shaped like those
 * of EDK2's HttpBootDxe and UefiPxeBcDxe, iPXE and ISC dhclient, plus malformed
 * ones, the address pool and the managed/other Router Advertisement.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../dhcp/dhcp_ra.h"
#include "../dhcp6_proto.h"
#include "../dhcp6_relay.h"
#include "tap.h"

static const uint8_t srv_duid[10] = {0, 3, 0, 1, 0x02, 0, 0, 0, 0, 1};

struct pkt {
    uint8_t b[1500];
    size_t n;
};

static void p_start(struct pkt *p, uint8_t type)
{
    p->b[0] = type;
    p->b[1] = 0x12;
    p->b[2] = 0x34;
    p->b[3] = 0x56;
    p->n = 4;
}

static void p_opt(struct pkt *p, uint16_t code, const void *d, size_t n)
{
    p->b[p->n] = (uint8_t)(code >> 8);
    p->b[p->n + 1] = (uint8_t)code;
    p->b[p->n + 2] = (uint8_t)(n >> 8);
    p->b[p->n + 3] = (uint8_t)n;
    memcpy(p->b + p->n + 4, d, n);
    p->n += 4 + n;
}

/* DUID-LLT, hardware type 1, MAC 52:54:00:12:34:56. */
static const uint8_t cli_duid[14] = {0,    1,    0,    1, 0x2a, 0x2b, 0x2c,
                                     0x2d, 0x52, 0x54, 0, 0x12, 0x34, 0x56};

static void p_vendor(struct pkt *p, const char *s)
{
    uint8_t v[64] = {0, 0, 1, 0x57};
    size_t n = strlen(s);

    v[4] = 0;
    v[5] = (uint8_t)n;
    memcpy(v + 6, s, n);
    p_opt(p, DHCP6_OPT_VENDOR_CLASS, v, 6 + n);
}

/* A Solicit as EDK2 sends it: client id, IA_NA, ORO, NII, arch, vendor class. */
static void edk2_solicit(struct pkt *p, uint16_t arch, const char *vendor)
{
    static const uint8_t ia[12] = {0xde, 0xad, 0xbe, 0xef};
    static const uint8_t oro[8] = {0, 59, 0, 60, 0, 23, 0, 16};
    static const uint8_t nii[3] = {1, 3, 0};
    uint8_t a[2] = {(uint8_t)(arch >> 8), (uint8_t)arch}, el[2] = {0, 0};

    p_start(p, DHCP6_SOLICIT);
    p_opt(p, DHCP6_OPT_ELAPSED_TIME, el, 2);
    p_opt(p, DHCP6_OPT_CLIENTID, cli_duid, sizeof(cli_duid));
    p_opt(p, DHCP6_OPT_IA_NA, ia, sizeof(ia));
    p_opt(p, DHCP6_OPT_ORO, oro, sizeof(oro));
    p_opt(p, DHCP6_OPT_NII, nii, sizeof(nii));
    p_opt(p, DHCP6_OPT_CLIENT_ARCH_TYPE, a, 2);
    if (vendor)
        p_vendor(p, vendor);
}

static const struct dhcp6_boot boot = {.server = "2001:db8::1",
                                       .http_port = 8080,
                                       .tftp = 1,
                                       .ipxe_chain = 1,
                                       .ipxe_script = "boot.ipxe",
                                       .files = {"snponly.efi", NULL, "grubnetaa64.efi", NULL}};

/* Finds option code at the top level of a built reply; its data and length, or NULL. */
static const uint8_t *find_opt(const uint8_t *b, size_t n, uint16_t code, size_t *ret_len)
{
    size_t off = 4;

    while (off + 4 <= n) {
        uint16_t c = (uint16_t)(b[off] << 8 | b[off + 1]),
                 l = (uint16_t)(b[off + 2] << 8 | b[off + 3]);

        if (off + 4 + l > n)
            return NULL;
        if (c == code) {
            *ret_len = l;
            return b + off + 4;
        }
        off += 4 + l;
    }
    return NULL;
}

TEST(edk2_http_solicit)
{
    struct pkt p;
    struct dhcp6_msg m;
    char url[256];
    uint8_t out[1500];
    struct in6_addr addr;
    struct dhcp6_answer a = {.type = DHCP6_ADVERTISE,
                             .server_duid = srv_duid,
                             .server_duid_len = sizeof(srv_duid),
                             .ia = 1,
                             .addr = &addr,
                             .valid = 3600,
                             .preferred = 3600,
                             .status = -1,
                             .preference = 1};
    const uint8_t *o;
    size_t ol;
    int n;

    edk2_solicit(&p, 16, "HTTPClient:Arch:00016:UNDI:003000");
    EXPECT_EQ_INT(dhcp6_parse(p.b, p.n, &m), 0);
    EXPECT_EQ_INT(m.type, DHCP6_SOLICIT);
    EXPECT_EQ_INT(m.has_arch, 1);
    EXPECT_EQ_INT(m.arch, 16);
    EXPECT_EQ_INT(m.vendor_http, 1);
    EXPECT_EQ_INT(m.has_ia_na, 1);
    EXPECT_EQ_INT(m.iaid, 0xdeadbeef);
    EXPECT_EQ_INT(m.has_mac, 1);
    EXPECT_EQ_INT(m.mac[5], 0x56);
    EXPECT_EQ_INT(dhcp6_validate(&m, srv_duid, sizeof(srv_duid)), 0);
    EXPECT_EQ_INT(dhcp6_wants_http(&m), 1);
    EXPECT_EQ_INT(dhcp6_boot_url(&boot, &m, url, sizeof(url)), 0);
    EXPECT_EQ_STR(url, "http://[2001:db8::1]:8080/snponly.efi");
    inet_pton(AF_INET6, "2001:db8::100", &addr);
    a.url = url;
    a.http = 1;
    n = dhcp6_build(&m, &a, out, sizeof(out));
    EXPECT(n > 0);
    EXPECT_EQ_INT(out[0], DHCP6_ADVERTISE);
    EXPECT(memcmp(out + 1, "\x12\x34\x56", 3) == 0);
    o = find_opt(out, (size_t)n, DHCP6_OPT_SERVERID, &ol);
    EXPECT(o && ol == sizeof(srv_duid) && memcmp(o, srv_duid, ol) == 0);
    o = find_opt(out, (size_t)n, DHCP6_OPT_CLIENTID, &ol);
    EXPECT(o && ol == sizeof(cli_duid) && memcmp(o, cli_duid, ol) == 0);
    o = find_opt(out, (size_t)n, DHCP6_OPT_BOOTFILE_URL, &ol);
    EXPECT(o && ol == strlen(url) && memcmp(o, url, ol) == 0);
    /* EDK2: vendor class with enterprise 343 and "HTTPClient" at data + 6. */
    o = find_opt(out, (size_t)n, DHCP6_OPT_VENDOR_CLASS, &ol);
    EXPECT(o && ol >= 16 && o[3] == 0x57 && memcmp(o + 6, "HTTPClient", 10) == 0);
    o = find_opt(out, (size_t)n, DHCP6_OPT_PREFERENCE, &ol);
    EXPECT(o && ol == 1 && o[0] == 255);
    /* IA_NA: our IAID, T1 = 1800, T2 = 2880, IAADDR with the address and lifetimes. */
    o = find_opt(out, (size_t)n, DHCP6_OPT_IA_NA, &ol);
    EXPECT(o && ol == 40);
    if (o && ol == 40) {
        EXPECT(memcmp(o, "\xde\xad\xbe\xef\x00\x00\x07\x08\x00\x00\x0b\x40", 12) == 0);
        EXPECT(o[12] == 0 && o[13] == DHCP6_OPT_IAADDR && o[15] == 24);
        EXPECT(memcmp(o + 16, &addr, 16) == 0);
        EXPECT(memcmp(o + 32, "\x00\x00\x0e\x10\x00\x00\x0e\x10", 8) == 0);
    }
}

TEST(edk2_pxe_solicit)
{
    struct pkt p;
    struct dhcp6_msg m;
    char url[256];
    uint8_t out[1500];
    size_t ol;
    struct dhcp6_answer a = {.type = DHCP6_ADVERTISE,
                             .server_duid = srv_duid,
                             .server_duid_len = sizeof(srv_duid),
                             .ia = 1,
                             .status = -1,
                             .ia_status = DHCP6_STATUS_NOADDRSAVAIL};
    const uint8_t *o;
    int n;

    edk2_solicit(&p, 7, "PXEClient:Arch:00007:UNDI:003000");
    EXPECT_EQ_INT(dhcp6_parse(p.b, p.n, &m), 0);
    EXPECT_EQ_INT(m.vendor_pxe, 1);
    EXPECT_EQ_INT(m.vendor_http, 0);
    EXPECT_EQ_INT(dhcp6_wants_http(&m), 0);
    EXPECT_EQ_INT(dhcp6_boot_url(&boot, &m, url, sizeof(url)), 0);
    EXPECT_EQ_STR(url, "tftp://[2001:db8::1]/snponly.efi");
    /* PXE answers carry no vendor class: EDK2 would take a PXEClient one as BINL and ask again. */
    a.url = url;
    n = dhcp6_build(&m, &a, out, sizeof(out));
    EXPECT(n > 0);
    EXPECT(find_opt(out, (size_t)n, DHCP6_OPT_VENDOR_CLASS, &ol) == NULL);
    o = find_opt(out, (size_t)n, DHCP6_OPT_IA_NA, &ol);
    EXPECT(o && ol >= 18 && o[13] == DHCP6_OPT_STATUS_CODE && o[17] == DHCP6_STATUS_NOADDRSAVAIL);
    /* No tftp service: no URL. */
    {
        struct dhcp6_boot b = boot;

        b.tftp = 0;
        EXPECT_EQ_INT(dhcp6_boot_url(&b, &m, url, sizeof(url)), -ENOENT);
    }
}

TEST(arch_map)
{
    struct pkt p;
    struct dhcp6_msg m;
    char url[256];

    edk2_solicit(&p, 11, NULL);
    EXPECT_EQ_INT(dhcp6_parse(p.b, p.n, &m), 0);
    EXPECT_EQ_INT(dhcp6_boot_url(&boot, &m, url, sizeof(url)), 0);
    EXPECT_EQ_STR(url, "tftp://[2001:db8::1]/grubnetaa64.efi");
    edk2_solicit(&p, 19, NULL);
    EXPECT_EQ_INT(dhcp6_parse(p.b, p.n, &m), 0);
    EXPECT_EQ_INT(dhcp6_boot_url(&boot, &m, url, sizeof(url)), 0);
    EXPECT_EQ_STR(url, "http://[2001:db8::1]:8080/grubnetaa64.efi");
    edk2_solicit(&p, 0, NULL); /* BIOS: no IPv6 PXE loader */
    EXPECT_EQ_INT(dhcp6_parse(p.b, p.n, &m), 0);
    EXPECT_EQ_INT(dhcp6_boot_url(&boot, &m, url, sizeof(url)), -ENOENT);
    edk2_solicit(&p, 6, NULL); /* IA32: no file configured */
    EXPECT_EQ_INT(dhcp6_parse(p.b, p.n, &m), 0);
    EXPECT_EQ_INT(dhcp6_boot_url(&boot, &m, url, sizeof(url)), -ENOENT);
    edk2_solicit(&p, 0x7fff, NULL);
    EXPECT_EQ_INT(dhcp6_parse(p.b, p.n, &m), 0);
    EXPECT_EQ_INT(dhcp6_boot_url(&boot, &m, url, sizeof(url)), -ENOENT);
    EXPECT_EQ_INT(dhcp6_arch_class(9), DHCP6_CLASS_EFI64);
    EXPECT_EQ_INT(dhcp6_arch_class(17), DHCP6_CLASS_EFI64);
    EXPECT_EQ_INT(dhcp6_arch_class(10), DHCP6_CLASS_ARM32);
    /* Port 80 is left out of the URL; a leading '/' of the file is dropped. */
    {
        struct dhcp6_boot b = boot;

        b.http_port = 80;
        b.files[DHCP6_CLASS_ARM64] = "/arm64/grub.efi";
        edk2_solicit(&p, 19, NULL);
        EXPECT_EQ_INT(dhcp6_parse(p.b, p.n, &m), 0);
        EXPECT_EQ_INT(dhcp6_boot_url(&b, &m, url, sizeof(url)), 0);
        EXPECT_EQ_STR(url, "http://[2001:db8::1]/arm64/grub.efi");
        EXPECT_EQ_INT(dhcp6_boot_url(&b, &m, url, 20), -E2BIG);
    }
}

TEST(ipxe_information_request)
{
    struct pkt p;
    struct dhcp6_msg m;
    char url[256];
    static const uint8_t uc[6] = {0, 4, 'i', 'P', 'X', 'E'};
    static const uint8_t arch[2] = {0, 7};

    p_start(&p, DHCP6_INFORMATION_REQUEST);
    p_opt(&p, DHCP6_OPT_CLIENTID, cli_duid, sizeof(cli_duid));
    p_opt(&p, DHCP6_OPT_USER_CLASS, uc, sizeof(uc));
    p_opt(&p, DHCP6_OPT_CLIENT_ARCH_TYPE, arch, 2);
    EXPECT_EQ_INT(dhcp6_parse(p.b, p.n, &m), 0);
    EXPECT_EQ_INT(m.user_ipxe, 1);
    EXPECT_EQ_INT(dhcp6_validate(&m, srv_duid, sizeof(srv_duid)), 0);
    EXPECT_EQ_INT(dhcp6_boot_url(&boot, &m, url, sizeof(url)), 0);
    EXPECT_EQ_STR(url, "http://[2001:db8::1]:8080/boot.ipxe?mac=52:54:00:12:34:56");
    {
        struct dhcp6_boot b = boot;

        b.ipxe_chain = 0; /* then like any PXE client of its arch */
        EXPECT_EQ_INT(dhcp6_boot_url(&b, &m, url, sizeof(url)), 0);
        EXPECT_EQ_STR(url, "tftp://[2001:db8::1]/snponly.efi");
        b.ipxe_chain = 1;
        b.http_port = 0;
        EXPECT_EQ_INT(dhcp6_boot_url(&b, &m, url, sizeof(url)), -ENOENT);
    }
}

/* iPXE 1.0.0+git-20190125's Solicit (seen from QEMU guests): a DUID-UUID (type 4, the
 * SMBIOS UUID, all zero under QEMU) with no MAC; the MAC comes from its EUI-64 link-local
 * source address instead. */
TEST(ipxe_duid_uuid_link_local)
{
    static const uint8_t duid[18] = {0, 4};
    static const uint8_t uc[6] = {0, 4, 'i', 'P', 'X', 'E'};
    static const uint8_t arch[2] = {0, 7};
    static const uint8_t ll[16] = {0xfe, 0x80, [8] = 0x50, 0x54, 0x00,
                                   0xff, 0xfe, 0x00,       0xd6, 0x61};
    static const uint8_t global[16] = {0x20, 0x01, 0x0d, 0xb8, [8] = 0x50, 0x54, 0, 0xff, 0xfe};
    static const uint8_t stable[16] = {0xfe, 0x80, [8] = 0x3c, 0x11, 0x9a, 0x07, 0x42, 1, 2, 3};
    uint8_t mac[6] = {0};
    struct pkt p;
    struct dhcp6_msg m;
    char url[256];

    p_start(&p, DHCP6_SOLICIT);
    p_opt(&p, DHCP6_OPT_CLIENTID, duid, sizeof(duid));
    p_opt(&p, DHCP6_OPT_USER_CLASS, uc, sizeof(uc));
    p_opt(&p, DHCP6_OPT_CLIENT_ARCH_TYPE, arch, 2);
    p_vendor(&p, "PXEClient:Arch:00007:UNDI:003010");
    EXPECT_EQ_INT(dhcp6_parse(p.b, p.n, &m), 0);
    EXPECT_EQ_INT(m.user_ipxe, 1);
    EXPECT_EQ_INT(m.has_mac, 0);
    EXPECT_EQ_INT(dhcp6_boot_url(&boot, &m, url, sizeof(url)), 0);
    EXPECT_EQ_STR(url, "http://[2001:db8::1]:8080/boot.ipxe");
    EXPECT_EQ_INT(dhcp6_mac_from_link_local(ll, mac), 0);
    EXPECT(memcmp(mac, (const uint8_t[6]){0x52, 0x54, 0, 0, 0xd6, 0x61}, 6) == 0);
    EXPECT_EQ_INT(dhcp6_mac_from_link_local(global, mac), -ENOENT);
    EXPECT_EQ_INT(dhcp6_mac_from_link_local(stable, mac), -ENOENT);
    m.has_mac = 1;
    memcpy(m.mac, (const uint8_t[6]){0x52, 0x54, 0, 0, 0xd6, 0x61}, 6);
    EXPECT_EQ_INT(dhcp6_boot_url(&boot, &m, url, sizeof(url)), 0);
    EXPECT_EQ_STR(url, "http://[2001:db8::1]:8080/boot.ipxe?mac=52:54:00:00:d6:61");
}

TEST(validate_rules)
{
    static const uint8_t other[10] = {0, 3, 0, 1, 9, 9, 9, 9, 9, 9};
    static const uint8_t ia[12] = {0, 0, 0, 1};
    struct pkt p;
    struct dhcp6_msg m;

    /* Solicit with a server id; Solicit without a client id. */
    p_start(&p, DHCP6_SOLICIT);
    p_opt(&p, DHCP6_OPT_CLIENTID, cli_duid, sizeof(cli_duid));
    p_opt(&p, DHCP6_OPT_SERVERID, srv_duid, sizeof(srv_duid));
    EXPECT_EQ_INT(dhcp6_parse(p.b, p.n, &m), 0);
    EXPECT_EQ_INT(dhcp6_validate(&m, srv_duid, sizeof(srv_duid)), -EBADMSG);
    p_start(&p, DHCP6_SOLICIT);
    EXPECT_EQ_INT(dhcp6_parse(p.b, p.n, &m), 0);
    EXPECT_EQ_INT(dhcp6_validate(&m, srv_duid, sizeof(srv_duid)), -EBADMSG);
    /* Request: without a server id, for another server, for us. */
    p_start(&p, DHCP6_REQUEST);
    p_opt(&p, DHCP6_OPT_CLIENTID, cli_duid, sizeof(cli_duid));
    EXPECT_EQ_INT(dhcp6_parse(p.b, p.n, &m), 0);
    EXPECT_EQ_INT(dhcp6_validate(&m, srv_duid, sizeof(srv_duid)), -EBADMSG);
    p_opt(&p, DHCP6_OPT_SERVERID, other, sizeof(other));
    EXPECT_EQ_INT(dhcp6_parse(p.b, p.n, &m), 0);
    EXPECT_EQ_INT(dhcp6_validate(&m, srv_duid, sizeof(srv_duid)), -ENOENT);
    p_start(&p, DHCP6_REQUEST);
    p_opt(&p, DHCP6_OPT_CLIENTID, cli_duid, sizeof(cli_duid));
    p_opt(&p, DHCP6_OPT_SERVERID, srv_duid, sizeof(srv_duid));
    EXPECT_EQ_INT(dhcp6_parse(p.b, p.n, &m), 0);
    EXPECT_EQ_INT(dhcp6_validate(&m, srv_duid, sizeof(srv_duid)), 0);
    /* Information-request with an IA_NA; for another server; Confirm not answered. */
    p_start(&p, DHCP6_INFORMATION_REQUEST);
    p_opt(&p, DHCP6_OPT_IA_NA, ia, sizeof(ia));
    EXPECT_EQ_INT(dhcp6_parse(p.b, p.n, &m), 0);
    EXPECT_EQ_INT(dhcp6_validate(&m, srv_duid, sizeof(srv_duid)), -EBADMSG);
    p_start(&p, DHCP6_INFORMATION_REQUEST);
    p_opt(&p, DHCP6_OPT_SERVERID, other, sizeof(other));
    EXPECT_EQ_INT(dhcp6_parse(p.b, p.n, &m), 0);
    EXPECT_EQ_INT(dhcp6_validate(&m, srv_duid, sizeof(srv_duid)), -ENOENT);
    p_start(&p, DHCP6_CONFIRM);
    p_opt(&p, DHCP6_OPT_CLIENTID, cli_duid, sizeof(cli_duid));
    EXPECT_EQ_INT(dhcp6_parse(p.b, p.n, &m), 0);
    EXPECT_EQ_INT(dhcp6_validate(&m, srv_duid, sizeof(srv_duid)), -EOPNOTSUPP);
}

TEST(malformed)
{
    static const uint8_t ia8[8] = {0};
    static const uint8_t odd[3] = {0, 59, 0};
    static const uint8_t badvc[8] = {0, 0, 1, 0x57, 0, 9, 'H', 'T'}; /* string past the end */
    static const uint8_t badaddr[12 + 4 + 10] = {0, 0, 0, 1, [13] = 5, [15] = 10};
    struct pkt p;
    struct dhcp6_msg m;
    uint8_t el3[3] = {0};

    EXPECT_EQ_INT(dhcp6_parse(NULL, 0, &m), -EBADMSG);
    p_start(&p, DHCP6_SOLICIT);
    EXPECT_EQ_INT(dhcp6_parse(p.b, 3, &m), -EBADMSG);
    p_opt(&p, DHCP6_OPT_CLIENTID, cli_duid, sizeof(cli_duid));
    EXPECT_EQ_INT(dhcp6_parse(p.b, p.n - 1, &m), -EBADMSG); /* option past the end */
    EXPECT_EQ_INT(dhcp6_parse(p.b, 6, &m), -EBADMSG);       /* half an option header */
    p_opt(&p, DHCP6_OPT_CLIENTID, cli_duid, sizeof(cli_duid));
    EXPECT_EQ_INT(dhcp6_parse(p.b, p.n, &m), -EBADMSG); /* two client ids */
    p_start(&p, DHCP6_SOLICIT);
    p_opt(&p, DHCP6_OPT_CLIENTID, cli_duid, 2); /* DUID too short */
    EXPECT_EQ_INT(dhcp6_parse(p.b, p.n, &m), -EBADMSG);
    p_start(&p, DHCP6_SOLICIT);
    p_opt(&p, DHCP6_OPT_IA_NA, ia8, sizeof(ia8));
    EXPECT_EQ_INT(dhcp6_parse(p.b, p.n, &m), -EBADMSG);
    p_start(&p, DHCP6_SOLICIT);
    p_opt(&p, DHCP6_OPT_IA_NA, badaddr, sizeof(badaddr)); /* IAADDR shorter than 24 */
    EXPECT_EQ_INT(dhcp6_parse(p.b, p.n, &m), -EBADMSG);
    p_start(&p, DHCP6_SOLICIT);
    p_opt(&p, DHCP6_OPT_ORO, odd, sizeof(odd));
    EXPECT_EQ_INT(dhcp6_parse(p.b, p.n, &m), -EBADMSG);
    p_start(&p, DHCP6_SOLICIT);
    p_opt(&p, DHCP6_OPT_ELAPSED_TIME, el3, sizeof(el3));
    EXPECT_EQ_INT(dhcp6_parse(p.b, p.n, &m), -EBADMSG);
    p_start(&p, DHCP6_SOLICIT);
    p_opt(&p, DHCP6_OPT_VENDOR_CLASS, badvc, sizeof(badvc));
    EXPECT_EQ_INT(dhcp6_parse(p.b, p.n, &m), -EBADMSG);
    p_start(&p, DHCP6_SOLICIT);
    p_opt(&p, DHCP6_OPT_RAPID_COMMIT, el3, 1);
    EXPECT_EQ_INT(dhcp6_parse(p.b, p.n, &m), -EBADMSG);
    p_start(&p, 12); /* relay-forward: not served */
    EXPECT_EQ_INT(dhcp6_parse(p.b, p.n, &m), -EPROTONOSUPPORT);
    p_start(&p, DHCP6_ADVERTISE); /* a server's message */
    EXPECT_EQ_INT(dhcp6_parse(p.b, p.n, &m), -EPROTO);
    p_start(&p, 200);
    EXPECT_EQ_INT(dhcp6_parse(p.b, p.n, &m), -EPROTO);
    /* Unknown options are ignored. */
    p_start(&p, DHCP6_SOLICIT);
    p_opt(&p, 4242, odd, sizeof(odd));
    EXPECT_EQ_INT(dhcp6_parse(p.b, p.n, &m), 0);
}

/* A Relay-forward layer around inner: link 2001:db8:a::1, peer fe80::1 (the client or relay). */
static void p_relay(struct pkt *out, const struct pkt *inner, uint8_t hops, const char *iface)
{
    static const uint8_t ll[8] = {0, 1, 0x52, 0x54, 0, 0xaa, 0xbb, 0xcc};

    memset(out->b, 0, 34);
    out->b[0] = DHCP6_RELAY_FORW;
    out->b[1] = hops;
    inet_pton(AF_INET6, "2001:db8:a::1", out->b + 2);
    inet_pton(AF_INET6, "fe80::1", out->b + 18);
    out->n = 34;
    if (iface)
        p_opt(out, DHCP6_OPT_INTERFACE_ID, iface, strlen(iface));
    if (hops == 0)
        p_opt(out, DHCP6_OPT_CLIENT_LINKLAYER, ll, sizeof(ll));
    p_opt(out, DHCP6_OPT_RELAY_MSG, inner->b, inner->n);
}

TEST(relay)
{
    struct pkt c, r1, r2, bad;
    struct dhcp6_relay r;
    struct dhcp6_msg m;
    uint8_t out[1500], link[16];
    int n;

    p_start(&c, DHCP6_SOLICIT);
    p_opt(&c, DHCP6_OPT_CLIENTID, cli_duid, sizeof(cli_duid));
    p_relay(&r1, &c, 0, "eth7");
    p_relay(&r2, &r1, 1, NULL); /* two relay agents */
    EXPECT_EQ_INT(dhcp6_relay_unwrap(r2.b, r2.n, &r), 0);
    EXPECT_EQ_INT(r.n, 2);
    EXPECT_EQ_INT(r.inner_len, c.n);
    EXPECT(memcmp(r.inner, c.b, c.n) == 0);
    EXPECT_EQ_INT(dhcp6_parse(r.inner, r.inner_len, &m), 0);
    EXPECT(r.has_mac && r.mac[5] == 0xcc);
    inet_pton(AF_INET6, "2001:db8:a::1", link);
    EXPECT(dhcp6_relay_link(&r) && memcmp(dhcp6_relay_link(&r), link, 16) == 0);
    /* The reply goes back in the same layers: outermost first, Interface-Id echoed. */
    n = dhcp6_relay_wrap(&r, c.b, c.n, out, sizeof(out));
    EXPECT_EQ_INT(n, (int)(2 * (34 + 4) + 4 + 4 + c.n));
    EXPECT_EQ_INT(out[0], DHCP6_RELAY_REPL);
    EXPECT_EQ_INT(out[1], 1);
    EXPECT_EQ_INT(out[38], DHCP6_RELAY_REPL); /* second layer right after option 9's header */
    EXPECT_EQ_INT(out[39], 0);
    EXPECT(memcmp(out + 38 + 34 + 4, "eth7", 4) == 0);
    EXPECT(memcmp(out + n - (int)c.n, c.b, c.n) == 0);
    EXPECT_EQ_INT(dhcp6_relay_wrap(&r, c.b, c.n, out, 50), -E2BIG);
    /* Malformed: no relay message, two, a cut option, a server message inside, too deep. */
    memcpy(&bad, &r1, sizeof(bad));
    bad.n = 34;
    EXPECT_EQ_INT(dhcp6_relay_unwrap(bad.b, bad.n, &r), -EBADMSG);
    p_opt(&bad, DHCP6_OPT_RELAY_MSG, c.b, c.n);
    p_opt(&bad, DHCP6_OPT_RELAY_MSG, c.b, c.n);
    EXPECT_EQ_INT(dhcp6_relay_unwrap(bad.b, bad.n, &r), -EBADMSG);
    EXPECT_EQ_INT(dhcp6_relay_unwrap(r1.b, r1.n - 1, &r), -EBADMSG);
    EXPECT_EQ_INT(dhcp6_relay_unwrap(r1.b, 20, &r), -EBADMSG);
    c.b[0] = DHCP6_REPLY;
    p_relay(&bad, &c, 0, NULL);
    EXPECT_EQ_INT(dhcp6_relay_unwrap(bad.b, bad.n, &r), -EBADMSG);
    c.b[0] = DHCP6_SOLICIT;
    memcpy(&r1, &c, sizeof(c));
    for (int i = 0; i <= DHCP6_HOP_COUNT_LIMIT; i++) {
        p_relay(&r2, &r1, (uint8_t)i, NULL);
        memcpy(&r1, &r2, sizeof(r2));
    }
    EXPECT_EQ_INT(dhcp6_relay_unwrap(r1.b, r1.n, &r), -ELOOP);
    EXPECT_EQ_INT(dhcp6_relay_unwrap(c.b, c.n, &r), -EPROTO);
}

TEST(build_limits)
{
    struct pkt p;
    struct dhcp6_msg m;
    uint8_t out[64];
    struct dhcp6_answer a = {.type = DHCP6_REPLY,
                             .server_duid = srv_duid,
                             .server_duid_len = sizeof(srv_duid),
                             .status = 0,
                             .url = "tftp://[2001:db8::1]/a/very/long/path/that/does/not/fit.efi"};

    edk2_solicit(&p, 7, NULL);
    EXPECT_EQ_INT(dhcp6_parse(p.b, p.n, &m), 0);
    EXPECT_EQ_INT(dhcp6_build(&m, &a, out, sizeof(out)), -E2BIG);
    a.url = NULL;
    EXPECT_EQ_INT(dhcp6_build(&m, &a, out, sizeof(out)), 4 + 14 + 18 + 6);
    a.server_duid = NULL;
    EXPECT_EQ_INT(dhcp6_build(&m, &a, out, sizeof(out)), -EINVAL);
}

TEST(pool)
{
    static const uint8_t d1[10] = {0, 3, 0, 1, 1, 1, 1, 1, 1, 1};
    static const uint8_t d2[10] = {0, 3, 0, 1, 2, 2, 2, 2, 2, 2};
    static const uint8_t d3[10] = {0, 3, 0, 1, 3, 3, 3, 3, 3, 3};
    struct dhcp6_pool p;
    struct dhcp6_lease *l1, *l2;
    struct in6_addr a1, a2;
    char s[INET6_ADDRSTRLEN];

    EXPECT_EQ_INT(dhcp6_pool_init(&p, "2001:db8::1"), -EINVAL);
    EXPECT_EQ_INT(dhcp6_pool_init(&p, "2001:db8::10,2001:db8::1"), -EINVAL);
    EXPECT_EQ_INT(dhcp6_pool_init(&p, "2001:db8::1,2001:db8:0:1::1"), -EINVAL);
    EXPECT_EQ_INT(dhcp6_pool_init(&p, "2001:db8::1,2001:db8::1:1"), -EINVAL); /* 65537 */
    EXPECT_EQ_INT(dhcp6_pool_init(&p, "ff02::1,ff02::2"), -EINVAL);
    EXPECT_EQ_INT(dhcp6_pool_init(&p, "fe80::1,fe80::2"), -EINVAL);
    EXPECT_EQ_INT(dhcp6_pool_init(&p, "192.0.2.1,192.0.2.2"), -EINVAL);
    EXPECT_EQ_INT(dhcp6_pool_init(&p, "2001:db8::1,2001:db8::2,x"), -EINVAL);
    EXPECT_EQ_INT(dhcp6_pool_init(&p, "2001:db8::1, 2001:db8::ffff"), 0);
    EXPECT_EQ_INT(p.size, 65535);
    dhcp6_pool_done(&p);
    EXPECT_EQ_INT(dhcp6_pool_init(&p, "2001:db8::ffff:fffe,2001:db8::ffff:ffff"), 0);
    EXPECT_EQ_INT(p.size, 2);
    l1 = dhcp6_pool_get(&p, d1, 10, 1, 100, 60, 1);
    l2 = dhcp6_pool_get(&p, d2, 10, 1, 100, 60, 1);
    EXPECT(l1 && l2);
    if (!l1 || !l2) {
        dhcp6_pool_done(&p);
        return;
    }
    dhcp6_pool_addr(&p, l1, &a1);
    dhcp6_pool_addr(&p, l2, &a2);
    EXPECT(memcmp(&a1, &a2, 16) != 0);
    inet_ntop(AF_INET6, &a1, s, sizeof(s));
    EXPECT(strcmp(s, "2001:db8::ffff:fffe") == 0 || strcmp(s, "2001:db8::ffff:ffff") == 0);
    EXPECT(dhcp6_pool_get(&p, d1, 10, 1, 110, 60, 1) == l1);   /* same client, same binding */
    EXPECT(dhcp6_pool_get(&p, d1, 10, 2, 110, 60, 0) == NULL); /* other IAID, no create */
    EXPECT(dhcp6_pool_get(&p, d3, 10, 1, 110, 60, 1) == NULL); /* full */
    l1->state = l2->state = DHCP6_LEASE_BOUND;
    l1->expires = l2->expires = 1000;
    EXPECT_EQ_INT(dhcp6_pool_bound(&p, 200), 2);
    dhcp6_pool_release(&p, l1, 1, 200, 600); /* declined: quarantined until 800 */
    EXPECT_EQ_INT(dhcp6_pool_bound(&p, 200), 1);
    EXPECT(dhcp6_pool_get(&p, d3, 10, 1, 500, 60, 1) == NULL);
    EXPECT(dhcp6_pool_get(&p, d1, 10, 1, 500, 60, 0) == NULL); /* the decline ended it */
    EXPECT(dhcp6_pool_get(&p, d3, 10, 1, 900, 60, 1) != NULL); /* quarantine over */
    l2 = dhcp6_pool_get(&p, d3, 10, 1, 900, 60, 0);
    EXPECT(l2 != NULL);
    dhcp6_pool_release(&p, l2, 0, 900, 0);
    EXPECT(dhcp6_pool_get(&p, d3, 10, 1, 900, 60, 0) == NULL);
    EXPECT_EQ_INT(p.n, 1); /* d2's binding, bound until 1000 */
    dhcp6_pool_done(&p);
}

TEST(ra_managed)
{
    uint8_t ra[DHCP_RA_PREFIX_LEN];
    uint8_t prefix[16] = {0x20, 0x01, 0x0d, 0xb8};

    EXPECT_EQ_INT(dhcp_ra_build_flags(ra, DHCP_RA_MANAGED | DHCP_RA_OTHER, NULL, 0, 0, 0, 0),
                  DHCP_RA_LEN);
    EXPECT_EQ_INT(ra[0], 134);
    EXPECT_EQ_INT(ra[5], 0xc0);
    EXPECT_EQ_INT(ra[6] | ra[7], 0); /* router lifetime 0 */
    EXPECT_EQ_INT(dhcp_ra_build_flags(ra, DHCP_RA_OTHER, prefix, 64, 0, 3600, 1800),
                  DHCP_RA_PREFIX_LEN);
    EXPECT_EQ_INT(ra[5], 0x40);
    EXPECT_EQ_INT(ra[16], 3); /* Prefix Information */
    EXPECT_EQ_INT(ra[17], 4);
    EXPECT_EQ_INT(ra[18], 64);
    EXPECT_EQ_INT(ra[19], 0x80); /* on-link, not autonomous */
    EXPECT(memcmp(ra + 20, "\x00\x00\x0e\x10\x00\x00\x07\x08", 8) == 0);
    EXPECT(memcmp(ra + 32, prefix, 16) == 0);
}

TEST(lease_file_text)
{
    const uint8_t d1[] = {0, 3, 0, 1, 0x52, 0x54, 0, 0x12, 0x34, 0x56};
    const uint8_t d2[] = {0, 1, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    struct dhcp6_pool p, q;
    struct dhcp6_lease *a, *b;
    struct in6_addr x, y;
    unsigned skipped;
    char *text, bad[600];

    EXPECT_EQ_INT(dhcp6_pool_init(&p, "2001:db8::100,2001:db8::1ff"), 0);
    a = dhcp6_pool_get(&p, d1, sizeof(d1), 7, 1000, 60, 1);
    b = dhcp6_pool_get(&p, d2, sizeof(d2), 1, 1000, 60, 1);
    EXPECT(a && b);
    a->state = DHCP6_LEASE_BOUND;
    a->expires = 5000;
    /* b stays OFFERED: not written */
    EXPECT_EQ_INT(dhcp6_leases_format(&p, 1000, &text), 0);
    EXPECT(strchr(text, '\n') == text + strlen(text) - 1);
    EXPECT_EQ_INT(dhcp6_pool_init(&q, "2001:db8::100,2001:db8::1ff"), 0);
    EXPECT_EQ_INT(dhcp6_leases_parse(&q, text, 1000, &skipped), 1);
    EXPECT_EQ_INT((int)skipped, 0);
    b = dhcp6_pool_get(&q, d1, sizeof(d1), 7, 1000, 0, 0);
    EXPECT(b && b->state == DHCP6_LEASE_BOUND && b->expires == 5000);
    dhcp6_pool_addr(&p, a, &x);
    dhcp6_pool_addr(&q, b, &y);
    EXPECT(memcmp(&x, &y, sizeof(x)) == 0);
    /* the same text again clashes; expired lines vanish; junk and outside-range lines count */
    EXPECT_EQ_INT(dhcp6_leases_parse(&q, text, 1000, &skipped), 0);
    EXPECT_EQ_INT((int)skipped, 1);
    EXPECT_EQ_INT(dhcp6_leases_parse(&q, "10 00030001 1 2001:db8::150\n", 1000, &skipped), 0);
    EXPECT_EQ_INT((int)skipped, 0);
    EXPECT_EQ_INT(dhcp6_leases_parse(&q,
                                     "x\n9999 0003 1 2001:db8::2ff\n9999 000 1 2001:db8::150\n"
                                     "9999 0003 1 2001:db8::150 extra\n9999 0003 99999999999 "
                                     "2001:db8::150\n\n",
                                     1000, &skipped),
                  0);
    EXPECT_EQ_INT((int)skipped, 5);
    memset(bad, 'a', sizeof(bad) - 1);
    bad[sizeof(bad) - 1] = '\0';
    EXPECT_EQ_INT(dhcp6_leases_parse(&q, bad, 1000, &skipped), 0);
    EXPECT_EQ_INT((int)skipped, 1);
    free(text);
    dhcp6_pool_done(&p);
    dhcp6_pool_done(&q);
}

int main(void)
{
    RUN(edk2_http_solicit);
    RUN(edk2_pxe_solicit);
    RUN(arch_map);
    RUN(ipxe_information_request);
    RUN(ipxe_duid_uuid_link_local);
    RUN(validate_rules);
    RUN(malformed);
    RUN(relay);
    RUN(build_limits);
    RUN(pool);
    RUN(ra_managed);
    RUN(lease_file_text);
    return tap_done();
}
