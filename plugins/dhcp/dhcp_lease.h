/* SPDX-License-Identifier: MIT */
/*
 * Address pool and lease store for full DHCP mode.  One slot per address of
 * the range (capped at DHCP_POOL_MAX), a MAC index for lookups, and a text
 * lease file written atomically (temp file, fsync, rename, fsync of the
 * directory).  Times are wall-clock seconds passed in by the caller; no
 * logging.  Addresses are in host byte order here.
 */
#ifndef PXE_DHCP_LEASE_H
#define PXE_DHCP_LEASE_H

#include <stddef.h>
#include <stdint.h>

#define DHCP_POOL_MAX 65536u
#define DHCP_HOSTNAME_MAX 64

enum {
    DHCP_LEASE_FREE = 0,
    DHCP_LEASE_OFFERED,  /* held for a client between OFFER and REQUEST */
    DHCP_LEASE_BOUND,    /* ACKed; the only state written to the lease file */
    DHCP_LEASE_DECLINED, /* a client saw the address in use (DECLINE); quarantined */
    DHCP_LEASE_RESERVED, /* belongs to a static reservation; never allocated to others */
};

struct dhcp_lease {
    uint64_t expires; /* wall clock; FREE/RESERVED ignore it */
    uint64_t pxe_at;  /* wall clock of the last ACK to a PXE/HTTP/iPXE client, 0: never */
    uint8_t state;
    uint8_t mac_len; /* 0: no owner */
    uint8_t mac[16];
    char hostname[DHCP_HOSTNAME_MAX]; /* sanitised to [A-Za-z0-9._-] */
};

struct dhcp_pool {
    uint32_t start, end, n;
    uint32_t cursor;
    struct dhcp_lease *l; /* n slots, l[i] is address start + i */
    uint32_t *hash;       /* slot index + 1, 0 empty; open addressing on the MAC */
    uint32_t hmask;
};

/* Allocates slots for start..end (host order).  -EINVAL when end < start, -E2BIG over DHCP_POOL_MAX. */
int dhcp_pool_init(struct dhcp_pool *p, uint32_t start, uint32_t end);
void dhcp_pool_done(struct dhcp_pool *p);

static inline uint32_t dhcp_pool_ip(const struct dhcp_pool *p, const struct dhcp_lease *l)
{
    return p->start + (uint32_t)(l - p->l);
}

/* The slot of ip, or NULL when ip is outside the range. */
struct dhcp_lease *dhcp_pool_at(struct dhcp_pool *p, uint32_t ip);

/* The slot last held by mac (any state but FREE), or NULL. */
struct dhcp_lease *dhcp_pool_find(struct dhcp_pool *p, const uint8_t *mac, size_t len);

/* Whether l may be given to mac now. */
int dhcp_pool_usable(const struct dhcp_lease *l, const uint8_t *mac, size_t len, uint64_t now);

/*
 * Picks an address for mac: its current slot if usable, else requested (host
 * order, 0 for none) if usable, else the next free slot after the cursor.
 * NULL when the pool is exhausted.  Does not change state.
 */
struct dhcp_lease *dhcp_pool_pick(struct dhcp_pool *p, const uint8_t *mac, size_t len,
                                  uint32_t requested, uint64_t now);

/* Gives l to mac in state with expiry; moves the MAC index.  mac NULL clears the owner. */
void dhcp_pool_set(struct dhcp_pool *p, struct dhcp_lease *l, const uint8_t *mac, size_t len,
                   uint8_t state, uint64_t expires);

/* Copies a client hostname, keeping [A-Za-z0-9._-] only. */
void dhcp_lease_set_hostname(struct dhcp_lease *l, const uint8_t *name, size_t len);

/* Bound, unexpired leases. */
uint32_t dhcp_pool_bound(const struct dhcp_pool *p, uint64_t now);

/*
 * Formats every bound, unexpired lease (the lease file's text, lines
 * "<expires> <mac> <ip> <hostname|*> <pxe_at>") into a new malloc'd buffer;
 * the plugin writes it with core->write_atomic.  0 or -ENOMEM.
 */
int dhcp_pool_format(const struct dhcp_pool *p, uint64_t now, char **ret_buf, size_t *ret_len);


/*
 * Loads path (missing file: 0 leases).  Lines that do not parse, lie outside
 * the range, hit a reserved slot or have expired are skipped and counted in
 * *ret_skipped.  Returns the number of leases loaded or -errno.
 */
int dhcp_pool_load(struct dhcp_pool *p, const char *path, uint64_t now, unsigned *ret_skipped);

#endif
