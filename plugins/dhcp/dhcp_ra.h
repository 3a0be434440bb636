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
