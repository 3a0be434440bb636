/* SPDX-License-Identifier: MIT */
/* The nfs config table and its cross-field checks (backend, paths, clients, options). */
#include "nfs.h"

#define CFG(k) offsetof(struct nfs_cfg, k)
const struct pxe_config_item nfs_config_items[] = {
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
    {"helper", PXE_CFG_STR, 0, "auto", CFG(helper),
     "auto: when pxecore starts as root, a small helper keeps root for the exports file, "
     "exportfs/ganesha calls and ISO loop mounts, so the daemon can drop privileges (core.user); "
     "off: none",
     NULL, 0, 0},
    {"export_id_base", PXE_CFG_UINT, 0, "4200", CFG(export_id_base),
     "ganesha Export_Id of the first image (the n-th image gets base + n)", NULL, 1, 65000},
    {0},
};
#undef CFG

int nfs_config_complete(void *state, void *cfgp)
{
    struct nfs_state *s = state;
    struct nfs_cfg *c = cfgp;
    const char *why;
    size_t n;

    s->cfg = c;
    if (strcmp(c->helper, "auto") && strcmp(c->helper, "off")) {
        s->core->log(s->self, PXE_LOG_ERR, "helper: expected auto or off, not '%s'", c->helper);
        return -EINVAL;
    }
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
