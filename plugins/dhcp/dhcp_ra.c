/* SPDX-License-Identifier: MIT */
/* Router Advertisements that end IPv6 autoconfiguration waits; see dhcp_ra.h. */
#include "dhcp_ra.h"

#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

int dhcp_ra_parse_rs(const uint8_t *pkt, size_t len, int hop_limit)
{
    size_t off = 8;

    if (!pkt || len < 8 || pkt[0] != ND_ROUTER_SOLICIT || pkt[1] != 0)
        return -EBADMSG;
    if (hop_limit >= 0 && hop_limit != 255)
        return -EBADMSG;
    while (off < len) {
        size_t olen;

        if (len - off < 2)
            return -EBADMSG;
        olen = (size_t)pkt[off + 1] * 8;
        if (olen == 0 || olen > len - off)
            return -EBADMSG;
        off += olen;
    }
    return 0;
}

void dhcp_ra_build(uint8_t buf[DHCP_RA_LEN])
{
    memset(buf, 0, DHCP_RA_LEN);
    buf[0] = ND_ROUTER_ADVERT;
    buf[4] = 64; /* cur hop limit; flags, router lifetime, reachable, retrans: 0 */
}

size_t dhcp_ra_build_flags(uint8_t buf[DHCP_RA_PREFIX_LEN], uint8_t flags, const uint8_t *prefix,
                           uint8_t plen, int slaac, uint32_t valid, uint32_t preferred)
{
    uint8_t *pi = buf + DHCP_RA_LEN;

    dhcp_ra_build(buf);
    buf[5] = flags & (DHCP_RA_MANAGED | DHCP_RA_OTHER);
    if (!prefix)
        return DHCP_RA_LEN;
    memset(pi, 0, 32);
    pi[0] = ND_OPT_PREFIX_INFORMATION;
    pi[1] = 4; /* 32 bytes */
    pi[2] = plen > 128 ? 128 : plen;
    pi[3] = (uint8_t)(0x80 | (slaac ? 0x40 : 0)); /* L, A */
    for (int i = 0; i < 4; i++) {
        pi[4 + i] = (uint8_t)(valid >> (24 - 8 * i));
        pi[8 + i] = (uint8_t)(preferred >> (24 - 8 * i));
    }
    memcpy(pi + 16, prefix, 16);
    return DHCP_RA_PREFIX_LEN;
}

int dhcp_ra_open(const char *ifname, int ifindex, int *ret_fd)
{
    int fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
    int hops = 255, one = 1, idx = ifindex;
    struct icmp6_filter filt;
    /* All-routers group: solicitations go there and a host that does not forward never joins. */
    struct ipv6_mreq mr = {.ipv6mr_multiaddr.s6_addr = {0xff, 0x02, [15] = 0x02},
                           .ipv6mr_interface = (unsigned)ifindex};

    if (fd < 0)
        return -errno;
    ICMP6_FILTER_SETBLOCKALL(&filt);
    ICMP6_FILTER_SETPASS(ND_ROUTER_SOLICIT, &filt);
    if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) < 0 ||
        setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filt, sizeof(filt)) < 0 ||
        setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0 ||
        setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof(hops)) < 0 ||
        setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &idx, sizeof(idx)) < 0 ||
        setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one)) < 0 ||
        setsockopt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0) {
        int r = -errno;

        close(fd);
        return r;
    }
    *ret_fd = fd;
    return 0;
}

int dhcp_ra_recv(int fd, uint8_t *buf, size_t cap, int *ret_hop_limit)
{
    struct sockaddr_in6 from;
    struct iovec iov = {buf, cap};
    union {
        struct cmsghdr align;
        uint8_t b[CMSG_SPACE(sizeof(int))];
    } ctl;
    struct msghdr mh = {
        .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1,
        .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b)};
    ssize_t n = recvmsg(fd, &mh, 0);

    if (n < 0)
        return -errno;
    *ret_hop_limit = -1;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
        if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_HOPLIMIT &&
            cm->cmsg_len >= CMSG_LEN(sizeof(int)))
            memcpy(ret_hop_limit, CMSG_DATA(cm), sizeof(int));
    if (mh.msg_flags & MSG_TRUNC)
        return -EMSGSIZE;
    return (int)n;
}

int dhcp_ra_send(int fd, int ifindex)
{
    uint8_t ra[DHCP_RA_LEN];

    dhcp_ra_build(ra);
    return dhcp_ra_send_msg(fd, ifindex, ra, sizeof(ra));
}

int dhcp_ra_send_msg(int fd, int ifindex, const uint8_t *msg, size_t len)
{
    struct sockaddr_in6 to = {.sin6_family = AF_INET6, .sin6_scope_id = (uint32_t)ifindex};

    to.sin6_addr.s6_addr[0] = 0xff;
    to.sin6_addr.s6_addr[1] = 0x02;
    to.sin6_addr.s6_addr[15] = 0x01;
    if (sendto(fd, msg, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
        return -errno;
    return 0;
}

void dhcp_ra_serve(int fd, int ifindex, const uint8_t *msg, size_t len, uint64_t now_usec,
                   unsigned per_sec, struct dhcp_ra_rate *rate, struct dhcp_ra_stats *ret)
{
    uint8_t buf[1500];

    memset(ret, 0, sizeof(*ret));
    if (now_usec - rate->window_usec >= 1000000) {
        rate->window_usec = now_usec;
        rate->in_window = 0;
    }
    for (int i = 0; i < 64; i++) {
        int hops, r, n = dhcp_ra_recv(fd, buf, sizeof(buf), &hops);

        if (n < 0 && n != -EMSGSIZE)
            return; /* EAGAIN: drained; anything else: retried on the next wakeup */
        if (n < 0 || dhcp_ra_parse_rs(buf, (size_t)n, hops) < 0) {
            ret->malformed++;
            continue;
        }
        ret->received++;
        if (!msg || rate->in_window >= per_sec)
            continue;
        rate->in_window++;
        r = dhcp_ra_send_msg(fd, ifindex, msg, len);
        if (r < 0) {
            if (!ret->send_error)
                ret->send_error = r;
            continue;
        }
        ret->sent++;
    }
}
