/* SPDX-License-Identifier: MIT */
/*
 * NFS export manager and the NFS boot method (archiso_nfs_srv=): descriptor,
 * configuration, lifecycle and boot-method callbacks.
 *
 * pxecore does not serve NFS: it drives an NFS server already on the host,
 * either the kernel's (an exports.d file plus `exportfs -ra`) or nfs-ganesha
 * (an include file of EXPORT blocks plus DBus AddExport/RemoveExport, or a
 * reload command).  The commands run from nfs_run.c.
 */
#include "nfs.h"

#define CFG(k) offsetof(struct nfs_cfg, k)
static const struct pxe_config_item nfs_config_items[] = {
    {"backend", PXE_CFG_STR, 0, "kernel", CFG(backend),
     "NFS server to drive: kernel (exports.d + exportfs) or ganesha (nfs-ganesha)", NULL, 0, 0},
    {"exports_file", PXE_CFG_PATH, 0, "/etc/exports.d/pxecore.exports", CFG(exports_file),
     "kernel backend: the exports(5) file pxecore owns (must end in .exports)", NULL, 0, 0},
    {"exportfs", PXE_CFG_PATH, 0, "/usr/sbin/exportfs", CFG(exportfs),
     "kernel backend: exportfs binary (run as exportfs -ra, and without arguments to check)", NULL,
     0, 0},
    {"clients", PXE_CFG_STR, 0, "*", CFG(clients),
     "who may mount: hosts, networks (192.0.2.0/24), wildcards, @netgroups", NULL, 0, 0},
    {"options", PXE_CFG_STR, 0, "ro,no_subtree_check", CFG(options),
     "export options in exports(5) syntax (mapped for ganesha)", NULL, 0, 0},
    {"ganesha_conf", PXE_CFG_PATH, 0, "/etc/ganesha/pxecore.conf", CFG(ganesha_conf),
     "ganesha backend: file of EXPORT blocks pxecore owns; ganesha.conf must %include it", NULL, 0,
     0},
    {"ganesha_dbus", PXE_CFG_BOOL, 0, "true", CFG(ganesha_dbus),
     "ganesha backend: add/remove exports through DBus ExportMgr (dbus-send)", NULL, 0, 0},
    {"ganesha_reload_cmd", PXE_CFG_STR, 0, NULL, CFG(ganesha_reload_cmd),
     "ganesha backend without DBus: command that makes ganesha re-read its exports (SIGHUP), "
     "split on blanks, e.g. \"/usr/bin/pkill -HUP -F /run/ganesha/ganesha.pid\"",
     NULL, 0, 0},
    {"dbus_send", PXE_CFG_PATH, 0, "/usr/bin/dbus-send", CFG(dbus_send),
     "ganesha backend: dbus-send binary", NULL, 0, 0},
    {"rpcinfo", PXE_CFG_PATH, 0, "/usr/sbin/rpcinfo", CFG(rpcinfo),
     "ganesha backend without DBus: rpcinfo binary used to check MOUNT v3 answers on 127.0.0.1",
     NULL, 0, 0},
    {"export_list_cmd", PXE_CFG_STR, 0, NULL, CFG(export_list_cmd),
     "ganesha backend without DBus: command listing the server's exports, each of ours must "
     "appear (default: \"/usr/sbin/showmount -e 127.0.0.1\" when installed, else only rpcinfo)",
     NULL, 0, 0},
    {"export_root", PXE_CFG_PATH, 0, "/run/pxecore/nfs", CFG(export_root),
     "where ISO images are loop-mounted read-only (as <export_root>/<image>) to be exported", NULL,
     0, 0},
    {"state_file", PXE_CFG_PATH, 0, "${state_dir}/nfs-state.json", CFG(state_file),
     "records what pxecore created, so a crash is cleaned up on the next start", NULL, 0, 0},
    {"mount", PXE_CFG_PATH, 0, "/usr/bin/mount", CFG(mount), "mount binary (ISO loop mounts)", NULL,
     0, 0},
    {"umount", PXE_CFG_PATH, 0, "/usr/bin/umount", CFG(umount), "umount binary", NULL, 0, 0},
    {"rmtab", PXE_CFG_PATH, 0, "/var/lib/nfs/rmtab", CFG(rmtab),
     "kernel backend: rpc.mountd's table of NFSv3 mounts, read while draining", NULL, 0, 0},
    {"archiso_nfs_opt", PXE_CFG_STR, 0, "v3,tcp", CFG(archiso_nfs_opt),
     "mount options for archiso's nfsmount (NFSv2/v3 only); empty to omit", NULL, 0, 0},
    {"check_interval", PXE_CFG_DURATION, 0, "10s", CFG(check_interval),
     "how often the server is asked whether the exports are still there (0: never)", NULL, 0, 0},
    {"drain_poll", PXE_CFG_DURATION, 0, "2s", CFG(drain_poll),
     "after the method is disabled, how often mounts are checked", NULL, 1000, 3600000000},
    {"drain_idle", PXE_CFG_DURATION, 0, "60s", CFG(drain_idle),
     "ganesha: an export idle this long counts as unmounted (without DBus: wait this long)", NULL,
     0, 0},
    {"drain_timeout", PXE_CFG_DURATION, 0, "1h", CFG(drain_timeout),
     "remove the exports after this long even if clients still have them mounted", NULL, 0, 0},
    {"export_id_base", PXE_CFG_UINT, 0, "4200", CFG(export_id_base),
     "ganesha Export_Id of the first image (the n-th image gets base + n)", NULL, 1, 65000},
    {0},
};

/* ---- lifecycle -------------------------------------------------------------------------- */

static int nfs_load(const struct pxe_core_api *core, struct pxe_core *self, void **ret_state)
{
    struct nfs_state *s = calloc(1, sizeof(*s));

    if (!s)
        return -ENOMEM;
    s->core = core;
    s->self = self;
    s->offer = 1;
    *ret_state = s;
    return 0;
}

static int nfs_config_complete(void *state, void *cfgp)
{
    struct nfs_state *s = state;
    struct nfs_cfg *c = cfgp;
    const char *why;
    size_t n;

    s->cfg = c;
    if (!strcmp(c->backend, "kernel")) {
        s->backend = NFS_KERNEL;
        s->file = c->exports_file;
        n = strlen(c->exports_file);
        if (n < 8 || strcmp(c->exports_file + n - 8, ".exports")) {
            s->core->log(s->self, PXE_LOG_ERR,
                         "exports_file %s: exportfs reads only files ending in .exports",
                         c->exports_file);
            return -EINVAL;
        }
    } else if (!strcmp(c->backend, "ganesha")) {
        s->file = c->ganesha_conf;
        if (c->ganesha_dbus)
            s->backend = NFS_GANESHA_DBUS;
        else if (c->ganesha_reload_cmd && *c->ganesha_reload_cmd) {
            s->backend = NFS_GANESHA_RELOAD;
            if (c->export_list_cmd && *c->export_list_cmd)
                s->list_cmd = c->export_list_cmd;
            else if (access("/usr/sbin/showmount", X_OK) == 0)
                s->list_cmd = "/usr/sbin/showmount -e 127.0.0.1";
            else
                s->core->log(s->self, PXE_LOG_WARNING,
                             "no showmount (nfs-common) and no export_list_cmd: only checking "
                             "that ganesha's MOUNT service answers, not that it loaded the "
                             "exports");
        } else {
            s->core->log(s->self, PXE_LOG_ERR,
                         "backend ganesha needs ganesha_dbus true or a ganesha_reload_cmd");
            return -EINVAL;
        }
    } else {
        s->core->log(s->self, PXE_LOG_ERR, "backend: \"kernel\" or \"ganesha\", not \"%s\"",
                     c->backend);
        return -EINVAL;
    }
    if (nfs_check_path(s->file) || nfs_check_path(c->export_root) ||
        nfs_check_path(c->state_file)) {
        s->core->log(s->self, PXE_LOG_ERR,
                     "exports_file, ganesha_conf, export_root and "
                     "state_file must be plain absolute paths");
        return -EINVAL;
    }
    if (nfs_check_clients(c->clients, &why) || nfs_check_options(c->options, &why) ||
        nfs_check_client_opts(c->archiso_nfs_opt ? c->archiso_nfs_opt : "", &why)) {
        s->core->log(s->self, PXE_LOG_ERR, "%s", why);
        return -EINVAL;
    }
    if (s->backend != NFS_KERNEL) {
        char *tmp = NULL;
        struct nfs_export probe = {"/", 0, 1};
        int r = nfs_render_ganesha(&probe, 1, c->clients, c->options, &tmp, &why);
        free(tmp);
        if (r) {
            s->core->log(s->self, PXE_LOG_ERR, "%s", why);
            return -EINVAL;
        }
    }
    return 0;
}

static int setup_exports(struct nfs_state *s)
{
    uint32_t n = s->core->image_count(s->self);

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
                     "%s is an ISO file and NFS exports directories: run pxecore as root (it "
                     "then loop-mounts the ISO read-only under %s), or mount it yourself "
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
        snprintf(buf, sizeof(buf),
                 "NFS exports disabled: %.255s is not installed (the %s backend needs %s; set "
                 "plugins.nfs.backend and its paths, or disable the nfs plugin)",
                 tool, s->cfg->backend,
                 s->backend == NFS_KERNEL ? "nfs-kernel-server" : "nfs-ganesha's tools");
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
    free(s);
}

/* ---- boot method ------------------------------------------------------------------------ */

static struct nfs_exp *exp_for(struct nfs_state *s, const struct pxe_image *img)
{
    for (size_t i = 0; img && i < s->nexps; i++)
        if (s->exps[i].image == img || !strcmp(s->exps[i].image->name, img->name))
            return &s->exps[i];
    return NULL;
}

static int nfs_rootfs_prepare(void *state, const struct pxe_image *image, struct pxe_request *req)
{
    struct nfs_state *s = state;
    struct nfs_exp *e = exp_for(s, image);

    if (!e)
        return -ENOENT;
    if (e->refused)
        return -EOPNOTSUPP;
    if (s->live && s->offer)
        return 0;
    if (!s->want || !s->offer)
        return -ENODEV;
    if (s->npending >= NFS_MAX_PENDING)
        return -EBUSY;
    s->pending[s->npending].req = req;
    s->pending[s->npending++].exp = e;
    return PXE_PENDING;
}

static void nfs_rootfs_release(void *state, const struct pxe_image *image)
{
    struct nfs_state *s = state;

    /* The core has dropped every request still pending (shutdown): forget them.
     * The exports themselves are shared and go in stop(). */
    s->npending = 0;
}

static int nfs_menu_entries(void *state, const struct pxe_boot_ctx *ctx, struct pxe_menu *menu)
{
    struct nfs_state *s = state;
    struct nfs_exp *e = exp_for(s, ctx->image);
    char title[128], help[NFS_MAX_PATH + 64];

    if (!e || e->refused || !s->live || !s->offer || s->draining)
        return 0;
    snprintf(title, sizeof(title), "Arch Linux %s (NFS)",
             ctx->image->arch ? ctx->image->arch : "x86_64");
    snprintf(help, sizeof(help), "Root filesystem over NFSv3 from %s:%s",
             ctx->server_ip ? ctx->server_ip : "?", e->path);
    return s->core->menu_add(menu, &(struct pxe_menu_entry){
                                       ._struct_size = sizeof(struct pxe_menu_entry),
                                       .id = "nfs",
                                       .title = title,
                                       .help = help,
                                   });
}

static int nfs_cmdline(void *state, const struct pxe_boot_ctx *ctx, struct pxe_buf *out)
{
    struct nfs_state *s = state;
    struct nfs_exp *e = exp_for(s, ctx->image);
    const char *opt = s->cfg->archiso_nfs_opt;
    int r;

    if (!e || e->refused)
        return -ENOENT;
    r = s->core->buf_append(out, "archisobasedir=%s archiso_nfs_srv=%s:%s",
                            ctx->image->basedir ? ctx->image->basedir : "arch",
                            ctx->server_ip ? ctx->server_ip : "${pxeserver}", e->path);
    if (!r && opt && *opt)
        r = s->core->buf_append(out, " archiso_nfs_opt=%s", opt);
    return r;
}

static int nfs_cmdline_check(void *state, const struct pxe_boot_ctx *ctx, const char *cmdline,
                             struct pxe_buf *why)
{
    struct nfs_state *s = state;
    struct nfs_exp *e;
    struct in_addr a;

    if (!cmdline || !strstr(cmdline, "archiso_nfs_srv="))
        return 0;
    e = exp_for(s, ctx->image);
    if (!e) {
        s->core->buf_append(why, "no NFS export for this image");
        return -EINVAL;
    }
    if (e->refused) {
        s->core->buf_append(why, "image %s is not exported over NFS: %s", e->image->name,
                            e->refused);
        return -EINVAL;
    }
    if (!s->live) {
        s->core->buf_append(why, "the NFS export %s is not live%s%s", e->path,
                            s->last_error ? ": " : "", s->last_error ? s->last_error : "");
        return -EINVAL;
    }
    if (ctx->server_ip && inet_aton(ctx->server_ip, &a) == 0) {
        s->core->buf_append(why, "archiso's nfsmount needs an IPv4 server address, not %s",
                            ctx->server_ip);
        return -EINVAL;
    }
    return 0;
}

static int nfs_method_set(void *state, uint32_t enabled)
{
    struct nfs_state *s = state;

    if (s->inert)
        return 0;
    if (enabled) {
        s->offer = 1;
        if (s->draining)
            s->core->log(s->self, PXE_LOG_NOTICE,
                         "method enabled again while draining; "
                         "keeping the exports");
        s->draining = 0;
        s->want = 1;
        s->failed = 0;
        nfs_reconcile(s);
        return 0;
    }
    s->offer = 0;
    if (!s->want || s->draining)
        return 0;
    s->draining = 1;
    s->drain_start = s->core->now_usec();
    s->core->log(s->self, PXE_LOG_NOTICE,
                 "method disabled: no longer offered; exports kept while clients use them");
    s->core->timer_set(s->drain_timer, 1);
    return 0;
}

static uint64_t nfs_active_sessions(void *state)
{
    struct nfs_state *s = state;

    return atomic_load(&s->sessions);
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
    .caps = PXE_CAP_SERVICE | PXE_CAP_ROOTFS | PXE_CAP_MENU | PXE_CAP_CMDLINE,
    .name = "nfs",
    .version = "0.2.0",
    .description = "NFS export manager (kernel nfsd or nfs-ganesha) and the NFS boot method",
    .config_items = nfs_config_items,
    .config_size = sizeof(struct nfs_cfg),
    .load = nfs_load,
    .config_complete = nfs_config_complete,
    .start = nfs_start,
    .stop = nfs_shutdown,
    .unload = nfs_unload,
    .rootfs_prepare = nfs_rootfs_prepare,
    .rootfs_release = nfs_rootfs_release,
    .menu_entries = nfs_menu_entries,
    .cmdline = nfs_cmdline,
    .cmdline_check = nfs_cmdline_check,
    .method_set = nfs_method_set,
    .active_sessions = nfs_active_sessions,
    .status = nfs_status,
};

PXE_PLUGIN_REGISTER(nfs_plugin)
