/* SPDX-License-Identifier: MIT */
/*
 * DHCPv4 wire format and PXE boot decisions (RFC 2131/2132, PXE 2.1, RFC 4578,
 * RFC 5071, UEFI HTTP Boot).  Pure code: no I/O, no logging, no allocation.
 * Addresses are in network byte order everywhere in this header.
 */
#ifndef PXE_DHCP_PROTO_H
#define PXE_DHCP_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define DHCP_HDR_LEN 236   /* fixed BOOTP header, before the magic cookie */
#define DHCP_MIN_LEN 240   /* header + cookie */
#define DHCP_MIN_REPLY 576 /* RFC 2131 minimum a client must accept (IP datagram) */
#define DHCP_MAX_REPLY 1472 /* 1500 - IP - UDP */

#define DHCP_BOOTREQUEST 1
#define DHCP_BOOTREPLY 2

enum {
    DHCP_DISCOVER = 1,
    DHCP_OFFER = 2,
    DHCP_REQUEST = 3,
    DHCP_DECLINE = 4,
    DHCP_ACK = 5,
    DHCP_NAK = 6,
    DHCP_RELEASE = 7,
    DHCP_INFORM = 8,
};

#define DHCP_FLAG_BROADCAST 0x8000

/* Client kinds derived from option 60/77/175. */
#define DHCP_CLIENT_PXE (1u << 0)  /* vendor class starts with "PXEClient" */
#define DHCP_CLIENT_HTTP (1u << 1) /* vendor class starts with "HTTPClient" */
#define DHCP_CLIENT_IPXE (1u << 2) /* user class "iPXE" or option 175 present */

/* A parsed request.  Pointers point into the packet passed to dhcp_parse. */
struct dhcp_msg {
    uint8_t op, htype, hlen, hops;
    uint32_t xid; /* as on the wire */
    uint16_t secs, flags; /* host order */
    uint32_t ciaddr, yiaddr, siaddr, giaddr;
    uint8_t chaddr[16];
    uint8_t type;          /* option 53, 0 for plain BOOTP */
    uint32_t requested_ip; /* option 50, 0 when absent */
    uint32_t server_id;    /* option 54, 0 when absent */
    uint16_t max_size;     /* option 57, 0 when absent */
    uint16_t arch;         /* option 93 first entry */
    uint8_t has_arch;
    uint8_t kind;          /* DHCP_CLIENT_* */
    uint8_t overload;      /* option 52 */
    const uint8_t *prl;    /* option 55 */
    const uint8_t *vendor; /* option 60 */
    const uint8_t *client_id; /* option 61 */
    const uint8_t *user_class; /* option 77 */
    const uint8_t *relay;  /* option 82, echoed */
    const uint8_t *uuid;   /* option 97, echoed */
    const uint8_t *hostname; /* option 12 */
    uint8_t prl_len, vendor_len, client_id_len, user_class_len, relay_len, uuid_len, hostname_len;
};

/*
 * Parses a BOOTREQUEST of len bytes.  Returns 0, or -EBADMSG for anything a
 * server must drop: short, not a request, bad hlen, bad cookie, an option past
 * the end, a bad length for a fixed-size option, option 52 inside an
 * overloaded field, a missing or unknown message type.
 */
int dhcp_parse(const uint8_t *pkt, size_t len, struct dhcp_msg *ret);

/* Whether option code was asked for in option 55. */
int dhcp_requested(const struct dhcp_msg *m, uint8_t code);

/* Formats chaddr as "aa:bb:cc:dd:ee:ff" (hlen 6) or colon hex (other hlen) into out. */
void dhcp_mac_str(const struct dhcp_msg *m, char *out, size_t size);

/* Message type name for logs: "DISCOVER", ..., "UNKNOWN". */
const char *dhcp_type_name(uint8_t type);

/* Architecture classes, selected by option 93 through dhcp_arch_class. */
enum dhcp_arch_class {
    DHCP_ARCH_BIOS = 0,
    DHCP_ARCH_EFI32,
    DHCP_ARCH_EFI64,
    DHCP_ARCH_ARM32,
    DHCP_ARCH_ARM64,
    DHCP_ARCH_UNKNOWN,
    DHCP_ARCH_N
};

/* Class of an RFC 4578 value; sets *ret_http for the HTTP boot variants. */
enum dhcp_arch_class dhcp_arch_class(uint16_t arch, int *ret_http);
const char *dhcp_arch_class_name(enum dhcp_arch_class c);

/* What a client gets told to load. */
struct dhcp_boot_cfg {
    const char *file[DHCP_ARCH_N]; /* boot file per class; NULL/"" = none */
    const char *override[64];     /* per raw arch value 0..63 (arch_table); NULL = class default */
    const char *server_ip;        /* dotted quad, for URLs */
    uint32_t http_port;           /* 0: no HTTP service */
    const char *ipxe_script;      /* "boot.ipxe" */
    uint32_t ipxe_chain;          /* 1: iPXE clients get the script URL instead of a boot file */
    const char *pxelinux_cfg;     /* option 209, sent with the BIOS loader */
    const char *path_prefix;      /* option 210, "" = directory of the BIOS boot file */
};

#define DHCP_BOOT_NONE 0
#define DHCP_BOOT_NBP 1   /* TFTP network bootstrap program */
#define DHCP_BOOT_IPXE 2  /* iPXE script URL */
#define DHCP_BOOT_HTTP 3  /* UEFI HTTP boot URL */

#define DHCP_BOOT_NO_HTTP 1 /* reason: an URL was needed and no HTTP service runs */
#define DHCP_BOOT_NO_FILE 2 /* reason: no boot file configured for this architecture */

struct dhcp_boot {
    int kind;            /* DHCP_BOOT_* */
    int reason;          /* when kind is NONE */
    int bios;            /* 1: send 209/210 and PXE option 43 */
    const char *vendor;  /* option 60 to send: "PXEClient", "HTTPClient" or NULL */
    char file[256];      /* path or URL */
    char prefix[128];    /* option 210 */
    char config[96];     /* option 209 */
};

/*
 * Decides the boot answer for m.  mac is "aa:bb:..." for the iPXE URL.
 * Returns 0 (ret->kind may be DHCP_BOOT_NONE with ret->reason set).
 */
int dhcp_boot_decide(const struct dhcp_msg *m, const struct dhcp_boot_cfg *cfg, const char *mac,
                     struct dhcp_boot *ret);

/* A reply to build; addresses in network order, 0 = omit. */
struct dhcp_reply {
    uint8_t type;        /* OFFER, ACK, NAK */
    uint32_t yiaddr, siaddr, server_id;
    uint32_t lease_secs; /* 0: no 51/58/59 (proxy, INFORM, NAK) */
    uint32_t netmask, router, broadcast;
    const uint32_t *dns;
    size_t n_dns;
    const char *domain;   /* 15 */
    const char *hostname; /* 12 */
    const char *message;  /* 56, for NAK */
    const struct dhcp_boot *boot; /* NULL: no boot information */
    uint8_t pxe_opt43;    /* 1: option 43 with discovery control 8 (skip discovery) */
    const char *tftp_server; /* option 66 (dotted quad of siaddr) */
    /* 1: set the BROADCAST flag whatever the request's: a relay delivers a reply
     * whose yiaddr is 0 (proxy offer) only by broadcast (RFC 1542 5.4) */
    uint8_t broadcast_flag;
};

/*
 * Builds the BOOTREPLY for request m into buf (size bytes, at least
 * DHCP_MAX_REPLY).  The reply fits in max(576, option 57) capped at
 * DHCP_MAX_REPLY; optional options that do not fit are dropped in reverse
 * priority, mandatory ones give -E2BIG.  Returns the length or -errno.
 */
int dhcp_build_reply(const struct dhcp_msg *m, const struct dhcp_reply *r, uint8_t *buf,
                     size_t size);

#endif
