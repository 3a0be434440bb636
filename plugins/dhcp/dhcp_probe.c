/* SPDX-License-Identifier: MIT */
/* ICMP echo for the conflict check; see dhcp_probe.h. */
#include "dhcp_probe.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static uint16_t icmp_sum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;

    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

int dhcp_probe_open(const char *ifname, int *ret_fd)
{
    int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);

    if (fd < 0)
        return -errno;
    if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) < 0) {
        int r = -errno;

        close(fd);
        return r;
    }
    *ret_fd = fd;
    return 0;
}

int dhcp_probe_send(int fd, uint32_t ip, uint16_t id, uint16_t seq)
{
    uint8_t m[16] = {8, 0, 0, 0, (uint8_t)(id >> 8), (uint8_t)id, (uint8_t)(seq >> 8),
                     (uint8_t)seq, 'p', 'x', 'e', 'c', 'o', 'r', 'e', 0};
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr = {ip}};
    uint16_t sum = icmp_sum(m, sizeof(m));

    m[2] = (uint8_t)(sum >> 8);
    m[3] = (uint8_t)sum;
    if (sendto(fd, m, sizeof(m), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
        return -errno;
    return 0;
}

int dhcp_probe_parse(const uint8_t *pkt, size_t len, uint16_t id, uint32_t *ret_src,
                     uint16_t *ret_seq)
{
    size_t ihl;

    if (len < 20 || (pkt[0] >> 4) != 4)
        return -EBADMSG;
    ihl = (size_t)(pkt[0] & 15) * 4;
    if (ihl < 20 || len < ihl + 8 || pkt[9] != IPPROTO_ICMP)
        return -EBADMSG;
    pkt += ihl;
    if (pkt[0] != 0 || pkt[1] != 0 || (uint16_t)(pkt[4] << 8 | pkt[5]) != id)
        return -EBADMSG;
    memcpy(ret_src, pkt - ihl + 12, 4);
    *ret_seq = (uint16_t)(pkt[6] << 8 | pkt[7]);
    return 0;
}
