/* SPDX-License-Identifier: MIT */
/*
 * TFTP transfers: one socket per transfer bound to the address the request
 * came to, a retransmit timer with backoff, file content read through
 * core->file_open (pread through a read cache, or memory), windows sent with
 * sendmmsg, completion logged and reported.  Loop thread only.
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

#include "tftp_int.h"

#define SEND_BATCH       64 /* DATA packets per sendmmsg */
#define READ_CACHE_MIN   (32u << 10)
#define READ_CACHE_MAX   (256u << 10)
#define BACKOFF_CAP_USEC 10000000ull
#define MTU_CACHE_USEC   1000000ull

/* Unlinks t from its state and frees its sources, socket, file and buffers. */
void tftp_transfer_free(struct transfer *t)
{
    struct tftp_state *s = t->s;

    if (t->prev)
        t->prev->next = t->next;
    else
        s->transfers = t->next;
    if (t->next)
        t->next->prev = t->prev;
    s->core->source_free(t->io);
    s->core->source_free(t->timer);
    if (t->fd >= 0)
        close(t->fd);
    if (t->file)
        s->core->file_close(t->file);
    free(t->conv);
    free(t->cache);
    free(t);
    s->active--;
    tftp_active_changed(s);
}

/* Ends a transfer that did not complete; reason is logged and the client told when code >= 0. */
static void transfer_fail(struct transfer *t, int code, const char *reason)
{
    struct tftp_state *s = t->s;

    s->core->log(s->self, PXE_LOG_WARNING, "failed sending '%s' to %s: %s", t->name, t->peer_ip,
                 reason);
    s->core->event(s->self, "tftp.failed", NULL, t->peer_ip, PXE_PHASE_NONE, "%s: %s", t->name,
                   reason);
    tftp_metric(s, "errors", "requests and transfers that failed", 1);
    if (code >= 0)
        tftp_send_error(t->fd, &t->peer, NULL, (uint16_t)code, reason);
    tftp_transfer_free(t);
}

/* The boot phase a sent file marks: the core's (menus, images' and entries' files), or a loader. */
static uint32_t file_phase(const struct pxe_file *f)
{
    if (f->phase != PXE_PHASE_NONE)
        return f->phase;
    return tftp_is_loader(f->path) ? PXE_PHASE_LOADER : PXE_PHASE_NONE;
}

static void transfer_done(struct transfer *t)
{
    struct tftp_state *s = t->s;
    char real[1024];

    s->core->sanitize(t->file->realpath, strlen(t->file->realpath), real, sizeof(real));
    s->core->log(s->self, PXE_LOG_INFO, "sent %s to %s", real, t->peer_ip);
    s->core->event(s->self, "tftp.sent", NULL, t->peer_ip, file_phase(t->file), "%s",
                   t->file->path);
    tftp_metric(s, "transfers", "transfers completed", 1);
    tftp_metric(s, "bytes_sent", "file bytes sent in completed transfers", t->x.size);
    s->completed++;
    tftp_transfer_free(t);
}

/* Reads exactly len bytes at content offset off into buf; -EIO when the file is shorter. */
static int read_content(struct transfer *t, uint8_t *buf, size_t len, uint64_t off)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n =
            pread(t->file->fd, buf + done, len - done, (off_t)(t->file->offset + off + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return -EIO;
        done += (size_t)n;
    }
    return 0;
}

/*
 * Points *ret at len bytes of content at off.  Returns 0, 1 when the read
 * cache must be refilled but refill is 0, or -errno.
 */
static int block_data(struct transfer *t, uint64_t off, uint32_t len, int refill,
                      const uint8_t **ret)
{
    size_t n;
    int r;

    if (t->mem || len == 0) {
        *ret = t->mem ? t->mem + off : t->oack;
        return 0;
    }
    if (off >= t->cache_off && off + len <= t->cache_off + t->cache_len) {
        *ret = t->cache + (off - t->cache_off);
        return 0;
    }
    if (!refill)
        return 1;
    n = t->x.size - off < t->cache_cap ? (size_t)(t->x.size - off) : t->cache_cap;
    t->cache_len = 0;
    r = read_content(t, t->cache, n, off);
    if (r < 0)
        return r;
    t->cache_off = off;
    t->cache_len = n;
    *ret = t->cache;
    return 0;
}

static void want_out(struct transfer *t, uint32_t on)
{
    if (t->out_armed == on)
        return;
    t->out_armed = on;
    t->s->core->io_set_events(t->io, PXE_IO_IN | (on ? PXE_IO_OUT : 0));
}

/* Sends what the window allows; on a full socket buffer waits for PXE_IO_OUT. */
static int transfer_send(struct transfer *t)
{
    struct mmsghdr msgs[SEND_BATCH];
    struct iovec iov[SEND_BATCH][2];
    uint8_t hdr[SEND_BATCH][4];
    uint64_t first, idx;
    int n, r;

    if (t->x.oack_pending) {
        if (sendto(t->fd, t->oack, t->oack_len, MSG_NOSIGNAL, &t->peer.sa, tftp_sa_len(&t->peer)) <
                0 &&
            errno != EAGAIN)
            return -errno;
        return 0;
    }
    for (;;) {
        first = t->x.next;
        n = 0;
        while (n < SEND_BATCH && (idx = tftp_xfer_next(&t->x))) {
            uint64_t off = tftp_xfer_block_offset(&t->x, idx);
            uint32_t len = tftp_xfer_block_len(&t->x, idx);
            const uint8_t *p;

            r = block_data(t, off, len, n == 0, &p);
            if (r < 0)
                return r;
            if (r > 0)
                break;
            tftp_build_data_header(idx, hdr[n]);
            iov[n][0] = (struct iovec){.iov_base = hdr[n], .iov_len = 4};
            iov[n][1] = (struct iovec){.iov_base = (void *)p, .iov_len = len};
            memset(&msgs[n], 0, sizeof(msgs[n]));
            msgs[n].msg_hdr.msg_name = &t->peer;
            msgs[n].msg_hdr.msg_namelen = tftp_sa_len(&t->peer);
            msgs[n].msg_hdr.msg_iov = iov[n];
            msgs[n].msg_hdr.msg_iovlen = 2;
            n++;
            t->x.next++;
        }
        if (n == 0)
            break;
        r = sendmmsg(t->fd, msgs, (unsigned)n, MSG_NOSIGNAL);
        if (r < 0 && errno != EAGAIN && errno != ENOBUFS)
            return -errno;
        if (r < n) {
            t->x.next = first + (uint64_t)(r > 0 ? r : 0);
            want_out(t, 1);
            return 0;
        }
    }
    want_out(t, 0);
    return 0;
}

static uint64_t backoff_usec(const struct transfer *t)
{
    uint64_t cap = t->base_usec > BACKOFF_CAP_USEC ? t->base_usec : BACKOFF_CAP_USEC;
    uint64_t v = t->tries < 20 ? t->base_usec << t->tries : cap;

    return v < cap ? v : cap;
}

/* Sends after progress and pushes the retransmission deadline back; 1 when t was freed. */
static int transfer_progress(struct transfer *t)
{
    int r;

    t->tries = 0;
    t->deadline = t->s->core->now_usec() + t->base_usec;
    r = transfer_send(t);
    if (r < 0) {
        char why[96];

        snprintf(why, sizeof(why), "send: %s", strerror(-r));
        transfer_fail(t, TFTP_ERR_UNDEF, why);
        return 1;
    }
    return 0;
}

/* The timer fires at the deadline of the oldest unacknowledged send (re-armed lazily). */
static void transfer_timer(void *ud)
{
    struct transfer *t = ud;
    const struct pxe_core_api *core = t->s->core;
    uint64_t now = core->now_usec();
    int r;

    if (now + 1000 < t->deadline) {
        core->timer_set(t->timer, t->deadline - now);
        return;
    }
    if (++t->tries > t->s->cfg->retries) {
        transfer_fail(t, TFTP_ERR_UNDEF, "timed out");
        return;
    }
    tftp_metric(t->s, "retransmits", "windows and OACKs sent again after a timeout", 1);
    tftp_xfer_rewind(&t->x);
    core->log(t->s->self, PXE_LOG_DEBUG, "retransmitting '%s' to %s from block %llu (try %u)",
              t->name, t->peer_ip, (unsigned long long)t->x.next, t->tries);
    t->deadline = now + backoff_usec(t);
    core->timer_set(t->timer, t->deadline - now);
    r = transfer_send(t);
    if (r < 0)
        transfer_fail(t, TFTP_ERR_UNDEF, "send failed");
}

/* A packet from the transfer's peer.  Returns 1 when t was freed. */
static int transfer_packet(struct transfer *t, const uint8_t *pkt, size_t len)
{
    uint16_t op = len >= 2 ? (uint16_t)(pkt[0] << 8 | pkt[1]) : 0;
    char msg[300];

    if (op == TFTP_ACK && len >= 4) {
        switch (tftp_xfer_ack(&t->x, (uint16_t)(pkt[2] << 8 | pkt[3]))) {
        case TFTP_ACK_DONE:
            transfer_done(t);
            return 1;
        case TFTP_ACK_PROGRESS:
            return transfer_progress(t);
        default:
            return 0;
        }
    }
    if (op == TFTP_ERROR && len >= 4) {
        size_t ml = strnlen((const char *)pkt + 4, len - 4);

        t->s->core->sanitize((const char *)pkt + 4, ml, msg, sizeof(msg));
        t->s->core->log(t->s->self, PXE_LOG_INFO, "'%s' to %s cancelled by the client: %s", t->name,
                        t->peer_ip, msg);
        tftp_metric(t->s, "cancelled", "transfers the client cancelled with an ERROR", 1);
        tftp_transfer_free(t);
        return 1;
    }
    tftp_metric(t->s, "malformed", "packets that were not valid TFTP", 1);
    return 0;
}

static void transfer_io(void *ud, int fd, uint32_t events)
{
    struct transfer *t = ud;
    struct tftp_state *s = t->s;
    uint8_t pkt[PKT_MAX];
    int i;

    if (events & PXE_IO_OUT) {
        if (transfer_send(t) < 0) {
            transfer_fail(t, TFTP_ERR_UNDEF, "send failed");
            return;
        }
    }
    for (i = 0; i < RECV_BURST; i++) {
        union sa from;
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(fd, pkt, sizeof(pkt), MSG_DONTWAIT, &from.sa, &fl);

        if (n < 0)
            return;
        if (fl < tftp_sa_len(&t->peer) || !tftp_sa_same_host(&from, &t->peer) ||
            tftp_sa_port(&from) != tftp_sa_port(&t->peer)) {
            tftp_metric(s, "wrong_tid",
                        "packets from an unknown transfer ID (answered with error 5)", 1);
            if (n < 4 || pkt[1] != TFTP_ERROR)
                tftp_send_error(fd, &from, NULL, TFTP_ERR_TID, "unknown transfer ID");
            continue;
        }
        /* One packet from the peer per wakeup: the watch is level-triggered, and
         * a second recvfrom would almost always be EAGAIN. */
        transfer_packet(t, pkt, (size_t)n);
        return;
    }
}

/* MTU of interface ifindex, or 0 when unknown.  The last answer is kept for
 * MTU_CACHE_USEC, so a boot storm on one interface asks the kernel once a second
 * instead of twice per request. */
static uint32_t iface_mtu(struct tftp_state *s, int ifindex)
{
    struct ifreq ifr;
    uint64_t now = s->core->now_usec();

    if (ifindex <= 0)
        return 0;
    if (ifindex == s->mtu_ifindex && now - s->mtu_at < MTU_CACHE_USEC)
        return s->mtu;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_ifindex = ifindex;
    if (ioctl(s->fd, SIOCGIFNAME, &ifr) < 0 || ioctl(s->fd, SIOCGIFMTU, &ifr) < 0)
        return 0;
    s->mtu_ifindex = ifindex;
    s->mtu_at = now;
    s->mtu = ifr.ifr_mtu > 0 ? (uint32_t)ifr.ifr_mtu : 0;
    return s->mtu;
}

/* Loads the whole content netascii-encoded into t->conv. */
static int load_netascii(struct transfer *t, uint64_t *size)
{
    const struct pxe_file *f = t->file;
    uint8_t *raw;
    uint64_t n;
    int r = 0;

    if (f->size > t->s->cfg->netascii_max)
        return -EFBIG;
    raw = f->data ? (uint8_t *)f->data : malloc(f->size ? f->size : 1);
    if (!raw)
        return -ENOMEM;
    if (!f->data)
        r = read_content(t, raw, f->size, 0);
    if (r == 0) {
        n = tftp_netascii_size(raw, f->size);
        t->conv = malloc(n ? n : 1);
        if (!t->conv)
            r = -ENOMEM;
        else {
            tftp_netascii_encode(raw, f->size, t->conv);
            *size = n;
        }
    }
    if (!f->data)
        free(raw);
    return r;
}

static const char *open_error(int r, uint16_t *code)
{
    switch (r) {
    case -ENOENT:
        *code = TFTP_ERR_NOTFOUND;
        return "file not found";
    case -EACCES:
    case -EPERM:
        *code = TFTP_ERR_ACCESS;
        return "access violation";
    case -EISDIR:
        *code = TFTP_ERR_NOTFOUND;
        return "is a directory";
    case -EFBIG:
        *code = TFTP_ERR_UNDEF;
        return "file too large for netascii";
    case -ENOMEM:
        *code = TFTP_ERR_FULL;
        return "out of memory";
    default:
        *code = TFTP_ERR_UNDEF;
        return strerror(-r);
    }
}

/* Socket of a new transfer, bound to the address the request came to. */
static int transfer_socket(const struct ingress *in, size_t window_bytes)
{
    union sa a = in->local;
    int fd = socket(a.sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), r, zero = 0;

    if (fd < 0)
        return -errno;
    if (a.sa.sa_family == AF_INET6) {
        if (IN6_IS_ADDR_LINKLOCAL(&a.in6.sin6_addr))
            a.in6.sin6_scope_id = (uint32_t)in->ifindex;
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
    }
    if (bind(fd, &a.sa, tftp_sa_len(&a)) < 0) {
        r = -errno;
        close(fd);
        return r;
    }
    if (window_bytes > (200u << 10)) {
        int sz = window_bytes > (4u << 20) ? (4 << 20) : (int)window_bytes + (64 << 10);

        (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
    }
    return fd;
}

/* Sets up t (file already open) and sends the OACK or the first window. */
static int transfer_start(struct transfer *t, const struct tftp_request *req,
                          const struct ingress *in)
{
    struct tftp_state *s = t->s;
    const struct tftp_config *cfg = s->cfg;
    struct tftp_limits lim = {.blksize_max = (uint32_t)cfg->blksize_max,
                              .windowsize_max = (uint32_t)cfg->windowsize_max};
    struct tftp_params p;
    uint64_t size = t->file->size;
    int r;

    if (cfg->mtu_clamp) {
        /* IP + UDP + TFTP headers: 20 + 8 + 4, or 40 + 8 + 4 over IPv6. */
        uint32_t mtu = iface_mtu(s, in->ifindex);
        uint32_t hdr =
            in->local.sa.sa_family == AF_INET6 && !IN6_IS_ADDR_V4MAPPED(&in->local.in6.sin6_addr)
                ? 52
                : 32;

        if (mtu > hdr + TFTP_BLKSIZE_MIN && mtu - hdr < lim.blksize_max)
            lim.blksize_max = mtu - hdr;
    }
    if (req->mode == TFTP_MODE_NETASCII) {
        r = load_netascii(t, &size);
        if (r < 0)
            return r;
        t->mem = t->conv;
    } else if (t->file->fd < 0) {
        t->mem = t->file->data;
    }
    tftp_negotiate(req, &lim, size, &p);
    tftp_xfer_init(&t->x, size, p.blksize, p.windowsize, p.opts != 0);
    if (p.opts) {
        r = tftp_build_oack(&p, t->oack, sizeof(t->oack));
        if (r < 0)
            return r;
        t->oack_len = (size_t)r;
    }
    if (!t->mem) {
        size_t want = (size_t)p.blksize * p.windowsize;

        t->cache_cap = want < READ_CACHE_MIN   ? READ_CACHE_MIN
                       : want > READ_CACHE_MAX ? READ_CACHE_MAX
                                               : want;
        if (t->cache_cap < p.blksize)
            t->cache_cap = p.blksize;
        if (t->cache_cap > size) /* a small file: no more than its own size */
            t->cache_cap = size ? (size_t)size : 1;
        t->cache = malloc(t->cache_cap);
        if (!t->cache)
            return -ENOMEM;
    }
    t->base_usec = (p.opts & TFTP_OPT_TIMEOUT) ? (uint64_t)p.timeout * 1000000u : cfg->timeout;
    t->fd = transfer_socket(in, (size_t)p.blksize * p.windowsize);
    if (t->fd < 0)
        return t->fd;
    r = s->core->io_add(s->self, t->fd, PXE_IO_IN, transfer_io, t, &t->io);
    if (r < 0)
        return r;
    r = s->core->timer_add(s->self, t->base_usec, transfer_timer, t, &t->timer);
    if (r < 0)
        return r;
    t->deadline = s->core->now_usec() + t->base_usec;
    return transfer_send(t);
}

/* Starts a transfer for an admitted read request; failures are logged, counted and answered. */
void tftp_transfer_open(struct tftp_state *s, const struct tftp_request *req, const union sa *peer,
                        const struct ingress *in, const char *ip, const char *lip, const char *name)
{
    struct pxe_client client = {._struct_size = sizeof(client)};
    struct transfer *t;
    const char *why;
    uint16_t code;
    int r;

    t = calloc(1, sizeof(*t));
    if (!t) {
        tftp_send_error(s->fd, peer, in, TFTP_ERR_FULL, "out of memory");
        return;
    }
    t->s = s;
    t->fd = -1;
    t->peer = *peer;
    snprintf(t->peer_ip, sizeof(t->peer_ip), "%s", ip);
    snprintf(t->local_ip, sizeof(t->local_ip), "%s", lip);
    snprintf(t->name, sizeof(t->name), "%s", name);
    t->next = s->transfers;
    if (t->next)
        t->next->prev = t;
    s->transfers = t;
    s->active++;
    tftp_active_changed(s);

    client.local_ip = t->local_ip;
    client.peer_ip = t->peer_ip;
    r = s->core->file_open(s->self, tftp_path_strip(req->filename), &client, &t->file);
    if (r == 0)
        r = transfer_start(t, req, in);
    if (r < 0) {
        why = open_error(r, &code);
        if (t->fd < 0) {
            s->core->log(s->self, PXE_LOG_INFO, "cannot send '%s' to %s: %s", name, ip, why);
            tftp_metric(s, "errors", "requests and transfers that failed", 1);
            tftp_send_error(s->fd, peer, in, code, why);
            tftp_transfer_free(t);
        } else {
            transfer_fail(t, code, why);
        }
    }
}
