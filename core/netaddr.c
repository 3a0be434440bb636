/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "netaddr.h"

/* The name of the interface that holds a6 into *name (valid while list is). 1 found, 0 not. */
static int iface_of(const struct ifaddrs *list, const struct in6_addr *a6, const char **name)
{
    for (const struct ifaddrs *i = list; i; i = i->ifa_next) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)i->ifa_addr;

        if (s6 && s6->sin6_family == AF_INET6 && !memcmp(&s6->sin6_addr, a6, sizeof(*a6))) {
            *name = i->ifa_name;
            return 1;
        }
    }
    return 0;
}

int net_ipv4_beside(const char *ip, char *out, size_t size)
{
    struct in6_addr a6;
    struct in_addr a4;
    struct ifaddrs *list;
    const char *name = NULL;
    int r = -EADDRNOTAVAIL;

    if (!ip || size < INET_ADDRSTRLEN)
        return -EINVAL;
    if (inet_pton(AF_INET, ip, &a4) == 1)
        return snprintf(out, size, "%s", ip) < (int)size ? 0 : -EINVAL;
    if (inet_pton(AF_INET6, ip, &a6) != 1)
        return -EINVAL;
    if (IN6_IS_ADDR_V4MAPPED(&a6)) {
        memcpy(&a4, a6.s6_addr + 12, 4);
        inet_ntop(AF_INET, &a4, out, (socklen_t)size);
        return 0;
    }
    if (getifaddrs(&list) < 0)
        return -errno;
    if (iface_of(list, &a6, &name))
        for (const struct ifaddrs *i = list; i && r < 0; i = i->ifa_next) {
            const struct sockaddr_in *s4 = (const struct sockaddr_in *)i->ifa_addr;

            if (s4 && s4->sin_family == AF_INET && !strcmp(i->ifa_name, name)) {
                inet_ntop(AF_INET, &s4->sin_addr, out, (socklen_t)size);
                r = 0;
            }
        }
    freeifaddrs(list);
    return r;
}
