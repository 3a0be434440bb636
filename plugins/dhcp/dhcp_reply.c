/* SPDX-License-Identifier: MIT */
/*
 * Replies common to full and proxy mode: the boot answer for a client (host
 * profile, architecture, HTTP service), the base of every reply, sending it
 * with its log line, event and counter.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dhcp_int.h"

/* Boot information for m; returns 0 with boot->kind NONE when nothing should be loaded. */
int dhcp_boot_for(struct dhcp_state *s, const struct dhcp_msg *m, const char *mac,
                  struct dhcp_boot *boot)
{
    const struct pxe_host *h = s->core->host_lookup ? s->core->host_lookup(s->self, mac) : NULL;
    const struct dhcp_boot_cfg *cfg = &s->boot;
    struct dhcp_boot_cfg sb_cfg;
    char sb_file[256];
    int r;

    s->boot.http_port = s->core->service_port ? s->core->service_port(s->self, "http") : 0;
    /* Secure Boot: the core's signed chain replaces the UEFI x64 loader for this client */
    if (m->has_arch && PXE_CORE_HAS(s->core, secure_boot_file) &&
        s->core->secure_boot_file(s->self, mac, m->arch, sb_file, sizeof(sb_file)) == 0) {
        sb_cfg = s->boot;
        sb_cfg.file[DHCP_ARCH_EFI64] = sb_file;
        if (m->arch < 64)
            sb_cfg.override[m->arch] = NULL;
        cfg = &sb_cfg;
    }
    r = dhcp_boot_decide(m, cfg, mac, boot);
    if (r < 0)
        return r;
    if (h && h->local_boot) {
        s->core->log(s->self, PXE_LOG_INFO, "%s: host profile says local boot, no boot file", mac);
        boot->kind = DHCP_BOOT_NONE;
        return 0;
    }
    if (h && boot->bios) {
        char *o = boot->config + snprintf(boot->config, sizeof(boot->config), "pxelinux.cfg/01-");

        for (const char *p = mac; *p; p++)
            *o++ = *p == ':' ? '-' : *p;
        *o = '\0';
    }
    if (boot->kind == DHCP_BOOT_NONE && boot->reason == DHCP_BOOT_NO_HTTP && !s->warned_no_http) {
        s->warned_no_http = 1;
        s->core->log(s->self, PXE_LOG_NOTICE,
                     "%s needs an http:// boot URL but no http service is registered; "
                     "sending no boot file (enable the http plugin)",
                     (m->kind & DHCP_CLIENT_IPXE) ? "iPXE" : "an HTTP boot client");
    }
    return 0;
}

void dhcp_count(struct dhcp_state *s, uint8_t type)
{
    static const char *const names[] = {
        NULL,        "discover_total", "offer_total",   "request_total", "decline_total",
        "ack_total", "nak_total",      "release_total", "inform_total"};
    static const char *const help[] = {NULL,
                                       "DHCPDISCOVER received",
                                       "DHCPOFFER sent",
                                       "DHCPREQUEST received",
                                       "DHCPDECLINE received",
                                       "DHCPACK sent",
                                       "DHCPNAK sent",
                                       "DHCPRELEASE received",
                                       "DHCPINFORM received"};

    if (type >= 1 && type <= 8)
        s->core->metric_add(s->self, names[type], help[type], 1);
}

/* Fills the parts of a reply common to every mode. */
void dhcp_reply_base(struct dhcp_state *s, struct dhcp_reply *rp, uint8_t type,
                     const struct dhcp_boot *boot)
{
    memset(rp, 0, sizeof(*rp));
    rp->type = type;
    rp->server_id = s->server_ip;
    rp->boot = boot;
    if (boot && boot->kind != DHCP_BOOT_NONE) {
        rp->siaddr = s->server_ip;
        rp->tftp_server = s->server_str;
        rp->pxe_opt43 = 1; /* only sent for BIOS, see dhcp_build_reply */
    }
}

void dhcp_netconf(struct dhcp_state *s, struct dhcp_reply *rp)
{
    rp->netmask = s->netmask;
    rp->router = s->router;
    rp->broadcast = s->broadcast;
    rp->dns = s->dns;
    rp->n_dns = s->n_dns;
    rp->domain = s->cfg->domain;
}

int dhcp_emit(struct dhcp_state *s, int fd, const struct dhcp_msg *m, const struct dhcp_reply *rp,
              const struct sockaddr_in *from, int to_source, const char *mac)
{
    char ip[INET_ADDRSTRLEN];
    int len = dhcp_build_reply(m, rp, s->out, sizeof(s->out));

    if (len < 0) {
        dhcp_warn(s, "%s: reply to %s does not fit (%s), dropped", dhcp_type_name(rp->type), mac,
                  strerror(-len));
        return len;
    }
    dhcp_send(s, fd, m, s->out, (size_t)len, from, to_source);
    dhcp_count(s, rp->type);
    inet_ntop(AF_INET, &rp->yiaddr, ip, sizeof(ip));
    if (rp->type == DHCP_NAK)
        s->core->log(s->self, PXE_LOG_INFO, "DHCPNAK(%s) %s %s %s", s->ifname, ip, mac,
                     rp->message ? rp->message : "");
    else if (rp->boot && rp->boot->kind != DHCP_BOOT_NONE)
        s->core->log(s->self, PXE_LOG_INFO, "DHCP%s(%s) %s %s%s %s", dhcp_type_name(rp->type),
                     s->ifname, ip, mac, s->cfg->proxy ? " proxy" : "", rp->boot->file);
    else
        s->core->log(s->self, PXE_LOG_INFO, "DHCP%s(%s) %s %s", dhcp_type_name(rp->type), s->ifname,
                     ip, mac);
    if (rp->type == DHCP_OFFER)
        s->core->event(s->self, "dhcp.offer", mac, rp->yiaddr ? ip : NULL,
                       s->cfg->proxy ? PXE_PHASE_DHCP : PXE_PHASE_NONE, "%s%s",
                       s->cfg->proxy ? "proxy offer " : "offer ", rp->boot ? rp->boot->file : "");
    else if (rp->type == DHCP_ACK)
        s->core->event(s->self, "dhcp.ack", mac, rp->yiaddr ? ip : NULL, PXE_PHASE_DHCP, "%s%s",
                       s->cfg->proxy ? "proxy ack " : "ack ", rp->boot ? rp->boot->file : "");
    return 0;
}
