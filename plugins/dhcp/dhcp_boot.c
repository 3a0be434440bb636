/* SPDX-License-Identifier: MIT */
/*
 * PXE boot decisions on a parsed request: the client architecture (option 93,
 * RFC 4578; option 60), iPXE and UEFI HTTP Boot, the boot file or URL to offer.
 * Pure code; see dhcp_proto.h.
 */
#include "dhcp_proto.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* RFC 4578 / IANA processor architecture types that pxecore tells apart. */
static const struct {
    uint16_t arch;
    uint8_t cls;
    uint8_t http;
} dhcp_arch_map[] = {
    {0, DHCP_ARCH_BIOS, 0},   {6, DHCP_ARCH_EFI32, 0},  {7, DHCP_ARCH_EFI64, 0},
    {9, DHCP_ARCH_EFI64, 0},  {10, DHCP_ARCH_ARM32, 0}, {11, DHCP_ARCH_ARM64, 0},
    {15, DHCP_ARCH_EFI32, 1}, {16, DHCP_ARCH_EFI64, 1}, {17, DHCP_ARCH_EFI64, 1},
    {18, DHCP_ARCH_ARM32, 1}, {19, DHCP_ARCH_ARM64, 1}, {20, DHCP_ARCH_BIOS, 1},
};

enum dhcp_arch_class dhcp_arch_class(uint16_t arch, int *ret_http)
{
    for (size_t i = 0; i < sizeof(dhcp_arch_map) / sizeof(dhcp_arch_map[0]); i++)
        if (dhcp_arch_map[i].arch == arch) {
            if (ret_http)
                *ret_http = dhcp_arch_map[i].http;
            return (enum dhcp_arch_class)dhcp_arch_map[i].cls;
        }
    if (ret_http)
        *ret_http = 0;
    return DHCP_ARCH_UNKNOWN;
}

const char *dhcp_arch_class_name(enum dhcp_arch_class c)
{
    static const char *const names[DHCP_ARCH_N] = {"bios",  "efi32", "efi64",
                                                   "arm32", "arm64", "unknown"};

    return c < DHCP_ARCH_N ? names[c] : "unknown";
}

static int dhcp_url(char *out, size_t size, const struct dhcp_boot_cfg *cfg, const char *path)
{
    char port[16] = "";
    int w;

    if (cfg->http_port != 80)
        snprintf(port, sizeof(port), ":%u", cfg->http_port);
    while (*path == '/')
        path++;
    w = snprintf(out, size, "http://%s%s/%s", cfg->server_ip, port, path);
    return w < 0 || (size_t)w >= size ? -ENAMETOOLONG : 0;
}

int dhcp_boot_decide(const struct dhcp_msg *m, const struct dhcp_boot_cfg *cfg, const char *mac,
                     struct dhcp_boot *ret)
{
    enum dhcp_arch_class cls = DHCP_ARCH_BIOS;
    const char *file = NULL;
    int http = 0, r;

    memset(ret, 0, sizeof(*ret));
    if (m->has_arch)
        cls = dhcp_arch_class(m->arch, &http);
    if (m->kind & DHCP_CLIENT_PXE)
        ret->vendor = "PXEClient";

    if ((m->kind & DHCP_CLIENT_IPXE) && cfg->ipxe_chain) {
        char path[128];

        if (!cfg->http_port) {
            ret->reason = DHCP_BOOT_NO_HTTP;
            return 0;
        }
        snprintf(path, sizeof(path), "%s?mac=%s", cfg->ipxe_script, mac);
        r = dhcp_url(ret->file, sizeof(ret->file), cfg, path);
        if (r < 0)
            return r;
        ret->kind = DHCP_BOOT_IPXE;
        return 0;
    }

    if (m->has_arch && m->arch < 64 && cfg->override[m->arch])
        file = cfg->override[m->arch];
    else
        file = cfg->file[cls];
    if (!file || !*file) {
        ret->reason = DHCP_BOOT_NO_FILE;
        return 0;
    }

    if ((m->kind & DHCP_CLIENT_HTTP) || http) {
        ret->vendor = (m->kind & DHCP_CLIENT_HTTP) ? "HTTPClient" : ret->vendor;
        if (!cfg->http_port) {
            ret->reason = DHCP_BOOT_NO_HTTP;
            return 0;
        }
        r = dhcp_url(ret->file, sizeof(ret->file), cfg, file);
        if (r < 0)
            return r;
        ret->kind = DHCP_BOOT_HTTP;
        return 0;
    }

    if (strlen(file) >= sizeof(ret->file))
        return -ENAMETOOLONG;
    strcpy(ret->file, file);
    ret->kind = DHCP_BOOT_NBP;
    if (cls == DHCP_ARCH_BIOS) {
        const char *slash = strrchr(file, '/');

        ret->bios = 1;
        snprintf(ret->config, sizeof(ret->config), "%s",
                 cfg->pxelinux_cfg ? cfg->pxelinux_cfg : "");
        if (cfg->path_prefix && *cfg->path_prefix)
            snprintf(ret->prefix, sizeof(ret->prefix), "%s", cfg->path_prefix);
        else if (slash && (size_t)(slash - file + 1) < sizeof(ret->prefix))
            snprintf(ret->prefix, sizeof(ret->prefix), "%.*s", (int)(slash - file + 1), file);
        else
            strcpy(ret->prefix, "/");
    }
    return 0;
}
