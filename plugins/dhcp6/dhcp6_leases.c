/* SPDX-License-Identifier: MIT */
/*
 * The DHCPv6 bindings as text, for the lease file: one line per BOUND binding,
 * "EXPIRES DUID IAID ADDRESS" (seconds since the epoch, DUID in hex, IAID in
 * decimal, the address as text so that a changed range keeps what still fits).
 * Pure: no I/O.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp6_proto.h"

#define LINE_MAX_LEN (24 + 2 * DHCP6_DUID_MAX + 12 + INET6_ADDRSTRLEN + 8)

int dhcp6_leases_format(const struct dhcp6_pool *p, uint64_t now, char **ret)
{
    size_t cap = (size_t)p->n * LINE_MAX_LEN + 1, o = 0;
    char *t = malloc(cap), ip[INET6_ADDRSTRLEN];

    if (!t)
        return -ENOMEM;
    t[0] = '\0';
    for (uint32_t i = 0; i < p->n; i++) {
        const struct dhcp6_lease *l = &p->l[i];
        struct in6_addr a;

        if (l->state != DHCP6_LEASE_BOUND || l->expires <= now)
            continue;
        dhcp6_pool_addr(p, l, &a);
        inet_ntop(AF_INET6, &a, ip, sizeof(ip));
        o += (size_t)snprintf(t + o, cap - o, "%" PRIu64 " ", l->expires);
        for (uint16_t k = 0; k < l->duid_len; k++)
            o += (size_t)snprintf(t + o, cap - o, "%02x", l->duid[k]);
        o += (size_t)snprintf(t + o, cap - o, " %" PRIu32 " %s\n", l->iaid, ip);
    }
    *ret = t;
    return 0;
}

static int unhex(const char *h, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v;

        if (sscanf(h + 2 * i, "%2x", &v) != 1)
            return -EINVAL;
        out[i] = (uint8_t)v;
    }
    return 0;
}

/* Puts one parsed binding in the pool; -EEXIST when its address or (DUID, IAID) is taken. */
static int restore(struct dhcp6_pool *p, const uint8_t *duid, size_t len, uint32_t iaid,
                   uint32_t off, uint64_t expires, uint64_t now)
{
    struct dhcp6_lease *l;

    if (p->used[off / 8] & (1u << (off % 8)) || dhcp6_pool_get(p, duid, len, iaid, now, 0, 0))
        return -EEXIST;
    if (p->n == DHCP6_MAX_LEASES)
        return -ENOSPC;
    p->used[off / 8] |= (uint8_t)(1u << (off % 8));
    l = &p->l[p->n++];
    memset(l, 0, sizeof(*l));
    memcpy(l->duid, duid, len);
    l->duid_len = (uint16_t)len;
    l->iaid = iaid;
    l->offset = off;
    l->state = DHCP6_LEASE_BOUND;
    l->expires = expires;
    return 0;
}

/* Offset of a in the pool, or -ERANGE. */
static int64_t pool_offset(const struct dhcp6_pool *p, const struct in6_addr *a)
{
    uint64_t lo = 0, start = 0;

    if (memcmp(a->s6_addr, p->start.s6_addr, 8))
        return -ERANGE;
    for (int i = 8; i < 16; i++) {
        lo = lo << 8 | a->s6_addr[i];
        start = start << 8 | p->start.s6_addr[i];
    }
    if (lo < start || lo - start >= p->size)
        return -ERANGE;
    return (int64_t)(lo - start);
}

int dhcp6_leases_parse(struct dhcp6_pool *p, const char *text, uint64_t now, unsigned *skipped)
{
    int restored = 0;

    *skipped = 0;
    while (*text) {
        const char *nl = strchr(text, '\n');
        size_t n = nl ? (size_t)(nl - text) : strlen(text);
        char line[LINE_MAX_LEN], hex[2 * DHCP6_DUID_MAX + 2], ip[INET6_ADDRSTRLEN + 2];
        uint8_t duid[DHCP6_DUID_MAX];
        unsigned long long expires;
        unsigned long iaid;
        struct in6_addr a;
        int64_t off;
        size_t hl;
        int used = 0;

        if (n == 0)
            goto next;
        if (n >= sizeof(line)) {
            (*skipped)++;
            goto next;
        }
        memcpy(line, text, n);
        line[n] = '\0';
        _Static_assert(sizeof(hex) == 262 && sizeof(ip) == 48, "widths below");
        if (sscanf(line, "%llu %261s %lu %47s%n", &expires, hex, &iaid, ip, &used) != 4 ||
            line[used] != '\0' || (hl = strlen(hex)) % 2 || hl == 0 || hl > 2 * DHCP6_DUID_MAX ||
            iaid > UINT32_MAX || unhex(hex, hl / 2, duid) || inet_pton(AF_INET6, ip, &a) != 1) {
            (*skipped)++;
            goto next;
        }
        if (expires <= now) /* expired: nothing to keep, not an error */
            goto next;
        off = pool_offset(p, &a);
        if (off < 0 || restore(p, duid, hl / 2, (uint32_t)iaid, (uint32_t)off, expires, now))
            (*skipped)++;
        else
            restored++;
    next:
        text += n + (nl != NULL);
    }
    return restored;
}
