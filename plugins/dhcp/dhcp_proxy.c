/* SPDX-License-Identifier: MIT */
/*
 * Proxy mode: boot information only (yiaddr 0) beside the site's DHCP
 * server, on port 67 (broadcasts) and 4011 (boot server requests).
 */
#include <string.h>

#include "dhcp_int.h"

/* Proxy mode: boot information only, yiaddr 0.  on4011: the boot server socket. */
void dhcp_proxy(struct dhcp_state *s, int fd, const struct dhcp_msg *m, const char *mac,
                const struct sockaddr_in *from, int on4011)
{
    struct dhcp_boot boot;
    struct dhcp_reply rp;
    uint8_t type;

    if (m->type == DHCP_DISCOVER && !on4011)
        type = DHCP_OFFER;
    else if (m->type == DHCP_REQUEST && (on4011 || m->server_id == s->server_ip))
        type = DHCP_ACK;
    else if (m->type == DHCP_INFORM && on4011)
        type = DHCP_ACK;
    else
        return;
    if (dhcp_boot_for(s, m, mac, &boot) < 0 || boot.kind == DHCP_BOOT_NONE)
        return; /* nothing to say: the client boots without us */
    dhcp_reply_base(s, &rp, type, &boot);
    /* yiaddr is 0: a client without an address is reached by broadcast only, also
     * through a relay, which would otherwise unicast to yiaddr (as dnsmasq's proxy does). */
    rp.broadcast_flag = !on4011 && !m->ciaddr;
    /* Boot server ACKs (4011) go back where the request came from. */
    dhcp_emit(s, fd, m, &rp, from, on4011 && from->sin_addr.s_addr != 0, mac);
}
