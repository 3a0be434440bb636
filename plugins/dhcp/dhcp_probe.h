/* SPDX-License-Identifier: MIT */
/*
 * Optional address conflict check before an offer: an ICMP echo to the
 * candidate address on a raw socket; the loop never waits for it (dhcp.c
 * holds the DISCOVER and answers on reply or timeout).  Addresses in network
 * byte order.
 */
#ifndef PXE_DHCP_PROBE_H
#define PXE_DHCP_PROBE_H

#include <stddef.h>
#include <stdint.h>

/* Raw ICMP socket bound to ifname, non-blocking.  0 or -errno. */
int dhcp_probe_open(const char *ifname, int *ret_fd);

/* Sends an echo request with identifier id and sequence seq to ip.  0 or -errno. */
int dhcp_probe_send(int fd, uint32_t ip, uint16_t id, uint16_t seq);

/*
 * Parses a datagram of the raw socket (IP header included).  Returns 0 and
 * the sender and sequence for an echo reply carrying identifier id, -EBADMSG
 * for anything else.
 */
int dhcp_probe_parse(const uint8_t *pkt, size_t len, uint16_t id, uint32_t *ret_src,
                     uint16_t *ret_seq);

#endif
