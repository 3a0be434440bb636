/* SPDX-License-Identifier: MIT */
/*
 * Inside the dhcp plugin: its config, its state, and what its files share.
 * dhcp.c is the plugin (lifecycle, receive, dispatch); dhcp_config.c checks
 * the config; dhcp_net.c owns interface, sockets and sending; dhcp_reply.c
 * builds the replies both modes send; dhcp_full.c is full mode (pool,
 * reservations, conflict check); dhcp_proxy.c is proxy mode;
 * dhcp_lease_file.c persists and lists leases.  Loop thread only, except the
 * lease file writer thread (dhcp_lease_file.c).  Nothing here is exported
 * from the module (hidden visibility).
 */
#ifndef PXE_DHCP_INT_H
#define PXE_DHCP_INT_H

#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <pxecore/plugin.h>
#include <pxecore/ratelimit.h>

#include "dhcp_lease.h"
#include "dhcp_proto.h"
#include "dhcp_ra.h"

#define DHCP_MAX_RESERVATIONS 4096
#define DHCP_MAX_DNS          8
#define DHCP_OFFER_HOLD       60  /* seconds an offered address is held */
#define DHCP_DECLINE_HOLD     600 /* seconds a declined address is quarantined */
#define DHCP_BATCH            64  /* datagrams read per wakeup */
#define DHCP_MAX_PROBES       64  /* DISCOVERs held for a conflict check at once */
#define DHCP_RA_PER_SEC       10  /* router advertisements sent per second at most */

struct dhcp_cfg {
    char *interface;
    char *range;
    uint32_t proxy;
    uint32_t proxy_relay;
    uint32_t pxe_only;
    uint64_t pxe_grace;
    char *router;
    char **dns;
    char *domain;
    char *netmask;
    char *server_address;
    uint64_t lease_time;
    char *lease_file;
    uint64_t lease_flush;
    struct json_t *reservations;
    struct json_t *arch_table;
    char *boot_bios;
    char *boot_efi32;
    char *boot_efi64;
    char *boot_arm32;
    char *boot_arm64;
    char *pxelinux_config;
    char *path_prefix;
    char *ipxe_script;
    uint32_t ipxe_chain;
    uint64_t conflict_check;
    uint32_t ipv6_ra;
    uint64_t port;
    uint64_t proxy_port;
    uint64_t client_port;
};

struct dhcp_resv {
    uint8_t mac[6];
    uint32_t ip; /* network order */
    char hostname[DHCP_HOSTNAME_MAX];
};

/* A DISCOVER held while its candidate address is pinged. */
struct dhcp_held {
    int used;
    uint32_t ip; /* network order */
    uint64_t deadline_usec;
    struct sockaddr_in from;
    size_t len;
    uint8_t pkt[1500];
};

struct dhcp_state {
    const struct pxe_core_api *core;
    struct pxe_core *self;
    struct dhcp_cfg *cfg;
    int idle;
    char ifname[IF_NAMESIZE];
    int ifindex;
    uint32_t server_ip, netmask, router, broadcast; /* network order */
    char server_str[INET_ADDRSTRLEN];
    uint32_t dns[DHCP_MAX_DNS];
    size_t n_dns;
    uint32_t lease_secs;
    struct dhcp_pool pool;
    struct dhcp_resv *resv;
    size_t n_resv;
    struct dhcp_boot_cfg boot;
    int fd67, fd4011, fdrelay; /* fdrelay: proxy_relay's unicast socket on our address:67 */
    struct pxe_source *src67, *src4011, *srcrelay, *timer;
    int dirty;
    /* Conflict check: ICMP socket, held DISCOVERs, one timer for their deadlines. */
    int fdicmp;
    struct pxe_source *srcicmp, *probe_timer;
    struct dhcp_held *held;
    uint16_t probe_id;
    uint32_t probe_done_ip; /* while replaying a held DISCOVER: offer this one unprobed */
    /* Router Advertisements answering solicitations (full mode): rate-limited per second. */
    int fdra;
    struct pxe_source *srcra;
    struct dhcp_ra_rate ra_rate;
    int ra_warned;
    /* Lease file writer: the loop formats, a short-lived thread writes and fsyncs. */
    pthread_t writer;
    int writer_running;
    atomic_int writer_done;
    int writer_result;
    char *wbuf;
    size_t wlen;
    struct pxe_ratelimit warn_rl; /* dhcp_warn */
    int warned_no_http;
    uint8_t out[DHCP_MAX_REPLY + 28];
};

extern const struct pxe_config_item dhcp_items[];

/* dhcp_config.c */
int dhcp_config_complete(void *state, void *cfg);

/* dhcp_net.c */
int dhcp_bind(void *state);
/* Rate-limited warning: at most one per second. */
void dhcp_warn(struct dhcp_state *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dhcp_send(struct dhcp_state *s, int fd, const struct dhcp_msg *m, const uint8_t *buf,
               size_t len, const struct sockaddr_in *from, int to_source);

/* dhcp_reply.c */
void dhcp_count(struct dhcp_state *s, uint8_t type);
int dhcp_boot_for(struct dhcp_state *s, const struct dhcp_msg *m, const char *mac,
                  struct dhcp_boot *boot);
void dhcp_reply_base(struct dhcp_state *s, struct dhcp_reply *rp, uint8_t type,
                     const struct dhcp_boot *boot);
void dhcp_netconf(struct dhcp_state *s, struct dhcp_reply *rp);
int dhcp_emit(struct dhcp_state *s, int fd, const struct dhcp_msg *m, const struct dhcp_reply *rp,
              const struct sockaddr_in *from, int to_source, const char *mac);

/* dhcp_full.c */
int dhcp_booted_by_us(struct dhcp_state *s, const struct dhcp_msg *m);
void dhcp_full(struct dhcp_state *s, int fd, const struct dhcp_msg *m, const char *mac,
               const struct sockaddr_in *from, const uint8_t *pkt, size_t len);
void dhcp_probe_tick(void *ud);
void dhcp_icmp_readable(void *ud, int fd, uint32_t events);

/* dhcp_proxy.c */
void dhcp_proxy(struct dhcp_state *s, int fd, const struct dhcp_msg *m, const char *mac,
                const struct sockaddr_in *from, int on4011);

/* dhcp_lease_file.c */
void dhcp_flush(struct dhcp_state *s, int sync);
void dhcp_tick(void *ud);
int dhcp_api_leases(struct dhcp_state *s, json_t **ret_json);

#endif
