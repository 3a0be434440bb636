/* SPDX-License-Identifier: MIT */
/*
 * Socket addresses (IPv4, IPv6, v4-mapped) and the TFTP ERROR packet sent
 * from the address a request came to; used by the listen side and by
 * transfers.  Loop thread only.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "tftp_int.h"

socklen_t tftp_sa_len(const union sa *a)
{
    return a->sa.sa_family == AF_INET6 ? sizeof(a->in6) : sizeof(a->in);
}

/* Same address (ports ignored). */
int tftp_sa_same_host(const union sa *a, const union sa *b)
{
    if (a->sa.sa_family != b->sa.sa_family)
        return 0;
    if (a->sa.sa_family == AF_INET)
        return a->in.sin_addr.s_addr == b->in.sin_addr.s_addr;
    return memcmp(&a->in6.sin6_addr, &b->in6.sin6_addr, sizeof(struct in6_addr)) == 0;
}

uint16_t tftp_sa_port(const union sa *a)
{
    return a->sa.sa_family == AF_INET6 ? a->in6.sin6_port : a->in.sin_port;
}

/* Text form of a's address; a v4-mapped IPv6 address prints as IPv4. */
void tftp_sa_text(const union sa *a, char out[IP_TEXT_MAX])
{
    if (a->sa.sa_family == AF_INET)
        inet_ntop(AF_INET, &a->in.sin_addr, out, IP_TEXT_MAX);
    else if (IN6_IS_ADDR_V4MAPPED(&a->in6.sin6_addr))
        inet_ntop(AF_INET, &a->in6.sin6_addr.s6_addr[12], out, IP_TEXT_MAX);
    else
        inet_ntop(AF_INET6, &a->in6.sin6_addr, out, IP_TEXT_MAX);
}

/* Sends an ERROR from fd to peer, from the address the request came to when in is given. */
void tftp_send_error(int fd, const union sa *peer, const struct ingress *in, uint16_t code,
                     const char *msg)
{
    uint8_t pkt[300];
    int n = tftp_build_error(code, msg, pkt, sizeof(pkt));
    struct iovec iov = {.iov_base = pkt, .iov_len = n > 0 ? (size_t)n : 0};
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
    } cbuf;
    struct msghdr mh = {.msg_name = (void *)peer,
                        .msg_namelen = tftp_sa_len(peer),
                        .msg_iov = &iov,
                        .msg_iovlen = 1};
    struct cmsghdr *c;

    if (n < 0)
        return;
    memset(&cbuf, 0, sizeof(cbuf));
    mh.msg_control = cbuf.buf;
    mh.msg_controllen = sizeof(cbuf.buf);
    c = CMSG_FIRSTHDR(&mh);
    if (in && in->local.sa.sa_family == AF_INET) {
        struct in_pktinfo pi = {.ipi_spec_dst = in->local.in.sin_addr};

        c->cmsg_level = IPPROTO_IP;
        c->cmsg_type = IP_PKTINFO;
        c->cmsg_len = CMSG_LEN(sizeof(pi));
        memcpy(CMSG_DATA(c), &pi, sizeof(pi));
        mh.msg_controllen = CMSG_SPACE(sizeof(pi));
    } else if (in && !IN6_IS_ADDR_V4MAPPED(&in->local.in6.sin6_addr)) {
        struct in6_pktinfo pi = {.ipi6_addr = in->local.in6.sin6_addr,
                                 .ipi6_ifindex = (unsigned)in->ifindex};

        c->cmsg_level = IPPROTO_IPV6;
        c->cmsg_type = IPV6_PKTINFO;
        c->cmsg_len = CMSG_LEN(sizeof(pi));
        memcpy(CMSG_DATA(c), &pi, sizeof(pi));
        mh.msg_controllen = CMSG_SPACE(sizeof(pi));
    } else {
        mh.msg_control = NULL;
        mh.msg_controllen = 0;
    }
    (void)sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
}
