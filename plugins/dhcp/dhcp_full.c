/* SPDX-License-Identifier: MIT */
/*
 * Full mode: addresses from the pool or a reservation, DISCOVER, REQUEST,
 * INFORM, DECLINE and RELEASE by RFC 2131, and the conflict check that holds
 * a DISCOVER while its candidate address is pinged.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "dhcp_probe.h"

#include "dhcp_int.h"

static const struct dhcp_resv *dhcp_find_resv(const struct dhcp_state *s, const uint8_t *mac,
                                              size_t len)
{
    if (len != 6)
        return NULL;
    for (size_t i = 0; i < s->n_resv; i++)
        if (memcmp(s->resv[i].mac, mac, 6) == 0)
            return &s->resv[i];
    return NULL;
}

/*
 * pxe_only lets a non-PXE client through when it is the system a PXE client of
 * ours just booted (same MAC): a DISCOVER or REQUEST within pxe_grace of the
 * last PXE ACK, or a renewal (ciaddr) of that lease at any time while it lasts.
 * Reserved MACs are always answered.
 */
int dhcp_booted_by_us(struct dhcp_state *s, const struct dhcp_msg *m)
{
    const struct dhcp_lease *l;
    uint64_t now = (uint64_t)time(NULL);

    if (dhcp_find_resv(s, m->chaddr, m->hlen))
        return 1;
    l = dhcp_pool_find(&s->pool, m->chaddr, m->hlen);
    if (!l || l->state != DHCP_LEASE_BOUND || l->expires <= now || !l->pxe_at)
        return 0;
    if (m->ciaddr && m->ciaddr == htonl(dhcp_pool_ip(&s->pool, l)))
        return 1;
    return now - l->pxe_at <= s->cfg->pxe_grace / 1000000;
}

static void dhcp_nak(struct dhcp_state *s, int fd, const struct dhcp_msg *m, const char *mac,
                     const char *why)
{
    struct dhcp_reply rp;

    dhcp_reply_base(s, &rp, DHCP_NAK, NULL);
    rp.message = why;
    dhcp_emit(s, fd, m, &rp, NULL, 0, mac);
}

static int dhcp_probe_start(struct dhcp_state *s, uint32_t ip, const uint8_t *pkt, size_t len,
                            const struct sockaddr_in *from);

/* OFFER or ACK of address ip (network order) with the client's boot answer. */
static void dhcp_lease_reply(struct dhcp_state *s, int fd, const struct dhcp_msg *m,
                             const char *mac, const struct sockaddr_in *from, uint8_t type,
                             uint32_t ip, const struct dhcp_resv *rv)
{
    struct dhcp_boot boot;
    struct dhcp_reply rp;

    if (dhcp_boot_for(s, m, mac, &boot) < 0)
        boot.kind = DHCP_BOOT_NONE;
    dhcp_reply_base(s, &rp, type, &boot);
    dhcp_netconf(s, &rp);
    rp.yiaddr = ip;
    rp.lease_secs = s->lease_secs;
    rp.hostname = rv && rv->hostname[0] ? rv->hostname : NULL;
    dhcp_emit(s, fd, m, &rp, from, 0, mac);
}

/* DISCOVER: offer a reserved, held or free address; a new one may be pinged first. */
static void full_discover(struct dhcp_state *s, int fd, const struct dhcp_msg *m, const char *mac,
                          const struct sockaddr_in *from, const uint8_t *pkt, size_t len)
{
    const struct dhcp_resv *rv = dhcp_find_resv(s, m->chaddr, m->hlen);
    uint64_t now = (uint64_t)time(NULL);
    struct dhcp_lease *l;
    uint32_t ip;

    if (rv) {
        ip = rv->ip;
    } else {
        l = dhcp_pool_pick(&s->pool, m->chaddr, m->hlen, ntohl(m->requested_ip), now);
        if (!l) {
            dhcp_warn(s, "DHCPDISCOVER(%s) %s: no address available", s->ifname, mac);
            s->core->metric_add(s->self, "exhausted_total", "DISCOVERs with no free address", 1);
            return;
        }
        ip = htonl(dhcp_pool_ip(&s->pool, l));
        if (l->state != DHCP_LEASE_BOUND || l->expires <= now) {
            dhcp_pool_set(&s->pool, l, m->chaddr, m->hlen, DHCP_LEASE_OFFERED,
                          now + DHCP_OFFER_HOLD);
            /* A new address: ask the network first if so configured; answer later. */
            if (s->held && ip != s->probe_done_ip && dhcp_probe_start(s, ip, pkt, len, from) == 0)
                return;
        }
    }
    dhcp_lease_reply(s, fd, m, mac, from, DHCP_OFFER, ip, rv);
}

/* REQUEST: bind the address asked for when it is the client's to take, else NAK. */
static void full_request(struct dhcp_state *s, int fd, const struct dhcp_msg *m, const char *mac,
                         const struct sockaddr_in *from)
{
    const uint8_t *hw = m->chaddr;
    size_t hlen = m->hlen;
    const struct dhcp_resv *rv = dhcp_find_resv(s, hw, hlen);
    uint64_t now = (uint64_t)time(NULL);
    struct dhcp_lease *l;
    uint32_t ip;

    if (m->server_id && m->server_id != s->server_ip) {
        /* The client took another server's offer: free what we held for it. */
        l = dhcp_pool_find(&s->pool, hw, hlen);
        if (l && l->state == DHCP_LEASE_OFFERED)
            dhcp_pool_set(&s->pool, l, hw, hlen, DHCP_LEASE_FREE, 0);
        return;
    }
    ip = m->requested_ip ? m->requested_ip : m->ciaddr;
    if (!ip)
        return;
    if (rv) {
        if (ip != rv->ip) {
            dhcp_nak(s, fd, m, mac, "wrong address");
            return;
        }
    } else {
        l = dhcp_pool_at(&s->pool, ntohl(ip));
        if (!l || !dhcp_pool_usable(l, hw, hlen, now)) {
            dhcp_nak(s, fd, m, mac, l ? "address in use" : "address not available");
            return;
        }
        dhcp_pool_set(&s->pool, l, hw, hlen, DHCP_LEASE_BOUND,
                      s->lease_secs == 0xffffffffu ? UINT64_MAX / 2 : now + s->lease_secs);
        if (m->hostname)
            dhcp_lease_set_hostname(l, m->hostname, m->hostname_len);
        if (m->kind & (DHCP_CLIENT_PXE | DHCP_CLIENT_HTTP | DHCP_CLIENT_IPXE))
            l->pxe_at = now;
        s->dirty = 1;
    }
    dhcp_lease_reply(s, fd, m, mac, from, DHCP_ACK, ip, rv);
}

/* DECLINE (address in use elsewhere: quarantine) and RELEASE (free it). */
static void full_give_back(struct dhcp_state *s, const struct dhcp_msg *m, const char *mac)
{
    uint64_t now = (uint64_t)time(NULL);
    struct dhcp_lease *l;

    if (m->type == DHCP_DECLINE) {
        if (m->server_id != s->server_ip)
            return;
        l = dhcp_pool_at(&s->pool, ntohl(m->requested_ip));
        if (l && l->mac_len == m->hlen && memcmp(l->mac, m->chaddr, m->hlen) == 0) {
            char ipb[INET_ADDRSTRLEN];

            inet_ntop(AF_INET, &m->requested_ip, ipb, sizeof(ipb));
            s->core->log(s->self, PXE_LOG_WARNING,
                         "%s declined %s (address in use on the network), quarantined %ds", mac,
                         ipb, DHCP_DECLINE_HOLD);
            dhcp_pool_set(&s->pool, l, NULL, 0, DHCP_LEASE_DECLINED, now + DHCP_DECLINE_HOLD);
            s->dirty = 1;
        }
        return;
    }
    l = dhcp_pool_at(&s->pool, ntohl(m->ciaddr));
    if (l && l->state == DHCP_LEASE_BOUND && l->mac_len == m->hlen &&
        memcmp(l->mac, m->chaddr, m->hlen) == 0) {
        dhcp_pool_set(&s->pool, l, m->chaddr, m->hlen, DHCP_LEASE_FREE, 0);
        s->dirty = 1;
    }
}

/* Full mode: one message from a client we serve. */
void dhcp_full(struct dhcp_state *s, int fd, const struct dhcp_msg *m, const char *mac,
               const struct sockaddr_in *from, const uint8_t *pkt, size_t len)
{
    struct dhcp_boot boot;
    struct dhcp_reply rp;

    switch (m->type) {
    case DHCP_DISCOVER:
        full_discover(s, fd, m, mac, from, pkt, len);
        return;
    case DHCP_REQUEST:
        full_request(s, fd, m, mac, from);
        return;
    case DHCP_INFORM:
        if (dhcp_boot_for(s, m, mac, &boot) < 0)
            boot.kind = DHCP_BOOT_NONE;
        dhcp_reply_base(s, &rp, DHCP_ACK, &boot);
        dhcp_netconf(s, &rp);
        dhcp_emit(s, fd, m, &rp, from, 0, mac);
        return;
    case DHCP_DECLINE:
    case DHCP_RELEASE:
        full_give_back(s, m, mac);
        return;
    default:
        return;
    }
}

/* Answers a held DISCOVER: offer done_ip unprobed (timeout), or pick again (conflict). */
static void dhcp_probe_replay(struct dhcp_state *s, struct dhcp_held *h, uint32_t done_ip)
{
    struct dhcp_msg m;
    char mac[16 * 3];

    h->used = 0;
    if (dhcp_parse(h->pkt, h->len, &m) < 0)
        return;
    dhcp_mac_str(&m, mac, sizeof(mac));
    s->probe_done_ip = done_ip;
    dhcp_full(s, s->fd67, &m, mac, &h->from, h->pkt, h->len);
    s->probe_done_ip = 0;
}

static void dhcp_probe_arm(struct dhcp_state *s)
{
    uint64_t now = s->core->now_usec(), next = 0;

    for (int i = 0; i < DHCP_MAX_PROBES; i++)
        if (s->held[i].used && (!next || s->held[i].deadline_usec < next))
            next = s->held[i].deadline_usec;
    s->core->timer_set(s->probe_timer, next ? (next > now ? next - now : 1) : 0);
}

/* Holds the DISCOVER in pkt and pings ip.  -EBUSY when too many are held. */
static int dhcp_probe_start(struct dhcp_state *s, uint32_t ip, const uint8_t *pkt, size_t len,
                            const struct sockaddr_in *from)
{
    for (int i = 0; i < DHCP_MAX_PROBES; i++) {
        struct dhcp_held *h = &s->held[i];
        int r;

        if (h->used)
            continue;
        if (len > sizeof(h->pkt))
            return -E2BIG;
        r = dhcp_probe_send(s->fdicmp, ip, s->probe_id, (uint16_t)i);
        if (r < 0)
            return r;
        memmove(h->pkt, pkt, len); /* a replay may hold the same buffer again */
        h->len = len;
        h->from = *from;
        h->ip = ip;
        h->used = 1;
        h->deadline_usec = s->core->now_usec() + s->cfg->conflict_check;
        dhcp_probe_arm(s);
        return 0;
    }
    s->core->metric_add(s->self, "probe_overflow_total",
                        "DISCOVERs offered unprobed: too many checks in flight", 1);
    return -EBUSY;
}

void dhcp_probe_tick(void *ud)
{
    struct dhcp_state *s = ud;
    uint64_t now = s->core->now_usec();

    for (int i = 0; i < DHCP_MAX_PROBES; i++)
        if (s->held[i].used && s->held[i].deadline_usec <= now)
            dhcp_probe_replay(s, &s->held[i], s->held[i].ip);
    dhcp_probe_arm(s);
}

void dhcp_icmp_readable(void *ud, int fd, uint32_t events)
{
    struct dhcp_state *s = ud;
    uint8_t buf[1500];

    for (int n = 0; n < DHCP_BATCH; n++) {
        ssize_t len = recv(fd, buf, sizeof(buf), 0);
        uint32_t src;
        uint16_t seq;
        struct dhcp_held *h;
        char ip[INET_ADDRSTRLEN];

        if (len < 0)
            return;
        if (dhcp_probe_parse(buf, (size_t)len, s->probe_id, &src, &seq) < 0 ||
            seq >= DHCP_MAX_PROBES || !s->held[seq].used || s->held[seq].ip != src)
            continue;
        h = &s->held[seq];
        inet_ntop(AF_INET, &src, ip, sizeof(ip));
        s->core->log(s->self, PXE_LOG_WARNING,
                     "%s answers ping: in use on the network, quarantined %ds, offering another",
                     ip, DHCP_DECLINE_HOLD);
        s->core->metric_add(s->self, "conflicts_total", "offered addresses found in use", 1);
        dhcp_pool_set(&s->pool, dhcp_pool_at(&s->pool, ntohl(src)), NULL, 0, DHCP_LEASE_DECLINED,
                      (uint64_t)time(NULL) + DHCP_DECLINE_HOLD);
        dhcp_probe_replay(s, h, 0);
        dhcp_probe_arm(s);
    }
}
