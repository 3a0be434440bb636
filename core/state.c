/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "entries.h"
#include "state.h"

static char *path;
/* Method switches for methods not loaded now, written back unchanged. */
static json_t *foreign_methods;

const char *state_path(void)
{
    return path;
}

void state_free(void)
{
    free(path);
    path = NULL;
    json_decref(foreign_methods);
    foreign_methods = NULL;
}

static int valid_name(const char *s, size_t max, int dot)
{
    size_t n = strlen(s);

    if (n == 0 || n > max)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
              (dot && (*s == '.' || *s == '_'))))
            return 0;
    return 1;
}

static int bad(char *field, char *why, const char *f, const char *w)
{
    snprintf(field, 64, "%s", f);
    snprintf(why, 128, "%s", w);
    return -EINVAL;
}

static int opt_string(json_t *obj, const char *key, const char **ret, char *field, char *why)
{
    json_t *v = json_object_get(obj, key);

    *ret = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return bad(field, why, key, "must be a string or null");
    *ret = json_string_value(v);
    if (strlen(*ret) != json_string_length(v))
        return bad(field, why, key, "must not contain NUL");
    return 0;
}

static int opt_bool(json_t *obj, const char *key, int *ret, char *field, char *why)
{
    json_t *v = json_object_get(obj, key);

    *ret = 0;
    if (!v)
        return 0;
    if (!json_is_boolean(v))
        return bad(field, why, key, "must be true or false");
    *ret = json_is_true(v);
    return 0;
}

int state_host_parse(json_t *obj, struct state_host *out, char *field, char *why)
{
    static const char *const keys[] = {"mac",       "image",      "method", "cmdline_extra",
                                       "boot_once", "local_boot", NULL};
    const char *key;
    json_t *v;

    memset(out, 0, sizeof(*out));
    if (!json_is_object(obj))
        return bad(field, why, "(body)", "must be a JSON object");
    json_object_foreach(obj, key, v)
    {
        int known = 0;

        for (int i = 0; keys[i]; i++)
            known |= strcmp(key, keys[i]) == 0;
        if (!known)
            return bad(field, why, key,
                       "unknown field (image, method, cmdline_extra, "
                       "boot_once, local_boot)");
    }
    if (opt_string(obj, "image", &out->image, field, why) < 0 ||
        opt_string(obj, "method", &out->method, field, why) < 0 ||
        opt_string(obj, "cmdline_extra", &out->cmdline_extra, field, why) < 0 ||
        opt_bool(obj, "boot_once", &out->boot_once, field, why) < 0 ||
        opt_bool(obj, "local_boot", &out->local_boot, field, why) < 0)
        return -EINVAL;
    if (out->image && !valid_name(out->image, 63, 1))
        return bad(field, why, "image", "must match [a-z0-9._-]{1,63}");
    if (out->method && !valid_name(out->method, 31, 0))
        return bad(field, why, "method", "must match [a-z0-9-]{1,31}");
    if (out->cmdline_extra) {
        if (strlen(out->cmdline_extra) > STATE_CMDLINE_MAX)
            return bad(field, why, "cmdline_extra", "longer than 1024 bytes");
        for (const char *s = out->cmdline_extra; *s; s++)
            if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e || *s == '"')
                return bad(field, why, "cmdline_extra", "must be printable ASCII without '\"'");
    }
    return 0;
}

json_t *state_host_json(const struct pxe_host *h)
{
    return json_pack("{s:s, s:s?, s:s?, s:s?, s:b, s:b}", "mac", h->mac, "image", h->image,
                     "method", h->method, "cmdline_extra", h->cmdline_extra, "boot_once",
                     (int)h->boot_once, "local_boot", (int)h->local_boot);
}

static int load_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int load_fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(err, errlen, "%s: ", path);

    if (n < 0 || (size_t)n >= errlen)
        n = 0;
    va_start(ap, fmt);
    vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

static int apply_methods(struct core *c, json_t *methods, char *err, size_t errlen)
{
    const char *name;
    json_t *v;

    if (!methods)
        return 0;
    if (!json_is_object(methods))
        return load_fail(err, errlen, "methods: must be an object");
    json_object_foreach(methods, name, v)
    {
        json_t *en = json_object_get(v, "enabled");
        struct pxe_core *p;

        if (!json_is_object(v) || !json_is_boolean(en) || json_object_size(v) != 1)
            return load_fail(err, errlen, "methods.%s: must be {\"enabled\": bool}", name);
        p = core_plugin_find(c, name);
        if (p && plugin_is_method(p)) {
            p->method_enabled = json_is_true(en);
        } else if (json_object_set(foreign_methods, name, v) < 0) {
            return -ENOMEM;
        }
    }
    return 0;
}

static int apply_hosts(struct core *c, json_t *hosts, char *err, size_t errlen)
{
    const char *mac;
    json_t *v;

    if (!hosts)
        return 0;
    if (!json_is_object(hosts) || json_object_size(hosts) > STATE_MAX_HOSTS)
        return load_fail(err, errlen, "hosts: must be an object of at most %d profiles",
                         STATE_MAX_HOSTS);
    json_object_foreach(hosts, mac, v)
    {
        struct state_host sh;
        struct pxe_host h = {._struct_size = sizeof(h)};
        char field[64], why[128], norm[18];
        int r;

        if (core_mac_normalize(mac, norm) < 0)
            return load_fail(err, errlen, "hosts: '%s' is not a MAC address", mac);
        if (state_host_parse(v, &sh, field, why) < 0) {
            snprintf(err, errlen, "%s: hosts.%s.%s: %s", path, norm, field, why);
            return -EINVAL;
        }
        h.mac = norm;
        h.image = sh.image;
        h.method = sh.method;
        h.cmdline_extra = sh.cmdline_extra;
        h.boot_once = (uint32_t)sh.boot_once;
        h.local_boot = (uint32_t)sh.local_boot;
        r = core_host_set(c, &h);
        if (r < 0)
            return r;
    }
    return 0;
}

/* Entries made or changed through the API; they replace config entries of the same name. */
static int apply_entries(struct core *c, json_t *entries, char *err, size_t errlen)
{
    const char *name;
    json_t *v;

    if (!entries)
        return 0;
    if (!json_is_object(entries) || json_object_size(entries) > ENTRIES_MAX)
        return load_fail(err, errlen, "entries: must be an object of at most %d entries",
                         ENTRIES_MAX);
    json_object_foreach(entries, name, v)
    {
        struct gen_entry e;
        char field[64], why[160];
        int r = entry_parse(v, name, &e, field, why);

        if (r == -EINVAL) {
            snprintf(err, errlen, "%s: entries.%s.%s: %s", path, name, field, why);
            return r;
        }
        if (r == 0 && (r = core_entry_set(c, &e)) < 0)
            entry_free(&e);
        if (r < 0)
            return r;
    }
    return 0;
}

int state_load(struct core *c, char *err, size_t errlen)
{
    json_error_t je;
    json_t *root, *ver;
    int r;

    state_free();
    if (asprintf(&path, "%s/%s", c->set.state_dir, STATE_FILE) < 0) {
        path = NULL;
        return -ENOMEM;
    }
    foreign_methods = json_object();
    if (!foreign_methods)
        return -ENOMEM;
    /* writes a crash interrupted (state, token, leases); the old files are intact */
    (void)atomic_clean_stale(c->set.state_dir, NULL);
    if (c->set.user && *c->set.user && geteuid() == 0) {
        /* saved after the privilege drop: the directory and file belong to core.user */
        struct passwd *pw = getpwnam(c->set.user);

        if (pw && chown(c->set.state_dir, pw->pw_uid, pw->pw_gid) < 0)
            return load_fail(err, errlen, "cannot give the state directory to '%s': %s",
                             c->set.user, strerror(errno));
        if (pw && chown(path, pw->pw_uid, pw->pw_gid) < 0 && errno != ENOENT)
            return load_fail(err, errlen, "cannot give the file to '%s': %s", c->set.user,
                             strerror(errno));
    }
    if (access(path, F_OK) < 0 && errno == ENOENT)
        return 0;
    root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        snprintf(err, errlen, "%s:%d:%d: %s (fix or remove the file)", path, je.line, je.column,
                 je.text);
        return -EINVAL;
    }
    ver = json_object_get(root, "version");
    if (!json_is_object(root) || !json_is_integer(ver) ||
        json_integer_value(ver) != STATE_VERSION) {
        json_decref(root);
        return load_fail(err, errlen, "not a pxecore state file of version %d", STATE_VERSION);
    }
    r = apply_methods(c, json_object_get(root, "methods"), err, errlen);
    if (r == 0)
        r = apply_hosts(c, json_object_get(root, "hosts"), err, errlen);
    if (r == 0)
        r = apply_entries(c, json_object_get(root, "entries"), err, errlen);
    json_decref(root);
    if (r == -ENOMEM)
        snprintf(err, errlen, "%s: out of memory", path);
    return r;
}

/* Adds "entries" (those made or changed through the API) to root; NULL on OOM. */
static json_t *state_entries_json(struct core *c, json_t *root)
{
    json_t *entries = json_object();

    for (struct gen_entry *e = c->entries; e && entries; e = e->next) {
        json_t *o = e->from_config ? NULL : entry_json(e);

        if (o)
            json_object_del(o, "name");
        if (!e->from_config && (!o || json_object_set_new(entries, e->name, o) < 0)) {
            json_decref(entries);
            entries = NULL;
        }
    }
    if (!entries || (json_object_size(entries) &&
                     json_object_set_new(root, "entries", entries) < 0)) {
        json_decref(root);
        return NULL;
    }
    if (!json_object_size(entries))
        json_decref(entries);
    return root;
}

static json_t *state_json(struct core *c)
{
    json_t *root = json_object(), *methods = json_deep_copy(foreign_methods);
    json_t *hosts = json_object();

    if (!methods)
        methods = json_object();
    for (struct pxe_core *p = c->plugins; p && methods; p = p->next)
        if (plugin_is_method(p))
            json_object_set_new(methods, p->desc.name,
                                json_pack("{s:b}", "enabled", p->method_enabled));
    for (struct host *h = c->hosts; h && hosts; h = h->next) {
        json_t *o = state_host_json(&h->pub);

        if (o)
            json_object_del(o, "mac");
        if (!o || json_object_set_new(hosts, h->pub.mac, o) < 0) {
            json_decref(hosts);
            hosts = NULL;
        }
    }
    if (!root || !methods || !hosts ||
        json_object_set_new(root, "version", json_integer(STATE_VERSION)) < 0) {
        json_decref(root);
        json_decref(methods);
        json_decref(hosts);
        return NULL;
    }
    json_object_set_new(root, "methods", methods);
    json_object_set_new(root, "hosts", hosts);
    return state_entries_json(c, root);
}

int state_save(struct core *c)
{
    json_t *root;
    char *text;
    int r;

    if (!path)
        return -EINVAL;
    root = state_json(c);
    text = root ? json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
    json_decref(root);
    if (!text)
        return -ENOMEM;
    r = atomic_write_file(path, text, strlen(text), 0600);
    free(text);
    return r;
}

int state_boot_once_used(struct core *c, const char *mac)
{
    const struct pxe_host *h = core_host_lookup(c, mac);
    struct pxe_host copy;
    char *m;
    int r;

    if (!h || !h->boot_once || h->local_boot)
        return 0;
    copy = *h;
    copy.local_boot = 1;
    m = strdup(h->mac);
    if (!m)
        return -ENOMEM;
    copy.mac = m;
    r = core_host_set(c, &copy); /* copies before it frees the old profile */
    free(m);
    if (r < 0)
        return r;
    r = state_save(c);
    return r < 0 ? r : 1;
}
