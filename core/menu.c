/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "menu.h"

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int valid_id(const char *s)
{
    if (!s || !*s || strlen(s) > 40)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
            return 0;
    return 1;
}

/* Menu text must not break the menu syntax: no control characters, no quotes. */
static int valid_text(const char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x20 || *s == '"' || *s == 0x7f)
            return 0;
    return 1;
}

int menu_add(struct pxe_menu *m, const struct pxe_menu_entry *e)
{
    struct menu_item *it;
    const struct pxe_image *img = m->image;
    char path[1024];

    if (!e || e->_struct_size < offsetof(struct pxe_menu_entry, help) + sizeof(char *))
        return -EINVAL;
    if (!valid_id(e->id) || !e->title || !valid_text(e->title) || !valid_text(e->help))
        return -EINVAL;
    if (m->n >= MENU_MAX_ENTRIES)
        return -E2BIG;
    it = &m->items[m->n];
    memset(it, 0, sizeof(*it));
    snprintf(path, sizeof(path), "%s-%s", img ? img->name : "x", e->id);
    it->id = strdup(path);
    it->title = strdup(e->title);
    if (e->kernel)
        it->kernel = strdup(e->kernel);
    else if (img && img->kernel) {
        snprintf(path, sizeof(path), "%s%s", img->prefix, img->kernel);
        it->kernel = strdup(path);
    }
    it->image_kernel = e->kernel == NULL;
    if (e->initrd && *e->initrd)
        it->initrd = strdup(e->initrd);
    else if (img && img->initrd) {
        snprintf(path, sizeof(path), "%s%s", img->prefix, img->initrd);
        it->initrd = strdup(path);
    }
    it->help = dup_or_null(e->help);
    if (!it->id || !it->title || !it->kernel) {
        int r = it->kernel ? -ENOMEM : -EINVAL;

        free(it->id);
        free(it->title);
        free(it->kernel);
        free(it->initrd);
        free(it->help);
        return r;
    }
    m->n++;
    return 0;
}

void menu_free_items(struct pxe_menu *m)
{
    for (size_t i = 0; i < m->n; i++) {
        struct menu_item *it = &m->items[i];

        free(it->id);
        free(it->title);
        free(it->kernel);
        free(it->initrd);
        free(it->help);
        free(it->cmdline);
        free(it->method);
    }
    m->n = 0;
}

/* True when the space-separated cmdline has a parameter named key ("key" or "key=..."). */
static int has_param(const char *cmdline, const char *key)
{
    size_t k = strlen(key);

    for (const char *p = cmdline; p && *p;) {
        while (*p == ' ')
            p++;
        if (strncmp(p, key, k) == 0 && (p[k] == '=' || p[k] == ' ' || p[k] == '\0'))
            return 1;
        p = strchr(p, ' ');
    }
    return 0;
}

static int add_param(struct pxe_buf *b, const char *cur, const char *key, const char *fmt_value)
{
    if (has_param(buf_str(b), key) || (cur && has_param(cur, key)))
        return 0;
    if (fmt_value)
        return buf_append(b, "%s%s=%s", b->len ? " " : "", key, fmt_value);
    return buf_append(b, "%s%s", b->len ? " " : "", key);
}

/* Builds and checks the command line of the entries one method added. */
static int finish_entries(struct core *c, struct pxe_core *p, const struct pxe_boot_ctx *ctx,
                          struct pxe_menu *m, size_t first)
{
    const struct menu_settings *ms = &c->menu;
    const struct pxe_image *img = ctx->image;
    size_t keep = first;

    for (size_t i = first; i < m->n; i++) {
        struct menu_item *it = &m->items[i];
        struct pxe_buf b, why;
        int r = 0;

        buf_init(&b, 4096);
        buf_init(&why, 512);
        if (p->desc.cmdline)
            r = p->desc.cmdline(p->state, ctx, &b);
        if (r == 0 && !it->image_kernel)
            goto extras; /* not the image's kernel: archiso parameters do not apply */
        if (r == 0)
            r = add_param(&b, NULL, "archisobasedir", img->basedir);
        if (r == 0 && img->label)
            r = add_param(&b, NULL, "archisolabel", img->label);
        if (r == 0 && strcmp(ctx->menu_format, "pxelinux") != 0)
            r = add_param(&b, NULL, "ip", "dhcp");
        if (r == 0 && strcmp(ctx->menu_format, "ipxe") == 0)
            r = add_param(&b, NULL, "BOOTIF", "01-${netX/mac:hexhyp}");
        if (r == 0 && strcmp(ctx->menu_format, "ipxe") == 0 && it->initrd) {
            const char *base = strrchr(it->initrd, '/');

            r = add_param(&b, NULL, "initrd", base ? base + 1 : it->initrd);
        }
        if (r == 0 && ms->ifnames0)
            r = add_param(&b, NULL, "net.ifnames", "0");
        if (r == 0 && ms->copytoram && *ms->copytoram)
            r = add_param(&b, NULL, "copytoram", ms->copytoram);
        if (r == 0 && ms->console && *ms->console)
            r = add_param(&b, NULL, "console", ms->console);
        if (r == 0 && ms->append && *ms->append)
            r = buf_append(&b, " %s", ms->append);
    extras:
        if (r == 0 && ctx->host && ctx->host->cmdline_extra && *ctx->host->cmdline_extra)
            r = buf_append(&b, " %s", ctx->host->cmdline_extra);
        if (r == 0 && p->desc.cmdline_check &&
            p->desc.cmdline_check(p->state, ctx, buf_str(&b), &why) < 0) {
            log_msg(p->desc.name, 4, "menu entry '%s' refused: %s, skipping", it->id,
                    why.len ? buf_str(&why) : "command line rejected");
            r = -EINVAL;
        }
        if (r == 0 && !valid_text(buf_str(&b)))
            r = -EINVAL;
        if (r == 0) {
            it->cmdline = buf_steal(&b);
            it->method = strdup(p->desc.name);
            if (!it->cmdline || !it->method)
                r = -ENOMEM;
        }
        buf_done(&b);
        buf_done(&why);
        if (r < 0) {
            free(it->id);
            free(it->title);
            free(it->kernel);
            free(it->initrd);
            free(it->help);
            free(it->cmdline);
            free(it->method);
            memset(it, 0, sizeof(*it));
            continue;
        }
        if (keep != i)
            m->items[keep] = *it;
        keep++;
    }
    m->n = keep;
    return 0;
}

int menu_collect(struct core *c, const char *format, const char *server_ip, const char *mac,
                 struct pxe_menu *m)
{
    const struct pxe_host *host = mac ? core_host_lookup(c, mac) : NULL;

    memset(m, 0, sizeof(*m));
    if (host && host->local_boot)
        return 0;
    for (uint32_t i = 0; i < c->n_images; i++) {
        const struct pxe_image *img = &c->images[i]->pub;
        struct pxe_boot_ctx ctx = {
            ._struct_size = sizeof(ctx),
            .image = img,
            .host = host,
            .server_ip = server_ip,
            .client_mac = mac,
            .menu_format = format,
        };

        if (host && host->image && strcmp(host->image, img->name) != 0)
            continue;
        for (struct pxe_core *p = c->plugins; p; p = p->next) {
            size_t first = m->n;
            int r;

            if (!p->started || !plugin_is_method(p) || !p->method_enabled)
                continue;
            if (host && host->method && strcmp(host->method, p->desc.name) != 0)
                continue;
            m->image = img;
            r = p->desc.menu_entries(p->state, &ctx, m);
            if (r < 0)
                log_msg(p->desc.name, 4, "menu entries for image '%s' failed: %s, skipping",
                        img->name, strerror(-r));
            finish_entries(c, p, &ctx, m, first);
        }
    }
    return 0;
}

/* Path as a URL or loader path for format; http_port 0 means no HTTP service. */
static int file_ref(struct pxe_buf *b, const char *format, const char *server_ip,
                    uint32_t http_port, int use_http, const char *path)
{
    char port[16] = "";

    if (http_port && http_port != 80)
        snprintf(port, sizeof(port), ":%u", http_port);
    if (use_http && http_port) {
        if (strcmp(format, "grub") == 0)
            return buf_append(b, "(http,%s%s)/%s", server_ip, port, path);
        return buf_append(b, "http://%s%s/%s", server_ip, port, path);
    }
    if (strcmp(format, "pxelinux") == 0)
        return buf_append(b, "::/%s", path);
    if (strcmp(format, "grub") == 0)
        return buf_append(b, "(tftp,%s)/%s", server_ip, path);
    return buf_append(b, "tftp://%s/%s", server_ip, path);
}

static int render_pxelinux(struct core *c, const struct pxe_menu *m, const char *server_ip,
                           const char *def, struct pxe_buf *b)
{
    const struct menu_settings *ms = &c->menu;
    uint32_t http = core_service_port(c, "http");
    int r = buf_append(b, "# Generated by pxecore; changes are lost.\n");

    if (r == 0 && ms->serial && *ms->serial)
        r = buf_append(b, "SERIAL %s\n", ms->serial);
    if (r == 0 && ms->ui && *ms->ui)
        r = buf_append(b, "UI %s\n", ms->ui);
    if (r == 0)
        r = buf_append(b, "PROMPT 0\nTIMEOUT %llu\nMENU TITLE %s\nDEFAULT %s\n",
                       (unsigned long long)((ms->timeout + 99999) / 100000),
                       ms->title ? ms->title : "pxecore", def);
    for (size_t i = 0; r == 0 && i < m->n; i++) {
        const struct menu_item *it = &m->items[i];

        r = buf_append(b, "\nLABEL %s\n  MENU LABEL %s\n  LINUX ", it->id, it->title);
        if (r == 0)
            r = file_ref(b, "pxelinux", server_ip, http, (int)ms->kernel_http, it->kernel);
        if (r == 0 && it->initrd) {
            r = buf_append(b, "\n  INITRD ");
            if (r == 0)
                r = file_ref(b, "pxelinux", server_ip, http, (int)ms->kernel_http, it->initrd);
        }
        if (r == 0)
            r = buf_append(b, "\n  APPEND %s\n", it->cmdline);
        if (r == 0 && ms->sysappend)
            r = buf_append(b, "  SYSAPPEND %llu\n", (unsigned long long)ms->sysappend);
        if (r == 0 && it->help)
            r = buf_append(b, "  TEXT HELP\n  %s\n  ENDTEXT\n", it->help);
    }
    if (r == 0 && (ms->local_entry || m->n == 0))
        r = buf_append(b, "\nLABEL local\n  MENU LABEL Boot from local disk\n  LOCALBOOT 0\n");
    return r;
}

static int render_ipxe(struct core *c, const struct pxe_menu *m, const char *server_ip,
                       const char *def, struct pxe_buf *b)
{
    const struct menu_settings *ms = &c->menu;
    uint32_t http = core_service_port(c, "http");
    int r = buf_append(b, "#!ipxe\n# Generated by pxecore; changes are lost.\n");

    if (r == 0 && m->n == 0)
        return buf_append(b, "echo pxecore: no boot entry for this machine, booting locally\n"
                             "exit\n");
    if (r == 0)
        r = buf_append(b, "menu %s\n", ms->title ? ms->title : "pxecore");
    for (size_t i = 0; r == 0 && i < m->n; i++)
        r = buf_append(b, "item %s %s\n", m->items[i].id, m->items[i].title);
    if (r == 0 && ms->local_entry)
        r = buf_append(b, "item local Boot from local disk\n");
    if (r == 0)
        r = buf_append(b, "choose --default %s --timeout %llu target && goto ${target} || exit\n",
                       def, (unsigned long long)(ms->timeout / 1000));
    for (size_t i = 0; r == 0 && i < m->n; i++) {
        const struct menu_item *it = &m->items[i];

        r = buf_append(b, "\n:%s\nkernel ", it->id);
        if (r == 0)
            r = file_ref(b, "ipxe", server_ip, http, 1, it->kernel);
        if (r == 0)
            r = buf_append(b, " %s\n", it->cmdline);
        if (r == 0 && it->initrd) {
            r = buf_append(b, "initrd ");
            if (r == 0)
                r = file_ref(b, "ipxe", server_ip, http, 1, it->initrd);
            if (r == 0)
                r = buf_append(b, "\n");
        }
        if (r == 0)
            r = buf_append(b, "boot\n");
    }
    if (r == 0 && ms->local_entry)
        r = buf_append(b, "\n:local\nexit\n");
    return r;
}

static int render_grub(struct core *c, const struct pxe_menu *m, const char *server_ip,
                       const char *def, struct pxe_buf *b)
{
    const struct menu_settings *ms = &c->menu;
    uint32_t http = core_service_port(c, "http");
    int r = buf_append(b, "# Generated by pxecore; changes are lost.\nset default=%s\nset "
                          "timeout=%llu\n",
                       def, (unsigned long long)(ms->timeout / 1000000));

    for (size_t i = 0; r == 0 && i < m->n; i++) {
        const struct menu_item *it = &m->items[i];

        r = buf_append(b, "\nmenuentry \"%s\" --id %s {\n  linux ", it->title, it->id);
        if (r == 0)
            r = file_ref(b, "grub", server_ip, http, (int)ms->kernel_http, it->kernel);
        if (r == 0)
            r = buf_append(b, " %s\n", it->cmdline);
        if (r == 0 && it->initrd) {
            r = buf_append(b, "  initrd ");
            if (r == 0)
                r = file_ref(b, "grub", server_ip, http, (int)ms->kernel_http, it->initrd);
            if (r == 0)
                r = buf_append(b, "\n");
        }
        if (r == 0)
            r = buf_append(b, "}\n");
    }
    if (r == 0 && (ms->local_entry || m->n == 0))
        r = buf_append(b, "\nmenuentry \"Boot from local disk\" --id local {\n  exit\n}\n");
    return r;
}

int menu_render(struct core *c, const char *format, const char *server_ip, const char *mac,
                char **ret)
{
    struct pxe_menu *m = malloc(sizeof(*m));
    struct pxe_buf b;
    const char *def = "local";
    int r;

    if (!m)
        return -ENOMEM;
    menu_collect(c, format, server_ip, mac, m);
    if (m->n > 0)
        def = m->items[0].id;
    for (size_t i = 0; c->menu.default_entry && i < m->n; i++)
        if (strcmp(m->items[i].id, c->menu.default_entry) == 0)
            def = m->items[i].id;
    buf_init(&b, MENU_MAX_BYTES);
    if (strcmp(format, "pxelinux") == 0)
        r = render_pxelinux(c, m, server_ip, def, &b);
    else if (strcmp(format, "ipxe") == 0)
        r = render_ipxe(c, m, server_ip, def, &b);
    else if (strcmp(format, "grub") == 0)
        r = render_grub(c, m, server_ip, def, &b);
    else
        r = -EINVAL;
    menu_free_items(m);
    free(m);
    if (r < 0) {
        buf_done(&b);
        return r;
    }
    *ret = buf_steal(&b);
    return *ret ? 0 : -ENOMEM;
}
