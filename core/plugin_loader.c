/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "plugin_loader.h"

static int refuse(char *err, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int refuse(char *err, const char *file, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(err, PLUGIN_ERR_MAX, "%s: ", file);

    if (n < 0 || n >= PLUGIN_ERR_MAX)
        n = 0;
    va_start(ap, fmt);
    vsnprintf(err + n, PLUGIN_ERR_MAX - (size_t)n, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

static int valid_name(const char *n)
{
    size_t len = n ? strlen(n) : 0;

    if (len < 1 || len > 31)
        return 0;
    for (; *n; n++)
        if (!((*n >= 'a' && *n <= 'z') || (*n >= '0' && *n <= '9') || *n == '-'))
            return 0;
    return 1;
}

int plugin_is_method(const struct pxe_core *p)
{
    return (p->desc.caps & (PXE_CAP_MENU | PXE_CAP_TRANSPORT)) != 0;
}

int plugin_is_kind(const struct pxe_core *p)
{
    return (p->desc.caps & PXE_CAP_KIND) != 0;
}

/* Each capability and the callback it requires. */
static int check_caps(const struct pxe_core *p, char *err)
{
    static const struct {
        uint32_t cap;
        const char *cap_name;
        const char *cb_name;
        size_t off;
    } req[] = {
        {PXE_CAP_SERVICE, "SERVICE", "start", offsetof(struct pxe_plugin, start)},
        {PXE_CAP_ROOTFS, "ROOTFS", "rootfs_prepare", offsetof(struct pxe_plugin, rootfs_prepare)},
        {PXE_CAP_MENU, "MENU", "menu_entries", offsetof(struct pxe_plugin, menu_entries)},
        {PXE_CAP_CMDLINE, "CMDLINE", "cmdline", offsetof(struct pxe_plugin, cmdline)},
        {PXE_CAP_TRANSPORT, "TRANSPORT", "transport", offsetof(struct pxe_plugin, transport)},
        {PXE_CAP_KIND, "KIND", "kind_probe", offsetof(struct pxe_plugin, kind_probe)},
        {PXE_CAP_KIND, "KIND", "kind_entries", offsetof(struct pxe_plugin, kind_entries)},
        {PXE_CAP_KIND, "KIND", "kind_cmdline", offsetof(struct pxe_plugin, kind_cmdline)},
    };
    /* the capabilities each ABI version defines */
    const uint32_t known = p->desc._abi_version >= 2 ? 0x3fu : 0x0fu;

    if (p->desc.caps & ~known)
        return refuse(err, p->file, "unknown capability bits 0x%x for plugin ABI version %u",
                      p->desc.caps & ~known, p->desc._abi_version);
    for (size_t i = 0; i < sizeof(req) / sizeof(req[0]); i++) {
        void *fn;

        if (!(p->desc.caps & req[i].cap))
            continue;
        memcpy(&fn, (const char *)&p->desc + req[i].off, sizeof(fn));
        if (!fn)
            return refuse(err, p->file, "missing required callback '%s' for caps %s",
                          req[i].cb_name, req[i].cap_name);
    }
    if (!p->desc.load)
        return refuse(err, p->file, "missing required callback 'load'");
    return 0;
}

static int validate(struct pxe_core *p, const struct pxe_plugin *d, int check_file_name,
                    char *err)
{
    int r;

    if (d->_abi_version < PXE_PLUGIN_ABI_MIN || d->_abi_version > PXE_PLUGIN_ABI_VERSION)
        return refuse(err, p->file,
                      "plugin ABI version %u, but this pxecore supports ABI version %u..%u",
                      d->_abi_version, PXE_PLUGIN_ABI_MIN, PXE_PLUGIN_ABI_VERSION);
    if (d->_struct_size < PLUGIN_MIN_SIZE)
        return refuse(err, p->file, "descriptor too small (%u bytes, at least %zu needed)",
                      d->_struct_size, (size_t)PLUGIN_MIN_SIZE);
    p->desc_size = d->_struct_size;
    memcpy(&p->desc, d,
           d->_struct_size < sizeof(p->desc) ? d->_struct_size : sizeof(p->desc));
    if (!valid_name(p->desc.name))
        return refuse(err, p->file, "invalid plugin name '%.40s' (must match [a-z0-9-]{1,31})",
                      p->desc.name ? p->desc.name : "(null)");
    if (check_file_name && strncmp(p->file, "pxecore-", 8) != 0)
        return refuse(err, p->file, "plugin file names must start with 'pxecore-'");
    if (!p->desc.version || !p->desc.description)
        return refuse(err, p->file, "missing version or description");
    if (p->desc.thread_model != PXE_THREAD_LOOP && p->desc.thread_model != PXE_THREAD_OWN)
        return refuse(err, p->file, "unknown thread model %u", p->desc.thread_model);
    r = check_caps(p, err);
    if (r < 0)
        return r;
    if (p->desc.config_items) {
        char cerr[CONFIG_ERR_MAX];

        if (config_table_check(p->desc.config_items, p->desc.config_size, cerr) < 0)
            return refuse(err, p->file, "bad config table: %s", cerr);
    }
    return 0;
}

int plugin_open(const char *path, int check_file_name, struct pxe_core **ret, char *err)
{
    const struct pxe_plugin *(*init)(void);
    const struct pxe_plugin *d;
    struct pxe_core *p = calloc(1, sizeof(*p));
    const char *slash = strrchr(path, '/');
    int r;

    if (!p)
        return -ENOMEM;
    p->path = strdup(path);
    p->file = strdup(slash ? slash + 1 : path);
    if (!p->path || !p->file) {
        plugin_close(p);
        return -ENOMEM;
    }
    p->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!p->dl) {
        r = refuse(err, p->file, "cannot load: %s", dlerror());
        goto fail;
    }
    *(void **)&init = dlsym(p->dl, "pxe_plugin_init");
    if (!init) {
        r = refuse(err, p->file, "missing entry symbol 'pxe_plugin_init'");
        goto fail;
    }
    d = init();
    if (!d) {
        r = refuse(err, p->file, "pxe_plugin_init returned NULL");
        goto fail;
    }
    r = validate(p, d, check_file_name, err);
    if (r < 0)
        goto fail;
    p->enabled = 1;
    p->method_enabled = plugin_is_method(p);
    *ret = p;
    return 0;
fail:
    plugin_close(p);
    return r;
}

static int so_filter(const struct dirent *e)
{
    return fnmatch("pxecore-*.so", e->d_name, 0) == 0;
}

int plugin_open_dir(const char *dir, struct pxe_core **ret_list, char *err)
{
    struct dirent **names = NULL;
    struct pxe_core *head = NULL, **tail = &head;
    int n = scandir(dir, &names, so_filter, alphasort);
    int r = 0;

    if (n < 0) {
        r = -errno;
        snprintf(err, PLUGIN_ERR_MAX, "%s: cannot read plugins directory: %s", dir, strerror(-r));
        return r;
    }
    for (int i = 0; i < n; i++) {
        char path[4096];
        struct pxe_core *p;

        if (r == 0) {
            snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
            r = plugin_open(path, 1, &p, err);
            for (struct pxe_core *q = head; r == 0 && q; q = q->next) {
                if (strcmp(q->desc.name, p->desc.name) == 0) {
                    r = refuse(err, p->file, "duplicate plugin name '%s' (already loaded from %s)",
                               p->desc.name, q->file);
                    plugin_close(p);
                }
            }
            if (r == 0) {
                *tail = p;
                tail = &p->next;
            }
        }
        free(names[i]);
    }
    free(names);
    if (r < 0) {
        while (head) {
            struct pxe_core *next = head->next;

            plugin_close(head);
            head = next;
        }
        return r;
    }
    *ret_list = head;
    return 0;
}

void plugin_dump(const struct pxe_core *p)
{
    static const struct {
        const char *name;
        size_t off;
    } cbs[] = {
#define CB(n) {#n, offsetof(struct pxe_plugin, n)}
        CB(load),           CB(config_complete), CB(bind),          CB(start),
        CB(stop),           CB(unload),          CB(reload),        CB(rootfs_prepare),
        CB(rootfs_release), CB(menu_entries),    CB(cmdline),       CB(cmdline_check),
        CB(method_set),     CB(active_sessions), CB(status),        CB(api_call),
        CB(transport),      CB(kind_probe),      CB(kind_entries),  CB(kind_cmdline),
        CB(kind_cmdline_check),
#undef CB
    };
    static const char *const caps[] = {"service", "rootfs", "menu", "cmdline", "transport", "kind"};

    printf("path=%s\n", p->path);
    printf("name=%s\n", p->desc.name);
    printf("version=%s\n", p->desc.version);
    printf("description=%s\n", p->desc.description);
    printf("abi_version=%u\n", p->desc._abi_version);
    printf("struct_size=%u\n", p->desc_size);
    printf("thread_model=%s\n", p->desc.thread_model == PXE_THREAD_OWN ? "own" : "loop");
    printf("caps=");
    for (unsigned i = 0, first = 1; i < 6; i++)
        if (p->desc.caps & (1u << i)) {
            printf("%s%s", first ? "" : ",", caps[i]);
            first = 0;
        }
    printf("\n");
    for (size_t i = 0; i < sizeof(cbs) / sizeof(cbs[0]); i++) {
        void *fn;

        memcpy(&fn, (const char *)&p->desc + cbs[i].off, sizeof(fn));
        if (fn)
            printf("has_%s=1\n", cbs[i].name);
    }
    for (const struct pxe_config_item *it = p->desc.config_items; it && it->key; it++)
        printf("config.%s=%s%s%s\n", it->key, config_type_name(it->type),
               it->cli_flag ? " --" : "", it->cli_flag ? it->cli_flag : "");
}

void plugin_close(struct pxe_core *p)
{
    if (!p)
        return;
    if (p->cfg) {
        config_free(p->desc.config_items, p->cfg);
        free(p->cfg);
    }
    if (p->dl)
        dlclose(p->dl);
    free(p->path);
    free(p->file);
    free(p);
}
