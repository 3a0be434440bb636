/* SPDX-License-Identifier: MIT */
/*
 * DHCPv6 for network boot, pure code (RFC 8415, RFC 5970): parse and validate
 * a client message, decide the boot file URL (option 59) from the client's
 * architecture (61), vendor class (16) and user class (15), keep the address
 * pool of the stateful mode, and build Advertise/Reply messages.  No I/O, no
 * logging; every function returns 0 (or a length) or -errno.
 */
#ifndef PXE_DHCP6_PROTO_H
#define PXE_DHCP6_PROTO_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

/* Message types (RFC 8415 7.3). */
#define DHCP6_SOLICIT             1
#define DHCP6_ADVERTISE           2
#define DHCP6_REQUEST             3
#define DHCP6_CONFIRM             4
#define DHCP6_RENEW               5
#define DHCP6_REBIND              6
#define DHCP6_REPLY               7
#define DHCP6_RELEASE             8
#define DHCP6_DECLINE             9
#define DHCP6_INFORMATION_REQUEST 11

/* Options (RFC 8415 21, RFC 5970). */
#define DHCP6_OPT_CLIENTID         1
#define DHCP6_OPT_SERVERID         2
#define DHCP6_OPT_IA_NA            3
#define DHCP6_OPT_IA_TA            4
#define DHCP6_OPT_IAADDR           5
#define DHCP6_OPT_ORO              6
#define DHCP6_OPT_PREFERENCE       7
#define DHCP6_OPT_ELAPSED_TIME     8
#define DHCP6_OPT_STATUS_CODE      13
#define DHCP6_OPT_RAPID_COMMIT     14
#define DHCP6_OPT_USER_CLASS       15
#define DHCP6_OPT_VENDOR_CLASS     16
#define DHCP6_OPT_DNS_SERVERS      23
#define DHCP6_OPT_BOOTFILE_URL     59
#define DHCP6_OPT_BOOTFILE_PARAM   60
#define DHCP6_OPT_CLIENT_ARCH_TYPE 61
#define DHCP6_OPT_NII              62

/* Status codes (RFC 8415 21.13). */
#define DHCP6_STATUS_SUCCESS      0
#define DHCP6_STATUS_NOADDRSAVAIL 2
#define DHCP6_STATUS_NOBINDING    3

#define DHCP6_DUID_MAX        130   /* 2-byte type + at most 128 bytes (RFC 8415 11.1) */
#define DHCP6_MAX_MSG         1500  /* largest message read or built */
#define DHCP6_MAX_POOL        65536 /* addresses in the stateful range */
#define DHCP6_MAX_LEASES      4096  /* bindings kept at once */
#define DHCP6_MAX_DNS         8
#define DHCP6_ENTERPRISE_EDK2 343 /* the enterprise number EDK2 sends and checks */

/* A parsed client message; pointers point into the packet given to dhcp6_parse. */
struct dhcp6_msg {
    uint8_t type;
    uint8_t xid[3];
    const uint8_t *client_id;
    uint16_t client_id_len;
    const uint8_t *server_id;
    uint16_t server_id_len;
    uint32_t has_ia_na;
    uint32_t iaid;        /* of the first IA_NA */
    uint32_t has_ia_addr; /* the first IA_NA carried an IAADDR */
    struct in6_addr ia_addr;
    uint32_t has_ia_ta;
    uint32_t has_arch;
    uint16_t arch;        /* first value of option 61 */
    uint32_t vendor_http; /* a vendor class string starts with "HTTPClient" */
    uint32_t vendor_pxe;  /* ... with "PXEClient" */
    uint32_t user_ipxe;   /* a user class string is "iPXE" */
    uint32_t rapid_commit;
    uint32_t has_mac; /* MAC from a DUID-LLT/DUID-LL of hardware type 1 (the glue may add one) */
    uint8_t mac[6];
    const uint8_t *vendor; /* first vendor class string (for logs, sanitise first) */
    uint16_t vendor_len;
};

/*
 * The MAC inside the modified EUI-64 interface identifier of a link-local
 * address a[16] (fe80::/64 with ff:fe in the middle, RFC 4291 appendix A, the
 * universal/local bit flipped back): 0, or -ENOENT for any other address
 * (global, privacy or stable-random identifiers).  For clients whose DUID holds
 * no MAC (iPXE sends a DUID-UUID), from the source of a direct message or the
 * peer-address of the innermost relay.
 */
int dhcp6_mac_from_link_local(const uint8_t a[16], uint8_t mac[6]);

/*
 * Walks the options of p[*off..len): 1 with the next option's code, data and
 * length (and *off past it), 0 at the end, -EBADMSG when one does not fit.
 */
int dhcp6_opt_next(const uint8_t *p, size_t len, size_t *off, uint16_t *code, const uint8_t **data,
                   uint16_t *n);

/*
 * Parses a client message (not a relay message: -EPROTONOSUPPORT; a server
 * message type: -EPROTO).  Every option must fit; client/server identifiers
 * must be 3..130 bytes and appear at most once; IA_NA at least 12 bytes with
 * well-formed sub-options.  -EBADMSG for anything malformed.
 */
int dhcp6_parse(const uint8_t *pkt, size_t len, struct dhcp6_msg *ret);

/*
 * RFC 8415 section 16 checks against our DUID: 0 when the message is for us,
 * -EBADMSG when it breaks the rules (Solicit with a server id, Request without
 * one, no client id where one is required), -ENOENT when it names another
 * server, -EOPNOTSUPP for types we do not answer (Confirm).
 */
int dhcp6_validate(const struct dhcp6_msg *m, const uint8_t *duid, size_t duid_len);

/* Boot file per architecture class. */
#define DHCP6_CLASS_EFI64 0 /* arch 7, 9 (PXE), 16, 17 (HTTP) */
#define DHCP6_CLASS_EFI32 1 /* 6, 15 */
#define DHCP6_CLASS_ARM64 2 /* 11, 19 */
#define DHCP6_CLASS_ARM32 3 /* 10, 18 */
#define DHCP6_CLASSES     4

struct dhcp6_boot {
    const char *server;               /* IPv6 literal, no brackets */
    uint32_t http_port;               /* 0: no HTTP service */
    uint32_t tftp;                    /* 1: a TFTP service answers on the server address */
    uint32_t ipxe_chain;              /* iPXE clients get the script URL */
    const char *ipxe_script;          /* "boot.ipxe" */
    const char *files[DHCP6_CLASSES]; /* NULL: no boot file for that class */
};

/* Class of an option-61 value, or -ENOENT (BIOS, unknown). */
int dhcp6_arch_class(uint16_t arch);

/* 1 when the client asks for HTTP boot (vendor class HTTPClient or an HTTP arch value). */
int dhcp6_wants_http(const struct dhcp6_msg *m);

/*
 * Writes the boot file URL for m into url[size]: iPXE (user class) gets
 * http://[server]:port/<script>?mac=..., HTTP boot gets http://[server]:port/<file>, PXE
 * gets tftp://[server]/<file>.  0, -ENOENT when there is nothing to give (no arch, no file,
 * no service), -E2BIG when it does not fit.
 */
int dhcp6_boot_url(const struct dhcp6_boot *b, const struct dhcp6_msg *m, char *url, size_t size);

/* What a reply carries. */
struct dhcp6_answer {
    uint8_t type; /* DHCP6_ADVERTISE or DHCP6_REPLY */
    const uint8_t *server_duid;
    size_t server_duid_len;
    uint32_t ia;                 /* 1: answer the IA_NA of the request */
    const struct in6_addr *addr; /* address for the IA_NA; NULL: ia_status */
    uint16_t ia_status;          /* status inside the IA_NA when addr is NULL */
    uint32_t preferred, valid;   /* lifetimes of addr, seconds */
    int32_t status;              /* >= 0: a top-level status code option */
    uint32_t preference;         /* 1: option 7 with 255 (choose us at once) */
    uint32_t rapid_commit;       /* 1: option 14 (a Reply to a rapid-commit Solicit) */
    const char *url;             /* option 59, or NULL */
    uint32_t http;               /* 1: vendor class 343 "HTTPClient" (EDK2 checks it) */
    const struct in6_addr *dns;  /* option 23 */
    unsigned n_dns;
};

/* Builds the reply to req into out[cap]; its length, or -E2BIG, -EINVAL. */
int dhcp6_build(const struct dhcp6_msg *req, const struct dhcp6_answer *a, uint8_t *out,
                size_t cap);

/* Stateful address pool: bindings by (DUID, IAID), addresses start..start+size-1. */
#define DHCP6_LEASE_FREE     0
#define DHCP6_LEASE_OFFERED  1
#define DHCP6_LEASE_BOUND    2
#define DHCP6_LEASE_DECLINED 3

struct dhcp6_lease {
    uint8_t duid[DHCP6_DUID_MAX];
    uint16_t duid_len;
    uint8_t state;
    uint32_t iaid;
    uint32_t offset;  /* address = start + offset */
    uint64_t expires; /* seconds, the caller's clock */
};

struct dhcp6_pool {
    struct in6_addr start;
    uint32_t size;
    uint8_t *used;         /* bitmap of offsets with a lease */
    struct dhcp6_lease *l; /* DHCP6_MAX_LEASES entries */
    uint32_t n;
};

/* Parses "start,end" (same /64, at most DHCP6_MAX_POOL addresses). 0, -EINVAL, -ENOMEM. */
int dhcp6_pool_init(struct dhcp6_pool *p, const char *range);
void dhcp6_pool_done(struct dhcp6_pool *p);

/*
 * The binding of (duid, iaid): the existing one, or a new one in state
 * OFFERED (expiring at now + hold) when create is set.  NULL: none, or the pool
 * (or lease table) is full.
 */
struct dhcp6_lease *dhcp6_pool_get(struct dhcp6_pool *p, const uint8_t *duid, size_t duid_len,
                                   uint32_t iaid, uint64_t now, uint64_t hold, int create);

/* Address of a lease. */
void dhcp6_pool_addr(const struct dhcp6_pool *p, const struct dhcp6_lease *l, struct in6_addr *ret);

/* Frees the binding (Release), or quarantines its address until now + hold (Decline). */
void dhcp6_pool_release(struct dhcp6_pool *p, struct dhcp6_lease *l, int declined, uint64_t now,
                        uint64_t hold);

/* Bindings in state BOUND that have not expired. */
uint32_t dhcp6_pool_bound(const struct dhcp6_pool *p, uint64_t now);

/* dhcp6_leases.c: the BOUND bindings as lease file text (malloc'd in *ret).  0 or -ENOMEM. */
int dhcp6_leases_format(const struct dhcp6_pool *p, uint64_t now, char **ret);
/*
 * Restores bindings from lease file text into an initialised pool; returns how
 * many.  Lines that do not parse, fall outside the pool or clash with a binding
 * already there are counted in *skipped; expired ones are dropped silently.
 */
int dhcp6_leases_parse(struct dhcp6_pool *p, const char *text, uint64_t now, unsigned *skipped);

#endif
