/* SPDX-License-Identifier: MIT */
/*
 * The nfs plugin's step machine.  Every command runs through core->spawn, one
 * at a time: nfs_reconcile() compares what should exist (s->want) with what
 * does (mounted, written, applied, added, verified) and starts the next
 * command; each command's exit calls it again.  What is created is recorded in
 * state_file before it is created, so a crash is undone on the next start.
 */
#include "nfs.h"

static int check_argv(struct nfs_state *s, const char **argv);
static void done_check(struct nfs_state *s, struct nfs_exp *unused, int status, const char *out,
                       size_t len);

static void on_exit_cb(void *ud, int status, const char *output, size_t len)
{
    struct nfs_state *s = ud;
    nfs_done_fn done = s->done;
    struct nfs_exp *e = s->done_exp;

    s->busy = 0;
    s->child = 0;
    s->done = NULL;
    s->done_exp = NULL;
    if (s->stopped)
        return;
    if (done)
        done(s, e, status, output ? output : "", output ? len : 0);
    nfs_reconcile(s);
}

/* Starts argv; done runs on exit, then nfs_reconcile(). what names the step in errors. */
int nfs_run_cmd(struct nfs_state *s, const char *const *argv, nfs_done_fn done, struct nfs_exp *e,
                const char *what)
{
    pid_t before[256], after[256];
    int r, nb, na;

    snprintf(s->what, sizeof(s->what), "%s", what);
    s->done = done;
    s->done_exp = e;
    s->busy = 1;
    s->core->metric_add(s->self, "commands_total", "commands run for NFS exports", 1);
    s->core->log(s->self, PXE_LOG_DEBUG, "running %s (%s)", argv[0], what);
    if (s->priv_fd >= 0) {
        /* The helper runs it as root; s->child stays 0 (stop waits for the reply). */
        s->child = 0;
        r = nfs_priv_exec(s, argv, on_exit_cb, s);
        if (r < 0) {
            s->busy = 0;
            s->done = NULL;
            nfs_set_error(s, "%s: cannot run %s: %s", what, argv[0], strerror(-r));
        }
        return r;
    }
    nb = nfs_list_children(before, 256);
    r = s->core->spawn(s->self, argv, on_exit_cb, s);
    s->child = 0;
    if (r == 0 && nb >= 0 && (na = nfs_list_children(after, 256)) > 0)
        for (int i = 0; i < na && !s->child; i++) {
            int known = 0;
            for (int j = 0; j < nb && !known; j++)
                known = after[i] == before[j];
            if (!known)
                s->child = after[i];
        }
    if (r < 0) {
        s->busy = 0;
        s->done = NULL;
        nfs_set_error(s, "%s: cannot run %s: %s", what, argv[0], strerror(-r));
    }
    return r;
}

void nfs_retry_cb(void *ud)
{
    struct nfs_state *s = ud;

    s->failed = 0;
    nfs_reconcile(s);
}

/* Marks the current step failed (status -1: already reported); retries with a doubling
 * delay up to 30 s. */
static void fail_step(struct nfs_state *s, int status, const char *out, size_t len)
{
    char st[48], tail[1700];

    if (status != -1) {
        nfs_describe_status(status, st, sizeof(st));
        nfs_set_error(s, "%s failed (%s): %s", s->what, st,
                      nfs_output_tail(s, out, len, tail, sizeof(tail)));
    }
    nfs_set_live(s, 0);
    s->failed = 1;
    s->backoff = s->backoff ? s->backoff * 2 : 1000000;
    if (s->backoff > NFS_RETRY_MAX_USEC)
        s->backoff = NFS_RETRY_MAX_USEC;
    if (s->retry_timer)
        s->core->timer_set(s->retry_timer, s->backoff);
    if (!s->want)
        return;
    nfs_finish_pending(s, -EIO);
}

int nfs_dbus_argv(struct nfs_state *s, const char **argv, const char *objpath, const char *method)
{
    int n = 0;

    argv[n++] = s->cfg->dbus_send;
    argv[n++] = "--system";
    argv[n++] = "--print-reply";
    argv[n++] = "--reply-timeout=10000";
    argv[n++] = "--dest=org.ganesha.nfsd";
    argv[n++] = objpath;
    argv[n++] = method;
    return n;
}

/* A loop mount that fails refuses that image only; the other exports go on. */
static void done_mount(struct nfs_state *s, struct nfs_exp *e, int status, const char *out,
                       size_t len)
{
    if (!nfs_ok_status(status)) {
        char st[48], tail[1700], msg[2048];

        nfs_describe_status(status, st, sizeof(st));
        snprintf(msg, sizeof(msg), "%s failed (%s): %s", s->what, st,
                 nfs_output_tail(s, out, len, tail, sizeof(tail)));
        nfs_set_error(s, "image %s not exported over NFS: %s", e->image->name, msg);
        free(e->refused);
        e->refused = strdup(msg);
        if (!nfs_is_mount_point(e->mount_point)) {
            nfs_op_rmdir(s, e->mount_point);
            nfs_created_del_mount(&s->created, e->mount_point);
            nfs_save_state(s);
        }
        return;
    }
    e->mounted = 1;
    s->backoff = 0;
}

static void done_umount(struct nfs_state *s, struct nfs_exp *e, int status, const char *out,
                        size_t len)
{
    if (!nfs_ok_status(status) && nfs_is_mount_point(e->mount_point)) {
        fail_step(s, status, out, len);
        return;
    }
    e->mounted = 0;
    nfs_op_rmdir(s, e->mount_point);
    nfs_created_del_mount(&s->created, e->mount_point);
    nfs_save_state(s);
    s->backoff = 0;
}

static void done_apply(struct nfs_state *s, struct nfs_exp *e, int status, const char *out,
                       size_t len)
{
    if (!nfs_ok_status(status)) {
        fail_step(s, status, out, len);
        return;
    }
    s->applied = 1;
    s->backoff = 0;
}

static void done_add(struct nfs_state *s, struct nfs_exp *e, int status, const char *out,
                     size_t len)
{
    /* ganesha answers "already active" when it read the export from its config itself. */
    if (!nfs_ok_status(status) && !memmem(out, len, "already active", 14)) {
        fail_step(s, status, out, len);
        return;
    }
    e->added = 1;
    s->backoff = 0;
}

static void done_remove(struct nfs_state *s, struct nfs_exp *e, int status, const char *out,
                        size_t len)
{
    if (!nfs_ok_status(status) && !memmem(out, len, "not found", 9)) {
        fail_step(s, status, out, len);
        return;
    }
    e->added = 0;
    nfs_created_del_id(&s->created, e->id);
    nfs_save_state(s);
    s->backoff = 0;
}

/* ---- leftovers of a previous run -------------------------------------------------------- */

static void done_leftover(struct nfs_state *s, struct nfs_exp *e, int status, const char *out,
                          size_t len)
{
    char st[48], tail[1700];

    if (!nfs_ok_status(status)) {
        nfs_describe_status(status, st, sizeof(st));
        s->core->log(s->self, PXE_LOG_WARNING, "cleaning up after the previous run: %s (%s): %s",
                     s->what, st, nfs_output_tail(s, out, len, tail, sizeof(tail)));
    }
    if (s->leftover_mount) {
        /* Still mounted: it stays in the state file for the next start. */
        if (!nfs_is_mount_point(s->leftover_mount)) {
            nfs_op_rmdir(s, s->leftover_mount);
            nfs_created_del_mount(&s->created, s->leftover_mount);
            nfs_save_state(s);
        }
        free(s->leftover_mount);
        s->leftover_mount = NULL;
    }
}

/* One step of undoing the previous run's leftovers; 1 when a command was started. */
static int leftover_step(struct nfs_state *s)
{
    struct nfs_created *l = &s->leftover;
    const char *argv[NFS_MAX_ARGV];
    char num[32], what[160];

    while (l->nids) {
        uint32_t id = l->ids[--l->nids];
        int n;

        if (s->backend != NFS_GANESHA_DBUS)
            continue;
        n = nfs_dbus_argv(s, argv, "/org/ganesha/nfsd/ExportMgr",
                          "org.ganesha.nfsd.exportmgr.RemoveExport");
        snprintf(num, sizeof(num), "uint16:%u", id);
        argv[n++] = num;
        argv[n] = NULL;
        snprintf(what, sizeof(what), "RemoveExport %u left by the previous run", id);
        if (nfs_run_cmd(s, argv, done_leftover, NULL, what) == 0)
            return 1;
    }
    if (l->file[0]) {
        /* Our own file is rewritten below; an old one elsewhere is removed if it is ours. */
        if (strcmp(l->file, s->file) && nfs_is_ours(l->file)) {
            if (s->priv_fd >= 0)
                s->core->log(s->self, PXE_LOG_WARNING,
                             "%s was left by a previous run with another exports file; the "
                             "privileged helper only touches %s: remove it by hand",
                             l->file, s->file);
            else if (unlink(l->file) == 0)
                s->core->log(s->self, PXE_LOG_NOTICE, "removed %s left by the previous run",
                             l->file);
        }
        l->file[0] = '\0';
    }
    while (l->nmounts) {
        char *m = l->mounts[--l->nmounts];

        l->mounts[l->nmounts] = NULL;
        if (nfs_is_mount_point(m)) {
            int n = 0;

            argv[n++] = s->cfg->umount;
            argv[n++] = m;
            argv[n] = NULL;
            snprintf(what, sizeof(what), "unmounting %s left by the previous run", m);
            s->leftover_mount = m;
            if (nfs_run_cmd(s, argv, done_leftover, NULL, what) == 0)
                return 1;
            s->leftover_mount = NULL;
        }
        nfs_op_rmdir(s, m);
        nfs_created_del_mount(&s->created, m);
        free(m);
    }
    s->have_leftover = 0;
    nfs_save_state(s);
    return 0;
}

/* ---- the step machine ------------------------------------------------------------------- */

/* Starts the command that makes the server read s->file. */
static int apply(struct nfs_state *s)
{
    const char *argv[NFS_MAX_ARGV];
    char buf[1024];

    if (s->backend == NFS_KERNEL) {
        argv[0] = s->cfg->exportfs;
        argv[1] = "-ra";
        argv[2] = NULL;
        return nfs_run_cmd(s, argv, done_apply, NULL, "exportfs -ra");
    }
    if (s->backend == NFS_GANESHA_RELOAD) {
        int r = nfs_split_cmd(s->cfg->ganesha_reload_cmd, buf, sizeof(buf), argv, NFS_MAX_ARGV);
        if (r < 0)
            return r;
        return nfs_run_cmd(s, argv, done_apply, NULL, "ganesha reload");
    }
    s->applied = 1; /* DBus: each export is added or removed by itself */
    return 1;
}

/* Starts the next loop mount of an ISO image; 1 when a step started or failed. */
static int mount_next(struct nfs_state *s, const char **argv, char *what)
{
    for (size_t i = 0; i < s->nexps; i++) {
        struct nfs_exp *e = &s->exps[i];
        int n = 0, r;

        if (e->refused || !e->mount_point || e->mounted)
            continue;
        if (nfs_is_mount_point(e->mount_point)) {
            e->mounted = 1; /* ours from a previous run that was never cleaned */
            continue;
        }
        if ((r = nfs_op_mkdir(s, e->mount_point))) {
            nfs_set_error(s, "image %s: cannot create %s: %s", e->image->name, e->mount_point,
                          strerror(-r));
            fail_step(s, -1, "", 0);
            return 1;
        }
        if (nfs_created_add_mount(&s->created, e->mount_point) || nfs_save_state(s)) {
            fail_step(s, -1, "", 0);
            return 1;
        }
        argv[n++] = s->cfg->mount;
        argv[n++] = "-o";
        argv[n++] = "loop,ro,nodev,nosuid";
        argv[n++] = "-t";
        argv[n++] = "iso9660";
        argv[n++] = e->image->source;
        argv[n++] = e->mount_point;
        argv[n] = NULL;
        snprintf(what, NFS_MAX_PATH + 64, "loop-mounting %s on %s", e->image->source,
                 e->mount_point);
        nfs_run_cmd(s, argv, done_mount, e, what);
        return 1;
    }
    return 0;
}

/* Exports wanted: mounts, file, apply, DBus adds, check, then live. */
static void reconcile_up(struct nfs_state *s)
{
    const char *argv[NFS_MAX_ARGV];
    char what[NFS_MAX_PATH + 64], num[32];

    if (mount_next(s, argv, what))
        return;
    if (nfs_sync_file(s, 1)) {
        fail_step(s, -1, "", 0);
        return;
    }
    if (!s->applied) {
        int r = apply(s);
        if (r < 0)
            fail_step(s, -1, "", 0);
        if (r <= 0)
            return;
    }
    for (size_t i = 0; s->backend == NFS_GANESHA_DBUS && i < s->nexps; i++) {
        struct nfs_exp *e = &s->exps[i];
        int n;

        if (e->refused || e->added)
            continue;
        nfs_created_add_id(&s->created, e->id);
        if (nfs_save_state(s)) {
            fail_step(s, -1, "", 0);
            return;
        }
        n = nfs_dbus_argv(s, argv, "/org/ganesha/nfsd/ExportMgr",
                          "org.ganesha.nfsd.exportmgr.AddExport");
        snprintf(what, sizeof(what), "string:%s", s->file);
        snprintf(num, sizeof(num), "string:EXPORT(Export_Id=%u)", e->id);
        argv[n++] = what;
        argv[n++] = num;
        argv[n] = NULL;
        nfs_run_cmd(s, argv, done_add, e, "ganesha AddExport");
        return;
    }
    if (nfs_exported_count(s) && !s->verified) {
        check_argv(s, argv);
        nfs_run_cmd(s, argv, done_check, NULL, "export check");
        return;
    }
    if (nfs_exported_count(s)) {
        nfs_clear_error(s);
        nfs_set_live(s, 1);
    }
    nfs_finish_pending(s, s->live ? 0 : -ENOENT);
    return;
}

/* Exports not wanted: DBus exports first, then the file, then the loop mounts. */
static void reconcile_down(struct nfs_state *s)
{
    const char *argv[NFS_MAX_ARGV];
    char what[NFS_MAX_PATH + 64], num[32];

    nfs_set_live(s, 0);
    for (size_t i = 0; s->backend == NFS_GANESHA_DBUS && i < s->nexps; i++) {
        struct nfs_exp *e = &s->exps[i];
        int n;

        if (!e->added)
            continue;
        n = nfs_dbus_argv(s, argv, "/org/ganesha/nfsd/ExportMgr",
                          "org.ganesha.nfsd.exportmgr.RemoveExport");
        snprintf(num, sizeof(num), "uint16:%u", e->id);
        argv[n++] = num;
        argv[n] = NULL;
        nfs_run_cmd(s, argv, done_remove, e, "ganesha RemoveExport");
        return;
    }
    if (nfs_sync_file(s, 0)) {
        fail_step(s, -1, "", 0);
        return;
    }
    if (!s->applied) {
        int r = apply(s);
        if (r < 0)
            fail_step(s, -1, "", 0);
        if (r <= 0)
            return;
    }
    for (size_t i = 0; i < s->nexps; i++) {
        struct nfs_exp *e = &s->exps[i];
        int n = 0;

        if (!e->mounted)
            continue;
        argv[n++] = s->cfg->umount;
        argv[n++] = e->mount_point;
        argv[n] = NULL;
        snprintf(what, sizeof(what), "unmounting %s", e->mount_point);
        nfs_run_cmd(s, argv, done_umount, e, what);
        return;
    }
}

void nfs_reconcile(struct nfs_state *s)
{
    if (s->busy || s->stopped || !s->started || s->failed || s->inert)
        return;
    if (s->have_leftover && leftover_step(s))
        return;
    if (s->want)
        reconcile_up(s);
    else
        reconcile_down(s);
}

/* ---- health check and drain ------------------------------------------------------------- */

/* The server lost the exports or stopped answering: re-apply after a backoff. */
static void exports_lost(struct nfs_state *s)
{
    s->applied = 0;
    s->verified = 0;
    for (size_t i = 0; i < s->nexps; i++)
        s->exps[i].added = 0;
    fail_step(s, -1, "", 0);
}

static void done_check(struct nfs_state *s, struct nfs_exp *unused, int status, const char *out,
                       size_t len)
{
    char st[48], tail[1700];
    const char *missing = NULL;

    if (!s->want || !s->applied)
        return;
    if (!nfs_ok_status(status)) {
        nfs_describe_status(status, st, sizeof(st));
        nfs_set_error(s, "export check failed, the NFS server does not answer (%s): %s", st,
                      nfs_output_tail(s, out, len, tail, sizeof(tail)));
        exports_lost(s);
        return;
    }
    /* rpcinfo alone (reload mode without a listing) only says MOUNT answers. */
    for (size_t i = 0;
         (s->backend != NFS_GANESHA_RELOAD || s->list_cmd) && i < s->nexps && !missing; i++)
        if (!s->exps[i].refused && !nfs_listing_has(out, s->exps[i].path))
            missing = s->exps[i].path;
    if (!missing) {
        s->verified = 1;
        s->verify_tries = 0;
        return;
    }
    /* A reload is asynchronous: give the server a few seconds to load what it was told. */
    if (!s->verified && ++s->verify_tries < 15) {
        s->failed = 1;
        s->core->timer_set(s->retry_timer, 300000);
        return;
    }
    s->verify_tries = 0;
    if (s->verified) {
        s->core->log(s->self, PXE_LOG_WARNING, "export %s is missing from the server; re-exporting",
                     missing);
        s->verified = 0;
        s->applied = 0;
        for (size_t i = 0; i < s->nexps; i++)
            s->exps[i].added = 0;
        nfs_set_live(s, 0);
        return;
    }
    nfs_set_error(s, "export %s is not in the server's export list after applying", missing);
    exports_lost(s);
}

static int check_argv(struct nfs_state *s, const char **argv)
{
    int n = 0;

    if (s->backend == NFS_KERNEL) {
        argv[n++] = s->cfg->exportfs;
    } else if (s->backend == NFS_GANESHA_DBUS) {
        n = nfs_dbus_argv(s, argv, "/org/ganesha/nfsd/ExportMgr",
                          "org.ganesha.nfsd.exportmgr.ShowExports");
    } else if (s->list_cmd) {
        n = nfs_split_cmd(s->list_cmd, s->list_buf, sizeof(s->list_buf), argv, NFS_MAX_ARGV);
        if (n < 0)
            n = 0;
    } else {
        argv[n++] = s->cfg->rpcinfo;
        argv[n++] = "-T";
        argv[n++] = "tcp";
        argv[n++] = "127.0.0.1";
        argv[n++] = "100005";
        argv[n++] = "3";
    }
    argv[n] = NULL;
    return n;
}

void nfs_check_cb(void *ud)
{
    struct nfs_state *s = ud;
    const char *argv[NFS_MAX_ARGV];

    s->core->timer_set(s->check_timer, s->cfg->check_interval);
    if (s->busy || !s->want || !s->applied || s->failed || s->have_leftover)
        return;
    check_argv(s, argv);
    nfs_run_cmd(s, argv, done_check, NULL, "export check");
}
