/* SPDX-License-Identifier: MIT */
/*
 * DHCP and proxyDHCP server with PXE boot decisions: the plugin.  Its
 * lifecycle, the receive callbacks and the dispatch of each message to full
 * mode (dhcp_full.c) or proxy mode (dhcp_proxy.c); see dhcp_int.h for the
 * other files.  Runs on the core loop (PXE_THREAD_LOOP).
 *
 * Full mode: one UDP socket on 0.0.0.0:67 bound to the interface.
 * Proxy mode: a socket on 255.255.255.255:67 (SO_REUSEADDR|SO_REUSEPORT, so it
 * shares the port with the site's server and sees only broadcasts) plus one
 * on 0.0.0.0:4011 for boot server requests; with proxy_relay, one more on our
 * address:67 for what DHCP relays forward (answered to giaddr:67).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dhcp_int.h"
#include "dhcp_ra.h"

static int dhcp_load(const struct pxe_core_api *core, struct pxe_core *self, void **ret_state)
{
    struct dhcp_state *s = calloc(1, sizeof(*s));

    if (!s)
        return -ENOMEM;
    s->core = core;
    s->self = self;
    s->fd67 = s->fd4011 = s->fdrelay = s->fdicmp = s->fdra = -1;
    *ret_state = s;
    return 0;
}

static void dhcp_packet(struct dhcp_state *s, int fd, const uint8_t *pkt, size_t len,
                        const struct sockaddr_in *from)
{
    struct dhcp_msg m;
    char mac[16 * 3];
    int on4011 = fd == s->fd4011;

    if (dhcp_parse(pkt, len, &m) < 0) {
        s->core->metric_add(s->self, "malformed_total", "datagrams dropped as malformed", 1);
        dhcp_warn(s, "malformed DHCP datagram (%zu bytes) from %s, dropped", len,
                  inet_ntoa(from->sin_addr));
        return;
    }
    dhcp_count(s, m.type);
    dhcp_mac_str(&m, mac, sizeof(mac));
    if (m.type != DHCP_REQUEST || !m.server_id || m.server_id == s->server_ip || on4011)
        s->core->log(s->self, PXE_LOG_INFO, "DHCP%s(%s) %s", dhcp_type_name(m.type), s->ifname,
                     mac);
    if (m.type == DHCP_DISCOVER)
        s->core->event(s->self, "dhcp.discover", mac, NULL, PXE_PHASE_NONE, "arch %u%s%s",
                       m.has_arch ? m.arch : 0, (m.kind & DHCP_CLIENT_IPXE) ? " ipxe" : "",
                       (m.kind & DHCP_CLIENT_HTTP) ? " http" : "");
    if ((s->cfg->proxy || s->cfg->pxe_only) &&
        !(m.kind & (DHCP_CLIENT_PXE | DHCP_CLIENT_HTTP | DHCP_CLIENT_IPXE)) &&
        m.type != DHCP_RELEASE && m.type != DHCP_DECLINE &&
        (s->cfg->proxy || !dhcp_booted_by_us(s, &m))) {
        s->core->metric_add(s->self, "ignored_total", "requests from non-PXE clients ignored", 1);
        return;
    }
    if (s->cfg->proxy)
        dhcp_proxy(s, fd, &m, mac, from, on4011);
    else
        dhcp_full(s, fd, &m, mac, from, pkt, len);
}

static void dhcp_readable(void *ud, int fd, uint32_t events)
{
    struct dhcp_state *s = ud;
    uint8_t pkt[2048];

    for (int i = 0; i < DHCP_BATCH; i++) {
        struct sockaddr_in from;
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(fd, pkt, sizeof(pkt), MSG_TRUNC, (struct sockaddr *)&from, &fl);

        if (n < 0)
            return; /* EAGAIN, or an ICMP error we have nothing to do with */
        if ((size_t)n > sizeof(pkt)) {
            s->core->metric_add(s->self, "malformed_total", "datagrams dropped as malformed", 1);
            continue;
        }
        dhcp_packet(s, fd, pkt, (size_t)n, &from);
    }
}

/* Answers each valid Router Solicitation, at most DHCP_RA_PER_SEC a second. */
static void dhcp_ra_readable(void *ud, int fd, uint32_t events)
{
    struct dhcp_state *s = ud;
    struct dhcp_ra_stats st;
    uint8_t ra[DHCP_RA_LEN];
    /* The dhcp6 plugin advertises on this link itself, with its M/O flags. */
    int theirs = s->core->service_port(s->self, "ipv6-ra") == (uint32_t)s->ifindex;

    (void)events;
    dhcp_ra_build(ra);
    dhcp_ra_serve(fd, s->ifindex, theirs ? NULL : ra, sizeof(ra), s->core->now_usec(),
                  DHCP_RA_PER_SEC, &s->ra_rate, &st);
    s->core->metric_add(s->self, "rs_malformed_total",
                        "IPv6 router solicitations dropped as malformed", st.malformed);
    s->core->metric_add(s->self, "rs_received_total", "IPv6 router solicitations received",
                        st.received);
    s->core->metric_add(s->self, "ra_sent_total", "IPv6 router advertisements sent", st.sent);
    if (st.send_error && !s->ra_warned) {
        s->core->log(s->self, PXE_LOG_NOTICE, "ipv6_ra: router advertisement on %s: %s%s",
                     s->ifname, strerror(-st.send_error),
                     st.send_error == -EADDRNOTAVAIL ? " (no IPv6 link-local address)" : "");
        s->ra_warned = 1;
    }
}

static int dhcp_start(void *state)
{
    struct dhcp_state *s = state;
    struct dhcp_cfg *c = s->cfg;
    int r;

    if (s->idle) {
        s->core->log(s->self, PXE_LOG_NOTICE,
                     "no interface configured: DHCP stays idle (set interface and dhcp-range, or "
                     "interface and proxy-dhcp)");
        return 0;
    }
    if (!c->proxy) {
        unsigned skipped = 0;

        for (size_t i = 0; i < s->n_resv; i++) {
            struct dhcp_lease *l = dhcp_pool_at(&s->pool, ntohl(s->resv[i].ip));

            if (l)
                dhcp_pool_set(&s->pool, l, s->resv[i].mac, 6, DHCP_LEASE_RESERVED, 0);
        }
        r = c->lease_file ? dhcp_pool_load(&s->pool, c->lease_file, (uint64_t)time(NULL), &skipped)
                          : 0;
        if (r < 0) {
            s->core->log(s->self, PXE_LOG_ERR, "lease file %s: %s", c->lease_file, strerror(-r));
            return r;
        }
        s->core->log(s->self, PXE_LOG_INFO, "lease file %s: %d leases loaded, %u skipped",
                     c->lease_file, r, skipped);
        r = s->core->timer_add(s->self, c->lease_flush, dhcp_tick, s, &s->timer);
        if (r < 0)
            return r;
        dhcp_flush(s, 1);
    }
    if (s->fdicmp >= 0) {
        r = s->core->io_add(s->self, s->fdicmp, PXE_IO_IN, dhcp_icmp_readable, s, &s->srcicmp);
        if (r == 0)
            r = s->core->timer_add(s->self, 1000000, dhcp_probe_tick, s, &s->probe_timer);
        if (r < 0)
            return r;
        s->core->timer_set(s->probe_timer, 0);
    }
    r = s->core->io_add(s->self, s->fd67, PXE_IO_IN, dhcp_readable, s, &s->src67);
    if (r < 0)
        return r;
    if (s->fdra >= 0) {
        r = s->core->io_add(s->self, s->fdra, PXE_IO_IN, dhcp_ra_readable, s, &s->srcra);
        if (r < 0)
            return r;
        s->core->log(s->self, PXE_LOG_INFO, "ipv6_ra: answering router solicitations on %s",
                     s->ifname);
    }
    if (s->fd4011 >= 0) {
        r = s->core->io_add(s->self, s->fd4011, PXE_IO_IN, dhcp_readable, s, &s->src4011);
        if (r < 0)
            return r;
    }
    if (s->fdrelay >= 0) {
        r = s->core->io_add(s->self, s->fdrelay, PXE_IO_IN, dhcp_readable, s, &s->srcrelay);
        if (r < 0)
            return r;
    }
    if (c->proxy)
        s->core->log(s->self, PXE_LOG_INFO,
                     "proxyDHCP on %s (%s), ports %" PRIu64 " and %" PRIu64 "%s", s->ifname,
                     s->server_str, c->port, c->proxy_port,
                     s->fdrelay >= 0 ? ", relayed requests to our address too" : "");
    else
        s->core->log(s->self, PXE_LOG_INFO, "DHCP on %s (%s), range %s, lease %us%s", s->ifname,
                     s->server_str, c->range, s->lease_secs,
                     c->pxe_only ? ", PXE clients only" : "");
    return 0;
}

static void dhcp_stop(void *state)
{
    struct dhcp_state *s = state;

    s->core->source_free(s->src67);
    s->core->source_free(s->src4011);
    s->core->source_free(s->timer);
    s->core->source_free(s->srcicmp);
    s->core->source_free(s->probe_timer);
    s->core->source_free(s->srcra);
    s->core->source_free(s->srcrelay);
    s->srcra = s->srcrelay = NULL;
    s->src67 = s->src4011 = s->timer = s->srcicmp = s->probe_timer = NULL;
    if (!s->idle && !s->cfg->proxy)
        dhcp_flush(s, 1);
}

static void dhcp_unload(void *state)
{
    struct dhcp_state *s = state;

    if (!s)
        return;
    if (s->fd67 >= 0)
        close(s->fd67);
    if (s->fd4011 >= 0)
        close(s->fd4011);
    if (s->fdrelay >= 0)
        close(s->fdrelay);
    if (s->fdicmp >= 0)
        close(s->fdicmp);
    if (s->fdra >= 0)
        close(s->fdra);
    free(s->held);
    dhcp_pool_done(&s->pool);
    free(s->resv);
    free(s);
}

static int dhcp_status(void *state, struct json_t **ret_json)
{
    struct dhcp_state *s = state;
    json_t *j;

    if (s->idle)
        j = json_pack("{s:s}", "mode", "idle");
    else
        j = json_pack("{s:s, s:s, s:s, s:I, s:I}", "mode", s->cfg->proxy ? "proxy" : "full",
                      "interface", s->ifname, "server", s->server_str, "pool_size",
                      (json_int_t)s->pool.n, "leases",
                      (json_int_t)dhcp_pool_bound(&s->pool, (uint64_t)time(NULL)));
    if (!j)
        return -ENOMEM;
    *ret_json = j;
    return 0;
}

static int dhcp_api_call(void *state, const char *method, const char *subpath, json_t *body,
                         json_t **ret_json)
{
    struct dhcp_state *s = state;

    if (strcmp(subpath, "leases") != 0)
        return -ENOENT;
    if (strcmp(method, "GET") != 0)
        return -EOPNOTSUPP;
    return dhcp_api_leases(s, ret_json);
}

static struct pxe_plugin dhcp_plugin = {
    .thread_model = PXE_THREAD_LOOP,
    .caps = PXE_CAP_SERVICE,
    .name = "dhcp",
    .version = "0.1.0",
    .description = "DHCP and proxyDHCP server with PXE boot decisions",
    .config_items = dhcp_items,
    .config_size = sizeof(struct dhcp_cfg),
    .load = dhcp_load,
    .config_complete = dhcp_config_complete,
    .bind = dhcp_bind,
    .start = dhcp_start,
    .stop = dhcp_stop,
    .unload = dhcp_unload,
    .status = dhcp_status,
    .api_call = dhcp_api_call,
};

PXE_PLUGIN_REGISTER(dhcp_plugin)
