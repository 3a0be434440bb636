/* SPDX-License-Identifier: MIT */
/* Address pool and the lease file's text (format and load); see dhcp_lease.h. */
#include "dhcp_lease.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint32_t mac_hash(const uint8_t *mac, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a */

    for (size_t i = 0; i < len; i++)
        h = (h ^ mac[i]) * 16777619u;
    return h;
}

int dhcp_pool_init(struct dhcp_pool *p, uint32_t start, uint32_t end)
{
    uint32_t hsize = 16;

    memset(p, 0, sizeof(*p));
    if (end < start)
        return -EINVAL;
    if ((uint64_t)end - start + 1 > DHCP_POOL_MAX)
        return -E2BIG;
    p->start = start;
    p->end = end;
    p->n = end - start + 1;
    while (hsize < 2 * p->n)
        hsize *= 2;
    p->hmask = hsize - 1;
    p->l = calloc(p->n, sizeof(*p->l));
    p->hash = calloc(hsize, sizeof(*p->hash));
    if (!p->l || !p->hash) {
        dhcp_pool_done(p);
        return -ENOMEM;
    }
    return 0;
}

void dhcp_pool_done(struct dhcp_pool *p)
{
    free(p->l);
    free(p->hash);
    memset(p, 0, sizeof(*p));
}

struct dhcp_lease *dhcp_pool_at(struct dhcp_pool *p, uint32_t ip)
{
    if (!p->l || ip < p->start || ip > p->end)
        return NULL;
    return &p->l[ip - p->start];
}

static int same_mac(const struct dhcp_lease *l, const uint8_t *mac, size_t len)
{
    return l->mac_len == len && memcmp(l->mac, mac, len) == 0;
}

/* Hash position holding mac, or -1. */
static long hash_pos(const struct dhcp_pool *p, const uint8_t *mac, size_t len)
{
    uint32_t i = mac_hash(mac, len) & p->hmask;

    while (p->hash[i]) {
        if (same_mac(&p->l[p->hash[i] - 1], mac, len))
            return (long)i;
        i = (i + 1) & p->hmask;
    }
    return -1;
}

/* Backward-shift deletion keeps probe chains intact without tombstones. */
static void hash_del(struct dhcp_pool *p, uint32_t pos)
{
    uint32_t j = pos;

    for (;;) {
        const struct dhcp_lease *l;
        uint32_t k;

        j = (j + 1) & p->hmask;
        if (!p->hash[j])
            break;
        l = &p->l[p->hash[j] - 1];
        k = mac_hash(l->mac, l->mac_len) & p->hmask;
        if ((j > pos && (k <= pos || k > j)) || (j < pos && k <= pos && k > j)) {
            p->hash[pos] = p->hash[j];
            pos = j;
        }
    }
    p->hash[pos] = 0;
}

static void hash_add(struct dhcp_pool *p, uint32_t idx)
{
    const struct dhcp_lease *l = &p->l[idx];
    uint32_t i = mac_hash(l->mac, l->mac_len) & p->hmask;

    while (p->hash[i])
        i = (i + 1) & p->hmask;
    p->hash[i] = idx + 1;
}

struct dhcp_lease *dhcp_pool_find(struct dhcp_pool *p, const uint8_t *mac, size_t len)
{
    long pos;

    if (!p->l || len == 0 || len > 16)
        return NULL;
    pos = hash_pos(p, mac, len);
    return pos < 0 ? NULL : &p->l[p->hash[pos] - 1];
}

int dhcp_pool_usable(const struct dhcp_lease *l, const uint8_t *mac, size_t len, uint64_t now)
{
    if (l->mac_len && same_mac(l, mac, len))
        return l->state != DHCP_LEASE_DECLINED || l->expires <= now;
    switch (l->state) {
    case DHCP_LEASE_FREE:
        return 1;
    case DHCP_LEASE_RESERVED:
        return 0;
    default:
        return l->expires <= now;
    }
}

struct dhcp_lease *dhcp_pool_pick(struct dhcp_pool *p, const uint8_t *mac, size_t len,
                                  uint32_t requested, uint64_t now)
{
    struct dhcp_lease *l = dhcp_pool_find(p, mac, len);

    if (l && dhcp_pool_usable(l, mac, len, now))
        return l;
    l = dhcp_pool_at(p, requested);
    if (l && dhcp_pool_usable(l, mac, len, now))
        return l;
    for (uint32_t k = 0; k < p->n; k++) {
        uint32_t i = (p->cursor + k) % p->n;

        /* Prefer never-used or released slots so expired leases keep their owner longer. */
        if (p->l[i].state == DHCP_LEASE_FREE && !p->l[i].mac_len) {
            p->cursor = (i + 1) % p->n;
            return &p->l[i];
        }
    }
    for (uint32_t i = 0; i < p->n; i++)
        if (dhcp_pool_usable(&p->l[i], mac, len, now))
            return &p->l[i];
    return NULL;
}

void dhcp_pool_set(struct dhcp_pool *p, struct dhcp_lease *l, const uint8_t *mac, size_t len,
                   uint8_t state, uint64_t expires)
{
    uint32_t idx = (uint32_t)(l - p->l);

    if (!mac || len > 16)
        len = 0;
    if (!(l->mac_len && same_mac(l, mac, len))) {
        if (l->mac_len) {
            long pos = hash_pos(p, l->mac, l->mac_len);

            if (pos >= 0 && p->hash[pos] == idx + 1)
                hash_del(p, (uint32_t)pos);
            l->mac_len = 0;
            l->hostname[0] = '\0';
            l->pxe_at = 0;
        }
        if (len) {
            /* A MAC owns one slot: drop its older slot first. */
            long pos = hash_pos(p, mac, len);

            if (pos >= 0) {
                struct dhcp_lease *old = &p->l[p->hash[pos] - 1];

                hash_del(p, (uint32_t)pos);
                old->mac_len = 0;
                old->hostname[0] = '\0';
                old->pxe_at = 0;
                if (old->state != DHCP_LEASE_RESERVED)
                    old->state = DHCP_LEASE_FREE;
            }
            memcpy(l->mac, mac, len);
            l->mac_len = (uint8_t)len;
            hash_add(p, idx);
        }
    }
    l->state = state;
    l->expires = expires;
}

void dhcp_lease_set_hostname(struct dhcp_lease *l, const uint8_t *name, size_t len)
{
    size_t n = 0;

    for (size_t i = 0; i < len && n + 1 < sizeof(l->hostname); i++) {
        uint8_t c = name[i];

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_')
            l->hostname[n++] = (char)c;
    }
    l->hostname[n] = '\0';
}

uint32_t dhcp_pool_bound(const struct dhcp_pool *p, uint64_t now)
{
    uint32_t c = 0;

    for (uint32_t i = 0; i < p->n; i++)
        c += p->l[i].state == DHCP_LEASE_BOUND && p->l[i].expires > now;
    return c;
}

static void fmt_mac(const struct dhcp_lease *l, char *out)
{
    static const char hex[] = "0123456789abcdef";
    char *o = out;

    for (unsigned i = 0; i < l->mac_len; i++) {
        if (i)
            *o++ = ':';
        *o++ = hex[l->mac[i] >> 4];
        *o++ = hex[l->mac[i] & 15];
    }
    *o = '\0';
}

int dhcp_pool_format(const struct dhcp_pool *p, uint64_t now, char **ret_buf, size_t *ret_len)
{
    /* "<20 digits> <47> <15> <63> <20>\n" bounds one line. */
    size_t cap = 0, len = 0;
    char *buf;

    for (uint32_t i = 0; i < p->n; i++)
        cap += p->l[i].state == DHCP_LEASE_BOUND && p->l[i].expires > now;
    buf = malloc(cap * 180 + 1);
    if (!buf)
        return -ENOMEM;
    for (uint32_t i = 0; i < p->n; i++) {
        const struct dhcp_lease *l = &p->l[i];
        char mac[16 * 3], ip[INET_ADDRSTRLEN];
        struct in_addr a = {htonl(p->start + i)};

        if (l->state != DHCP_LEASE_BOUND || l->expires <= now || !l->mac_len)
            continue;
        fmt_mac(l, mac);
        inet_ntop(AF_INET, &a, ip, sizeof(ip));
        len += (size_t)snprintf(buf + len, 180, "%" PRIu64 " %s %s %s %" PRIu64 "\n", l->expires,
                                mac, ip, l->hostname[0] ? l->hostname : "*", l->pxe_at);
    }
    buf[len] = '\0';
    *ret_buf = buf;
    *ret_len = len;
    return 0;
}

static int parse_mac(const char *s, uint8_t *mac)
{
    int n = 0;

    while (*s && n < 16) {
        unsigned v;
        int used;

        if (sscanf(s, "%2x%n", &v, &used) != 1 || used != 2)
            return -1;
        mac[n++] = (uint8_t)v;
        s += 2;
        if (*s == ':')
            s++;
        else if (*s)
            return -1;
    }
    return *s ? -1 : n;
}

int dhcp_pool_load(struct dhcp_pool *p, const char *path, uint64_t now, unsigned *ret_skipped)
{
    char line[512];
    unsigned skipped = 0;
    int loaded = 0;
    FILE *f = fopen(path, "re");

    if (ret_skipped)
        *ret_skipped = 0;
    if (!f)
        return errno == ENOENT ? 0 : -errno;
    while (fgets(line, sizeof(line), f)) {
        char macs[64], ips[32], host[DHCP_HOSTNAME_MAX + 1];
        uint64_t expires, pxe_at = 0;
        uint8_t mac[16];
        struct in_addr a;
        struct dhcp_lease *l;
        int mlen;

        if (sscanf(line, "%" SCNu64 " %63s %31s %64s %" SCNu64, &expires, macs, ips, host,
                   &pxe_at) < 4 ||
            (mlen = parse_mac(macs, mac)) <= 0 || inet_pton(AF_INET, ips, &a) != 1 ||
            expires <= now || !(l = dhcp_pool_at(p, ntohl(a.s_addr))) ||
            l->state == DHCP_LEASE_RESERVED) {
            skipped++;
            continue;
        }
        dhcp_pool_set(p, l, mac, (size_t)mlen, DHCP_LEASE_BOUND, expires);
        l->pxe_at = pxe_at;
        if (strcmp(host, "*") != 0)
            dhcp_lease_set_hostname(l, (const uint8_t *)host, strlen(host));
        loaded++;
    }
    fclose(f);
    if (ret_skipped)
        *ret_skipped = skipped;
    return loaded;
}
