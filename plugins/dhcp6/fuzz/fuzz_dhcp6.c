/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: dhcp6_parse, then validation, the boot decision and a
 * reply build for every parsed message, and the reply parsed back as a check
 * that what we build is well-formed.  Replayed over the corpus by ctest.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../dhcp/dhcp_ra.h"
#include "../dhcp6_proto.h"
#include "../dhcp6_relay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t duid[10] = {0, 3, 0, 1, 0x52, 0x54, 0, 0, 0, 1};
    struct dhcp6_boot b = {.server = "2001:db8::1",
                           .http_port = 8080,
                           .tftp = 1,
                           .ipxe_chain = 1,
                           .ipxe_script = "boot.ipxe",
                           .files = {"snponly.efi", NULL, "arm64/grubnetaa64.efi", NULL}};
    struct in6_addr addr, dns = {.s6_addr = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x35}};
    struct dhcp6_answer a = {.type = DHCP6_REPLY,
                             .server_duid = duid,
                             .server_duid_len = 10,
                             .status = -1,
                             .dns = &dns,
                             .n_dns = 1,
                             .ia = 1};
    struct dhcp6_msg m, back;
    struct dhcp6_relay rl;
    uint8_t out[DHCP6_MAX_MSG], wrapped[DHCP6_MAX_MSG];
    char url[512];
    int n;

    (void)dhcp_ra_parse_rs(data, size, 255);
    if (size > 0 && data[0] == DHCP6_RELAY_FORW) {
        /* Relayed: the client message inside, and the reply wrapped back must unwrap. */
        if (dhcp6_relay_unwrap(data, size, &rl) < 0)
            return 0;
        if (rl.inner < data || rl.inner + rl.inner_len > data + size)
            abort();
        data = rl.inner;
        size = rl.inner_len;
    } else {
        rl.n = 0;
    }
    if (dhcp6_parse(data, size, &m) < 0)
        return 0;
    (void)dhcp6_validate(&m, duid, sizeof(duid));
    if (dhcp6_boot_url(&b, &m, url, sizeof(url)) == 0) {
        a.url = url;
        a.http = (uint32_t)dhcp6_wants_http(&m);
    }
    inet_pton(AF_INET6, "2001:db8::100", &addr);
    a.addr = m.has_ia_addr ? &addr : NULL;
    a.valid = a.preferred = 3600;
    n = dhcp6_build(&m, &a, out, sizeof(out));
    if (n > 0) {
        out[0] = DHCP6_SOLICIT; /* re-parse as a client message: every option must fit */
        if (dhcp6_parse(out, (size_t)n, &back) != 0)
            abort();
    }
    if (n > 0 && rl.n) { /* wrapped, and read back as a Relay-forward: the same layers and reply */
        struct dhcp6_relay back_rl;
        int w = dhcp6_relay_wrap(&rl, out, (size_t)n, wrapped, sizeof(wrapped));
        size_t off = 0;

        if (w < 0)
            return 0;
        for (unsigned i = 0; i < rl.n; i++) {
            wrapped[off] = DHCP6_RELAY_FORW;
            off += 38 + (rl.hop[i].iface_id ? 4u + rl.hop[i].iface_id_len : 0);
        }
        if (dhcp6_relay_unwrap(wrapped, (size_t)w, &back_rl) != 0 || back_rl.n != rl.n ||
            back_rl.inner_len != (size_t)n || memcmp(back_rl.inner, out, (size_t)n))
            abort();
    }
    return 0;
}
