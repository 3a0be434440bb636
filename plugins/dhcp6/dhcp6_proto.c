/* SPDX-License-Identifier: MIT */
/* DHCPv6 for network boot, pure code; see dhcp6_proto.h. */
#include "dhcp6_proto.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int starts(const uint8_t *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);

    return len >= n && memcmp(s, prefix, n) == 0;
}

/* Walks the length-prefixed strings of a user class (off 0) or vendor class (off 4) option. */
static int dhcp6_class_strings(const uint8_t *d, size_t len, size_t off, struct dhcp6_msg *m,
                               int vendor)
{
    if (len < off)
        return -EBADMSG;
    while (off < len) {
        size_t n;

        if (len - off < 2)
            return -EBADMSG;
        n = get16(d + off);
        off += 2;
        if (n > len - off)
            return -EBADMSG;
        if (vendor) {
            if (!m->vendor) {
                m->vendor = d + off;
                m->vendor_len = (uint16_t)n;
            }
            m->vendor_http |= (uint32_t)starts(d + off, n, "HTTPClient");
            m->vendor_pxe |= (uint32_t)starts(d + off, n, "PXEClient");
        } else if (n == 4 && memcmp(d + off, "iPXE", 4) == 0) {
            m->user_ipxe = 1;
        }
        off += n;
    }
    return 0;
}

int dhcp6_opt_next(const uint8_t *p, size_t len, size_t *off, uint16_t *code, const uint8_t **data,
                   uint16_t *n)
{
    if (*off >= len)
        return 0;
    if (len - *off < 4)
        return -EBADMSG;
    *code = get16(p + *off);
    *n = get16(p + *off + 2);
    if (*n > len - *off - 4)
        return -EBADMSG;
    *data = p + *off + 4;
    *off += 4u + *n;
    return 1;
}

/* IA_NA: IAID, T1, T2, then sub-options; the first IAADDR is remembered. */
static int dhcp6_parse_ia_na(const uint8_t *d, size_t len, struct dhcp6_msg *m)
{
    size_t off = 12;

    if (len < 12)
        return -EBADMSG;
    if (m->has_ia_na)
        return 0; /* only the first IA_NA is served */
    m->has_ia_na = 1;
    m->iaid = get32(d);
    const uint8_t *o;
    uint16_t code, n;
    int r;

    while ((r = dhcp6_opt_next(d, len, &off, &code, &o, &n)) > 0) {
        if (code == DHCP6_OPT_IAADDR) {
            if (n < 24)
                return -EBADMSG;
            if (!m->has_ia_addr) {
                memcpy(&m->ia_addr, o, 16);
                m->has_ia_addr = 1;
            }
        }
    }
    return r;
}

/* MAC of a DUID-LLT (type 1) or DUID-LL (type 3) with hardware type 1 (Ethernet). */
static void dhcp6_duid_mac(struct dhcp6_msg *m)
{
    const uint8_t *d = m->client_id;
    uint16_t type;

    if (!d || m->client_id_len < 4 || get16(d + 2) != 1)
        return;
    type = get16(d);
    if (type == 1 && m->client_id_len == 14)
        memcpy(m->mac, d + 8, 6);
    else if (type == 3 && m->client_id_len == 10)
        memcpy(m->mac, d + 4, 6);
    else
        return;
    m->has_mac = 1;
}

int dhcp6_mac_from_link_local(const uint8_t a[16], uint8_t mac[6])
{
    static const uint8_t ll[8] = {0xfe, 0x80};

    if (memcmp(a, ll, 8) != 0 || a[11] != 0xff || a[12] != 0xfe)
        return -ENOENT;
    mac[0] = a[8] ^ 0x02;
    memcpy(mac + 1, a + 9, 2);
    memcpy(mac + 3, a + 13, 3);
    return 0;
}

static int dhcp6_option(uint16_t code, const uint8_t *d, uint16_t n, struct dhcp6_msg *m)
{
    switch (code) {
    case DHCP6_OPT_CLIENTID:
    case DHCP6_OPT_SERVERID:
        if (n < 3 || n > DHCP6_DUID_MAX)
            return -EBADMSG;
        if (code == DHCP6_OPT_CLIENTID) {
            if (m->client_id)
                return -EBADMSG;
            m->client_id = d;
            m->client_id_len = n;
        } else {
            if (m->server_id)
                return -EBADMSG;
            m->server_id = d;
            m->server_id_len = n;
        }
        return 0;
    case DHCP6_OPT_IA_NA:
        return dhcp6_parse_ia_na(d, n, m);
    case DHCP6_OPT_IA_TA:
        if (n < 4)
            return -EBADMSG;
        m->has_ia_ta = 1;
        return 0;
    case DHCP6_OPT_ORO:
    case DHCP6_OPT_CLIENT_ARCH_TYPE:
        if (n % 2)
            return -EBADMSG;
        if (code == DHCP6_OPT_CLIENT_ARCH_TYPE && n >= 2 && !m->has_arch) {
            m->has_arch = 1;
            m->arch = get16(d);
        }
        return 0;
    case DHCP6_OPT_ELAPSED_TIME:
        return n == 2 ? 0 : -EBADMSG;
    case DHCP6_OPT_RAPID_COMMIT:
        if (n != 0)
            return -EBADMSG;
        m->rapid_commit = 1;
        return 0;
    case DHCP6_OPT_USER_CLASS:
        return dhcp6_class_strings(d, n, 0, m, 0);
    case DHCP6_OPT_VENDOR_CLASS:
        return dhcp6_class_strings(d, n, 4, m, 1);
    default:
        return 0; /* unknown options are ignored (RFC 8415 16) */
    }
}

int dhcp6_parse(const uint8_t *pkt, size_t len, struct dhcp6_msg *ret)
{
    struct dhcp6_msg m;
    const uint8_t *o;
    size_t off = 4;
    uint16_t code, n;
    int r;

    if (!pkt || len < 4 || len > DHCP6_MAX_MSG)
        return -EBADMSG;
    memset(&m, 0, sizeof(m));
    m.type = pkt[0];
    if (m.type == 12 || m.type == 13)
        return -EPROTONOSUPPORT; /* relay messages */
    if (m.type == DHCP6_ADVERTISE || m.type == DHCP6_REPLY || m.type == 10 || m.type == 0 ||
        m.type > 13)
        return -EPROTO;
    memcpy(m.xid, pkt + 1, 3);
    while ((r = dhcp6_opt_next(pkt, len, &off, &code, &o, &n)) > 0) {
        r = dhcp6_option(code, o, n, &m);
        if (r < 0)
            return r;
    }
    if (r < 0)
        return r;
    dhcp6_duid_mac(&m);
    *ret = m;
    return 0;
}

static int same_duid(const struct dhcp6_msg *m, const uint8_t *duid, size_t duid_len)
{
    return m->server_id_len == duid_len && memcmp(m->server_id, duid, duid_len) == 0;
}

int dhcp6_validate(const struct dhcp6_msg *m, const uint8_t *duid, size_t duid_len)
{
    switch (m->type) {
    case DHCP6_SOLICIT:
    case DHCP6_REBIND:
        if (!m->client_id || m->server_id)
            return -EBADMSG;
        return 0;
    case DHCP6_REQUEST:
    case DHCP6_RENEW:
    case DHCP6_RELEASE:
    case DHCP6_DECLINE:
        if (!m->client_id || !m->server_id)
            return -EBADMSG;
        return same_duid(m, duid, duid_len) ? 0 : -ENOENT;
    case DHCP6_INFORMATION_REQUEST:
        if (m->has_ia_na || m->has_ia_ta)
            return -EBADMSG;
        if (m->server_id && !same_duid(m, duid, duid_len))
            return -ENOENT;
        return 0;
    default:
        return -EOPNOTSUPP;
    }
}

int dhcp6_arch_class(uint16_t arch)
{
    switch (arch) {
    case 7:
    case 9:
    case 16:
    case 17:
        return DHCP6_CLASS_EFI64;
    case 6:
    case 15:
        return DHCP6_CLASS_EFI32;
    case 11:
    case 19:
        return DHCP6_CLASS_ARM64;
    case 10:
    case 18:
        return DHCP6_CLASS_ARM32;
    default:
        return -ENOENT;
    }
}

int dhcp6_wants_http(const struct dhcp6_msg *m)
{
    return m->vendor_http || (m->has_arch && m->arch >= 15 && m->arch <= 19);
}

int dhcp6_boot_url(const struct dhcp6_boot *b, const struct dhcp6_msg *m, char *url, size_t size)
{
    char port[16] = "";
    const char *file;
    int cls, n;

    if (!b->server || !*b->server)
        return -ENOENT;
    if (b->http_port && b->http_port != 80)
        snprintf(port, sizeof(port), ":%u", (unsigned)b->http_port);
    if (m->user_ipxe && b->ipxe_chain) {
        if (!b->http_port || !b->ipxe_script)
            return -ENOENT;
        if (m->has_mac)
            n = snprintf(url, size, "http://[%s]%s/%s?mac=%02x:%02x:%02x:%02x:%02x:%02x", b->server,
                         port, b->ipxe_script, m->mac[0], m->mac[1], m->mac[2], m->mac[3],
                         m->mac[4], m->mac[5]);
        else
            n = snprintf(url, size, "http://[%s]%s/%s", b->server, port, b->ipxe_script);
        return n < 0 || (size_t)n >= size ? -E2BIG : 0;
    }
    if (!m->has_arch || (cls = dhcp6_arch_class(m->arch)) < 0 || !(file = b->files[cls]) || !*file)
        return -ENOENT;
    while (*file == '/')
        file++;
    if (dhcp6_wants_http(m)) {
        if (!b->http_port)
            return -ENOENT;
        n = snprintf(url, size, "http://[%s]%s/%s", b->server, port, file);
    } else {
        if (!b->tftp)
            return -ENOENT;
        n = snprintf(url, size, "tftp://[%s]/%s", b->server, file);
    }
    return n < 0 || (size_t)n >= size ? -E2BIG : 0;
}

/* Appends option code with n bytes of data (data may be NULL: zeroes are reserved). */
static int put_opt(uint8_t *out, size_t cap, size_t *off, uint16_t code, const void *data, size_t n)
{
    if (n > 0xffff || cap - *off < 4 + n)
        return -E2BIG;
    out[*off] = (uint8_t)(code >> 8);
    out[*off + 1] = (uint8_t)code;
    out[*off + 2] = (uint8_t)(n >> 8);
    out[*off + 3] = (uint8_t)n;
    if (data && n)
        memcpy(out + *off + 4, data, n);
    *off += 4 + n;
    return 0;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* IA_NA with one IAADDR (T1 = valid/2, T2 = valid*4/5) or with a status code. */
static int put_ia_na(uint8_t *out, size_t cap, size_t *off, const struct dhcp6_msg *req,
                     const struct dhcp6_answer *a)
{
    uint8_t ia[12 + 4 + 24 + 4 + 2 + 16];
    size_t n = 12;
    uint32_t t1 = a->addr ? a->preferred / 2 : 0, t2 = a->addr ? a->preferred / 5 * 4 : 0;

    put32(ia, req->iaid);
    put32(ia + 4, t1);
    put32(ia + 8, t2);
    if (a->addr) {
        ia[n] = 0;
        ia[n + 1] = DHCP6_OPT_IAADDR;
        ia[n + 2] = 0;
        ia[n + 3] = 24;
        memcpy(ia + n + 4, a->addr, 16);
        put32(ia + n + 20, a->preferred);
        put32(ia + n + 24, a->valid);
        n += 28;
    } else {
        static const char msg[] = "no addresses";

        ia[n] = 0;
        ia[n + 1] = DHCP6_OPT_STATUS_CODE;
        ia[n + 2] = 0;
        ia[n + 3] = (uint8_t)(2 + sizeof(msg) - 1);
        ia[n + 4] = (uint8_t)(a->ia_status >> 8);
        ia[n + 5] = (uint8_t)a->ia_status;
        memcpy(ia + n + 6, msg, sizeof(msg) - 1);
        n += 6 + sizeof(msg) - 1;
    }
    return put_opt(out, cap, off, DHCP6_OPT_IA_NA, ia, n);
}

/* Vendor class 343 with one string "HTTPClient" (EDK2 compares bytes 6..15 of the data). */
static int put_vendor_http(uint8_t *out, size_t cap, size_t *off)
{
    static const uint8_t v[] = {0,
                                0,
                                DHCP6_ENTERPRISE_EDK2 >> 8,
                                DHCP6_ENTERPRISE_EDK2 & 0xff,
                                0,
                                10,
                                'H',
                                'T',
                                'T',
                                'P',
                                'C',
                                'l',
                                'i',
                                'e',
                                'n',
                                't'};

    return put_opt(out, cap, off, DHCP6_OPT_VENDOR_CLASS, v, sizeof(v));
}

int dhcp6_build(const struct dhcp6_msg *req, const struct dhcp6_answer *a, uint8_t *out, size_t cap)
{
    size_t off = 4;
    int r = 0;

    if (!req || !a || !out || cap < 4 || !a->server_duid || !a->server_duid_len)
        return -EINVAL;
    out[0] = a->type;
    memcpy(out + 1, req->xid, 3);
    r = put_opt(out, cap, &off, DHCP6_OPT_SERVERID, a->server_duid, a->server_duid_len);
    if (r == 0 && req->client_id)
        r = put_opt(out, cap, &off, DHCP6_OPT_CLIENTID, req->client_id, req->client_id_len);
    if (r == 0 && a->ia && req->has_ia_na)
        r = put_ia_na(out, cap, &off, req, a);
    if (r == 0 && a->status >= 0) {
        uint8_t st[2] = {(uint8_t)(a->status >> 8), (uint8_t)a->status};

        r = put_opt(out, cap, &off, DHCP6_OPT_STATUS_CODE, st, sizeof(st));
    }
    if (r == 0 && a->preference) {
        uint8_t pref = 255;

        r = put_opt(out, cap, &off, DHCP6_OPT_PREFERENCE, &pref, 1);
    }
    if (r == 0 && a->rapid_commit)
        r = put_opt(out, cap, &off, DHCP6_OPT_RAPID_COMMIT, NULL, 0);
    if (r == 0 && a->n_dns && a->dns)
        r = put_opt(out, cap, &off, DHCP6_OPT_DNS_SERVERS, a->dns,
                    16 * (a->n_dns > DHCP6_MAX_DNS ? DHCP6_MAX_DNS : a->n_dns));
    if (r == 0 && a->url)
        r = put_opt(out, cap, &off, DHCP6_OPT_BOOTFILE_URL, a->url, strlen(a->url));
    if (r == 0 && a->url && a->http)
        r = put_vendor_http(out, cap, &off);
    return r < 0 ? r : (int)off;
}

/* Pool. */

static int parse_addr(const char *s, size_t n, struct in6_addr *ret)
{
    char buf[INET6_ADDRSTRLEN];

    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 0 || n >= sizeof(buf))
        return -EINVAL;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return inet_pton(AF_INET6, buf, ret) == 1 ? 0 : -EINVAL;
}

int dhcp6_pool_init(struct dhcp6_pool *p, const char *range)
{
    const char *comma = range ? strchr(range, ',') : NULL;
    struct in6_addr a, b;
    uint64_t lo_a = 0, lo_b = 0;

    memset(p, 0, sizeof(*p));
    if (!comma || strchr(comma + 1, ',') || parse_addr(range, (size_t)(comma - range), &a) < 0 ||
        parse_addr(comma + 1, strlen(comma + 1), &b) < 0)
        return -EINVAL;
    if (memcmp(&a, &b, 8) != 0 || IN6_IS_ADDR_MULTICAST(&a) || IN6_IS_ADDR_LINKLOCAL(&a))
        return -EINVAL;
    for (int i = 8; i < 16; i++) {
        lo_a = lo_a << 8 | a.s6_addr[i];
        lo_b = lo_b << 8 | b.s6_addr[i];
    }
    if (lo_b < lo_a || lo_b - lo_a >= DHCP6_MAX_POOL)
        return -EINVAL;
    p->start = a;
    p->size = (uint32_t)(lo_b - lo_a + 1);
    p->used = calloc((p->size + 7) / 8, 1);
    p->l = calloc(DHCP6_MAX_LEASES, sizeof(*p->l));
    if (!p->used || !p->l) {
        dhcp6_pool_done(p);
        return -ENOMEM;
    }
    return 0;
}

void dhcp6_pool_done(struct dhcp6_pool *p)
{
    free(p->used);
    free(p->l);
    memset(p, 0, sizeof(*p));
}

static void pool_unuse(struct dhcp6_pool *p, uint32_t i)
{
    p->used[p->l[i].offset / 8] &= (uint8_t) ~(1u << (p->l[i].offset % 8));
    p->l[i] = p->l[--p->n];
}

/* Frees expired entries (offered, bound past their lifetime, declined past quarantine). */
static void pool_sweep(struct dhcp6_pool *p, uint64_t now)
{
    for (uint32_t i = 0; i < p->n;)
        if (p->l[i].expires <= now)
            pool_unuse(p, i);
        else
            i++;
}

/* FNV-1a of the DUID and IAID: where the search for a free address starts. */
static uint32_t pool_hash(const uint8_t *duid, size_t len, uint32_t iaid)
{
    uint32_t h = 2166136261u;

    for (size_t i = 0; i < len; i++)
        h = (h ^ duid[i]) * 16777619u;
    for (int i = 0; i < 4; i++)
        h = (h ^ (uint8_t)(iaid >> (8 * i))) * 16777619u;
    return h;
}

struct dhcp6_lease *dhcp6_pool_get(struct dhcp6_pool *p, const uint8_t *duid, size_t duid_len,
                                   uint32_t iaid, uint64_t now, uint64_t hold, int create)
{
    struct dhcp6_lease *l;
    uint32_t start;

    if (!p->l || !duid || duid_len == 0 || duid_len > DHCP6_DUID_MAX)
        return NULL;
    for (uint32_t i = 0; i < p->n; i++) {
        l = &p->l[i];
        if (l->state != DHCP6_LEASE_DECLINED && l->iaid == iaid && l->duid_len == duid_len &&
            memcmp(l->duid, duid, duid_len) == 0 && l->expires > now)
            return l;
    }
    if (!create)
        return NULL;
    if (p->n == DHCP6_MAX_LEASES || p->n == p->size)
        pool_sweep(p, now);
    if (p->n == DHCP6_MAX_LEASES || p->n == p->size)
        return NULL;
    start = pool_hash(duid, duid_len, iaid) % p->size;
    for (uint32_t k = 0; k < p->size; k++) {
        uint32_t off = (start + k) % p->size;

        if (p->used[off / 8] & (1u << (off % 8)))
            continue;
        p->used[off / 8] |= (uint8_t)(1u << (off % 8));
        l = &p->l[p->n++];
        memset(l, 0, sizeof(*l));
        memcpy(l->duid, duid, duid_len);
        l->duid_len = (uint16_t)duid_len;
        l->iaid = iaid;
        l->offset = off;
        l->state = DHCP6_LEASE_OFFERED;
        l->expires = now + hold;
        return l;
    }
    return NULL;
}

void dhcp6_pool_addr(const struct dhcp6_pool *p, const struct dhcp6_lease *l, struct in6_addr *ret)
{
    uint64_t lo = 0;

    *ret = p->start;
    for (int i = 8; i < 16; i++)
        lo = lo << 8 | p->start.s6_addr[i];
    lo += l->offset;
    for (int i = 15; i >= 8; i--) {
        ret->s6_addr[i] = (uint8_t)lo;
        lo >>= 8;
    }
}

void dhcp6_pool_release(struct dhcp6_pool *p, struct dhcp6_lease *l, int declined, uint64_t now,
                        uint64_t hold)
{
    if (!l || l < p->l || l >= p->l + p->n)
        return;
    if (declined) {
        l->state = DHCP6_LEASE_DECLINED;
        l->duid_len = 0;
        l->expires = now + hold;
        return;
    }
    pool_unuse(p, (uint32_t)(l - p->l));
}

uint32_t dhcp6_pool_bound(const struct dhcp6_pool *p, uint64_t now)
{
    uint32_t n = 0;

    for (uint32_t i = 0; i < p->n; i++)
        n += p->l[i].state == DHCP6_LEASE_BOUND && p->l[i].expires > now;
    return n;
}
