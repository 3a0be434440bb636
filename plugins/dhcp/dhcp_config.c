/* SPDX-License-Identifier: MIT */
/*
 * The dhcp config table and its cross-field checks: mode, range, network
 * parameters, architecture table, reservations.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp_int.h"

#define CFG(f) offsetof(struct dhcp_cfg, f)
const struct pxe_config_item dhcp_items[] = {
    {"interface", PXE_CFG_STR, 0, NULL, CFG(interface),
     "interface to serve (required; nothing is served without it)", "interface", 0, 0},
    {"range", PXE_CFG_STR, 0, NULL, CFG(range),
     "address pool \"start,end[,lease]\" for full mode, e.g. 192.168.0.50,192.168.0.150,12h",
     "dhcp-range", 0, 0},
    {"proxy", PXE_CFG_BOOL, 0, "false", CFG(proxy),
     "proxyDHCP: only boot information, beside the site's DHCP server", "proxy-dhcp", 0, 0},
    {"proxy_relay", PXE_CFG_BOOL, 0, "false", CFG(proxy_relay),
     "proxy mode: also answer requests a DHCP relay forwards to this server's address on port 67 "
     "(replies go to the relay, giaddr:67); that unicast port is then ours, so not with a site "
     "DHCP server on the same address",
     "proxy-dhcp-relay", 0, 0},
    {"pxe_only", PXE_CFG_BOOL, 0, "true", CFG(pxe_only),
     "answer only PXEClient/HTTPClient/iPXE clients in full mode", NULL, 0, 0},
    {"pxe_grace", PXE_CFG_DURATION, 0, "10m", CFG(pxe_grace),
     "pxe_only: how long after a network boot the machine's OS (initramfs) is answered too", NULL,
     0, 86400000000},
    {"router", PXE_CFG_ADDR, 0, NULL, CFG(router), "option 3 (full mode)", "dhcp-router", 0, 0},
    {"dns", PXE_CFG_STRLIST, 0, NULL, CFG(dns), "option 6 servers (full mode)", "dhcp-dns", 0, 0},
    {"domain", PXE_CFG_STR, 0, NULL, CFG(domain), "option 15 (full mode)", "dhcp-domain", 0, 0},
    {"netmask", PXE_CFG_ADDR, 0, NULL, CFG(netmask), "option 1; default: the interface's netmask",
     NULL, 0, 0},
    {"server_address", PXE_CFG_ADDR, 0, NULL, CFG(server_address),
     "server identifier and next-server; default: the interface's address", NULL, 0, 0},
    {"lease_time", PXE_CFG_DURATION, 0, "1h", CFG(lease_time),
     "lease time when the range gives none", NULL, 120000000, 31536000000000},
    {"lease_file", PXE_CFG_PATH, 0, "${state_dir}/dhcp.leases", CFG(lease_file),
     "lease database (full mode), rewritten atomically", "dhcp-leasefile", 0, 0},
    {"lease_flush", PXE_CFG_DURATION, 0, "1s", CFG(lease_flush),
     "longest delay between a lease change and its write to the lease file", NULL, 10000, 60000000},
    {"reservations", PXE_CFG_JSON, 0, NULL, CFG(reservations),
     "static addresses: {\"aa:bb:cc:dd:ee:ff\": \"192.0.2.10\" | {\"ip\":..,\"hostname\":..}}",
     NULL, 0, 0},
    {"arch_table", PXE_CFG_JSON, 0, NULL, CFG(arch_table),
     "boot file per option 93 value or class: {\"7\": \"ipxe.efi\", \"arm64\": \"snp.efi\"}", NULL,
     0, 0},
    {"boot_bios", PXE_CFG_STR, 0, "boot/syslinux/lpxelinux.0", CFG(boot_bios),
     "boot file for BIOS clients (arch 0)", "dhcp-boot", 0, 0},
    {"boot_efi32", PXE_CFG_STR, 0, NULL, CFG(boot_efi32), "boot file for UEFI IA32 (arch 6)", NULL,
     0, 0},
    {"boot_efi64", PXE_CFG_STR, 0, "snponly.efi", CFG(boot_efi64),
     "boot file for UEFI x64 (arch 7, 9; HTTP 16)", "dhcp-boot-efi64", 0, 0},
    {"boot_arm32", PXE_CFG_STR, 0, NULL, CFG(boot_arm32), "boot file for UEFI ARM32 (arch 10)",
     NULL, 0, 0},
    {"boot_arm64", PXE_CFG_STR, 0, "grubnetaa64.efi", CFG(boot_arm64),
     "boot file for UEFI ARM64 (arch 11; HTTP 19); default: Debian's signed GRUB network image "
     "(grub-efi-arm64-signed, docs/ipv6.md)", "dhcp-boot-arm64", 0, 0},
    {"pxelinux_config", PXE_CFG_STR, 0, "pxelinux.cfg/default", CFG(pxelinux_config),
     "option 209 sent to BIOS clients; known hosts get pxelinux.cfg/01-<mac>", NULL, 0, 0},
    {"path_prefix", PXE_CFG_STR, 0, NULL, CFG(path_prefix),
     "option 210; default: the directory of boot_bios", NULL, 0, 0},
    {"ipxe_script", PXE_CFG_STR, 0, "boot.ipxe", CFG(ipxe_script),
     "path of the iPXE script on the http service, given to iPXE clients", NULL, 0, 0},
    {"ipxe_chain", PXE_CFG_BOOL, 0, "true", CFG(ipxe_chain),
     "hand iPXE clients the iPXE script URL; false: the architecture's boot file like any "
     "PXE ROM (e.g. lpxelinux.0 from QEMU's iPXE ROM)",
     "dhcp-ipxe-chain", 0, 0},
    {"conflict_check", PXE_CFG_DURATION, 0, "0", CFG(conflict_check),
     "ping a new address and wait this long before offering it (0: off); never blocks", NULL, 0,
     5000000},
    {"ipv6_ra", PXE_CFG_BOOL, 0, "true", CFG(ipv6_ra),
     "full mode: answer IPv6 Router Solicitations with an advertisement that gives no address "
     "or route, so iPXE stops waiting for IPv6 autoconfiguration (never in proxy mode)",
     "dhcp-ipv6-ra", 0, 0},
    {"port", PXE_CFG_UINT, 0, "67", CFG(port), "server port", NULL, 1, 65535},
    {"proxy_port", PXE_CFG_UINT, 0, "4011", CFG(proxy_port), "PXE boot server port (proxy mode)",
     NULL, 1, 65535},
    {"client_port", PXE_CFG_UINT, 0, "68", CFG(client_port), "client port replies go to", NULL, 1,
     65535},
    {0},
};
#undef CFG

static int parse_mac6(const char *str, uint8_t mac[6])
{
    unsigned v[6];
    char end;

    if (sscanf(str, "%2x%*1[:-]%2x%*1[:-]%2x%*1[:-]%2x%*1[:-]%2x%*1[:-]%2x%c", &v[0], &v[1], &v[2],
               &v[3], &v[4], &v[5], &end) != 6)
        return -EINVAL;
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)v[i];
    return 0;
}

/* "12h", "30m", "45s", "3600", "infinite" -> seconds. */
static int parse_lease(const char *str, uint32_t *ret)
{
    char *end;
    unsigned long long v;

    if (strcmp(str, "infinite") == 0) {
        *ret = 0xffffffffu;
        return 0;
    }
    errno = 0;
    v = strtoull(str, &end, 10);
    if (errno || end == str)
        return -EINVAL;
    switch (*end) {
    case 'd':
        v *= 86400;
        end++;
        break;
    case 'h':
        v *= 3600;
        end++;
        break;
    case 'm':
        v *= 60;
        end++;
        break;
    case 's':
        end++;
        break;
    default:
        break;
    }
    if (*end || v < 120 || v > 0xfffffffeull)
        return -EINVAL;
    *ret = (uint32_t)v;
    return 0;
}

static int dhcp_parse_range(struct dhcp_state *s, const char *range)
{
    char buf[128], *a, *b, *l, *save = NULL;
    struct in_addr ia, ib;
    int r;

    if (strlen(range) >= sizeof(buf))
        return -EINVAL;
    strcpy(buf, range);
    a = strtok_r(buf, ",", &save);
    b = strtok_r(NULL, ",", &save);
    l = strtok_r(NULL, ",", &save);
    if (!a || !b || strtok_r(NULL, ",", &save) || inet_pton(AF_INET, a, &ia) != 1 ||
        inet_pton(AF_INET, b, &ib) != 1)
        return -EINVAL;
    if (l && parse_lease(l, &s->lease_secs) < 0)
        return -EINVAL;
    r = dhcp_pool_init(&s->pool, ntohl(ia.s_addr), ntohl(ib.s_addr));
    return r;
}

static int dhcp_add_resv(struct dhcp_state *s, const char *mac, json_t *v)
{
    struct dhcp_resv *rv;
    const char *ip = NULL, *host = NULL;
    struct in_addr a;

    if (s->n_resv >= DHCP_MAX_RESERVATIONS)
        return -E2BIG;
    if (json_is_string(v)) {
        ip = json_string_value(v);
    } else if (json_is_object(v)) {
        ip = json_string_value(json_object_get(v, "ip"));
        host = json_string_value(json_object_get(v, "hostname"));
    }
    rv = &s->resv[s->n_resv];
    if (!ip || inet_pton(AF_INET, ip, &a) != 1 || parse_mac6(mac, rv->mac) < 0)
        return -EINVAL;
    rv->ip = a.s_addr;
    snprintf(rv->hostname, sizeof(rv->hostname), "%s", host ? host : "");
    s->n_resv++;
    return 0;
}

static int dhcp_cfg_reservations(struct dhcp_state *s, json_t *j)
{
    const char *key;
    json_t *v;
    size_t i;
    int r;

    if (!j || json_is_null(j))
        return 0;
    s->resv = calloc(DHCP_MAX_RESERVATIONS, sizeof(*s->resv));
    if (!s->resv)
        return -ENOMEM;
    if (json_is_object(j)) {
        json_object_foreach(j, key, v)
        {
            r = dhcp_add_resv(s, key, v);
            if (r < 0) {
                s->core->log(s->self, PXE_LOG_ERR, "reservations: bad entry for '%.40s'", key);
                return r;
            }
        }
    } else if (json_is_array(j)) {
        json_array_foreach(j, i, v)
        {
            const char *mac = json_string_value(json_object_get(v, "mac"));

            r = mac ? dhcp_add_resv(s, mac, v) : -EINVAL;
            if (r < 0) {
                s->core->log(s->self, PXE_LOG_ERR, "reservations: bad entry %zu", i);
                return r;
            }
        }
    } else {
        s->core->log(s->self, PXE_LOG_ERR, "reservations must be an object or an array");
        return -EINVAL;
    }
    return 0;
}

static int dhcp_cfg_arch_table(struct dhcp_state *s, json_t *j)
{
    const char *key;
    json_t *v;

    if (!j || json_is_null(j))
        return 0;
    if (!json_is_object(j)) {
        s->core->log(s->self, PXE_LOG_ERR, "arch_table must be an object");
        return -EINVAL;
    }
    json_object_foreach(j, key, v)
    {
        const char *file = json_string_value(v);
        char *end;
        long n;
        int c, found = 0;

        if (!file && !json_is_null(v)) {
            s->core->log(s->self, PXE_LOG_ERR, "arch_table: '%.40s' must be a string or null", key);
            return -EINVAL;
        }
        for (c = 0; c < DHCP_ARCH_N; c++)
            if (strcmp(key, dhcp_arch_class_name((enum dhcp_arch_class)c)) == 0) {
                s->boot.file[c] = file;
                found = 1;
            }
        if (found)
            continue;
        n = strtol(key, &end, 10);
        if (*key && !*end && n >= 0 && n < 64) {
            s->boot.override[n] = file ? file : "";
            continue;
        }
        s->core->log(s->self, PXE_LOG_ERR,
                     "arch_table: key '%.40s' is neither 0..63 nor an arch class", key);
        return -EINVAL;
    }
    return 0;
}

int dhcp_config_complete(void *state, void *cfgp)
{
    struct dhcp_state *s = state;
    struct dhcp_cfg *c = cfgp;
    struct in_addr a;
    int r;

    s->cfg = c;
    s->lease_secs = (uint32_t)(c->lease_time / 1000000);
    if (!c->interface || !*c->interface) {
        if ((c->range && *c->range) || c->proxy) {
            s->core->log(s->self, PXE_LOG_ERR,
                         "%s needs an explicit interface (interface): DHCP never serves "
                         "every interface",
                         c->proxy ? "proxy-dhcp" : "dhcp-range");
            return -EINVAL;
        }
        s->idle = 1;
        return 0;
    }
    if (strlen(c->interface) >= sizeof(s->ifname)) {
        s->core->log(s->self, PXE_LOG_ERR, "interface '%.40s': name too long", c->interface);
        return -EINVAL;
    }
    strcpy(s->ifname, c->interface);
    if (!c->proxy && (!c->range || !*c->range)) {
        s->core->log(s->self, PXE_LOG_ERR,
                     "full DHCP mode needs a range (dhcp-range); use proxy-dhcp beside another "
                     "DHCP server");
        return -EINVAL;
    }
    if (c->proxy_relay && !c->proxy) {
        s->core->log(s->self, PXE_LOG_ERR,
                     "proxy_relay is for proxy mode (proxy-dhcp); full mode answers relays "
                     "on its port-67 socket already");
        return -EINVAL;
    }
    if (!c->proxy) {
        r = dhcp_parse_range(s, c->range);
        if (r < 0) {
            s->core->log(s->self, PXE_LOG_ERR,
                         "dhcp-range '%.60s': expected start,end[,lease] with start <= end, "
                         "at most %u addresses, lease >= 2m",
                         c->range, DHCP_POOL_MAX);
            return r == -ENOMEM ? r : -EINVAL;
        }
    }
    if (c->router && inet_pton(AF_INET, c->router, &a) == 1)
        s->router = a.s_addr;
    for (size_t i = 0; c->dns && c->dns[i]; i++) {
        if (s->n_dns >= DHCP_MAX_DNS || inet_pton(AF_INET, c->dns[i], &a) != 1) {
            s->core->log(s->self, PXE_LOG_ERR, "dns: '%.40s' is not an IPv4 address (max %d)",
                         c->dns[i], DHCP_MAX_DNS);
            return -EINVAL;
        }
        s->dns[s->n_dns++] = a.s_addr;
    }
    if (c->netmask && inet_pton(AF_INET, c->netmask, &a) == 1)
        s->netmask = a.s_addr;
    if (c->server_address && inet_pton(AF_INET, c->server_address, &a) == 1)
        s->server_ip = a.s_addr;
    s->boot.file[DHCP_ARCH_BIOS] = c->boot_bios;
    s->boot.file[DHCP_ARCH_EFI32] = c->boot_efi32;
    s->boot.file[DHCP_ARCH_EFI64] = c->boot_efi64;
    s->boot.file[DHCP_ARCH_ARM32] = c->boot_arm32;
    s->boot.file[DHCP_ARCH_ARM64] = c->boot_arm64;
    s->boot.pxelinux_cfg = c->pxelinux_config;
    s->boot.path_prefix = c->path_prefix;
    s->boot.ipxe_script = c->ipxe_script ? c->ipxe_script : "boot.ipxe";
    s->boot.ipxe_chain = c->ipxe_chain;
    r = dhcp_cfg_arch_table(s, c->arch_table);
    if (r < 0)
        return r;
    return dhcp_cfg_reservations(s, c->reservations);
}
