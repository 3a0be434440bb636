/* SPDX-License-Identifier: MIT */
/* Addresses of this host's interfaces. */
#ifndef PXE_NETADDR_H
#define PXE_NETADDR_H

#include <stddef.h>

/*
 * The IPv4 address a client reaching us at ip can use on the same link: ip
 * itself when it is IPv4, the embedded address of an IPv4-mapped one, else
 * the first IPv4 address of the interface that holds the IPv6 address ip
 * (::1: the loopback's).  0, -EADDRNOTAVAIL (none), -EINVAL, -errno of
 * getifaddrs.
 */
int net_ipv4_beside(const char *ip, char *out, size_t size);

#endif
