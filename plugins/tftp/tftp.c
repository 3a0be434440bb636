/* SPDX-License-Identifier: MIT */
/*
 * TFTP server for boot loaders, kernels and menus: the glue between the core
 * loop and tftp_proto.  One non-blocking listen socket (IPv4, or IPv6 which
 * also takes v4-mapped IPv4) receives read requests; IP_PKTINFO/IPV6_PKTINFO
 * tell the address and interface each came in on.  Every transfer gets its own
 * socket bound to that address, a retransmit timer with backoff, and reads its
 * file through core->file_open.  Loop thread only.
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
#include <pxecore/plugin.h>

#include "tftp_proto.h"

#define RECV_BURST       64 /* packets read per wakeup, per socket */
#define SEND_BATCH       64 /* DATA packets per sendmmsg */
#define READ_CACHE_MIN   (64u << 10)
#define READ_CACHE_MAX   (256u << 10)
#define BACKOFF_CAP_USEC 10000000ull
#define PKT_MAX          2048 /* longest request accepted (options included) */

struct tftp_config {
    char *address;
    uint64_t port;
    uint64_t blksize_max;
    uint32_t mtu_clamp;
    uint64_t windowsize_max;
    uint64_t timeout;
    uint64_t retries;
    uint64_t max_transfers;
    uint64_t max_per_client;
    uint64_t netascii_max;
};

struct tftp_state;

/* An IPv4 or IPv6 socket address. */
union sa {
    struct sockaddr sa;
    struct sockaddr_in in;
    struct sockaddr_in6 in6;
};

/* Where a request came in: our address (family of the listen socket) and the interface. */
struct ingress {
    union sa local; /* port 0 */
    int ifindex;
};

#define IP_TEXT_MAX INET6_ADDRSTRLEN

/* One read transfer. */
struct transfer {
    struct tftp_state *s;
    struct transfer *prev, *next;
    int fd;
    struct pxe_source *io, *timer;
    union sa peer;
    char peer_ip[IP_TEXT_MAX];
    char local_ip[IP_TEXT_MAX];
    char name[TFTP_PATH_MAX * 4 + 1]; /* sanitised requested name, for logs */
    struct pxe_file *file;
    uint8_t *conv;      /* netascii-encoded content, owned */
    const uint8_t *mem; /* content in memory (file->data or conv), or NULL: pread */
    uint8_t *cache;     /* read cache for fd content */
    size_t cache_cap, cache_len;
    uint64_t cache_off;
    struct tftp_xfer x;
    uint8_t oack[512];
    size_t oack_len;
    uint64_t base_usec, deadline;
    uint32_t tries;
    uint32_t out_armed;
};

struct tftp_state {
    const struct pxe_core_api *core;
    struct pxe_core *self;
    const struct tftp_config *cfg;
    int family; /* of the listen socket and every transfer socket */
    int fd;
    struct pxe_source *io;
    struct transfer *transfers;
    uint64_t active;
    uint64_t completed;
    uint64_t refused_logged_at; /* now_usec of the last refusal logged */
    uint64_t refused_quiet;     /* refusals not logged since */
};

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

static void metric(struct tftp_state *s, const char *name, const char *help, uint64_t delta)
{
    s->core->metric_add(s->self, name, help, delta);
}

static void active_changed(struct tftp_state *s)
{
    s->core->metric_set(s->self, "active", "transfers in progress", (int64_t)s->active);
}

static socklen_t sa_len(const union sa *a)
{
    return a->sa.sa_family == AF_INET6 ? sizeof(a->in6) : sizeof(a->in);
}

/* Same address (ports ignored). */
static int sa_same_host(const union sa *a, const union sa *b)
{
    if (a->sa.sa_family != b->sa.sa_family)
        return 0;
    if (a->sa.sa_family == AF_INET)
        return a->in.sin_addr.s_addr == b->in.sin_addr.s_addr;
    return memcmp(&a->in6.sin6_addr, &b->in6.sin6_addr, sizeof(struct in6_addr)) == 0;
}

static uint16_t sa_port(const union sa *a)
{
    return a->sa.sa_family == AF_INET6 ? a->in6.sin6_port : a->in.sin_port;
}

/* Text form of a's address; a v4-mapped IPv6 address prints as IPv4. */
static void sa_text(const union sa *a, char out[IP_TEXT_MAX])
{
    if (a->sa.sa_family == AF_INET)
        inet_ntop(AF_INET, &a->in.sin_addr, out, IP_TEXT_MAX);
    else if (IN6_IS_ADDR_V4MAPPED(&a->in6.sin6_addr))
        inet_ntop(AF_INET, &a->in6.sin6_addr.s6_addr[12], out, IP_TEXT_MAX);
    else
        inet_ntop(AF_INET6, &a->in6.sin6_addr, out, IP_TEXT_MAX);
}

/* Sends an ERROR from fd to peer, from the address the request came to when in is given. */
static void send_error(int fd, const union sa *peer, const struct ingress *in, uint16_t code,
                       const char *msg)
{
    uint8_t pkt[300];
    int n = tftp_build_error(code, msg, pkt, sizeof(pkt));
    struct iovec iov = {.iov_base = pkt, .iov_len = n > 0 ? (size_t)n : 0};
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
    } cbuf;
    struct msghdr mh = {
        .msg_name = (void *)peer, .msg_namelen = sa_len(peer), .msg_iov = &iov, .msg_iovlen = 1};
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

static void transfer_free(struct transfer *t)
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
    active_changed(s);
}

/* Ends a transfer that did not complete; reason is logged and the client told when code >= 0. */
static void transfer_fail(struct transfer *t, int code, const char *reason)
{
    struct tftp_state *s = t->s;

    s->core->log(s->self, PXE_LOG_WARNING, "failed sending '%s' to %s: %s", t->name, t->peer_ip,
                 reason);
    s->core->event(s->self, "tftp.failed", NULL, t->peer_ip, PXE_PHASE_NONE, "%s: %s", t->name,
                   reason);
    metric(s, "errors", "requests and transfers that failed", 1);
    if (code >= 0)
        send_error(t->fd, &t->peer, NULL, (uint16_t)code, reason);
    transfer_free(t);
}

static int path_is(const char *path, const char *prefix, const char *rel)
{
    size_t pl = prefix ? strlen(prefix) : 0;

    if (!rel)
        return 0;
    while (*rel == '/')
        rel++;
    if (pl && strncmp(path, prefix, pl) != 0)
        return 0;
    return strcmp(path + pl, rel) == 0;
}

/* The boot phase a sent file marks: menus, the kernel or initrd of an image, a loader. */
static uint32_t file_phase(struct tftp_state *s, const struct pxe_file *f)
{
    uint32_t i, n = s->core->image_count(s->self);

    if (f->generated)
        return PXE_PHASE_MENU;
    for (i = 0; i < n; i++) {
        const struct pxe_image *img = s->core->image_get(s->self, i);

        if (!img)
            continue;
        if (path_is(f->path, img->prefix, img->kernel) ||
            (i == 0 && path_is(f->path, NULL, img->kernel)))
            return PXE_PHASE_KERNEL;
        if (path_is(f->path, img->prefix, img->initrd) ||
            (i == 0 && path_is(f->path, NULL, img->initrd)))
            return PXE_PHASE_INITRD;
    }
    return tftp_is_loader(f->path) ? PXE_PHASE_LOADER : PXE_PHASE_NONE;
}

static void transfer_done(struct transfer *t)
{
    struct tftp_state *s = t->s;
    char real[1024];

    s->core->sanitize(t->file->realpath, strlen(t->file->realpath), real, sizeof(real));
    s->core->log(s->self, PXE_LOG_INFO, "sent %s to %s", real, t->peer_ip);
    s->core->event(s->self, "tftp.sent", NULL, t->peer_ip, file_phase(s, t->file), "%s",
                   t->file->path);
    metric(s, "transfers", "transfers completed", 1);
    metric(s, "bytes_sent", "file bytes sent in completed transfers", t->x.size);
    s->completed++;
    transfer_free(t);
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
        if (sendto(t->fd, t->oack, t->oack_len, MSG_NOSIGNAL, &t->peer.sa, sa_len(&t->peer)) < 0 &&
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
            msgs[n].msg_hdr.msg_namelen = sa_len(&t->peer);
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
    metric(t->s, "retransmits", "windows and OACKs sent again after a timeout", 1);
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
        metric(t->s, "cancelled", "transfers the client cancelled with an ERROR", 1);
        transfer_free(t);
        return 1;
    }
    metric(t->s, "malformed", "packets that were not valid TFTP", 1);
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
        if (fl < sa_len(&t->peer) || !sa_same_host(&from, &t->peer) ||
            sa_port(&from) != sa_port(&t->peer)) {
            metric(s, "wrong_tid", "packets from an unknown transfer ID (answered with error 5)",
                   1);
            if (n < 4 || pkt[1] != TFTP_ERROR)
                send_error(fd, &from, NULL, TFTP_ERR_TID, "unknown transfer ID");
            continue;
        }
        /* One packet from the peer per wakeup: the watch is level-triggered, and
         * a second recvfrom would almost always be EAGAIN. */
        transfer_packet(t, pkt, (size_t)n);
        return;
    }
}

/* MTU of interface ifindex, or 0 when unknown. */
static uint32_t iface_mtu(int fd, int ifindex)
{
    struct ifreq ifr;

    if (ifindex <= 0)
        return 0;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_ifindex = ifindex;
    if (ioctl(fd, SIOCGIFNAME, &ifr) < 0 || ioctl(fd, SIOCGIFMTU, &ifr) < 0)
        return 0;
    return ifr.ifr_mtu > 0 ? (uint32_t)ifr.ifr_mtu : 0;
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
    if (bind(fd, &a.sa, sa_len(&a)) < 0) {
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
        uint32_t mtu = iface_mtu(s->fd, in->ifindex);
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

/* Logs a refused request, at most once a second (a boot storm must not flood the log). */
static void log_refusal(struct tftp_state *s, const char *ip, const char *why)
{
    uint64_t now = s->core->now_usec();

    if (s->refused_logged_at && now - s->refused_logged_at < 1000000) {
        s->refused_quiet++;
        return;
    }
    if (s->refused_quiet)
        s->core->log(s->self, PXE_LOG_WARNING,
                     "refused request from %s: %s (and %llu more refusals not logged)", ip, why,
                     (unsigned long long)s->refused_quiet);
    else
        s->core->log(s->self, PXE_LOG_WARNING, "refused request from %s: %s", ip, why);
    s->refused_logged_at = now;
    s->refused_quiet = 0;
}

/* Whether a new request from peer may start; answers it with an error when not. */
static int admit(struct tftp_state *s, const union sa *peer, const struct ingress *in,
                 const char *ip)
{
    struct transfer *t;
    uint64_t mine = 0;

    for (t = s->transfers; t; t = t->next) {
        if (!sa_same_host(&t->peer, peer))
            continue;
        if (sa_port(&t->peer) == sa_port(peer) && t->x.acked == 0)
            return 0; /* a retransmitted request for a transfer that is starting */
        mine++;
    }
    if (s->active >= s->cfg->max_transfers || mine >= s->cfg->max_per_client) {
        const char *why = mine >= s->cfg->max_per_client ? "too many transfers from this client"
                                                         : "server busy, too many transfers";

        log_refusal(s, ip, why);
        metric(s, "refused", "requests refused by the transfer caps", 1);
        send_error(s->fd, peer, in, TFTP_ERR_UNDEF, why);
        return 0;
    }
    return 1;
}

static void handle_request(struct tftp_state *s, const uint8_t *pkt, size_t len,
                           const union sa *peer, const struct ingress *in)
{
    struct tftp_request req;
    struct pxe_client client = {._struct_size = sizeof(client)};
    char ip[IP_TEXT_MAX], lip[IP_TEXT_MAX], name[sizeof(((struct transfer *)0)->name)];
    struct transfer *t;
    uint16_t code;
    const char *why;
    int r;

    sa_text(peer, ip);
    sa_text(&in->local, lip);
    r = tftp_parse_request(pkt, len, &req);
    if (r == -EPROTO) {
        metric(s, "malformed", "packets that were not valid TFTP", 1);
        if (req.opcode != TFTP_ERROR)
            send_error(s->fd, peer, in, TFTP_ERR_ILLEGAL, "illegal TFTP operation");
        return;
    }
    metric(s, "requests", "read and write requests received", 1);
    if (r < 0) {
        why = r == -ENOTSUP        ? "unsupported transfer mode"
              : r == -ENAMETOOLONG ? "file name too long"
                                   : "malformed request";
        s->core->log(s->self, PXE_LOG_DEBUG, "bad request from %s: %s", ip, why);
        metric(s, r == -ENOTSUP ? "errors" : "malformed",
               r == -ENOTSUP ? "requests and transfers that failed"
                             : "packets that were not valid TFTP",
               1);
        send_error(s->fd, peer, in, TFTP_ERR_ILLEGAL, why);
        return;
    }
    s->core->sanitize(req.filename, strlen(req.filename), name, sizeof(name));
    if (req.opcode == TFTP_WRQ) {
        s->core->log(s->self, PXE_LOG_INFO, "refused write request for '%s' from %s", name, ip);
        metric(s, "errors", "requests and transfers that failed", 1);
        send_error(s->fd, peer, in, TFTP_ERR_ACCESS, "write requests are not supported");
        return;
    }
    if (!admit(s, peer, in, ip))
        return;
    t = calloc(1, sizeof(*t));
    if (!t) {
        send_error(s->fd, peer, in, TFTP_ERR_FULL, "out of memory");
        return;
    }
    t->s = s;
    t->fd = -1;
    t->peer = *peer;
    memcpy(t->peer_ip, ip, sizeof(ip));
    memcpy(t->local_ip, lip, sizeof(lip));
    memcpy(t->name, name, sizeof(name));
    t->next = s->transfers;
    if (t->next)
        t->next->prev = t;
    s->transfers = t;
    s->active++;
    active_changed(s);

    client.local_ip = t->local_ip;
    client.peer_ip = t->peer_ip;
    r = s->core->file_open(s->self, tftp_path_strip(req.filename), &client, &t->file);
    if (r == 0)
        r = transfer_start(t, &req, in);
    if (r < 0) {
        why = open_error(r, &code);
        if (t->fd < 0) {
            s->core->log(s->self, PXE_LOG_INFO, "cannot send '%s' to %s: %s", name, ip, why);
            metric(s, "errors", "requests and transfers that failed", 1);
            send_error(s->fd, peer, in, code, why);
            transfer_free(t);
        } else {
            transfer_fail(t, code, why);
        }
    }
}

static void listen_io(void *ud, int fd, uint32_t events)
{
    struct tftp_state *s = ud;
    uint8_t pkt[PKT_MAX];
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(struct in_pktinfo)) + CMSG_SPACE(sizeof(struct in6_pktinfo))];
    } cbuf;
    int i;

    for (i = 0; i < RECV_BURST; i++) {
        union sa peer;
        struct iovec iov = {.iov_base = pkt, .iov_len = sizeof(pkt)};
        struct msghdr mh = {.msg_name = &peer,
                            .msg_namelen = sizeof(peer),
                            .msg_iov = &iov,
                            .msg_iovlen = 1,
                            .msg_control = cbuf.buf,
                            .msg_controllen = sizeof(cbuf.buf)};
        struct ingress in;
        struct cmsghdr *c;
        ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);

        if (n < 0)
            return;
        if (peer.sa.sa_family != s->family || mh.msg_namelen < sa_len(&peer) ||
            sa_port(&peer) == 0 || (mh.msg_flags & MSG_TRUNC)) {
            metric(s, "malformed", "packets that were not valid TFTP", 1);
            continue;
        }
        memset(&in, 0, sizeof(in));
        in.local.sa.sa_family = (sa_family_t)s->family;
        for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
            if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
                struct in_pktinfo pi;

                memcpy(&pi, CMSG_DATA(c), sizeof(pi));
                in.local.in.sin_addr = pi.ipi_spec_dst;
                in.ifindex = pi.ipi_ifindex;
            } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
                struct in6_pktinfo pi;

                memcpy(&pi, CMSG_DATA(c), sizeof(pi));
                in.local.in6.sin6_addr = pi.ipi6_addr;
                in.ifindex = (int)pi.ipi6_ifindex;
            }
        }
        handle_request(s, pkt, (size_t)n, &peer, &in);
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
        bind(s->fd, &a.sa, sa_len(&a)) < 0) {
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
    active_changed(s);
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
        transfer_free(s->transfers);
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
