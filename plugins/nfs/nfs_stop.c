/* SPDX-License-Identifier: MIT */
/*
 * Leaving: the drain after the method is disabled (wait until no client
 * uses the exports, then remove them) and the bounded synchronous undo at
 * stop, when the loop no longer runs.
 */
#include "nfs.h"

extern char **environ;

static void drain_finish(struct nfs_state *s, const char *why)
{
    s->core->log(s->self, PXE_LOG_NOTICE, "method disabled and %s: removing the exports", why);
    s->draining = 0;
    s->want = 0;
    atomic_store(&s->sessions, 0);
    nfs_reconcile(s);
}

static void drain_count(struct nfs_state *s, size_t mounts, const char *source)
{
    atomic_store(&s->sessions, mounts);
    s->core->metric_set(s->self, "mounts", "clients seen using the exports", (int64_t)mounts);
    if (!mounts) {
        char why[128];
        snprintf(why, sizeof(why), "%s shows no client using them", source);
        drain_finish(s, why);
        return;
    }
    if (s->core->now_usec() - s->drain_start >= s->cfg->drain_timeout) {
        s->core->log(s->self, PXE_LOG_WARNING,
                     "drain_timeout reached with %zu client(s) still using the exports", mounts);
        drain_finish(s, "drain_timeout passed");
        return;
    }
    s->core->log(s->self, PXE_LOG_INFO, "draining: %zu client(s) still using the exports (%s)",
                 mounts, source);
    s->core->timer_set(s->drain_timer, s->cfg->drain_poll);
}

static void done_drain_dbus(struct nfs_state *s, struct nfs_exp *unused, int status,
                            const char *out, size_t len)
{
    size_t active = 0;

    if (!s->draining)
        return;
    if (!nfs_ok_status(status)) {
        /* ganesha is gone: nobody can be using the exports through it. */
        drain_finish(s, "ganesha does not answer on DBus");
        return;
    }
    for (size_t i = 0; i < s->nexps; i++) {
        int a = s->exps[i].refused
                    ? 0
                    : nfs_ganesha_active(out, len, s->exps[i].path, s->cfg->drain_idle / 1000000);
        if (a > 0)
            active += (size_t)a;
    }
    drain_count(s, active, "ganesha ShowExports");
}

void nfs_drain_cb(void *ud)
{
    struct nfs_state *s = ud;

    if (!s->draining)
        return;
    if (s->busy) {
        s->core->timer_set(s->drain_timer, s->cfg->drain_poll);
        return;
    }
    if (s->backend == NFS_KERNEL) {
        const char *paths[NFS_MAX_EXPORTS];
        size_t n = 0, len;
        char *txt;

        for (size_t i = 0; i < s->nexps; i++)
            if (!s->exps[i].refused)
                paths[n++] = s->exps[i].path;
        if (nfs_read_small(s->cfg->rmtab, &txt, &len)) {
            drain_finish(s, "there is no rmtab to show mounts");
            return;
        }
        drain_count(s, nfs_rmtab_mounts(txt, len, paths, n), "rmtab");
        free(txt);
    } else if (s->backend == NFS_GANESHA_DBUS) {
        const char *argv[NFS_MAX_ARGV];
        int n = nfs_dbus_argv(s, argv, "/org/ganesha/nfsd/ExportMgr",
                              "org.ganesha.nfsd.exportmgr.ShowExports");
        argv[n] = NULL;
        nfs_run_cmd(s, argv, done_drain_dbus, NULL, "ganesha ShowExports (drain)");
    } else if (s->core->now_usec() - s->drain_start >= s->cfg->drain_idle) {
        drain_finish(s, "drain_idle passed (without DBus the mounts cannot be seen)");
    } else {
        s->core->timer_set(s->drain_timer, s->cfg->drain_poll);
    }
}

/* Runs argv to completion with a time bound, without the loop (stop only). */
static int run_sync(struct nfs_state *s, const char *const *argv)
{
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int status = 0, r, pfd;
    uint64_t waited = 0;

    if (s->priv_fd >= 0) {
        if ((r = nfs_priv_exec_sync(s, argv, &status)))
            return r;
        goto done;
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    r = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (r)
        return -r;
    pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (waited >= NFS_STOP_CMD_USEC) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            break;
        }
        if (pfd >= 0) {
            struct pollfd p = {pfd, POLLIN, 0};
            poll(&p, 1, 100);
        } else {
            usleep(100000);
        }
        waited += 100000;
    }
    if (pfd >= 0)
        close(pfd);
done:
    if (!nfs_ok_status(status)) {
        char st[48];
        nfs_describe_status(status, st, sizeof(st));
        s->core->log(s->self, PXE_LOG_WARNING, "stop: %s %s failed (%s)", argv[0],
                     argv[1] ? argv[1] : "", st);
        return -EIO;
    }
    return 0;
}

/*
 * Undoes everything at shutdown.  The loop no longer runs once stop() returns,
 * so these few commands run here, each bounded to 10 s; whatever fails stays
 * in the state file and is undone on the next start.
 */
void nfs_shutdown(void *state)
{
    struct nfs_state *s = state;
    const char *argv[NFS_MAX_ARGV];
    char num[32], buf[1024];
    int n, bad = 0;

    if (!s || !s->started || s->stopped)
        return;
    s->stopped = 1;
    if (s->inert)
        return;
    if (s->busy && (s->child > 0 || s->priv_pending)) {
        s->core->log(s->self, PXE_LOG_INFO, "waiting for %s to finish", s->what);
        if (s->child > 0)
            nfs_wait_exit(s->child, NFS_STOP_CMD_USEC);
        nfs_priv_wait_pending(s, (int)(NFS_STOP_CMD_USEC / 1000));
    }
    s->core->source_free(s->retry_timer);
    s->core->source_free(s->check_timer);
    s->core->source_free(s->drain_timer);
    s->retry_timer = s->check_timer = s->drain_timer = NULL;
    s->npending = 0; /* dropped by the core with rootfs_release */
    nfs_set_live(s, 0);
    s->want = 0;
    if (s->have_leftover)
        return; /* still in the state file */
    for (size_t i = 0; s->backend == NFS_GANESHA_DBUS && i < s->created.nids; i++) {
        n = nfs_dbus_argv(s, argv, "/org/ganesha/nfsd/ExportMgr",
                          "org.ganesha.nfsd.exportmgr.RemoveExport");
        snprintf(num, sizeof(num), "uint16:%u", s->created.ids[i]);
        argv[n++] = num;
        argv[n] = NULL;
        run_sync(s, argv); /* "not found" is fine: ganesha may be gone */
    }
    s->created.nids = 0;
    if (s->created.file[0] || s->written) {
        char *content = NULL;
        if (s->backend == NFS_KERNEL) {
            bad = nfs_op_remove_file(s) != 0;
        } else if (!nfs_render(s, 0, &content)) {
            bad |= nfs_op_write_file(s, 0, content) != 0;
        }
        free(content);
        if (!bad) {
            s->created.file[0] = '\0';
            if (s->backend == NFS_KERNEL) {
                argv[0] = s->cfg->exportfs;
                argv[1] = "-ra";
                argv[2] = NULL;
                bad |= run_sync(s, argv) != 0;
            } else if (s->backend == NFS_GANESHA_RELOAD &&
                       nfs_split_cmd(s->cfg->ganesha_reload_cmd, buf, sizeof(buf), argv,
                                     NFS_MAX_ARGV) > 0) {
                run_sync(s, argv); /* ganesha may be gone */
            }
        }
    }
    for (size_t i = 0; !bad && i < s->created.nmounts;) {
        char *m = s->created.mounts[i];

        if (nfs_is_mount_point(m)) {
            argv[0] = s->cfg->umount;
            argv[1] = m;
            argv[2] = NULL;
            if (run_sync(s, argv) && nfs_is_mount_point(m)) {
                i++;
                continue;
            }
        }
        nfs_op_rmdir(s, m);
        nfs_created_del_mount(&s->created, m);
    }
    nfs_save_state(s);
    s->core->log(s->self, PXE_LOG_INFO, "exports removed%s",
                 s->created.file[0] || s->created.nmounts ? " (partly; see the state file)" : "");
    nfs_priv_stop(s);
}
