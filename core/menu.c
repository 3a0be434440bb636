/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entries.h"
#include "image.h"
#include "kinds.h"
#include "log.h"
#include "menu.h"
#include "menu_text.h"
#include "netaddr.h"

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

int menu_add(struct pxe_menu *m, const struct pxe_menu_entry *e)
{
    struct menu_item *it;
    const struct pxe_image *img = m->image;
    char path[1024];

    if (!e || e->_struct_size < offsetof(struct pxe_menu_entry, help) + sizeof(char *))
        return -EINVAL;
    if (!valid_id(e->id) || !e->title || !menu_text_ok(e->title) || !menu_text_ok(e->help))
        return -EINVAL;
    if ((e->kernel && !menu_path_ok(e->kernel)) ||
        (e->initrd && *e->initrd && !menu_path_ok(e->initrd)))
        return -EINVAL;
    if (m->n >= MENU_MAX_ENTRIES)
        return -E2BIG;
    it = &m->items[m->n];
    memset(it, 0, sizeof(*it));
    snprintf(path, sizeof(path), "%s-%s", img ? img->name : "x", e->id);
    it->id = strdup(path);
    it->raw_id = strdup(e->id);
    if (m->tag_image && img && !strstr(e->title, img->name)) {
        snprintf(path, sizeof(path), "%s [%s]", e->title, img->name);
        it->title = strdup(path);
    } else {
        it->title = strdup(e->title);
    }
    if (e->kernel)
        it->kernel = strdup(e->kernel);
    else if (img && img->kernel) {
        snprintf(path, sizeof(path), "%s%s", img->prefix, img->kernel);
        it->kernel = strdup(path);
    }
    it->image_kernel = e->kernel == NULL;
    if (e->initrd) {
        if (*e->initrd) /* "" asks for no initrd */
            it->initrd = strdup(e->initrd);
    } else if (img && img->initrd) {
        snprintf(path, sizeof(path), "%s%s", img->prefix, img->initrd);
        it->initrd = strdup(path);
    }
    it->help = dup_or_null(e->help);
    if (!it->id || !it->raw_id || !it->title || !it->kernel) {
        int r = it->kernel ? -ENOMEM : -EINVAL;

        menu_item_free(it);
        return r;
    }
    m->n++;
    return 0;
}

int menu_has_param(const char *cmdline, const char *key)
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

static int add_param(struct pxe_buf *b, const char *key, const char *value)
{
    if (menu_has_param(buf_str(b), key))
        return 0;
    if (value)
        return buf_append(b, "%s%s=%s", b->len ? " " : "", key, value);
    return buf_append(b, "%s%s", b->len ? " " : "", key);
}

#define MENU_MAX_SEGS 10

/*
 * Where a run of entries came from: an image kind over a boot method's
 * transport (kind_entry, tr set), an image kind alone (kind_entry, tr NULL:
 * kernel and initrd only), or a boot method's own menu_entries (version-1
 * style: method set, kind_entry 0).  kind is the image's kind, or NULL.
 */
struct entry_src {
    struct pxe_core *method;
    struct pxe_core *kind;
    const struct pxe_transport *tr;
    int kind_entry;
};

/* The name conflicts and refusals are reported against: the method, else the kind. */
static const char *src_name(const struct entry_src *s)
{
    if (s->tr)
        return s->tr->method;
    return s->method ? s->method->desc.name : s->kind->desc.name;
}

/* The assembled command line and which side contributed each part of it. */
struct cmdline_parts {
    struct pxe_buf b;
    size_t n;
    size_t end[MENU_MAX_SEGS];     /* b.len after part i */
    char label[MENU_MAX_SEGS][96]; /* who added part i, for conflict messages */
};

static void part_end(struct cmdline_parts *cp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void part_end(struct cmdline_parts *cp, const char *fmt, ...)
{
    va_list ap;

    if (cp->n >= MENU_MAX_SEGS)
        return;
    va_start(ap, fmt);
    vsnprintf(cp->label[cp->n], sizeof(cp->label[0]), fmt, ap);
    va_end(ap);
    cp->end[cp->n++] = cp->b.len;
}

/*
 * Adds the image kind's own parameters (kind_cmdline with no transport) one
 * by one, each only when its key is not there yet.
 */
static int add_image_params(const struct entry_src *src, const struct pxe_boot_ctx *entry_ctx,
                            struct pxe_buf *b)
{
    struct pxe_boot_ctx ctx = *entry_ctx;
    struct pxe_buf own;
    char *tok, *save = NULL, *copy;
    int r;

    if (!src->kind)
        return 0;
    ctx.entry_id = NULL; /* the image's own parameters */
    buf_init(&own, 4096);
    r = src->kind->desc.kind_cmdline(src->kind->state, &ctx, NULL, &own);
    copy = r == 0 ? strdup(buf_str(&own)) : NULL;
    buf_done(&own);
    if (r < 0)
        return r;
    if (!copy)
        return -ENOMEM;
    for (tok = strtok_r(copy, " ", &save); tok && r == 0; tok = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(tok, '=');

        if (eq)
            *eq = '\0';
        r = add_param(b, tok, eq ? eq + 1 : NULL);
    }
    free(copy);
    return r;
}

/*
 * Builds the loader-neutral command line of one entry: the transport's part
 * (the kind's kernel parameters for the method's transport, or a method's own
 * cmdline), then the image kind's own parameters it did not give, then the
 * global menu settings, then the host's extras.  An entry with its own kernel
 * (memtest, a rescue image) gets only the method's part and the host's extras.
 */
static int build_cmdline(struct core *c, const struct entry_src *src,
                         const struct pxe_boot_ctx *ctx, const struct menu_item *it,
                         struct cmdline_parts *cp)
{
    const struct menu_settings *ms = &c->menu;
    const struct pxe_image *img = ctx->image;
    int r = 0;

    if (src->kind_entry)
        r = src->kind->desc.kind_cmdline(src->kind->state, ctx, src->tr, &cp->b);
    else if (src->method->desc.cmdline)
        r = src->method->desc.cmdline(src->method->state, ctx, &cp->b);
    if (src->tr || !src->kind_entry)
        part_end(cp, "the %s method", src_name(src));
    else
        part_end(cp, "entry '%s' of the %s kind", it->raw_id, src_name(src));
    if (r == 0 && !it->image_kernel)
        goto extras; /* not the image's kernel: the kind's parameters and globals do not apply */
    if (r == 0)
        r = add_image_params(src, ctx, &cp->b);
    part_end(cp, "the parameters of image '%s'", img->name);
    if (r == 0 && ms->ifnames0) {
        r = add_param(&cp->b, "net.ifnames", "0");
        part_end(cp, "menu.ifnames0 (net.ifnames=0)");
    }
    if (r == 0 && ms->copytoram && *ms->copytoram && !(img->flags & PXE_IMAGE_NO_ROOTFS)) {
        r = add_param(&cp->b, "copytoram", ms->copytoram);
        part_end(cp, "menu.copytoram=%s", ms->copytoram);
    }
    if (r == 0 && ms->console && *ms->console) {
        r = add_param(&cp->b, "console", ms->console);
        part_end(cp, "menu.console=%s", ms->console);
    }
    if (r == 0 && ms->append && *ms->append) {
        r = buf_append(&cp->b, "%s%s", cp->b.len ? " " : "", ms->append);
        part_end(cp, "menu.append=\"%.60s\"", ms->append);
    }
extras:
    if (r == 0 && ctx->host && ctx->host->cmdline_extra && *ctx->host->cmdline_extra) {
        r = buf_append(&cp->b, "%s%s", cp->b.len ? " " : "", ctx->host->cmdline_extra);
        part_end(cp, "the cmdline_extra \"%.60s\" of host %s", ctx->host->cmdline_extra,
                 ctx->host->mac);
    }
    return r;
}

/* Whether src has a check for the entries' command lines. */
static int src_has_check(const struct entry_src *src)
{
    if (src->kind_entry)
        return src->kind->desc.kind_cmdline_check != NULL;
    return src->method->desc.cmdline_check != NULL;
}

/* Runs src's check on the first len bytes of cmd. <0: refused, reason in why. */
static int check_prefix(const struct entry_src *src, const struct pxe_boot_ctx *ctx,
                        const char *cmd, size_t len, struct pxe_buf *why)
{
    char *s = strndup(cmd, len);
    int r;

    if (!s)
        return -ENOMEM;
    why->len = 0;
    if (why->data)
        why->data[0] = '\0';
    if (src->kind_entry)
        r = src->kind->desc.kind_cmdline_check(src->kind->state, ctx, src->tr, s, why);
    else
        r = src->method->desc.cmdline_check(src->method->state, ctx, s, why);
    free(s);
    return r < 0 ? r : 0;
}

/*
 * The method refused the whole command line: finds the first part whose
 * addition makes it refuse (at most MENU_MAX_SEGS more checks) and names both
 * sides: "menu.copytoram=n conflicts with the http method: <why>".
 */
static void explain_refusal(const struct entry_src *src, const struct pxe_boot_ctx *ctx,
                            const struct cmdline_parts *cp, const char *id, char *out,
                            size_t outlen)
{
    const char *cmd = buf_str(&cp->b);
    struct pxe_buf why;
    size_t k = cp->n ? cp->n - 1 : 0;

    buf_init(&why, 512);
    for (size_t i = 0; i < cp->n; i++)
        if (check_prefix(src, ctx, cmd, cp->end[i], &why) < 0) {
            k = i;
            break;
        }
    if (k == cp->n - 1 || cp->n == 0)
        check_prefix(src, ctx, cmd, strlen(cmd), &why);
    if (k == 0)
        snprintf(out, outlen,
                 "menu entry '%s' refused: the %s %s rejects its own command "
                 "line: %s",
                 id, src_name(src), src->tr || !src->kind_entry ? "method" : "kind",
                 why.len ? buf_str(&why) : "no reason given");
    else
        snprintf(out, outlen, "menu entry '%s' refused: %s conflicts with the %s %s: %s", id,
                 cp->label[k], src_name(src), src->tr || !src->kind_entry ? "method" : "kind",
                 why.len ? buf_str(&why) : "no reason given");
    buf_done(&why);
}

/* Logs a refusal once per distinct message (menus are rendered per request). Loop thread. */
static void log_refusal_once(const char *method, const char *msg)
{
    static uint64_t seen[64];
    static size_t next;
    uint64_t h = 1469598103934665603ull;

    for (const char *q = msg; *q; q++)
        h = (h ^ (unsigned char)*q) * 1099511628211ull;
    for (size_t i = 0; i < sizeof(seen) / sizeof(seen[0]); i++)
        if (seen[i] == h)
            return;
    seen[next++ % (sizeof(seen) / sizeof(seen[0]))] = h;
    log_msg(method, 4, "%s", msg);
}

/* Builds and checks the command line of the entries one source added. */
static int finish_entries(struct core *c, const struct entry_src *src,
                          const struct pxe_boot_ctx *image_ctx, struct pxe_menu *m, size_t first)
{
    size_t keep = first;

    for (size_t i = first; i < m->n; i++) {
        struct menu_item *it = &m->items[i];
        struct pxe_boot_ctx entry_ctx = *image_ctx, *ctx = &entry_ctx;
        struct cmdline_parts *cp = calloc(1, sizeof(*cp));
        char msg[1024] = "";
        int r;

        if (!cp) {
            menu_item_free(it);
            continue;
        }
        buf_init(&cp->b, 4096);
        entry_ctx.entry_id = src->kind_entry ? it->raw_id : NULL;
        r = build_cmdline(c, src, ctx, it, cp);
        if (r < 0)
            snprintf(msg, sizeof(msg), "menu entry '%s' dropped: command line: %s", it->id,
                     strerror(-r));
        if (r == 0 && src_has_check(src)) {
            struct pxe_buf why;

            buf_init(&why, 512);
            if (check_prefix(src, ctx, buf_str(&cp->b), cp->b.len, &why) < 0) {
                explain_refusal(src, ctx, cp, it->id, msg, sizeof(msg));
                r = -EINVAL;
            }
            buf_done(&why);
        }
        if (r == 0 && (!menu_text_ok(buf_str(&cp->b)) || menu_has_param(buf_str(&cp->b), "&&") ||
                       menu_has_param(buf_str(&cp->b), "||"))) {
            /* would break a menu line, or chain commands in an iPXE script */
            snprintf(msg, sizeof(msg),
                     "menu entry '%s' dropped: the command line holds a "
                     "control character, a double quote, && or ||",
                     it->id);
            r = -EINVAL;
        }
        if (r == 0) {
            it->cmdline = buf_steal(&cp->b);
            it->method = strdup(src->tr || !src->kind_entry ? src_name(src) : "none");
            if (!it->cmdline || !it->method)
                r = -ENOMEM;
        }
        buf_done(&cp->b);
        free(cp);
        if (r < 0) {
            if (msg[0]) {
                log_refusal_once(src_name(src), msg);
                if (m->n_refused < MENU_MAX_REFUSED)
                    m->refused[m->n_refused] = strdup(msg);
                if (m->n_refused < MENU_MAX_REFUSED && m->refused[m->n_refused])
                    m->n_refused++;
            }
            menu_item_free(it);
            continue;
        }
        if (keep != i) {
            m->items[keep] = *it;
            memset(it, 0, sizeof(*it));
        }
        keep++;
    }
    m->n = keep;
    return 0;
}

void menu_free_items(struct pxe_menu *m)
{
    for (size_t i = 0; i < m->n; i++)
        menu_item_free(&m->items[i]);
    m->n = 0;
    for (size_t i = 0; i < m->n_refused; i++)
        free(m->refused[i]);
    m->n_refused = 0;
}

/*
 * The context a transport is asked for: ctx, except that an image whose kind
 * reaches its root over IPv4 only (PXE_IMAGE_IPV4_ROOT), in a menu asked for
 * over IPv6, gets the IPv4 address of the same interface (ip4[size] holds it).
 * 0, or -EADDRNOTAVAIL (logged once): no entry over a transport.
 */
static int transport_ctx(const struct pxe_boot_ctx *ctx, struct pxe_boot_ctx *t, char *ip4,
                         size_t size)
{
    int r;

    if (!(ctx->image->flags & PXE_IMAGE_IPV4_ROOT) || !ctx->server_ip ||
        !strchr(ctx->server_ip, ':') || !strcmp(ctx->server_ip, "::"))
        return 0;
    r = net_ipv4_beside(ctx->server_ip, ip4, size);
    if (r < 0) {
        log_msg_once(NULL, 4,
                     "image '%s' (kind %s) reaches its root over IPv4 only, and the interface of "
                     "%s has no IPv4 address: no entry over a transport in menus asked for there",
                     ctx->image->name, ctx->image->kind, ctx->server_ip);
        return -EADDRNOTAVAIL;
    }
    t->server_ip = ip4;
    return 0;
}

/* The entries of one image over one boot method: the kind's over its transport, or its own. */
static void collect_method(struct core *c, struct pxe_core *p, struct pxe_core *kind,
                           const struct pxe_boot_ctx *ctx, struct pxe_menu *m)
{
    size_t first = m->n;
    int r;

    if ((p->desc.caps & PXE_CAP_TRANSPORT) && kind) {
        struct pxe_transport tr = {._struct_size = sizeof(tr)};
        struct entry_src src = {p, kind, &tr, 1};
        struct pxe_boot_ctx tctx = *ctx;
        struct pxe_buf why;
        char ip4[64];

        snprintf(tr.method, sizeof(tr.method), "%s", p->desc.name);
        r = transport_ctx(ctx, &tctx, ip4, sizeof(ip4));
        buf_init(&why, 512);
        if (r == 0)
            r = p->desc.transport(p->state, &tctx, &tr, &why);
        buf_done(&why);
        if (r == 0) {
            tr.method[sizeof(tr.method) - 1] = '\0';
            r = kind->desc.kind_entries(kind->state, &tctx, &tr, m);
            if (r < 0)
                log_msg(kind->desc.name, 4, "entries for image '%s' over %s failed: %s",
                        ctx->image->name, p->desc.name, strerror(-r));
            finish_entries(c, &src, &tctx, m, first);
        }
    }
    if (p->desc.caps & PXE_CAP_MENU) {
        struct entry_src src = {p, kind, NULL, 0};

        first = m->n;
        r = p->desc.menu_entries(p->state, ctx, m);
        if (r < 0)
            log_msg(p->desc.name, 4, "menu entries for image '%s' failed: %s, skipping",
                    ctx->image->name, strerror(-r));
        finish_entries(c, &src, ctx, m, first);
    }
}

int menu_collect(struct core *c, const char *format, const char *server_ip, const char *mac,
                 struct pxe_menu *m)
{
    const struct pxe_host *host = mac ? core_host_lookup(c, mac) : NULL;
    int pxelinux = strcmp(format, "pxelinux") == 0;
    const struct pxe_boot_ctx base = {
        ._struct_size = sizeof(base),
        .host = host,
        .server_ip = server_ip,
        .client_mac = mac,
        .menu_format = format,
    };

    memset(m, 0, sizeof(*m));
    if (host && host->local_boot)
        return 0;
    m->tag_image = c->n_images > 1 && !(host && host->image);
    for (uint32_t i = 0; i < c->n_images; i++) {
        const struct pxe_image *img = &c->images[i]->pub;
        struct pxe_core *kind = kinds_of(c, img);
        struct pxe_boot_ctx ctx = base;

        if (host && host->image && strcmp(host->image, img->name) != 0)
            continue;
        m->image = img;
        ctx.image = img;
        ctx.loader_sets_ip = pxelinux && (c->menu.sysappend & 1);
        if (kind) { /* entries that need no transport; a host's method does not narrow them */
            struct entry_src src = {NULL, kind, NULL, 1};
            size_t first = m->n;

            if (kind->desc.kind_entries(kind->state, &ctx, NULL, m) < 0)
                log_msg(kind->desc.name, 4, "entries for image '%s' failed", img->name);
            finish_entries(c, &src, &ctx, m, first);
        }
        for (struct pxe_core *p = c->plugins; p; p = p->next) {
            if (!p->started || !plugin_is_method(p) || !p->method_enabled)
                continue;
            if (host && host->method && strcmp(host->method, p->desc.name) != 0)
                continue;
            collect_method(c, p, kind, &ctx, m);
        }
    }
    if (entries_collect(c, &base, m) < 0)
        log_msg_once(NULL, 4, "generic entries left out of a %s menu: too many entries", format);
    return 0;
}
