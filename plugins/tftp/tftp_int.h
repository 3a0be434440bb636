/* SPDX-License-Identifier: MIT */
/*
 * Internal to the tftp plugin: what the listen side (tftp.c) and the
 * transfers (tftp_transfer.c) share.  Loop thread only; nothing here is
 * exported from the module (hidden visibility).
 */
#ifndef PXE_TFTP_INT_H
#define PXE_TFTP_INT_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

#include <pxecore/plugin.h>
#include <pxecore/ratelimit.h>

#include "tftp_proto.h"

#define RECV_BURST   64   /* packets read per wakeup, per socket */
#define LISTEN_BATCH 16   /* requests read per recvmmsg on the listen socket */
#define PKT_MAX      2048 /* longest packet accepted (a request with options) */

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
    struct pxe_ratelimit refusal_rl; /* log_refusal */
    int mtu_ifindex;                 /* iface_mtu's last answer: interface, */
    uint32_t mtu;                    /* its MTU, */
    uint64_t mtu_at;                 /* and when it was read (core->now_usec) */
};

static inline void tftp_metric(struct tftp_state *s, const char *name, const char *help,
                               uint64_t delta)
{
    s->core->metric_add(s->self, name, help, delta);
}

static inline void tftp_active_changed(struct tftp_state *s)
{
    s->core->metric_set(s->self, "active", "transfers in progress", (int64_t)s->active);
}

/* Addresses and errors, in tftp_net.c. */
socklen_t tftp_sa_len(const union sa *a);
int tftp_sa_same_host(const union sa *a, const union sa *b);
uint16_t tftp_sa_port(const union sa *a);
void tftp_sa_text(const union sa *a, char out[IP_TEXT_MAX]);
void tftp_send_error(int fd, const union sa *peer, const struct ingress *in, uint16_t code,
                     const char *msg);

/* Transfers, in tftp_transfer.c. */
void tftp_transfer_open(struct tftp_state *s, const struct tftp_request *req, const union sa *peer,
                        const struct ingress *in, const char *ip, const char *lip,
                        const char *name);
void tftp_transfer_free(struct transfer *t);

#endif
