/* SPDX-License-Identifier: MIT */
/* DHCPv4 parsing and reply building; see dhcp_proto.h (PXE boot decisions: dhcp_boot.c). */
#include "dhcp_proto.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static const uint8_t dhcp_cookie[4] = {99, 130, 83, 99};

/* Option codes used here (RFC 2132 and later). */
enum {
    OPT_PAD = 0,
    OPT_NETMASK = 1,
    OPT_ROUTER = 3,
    OPT_DNS = 6,
    OPT_HOSTNAME = 12,
    OPT_DOMAIN = 15,
    OPT_BROADCAST = 28,
    OPT_VENDOR_OPTS = 43,
    OPT_REQ_IP = 50,
    OPT_LEASE = 51,
    OPT_OVERLOAD = 52,
    OPT_MSG_TYPE = 53,
    OPT_SERVER_ID = 54,
    OPT_PRL = 55,
    OPT_MESSAGE = 56,
    OPT_MAX_SIZE = 57,
    OPT_T1 = 58,
    OPT_T2 = 59,
    OPT_VENDOR_CLASS = 60,
    OPT_CLIENT_ID = 61,
    OPT_TFTP_SERVER = 66,
    OPT_BOOTFILE = 67,
    OPT_USER_CLASS = 77,
    OPT_RELAY = 82,
    OPT_ARCH = 93,
    OPT_UUID = 97,
    OPT_IPXE = 175,
    OPT_PXELINUX_CFG = 209,
    OPT_PXELINUX_PREFIX = 210,
    OPT_END = 255,
};

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;

    memcpy(&v, p, 4);
    return v;
}

static uint16_t get16be(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static int has_prefix(const uint8_t *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);

    return len >= n && memcmp(s, prefix, n) == 0;
}

/* RFC 3004 user class: a sequence of length-prefixed strings; iPXE sends one "iPXE". */
static int user_class_is_ipxe(const uint8_t *p, size_t len)
{
    if (len == 4 && memcmp(p, "iPXE", 4) == 0)
        return 1; /* raw form, as iPXE actually sends it */
    while (len >= 1) {
        size_t n = p[0];

        if (n + 1 > len)
            return 0;
        if (n == 4 && memcmp(p + 1, "iPXE", 4) == 0)
            return 1;
        p += n + 1;
        len -= n + 1;
    }
    return 0;
}

/* Stores one option; first occurrence wins.  -EBADMSG on a bad fixed length. */
static int dhcp_take(struct dhcp_msg *m, uint8_t code, const uint8_t *v, uint8_t len, int in_field)
{
    switch (code) {
    case OPT_MSG_TYPE:
        if (len != 1)
            return -EBADMSG;
        if (!m->type)
            m->type = v[0];
        break;
    case OPT_REQ_IP:
        if (len != 4)
            return -EBADMSG;
        if (!m->requested_ip)
            m->requested_ip = get32(v);
        break;
    case OPT_SERVER_ID:
        if (len != 4)
            return -EBADMSG;
        if (!m->server_id)
            m->server_id = get32(v);
        break;
    case OPT_MAX_SIZE:
        if (len != 2)
            return -EBADMSG;
        if (!m->max_size)
            m->max_size = get16be(v);
        break;
    case OPT_OVERLOAD:
        if (len != 1 || in_field || v[0] < 1 || v[0] > 3)
            return -EBADMSG;
        m->overload = v[0];
        break;
    case OPT_ARCH:
        if (len < 2 || len % 2)
            return -EBADMSG;
        if (!m->has_arch) {
            m->arch = get16be(v);
            m->has_arch = 1;
        }
        break;
    case OPT_IPXE:
        m->kind |= DHCP_CLIENT_IPXE;
        break;
#define TAKE_BLOB(c, f)                                                                            \
    case c:                                                                                        \
        if (!m->f) {                                                                               \
            m->f = v;                                                                              \
            m->f##_len = len;                                                                      \
        }                                                                                          \
        break;
        TAKE_BLOB(OPT_PRL, prl)
        TAKE_BLOB(OPT_VENDOR_CLASS, vendor)
        TAKE_BLOB(OPT_CLIENT_ID, client_id)
        TAKE_BLOB(OPT_USER_CLASS, user_class)
        TAKE_BLOB(OPT_RELAY, relay)
        TAKE_BLOB(OPT_UUID, uuid)
        TAKE_BLOB(OPT_HOSTNAME, hostname)
#undef TAKE_BLOB
    default:
        break;
    }
    return 0;
}

/* Walks an option area; stops at END or at the end of the area. */
static int dhcp_walk(struct dhcp_msg *m, const uint8_t *p, size_t len, int in_field)
{
    size_t i = 0;

    while (i < len) {
        uint8_t code = p[i], olen;
        int r;

        if (code == OPT_PAD) {
            i++;
            continue;
        }
        if (code == OPT_END)
            return 0;
        if (i + 2 > len || i + 2 + (size_t)p[i + 1] > len)
            return -EBADMSG;
        olen = p[i + 1];
        r = dhcp_take(m, code, p + i + 2, olen, in_field);
        if (r < 0)
            return r;
        i += 2 + (size_t)olen;
    }
    return 0;
}

int dhcp_parse(const uint8_t *pkt, size_t len, struct dhcp_msg *ret)
{
    struct dhcp_msg m;
    int r;

    memset(ret, 0, sizeof(*ret));
    if (len < DHCP_MIN_LEN)
        return -EBADMSG;
    memset(&m, 0, sizeof(m));
    m.op = pkt[0];
    m.htype = pkt[1];
    m.hlen = pkt[2];
    m.hops = pkt[3];
    if (m.op != DHCP_BOOTREQUEST || m.hlen == 0 || m.hlen > 16)
        return -EBADMSG;
    memcpy(&m.xid, pkt + 4, 4);
    m.secs = get16be(pkt + 8);
    m.flags = get16be(pkt + 10);
    m.ciaddr = get32(pkt + 12);
    m.yiaddr = get32(pkt + 16);
    m.siaddr = get32(pkt + 20);
    m.giaddr = get32(pkt + 24);
    memcpy(m.chaddr, pkt + 28, 16);
    if (memcmp(pkt + DHCP_HDR_LEN, dhcp_cookie, 4) != 0)
        return -EBADMSG;

    r = dhcp_walk(&m, pkt + DHCP_MIN_LEN, len - DHCP_MIN_LEN, 0);
    if (r < 0)
        return r;
    /* RFC 2131 4.1: file first, then sname; option 52 is not allowed in either. */
    if (m.overload & 1) {
        r = dhcp_walk(&m, pkt + 108, 128, 1);
        if (r < 0)
            return r;
    }
    if (m.overload & 2) {
        r = dhcp_walk(&m, pkt + 44, 64, 1);
        if (r < 0)
            return r;
    }
    if (m.type < DHCP_DISCOVER || m.type > DHCP_INFORM)
        return -EBADMSG;

    if (m.vendor && has_prefix(m.vendor, m.vendor_len, "PXEClient"))
        m.kind |= DHCP_CLIENT_PXE;
    if (m.vendor && has_prefix(m.vendor, m.vendor_len, "HTTPClient"))
        m.kind |= DHCP_CLIENT_HTTP;
    if (m.user_class && user_class_is_ipxe(m.user_class, m.user_class_len))
        m.kind |= DHCP_CLIENT_IPXE;
    *ret = m;
    return 0;
}

int dhcp_requested(const struct dhcp_msg *m, uint8_t code)
{
    return m->prl && memchr(m->prl, code, m->prl_len) != NULL;
}

void dhcp_mac_str(const struct dhcp_msg *m, char *out, size_t size)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;

    if (size == 0)
        return;
    for (unsigned i = 0; i < m->hlen && i < 16 && n + (i ? 3u : 2u) + 1 <= size; i++) {
        if (i)
            out[n++] = ':';
        out[n++] = hex[m->chaddr[i] >> 4];
        out[n++] = hex[m->chaddr[i] & 15];
    }
    out[n] = '\0';
}

const char *dhcp_type_name(uint8_t type)
{
    static const char *const names[] = {"UNKNOWN", "DISCOVER", "OFFER",   "REQUEST", "DECLINE",
                                        "ACK",     "NAK",      "RELEASE", "INFORM"};

    return type < sizeof(names) / sizeof(names[0]) ? names[type] : names[0];
}

/* Reply option assembly: a fixed list, emitted in order; optional ones are dropped to fit. */
struct dhcp_opt {
    uint8_t code, len, mandatory;
    const void *data;
};

#define MAX_OPTS 32

static void opt_add(struct dhcp_opt *o, size_t *n, uint8_t code, const void *data, size_t len,
                    int mandatory)
{
    if (*n >= MAX_OPTS || len > 255)
        return;
    o[*n].code = code;
    o[*n].len = (uint8_t)len;
    o[*n].data = data;
    o[*n].mandatory = (uint8_t)mandatory;
    (*n)++;
}

static void opt_str(struct dhcp_opt *o, size_t *n, uint8_t code, const char *s, int mandatory)
{
    if (s && *s)
        opt_add(o, n, code, s, strlen(s), mandatory); /* > 255: refused by opt_add */
}

/* The fixed BOOTP header of a reply to m (RFC 2131 table 3), with the magic cookie. */
static void reply_header(const struct dhcp_msg *m, const struct dhcp_reply *r,
                         const struct dhcp_boot *b, size_t flen, uint8_t *buf)
{
    memset(buf, 0, DHCP_MIN_LEN);
    buf[0] = DHCP_BOOTREPLY;
    buf[1] = m->htype;
    buf[2] = m->hlen;
    memcpy(buf + 4, &m->xid, 4);
    buf[10] = (uint8_t)((m->flags | (r->broadcast_flag ? DHCP_FLAG_BROADCAST : 0)) >> 8);
    buf[11] = (uint8_t)m->flags;
    if (r->type == DHCP_ACK)
        memcpy(buf + 12, &m->ciaddr, 4);
    memcpy(buf + 16, &r->yiaddr, 4);
    if (r->type != DHCP_NAK)
        memcpy(buf + 20, &r->siaddr, 4);
    memcpy(buf + 24, &m->giaddr, 4);
    memcpy(buf + 28, m->chaddr, 16);
    if (b && flen < 128)
        memcpy(buf + 108, b->file, flen);
    memcpy(buf + DHCP_HDR_LEN, dhcp_cookie, 4);
}

/* The boot options of a reply that tells the client what to load. */
static void boot_opts(struct dhcp_opt *o, size_t *n, const struct dhcp_msg *m,
                      const struct dhcp_reply *r, const struct dhcp_boot *b, size_t flen)
{
    static const uint8_t pxe43[] = {6, 1, 8, 255}; /* discovery control: use the offered file */

    /*
     * A full-mode offer to a UEFI PXE ROM leaves option 60 out: with
     * "PXEClient" and no boot menu, OVMF goes looking for a boot server
     * on port 4011 and fails (PXE-E16); dnsmasq's offer omits it too.
     * BIOS ROMs and iPXE keep it (iPXE waits ~3 s for proxy offers
     * without it).
     */
    int quiet = r->lease_secs && !b->bios && b->kind == DHCP_BOOT_NBP;

    opt_str(o, n, OPT_VENDOR_CLASS, quiet ? NULL : b->vendor, 1);
    opt_str(o, n, OPT_TFTP_SERVER, b->kind == DHCP_BOOT_NBP ? r->tftp_server : NULL, 0);
    if (flen >= 128 || dhcp_requested(m, OPT_BOOTFILE))
        opt_str(o, n, OPT_BOOTFILE, b->file, flen >= 128);
    if (r->pxe_opt43 && b->bios)
        opt_add(o, n, OPT_VENDOR_OPTS, pxe43, sizeof(pxe43), 0);
    if (b->bios && b->kind == DHCP_BOOT_NBP) {
        /* pxelinux never lists 209/210 in option 55: always sent (RFC 5071). */
        opt_str(o, n, OPT_PXELINUX_CFG, b->config, 0);
        opt_str(o, n, OPT_PXELINUX_PREFIX, b->prefix, 0);
    }
}

int dhcp_build_reply(const struct dhcp_msg *m, const struct dhcp_reply *r, uint8_t *buf,
                     size_t size)
{
    struct dhcp_opt o[MAX_OPTS];
    size_t n = 0, limit, need = 1, pos;
    uint8_t type = r->type;
    uint32_t lease_be = htonl(r->lease_secs), t1 = htonl(r->lease_secs / 2),
             t2 = htonl((uint32_t)((uint64_t)r->lease_secs * 7 / 8));
    const struct dhcp_boot *b = r->boot && r->boot->kind != DHCP_BOOT_NONE ? r->boot : NULL;
    size_t flen = b ? strlen(b->file) : 0;

    if (size < DHCP_MAX_REPLY)
        return -ENOBUFS;
    limit = DHCP_MIN_REPLY;
    if (m->max_size > limit)
        limit = m->max_size;
    limit -= 28; /* option 57 counts the IP and UDP headers */
    if (limit > DHCP_MAX_REPLY)
        limit = DHCP_MAX_REPLY;

    reply_header(m, r, b, flen, buf);

    opt_add(o, &n, OPT_MSG_TYPE, &type, 1, 1);
    opt_add(o, &n, OPT_SERVER_ID, &r->server_id, 4, 1);
    if (type == DHCP_NAK) {
        opt_str(o, &n, OPT_MESSAGE, r->message, 0);
    } else {
        if (r->lease_secs) {
            opt_add(o, &n, OPT_LEASE, &lease_be, 4, 1);
            opt_add(o, &n, OPT_T1, &t1, 4, 0);
            opt_add(o, &n, OPT_T2, &t2, 4, 0);
        }
        if (r->netmask)
            opt_add(o, &n, OPT_NETMASK, &r->netmask, 4, 1);
        if (r->router)
            opt_add(o, &n, OPT_ROUTER, &r->router, 4, 0);
        if (r->n_dns)
            opt_add(o, &n, OPT_DNS, r->dns, 4 * (r->n_dns > 8 ? 8 : r->n_dns), 0);
        opt_str(o, &n, OPT_HOSTNAME, r->hostname, 0);
        opt_str(o, &n, OPT_DOMAIN, r->domain, 0);
        if (r->broadcast)
            opt_add(o, &n, OPT_BROADCAST, &r->broadcast, 4, 0);
        if (b)
            boot_opts(o, &n, m, r, b, flen);
        if (m->uuid)
            opt_add(o, &n, OPT_UUID, m->uuid, m->uuid_len, 0);
    }
    if (m->relay)
        opt_add(o, &n, OPT_RELAY, m->relay, m->relay_len, 1);

    for (size_t i = 0; i < n; i++)
        if (o[i].mandatory)
            need += 2 + (size_t)o[i].len;
    if (DHCP_MIN_LEN + need > limit)
        return -E2BIG;
    pos = DHCP_MIN_LEN;
    for (size_t i = 0; i < n; i++) {
        size_t sz = 2 + (size_t)o[i].len;

        if (o[i].mandatory)
            need -= sz;
        else if (pos + sz + need > limit)
            continue;
        buf[pos] = o[i].code;
        buf[pos + 1] = o[i].len;
        memcpy(buf + pos + 2, o[i].data, o[i].len);
        pos += sz;
    }
    buf[pos++] = OPT_END;
    /* Some BOOTP-era clients drop replies shorter than the 300-byte BOOTP minimum. */
    while (pos < 300)
        buf[pos++] = OPT_PAD;
    return (int)pos;
}
