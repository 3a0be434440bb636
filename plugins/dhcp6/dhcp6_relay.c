/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "dhcp6_proto.h"
#include "dhcp6_relay.h"

#define RELAY_HDR 34 /* msg-type, hop-count, link-address, peer-address */

static void put16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* One layer's options: its Relay Message (exactly one), Interface-Id, client MAC. */
static int relay_options(const uint8_t *p, size_t len, struct dhcp6_relay_hop *h,
                         const uint8_t **msg, size_t *msg_len, struct dhcp6_relay *r)
{
    size_t off = RELAY_HDR;
    const uint8_t *o;
    uint16_t code, n;
    int e;

    *msg = NULL;
    while ((e = dhcp6_opt_next(p, len, &off, &code, &o, &n)) > 0) {
        if (code == DHCP6_OPT_RELAY_MSG) {
            if (*msg || n < 4)
                return -EBADMSG;
            *msg = o;
            *msg_len = n;
        } else if (code == DHCP6_OPT_INTERFACE_ID) {
            if (h->iface_id || n == 0 || n > DHCP6_IFACE_ID_MAX)
                return -EBADMSG;
            h->iface_id = o;
            h->iface_id_len = n;
        } else if (code == DHCP6_OPT_CLIENT_LINKLAYER && n == 8 && o[0] == 0 && o[1] == 1) {
            r->has_mac = 1; /* the innermost layer's wins: it is read last */
            memcpy(r->mac, o + 2, 6);
        }
    }
    if (e < 0)
        return e;
    return *msg ? 0 : -EBADMSG;
}

int dhcp6_relay_unwrap(const uint8_t *pkt, size_t len, struct dhcp6_relay *ret)
{
    struct dhcp6_relay r;
    const uint8_t *p = pkt;

    if (!pkt || len < 1 || pkt[0] != DHCP6_RELAY_FORW)
        return -EPROTO;
    memset(&r, 0, sizeof(r));
    while (p[0] == DHCP6_RELAY_FORW) {
        struct dhcp6_relay_hop *h;
        const uint8_t *msg;
        size_t msg_len;
        int e;

        if (r.n == DHCP6_HOP_COUNT_LIMIT)
            return -ELOOP;
        if (len < RELAY_HDR)
            return -EBADMSG;
        h = &r.hop[r.n++];
        h->hop_count = p[1];
        memcpy(h->link, p + 2, 16);
        memcpy(h->peer, p + 18, 16);
        e = relay_options(p, len, h, &msg, &msg_len, &r);
        if (e < 0)
            return e;
        p = msg;
        len = msg_len;
    }
    /* A client message inside: not a reply, not a Relay-reply, not a type 0. */
    if (p[0] == 0 || p[0] == 2 || p[0] == 7 || p[0] == 10 || p[0] == DHCP6_RELAY_REPL || p[0] > 13)
        return -EBADMSG;
    r.inner = p;
    r.inner_len = len;
    *ret = r;
    return 0;
}

const uint8_t *dhcp6_relay_link(const struct dhcp6_relay *r)
{
    static const uint8_t any[16];
    const uint8_t *l;

    if (!r->n)
        return NULL;
    l = r->hop[r->n - 1].link;
    return memcmp(l, any, 16) ? l : NULL;
}

int dhcp6_relay_wrap(const struct dhcp6_relay *r, const uint8_t *reply, size_t reply_len,
                     uint8_t *out, size_t cap)
{
    size_t total = reply_len, off = 0;

    if (!r->n)
        return -EINVAL;
    for (unsigned i = 0; i < r->n; i++)
        total += RELAY_HDR + 4 + (r->hop[i].iface_id ? 4u + r->hop[i].iface_id_len : 0);
    if (total > cap)
        return -E2BIG;
    for (unsigned i = 0; i < r->n; i++) {
        const struct dhcp6_relay_hop *h = &r->hop[i];

        out[off] = DHCP6_RELAY_REPL;
        out[off + 1] = h->hop_count;
        memcpy(out + off + 2, h->link, 16);
        memcpy(out + off + 18, h->peer, 16);
        off += RELAY_HDR;
        if (h->iface_id) {
            put16(out + off, DHCP6_OPT_INTERFACE_ID);
            put16(out + off + 2, h->iface_id_len);
            memcpy(out + off + 4, h->iface_id, h->iface_id_len);
            off += 4u + h->iface_id_len;
        }
        put16(out + off, DHCP6_OPT_RELAY_MSG);
        put16(out + off + 2, total - off - 4); /* the rest: the next layer, or the reply */
        off += 4;
    }
    memcpy(out + off, reply, reply_len);
    return (int)total;
}
