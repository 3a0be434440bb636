/* SPDX-License-Identifier: MIT */
/* Private to the dhcp6 plugin: config, state, and the lease file glue (dhcp6_lease_file.c). */
#ifndef PXE_DHCP6_INT_H
#define PXE_DHCP6_INT_H

#include <net/if.h>
#include <stdint.h>

#include <pxecore/plugin.h>
#include <pxecore/ratelimit.h>

#include "../dhcp/dhcp_ra.h"
#include "dhcp6_proto.h"
#include "dhcp6_relay.h"

#define DHCP6_BATCH        64 /* datagrams read per wakeup */
#define DHCP6_OFFER_HOLD   60 /* seconds an advertised address is held */
#define DHCP6_DECLINE_HOLD 600
#define DHCP6_RA_PER_SEC   10

struct dhcp6_cfg {
    char *interface;
    char *range;
    uint64_t lease_time;
    char *server_address;
    char **dns;
    uint32_t pxe_only;
    char *boot_efi64;
    char *boot_efi32;
    char *boot_arm64;
    char *boot_arm32;
    char *ipxe_script;
    uint32_t ipxe_chain;
    uint32_t ipv6_ra;
    char *ra_flags;
    uint64_t port;
    char *lease_file;
    uint64_t lease_flush;
};

struct dhcp6_state {
    const struct pxe_core_api *core;
    struct pxe_core *self;
    struct dhcp6_cfg *cfg;
    int idle;
    char ifname[IF_NAMESIZE];
    int ifindex;
    uint8_t duid[10]; /* DUID-LL of the interface */
    char server[INET6_ADDRSTRLEN];
    struct in6_addr dns[DHCP6_MAX_DNS];
    unsigned n_dns;
    uint32_t lease_secs;
    struct dhcp6_pool pool;
    int stateful;
    int fd, fdra;
    struct pxe_source *src, *srcra;
    struct pxe_ratelimit warn_rl; /* dhcp6_warn */
    struct dhcp_ra_rate ra_rate;
    uint8_t ra_flags;
    int ra_warned;
    uint8_t out[DHCP6_MAX_MSG];
    struct dhcp6_relay relay;  /* of the message being answered; n 0: not relayed */
    uint8_t reply[DHCP6_MAX_MSG]; /* the reply before relay wrapping */
    struct pxe_source *lease_timer; /* dhcp6_lease_file.c */
    int leases_dirty;
};

/* Restores the bindings of lease_file into the pool (start).  Logs what it skipped. */
void dhcp6_leases_load(struct dhcp6_state *s);
/* A binding changed: lease_file is rewritten within lease_flush. */
void dhcp6_leases_changed(struct dhcp6_state *s);
/* Writes lease_file now if a change is pending (stop). */
void dhcp6_leases_flush(struct dhcp6_state *s);

#endif
