/* SPDX-License-Identifier: MIT */
/*
 * TFTP server for boot loaders, kernels and menus: the plugin, its listen
 * socket and request admission.  One non-blocking listen socket (IPv4, or
 * IPv6 which also takes v4-mapped IPv4) receives read requests;
 * IP_PKTINFO/IPV6_PKTINFO tell the address and interface each came in on.
 * Admitted requests become transfers (tftp_transfer.c).  Loop thread only.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "tftp_int.h"

static const struct pxe_config_item tftp_items[] = {
    {"address", PXE_CFG_ADDR, 0, "0.0.0.0", offsetof(struct tftp_config, address),
     "address to listen on (IPv4, or IPv6: \"::\" serves IPv4 too)", NULL, 0, 0},
    {"port", PXE_CFG_UINT, 0, "69", offsetof(struct tftp_config, port), "UDP port to listen on",
     "tftp-port", 1, 65535},
    {"blksize_max", PXE_CFG_UINT, 0, "65464", offsetof(struct tftp_config, blksize_max),
     "largest block size granted (RFC 2348)", NULL, 8, 65464},
    {"mtu_clamp", PXE_CFG_BOOL, 0, "true", offsetof(struct tftp_config, mtu_clamp),
     "limit the block size to the ingress interface MTU minus IP/UDP/TFTP headers", NULL, 0, 0},
    {"windowsize_max", PXE_CFG_UINT, 0, "64", offsetof(struct tftp_config, windowsize_max),
     "largest window granted (RFC 7440)", NULL, 1, TFTP_WINDOW_CAP},
    {"timeout", PXE_CFG_DURATION, 0, "1s", offsetof(struct tftp_config, timeout),
     "first retransmission timeout when the client asks none (doubles per retry)", NULL, 10000,
     255000000},
    {"retries", PXE_CFG_UINT, 0, "5", offsetof(struct tftp_config, retries),
     "retransmissions before a transfer is abandoned", NULL, 1, 50},
    {"max_transfers", PXE_CFG_UINT, 0, "256", offsetof(struct tftp_config, max_transfers),
     "concurrent transfers; further requests get a TFTP error", NULL, 1, 65536},
    {"max_per_client", PXE_CFG_UINT, 0, "32", offsetof(struct tftp_config, max_per_client),
     "concurrent transfers per client address", NULL, 1, 65536},
    {"netascii_max", PXE_CFG_UINT, 0, "4194304", offsetof(struct tftp_config, netascii_max),
     "largest file sent in netascii mode (converted in memory)", NULL, 0, 1073741824},
    {0},
};

/* Logs a refused request, at most once a second (a boot storm must not flood the log). */
static void log_refusal(struct tftp_state *s, const char *ip, const char *why)
{
    pxe_log_limited(s->core, s->self, &s->refusal_rl, PXE_LOG_WARNING,
                    "refused request from %s: %s", ip, why);
}

/* Whether a new request from peer may start; answers it with an error when not. */
static int admit(struct tftp_state *s, const union sa *peer, const struct ingress *in,
                 const char *ip)
{
    struct transfer *t;
    uint64_t mine = 0;

    for (t = s->transfers; t; t = t->next) {
        if (!tftp_sa_same_host(&t->peer, peer))
            continue;
        if (tftp_sa_port(&t->peer) == tftp_sa_port(peer) && t->x.acked == 0)
            return 0; /* a retransmitted request for a transfer that is starting */
        mine++;
    }
    if (s->active >= s->cfg->max_transfers || mine >= s->cfg->max_per_client) {
        const char *why = mine >= s->cfg->max_per_client ? "too many transfers from this client"
                                                         : "server busy, too many transfers";

        log_refusal(s, ip, why);
        tftp_metric(s, "refused", "requests refused by the transfer caps", 1);
        tftp_send_error(s->fd, peer, in, TFTP_ERR_UNDEF, why);
        return 0;
    }
    return 1;
}

static void handle_request(struct tftp_state *s, const uint8_t *pkt, size_t len,
                           const union sa *peer, const struct ingress *in)
{
    struct tftp_request req;
    char ip[IP_TEXT_MAX], lip[IP_TEXT_MAX], name[sizeof(((struct transfer *)0)->name)];
    const char *why;
    int r;

    tftp_sa_text(peer, ip);
    tftp_sa_text(&in->local, lip);
    r = tftp_parse_request(pkt, len, &req);
    if (r == -EPROTO) {
        tftp_metric(s, "malformed", "packets that were not valid TFTP", 1);
        if (req.opcode != TFTP_ERROR)
            tftp_send_error(s->fd, peer, in, TFTP_ERR_ILLEGAL, "illegal TFTP operation");
        return;
    }
    tftp_metric(s, "requests", "read and write requests received", 1);
    if (r < 0) {
        why = r == -ENOTSUP        ? "unsupported transfer mode"
              : r == -ENAMETOOLONG ? "file name too long"
                                   : "malformed request";
        s->core->log(s->self, PXE_LOG_DEBUG, "bad request from %s: %s", ip, why);
        tftp_metric(s, r == -ENOTSUP ? "errors" : "malformed",
                    r == -ENOTSUP ? "requests and transfers that failed"
                                  : "packets that were not valid TFTP",
                    1);
        tftp_send_error(s->fd, peer, in, TFTP_ERR_ILLEGAL, why);
        return;
    }
    s->core->sanitize(req.filename, strlen(req.filename), name, sizeof(name));
    if (req.opcode == TFTP_WRQ) {
        s->core->log(s->self, PXE_LOG_INFO, "refused write request for '%s' from %s", name, ip);
        tftp_metric(s, "errors", "requests and transfers that failed", 1);
        tftp_send_error(s->fd, peer, in, TFTP_ERR_ACCESS, "write requests are not supported");
        return;
    }
    if (!admit(s, peer, in, ip))
        return;
    tftp_transfer_open(s, &req, peer, in, ip, lip, name);
}

/* Where the request in h came to, from its IP_PKTINFO / IPV6_PKTINFO. */
static void request_ingress(const struct tftp_state *s, struct msghdr *h, struct ingress *in)
{
    struct cmsghdr *c;

    memset(in, 0, sizeof(*in));
    in->local.sa.sa_family = (sa_family_t)s->family;
    for (c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            struct in_pktinfo pi;

            memcpy(&pi, CMSG_DATA(c), sizeof(pi));
            in->local.in.sin_addr = pi.ipi_spec_dst;
            in->ifindex = pi.ipi_ifindex;
        } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            struct in6_pktinfo pi;

            memcpy(&pi, CMSG_DATA(c), sizeof(pi));
            in->local.in6.sin6_addr = pi.ipi6_addr;
            in->ifindex = (int)pi.ipi6_ifindex;
        }
    }
}

/* Reads requests LISTEN_BATCH at a time with recvmmsg (one system call for a
 * burst of a boot storm), at most RECV_BURST per wakeup. */
static void listen_io(void *ud, int fd, uint32_t events)
{
    struct tftp_state *s = ud;
    static uint8_t pkt[LISTEN_BATCH][PKT_MAX]; /* loop thread only */
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(struct in_pktinfo)) + CMSG_SPACE(sizeof(struct in6_pktinfo))];
    } cbuf[LISTEN_BATCH];
    union sa peer[LISTEN_BATCH];
    struct iovec iov[LISTEN_BATCH];
    struct mmsghdr mm[LISTEN_BATCH];
    int got = 0, n, i;

    (void)events;
    while (got < RECV_BURST) {
        for (i = 0; i < LISTEN_BATCH; i++) {
            iov[i] = (struct iovec){.iov_base = pkt[i], .iov_len = sizeof(pkt[i])};
            memset(&mm[i], 0, sizeof(mm[i]));
            mm[i].msg_hdr = (struct msghdr){.msg_name = &peer[i],
                                            .msg_namelen = sizeof(peer[i]),
                                            .msg_iov = &iov[i],
                                            .msg_iovlen = 1,
                                            .msg_control = cbuf[i].buf,
                                            .msg_controllen = sizeof(cbuf[i].buf)};
        }
        n = recvmmsg(fd, mm, LISTEN_BATCH, MSG_DONTWAIT, NULL);
        if (n <= 0)
            return;
        for (i = 0; i < n; i++) {
            struct msghdr *h = &mm[i].msg_hdr;
            struct ingress in;

            if (peer[i].sa.sa_family != s->family || h->msg_namelen < tftp_sa_len(&peer[i]) ||
                tftp_sa_port(&peer[i]) == 0 || (h->msg_flags & MSG_TRUNC)) {
                tftp_metric(s, "malformed", "packets that were not valid TFTP", 1);
                continue;
            }
            request_ingress(s, h, &in);
            handle_request(s, pkt[i], mm[i].msg_len, &peer[i], &in);
        }
        got += n;
        if (n < LISTEN_BATCH)
            return; /* the queue is empty: no EAGAIN round trip */
    }
}

static int tftp_load(const struct pxe_core_api *core, struct pxe_core *self, void **ret_state)
{
    struct tftp_state *s = calloc(1, sizeof(*s));

    if (!s)
        return -ENOMEM;
    s->core = core;
    s->self = self;
    s->fd = -1;
    *ret_state = s;
    return 0;
}

static int tftp_config_complete(void *state, void *cfg)
{
    struct tftp_state *s = state;
    const struct tftp_config *c = cfg;
    struct in6_addr a;

    if (c->address && inet_pton(AF_INET, c->address, &a) == 1)
        s->family = AF_INET;
    else if (c->address && inet_pton(AF_INET6, c->address, &a) == 1)
        s->family = AF_INET6;
    else {
        s->core->log(s->self, PXE_LOG_ERR, "address '%s' is not an IP address",
                     c->address ? c->address : "");
        return -EINVAL;
    }
    s->cfg = c;
    return 0;
}

static int tftp_bind(void *state)
{
    struct tftp_state *s = state;
    union sa a;
    int one = 1, zero = 0, rcv = 1 << 20, r;

    memset(&a, 0, sizeof(a));
    a.sa.sa_family = (sa_family_t)s->family;
    if (s->family == AF_INET) {
        a.in.sin_port = htons((uint16_t)s->cfg->port);
        inet_pton(AF_INET, s->cfg->address, &a.in.sin_addr);
    } else {
        a.in6.sin6_port = htons((uint16_t)s->cfg->port);
        inet_pton(AF_INET6, s->cfg->address, &a.in6.sin6_addr);
    }
    s->fd = socket(s->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->fd < 0)
        return -errno;
    (void)setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
    /* An IPv6 socket also takes IPv4 (v4-mapped) requests, so "::" serves both. */
    if ((s->family == AF_INET
             ? setsockopt(s->fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one))
             : setsockopt(s->fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) < 0 ||
                   setsockopt(s->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one))) < 0 ||
        bind(s->fd, &a.sa, tftp_sa_len(&a)) < 0) {
        r = -errno;
        s->core->log(s->self, PXE_LOG_ERR, "cannot listen on %s:%u/udp: %s", s->cfg->address,
                     (unsigned)s->cfg->port, strerror(-r));
        close(s->fd);
        s->fd = -1;
        return r;
    }
    return 0;
}

static int tftp_start(void *state)
{
    struct tftp_state *s = state;
    int r;

    if (s->fd < 0) {
        r = tftp_bind(s);
        if (r < 0)
            return r;
    }
    r = s->core->io_add(s->self, s->fd, PXE_IO_IN, listen_io, s, &s->io);
    if (r < 0)
        return r;
    tftp_active_changed(s);
    r = s->core->service_register(s->self, "tftp", (uint32_t)s->cfg->port);
    if (r < 0)
        return r;
    s->core->log(s->self, PXE_LOG_INFO, "listening on %s:%u/udp", s->cfg->address,
                 (unsigned)s->cfg->port);
    return 0;
}

static void tftp_stop(void *state)
{
    struct tftp_state *s = state;

    while (s->transfers)
        tftp_transfer_free(s->transfers);
    s->core->source_free(s->io);
    s->io = NULL;
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}

static void tftp_unload(void *state)
{
    struct tftp_state *s = state;

    if (!s)
        return;
    if (s->fd >= 0)
        close(s->fd);
    free(s);
}

static int tftp_status(void *state, struct json_t **ret_json)
{
    struct tftp_state *s = state;

    *ret_json = json_pack("{s:I,s:I,s:I,s:I}", "port", (json_int_t)s->cfg->port, "active",
                          (json_int_t)s->active, "completed", (json_int_t)s->completed,
                          "max_transfers", (json_int_t)s->cfg->max_transfers);
    return *ret_json ? 0 : -ENOMEM;
}

static struct pxe_plugin tftp_plugin = {
    .thread_model = PXE_THREAD_LOOP,
    .caps = PXE_CAP_SERVICE,
    .name = "tftp",
    .version = "1.0.0",
    .description = "TFTP server for boot loaders, kernels and menus",
    .config_items = tftp_items,
    .config_size = sizeof(struct tftp_config),
    .load = tftp_load,
    .config_complete = tftp_config_complete,
    .bind = tftp_bind,
    .start = tftp_start,
    .stop = tftp_stop,
    .unload = tftp_unload,
    .status = tftp_status,
};

PXE_PLUGIN_REGISTER(tftp_plugin)
