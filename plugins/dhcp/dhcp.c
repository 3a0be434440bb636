/* SPDX-License-Identifier: MIT */
/*
 * DHCP and proxyDHCP server with PXE boot decisions: sockets, config, lease
 * bookkeeping and logging around the pure code in dhcp_proto.c and
 * dhcp_lease.c.  Runs on the core loop (PXE_THREAD_LOOP).
 *
 * Full mode: one UDP socket on 0.0.0.0:67 bound to the interface.
 * Proxy mode: a socket on 255.255.255.255:67 (SO_REUSEADDR|SO_REUSEPORT, so it
 * shares the port with the site's server and sees only broadcasts) plus one
 * on 0.0.0.0:4011 for boot server requests.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <pxecore/plugin.h>

#include "dhcp_lease.h"
#include "dhcp_probe.h"
#include "dhcp_ra.h"
#include "dhcp_proto.h"

#define DHCP_MAX_RESERVATIONS 4096
#define DHCP_MAX_DNS 8
#define DHCP_OFFER_HOLD 60    /* seconds an offered address is held */
#define DHCP_DECLINE_HOLD 600 /* seconds a declined address is quarantined */
#define DHCP_BATCH 64         /* datagrams read per wakeup */
#define DHCP_MAX_PROBES 64    /* DISCOVERs held for a conflict check at once */
#define DHCP_RA_PER_SEC 10    /* router advertisements sent per second at most */

struct dhcp_cfg {
    char *interface;
    char *range;
    uint32_t proxy;
    uint32_t pxe_only;
    uint64_t pxe_grace;
    char *router;
    char **dns;
    char *domain;
    char *netmask;
    char *server_address;
    uint64_t lease_time;
    char *lease_file;
    uint64_t lease_flush;
    struct json_t *reservations;
    struct json_t *arch_table;
    char *boot_bios;
    char *boot_efi32;
    char *boot_efi64;
    char *boot_arm32;
    char *boot_arm64;
    char *pxelinux_config;
    char *path_prefix;
    char *ipxe_script;
    uint32_t ipxe_chain;
    uint64_t conflict_check;
    uint32_t ipv6_ra;
    uint64_t port;
    uint64_t proxy_port;
    uint64_t client_port;
};

#define CFG(f) offsetof(struct dhcp_cfg, f)
static const struct pxe_config_item dhcp_items[] = {
    {"interface", PXE_CFG_STR, 0, NULL, CFG(interface),
     "interface to serve (required; nothing is served without it)", "interface", 0, 0},
    {"range", PXE_CFG_STR, 0, NULL, CFG(range),
     "address pool \"start,end[,lease]\" for full mode, e.g. 192.168.0.50,192.168.0.150,12h",
     "dhcp-range", 0, 0},
    {"proxy", PXE_CFG_BOOL, 0, "false", CFG(proxy),
     "proxyDHCP: only boot information, beside the site's DHCP server", "proxy-dhcp", 0, 0},
    {"pxe_only", PXE_CFG_BOOL, 0, "true", CFG(pxe_only),
     "answer only PXEClient/HTTPClient/iPXE clients in full mode", NULL, 0, 0},
    {"pxe_grace", PXE_CFG_DURATION, 0, "10m", CFG(pxe_grace),
     "pxe_only: how long after a network boot the machine's OS (initramfs) is answered too",
     NULL, 0, 86400000000},
    {"router", PXE_CFG_ADDR, 0, NULL, CFG(router), "option 3 (full mode)", "dhcp-router", 0, 0},
    {"dns", PXE_CFG_STRLIST, 0, NULL, CFG(dns), "option 6 servers (full mode)", "dhcp-dns", 0, 0},
    {"domain", PXE_CFG_STR, 0, NULL, CFG(domain), "option 15 (full mode)", "dhcp-domain", 0, 0},
    {"netmask", PXE_CFG_ADDR, 0, NULL, CFG(netmask),
     "option 1; default: the interface's netmask", NULL, 0, 0},
    {"server_address", PXE_CFG_ADDR, 0, NULL, CFG(server_address),
     "server identifier and next-server; default: the interface's address", NULL, 0, 0},
    {"lease_time", PXE_CFG_DURATION, 0, "1h", CFG(lease_time),
     "lease time when the range gives none", NULL, 120000000, 31536000000000},
    {"lease_file", PXE_CFG_PATH, 0, "${state_dir}/dhcp.leases", CFG(lease_file),
     "lease database (full mode), rewritten atomically", "dhcp-leasefile", 0, 0},
    {"lease_flush", PXE_CFG_DURATION, 0, "1s", CFG(lease_flush),
     "longest delay between a lease change and its write to the lease file", NULL, 10000,
     60000000},
    {"reservations", PXE_CFG_JSON, 0, NULL, CFG(reservations),
     "static addresses: {\"aa:bb:cc:dd:ee:ff\": \"192.0.2.10\" | {\"ip\":..,\"hostname\":..}}",
     NULL, 0, 0},
    {"arch_table", PXE_CFG_JSON, 0, NULL, CFG(arch_table),
     "boot file per option 93 value or class: {\"7\": \"ipxe.efi\", \"arm64\": \"snp.efi\"}",
     NULL, 0, 0},
    {"boot_bios", PXE_CFG_STR, 0, "boot/syslinux/lpxelinux.0", CFG(boot_bios),
     "boot file for BIOS clients (arch 0)", "dhcp-boot", 0, 0},
    {"boot_efi32", PXE_CFG_STR, 0, NULL, CFG(boot_efi32), "boot file for UEFI IA32 (arch 6)",
     NULL, 0, 0},
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
     "PXE ROM (e.g. lpxelinux.0 from QEMU's iPXE ROM)", "dhcp-ipxe-chain", 0, 0},
    {"conflict_check", PXE_CFG_DURATION, 0, "0", CFG(conflict_check),
     "ping a new address and wait this long before offering it (0: off); never blocks",
     NULL, 0, 5000000},
    {"ipv6_ra", PXE_CFG_BOOL, 0, "true", CFG(ipv6_ra),
     "full mode: answer IPv6 Router Solicitations with an advertisement that gives no address "
     "or route, so iPXE stops waiting for IPv6 autoconfiguration (never in proxy mode)",
     "dhcp-ipv6-ra", 0, 0},
    {"port", PXE_CFG_UINT, 0, "67", CFG(port), "server port", NULL, 1, 65535},
    {"proxy_port", PXE_CFG_UINT, 0, "4011", CFG(proxy_port), "PXE boot server port (proxy mode)",
     NULL, 1, 65535},
    {"client_port", PXE_CFG_UINT, 0, "68", CFG(client_port), "client port replies go to", NULL,
     1, 65535},
    {0},
};
#undef CFG

struct dhcp_resv {
    uint8_t mac[6];
    uint32_t ip; /* network order */
    char hostname[DHCP_HOSTNAME_MAX];
};

/* A DISCOVER held while its candidate address is pinged. */
struct dhcp_held {
    int used;
    uint32_t ip; /* network order */
    uint64_t deadline_usec;
    struct sockaddr_in from;
    size_t len;
    uint8_t pkt[1500];
};

struct dhcp_state {
    const struct pxe_core_api *core;
    struct pxe_core *self;
    struct dhcp_cfg *cfg;
    int idle;
    char ifname[IF_NAMESIZE];
    int ifindex;
    uint32_t server_ip, netmask, router, broadcast; /* network order */
    char server_str[INET_ADDRSTRLEN];
    uint32_t dns[DHCP_MAX_DNS];
    size_t n_dns;
    uint32_t lease_secs;
    struct dhcp_pool pool;
    struct dhcp_resv *resv;
    size_t n_resv;
    struct dhcp_boot_cfg boot;
    int fd67, fd4011;
    struct pxe_source *src67, *src4011, *timer;
    int dirty;
    /* Conflict check: ICMP socket, held DISCOVERs, one timer for their deadlines. */
    int fdicmp;
    struct pxe_source *srcicmp, *probe_timer;
    struct dhcp_held *held;
    uint16_t probe_id;
    uint32_t probe_done_ip; /* while replaying a held DISCOVER: offer this one unprobed */
    /* Router Advertisements answering solicitations (full mode): rate-limited per second. */
    int fdra;
    struct pxe_source *srcra;
    struct dhcp_ra_rate ra_rate;
    int ra_warned;
    /* Lease file writer: the loop formats, a short-lived thread writes and fsyncs. */
    pthread_t writer;
    int writer_running;
    atomic_int writer_done;
    int writer_result;
    char *wbuf;
    size_t wlen;
    uint64_t last_warn_usec;
    int warned_no_http;
    uint8_t out[DHCP_MAX_REPLY + 28];
};

static int dhcp_load(const struct pxe_core_api *core, struct pxe_core *self, void **ret_state)
{
    struct dhcp_state *s = calloc(1, sizeof(*s));

    if (!s)
        return -ENOMEM;
    s->core = core;
    s->self = self;
    s->fd67 = s->fd4011 = s->fdicmp = s->fdra = -1;
    *ret_state = s;
    return 0;
}

static int parse_mac6(const char *str, uint8_t mac[6])
{
    unsigned v[6];
    char end;

    if (sscanf(str, "%2x%*1[:-]%2x%*1[:-]%2x%*1[:-]%2x%*1[:-]%2x%*1[:-]%2x%c", &v[0], &v[1],
               &v[2], &v[3], &v[4], &v[5], &end) != 6)
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
    case 'd': v *= 86400; end++; break;
    case 'h': v *= 3600; end++; break;
    case 'm': v *= 60; end++; break;
    case 's': end++; break;
    default: break;
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
        json_object_foreach(j, key, v) {
            r = dhcp_add_resv(s, key, v);
            if (r < 0) {
                s->core->log(s->self, PXE_LOG_ERR, "reservations: bad entry for '%.40s'", key);
                return r;
            }
        }
    } else if (json_is_array(j)) {
        json_array_foreach(j, i, v) {
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
    json_object_foreach(j, key, v) {
        const char *file = json_string_value(v);
        char *end;
        long n;
        int c, found = 0;

        if (!file && !json_is_null(v)) {
            s->core->log(s->self, PXE_LOG_ERR, "arch_table: '%.40s' must be a string or null",
                         key);
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

static int dhcp_config_complete(void *state, void *cfgp)
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

/* Reads the interface's IPv4 address and netmask (network order). */
static int dhcp_if_addr(const char *ifname, uint32_t *ret_ip, uint32_t *ret_mask, int *ret_index)
{
    struct ifreq ifr;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;

    if (fd < 0)
        return -errno;
    memset(&ifr, 0, sizeof(ifr));
    memcpy(ifr.ifr_name, ifname, strnlen(ifname, IF_NAMESIZE - 1));
    if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
        r = -errno;
        goto out;
    }
    *ret_index = ifr.ifr_ifindex;
    if (ioctl(fd, SIOCGIFADDR, &ifr) < 0) {
        r = -errno;
        goto out;
    }
    *ret_ip = ((struct sockaddr_in *)(void *)&ifr.ifr_addr)->sin_addr.s_addr;
    if (ioctl(fd, SIOCGIFNETMASK, &ifr) < 0) {
        r = -errno;
        goto out;
    }
    *ret_mask = ((struct sockaddr_in *)(void *)&ifr.ifr_netmask)->sin_addr.s_addr;
out:
    close(fd);
    return r;
}

static int dhcp_socket(const char *ifname, uint32_t addr, uint16_t port, int *ret_fd)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr = {addr}};
    int one = 1, rcvbuf = 4 << 20, fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -errno;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
        setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) < 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int r = -errno;

        close(fd);
        return r;
    }
    /* Bursts of PXE clients (a rack powering on) must not overflow the default buffer. */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    *ret_fd = fd;
    return 0;
}

static int dhcp_bind(void *state)
{
    struct dhcp_state *s = state;
    struct dhcp_cfg *c = s->cfg;
    uint32_t ip = 0, mask = 0;
    int r;

    if (s->idle)
        return 0;
    r = dhcp_if_addr(s->ifname, &ip, &mask, &s->ifindex);
    if (r < 0 && !(r == -EADDRNOTAVAIL && s->server_ip && s->netmask)) {
        s->core->log(s->self, PXE_LOG_ERR, "interface %s: %s (it needs an IPv4 address)",
                     s->ifname, strerror(-r));
        return r;
    }
    if (!s->server_ip)
        s->server_ip = ip;
    if (!s->netmask)
        s->netmask = mask;
    s->broadcast = (s->server_ip & s->netmask) | ~s->netmask;
    inet_ntop(AF_INET, &s->server_ip, s->server_str, sizeof(s->server_str));
    s->boot.server_ip = s->server_str;

    /* Proxy mode listens to broadcasts only: the site server keeps its unicast traffic. */
    r = dhcp_socket(s->ifname, c->proxy ? INADDR_BROADCAST : INADDR_ANY, (uint16_t)c->port,
                    &s->fd67);
    if (r < 0) {
        s->core->log(s->self, PXE_LOG_ERR, "bind %s:%" PRIu64 " on %s: %s",
                     c->proxy ? "255.255.255.255" : "0.0.0.0", c->port, s->ifname, strerror(-r));
        return r;
    }
    if (!c->proxy && c->conflict_check) {
        r = dhcp_probe_open(s->ifname, &s->fdicmp);
        if (r < 0) {
            s->core->log(s->self, PXE_LOG_ERR, "conflict_check: ICMP socket on %s: %s",
                         s->ifname, strerror(-r));
            return r;
        }
        s->held = calloc(DHCP_MAX_PROBES, sizeof(*s->held));
        if (!s->held)
            return -ENOMEM;
        s->probe_id = (uint16_t)(getpid() ^ 0x5058);
    }
    if (!c->proxy && c->ipv6_ra) {
        r = dhcp_ra_open(s->ifname, s->ifindex, &s->fdra);
        if (r < 0)
            s->core->log(s->self, PXE_LOG_NOTICE,
                         "ipv6_ra: ICMPv6 socket on %s: %s; no router advertisements",
                         s->ifname, strerror(-r));
    }
    if (c->proxy) {
        r = dhcp_socket(s->ifname, INADDR_ANY, (uint16_t)c->proxy_port, &s->fd4011);
        if (r < 0) {
            s->core->log(s->self, PXE_LOG_ERR, "bind 0.0.0.0:%" PRIu64 " on %s: %s",
                         c->proxy_port, s->ifname, strerror(-r));
            return r;
        }
    }
    return 0;
}

static void dhcp_warn(struct dhcp_state *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Rate-limited warning: at most one per second. */
static void dhcp_warn(struct dhcp_state *s, const char *fmt, ...)
{
    uint64_t now = s->core->now_usec();
    va_list ap;

    if (s->last_warn_usec && now - s->last_warn_usec < 1000000)
        return;
    s->last_warn_usec = now;
    va_start(ap, fmt);
    s->core->vlog(s->self, PXE_LOG_WARNING, fmt, ap);
    va_end(ap);
}

static const struct dhcp_resv *dhcp_find_resv(const struct dhcp_state *s, const uint8_t *mac,
                                              size_t len)
{
    if (len != 6)
        return NULL;
    for (size_t i = 0; i < s->n_resv; i++)
        if (memcmp(s->resv[i].mac, mac, 6) == 0)
            return &s->resv[i];
    return NULL;
}

/* Boot information for m; returns 0 with boot->kind NONE when nothing should be loaded. */
static int dhcp_boot_for(struct dhcp_state *s, const struct dhcp_msg *m, const char *mac,
                         struct dhcp_boot *boot)
{
    const struct pxe_host *h = s->core->host_lookup ? s->core->host_lookup(s->self, mac) : NULL;
    int r;

    s->boot.http_port = s->core->service_port ? s->core->service_port(s->self, "http") : 0;
    r = dhcp_boot_decide(m, &s->boot, mac, boot);
    if (r < 0)
        return r;
    if (h && h->local_boot) {
        s->core->log(s->self, PXE_LOG_INFO, "%s: host profile says local boot, no boot file",
                     mac);
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

/*
 * pxe_only lets a non-PXE client through when it is the system a PXE client of
 * ours just booted (same MAC): a DISCOVER or REQUEST within pxe_grace of the
 * last PXE ACK, or a renewal (ciaddr) of that lease at any time while it lasts.
 * Reserved MACs are always answered.
 */
static int dhcp_booted_by_us(struct dhcp_state *s, const struct dhcp_msg *m)
{
    const struct dhcp_lease *l;
    uint64_t now = (uint64_t)time(NULL);

    if (dhcp_find_resv(s, m->chaddr, m->hlen))
        return 1;
    l = dhcp_pool_find(&s->pool, m->chaddr, m->hlen);
    if (!l || l->state != DHCP_LEASE_BOUND || l->expires <= now || !l->pxe_at)
        return 0;
    if (m->ciaddr && m->ciaddr == htonl(dhcp_pool_ip(&s->pool, l)))
        return 1;
    return now - l->pxe_at <= s->cfg->pxe_grace / 1000000;
}

static void dhcp_count(struct dhcp_state *s, uint8_t type)
{
    static const char *const names[] = {NULL,           "discover_total", "offer_total",
                                        "request_total", "decline_total", "ack_total",
                                        "nak_total",     "release_total", "inform_total"};
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

/*
 * Sends a reply.  dst: where the request came from (for 4011 and relays).
 * Full mode rules of RFC 2131 4.1: relay -> giaddr:67; ciaddr -> unicast;
 * broadcast bit or no address -> broadcast; else unicast to yiaddr after
 * teaching the kernel the client's MAC (broadcast if that fails).
 */
static void dhcp_send(struct dhcp_state *s, int fd, const struct dhcp_msg *m, const uint8_t *buf,
                      size_t len, const struct sockaddr_in *from, int to_source)
{
    struct sockaddr_in to = {.sin_family = AF_INET};
    char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))];
    struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
    struct msghdr mh = {.msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = &iov,
                        .msg_iovlen = 1};
    uint32_t yiaddr;
    struct cmsghdr *cm;
    struct in_pktinfo *pi;

    memcpy(&yiaddr, buf + 16, 4);
    if (to_source) {
        to = *from;
    } else if (m->giaddr) {
        to.sin_addr.s_addr = m->giaddr;
        to.sin_port = htons((uint16_t)s->cfg->port);
    } else if (m->ciaddr && buf[DHCP_MIN_LEN + 2] != DHCP_NAK) {
        to.sin_addr.s_addr = m->ciaddr;
        to.sin_port = htons((uint16_t)s->cfg->client_port);
    } else {
        to.sin_addr.s_addr = INADDR_BROADCAST;
        to.sin_port = htons((uint16_t)s->cfg->client_port);
        if (yiaddr && !(m->flags & DHCP_FLAG_BROADCAST) && m->hlen == 6 &&
            buf[DHCP_MIN_LEN + 2] != DHCP_NAK) {
            struct arpreq req;
            struct sockaddr_in *pa = (struct sockaddr_in *)(void *)&req.arp_pa;

            memset(&req, 0, sizeof(req));
            pa->sin_family = AF_INET;
            pa->sin_addr.s_addr = yiaddr;
            req.arp_ha.sa_family = ARPHRD_ETHER;
            memcpy(req.arp_ha.sa_data, m->chaddr, 6);
            req.arp_flags = ATF_COM;
            memcpy(req.arp_dev, s->ifname, strnlen(s->ifname, sizeof(req.arp_dev) - 1));
            if (ioctl(fd, SIOCSARP, &req) == 0)
                to.sin_addr.s_addr = yiaddr;
        }
    }
    /* Source address: ours, also from the broadcast-bound proxy socket. */
    memset(cbuf, 0, sizeof(cbuf));
    mh.msg_control = cbuf;
    mh.msg_controllen = sizeof(cbuf);
    cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = IPPROTO_IP;
    cm->cmsg_type = IP_PKTINFO;
    cm->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
    pi = (struct in_pktinfo *)(void *)CMSG_DATA(cm);
    pi->ipi_ifindex = s->ifindex;
    pi->ipi_spec_dst.s_addr = s->server_ip;
    if (sendmsg(fd, &mh, 0) < 0) {
        int r = errno;

        s->core->metric_add(s->self, "send_errors_total", "replies the kernel refused", 1);
        dhcp_warn(s, "sendto %s: %s", inet_ntoa(to.sin_addr), strerror(r));
    }
}

/* Fills the parts of a reply common to every mode. */
static void dhcp_reply_base(struct dhcp_state *s, struct dhcp_reply *rp, uint8_t type,
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

static void dhcp_netconf(struct dhcp_state *s, struct dhcp_reply *rp)
{
    rp->netmask = s->netmask;
    rp->router = s->router;
    rp->broadcast = s->broadcast;
    rp->dns = s->dns;
    rp->n_dns = s->n_dns;
    rp->domain = s->cfg->domain;
}

static int dhcp_emit(struct dhcp_state *s, int fd, const struct dhcp_msg *m,
                     const struct dhcp_reply *rp, const struct sockaddr_in *from, int to_source,
                     const char *mac)
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
        s->core->log(s->self, PXE_LOG_INFO, "DHCP%s(%s) %s %s", dhcp_type_name(rp->type),
                     s->ifname, ip, mac);
    if (rp->type == DHCP_OFFER)
        s->core->event(s->self, "dhcp.offer", mac, rp->yiaddr ? ip : NULL,
                       s->cfg->proxy ? PXE_PHASE_DHCP : PXE_PHASE_NONE, "%s%s",
                       s->cfg->proxy ? "proxy offer " : "offer ",
                       rp->boot ? rp->boot->file : "");
    else if (rp->type == DHCP_ACK)
        s->core->event(s->self, "dhcp.ack", mac, rp->yiaddr ? ip : NULL, PXE_PHASE_DHCP, "%s%s",
                       s->cfg->proxy ? "proxy ack " : "ack ", rp->boot ? rp->boot->file : "");
    return 0;
}

static void dhcp_nak(struct dhcp_state *s, int fd, const struct dhcp_msg *m, const char *mac,
                     const char *why)
{
    struct dhcp_reply rp;

    dhcp_reply_base(s, &rp, DHCP_NAK, NULL);
    rp.message = why;
    dhcp_emit(s, fd, m, &rp, NULL, 0, mac);
}

static int dhcp_probe_start(struct dhcp_state *s, uint32_t ip, const uint8_t *pkt, size_t len,
                            const struct sockaddr_in *from);

/* OFFER or ACK of address ip (network order) with the client's boot answer. */
static void dhcp_lease_reply(struct dhcp_state *s, int fd, const struct dhcp_msg *m,
                             const char *mac, const struct sockaddr_in *from, uint8_t type,
                             uint32_t ip, const struct dhcp_resv *rv)
{
    struct dhcp_boot boot;
    struct dhcp_reply rp;

    if (dhcp_boot_for(s, m, mac, &boot) < 0)
        boot.kind = DHCP_BOOT_NONE;
    dhcp_reply_base(s, &rp, type, &boot);
    dhcp_netconf(s, &rp);
    rp.yiaddr = ip;
    rp.lease_secs = s->lease_secs;
    rp.hostname = rv && rv->hostname[0] ? rv->hostname : NULL;
    dhcp_emit(s, fd, m, &rp, from, 0, mac);
}

/* Full mode: one message from a client we serve. */
static void dhcp_full(struct dhcp_state *s, int fd, const struct dhcp_msg *m, const char *mac,
                      const struct sockaddr_in *from, const uint8_t *pkt, size_t len)
{
    const uint8_t *hw = m->chaddr;
    size_t hlen = m->hlen;
    const struct dhcp_resv *rv = dhcp_find_resv(s, hw, hlen);
    uint64_t now = (uint64_t)time(NULL);
    struct dhcp_lease *l = NULL;
    struct dhcp_boot boot;
    struct dhcp_reply rp;
    uint32_t ip;

    switch (m->type) {
    case DHCP_DISCOVER:
        if (rv) {
            ip = rv->ip;
        } else {
            l = dhcp_pool_pick(&s->pool, hw, hlen, ntohl(m->requested_ip), now);
            if (!l) {
                dhcp_warn(s, "DHCPDISCOVER(%s) %s: no address available", s->ifname, mac);
                s->core->metric_add(s->self, "exhausted_total", "DISCOVERs with no free address",
                                    1);
                return;
            }
            ip = htonl(dhcp_pool_ip(&s->pool, l));
            if (l->state != DHCP_LEASE_BOUND || l->expires <= now) {
                dhcp_pool_set(&s->pool, l, hw, hlen, DHCP_LEASE_OFFERED, now + DHCP_OFFER_HOLD);
                /* A new address: ask the network first if so configured; answer later. */
                if (s->held && ip != s->probe_done_ip &&
                    dhcp_probe_start(s, ip, pkt, len, from) == 0)
                    return;
            }
        }
        dhcp_lease_reply(s, fd, m, mac, from, DHCP_OFFER, ip, rv);
        return;

    case DHCP_REQUEST:
        if (m->server_id && m->server_id != s->server_ip) {
            /* The client took another server's offer: free what we held for it. */
            l = dhcp_pool_find(&s->pool, hw, hlen);
            if (l && l->state == DHCP_LEASE_OFFERED)
                dhcp_pool_set(&s->pool, l, hw, hlen, DHCP_LEASE_FREE, 0);
            return;
        }
        ip = m->requested_ip ? m->requested_ip : m->ciaddr;
        if (!ip)
            return;
        if (rv) {
            if (ip != rv->ip) {
                dhcp_nak(s, fd, m, mac, "wrong address");
                return;
            }
        } else {
            l = dhcp_pool_at(&s->pool, ntohl(ip));
            if (!l || !dhcp_pool_usable(l, hw, hlen, now)) {
                dhcp_nak(s, fd, m, mac, l ? "address in use" : "address not available");
                return;
            }
            dhcp_pool_set(&s->pool, l, hw, hlen, DHCP_LEASE_BOUND,
                          s->lease_secs == 0xffffffffu ? UINT64_MAX / 2 : now + s->lease_secs);
            if (m->hostname)
                dhcp_lease_set_hostname(l, m->hostname, m->hostname_len);
            if (m->kind & (DHCP_CLIENT_PXE | DHCP_CLIENT_HTTP | DHCP_CLIENT_IPXE))
                l->pxe_at = now;
            s->dirty = 1;
        }
        dhcp_lease_reply(s, fd, m, mac, from, DHCP_ACK, ip, rv);
        return;

    case DHCP_INFORM:
        if (dhcp_boot_for(s, m, mac, &boot) < 0)
            boot.kind = DHCP_BOOT_NONE;
        dhcp_reply_base(s, &rp, DHCP_ACK, &boot);
        dhcp_netconf(s, &rp);
        dhcp_emit(s, fd, m, &rp, from, 0, mac);
        return;

    case DHCP_DECLINE:
        if (m->server_id != s->server_ip)
            return;
        l = dhcp_pool_at(&s->pool, ntohl(m->requested_ip));
        if (l && l->mac_len == hlen && memcmp(l->mac, hw, hlen) == 0) {
            char ipb[INET_ADDRSTRLEN];

            inet_ntop(AF_INET, &m->requested_ip, ipb, sizeof(ipb));
            s->core->log(s->self, PXE_LOG_WARNING,
                         "%s declined %s (address in use on the network), quarantined %ds", mac,
                         ipb, DHCP_DECLINE_HOLD);
            dhcp_pool_set(&s->pool, l, NULL, 0, DHCP_LEASE_DECLINED, now + DHCP_DECLINE_HOLD);
            s->dirty = 1;
        }
        return;

    case DHCP_RELEASE:
        l = dhcp_pool_at(&s->pool, ntohl(m->ciaddr));
        if (l && l->state == DHCP_LEASE_BOUND && l->mac_len == hlen &&
            memcmp(l->mac, hw, hlen) == 0) {
            dhcp_pool_set(&s->pool, l, hw, hlen, DHCP_LEASE_FREE, 0);
            s->dirty = 1;
        }
        return;
    default:
        return;
    }
}

/* Proxy mode: boot information only, yiaddr 0.  on4011: the boot server socket. */
static void dhcp_proxy(struct dhcp_state *s, int fd, const struct dhcp_msg *m, const char *mac,
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
    /* Boot server ACKs (4011) go back where the request came from. */
    dhcp_emit(s, fd, m, &rp, from, on4011 && from->sin_addr.s_addr != 0, mac);
}

static void dhcp_packet(struct dhcp_state *s, int fd, const uint8_t *pkt, size_t len,
                        const struct sockaddr_in *from)
{
    struct dhcp_msg m;
    char mac[16 * 3];
    int on4011 = fd == s->fd4011;

    if (dhcp_parse(pkt, len, &m) < 0) {
        s->core->metric_add(s->self, "malformed_total", "datagrams dropped as malformed", 1);
        dhcp_warn(s, "malformed DHCP datagram (%zu bytes) from %s, dropped", len,
                  inet_ntoa(from->sin_addr));
        return;
    }
    dhcp_count(s, m.type);
    dhcp_mac_str(&m, mac, sizeof(mac));
    if (m.type != DHCP_REQUEST || !m.server_id || m.server_id == s->server_ip || on4011)
        s->core->log(s->self, PXE_LOG_INFO, "DHCP%s(%s) %s", dhcp_type_name(m.type), s->ifname,
                     mac);
    if (m.type == DHCP_DISCOVER)
        s->core->event(s->self, "dhcp.discover", mac, NULL, PXE_PHASE_NONE, "arch %u%s%s",
                       m.has_arch ? m.arch : 0, (m.kind & DHCP_CLIENT_IPXE) ? " ipxe" : "",
                       (m.kind & DHCP_CLIENT_HTTP) ? " http" : "");
    if ((s->cfg->proxy || s->cfg->pxe_only) &&
        !(m.kind & (DHCP_CLIENT_PXE | DHCP_CLIENT_HTTP | DHCP_CLIENT_IPXE)) &&
        m.type != DHCP_RELEASE && m.type != DHCP_DECLINE &&
        (s->cfg->proxy || !dhcp_booted_by_us(s, &m))) {
        s->core->metric_add(s->self, "ignored_total", "requests from non-PXE clients ignored", 1);
        return;
    }
    if (s->cfg->proxy)
        dhcp_proxy(s, fd, &m, mac, from, on4011);
    else
        dhcp_full(s, fd, &m, mac, from, pkt, len);
}

/* Answers a held DISCOVER: offer done_ip unprobed (timeout), or pick again (conflict). */
static void dhcp_probe_replay(struct dhcp_state *s, struct dhcp_held *h, uint32_t done_ip)
{
    struct dhcp_msg m;
    char mac[16 * 3];

    h->used = 0;
    if (dhcp_parse(h->pkt, h->len, &m) < 0)
        return;
    dhcp_mac_str(&m, mac, sizeof(mac));
    s->probe_done_ip = done_ip;
    dhcp_full(s, s->fd67, &m, mac, &h->from, h->pkt, h->len);
    s->probe_done_ip = 0;
}

static void dhcp_probe_arm(struct dhcp_state *s)
{
    uint64_t now = s->core->now_usec(), next = 0;

    for (int i = 0; i < DHCP_MAX_PROBES; i++)
        if (s->held[i].used && (!next || s->held[i].deadline_usec < next))
            next = s->held[i].deadline_usec;
    s->core->timer_set(s->probe_timer, next ? (next > now ? next - now : 1) : 0);
}

/* Holds the DISCOVER in pkt and pings ip.  -EBUSY when too many are held. */
static int dhcp_probe_start(struct dhcp_state *s, uint32_t ip, const uint8_t *pkt, size_t len,
                            const struct sockaddr_in *from)
{
    for (int i = 0; i < DHCP_MAX_PROBES; i++) {
        struct dhcp_held *h = &s->held[i];
        int r;

        if (h->used)
            continue;
        if (len > sizeof(h->pkt))
            return -E2BIG;
        r = dhcp_probe_send(s->fdicmp, ip, s->probe_id, (uint16_t)i);
        if (r < 0)
            return r;
        memmove(h->pkt, pkt, len); /* a replay may hold the same buffer again */
        h->len = len;
        h->from = *from;
        h->ip = ip;
        h->used = 1;
        h->deadline_usec = s->core->now_usec() + s->cfg->conflict_check;
        dhcp_probe_arm(s);
        return 0;
    }
    s->core->metric_add(s->self, "probe_overflow_total",
                        "DISCOVERs offered unprobed: too many checks in flight", 1);
    return -EBUSY;
}

static void dhcp_probe_tick(void *ud)
{
    struct dhcp_state *s = ud;
    uint64_t now = s->core->now_usec();

    for (int i = 0; i < DHCP_MAX_PROBES; i++)
        if (s->held[i].used && s->held[i].deadline_usec <= now)
            dhcp_probe_replay(s, &s->held[i], s->held[i].ip);
    dhcp_probe_arm(s);
}

static void dhcp_icmp_readable(void *ud, int fd, uint32_t events)
{
    struct dhcp_state *s = ud;
    uint8_t buf[1500];

    for (int n = 0; n < DHCP_BATCH; n++) {
        ssize_t len = recv(fd, buf, sizeof(buf), 0);
        uint32_t src;
        uint16_t seq;
        struct dhcp_held *h;
        char ip[INET_ADDRSTRLEN];

        if (len < 0)
            return;
        if (dhcp_probe_parse(buf, (size_t)len, s->probe_id, &src, &seq) < 0 ||
            seq >= DHCP_MAX_PROBES || !s->held[seq].used || s->held[seq].ip != src)
            continue;
        h = &s->held[seq];
        inet_ntop(AF_INET, &src, ip, sizeof(ip));
        s->core->log(s->self, PXE_LOG_WARNING,
                     "%s answers ping: in use on the network, quarantined %ds, offering another",
                     ip, DHCP_DECLINE_HOLD);
        s->core->metric_add(s->self, "conflicts_total", "offered addresses found in use", 1);
        dhcp_pool_set(&s->pool, dhcp_pool_at(&s->pool, ntohl(src)), NULL, 0,
                      DHCP_LEASE_DECLINED, (uint64_t)time(NULL) + DHCP_DECLINE_HOLD);
        dhcp_probe_replay(s, h, 0);
        dhcp_probe_arm(s);
    }
}

static void dhcp_readable(void *ud, int fd, uint32_t events)
{
    struct dhcp_state *s = ud;
    uint8_t pkt[2048];

    for (int i = 0; i < DHCP_BATCH; i++) {
        struct sockaddr_in from;
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(fd, pkt, sizeof(pkt), MSG_TRUNC, (struct sockaddr *)&from, &fl);

        if (n < 0)
            return; /* EAGAIN, or an ICMP error we have nothing to do with */
        if ((size_t)n > sizeof(pkt)) {
            s->core->metric_add(s->self, "malformed_total", "datagrams dropped as malformed", 1);
            continue;
        }
        dhcp_packet(s, fd, pkt, (size_t)n, &from);
    }
}

static void *dhcp_writer_main(void *ud)
{
    struct dhcp_state *s = ud;

    s->writer_result =
        s->core->write_atomic(s->self, s->cfg->lease_file, s->wbuf, s->wlen, 0644);
    atomic_store(&s->writer_done, 1);
    return NULL;
}

static void dhcp_writer_finish(struct dhcp_state *s)
{
    s->writer_running = 0;
    free(s->wbuf);
    s->wbuf = NULL;
    if (s->writer_result < 0) {
        s->dirty = 1;
        dhcp_warn(s, "writing lease file %s: %s (retrying)", s->cfg->lease_file,
                  strerror(-s->writer_result));
    }
}

/* Collects a finished write; wait: block until the writer is done. */
static void dhcp_writer_reap(struct dhcp_state *s, int wait)
{
    if (!s->writer_running || (!wait && !atomic_load(&s->writer_done)))
        return;
    pthread_join(s->writer, NULL);
    dhcp_writer_finish(s);
}

/* Writes the lease file if it changed.  sync: in this thread (at start and stop). */
static void dhcp_flush(struct dhcp_state *s, int sync)
{
    uint64_t now = (uint64_t)time(NULL);

    dhcp_writer_reap(s, sync);
    if (s->dirty && s->cfg->lease_file && !s->writer_running) {
        int r = dhcp_pool_format(&s->pool, now, &s->wbuf, &s->wlen);

        if (r < 0) {
            dhcp_warn(s, "lease file: %s", strerror(-r));
        } else {
            s->dirty = 0;
            atomic_store(&s->writer_done, 0);
            s->writer_running = 1;
            if (sync || pthread_create(&s->writer, NULL, dhcp_writer_main, s) != 0) {
                dhcp_writer_main(s);
                dhcp_writer_finish(s);
            }
        }
    }
    s->core->metric_set(s->self, "leases", "bound, unexpired leases",
                        (int64_t)dhcp_pool_bound(&s->pool, now));
}

static void dhcp_tick(void *ud)
{
    struct dhcp_state *s = ud;

    dhcp_flush(s, 0);
    s->core->timer_set(s->timer, s->cfg->lease_flush);
}

/* Answers each valid Router Solicitation, at most DHCP_RA_PER_SEC a second. */
static void dhcp_ra_readable(void *ud, int fd, uint32_t events)
{
    struct dhcp_state *s = ud;
    struct dhcp_ra_stats st;
    uint8_t ra[DHCP_RA_LEN];
    /* The dhcp6 plugin advertises on this link itself, with its M/O flags. */
    int theirs = s->core->service_port(s->self, "ipv6-ra") == (uint32_t)s->ifindex;

    (void)events;
    dhcp_ra_build(ra);
    dhcp_ra_serve(fd, s->ifindex, theirs ? NULL : ra, sizeof(ra), s->core->now_usec(),
                  DHCP_RA_PER_SEC, &s->ra_rate, &st);
    s->core->metric_add(s->self, "rs_malformed_total",
                        "IPv6 router solicitations dropped as malformed", st.malformed);
    s->core->metric_add(s->self, "rs_received_total", "IPv6 router solicitations received",
                        st.received);
    s->core->metric_add(s->self, "ra_sent_total", "IPv6 router advertisements sent", st.sent);
    if (st.send_error && !s->ra_warned) {
        s->core->log(s->self, PXE_LOG_NOTICE, "ipv6_ra: router advertisement on %s: %s%s",
                     s->ifname, strerror(-st.send_error),
                     st.send_error == -EADDRNOTAVAIL ? " (no IPv6 link-local address)" : "");
        s->ra_warned = 1;
    }
}

static int dhcp_start(void *state)
{
    struct dhcp_state *s = state;
    struct dhcp_cfg *c = s->cfg;
    int r;

    if (s->idle) {
        s->core->log(s->self, PXE_LOG_NOTICE,
                     "no interface configured: DHCP stays idle (set interface and dhcp-range, or "
                     "interface and proxy-dhcp)");
        return 0;
    }
    if (!c->proxy) {
        unsigned skipped = 0;

        for (size_t i = 0; i < s->n_resv; i++) {
            struct dhcp_lease *l = dhcp_pool_at(&s->pool, ntohl(s->resv[i].ip));

            if (l)
                dhcp_pool_set(&s->pool, l, s->resv[i].mac, 6, DHCP_LEASE_RESERVED, 0);
        }
        r = c->lease_file ? dhcp_pool_load(&s->pool, c->lease_file, (uint64_t)time(NULL),
                                           &skipped)
                          : 0;
        if (r < 0) {
            s->core->log(s->self, PXE_LOG_ERR, "lease file %s: %s", c->lease_file,
                         strerror(-r));
            return r;
        }
        s->core->log(s->self, PXE_LOG_INFO, "lease file %s: %d leases loaded, %u skipped",
                     c->lease_file, r, skipped);
        r = s->core->timer_add(s->self, c->lease_flush, dhcp_tick, s, &s->timer);
        if (r < 0)
            return r;
        dhcp_flush(s, 1);
    }
    if (s->fdicmp >= 0) {
        r = s->core->io_add(s->self, s->fdicmp, PXE_IO_IN, dhcp_icmp_readable, s, &s->srcicmp);
        if (r == 0)
            r = s->core->timer_add(s->self, 1000000, dhcp_probe_tick, s, &s->probe_timer);
        if (r < 0)
            return r;
        s->core->timer_set(s->probe_timer, 0);
    }
    r = s->core->io_add(s->self, s->fd67, PXE_IO_IN, dhcp_readable, s, &s->src67);
    if (r < 0)
        return r;
    if (s->fdra >= 0) {
        r = s->core->io_add(s->self, s->fdra, PXE_IO_IN, dhcp_ra_readable, s, &s->srcra);
        if (r < 0)
            return r;
        s->core->log(s->self, PXE_LOG_INFO, "ipv6_ra: answering router solicitations on %s",
                     s->ifname);
    }
    if (s->fd4011 >= 0) {
        r = s->core->io_add(s->self, s->fd4011, PXE_IO_IN, dhcp_readable, s, &s->src4011);
        if (r < 0)
            return r;
    }
    if (c->proxy)
        s->core->log(s->self, PXE_LOG_INFO, "proxyDHCP on %s (%s), ports %" PRIu64 " and %" PRIu64,
                     s->ifname, s->server_str, c->port, c->proxy_port);
    else
        s->core->log(s->self, PXE_LOG_INFO, "DHCP on %s (%s), range %s, lease %us%s", s->ifname,
                     s->server_str, c->range, s->lease_secs,
                     c->pxe_only ? ", PXE clients only" : "");
    return 0;
}

static void dhcp_stop(void *state)
{
    struct dhcp_state *s = state;

    s->core->source_free(s->src67);
    s->core->source_free(s->src4011);
    s->core->source_free(s->timer);
    s->core->source_free(s->srcicmp);
    s->core->source_free(s->probe_timer);
    s->core->source_free(s->srcra);
    s->srcra = NULL;
    s->src67 = s->src4011 = s->timer = s->srcicmp = s->probe_timer = NULL;
    if (!s->idle && !s->cfg->proxy)
        dhcp_flush(s, 1);
}

static void dhcp_unload(void *state)
{
    struct dhcp_state *s = state;

    if (!s)
        return;
    if (s->fd67 >= 0)
        close(s->fd67);
    if (s->fd4011 >= 0)
        close(s->fd4011);
    if (s->fdicmp >= 0)
        close(s->fdicmp);
    if (s->fdra >= 0)
        close(s->fdra);
    free(s->held);
    dhcp_pool_done(&s->pool);
    free(s->resv);
    free(s);
}

static int dhcp_status(void *state, struct json_t **ret_json)
{
    struct dhcp_state *s = state;
    json_t *j;

    if (s->idle)
        j = json_pack("{s:s}", "mode", "idle");
    else
        j = json_pack("{s:s, s:s, s:s, s:I, s:I}", "mode", s->cfg->proxy ? "proxy" : "full",
                      "interface", s->ifname, "server", s->server_str, "pool_size",
                      (json_int_t)s->pool.n, "leases",
                      (json_int_t)dhcp_pool_bound(&s->pool, (uint64_t)time(NULL)));
    if (!j)
        return -ENOMEM;
    *ret_json = j;
    return 0;
}

/* GET leases: {"leases": [{"mac", "ip", "expires", "hostname"?, "state"}]} (docs/api.md). */
static int dhcp_api_leases(struct dhcp_state *s, json_t **ret_json)
{
    uint64_t now = (uint64_t)time(NULL);
    json_t *arr = json_array(), *j;

    if (!arr)
        return -ENOMEM;
    for (uint32_t i = 0; i < s->pool.n; i++) {
        const struct dhcp_lease *l = &s->pool.l[i];
        char mac[16 * 3], ip[INET_ADDRSTRLEN];
        struct in_addr a = {htonl(s->pool.start + i)};
        static const char hex[] = "0123456789abcdef";
        char *o = mac;
        json_t *e;

        if ((l->state != DHCP_LEASE_BOUND && l->state != DHCP_LEASE_OFFERED) ||
            l->expires <= now || !l->mac_len)
            continue;
        for (unsigned k = 0; k < l->mac_len; k++) {
            if (k)
                *o++ = ':';
            *o++ = hex[l->mac[k] >> 4];
            *o++ = hex[l->mac[k] & 15];
        }
        *o = '\0';
        inet_ntop(AF_INET, &a, ip, sizeof(ip));
        e = json_pack("{s:s, s:s, s:I, s:s}", "mac", mac, "ip", ip, "expires",
                      (json_int_t)l->expires, "state",
                      l->state == DHCP_LEASE_BOUND ? "bound" : "offered");
        if (!e || (l->hostname[0] && json_object_set_new(e, "hostname",
                                                         json_string(l->hostname)) < 0) ||
            json_array_append_new(arr, e) < 0) {
            json_decref(e);
            json_decref(arr);
            return -ENOMEM;
        }
    }
    j = json_pack("{s:o}", "leases", arr);
    if (!j)
        return -ENOMEM;
    *ret_json = j;
    return 200;
}

static int dhcp_api_call(void *state, const char *method, const char *subpath, json_t *body,
                         json_t **ret_json)
{
    struct dhcp_state *s = state;

    if (strcmp(subpath, "leases") != 0)
        return -ENOENT;
    if (strcmp(method, "GET") != 0)
        return -EOPNOTSUPP;
    return dhcp_api_leases(s, ret_json);
}

static struct pxe_plugin dhcp_plugin = {
    .thread_model = PXE_THREAD_LOOP,
    .caps = PXE_CAP_SERVICE,
    .name = "dhcp",
    .version = "0.1.0",
    .description = "DHCP and proxyDHCP server with PXE boot decisions",
    .config_items = dhcp_items,
    .config_size = sizeof(struct dhcp_cfg),
    .load = dhcp_load,
    .config_complete = dhcp_config_complete,
    .bind = dhcp_bind,
    .start = dhcp_start,
    .stop = dhcp_stop,
    .unload = dhcp_unload,
    .status = dhcp_status,
    .api_call = dhcp_api_call,
};

PXE_PLUGIN_REGISTER(dhcp_plugin)
