/* SPDX-License-Identifier: MIT */
/*
 * Answers IPv6 Router Solicitations on the served link with a Router
 * Advertisement that carries no prefix, no M/O flags and router lifetime 0:
 * nobody gets an IPv6 address or route from it, but iPXE (and other clients
 * that wait for IPv6 autoconfiguration after their DHCP ACK) stop waiting at
 * once.  Only solicited; never periodic.
 */
#ifndef PXE_DHCP_RA_H
#define PXE_DHCP_RA_H

#include <stddef.h>
#include <stdint.h>

#define DHCP_RA_LEN 16 /* the advertisement dhcp_ra_build writes */

/*
 * Validates an ICMPv6 message (no IPv6 header) as a Router Solicitation per
 * RFC 4861 6.1.1: type 133, code 0, length >= 8, hop limit 255 (pass -1 when
 * unknown), options with non-zero lengths that fit.  0 or -EBADMSG.
 */
int dhcp_ra_parse_rs(const uint8_t *pkt, size_t len, int hop_limit);

/* Writes the advertisement (checksum 0: the kernel fills it) into buf[DHCP_RA_LEN]. */
void dhcp_ra_build(uint8_t buf[DHCP_RA_LEN]);

#define DHCP_RA_MANAGED 0x80 /* M flag: addresses from DHCPv6 */
#define DHCP_RA_OTHER 0x40   /* O flag: other configuration from DHCPv6 */
#define DHCP_RA_PREFIX_LEN (DHCP_RA_LEN + 32) /* with one Prefix Information option */

/*
 * The same advertisement with the M/O flags in flags and, when prefix is not
 * NULL, one Prefix Information option (RFC 4861 4.6.2) for prefix/plen with the
 * on-link flag set, the autonomous flag only when slaac, lifetimes valid/preferred
 * seconds.  Router lifetime stays 0 (no default route).  Writes DHCP_RA_LEN or
 * DHCP_RA_PREFIX_LEN bytes into buf[DHCP_RA_PREFIX_LEN] and returns the length.
 * Used by the dhcp6 plugin for its managed/other advertisements.
 */
size_t dhcp_ra_build_flags(uint8_t buf[DHCP_RA_PREFIX_LEN], uint8_t flags, const uint8_t *prefix,
                           uint8_t plen, int slaac, uint32_t valid, uint32_t preferred);

/* Sends msg[0..len) to ff02::1 on ifindex.  0 or -errno. */
int dhcp_ra_send_msg(int fd, int ifindex, const uint8_t *msg, size_t len);

/* What one dhcp_ra_serve call did. */
struct dhcp_ra_stats {
    unsigned received;  /* valid solicitations */
    unsigned malformed; /* dropped */
    unsigned sent;      /* advertisements sent */
    int send_error;     /* the first failed send's -errno, or 0 */
};

/* Per-second limit state of dhcp_ra_serve, zero-initialised. */
struct dhcp_ra_rate {
    uint64_t window_usec;
    unsigned in_window;
};

/*
 * Drains fd (at most 64 datagrams) and answers each valid Router Solicitation
 * with msg[0..len) to ff02::1 on ifindex, at most per_sec a second (now_usec:
 * the caller's monotonic clock); msg NULL only reads and counts.  The dhcp and
 * dhcp6 plugins' socket callbacks.
 */
void dhcp_ra_serve(int fd, int ifindex, const uint8_t *msg, size_t len, uint64_t now_usec,
                   unsigned per_sec, struct dhcp_ra_rate *rate, struct dhcp_ra_stats *ret);

/*
 * Raw ICMPv6 socket bound to ifname that receives Router Solicitations only,
 * member of ff02::2 there, with hop limit 255 on what it sends.  Non-blocking.
 * 0 or -errno.
 */
int dhcp_ra_open(const char *ifname, int ifindex, int *ret_fd);

/* Reads one datagram; returns its length and hop limit (-1 if unknown), or -errno. */
int dhcp_ra_recv(int fd, uint8_t *buf, size_t cap, int *ret_hop_limit);

/* Sends the advertisement to ff02::1 on ifindex.  0 or -errno. */
int dhcp_ra_send(int fd, int ifindex);

#endif
