/* SPDX-License-Identifier: MIT */
/*
 * NFS export manager and the NFS boot method (archiso_nfs_srv=): the plugin's
 * descriptor and lifecycle; its config checks are in nfs_config.c, its boot
 * method callbacks in nfs_method.c.
 *
 * pxecore does not serve NFS: it drives an NFS server already on the host,
 * either the kernel's (an exports.d file plus `exportfs -ra`) or nfs-ganesha
 * (an include file of EXPORT blocks plus DBus AddExport/RemoveExport, or a
 * reload command).  The commands run from nfs_run.c.
 */
#include "nfs.h"

/* ---- lifecycle -------------------------------------------------------------------------- */

static int nfs_load(const struct pxe_core_api *core, struct pxe_core *self, void **ret_state)
{
    struct nfs_state *s = calloc(1, sizeof(*s));

    if (!s)
        return -ENOMEM;
    s->core = core;
    s->self = self;
    s->offer = 1;
    s->priv_fd = -1;
    *ret_state = s;
    return 0;
}

static int setup_exports(struct nfs_state *s)
{
    uint32_t n = s->core->image_count(s->self);

    if (s->exps)
        return 0; /* bind() did it, as root */
    if (n > NFS_MAX_EXPORTS || s->cfg->export_id_base + n > 65535) {
        uint32_t cap = NFS_MAX_EXPORTS < 65535 - (uint32_t)s->cfg->export_id_base
                           ? NFS_MAX_EXPORTS
                           : 65535 - (uint32_t)s->cfg->export_id_base;
        s->core->log(s->self, PXE_LOG_WARNING, "only the first %u of %u images are exported", cap,
                     n);
        n = cap;
    }
    s->exps = calloc(n ? n : 1, sizeof(*s->exps));
    if (!s->exps)
        return -ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        const struct pxe_image *img = s->core->image_get(s->self, i);
        struct nfs_exp *e = &s->exps[s->nexps];
        char buf[NFS_MAX_PATH + 256];

        if (!img)
            continue;
        s->nexps++;
        e->image = img;
        e->id = (uint32_t)s->cfg->export_id_base + i;
        if (!img->is_iso && img->dir) {
            e->path = strdup(img->dir);
            if (!e->path)
                return -ENOMEM;
            if (nfs_check_path(e->path)) {
                snprintf(buf, sizeof(buf),
                         "directory %s cannot be exported: use a plain absolute path without "
                         "blanks, quotes, '#', ';', braces or parentheses",
                         img->dir);
                e->refused = strdup(buf);
            }
        } else if (geteuid() != 0) {
            snprintf(buf, sizeof(buf),
                     "%s is an ISO file and NFS exports directories: start pxecore as root, with "
                     "nfs.helper=auto if it drops privileges (it then loop-mounts the ISO "
                     "read-only under %s), or mount it yourself "
                     "(mount -o loop,ro %s DIR) and pass --image %s=DIR",
                     img->source, s->cfg->export_root, img->source, img->name);
            e->refused = strdup(buf);
        } else {
            snprintf(buf, sizeof(buf), "%s/%s", s->cfg->export_root, img->name);
            e->path = strdup(buf);
            e->mount_point = strdup(buf);
            if (!e->path || !e->mount_point)
                return -ENOMEM;
            e->fsid = nfs_fsid_for(e->path);
            if (nfs_check_path(e->path))
                e->refused = strdup("the loop mount point is not a plain path");
        }
        if (e->refused)
            s->core->log(s->self, PXE_LOG_ERR, "image %s not exported over NFS: %s", img->name,
                         e->refused);
    }
    return 0;
}

static void load_leftovers(struct nfs_state *s)
{
    char *txt;
    size_t len;
    int r = nfs_read_small(s->cfg->state_file, &txt, &len);

    if (r == -ENOENT)
        return;
    if (r) {
        s->core->log(s->self, PXE_LOG_WARNING, "cannot read state file %s: %s", s->cfg->state_file,
                     strerror(-r));
        return;
    }
    r = nfs_state_decode(txt, len, &s->leftover);
    free(txt);
    if (r) {
        s->core->log(s->self, PXE_LOG_WARNING, "ignoring malformed state file %s",
                     s->cfg->state_file);
        return;
    }
    if (strcmp(s->leftover.backend, s->cfg->backend) || s->backend != NFS_GANESHA_DBUS)
        s->leftover.nids = 0; /* DBus ids only mean something to the same ganesha */
    s->have_leftover = 1;
    /* Keep recording them until they are undone. */
    snprintf(s->created.backend, sizeof(s->created.backend), "%s", s->cfg->backend);
    if (s->leftover.file[0] && !strcmp(s->leftover.file, s->file))
        snprintf(s->created.file, sizeof(s->created.file), "%s", s->file);
    for (size_t i = 0; i < s->leftover.nids; i++)
        nfs_created_add_id(&s->created, s->leftover.ids[i]);
    for (size_t i = 0; i < s->leftover.nmounts; i++)
        nfs_created_add_mount(&s->created, s->leftover.mounts[i]);
    s->core->log(s->self, PXE_LOG_NOTICE,
                 "state file %s: undoing what the previous run left (%zu DBus export(s), %zu "
                 "mount(s)%s)",
                 s->cfg->state_file, s->leftover.nids, s->leftover.nmounts,
                 s->leftover.file[0] ? ", exports file" : "");
}

/*
 * The program the backend cannot work without, or NULL when it is there.  A
 * host without an NFS server keeps the plugin inert instead of failing the
 * daemon (or touching /etc/exports.d).
 */
static const char *missing_tool(struct nfs_state *s, char *buf, size_t size)
{
    const char *tool = s->backend == NFS_KERNEL         ? s->cfg->exportfs
                       : s->backend == NFS_GANESHA_DBUS ? s->cfg->dbus_send
                                                        : NULL;

    if (!tool) {
        size_t n = strcspn(s->cfg->ganesha_reload_cmd, " \t");
        snprintf(buf, size, "%.*s", (int)n, s->cfg->ganesha_reload_cmd);
        tool = buf;
    }
    return access(tool, X_OK) == 0 ? NULL : tool;
}

/* As root: an exports file of ours that a previous run left under another name. */
static void remove_stale_file(struct nfs_state *s)
{
    struct nfs_created old = {0};
    char *txt;
    size_t len;

    if (nfs_read_small(s->cfg->state_file, &txt, &len))
        return;
    if (!nfs_state_decode(txt, len, &old) && old.file[0] && strcmp(old.file, s->file) &&
        nfs_is_ours(old.file) && unlink(old.file) == 0)
        s->core->log(s->self, PXE_LOG_NOTICE, "removed %s left by the previous run", old.file);
    free(txt);
    nfs_created_clear(&old);
}

/*
 * Before the privilege drop: the image list (ISO loop mounts need root to be
 * allowed), what a crash left in root-owned places, and the privileged helper.
 */
static int nfs_bind(void *state)
{
    struct nfs_state *s = state;
    int r;

    if (geteuid() != 0 || !strcmp(s->cfg->helper, "off"))
        return 0;
    if ((r = setup_exports(s)))
        return r;
    nfs_remove_temps(s->file);
    remove_stale_file(s);
    for (size_t i = 0; i < s->nexps; i++)
        if (s->exps[i].mount_point && !s->exps[i].refused &&
            (r = nfs_mkdir_p(s->cfg->export_root, 0))) {
            s->core->log(s->self, PXE_LOG_ERR, "cannot create export_root %s: %s",
                         s->cfg->export_root, strerror(-r));
            return r;
        }
    if ((r = nfs_priv_start(s)))
        s->core->log(s->self, PXE_LOG_ERR, "cannot start the privileged helper: %s",
                     strerror(-r));
    return r;
}

static int nfs_start(void *state)
{
    struct nfs_state *s = state;
    char toolbuf[256], buf[NFS_MAX_PATH + 256];
    const char *tool;
    int r;

    snprintf(s->created.backend, sizeof(s->created.backend), "%s", s->cfg->backend);
    if ((r = setup_exports(s)))
        return r;
    if ((tool = missing_tool(s, toolbuf, sizeof(toolbuf)))) {
        int kernel = s->backend == NFS_KERNEL;

        /* Names the fix in forms that work as they are: the --set flag and the config key. */
        snprintf(buf, sizeof(buf),
                 "NFS exports disabled: %.255s is not installed (the %s backend needs %s). "
                 "Install it, or use the %s backend (--set plugins.nfs.backend=%s, or "
                 "\"backend\": \"%s\" in \"plugins\": {\"nfs\": {...}}), or switch NFS off "
                 "(--disable-plugin nfs, or \"enabled\": false there; the Debian package's "
                 "/etc/pxecore/pxecore.json ships it off)",
                 tool, s->cfg->backend, kernel ? "nfs-kernel-server" : "nfs-ganesha and dbus",
                 kernel ? "ganesha" : "kernel", kernel ? "ganesha" : "kernel",
                 kernel ? "ganesha" : "kernel");
        s->core->log(s->self, PXE_LOG_WARNING, "%s", buf);
        for (size_t i = 0; i < s->nexps; i++)
            if (!s->exps[i].refused)
                s->exps[i].refused = strdup(buf);
        s->inert = 1;
        s->started = 1;
        return 0;
    }
    /* Writes a crash cut short; a switched-off method may never rewrite the file. */
    if (nfs_remove_temps(s->file) + nfs_remove_temps(s->cfg->state_file) > 0)
        s->core->log(s->self, PXE_LOG_NOTICE, "removed temp files the previous run left");
    load_leftovers(s);
    /* Added far in the future, then disarmed (timer_set 0) until needed. */
    if ((r = s->core->timer_add(s->self, NFS_TIMER_IDLE, nfs_retry_cb, s, &s->retry_timer)) ||
        (r = s->core->timer_add(s->self, NFS_TIMER_IDLE, nfs_drain_cb, s, &s->drain_timer)) ||
        (r = s->core->timer_add(s->self, NFS_TIMER_IDLE, nfs_check_cb, s, &s->check_timer)))
        return r;
    s->core->timer_set(s->retry_timer, 0);
    s->core->timer_set(s->drain_timer, 0);
    s->core->timer_set(s->check_timer, s->cfg->check_interval);
    if ((r = nfs_mkdir_p(s->cfg->state_file, 1))) {
        s->core->log(s->self, PXE_LOG_ERR, "cannot create the directory of state_file %s: %s",
                     s->cfg->state_file, strerror(-r));
        return r;
    }
    for (size_t i = 0; i < s->nexps; i++)
        if (s->exps[i].mount_point && !s->exps[i].refused &&
            (r = nfs_mkdir_p(s->cfg->export_root, 0))) {
            s->core->log(s->self, PXE_LOG_ERR, "cannot create export_root %s: %s",
                         s->cfg->export_root, strerror(-r));
            return r;
        }
    s->want = 1;
    if (PXE_CORE_HAS(s->core, method_enabled) && !s->core->method_enabled(s->self)) {
        s->want = 0;
        s->offer = 0;
    }
    s->started = 1;
    s->core->metric_set(s->self, "exports_live", "1 when the NFS exports are live", 0);
    nfs_reconcile(s);
    return 0;
}

static void nfs_unload(void *state)
{
    struct nfs_state *s = state;

    if (!s)
        return;
    for (size_t i = 0; i < s->nexps; i++) {
        free(s->exps[i].path);
        free(s->exps[i].mount_point);
        free(s->exps[i].refused);
    }
    free(s->exps);
    free(s->written);
    free(s->last_error);
    nfs_created_clear(&s->created);
    nfs_created_clear(&s->leftover);
    free(s->leftover_mount);
    if (s->priv_fd >= 0) /* stop() did not run (a failed start) */
        nfs_priv_stop(s);
    free(s);
}

static int nfs_status(void *state, json_t **ret)
{
    struct nfs_state *s = state;
    json_t *o = json_object(), *a = json_array();

    if (!o || !a) {
        json_decref(o);
        json_decref(a);
        return -ENOMEM;
    }
    for (size_t i = 0; i < s->nexps; i++) {
        struct nfs_exp *e = &s->exps[i];
        json_t *x =
            json_pack("{s:s, s:s?, s:b, s:i, s:i, s:b, s:s?}", "image", e->image->name, "path",
                      e->path, "iso", (int)e->image->is_iso, "fsid", (json_int_t)e->fsid,
                      "export_id", (json_int_t)e->id, "mounted", e->mounted, "refused", e->refused);
        if (x)
            json_array_append_new(a, x);
    }
    json_object_set_new(o, "backend",
                        json_string(s->backend == NFS_KERNEL         ? "kernel"
                                    : s->backend == NFS_GANESHA_DBUS ? "ganesha-dbus"
                                                                     : "ganesha-reload"));
    json_object_set_new(o, "file", json_string(s->file));
    json_object_set_new(o, "privileged_helper",
                        s->priv_fd >= 0 ? json_integer(s->priv_pid) : json_null());
    json_object_set_new(o, "live", json_boolean(s->live));
    json_object_set_new(o, "offered", json_boolean(s->live && s->offer && !s->draining));
    json_object_set_new(o, "draining", json_boolean(s->draining));
    json_object_set_new(o, "sessions", json_integer((json_int_t)atomic_load(&s->sessions)));
    json_object_set_new(o, "last_error", s->last_error ? json_string(s->last_error) : json_null());
    json_object_set_new(o, "exports", a);
    *ret = o;
    return 0;
}

static struct pxe_plugin nfs_plugin = {
    .thread_model = PXE_THREAD_LOOP,
    .caps = PXE_CAP_SERVICE | PXE_CAP_ROOTFS | PXE_CAP_TRANSPORT,
    .name = "nfs",
    .version = "0.2.0",
    .description = "NFS export manager (kernel nfsd or nfs-ganesha) and the NFS boot method",
    .config_items = nfs_config_items,
    .config_size = sizeof(struct nfs_cfg),
    .load = nfs_load,
    .config_complete = nfs_config_complete,
    .bind = nfs_bind,
    .start = nfs_start,
    .stop = nfs_shutdown,
    .unload = nfs_unload,
    .rootfs_prepare = nfs_rootfs_prepare,
    .rootfs_release = nfs_rootfs_release,
    .transport = nfs_transport,
    .method_set = nfs_method_set,
    .active_sessions = nfs_active_sessions,
    .status = nfs_status,
};

PXE_PLUGIN_REGISTER(nfs_plugin)
