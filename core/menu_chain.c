/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "menu_chain.h"
#include "syslinux.h"

int menu_chain_prepare(struct core *c, const char *format, const char *path, const char *mac,
                       struct menu_chain *ret)
{
    int pxelinux = strcmp(format, "pxelinux") == 0;

    memset(ret, 0, sizeof(*ret));
    if (pxelinux && path && !tree_generated_allowed(c, path, mac))
        return -ENOENT;
    ret->has_tree = tree_boot_find(c, &ret->tree);
    if (pxelinux && path && c->menu.ui && *c->menu.ui) {
        char why[768], spath[512], swhy[1024];

        if (!syslinux_ui_served(c, path, why, sizeof(why))) {
            ret->plain = 1; /* both name the client's path: printable only */
            log_sanitize(path, strlen(path), spath, sizeof(spath));
            log_sanitize(why, strlen(why), swhy, sizeof(swhy));
            log_msg_once(NULL, 4, "pxelinux menu %s: plain menu without \"UI %s\": %s", spath,
                         c->menu.ui, swhy);
        }
    }
    return 0;
}

int menu_chain_wanted(const struct menu_chain *ch, const char *format)
{
    if (!ch->has_tree)
        return 0;
    if (strcmp(format, "pxelinux") == 0)
        return ch->tree.pxelinux_cfg[0] != '\0';
    if (strcmp(format, "ipxe") == 0)
        return ch->tree.pxelinux_cfg[0] || ch->tree.efi_loader[0];
    if (strcmp(format, "grub") == 0)
        return ch->tree.grub_cfg[0] != '\0';
    return 0;
}

/* "tftp://server/" with an IPv6 literal bracketed (RFC 3986). */
static int tftp_base(struct pxe_buf *b, const char *server_ip)
{
    const char *lb = strchr(server_ip, ':') ? "[" : "", *rb = *lb ? "]" : "";

    return buf_append(b, "tftp://%s%s%s/", lb, server_ip, rb);
}

/*
 * iPXE: on BIOS the tree's pxelinux loader, told by options 209/210 (which
 * iPXE hands to the NBP in its cached DHCP packet) to read the tree's config
 * from the tree's root; on UEFI the tree's EFI loader.
 */
static int render_ipxe(const struct tree_boot *t, const char *server_ip, struct pxe_buf *b)
{
    int r = buf_append(b, "\n:" MENU_CHAIN_ID "\niseq ${platform} efi && goto " MENU_CHAIN_ID
                          "-efi ||\n");

    if (r == 0 && t->pxelinux_cfg[0]) {
        r = buf_append(b, "set 209:string %s\nset 210:string ", t->pxelinux_cfg);
        if (r == 0)
            r = tftp_base(b, server_ip);
        if (r == 0)
            r = buf_append(b, "\nchain ");
        if (r == 0)
            r = tftp_base(b, server_ip);
        if (r == 0)
            r = buf_append(b, "%s\n", t->bios_loader);
    } else if (r == 0) {
        r = buf_append(b, "echo pxecore: the tree has no pxelinux loader and config for BIOS\n");
    }
    if (r == 0)
        r = buf_append(b, "exit\n:" MENU_CHAIN_ID "-efi\n");
    if (r == 0 && t->efi_loader[0]) {
        r = buf_append(b, "chain ");
        if (r == 0)
            r = tftp_base(b, server_ip);
        if (r == 0)
            r = buf_append(b, "%s\n", t->efi_loader);
    } else if (r == 0) {
        r = buf_append(b, "echo pxecore: the tree has no EFI loader\n");
    }
    return r == 0 ? buf_append(b, "exit\n") : r;
}

/* GRUB: the tree's grub.cfg with $root and $prefix where its own GRUB would have them. */
static int render_grub(const struct tree_boot *t, const char *server_ip, struct pxe_buf *b)
{
    const char *lb = strchr(server_ip, ':') ? "[" : "", *rb = *lb ? "]" : "";
    const char *slash = strrchr(t->grub_cfg, '/');
    int dlen = slash ? (int)(slash - t->grub_cfg) : 0;

    return buf_append(b,
                      "\nmenuentry '%s' --id " MENU_CHAIN_ID " {\n"
                      "  set root=(tftp,%s%s%s)\n"
                      "  set prefix=($root)/%.*s\n"
                      "  configfile ($root)/%s\n}\n",
                      t->title, lb, server_ip, rb, dlen, t->grub_cfg, t->grub_cfg);
}

int menu_chain_render(const struct menu_chain *ch, const char *format, const char *server_ip,
                      int def, struct pxe_buf *b)
{
    const struct tree_boot *t = &ch->tree;

    if (!menu_chain_wanted(ch, format))
        return 0;
    if (strcmp(format, "pxelinux") == 0)
        return buf_append(b,
                          "\nLABEL " MENU_CHAIN_ID "\n  MENU LABEL %s\n%s"
                          "  CONFIG ::/%s ::/\n",
                          t->title, def ? "  MENU DEFAULT\n" : "", t->pxelinux_cfg);
    if (strcmp(format, "ipxe") == 0)
        return render_ipxe(t, server_ip, b);
    return render_grub(t, server_ip, b);
}
