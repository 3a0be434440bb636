/* SPDX-License-Identifier: MIT */
/*
 * The network side: interface address, the UDP sockets (67, 4011) and the
 * ICMP/ICMPv6 ones opened at bind, sending a reply by the rules of RFC 2131
 * 4.1, and the rate-limited warning for what the network does to us.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if_arp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dhcp_probe.h"
#include "dhcp_ra.h"

#include "dhcp_int.h"

/* Reads the interface's IPv4 address and netmask (network order). */
static int dhcp_if_addr(const char *ifname, uint32_t *ret_ip, uint32_t *ret_mask, int *ret_index)
{
    struct ifreq ifr;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;

    if (fd < 0)
        return -errno;
    memset(&ifr, 0, sizeof(ifr));
    memcpy(ifr.ifr_name, ifname, strnlen(ifname, IF_NAMESIZE - 1));
    if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
        r = -errno;
        goto out;
    }
    *ret_index = ifr.ifr_ifindex;
    if (ioctl(fd, SIOCGIFADDR, &ifr) < 0) {
        r = -errno;
        goto out;
    }
    *ret_ip = ((struct sockaddr_in *)(void *)&ifr.ifr_addr)->sin_addr.s_addr;
    if (ioctl(fd, SIOCGIFNETMASK, &ifr) < 0) {
        r = -errno;
        goto out;
    }
    *ret_mask = ((struct sockaddr_in *)(void *)&ifr.ifr_netmask)->sin_addr.s_addr;
out:
    close(fd);
    return r;
}

static int dhcp_socket(const char *ifname, uint32_t addr, uint16_t port, int *ret_fd)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr = {addr}};
    int one = 1, rcvbuf = 4 << 20,
        fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -errno;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
        setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) < 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int r = -errno;

        close(fd);
        return r;
    }
    /* Bursts of PXE clients (a rack powering on) must not overflow the default buffer. */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    *ret_fd = fd;
    return 0;
}

int dhcp_bind(void *state)
{
    struct dhcp_state *s = state;
    struct dhcp_cfg *c = s->cfg;
    uint32_t ip = 0, mask = 0;
    int r;

    if (s->idle)
        return 0;
    r = dhcp_if_addr(s->ifname, &ip, &mask, &s->ifindex);
    if (r < 0 && !(r == -EADDRNOTAVAIL && s->server_ip && s->netmask)) {
        s->core->log(s->self, PXE_LOG_ERR, "interface %s: %s (it needs an IPv4 address)", s->ifname,
                     strerror(-r));
        return r;
    }
    if (!s->server_ip)
        s->server_ip = ip;
    if (!s->netmask)
        s->netmask = mask;
    s->broadcast = (s->server_ip & s->netmask) | ~s->netmask;
    inet_ntop(AF_INET, &s->server_ip, s->server_str, sizeof(s->server_str));
    s->boot.server_ip = s->server_str;

    /* Proxy mode listens to broadcasts only: the site server keeps its unicast traffic. */
    r = dhcp_socket(s->ifname, c->proxy ? INADDR_BROADCAST : INADDR_ANY, (uint16_t)c->port,
                    &s->fd67);
    if (r < 0) {
        s->core->log(s->self, PXE_LOG_ERR, "bind %s:%" PRIu64 " on %s: %s",
                     c->proxy ? "255.255.255.255" : "0.0.0.0", c->port, s->ifname, strerror(-r));
        return r;
    }
    if (!c->proxy && c->conflict_check) {
        r = dhcp_probe_open(s->ifname, &s->fdicmp);
        if (r < 0) {
            s->core->log(s->self, PXE_LOG_ERR, "conflict_check: ICMP socket on %s: %s", s->ifname,
                         strerror(-r));
            return r;
        }
        s->held = calloc(DHCP_MAX_PROBES, sizeof(*s->held));
        if (!s->held)
            return -ENOMEM;
        s->probe_id = (uint16_t)(getpid() ^ 0x5058);
    }
    if (!c->proxy && c->ipv6_ra) {
        r = dhcp_ra_open(s->ifname, s->ifindex, &s->fdra);
        if (r < 0)
            s->core->log(s->self, PXE_LOG_NOTICE,
                         "ipv6_ra: ICMPv6 socket on %s: %s; no router advertisements", s->ifname,
                         strerror(-r));
    }
    if (c->proxy && c->proxy_relay) {
        /* Relays send to a server's address, never to 255.255.255.255 (RFC 1542 4.1.1). */
        r = dhcp_socket(s->ifname, s->server_ip, (uint16_t)c->port, &s->fdrelay);
        if (r < 0) {
            s->core->log(s->self, PXE_LOG_ERR, "proxy_relay: bind %s:%" PRIu64 " on %s: %s",
                         s->server_str, c->port, s->ifname, strerror(-r));
            return r;
        }
    }
    if (c->proxy) {
        r = dhcp_socket(s->ifname, INADDR_ANY, (uint16_t)c->proxy_port, &s->fd4011);
        if (r < 0) {
            s->core->log(s->self, PXE_LOG_ERR, "bind 0.0.0.0:%" PRIu64 " on %s: %s", c->proxy_port,
                         s->ifname, strerror(-r));
            return r;
        }
    }
    return 0;
}

/* Rate-limited warning about client traffic: at most one per second. */
void dhcp_warn(struct dhcp_state *s, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    pxe_vlog_limited(s->core, s->self, &s->warn_rl, PXE_LOG_WARNING, fmt, ap);
    va_end(ap);
}

/*
 * Sends a reply.  dst: where the request came from (for 4011 and relays).
 * Full mode rules of RFC 2131 4.1: relay -> giaddr:67; ciaddr -> unicast;
 * broadcast bit or no address -> broadcast; else unicast to yiaddr after
 * teaching the kernel the client's MAC (broadcast if that fails).
 */
void dhcp_send(struct dhcp_state *s, int fd, const struct dhcp_msg *m, const uint8_t *buf,
               size_t len, const struct sockaddr_in *from, int to_source)
{
    struct sockaddr_in to = {.sin_family = AF_INET};
    char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))];
    struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
    struct msghdr mh = {
        .msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = &iov, .msg_iovlen = 1};
    uint32_t yiaddr;
    struct cmsghdr *cm;
    struct in_pktinfo *pi;

    memcpy(&yiaddr, buf + 16, 4);
    if (to_source) {
        to = *from;
    } else if (m->giaddr) {
        to.sin_addr.s_addr = m->giaddr;
        to.sin_port = htons((uint16_t)s->cfg->port);
    } else if (m->ciaddr && buf[DHCP_MIN_LEN + 2] != DHCP_NAK) {
        to.sin_addr.s_addr = m->ciaddr;
        to.sin_port = htons((uint16_t)s->cfg->client_port);
    } else {
        to.sin_addr.s_addr = INADDR_BROADCAST;
        to.sin_port = htons((uint16_t)s->cfg->client_port);
        if (yiaddr && !(m->flags & DHCP_FLAG_BROADCAST) && m->hlen == 6 &&
            buf[DHCP_MIN_LEN + 2] != DHCP_NAK) {
            struct arpreq req;
            struct sockaddr_in *pa = (struct sockaddr_in *)(void *)&req.arp_pa;

            memset(&req, 0, sizeof(req));
            pa->sin_family = AF_INET;
            pa->sin_addr.s_addr = yiaddr;
            req.arp_ha.sa_family = ARPHRD_ETHER;
            memcpy(req.arp_ha.sa_data, m->chaddr, 6);
            req.arp_flags = ATF_COM;
            memcpy(req.arp_dev, s->ifname, strnlen(s->ifname, sizeof(req.arp_dev) - 1));
            if (ioctl(fd, SIOCSARP, &req) == 0)
                to.sin_addr.s_addr = yiaddr;
        }
    }
    /* Source address: ours, also from the broadcast-bound proxy socket. */
    memset(cbuf, 0, sizeof(cbuf));
    mh.msg_control = cbuf;
    mh.msg_controllen = sizeof(cbuf);
    cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = IPPROTO_IP;
    cm->cmsg_type = IP_PKTINFO;
    cm->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
    pi = (struct in_pktinfo *)(void *)CMSG_DATA(cm);
    pi->ipi_ifindex = s->ifindex;
    pi->ipi_spec_dst.s_addr = s->server_ip;
    if (sendmsg(fd, &mh, 0) < 0) {
        int r = errno;

        s->core->metric_add(s->self, "send_errors_total", "replies the kernel refused", 1);
        dhcp_warn(s, "sendto %s: %s", inet_ntoa(to.sin_addr), strerror(r));
    }
}
