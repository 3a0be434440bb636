/* SPDX-License-Identifier: MIT */
/*
 * DHCPv6 relay messages (RFC 8415 9 and 19, RFC 6939), pure code: unwraps a
 * Relay-forward (possibly nested: one layer per relay agent) down to the
 * client message, and wraps a reply in the matching Relay-reply layers.  No
 * I/O, no logging; 0 (or a length) or -errno.
 */
#ifndef PXE_DHCP6_RELAY_H
#define PXE_DHCP6_RELAY_H

#include <stddef.h>
#include <stdint.h>

#define DHCP6_RELAY_FORW           12
#define DHCP6_RELAY_REPL           13
#define DHCP6_OPT_RELAY_MSG        9
#define DHCP6_OPT_INTERFACE_ID     18
#define DHCP6_OPT_CLIENT_LINKLAYER 79 /* RFC 6939 */
#define DHCP6_HOP_COUNT_LIMIT      8  /* RFC 8415 7.6: deeper nesting is refused */
#define DHCP6_IFACE_ID_MAX         64 /* longest Interface-Id echoed back */

/* One relay agent's layer, outermost (the agent that sent us the datagram) first. */
struct dhcp6_relay_hop {
    uint8_t hop_count;
    uint8_t link[16];        /* link-address: the client's link, or :: */
    uint8_t peer[16];        /* peer-address: the previous hop (the client for the innermost) */
    const uint8_t *iface_id; /* Interface-Id option, echoed in the reply; NULL: none */
    uint16_t iface_id_len;
};

struct dhcp6_relay {
    unsigned n; /* layers; 0: not relayed */
    struct dhcp6_relay_hop hop[DHCP6_HOP_COUNT_LIMIT];
    const uint8_t *inner; /* the client message; points into the packet */
    size_t inner_len;
    uint32_t has_mac; /* the innermost relay's Client Link-Layer Address (Ethernet) */
    uint8_t mac[6];
};

/*
 * Unwraps pkt (a Relay-forward) into *ret: every layer must hold exactly one
 * Relay Message option, options must fit, an Interface-Id be at most
 * DHCP6_IFACE_ID_MAX bytes, and the innermost message be a client message
 * (not a relay or server type).  -EBADMSG malformed, -ELOOP more than
 * DHCP6_HOP_COUNT_LIMIT layers, -EPROTO not a Relay-forward.
 */
int dhcp6_relay_unwrap(const uint8_t *pkt, size_t len, struct dhcp6_relay *ret);

/*
 * The innermost layer's link-address, or NULL when it is unspecified (::),
 * which says nothing about the client's link.
 */
const uint8_t *dhcp6_relay_link(const struct dhcp6_relay *r);

/*
 * Wraps reply[reply_len] in one Relay-reply per layer of r (same hop-count,
 * link and peer addresses, Interface-Id echoed) into out[cap]; the length,
 * -E2BIG when it does not fit, -EINVAL when r has no layer.
 */
int dhcp6_relay_wrap(const struct dhcp6_relay *r, const uint8_t *reply, size_t reply_len,
                     uint8_t *out, size_t cap);

#endif
