/* SPDX-License-Identifier: MIT */
/* Generic boot entries: validation, the core's list, menu entries (entries.h). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "entries.h"
#include "menu.h"
#include "menu_text.h"

static int bad(char *field, char *why, const char *f, const char *w)
{
    snprintf(field, 64, "%s", f);
    snprintf(why, 160, "%s", w);
    return -EINVAL;
}

static int valid_name(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 40)
        return 0;
    return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-_") == n;
}

/* Printable ASCII without '"' (menu syntax); space allowed only where spaces is set. */
static int printable(const char *s, int spaces)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f || *s == '"' ||
            (!spaces && *s == ' '))
            return 0;
    return 1;
}

/* A namespace path that is one safe menu word (menu_text.h), and no comma (initrd lists). */
static int valid_path(const char *s)
{
    return strlen(s) < ENTRY_PATH_MAX && menu_image_path_ok(s) && !strchr(s, ',');
}

/* A string member: NULL when absent; -EINVAL when present and not a string. */
static int member(json_t *obj, const char *key, const char **out)
{
    json_t *v = json_object_get(obj, key);

    *out = v ? json_string_value(v) : NULL;
    return v && !*out ? -EINVAL : 0;
}

static int parse_initrds(json_t *a, struct gen_entry *out, char *field, char *why)
{
    size_t i;
    json_t *v;

    if (!a)
        return 0;
    if (!json_is_array(a) || json_array_size(a) > ENTRY_INITRDS_MAX)
        return bad(field, why, "initrds", "must be an array of at most 8 paths");
    json_array_foreach(a, i, v)
    {
        const char *s = json_string_value(v);

        if (!s || !valid_path(s))
            return bad(
                field, why, "initrds",
                "each must be a namespace path (no blank, comma, quote, $;&|<>{}#\\`, '..' or leading '/')");
        if (!(out->initrds[i] = strdup(s)))
            return -ENOMEM;
    }
    return 0;
}

static int parse_fields(json_t *obj, const char *name, struct gen_entry *out, char *field,
                        char *why)
{
    const char *n = name, *title, *kernel, *kefi, *cmd, *key;
    json_t *v;

    json_object_foreach(
        obj, key, v) if (strcmp(key, "name") && strcmp(key, "title") && strcmp(key, "kernel") &&
                         strcmp(key, "kernel_efi") && strcmp(key, "initrds") &&
                         strcmp(key, "cmdline")) return bad(field, why, key,
                                                            "unknown key (name, title, kernel, "
                                                            "kernel_efi, initrds, cmdline)");
    if (!name && member(obj, "name", &n) < 0)
        return bad(field, why, "name", "must be a string");
    if (!n || !valid_name(n))
        return bad(field, why, "name", "1 to 40 of a-z 0-9 - _");
    if (member(obj, "title", &title) < 0 ||
        (title && (!*title || strlen(title) > 200 || !printable(title, 1))))
        return bad(field, why, "title", "printable text of at most 200 bytes, no '\"'");
    if (member(obj, "kernel", &kernel) < 0 || !kernel || !valid_path(kernel))
        return bad(field, why, "kernel",
                   "required: a namespace path (no blank, comma, quote, $;&|<>{}#\\`, '..' or leading '/')");
    if (member(obj, "kernel_efi", &kefi) < 0 || (kefi && !valid_path(kefi)))
        return bad(field, why, "kernel_efi", "a namespace path, as kernel");
    if (member(obj, "cmdline", &cmd) < 0 ||
        (cmd && (strlen(cmd) > ENTRY_CMDLINE_MAX || !printable(cmd, 1) || strstr(cmd, "&&") ||
                 strstr(cmd, "||"))))
        return bad(field, why, "cmdline",
                   "printable text of at most 1024 bytes, no '\"', && or ||");
    out->name = strdup(n);
    out->title = strdup(title ? title : n);
    out->kernel = strdup(kernel);
    out->kernel_efi = kefi ? strdup(kefi) : NULL;
    out->cmdline = strdup(cmd ? cmd : "");
    if (!out->name || !out->title || !out->kernel || (kefi && !out->kernel_efi) || !out->cmdline)
        return -ENOMEM;
    return parse_initrds(json_object_get(obj, "initrds"), out, field, why);
}

int entry_parse(json_t *obj, const char *name, struct gen_entry *out, char *field, char *why)
{
    int r;

    memset(out, 0, sizeof(*out));
    if (!json_is_object(obj))
        return bad(field, why, "(entry)", "must be an object");
    r = parse_fields(obj, name, out, field, why);
    if (r == -ENOMEM)
        bad(field, why, "(entry)", "out of memory");
    if (r < 0)
        entry_free(out);
    return r;
}

void entry_free(struct gen_entry *e)
{
    free(e->name);
    free(e->title);
    free(e->kernel);
    free(e->kernel_efi);
    for (int i = 0; e->initrds[i]; i++)
        free(e->initrds[i]);
    free(e->cmdline);
    memset(e, 0, sizeof(*e));
}

json_t *entry_json(const struct gen_entry *e)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:[]}", "name", e->name, "title", e->title,
                          "kernel", e->kernel, "cmdline", e->cmdline, "initrds");
    json_t *a = o ? json_object_get(o, "initrds") : NULL;

    for (int i = 0; a && e->initrds[i]; i++)
        json_array_append_new(a, json_string(e->initrds[i]));
    if (o && e->kernel_efi)
        json_object_set_new(o, "kernel_efi", json_string(e->kernel_efi));
    return o;
}

/* Held by the loop thread while it changes the list, and by entries_phase. */
static pthread_mutex_t list_lock = PTHREAD_MUTEX_INITIALIZER;

const struct gen_entry *core_entry_find(struct core *c, const char *name)
{
    for (struct gen_entry *e = c->entries; e; e = e->next)
        if (strcmp(e->name, name) == 0)
            return e;
    return NULL;
}

int core_entry_set(struct core *c, struct gen_entry *in)
{
    struct gen_entry **pp = &c->entries, *e = NULL;
    size_t n = 0;

    for (; *pp && strcmp((*pp)->name, in->name) != 0; pp = &(*pp)->next)
        n++;
    if (!*pp && n >= ENTRIES_MAX)
        return -E2BIG;
    if (!*pp && !(e = malloc(sizeof(*e))))
        return -ENOMEM;
    pthread_mutex_lock(&list_lock);
    if (*pp) { /* replaced in place: the menu order stays */
        struct gen_entry *next = (*pp)->next;

        entry_free(*pp);
        **pp = *in;
        (*pp)->next = next;
    } else {
        *e = *in;
        e->next = NULL;
        *pp = e;
    }
    pthread_mutex_unlock(&list_lock);
    memset(in, 0, sizeof(*in));
    return 0;
}

int core_entry_delete(struct core *c, const char *name)
{
    for (struct gen_entry **pp = &c->entries; *pp; pp = &(*pp)->next)
        if (strcmp((*pp)->name, name) == 0) {
            struct gen_entry *e = *pp;

            pthread_mutex_lock(&list_lock);
            *pp = e->next;
            pthread_mutex_unlock(&list_lock);
            entry_free(e);
            free(e);
            return 0;
        }
    return -ENOENT;
}

void core_entries_free(struct core *c)
{
    while (c->entries)
        core_entry_delete(c, c->entries->name);
}

/* Entry paths are normalised already (valid_path: no empty, "." or ".." segment). */
static int same_path(const char *p, const char *path)
{
    return p && strcmp(p, path) == 0;
}

uint32_t entries_phase(struct core *c, const char *path)
{
    uint32_t phase = PXE_PHASE_NONE;

    pthread_mutex_lock(&list_lock);
    for (const struct gen_entry *e = c->entries; e && !phase; e = e->next) {
        if (same_path(e->kernel, path) || same_path(e->kernel_efi, path))
            phase = PXE_PHASE_KERNEL;
        for (size_t i = 0; !phase && e->initrds[i]; i++)
            if (same_path(e->initrds[i], path))
                phase = PXE_PHASE_INITRD;
    }
    pthread_mutex_unlock(&list_lock);
    return phase;
}

int entries_from_config(struct core *c, char *err, size_t errlen)
{
    json_t *a = c->menu.entries, *v;
    size_t i;

    if (!a)
        return 0;
    if (!json_is_array(a) || json_array_size(a) > ENTRIES_MAX) {
        snprintf(err, errlen, "menu.entries: must be an array of at most %d entries", ENTRIES_MAX);
        return -EINVAL;
    }
    json_array_foreach(a, i, v)
    {
        struct gen_entry e;
        char field[64], why[160];
        int r = entry_parse(v, NULL, &e, field, why);

        if (r == 0 && core_entry_find(c, e.name)) {
            snprintf(err, errlen, "menu.entries[%zu].name: '%s' is given twice", i, e.name);
            entry_free(&e);
            return -EINVAL;
        }
        if (r == -EINVAL)
            snprintf(err, errlen, "menu.entries[%zu].%s: %s", i, field, why);
        if (r == 0) {
            e.from_config = 1;
            r = core_entry_set(c, &e);
        }
        if (r < 0)
            return r;
    }
    return 0;
}

/* Appends tmpl with ${server} ${http} ${tftp} ${mac} ${name} replaced; others kept. */
static int expand(struct pxe_buf *b, const char *tmpl, const struct pxe_boot_ctx *ctx,
                  uint32_t http_port, const char *name)
{
    const char *ip = ctx->server_ip, *lb = strchr(ip, ':') ? "[" : "", *rb = *lb ? "]" : "";
    /* ${mac} unknown: iPXE's own ${mac}, GRUB's ${net_default_mac} (both expand it
     * at boot, as aa:bb:cc:dd:ee:ff); pxelinux has no such variable. */
    const char *own_mac = strcmp(ctx->menu_format, "ipxe") == 0   ? "${mac}"
                          : strcmp(ctx->menu_format, "grub") == 0 ? "${net_default_mac}"
                                                                  : "";
    int r = 0;
    char port[16] = "";

    if (http_port && http_port != 80)
        snprintf(port, sizeof(port), ":%u", http_port);
    for (const char *q = tmpl; r == 0 && *q; q++) {
        if (strncmp(q, "${server}", 9) == 0)
            r = buf_append(b, "%s", ip), q += 8;
        else if (strncmp(q, "${http}", 7) == 0)
            r = buf_append(b, "http://%s%s%s%s", lb, ip, rb, port), q += 6;
        else if (strncmp(q, "${tftp}", 7) == 0)
            r = buf_append(b, "tftp://%s%s%s", lb, ip, rb), q += 6;
        else if (strncmp(q, "${name}", 7) == 0)
            r = buf_append(b, "%s", name), q += 6;
        else if (strncmp(q, "${mac}", 6) == 0)
            r = buf_append(b, "%s", ctx->client_mac ? ctx->client_mac : own_mac), q += 5;
        else
            r = buf_append(b, "%c", *q);
    }
    return r;
}

/* The entry's initrds as one comma-separated list (menu_item.initrd), or NULL. */
static char *initrd_list(const struct gen_entry *e)
{
    struct pxe_buf b;

    if (!e->initrds[0])
        return NULL;
    buf_init(&b, ENTRY_INITRDS_MAX * ENTRY_PATH_MAX);
    for (int i = 0; e->initrds[i]; i++)
        if (buf_append(&b, "%s%s", i ? "," : "", e->initrds[i]) < 0) {
            buf_done(&b);
            return NULL;
        }
    return buf_steal(&b);
}

static int entry_item(struct core *c, const struct gen_entry *e, const struct pxe_boot_ctx *ctx,
                      struct menu_item *it)
{
    const struct pxe_host *h = ctx->host;
    struct pxe_buf b;
    int r;

    buf_init(&b, ENTRY_CMDLINE_MAX * 4);
    r = expand(&b, e->cmdline, ctx, core_service_port(c, "http"), e->name);
    if (r == 0 && h && h->cmdline_extra && *h->cmdline_extra)
        r = buf_append(&b, "%s%s", b.len ? " " : "", h->cmdline_extra);
    memset(it, 0, sizeof(*it));
    if (r == 0)
        it->cmdline = buf_steal(&b);
    else
        buf_done(&b);
    it->id = strdup(e->name);
    it->raw_id = strdup(e->name);
    it->title = strdup(e->title);
    it->kernel = strdup(e->kernel);
    it->kernel_efi = e->kernel_efi ? strdup(e->kernel_efi) : NULL;
    it->initrd = initrd_list(e);
    it->method = strdup("none");
    if (r == 0 &&
        (!it->cmdline || !it->id || !it->raw_id || !it->title || !it->kernel ||
         (e->kernel_efi && !it->kernel_efi) || (e->initrds[0] && !it->initrd) || !it->method))
        r = -ENOMEM;
    return r;
}

int entries_collect(struct core *c, const struct pxe_boot_ctx *ctx, struct pxe_menu *m)
{
    const struct pxe_host *h = ctx->host;

    for (const struct gen_entry *e = c->entries; e; e = e->next) {
        int r;

        if (h && h->image && strcmp(h->image, e->name) != 0)
            continue;
        if (m->n >= MENU_MAX_ENTRIES)
            return -E2BIG;
        r = entry_item(c, e, ctx, &m->items[m->n]);
        if (r < 0) {
            menu_item_free(&m->items[m->n]);
            return r;
        }
        m->n++;
    }
    return 0;
}
