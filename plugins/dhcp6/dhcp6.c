/* SPDX-License-Identifier: MIT */
/*
 * DHCPv6 server for network boot (RFC 8415 + RFC 5970): the socket on UDP 547
 * of one interface, config, bindings and logs around the pure code in
 * dhcp6_proto.c.  Stateful mode (a range): addresses from the pool plus the boot
 * file URL, and Router Advertisements with the M and O flags and the range's
 * prefix (on-link, no SLAAC), through the dhcp plugin's RA code (dhcp_ra.c).
 * Stateless mode (no range): only Information-requests are answered, with the
 * boot options, beside the site's DHCPv6 server and router.  Loop thread only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <stdarg.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <pxecore/plugin.h>
#include <pxecore/ratelimit.h>

#include "dhcp6_int.h"

#define CFG(f) offsetof(struct dhcp6_cfg, f)
static const struct pxe_config_item dhcp6_items[] = {
    {"interface", PXE_CFG_STR, 0, NULL, CFG(interface),
     "interface to serve DHCPv6 on (nothing is served without it)", "dhcp6-interface", 0, 0},
    {"range", PXE_CFG_STR, 0, NULL, CFG(range),
     "stateful mode: address pool \"start,end\" inside one /64, e.g. 2001:db8::100,2001:db8::1ff; "
     "without it only Information-requests are answered (stateless, beside a site server)",
     "dhcp6-range", 0, 0},
    {"lease_time", PXE_CFG_DURATION, 0, "1h", CFG(lease_time),
     "valid and preferred lifetime of pool addresses", NULL, 120000000, 31536000000000},
    {"server_address", PXE_CFG_ADDR, 0, NULL, CFG(server_address),
     "IPv6 address put in boot URLs; default: the interface's first global address", NULL, 0, 0},
    {"dns", PXE_CFG_STRLIST, 0, NULL, CFG(dns), "option 23 servers (IPv6 literals, max 8)", NULL, 0,
     0},
    {"pxe_only", PXE_CFG_BOOL, 0, "true", CFG(pxe_only),
     "answer only clients that send option 61, vendor class PXEClient/HTTPClient or user class "
     "iPXE (and messages naming our DUID: Request, Renew, Release, Decline)",
     NULL, 0, 0},
    {"boot_efi64", PXE_CFG_STR, 0, "snponly.efi", CFG(boot_efi64),
     "boot file for UEFI x64 (arch 7, 9; HTTP 16)", NULL, 0, 0},
    {"boot_efi32", PXE_CFG_STR, 0, NULL, CFG(boot_efi32), "boot file for UEFI IA32 (6; 15)", NULL,
     0, 0},
    {"boot_arm64", PXE_CFG_STR, 0, "grubnetaa64.efi", CFG(boot_arm64),
     "boot file for UEFI ARM64 (arch 11; HTTP 19): Debian's signed GRUB network image", NULL, 0, 0},
    {"boot_arm32", PXE_CFG_STR, 0, NULL, CFG(boot_arm32), "boot file for UEFI ARM32 (10; 18)", NULL,
     0, 0},
    {"ipxe_script", PXE_CFG_STR, 0, "boot.ipxe", CFG(ipxe_script),
     "path of the iPXE script on the http service, given to iPXE clients", NULL, 0, 0},
    {"ipxe_chain", PXE_CFG_BOOL, 0, "true", CFG(ipxe_chain),
     "hand iPXE clients (user class iPXE) the script URL", NULL, 0, 0},
    {"ipv6_ra", PXE_CFG_BOOL, 0, "true", CFG(ipv6_ra),
     "stateful mode: answer Router Solicitations with the M and O flags and the range's prefix "
     "(on-link, no SLAAC, router lifetime 0); never in stateless mode",
     NULL, 0, 0},
    {"ra_flags", PXE_CFG_STR, 0, "managed", CFG(ra_flags),
     "flags of those advertisements: \"managed\" (M and O), \"other\" (O) or \"none\" "
     "(the on-link prefix only)",
     NULL, 0, 0},
    {"port", PXE_CFG_UINT, 0, "547", CFG(port), "server port", NULL, 1, 65535},
    {"lease_file", PXE_CFG_PATH, 0, "${state_dir}/dhcp6.leases", CFG(lease_file),
     "stateful mode: bindings kept across restarts (empty: in memory only)", NULL, 0, 0},
    {"lease_flush", PXE_CFG_DURATION, 0, "1s", CFG(lease_flush),
     "longest delay between a binding change and its write to lease_file", NULL, 1000, 60000000},
    {0},
};
#undef CFG

static int dhcp6_load(const struct pxe_core_api *core, struct pxe_core *self, void **ret_state)
{
    struct dhcp6_state *s = calloc(1, sizeof(*s));

    if (!s)
        return -ENOMEM;
    s->core = core;
    s->self = self;
    s->fd = s->fdra = -1;
    *ret_state = s;
    return 0;
}

static int dhcp6_config_complete(void *state, void *cfg)
{
    struct dhcp6_state *s = state;
    struct dhcp6_cfg *c = cfg;
    struct in6_addr a;
    int r;

    s->cfg = c;
    if (!c->interface || !*c->interface) {
        if (c->range) {
            s->core->log(s->self, PXE_LOG_ERR, "range needs an interface");
            return -EINVAL;
        }
        s->idle = 1;
        return 0;
    }
    if (strlen(c->interface) >= IF_NAMESIZE) {
        s->core->log(s->self, PXE_LOG_ERR, "interface name too long");
        return -EINVAL;
    }
    snprintf(s->ifname, sizeof(s->ifname), "%s", c->interface);
    if (c->server_address && inet_pton(AF_INET6, c->server_address, &a) != 1) {
        s->core->log(s->self, PXE_LOG_ERR, "server_address: not an IPv6 address");
        return -EINVAL;
    }
    for (size_t i = 0; c->dns && c->dns[i]; i++) {
        if (i >= DHCP6_MAX_DNS || inet_pton(AF_INET6, c->dns[i], &s->dns[i]) != 1) {
            s->core->log(s->self, PXE_LOG_ERR, "dns: at most %d IPv6 literals", DHCP6_MAX_DNS);
            return -EINVAL;
        }
        s->n_dns = (unsigned)i + 1;
    }
    s->lease_secs = (uint32_t)(c->lease_time / 1000000);
    if (!c->ra_flags || strcmp(c->ra_flags, "managed") == 0)
        s->ra_flags = DHCP_RA_MANAGED | DHCP_RA_OTHER;
    else if (strcmp(c->ra_flags, "other") == 0)
        s->ra_flags = DHCP_RA_OTHER;
    else if (strcmp(c->ra_flags, "none") == 0)
        s->ra_flags = 0;
    else {
        s->core->log(s->self, PXE_LOG_ERR, "ra_flags: managed, other or none");
        return -EINVAL;
    }
    if (c->range) {
        r = dhcp6_pool_init(&s->pool, c->range);
        if (r < 0) {
            s->core->log(s->self, PXE_LOG_ERR,
                         "range '%s': want \"start,end\", IPv6, one /64, at most %d addresses",
                         c->range, DHCP6_MAX_POOL);
            return r;
        }
        s->stateful = 1;
    }
    return 0;
}

/* Interface index, DUID-LL from its MAC, and its first global IPv6 address unless configured. */
static int dhcp6_iface(struct dhcp6_state *s)
{
    struct ifreq ifr;
    struct ifaddrs *ifa, *i;
    int fd, r = 0;

    s->ifindex = (int)if_nametoindex(s->ifname);
    if (!s->ifindex)
        return -ENODEV;
    fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", s->ifname);
    if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
        r = -errno;
    close(fd);
    if (r < 0)
        return r;
    s->duid[1] = 3; /* DUID-LL, hardware type 1 (Ethernet) */
    s->duid[3] = 1;
    memcpy(s->duid + 4, ifr.ifr_hwaddr.sa_data, 6);
    if (s->cfg->server_address) {
        struct in6_addr a;

        inet_pton(AF_INET6, s->cfg->server_address, &a);
        inet_ntop(AF_INET6, &a, s->server, sizeof(s->server));
        return 0;
    }
    if (getifaddrs(&ifa) < 0)
        return -errno;
    for (i = ifa; i; i = i->ifa_next) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)i->ifa_addr;

        if (!sin6 || sin6->sin6_family != AF_INET6 || strcmp(i->ifa_name, s->ifname) != 0 ||
            IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr))
            continue;
        inet_ntop(AF_INET6, &sin6->sin6_addr, s->server, sizeof(s->server));
        break;
    }
    freeifaddrs(ifa);
    return s->server[0] ? 0 : -EADDRNOTAVAIL;
}

static int dhcp6_bind(void *state)
{
    struct dhcp6_state *s = state;
    struct sockaddr_in6 a = {.sin6_family = AF_INET6};
    struct ipv6_mreq mr = {.ipv6mr_multiaddr.s6_addr = {0xff, 0x02, [13] = 1, [15] = 2}};
    int one = 1, r;

    if (s->idle)
        return 0;
    r = dhcp6_iface(s);
    if (r < 0) {
        s->core->log(s->self, PXE_LOG_ERR, "interface %s: %s%s", s->ifname, strerror(-r),
                     r == -EADDRNOTAVAIL ? " (no global IPv6 address; set server_address)" : "");
        return r;
    }
    mr.ipv6mr_interface = (unsigned)s->ifindex;
    a.sin6_port = htons((uint16_t)s->cfg->port);
    s->fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->fd < 0 || setsockopt(s->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0 ||
        setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        setsockopt(s->fd, SOL_SOCKET, SO_BINDTODEVICE, s->ifname,
                   (socklen_t)strlen(s->ifname) + 1) < 0 ||
        bind(s->fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
        setsockopt(s->fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0) {
        r = -errno;
        s->core->log(s->self, PXE_LOG_ERR, "cannot listen on [::]:%" PRIu64 "/udp on %s: %s",
                     s->cfg->port, s->ifname, strerror(-r));
        return r;
    }
    if (s->stateful && s->cfg->ipv6_ra) {
        r = dhcp_ra_open(s->ifname, s->ifindex, &s->fdra);
        if (r < 0)
            s->core->log(s->self, PXE_LOG_NOTICE,
                         "ipv6_ra: ICMPv6 socket on %s: %s; no router advertisements", s->ifname,
                         strerror(-r));
    }
    return 0;
}

static void dhcp6_warn(struct dhcp6_state *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Warnings about client traffic: at most one a second. */
static void dhcp6_warn(struct dhcp6_state *s, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    pxe_vlog_limited(s->core, s->self, &s->warn_rl, PXE_LOG_WARNING, fmt, ap);
    va_end(ap);
}

static const char *dhcp6_type_name(uint8_t t)
{
    static const char *const names[] = {NULL,      "SOLICIT", "ADVERTISE", "REQUEST",
                                        "CONFIRM", "RENEW",   "REBIND",    "REPLY",
                                        "RELEASE", "DECLINE", NULL,        "INFORMATION-REQUEST"};

    return t < sizeof(names) / sizeof(names[0]) && names[t] ? names[t] : "?";
}

/* "aa:bb:.." from the DUID, else the DUID's first bytes in hex. */
static void dhcp6_client_name(const struct dhcp6_msg *m, char *out, size_t size)
{
    size_t o = 0;

    if (m->has_mac) {
        snprintf(out, size, "%02x:%02x:%02x:%02x:%02x:%02x", m->mac[0], m->mac[1], m->mac[2],
                 m->mac[3], m->mac[4], m->mac[5]);
        return;
    }
    out[0] = '\0';
    for (size_t i = 0; m->client_id && i < m->client_id_len && o + 3 < size; i++)
        o += (size_t)snprintf(out + o, size - o, "%02x", m->client_id[i]);
    if (!out[0])
        snprintf(out, size, "-");
}

/* The binding for m's IA_NA, moved to BOUND for Request/Renew/Rebind/rapid commit. */
static struct dhcp6_lease *dhcp6_binding(struct dhcp6_state *s, const struct dhcp6_msg *m, int bind)
{
    uint64_t now = (uint64_t)time(NULL);
    struct dhcp6_lease *l;

    const uint8_t *link = dhcp6_relay_link(&s->relay);

    /* A relayed client on another link gets no address from this link's pool. */
    if (link && memcmp(link, s->pool.start.s6_addr, 8) != 0)
        return NULL;
    l = dhcp6_pool_get(&s->pool, m->client_id, m->client_id_len, m->iaid, now, DHCP6_OFFER_HOLD, 1);
    if (l && bind) {
        l->state = DHCP6_LEASE_BOUND;
        l->expires = now + s->lease_secs;
        dhcp6_leases_changed(s);
    }
    return l;
}

static void dhcp6_send(struct dhcp6_state *s, const struct dhcp6_msg *m,
                       const struct dhcp6_answer *a, const struct sockaddr_in6 *to)
{
    int n = dhcp6_build(m, a, s->relay.n ? s->reply : s->out, sizeof(s->out));

    if (n >= 0 && s->relay.n) /* to the relay agent, in a Relay-reply per layer */
        n = dhcp6_relay_wrap(&s->relay, s->reply, (size_t)n, s->out, sizeof(s->out));
    if (n < 0) {
        dhcp6_warn(s, "%s: reply does not fit, dropped", dhcp6_type_name(m->type));
        return;
    }
    if (sendto(s->fd, s->out, (size_t)n, 0, (const struct sockaddr *)to, sizeof(*to)) < 0) {
        int r = errno;

        s->core->metric_add(s->self, "send_errors_total", "replies that could not be sent", 1);
        dhcp6_warn(s, "sendto: %s", strerror(r));
        return;
    }
    s->core->metric_add(
        s->self, a->type == DHCP6_ADVERTISE ? "advertise_total" : "reply_total",
        a->type == DHCP6_ADVERTISE ? "Advertise messages sent" : "Reply messages sent", 1);
}

/* Boot URL for m, or NULL (no arch/file/service, or a host profile that boots locally). */
static const char *dhcp6_url(struct dhcp6_state *s, const struct dhcp6_msg *m, const char *mac,
                             char *url, size_t size)
{
    struct dhcp6_boot b = {
        .server = s->server,
        .http_port = s->core->service_port(s->self, "http"),
        .tftp = s->core->service_port(s->self, "tftp") != 0,
        .ipxe_chain = s->cfg->ipxe_chain,
        .ipxe_script = s->cfg->ipxe_script,
        .files = {s->cfg->boot_efi64, s->cfg->boot_efi32, s->cfg->boot_arm64, s->cfg->boot_arm32},
    };
    const struct pxe_host *h = m->has_mac ? s->core->host_lookup(s->self, mac) : NULL;

    if (h && h->local_boot)
        return NULL;
    return dhcp6_boot_url(&b, m, url, size) == 0 ? url : NULL;
}

/* Answers one validated message; mac is the client's name for logs. */
static void dhcp6_answer(struct dhcp6_state *s, const struct dhcp6_msg *m, const char *mac,
                         const struct sockaddr_in6 *from)
{
    struct dhcp6_answer a = {.type = DHCP6_REPLY,
                             .server_duid = s->duid,
                             .server_duid_len = sizeof(s->duid),
                             .status = -1,
                             .dns = s->dns,
                             .n_dns = s->n_dns};
    char url[512], ip[INET6_ADDRSTRLEN] = "";
    struct in6_addr addr;
    struct dhcp6_lease *l = NULL;
    int bind = m->type == DHCP6_REQUEST || m->type == DHCP6_RENEW || m->type == DHCP6_REBIND;

    a.url = dhcp6_url(s, m, mac, url, sizeof(url));
    a.http = a.url && (dhcp6_wants_http(m) || (m->user_ipxe && s->cfg->ipxe_chain));
    if (m->type == DHCP6_SOLICIT) {
        a.type = m->rapid_commit ? DHCP6_REPLY : DHCP6_ADVERTISE;
        a.rapid_commit = m->rapid_commit;
        a.preference = 1;
        bind = m->rapid_commit;
    }
    if (m->type == DHCP6_RELEASE || m->type == DHCP6_DECLINE) {
        l = m->has_ia_na ? dhcp6_pool_get(&s->pool, m->client_id, m->client_id_len, m->iaid,
                                          (uint64_t)time(NULL), 0, 0)
                         : NULL;
        dhcp6_pool_release(&s->pool, l, m->type == DHCP6_DECLINE, (uint64_t)time(NULL),
                           DHCP6_DECLINE_HOLD);
        if (l)
            dhcp6_leases_changed(s);
        a.status = DHCP6_STATUS_SUCCESS;
        a.url = NULL;
    } else if (m->type != DHCP6_INFORMATION_REQUEST && m->has_ia_na) {
        a.ia = 1;
        l = dhcp6_binding(s, m, bind);
        if (l) {
            dhcp6_pool_addr(&s->pool, l, &addr);
            a.addr = &addr;
            a.valid = a.preferred = s->lease_secs;
            inet_ntop(AF_INET6, &addr, ip, sizeof(ip));
        } else {
            a.ia_status = DHCP6_STATUS_NOADDRSAVAIL;
            s->core->metric_add(s->self, "exhausted_total", "no address for a client", 1);
            dhcp6_warn(s, "DHCP%s(%s) %s: no address available", dhcp6_type_name(m->type),
                       s->ifname, mac);
        }
    }
    dhcp6_send(s, m, &a, from);
    s->core->log(s->self, PXE_LOG_INFO, "DHCP%s(%s) %s %s%s%s", dhcp6_type_name(a.type), s->ifname,
                 ip[0] ? ip : "-", mac, a.url ? " " : "", a.url ? a.url : "");
    if (a.type == DHCP6_REPLY && m->type != DHCP6_RELEASE && m->type != DHCP6_DECLINE)
        s->core->event(s->self, "dhcp6.reply", m->has_mac ? mac : NULL, ip[0] ? ip : NULL,
                       PXE_PHASE_DHCP, "%s", a.url ? a.url : "no boot file");
}

/* Handles one datagram: parse, check, decide, answer; malformed ones are counted. */
static void dhcp6_handle(struct dhcp6_state *s, const uint8_t *pkt, size_t len,
                         const struct sockaddr_in6 *from)
{
    struct dhcp6_msg m;
    char mac[2 * DHCP6_DUID_MAX + 1], vendor[96], via[INET6_ADDRSTRLEN + 8] = "";
    int r = 0;

    s->relay.n = 0;
    if (len && pkt[0] == DHCP6_RELAY_FORW) {
        r = dhcp6_relay_unwrap(pkt, len, &s->relay);
        r = r == -ELOOP ? -EBADMSG : r;
        if (r == 0) {
            pkt = s->relay.inner;
            len = s->relay.inner_len;
            memcpy(via, " via ", 5);
            inet_ntop(AF_INET6, &from->sin6_addr, via + 5, sizeof(via) - 5);
        }
    }
    if (r == 0)
        r = dhcp6_parse(pkt, len, &m);
    if (r == 0 && !m.has_mac && s->relay.has_mac) {
        m.has_mac = 1;
        memcpy(m.mac, s->relay.mac, 6);
    }
    if (r == 0 && !m.has_mac) /* the EUI-64 link-local address the client sent from */
        m.has_mac = dhcp6_mac_from_link_local(s->relay.n ? s->relay.hop[s->relay.n - 1].peer
                                                         : from->sin6_addr.s6_addr,
                                              m.mac) == 0;
    if (r == 0)
        r = dhcp6_validate(&m, s->duid, sizeof(s->duid));
    if (r == -EBADMSG) {
        s->core->metric_add(s->self, "malformed_total", "malformed DHCPv6 messages dropped", 1);
        dhcp6_warn(s, "malformed DHCPv6 message (%zu bytes), dropped", len);
        return;
    }
    if (r < 0) {
        s->core->metric_add(s->self, "ignored_total", "messages not for us or not answered", 1);
        return;
    }
    dhcp6_client_name(&m, mac, sizeof(mac));
    s->core->sanitize((const char *)m.vendor, m.vendor ? m.vendor_len : 0, vendor, sizeof(vendor));
    s->core->log(s->self, PXE_LOG_INFO, "DHCP%s(%s%s) %s arch %d '%s'%s", dhcp6_type_name(m.type),
                 s->ifname, via, mac, m.has_arch ? (int)m.arch : -1, vendor,
                 m.user_ipxe ? " iPXE" : "");
    if (s->relay.n)
        s->core->metric_add(s->self, "relayed_total", "client messages that came through a relay", 1);
    s->core->metric_add(s->self, "received_total", "valid DHCPv6 messages received", 1);
    /* pxe_only leaves classless clients to the site, but a message naming our DUID (validated
     * above) comes from our own client: EDK2 sends its Release and Renew without option 61 or
     * a vendor class, and its synchronous Dhcp6->Stop() polls for the Release's Reply with no
     * timeout (a loader that disconnects OVMF's PXEv6 stack, e.g. iPXE, hangs without one). */
    if (s->cfg->pxe_only && !m.server_id && !m.has_arch && !m.vendor_http && !m.vendor_pxe &&
        !m.user_ipxe) {
        s->core->metric_add(s->self, "ignored_total", "messages not for us or not answered", 1);
        return;
    }
    if (!s->stateful && m.type != DHCP6_INFORMATION_REQUEST) {
        /* Stateless: the site's server owns addresses; Solicit & co. are its business. */
        s->core->metric_add(s->self, "ignored_total", "messages not for us or not answered", 1);
        return;
    }
    dhcp6_answer(s, &m, mac, from);
}

static void dhcp6_readable(void *ud, int fd, uint32_t events)
{
    struct dhcp6_state *s = ud;
    uint8_t buf[DHCP6_MAX_MSG + 1];

    (void)events;
    for (int i = 0; i < DHCP6_BATCH; i++) {
        struct sockaddr_in6 from;
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);

        if (n < 0)
            return;
        if (fl != sizeof(from) || from.sin6_family != AF_INET6)
            continue;
        if ((size_t)n > DHCP6_MAX_MSG) {
            s->core->metric_add(s->self, "malformed_total", "malformed DHCPv6 messages dropped", 1);
            continue;
        }
        dhcp6_handle(s, buf, (size_t)n, &from);
    }
}

/* Answers each valid Router Solicitation with the M/O flags and the pool's prefix. */
static void dhcp6_ra_readable(void *ud, int fd, uint32_t events)
{
    struct dhcp6_state *s = ud;
    uint8_t ra[DHCP_RA_PREFIX_LEN], prefix[16] = {0};
    struct dhcp_ra_stats st;
    size_t len;

    (void)events;
    memcpy(prefix, s->pool.start.s6_addr, 8);
    len = dhcp_ra_build_flags(ra, s->ra_flags, prefix, 64, 0, s->lease_secs, s->lease_secs);
    dhcp_ra_serve(fd, s->ifindex, ra, len, s->core->now_usec(), DHCP6_RA_PER_SEC, &s->ra_rate, &st);
    s->core->metric_add(s->self, "rs_malformed_total",
                        "IPv6 router solicitations dropped as malformed", st.malformed);
    s->core->metric_add(s->self, "rs_received_total", "IPv6 router solicitations received",
                        st.received);
    s->core->metric_add(s->self, "ra_sent_total", "IPv6 router advertisements sent", st.sent);
    if (st.send_error && !s->ra_warned) {
        s->core->log(s->self, PXE_LOG_NOTICE, "ipv6_ra: advertisement on %s: %s", s->ifname,
                     strerror(-st.send_error));
        s->ra_warned = 1;
    }
}

static int dhcp6_start(void *state)
{
    struct dhcp6_state *s = state;
    int r;

    if (s->idle) {
        s->core->log(s->self, PXE_LOG_NOTICE,
                     "no interface configured: DHCPv6 stays idle (set dhcp6.interface)");
        return 0;
    }
    dhcp6_leases_load(s);
    r = s->core->io_add(s->self, s->fd, PXE_IO_IN, dhcp6_readable, s, &s->src);
    if (r < 0)
        return r;
    if (s->fdra >= 0) {
        r = s->core->io_add(s->self, s->fdra, PXE_IO_IN, dhcp6_ra_readable, s, &s->srcra);
        if (r < 0)
            return r;
        /* Tells the dhcp plugin to leave solicitations on this link to us. */
        s->core->service_register(s->self, "ipv6-ra", (uint32_t)s->ifindex);
        s->core->log(s->self, PXE_LOG_INFO,
                     "ipv6_ra: answering router solicitations on %s (flags: %s)", s->ifname,
                     s->cfg->ra_flags);
    }
    s->core->log(s->self, PXE_LOG_INFO, "DHCPv6 on %s ([%s]), %s%s%s", s->ifname, s->server,
                 s->stateful ? "range " : "stateless (information-request only)",
                 s->stateful ? s->cfg->range : "", s->cfg->pxe_only ? ", boot clients only" : "");
    return 0;
}

static void dhcp6_stop(void *state)
{
    struct dhcp6_state *s = state;

    if (s->srcra)
        s->core->service_register(s->self, "ipv6-ra", 0);
    dhcp6_leases_flush(s);
    s->core->source_free(s->lease_timer);
    s->lease_timer = NULL;
    s->core->source_free(s->src);
    s->core->source_free(s->srcra);
    s->src = s->srcra = NULL;
}

static void dhcp6_unload(void *state)
{
    struct dhcp6_state *s = state;

    if (!s)
        return;
    if (s->fd >= 0)
        close(s->fd);
    if (s->fdra >= 0)
        close(s->fdra);
    dhcp6_pool_done(&s->pool);
    free(s);
}

static int dhcp6_status(void *state, struct json_t **ret_json)
{
    struct dhcp6_state *s = state;
    json_t *j;

    if (s->idle)
        j = json_pack("{s:s}", "mode", "idle");
    else
        j = json_pack("{s:s, s:s, s:s, s:I, s:I}", "mode", s->stateful ? "stateful" : "stateless",
                      "interface", s->ifname, "server", s->server, "pool_size",
                      (json_int_t)s->pool.size, "leases",
                      (json_int_t)dhcp6_pool_bound(&s->pool, (uint64_t)time(NULL)));
    if (!j)
        return -ENOMEM;
    *ret_json = j;
    return 0;
}

static struct pxe_plugin dhcp6_plugin = {
    .thread_model = PXE_THREAD_LOOP,
    .caps = PXE_CAP_SERVICE,
    .name = "dhcp6",
    .version = "0.1.0",
    .description = "DHCPv6 server for network boot (boot file URL by architecture, RFC 5970)",
    .config_items = dhcp6_items,
    .config_size = sizeof(struct dhcp6_cfg),
    .load = dhcp6_load,
    .config_complete = dhcp6_config_complete,
    .bind = dhcp6_bind,
    .start = dhcp6_start,
    .stop = dhcp6_stop,
    .unload = dhcp6_unload,
    .status = dhcp6_status,
};

PXE_PLUGIN_REGISTER(dhcp6_plugin)
