/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: dhcp_parse, then the boot decision and a reply build for
 * every parsed request.  With PXE_FUZZ_REPLAY the same file becomes a ctest
 * that replays every file of the corpus directories given as arguments.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../dhcp_proto.h"
#include "../dhcp_ra.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint32_t dns[2] = {0x01020304, 0x05060708};
    struct dhcp_boot_cfg c;
    struct dhcp_boot b;
    struct dhcp_reply r;
    struct dhcp_msg m;
    uint8_t out[DHCP_MAX_REPLY];
    char mac[64];
    int len;

    (void)dhcp_ra_parse_rs(data, size, 255);
    if (dhcp_parse(data, size, &m) < 0)
        return 0;
    dhcp_mac_str(&m, mac, sizeof(mac));
    memset(&c, 0, sizeof(c));
    c.file[DHCP_ARCH_BIOS] = "boot/syslinux/lpxelinux.0";
    c.file[DHCP_ARCH_EFI64] = "snponly.efi";
    c.server_ip = "192.0.2.1";
    c.http_port = size & 1 ? 8080 : 0;
    c.ipxe_script = "boot.ipxe";
    c.ipxe_chain = 1;
    c.pxelinux_cfg = "pxelinux.cfg/default";
    if (dhcp_boot_decide(&m, &c, mac, &b) < 0)
        return 0;
    memset(&r, 0, sizeof(r));
    r.type = m.type == DHCP_DISCOVER ? DHCP_OFFER : (size & 2) ? DHCP_ACK : DHCP_NAK;
    r.server_id = htonl(0xc0000201);
    r.siaddr = r.server_id;
    r.yiaddr = htonl(0xc0000232);
    r.lease_secs = 3600;
    r.netmask = htonl(0xffffff00);
    r.dns = dns;
    r.n_dns = 2;
    r.domain = "example.org";
    r.boot = &b;
    r.pxe_opt43 = 1;
    r.message = "nak";
    len = dhcp_build_reply(&m, &r, out, sizeof(out));
    if (len > (int)sizeof(out))
        __builtin_trap();
    if (len > 0) {
        struct dhcp_msg back;

        /* A reply parses as a BOOTREPLY: flip op and check the options walk cleanly. */
        out[0] = 1;
        if (dhcp_parse(out, (size_t)len, &back) < 0)
            __builtin_trap();
    }
    return 0;
}
