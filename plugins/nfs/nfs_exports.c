/* SPDX-License-Identifier: MIT */
/* Pure rendering, validation and state encoding for the NFS plugin; see nfs_exports.h.
 * What the servers report is parsed in nfs_report.c. */
#include "nfs_exports.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* Growable string; err latches the first failure. */
struct sb {
    char *p;
    size_t len, cap;
    int err;
};

__attribute__((format(printf, 2, 3))) static void sb_printf(struct sb *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (b->err)
        return;
    for (;;) {
        size_t room = b->cap - b->len;

        va_start(ap, fmt);
        n = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->err = -EINVAL;
            return;
        }
        if ((size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        size_t ncap = b->cap ? b->cap * 2 : 256;
        while (ncap < b->len + (size_t)n + 1)
            ncap *= 2;
        char *np = realloc(b->p, ncap);
        if (!np) {
            b->err = -ENOMEM;
            return;
        }
        b->p = np;
        b->cap = ncap;
    }
}

static int sb_finish(struct sb *b, char **ret)
{
    if (!b->err && !b->p)
        sb_printf(b, "%s", "");
    if (b->err) {
        free(b->p);
        return b->err;
    }
    *ret = b->p;
    return 0;
}

int nfs_check_path(const char *path)
{
    size_t n;

    if (!path || path[0] != '/')
        return -EINVAL;
    n = strlen(path);
    if (n > NFS_MAX_PATH)
        return -EINVAL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)path[i];
        if (c <= ' ' || c >= 0x7f || c == '"' || c == '\'' || c == '\\' || c == '#' || c == ';' ||
            c == '{' || c == '}' || c == '(' || c == ')')
            return -EINVAL;
        if (c == '/' && (path[i + 1] == '/' ||
                         (path[i + 1] == '.' &&
                          (path[i + 2] == '/' || path[i + 2] == '\0' ||
                           (path[i + 2] == '.' && (path[i + 3] == '/' || path[i + 3] == '\0'))))))
            return -EINVAL;
    }
    if (n > 1 && path[n - 1] == '/')
        return -EINVAL;
    return 0;
}

static int is_client_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr(".:/*?-_@[]", c) != NULL;
}

/* Calls fn(token, len, ud) for each space/comma separated token; stops on non-zero. */
static int each_token(const char *s, int (*fn)(const char *, size_t, void *), void *ud)
{
    while (*s) {
        size_t n;
        int r;

        s += strspn(s, " \t,");
        n = strcspn(s, " \t,");
        if (!n)
            break;
        r = fn(s, n, ud);
        if (r)
            return r;
        s += n;
    }
    return 0;
}

static int check_client_token(const char *t, size_t n, void *ud)
{
    size_t *count = ud;

    for (size_t i = 0; i < n; i++)
        if (!is_client_char((unsigned char)t[i]))
            return -EINVAL;
    (*count)++;
    return 0;
}

int nfs_check_clients(const char *clients, const char **why)
{
    size_t count = 0;

    if (!clients || strlen(clients) > NFS_MAX_SPEC) {
        *why = "clients: missing or longer than 1024 bytes";
        return -EINVAL;
    }
    if (each_token(clients, check_client_token, &count)) {
        *why = "clients: only hosts, networks (192.0.2.0/24), wildcards and @netgroups, "
               "separated by spaces or commas";
        return -EINVAL;
    }
    if (!count) {
        *why = "clients: empty (use \"*\" for everyone)";
        return -EINVAL;
    }
    return 0;
}

static int check_charset(const char *s, const char *extra)
{
    for (; *s; s++) {
        int c = (unsigned char)*s;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr(extra, c)))
            return -EINVAL;
    }
    return 0;
}

int nfs_check_options(const char *options, const char **why)
{
    if (!options || !*options || strlen(options) > NFS_MAX_SPEC ||
        check_charset(options, "_=,.:/-") || options[0] == ',' ||
        options[strlen(options) - 1] == ',' || strstr(options, ",,")) {
        *why = "options: a comma-separated exports(5) option list such as ro,no_subtree_check";
        return -EINVAL;
    }
    return 0;
}

int nfs_check_client_opts(const char *opts, const char **why)
{
    if (!opts || strlen(opts) > 256 || check_charset(opts, "=,")) {
        *why = "archiso_nfs_opt: nfsmount options such as v3,tcp ([a-z0-9=,] only)";
        return -EINVAL;
    }
    return 0;
}

uint32_t nfs_fsid_for(const char *path)
{
    uint32_t h = 2166136261u;

    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        h ^= *p;
        h *= 16777619u;
    }
    h &= 0x7fffffffu;
    return h ? h : 1;
}

static int cmp_export(const void *a, const void *b)
{
    const struct nfs_export *const *x = a, *const *y = b;

    return strcmp((*x)->path, (*y)->path);
}

/* Sorted array of pointers into ex, validated; *ret malloc'd (NULL when n == 0). */
static int sorted(const struct nfs_export *ex, size_t n, const struct nfs_export ***ret,
                  const char **why)
{
    const struct nfs_export **v;

    *ret = NULL;
    if (n > NFS_MAX_EXPORTS) {
        *why = "too many exports";
        return -E2BIG;
    }
    if (!n)
        return 0;
    v = calloc(n, sizeof(*v));
    if (!v)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (nfs_check_path(ex[i].path)) {
            free(v);
            *why = "export path must be absolute and free of blanks, quotes, '\\', '#', ';', "
                   "braces and parentheses";
            return -EINVAL;
        }
        v[i] = &ex[i];
    }
    qsort(v, n, sizeof(*v), cmp_export);
    for (size_t i = 1; i < n; i++)
        if (!strcmp(v[i - 1]->path, v[i]->path)) {
            free(v);
            *why = "two exports with the same path";
            return -EINVAL;
        }
    *ret = v;
    return 0;
}

struct kline {
    struct sb *b;
    const char *options;
    uint32_t fsid;
};

static int kernel_client(const char *t, size_t n, void *ud)
{
    struct kline *k = ud;

    sb_printf(k->b, " %.*s(%s", (int)n, t, k->options);
    if (k->fsid)
        sb_printf(k->b, ",fsid=%u", k->fsid);
    sb_printf(k->b, ")");
    return 0;
}

int nfs_render_kernel(const struct nfs_export *ex, size_t n, const char *clients,
                      const char *options, char **ret, const char **why)
{
    const struct nfs_export **v;
    struct sb b = {0};
    int r;

    if ((r = nfs_check_clients(clients, why)) || (r = nfs_check_options(options, why)))
        return r;
    if ((r = sorted(ex, n, &v, why)))
        return r;
    sb_printf(&b, "%s Do not edit: rewritten on every change.\n", NFS_GENERATED_MARK);
    for (size_t i = 0; i < n; i++) {
        struct kline k = {&b, options, strstr(options, "fsid=") ? 0 : v[i]->fsid};

        sb_printf(&b, "%s", v[i]->path);
        each_token(clients, kernel_client, &k);
        sb_printf(&b, "\n");
    }
    free(v);
    return sb_finish(&b, ret);
}

/* ganesha settings derived from kernel options. */
struct gopts {
    const char *access, *squash, *privport;
};

static int ganesha_map(const char *options, struct gopts *g, const char **why)
{
    const char *s = options;

    g->access = "RO";
    g->squash = "Root_Squash";
    g->privport = NULL;
    while (*s) {
        size_t n = strcspn(s, ",");
        char tok[64];

        if (n >= sizeof(tok)) {
            *why = "options: an option is too long";
            return -EINVAL;
        }
        memcpy(tok, s, n);
        tok[n] = '\0';
        if (!strcmp(tok, "ro"))
            g->access = "RO";
        else if (!strcmp(tok, "rw"))
            g->access = "RW";
        else if (!strcmp(tok, "root_squash"))
            g->squash = "Root_Squash";
        else if (!strcmp(tok, "no_root_squash"))
            g->squash = "No_Root_Squash";
        else if (!strcmp(tok, "all_squash"))
            g->squash = "All_Squash";
        else if (!strcmp(tok, "secure"))
            g->privport = "true";
        else if (!strcmp(tok, "insecure"))
            g->privport = "false";
        else if (strcmp(tok, "sync") && strcmp(tok, "async") && strcmp(tok, "subtree_check") &&
                 strcmp(tok, "no_subtree_check") && strncmp(tok, "fsid=", 5)) {
            *why = "options: the ganesha backend understands ro, rw, root_squash, "
                   "no_root_squash, all_squash, secure, insecure (and ignores sync, async, "
                   "subtree_check, no_subtree_check, fsid=)";
            return -EINVAL;
        }
        s += n;
        if (*s == ',')
            s++;
    }
    return 0;
}

struct gclients {
    struct sb *b;
    int first;
};

static int ganesha_client(const char *t, size_t n, void *ud)
{
    struct gclients *g = ud;

    sb_printf(g->b, "%s%.*s", g->first ? "" : ", ", (int)n, t);
    g->first = 0;
    return 0;
}

int nfs_render_ganesha(const struct nfs_export *ex, size_t n, const char *clients,
                       const char *options, char **ret, const char **why)
{
    const struct nfs_export **v;
    struct sb b = {0};
    struct gopts g;
    int r;

    if ((r = nfs_check_clients(clients, why)) || (r = nfs_check_options(options, why)) ||
        (r = ganesha_map(options, &g, why)))
        return r;
    if ((r = sorted(ex, n, &v, why)))
        return r;
    for (size_t i = 0; i < n; i++)
        if (v[i]->export_id < 1 || v[i]->export_id > 65535) {
            free(v);
            *why = "ganesha Export_Id out of 1..65535";
            return -EINVAL;
        }
    sb_printf(&b, "%s Do not edit: rewritten on every change.\n", NFS_GENERATED_MARK);
    for (size_t i = 0; i < n; i++) {
        struct gclients gc = {&b, 1};

        sb_printf(&b,
                  "EXPORT {\n"
                  "\tExport_Id = %u;\n"
                  "\tPath = \"%s\";\n"
                  "\tPseudo = \"%s\";\n"
                  "\tAccess_Type = None;\n"
                  "\tProtocols = 3;\n"
                  "\tSecType = sys;\n"
                  "\tSquash = %s;\n",
                  v[i]->export_id, v[i]->path, v[i]->path, g.squash);
        if (g.privport)
            sb_printf(&b, "\tPrivilegedPort = %s;\n", g.privport);
        sb_printf(&b, "\tFSAL {\n\t\tName = VFS;\n\t}\n\tCLIENT {\n\t\tClients = ");
        each_token(clients, ganesha_client, &gc);
        sb_printf(&b, ";\n\t\tAccess_Type = %s;\n\t}\n}\n", g.access);
    }
    free(v);
    return sb_finish(&b, ret);
}

void nfs_created_clear(struct nfs_created *c)
{
    for (size_t i = 0; i < c->nmounts; i++)
        free(c->mounts[i]);
    memset(c, 0, sizeof(*c));
}

char *nfs_state_encode(const struct nfs_created *c)
{
    json_t *o = json_object(), *ids = json_array(), *mounts = json_array();
    char *s = NULL;

    if (!o || !ids || !mounts)
        goto out;
    for (size_t i = 0; i < c->nids; i++)
        if (json_array_append_new(ids, json_integer(c->ids[i])))
            goto out;
    for (size_t i = 0; i < c->nmounts; i++)
        if (json_array_append_new(mounts, json_string(c->mounts[i])))
            goto out;
    if (json_object_set_new(o, "version", json_integer(1)) ||
        json_object_set_new(o, "backend", json_string(c->backend)) ||
        json_object_set_new(o, "file", json_string(c->file)) ||
        json_object_set(o, "ganesha_ids", ids) || json_object_set(o, "mounts", mounts))
        goto out;
    s = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
out:
    json_decref(ids);
    json_decref(mounts);
    json_decref(o);
    return s;
}

int nfs_state_decode(const char *text, size_t len, struct nfs_created *c)
{
    json_t *o, *ids, *mounts, *v;
    const char *backend, *file;
    size_t i;
    int r = -EINVAL;

    memset(c, 0, sizeof(*c));
    o = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
    if (!o || !json_is_object(o))
        goto out;
    backend = json_string_value(json_object_get(o, "backend"));
    file = json_string_value(json_object_get(o, "file"));
    ids = json_object_get(o, "ganesha_ids");
    mounts = json_object_get(o, "mounts");
    if (json_integer_value(json_object_get(o, "version")) != 1 || !backend || !file ||
        !json_is_array(ids) || !json_is_array(mounts) || strlen(backend) >= sizeof(c->backend) ||
        strlen(file) >= sizeof(c->file) || json_array_size(ids) > NFS_MAX_EXPORTS ||
        json_array_size(mounts) > NFS_MAX_EXPORTS || (*file && nfs_check_path(file)))
        goto out;
    strcpy(c->backend, backend);
    strcpy(c->file, file);
    json_array_foreach(ids, i, v)
    {
        json_int_t id = json_integer_value(v);
        if (!json_is_integer(v) || id < 1 || id > 65535)
            goto out;
        c->ids[c->nids++] = (uint32_t)id;
    }
    json_array_foreach(mounts, i, v)
    {
        const char *m = json_string_value(v);
        if (!m || nfs_check_path(m))
            goto out;
        if (!(c->mounts[c->nmounts] = strdup(m))) {
            r = -ENOMEM;
            goto out;
        }
        c->nmounts++;
    }
    r = 0;
out:
    if (r)
        nfs_created_clear(c);
    json_decref(o);
    return r;
}
