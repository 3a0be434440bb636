/* SPDX-License-Identifier: MIT */
/*
 * The nfs plugin's step machine.  Every command runs through core->spawn, one
 * at a time: nfs_reconcile() compares what should exist (s->want) with what
 * does (mounted, written, applied, added, verified) and starts the next
 * command; each command's exit calls it again.  What is created is recorded in
 * state_file before it is created, so a crash is undone on the next start.
 */
#include "nfs.h"

extern char **environ;

static int check_argv(struct nfs_state *s, const char **argv);
static void done_check(struct nfs_state *s, struct nfs_exp *unused, int status, const char *out,
                       size_t len);

static void set_error(struct nfs_state *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_error(struct nfs_state *s, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    s->core->metric_add(s->self, "errors_total", "NFS export operations that failed", 1);
    /* Log a repeated failure (a retry loop) only once, at error level. */
    if (s->last_error && !strcmp(s->last_error, msg)) {
        s->core->log(s->self, PXE_LOG_DEBUG, "%s (again)", msg);
        return;
    }
    s->core->log(s->self, PXE_LOG_ERR, "%s", msg);
    s->core->event(s->self, "nfs.error", NULL, NULL, PXE_PHASE_NONE, "%s", msg);
    free(s->last_error);
    s->last_error = strdup(msg);
}

static void clear_error(struct nfs_state *s)
{
    free(s->last_error);
    s->last_error = NULL;
}

/* The tail of a command's output, sanitised, for an error message. */
static const char *output_tail(struct nfs_state *s, const char *out, size_t len, char *buf,
                               size_t size)
{
    while (len && (out[len - 1] == '\n' || out[len - 1] == ' '))
        len--;
    if (len > 400) {
        out += len - 400;
        len = 400;
    }
    if (!len)
        return "(no output)";
    {
        char flat[401];
        size_t n = 0;

        /* One line: newlines and the indentation after them become one blank. */
        for (size_t i = 0; i < len; i++) {
            if (out[i] == '\n' || out[i] == '\r') {
                while (i + 1 < len && (out[i + 1] == ' ' || out[i + 1] == '\t'))
                    i++;
                flat[n++] = ' ';
            } else {
                flat[n++] = out[i];
            }
        }
        s->core->sanitize(flat, n, buf, size);
    }
    return buf;
}

static void describe_status(int status, char *buf, size_t size)
{
    if (WIFEXITED(status))
        snprintf(buf, size, "exit %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, size, "signal %d", WTERMSIG(status));
    else
        snprintf(buf, size, "status %d", status);
}

void nfs_set_live(struct nfs_state *s, int live)
{
    if (s->live == live)
        return;
    s->live = live;
    s->core->metric_set(s->self, "exports_live", "1 when the NFS exports are live", live);
    if (live) {
        s->core->log(s->self, PXE_LOG_NOTICE, "%zu export(s) live through the %s backend", s->nexps,
                     s->cfg->backend);
        s->core->event(s->self, "nfs.live", NULL, NULL, PXE_PHASE_NONE, "exports live");
    }
}

/* Completes the pending rootfs_prepare requests: rc, or -EOPNOTSUPP for a refused image. */
static void finish_pending(struct nfs_state *s, int rc)
{
    for (size_t i = 0; i < s->npending; i++)
        s->core->request_done(s->pending[i].req, s->pending[i].exp->refused ? -EOPNOTSUPP : rc);
    s->npending = 0;
}

static int save_state(struct nfs_state *s)
{
    char *txt;
    int r;

    if (!s->created.file[0] && !s->created.nids && !s->created.nmounts) {
        if (unlink(s->cfg->state_file) < 0 && errno != ENOENT)
            return -errno;
        return 0;
    }
    txt = nfs_state_encode(&s->created);
    if (!txt)
        return -ENOMEM;
    r = s->core->write_atomic(s->self, s->cfg->state_file, txt, strlen(txt), 0644);
    free(txt);
    if (r)
        set_error(s, "cannot write state file %s: %s", s->cfg->state_file, strerror(-r));
    return r;
}

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
static int run(struct nfs_state *s, const char *const *argv, nfs_done_fn done, struct nfs_exp *e,
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
        set_error(s, "%s: cannot run %s: %s", what, argv[0], strerror(-r));
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
        describe_status(status, st, sizeof(st));
        set_error(s, "%s failed (%s): %s", s->what, st,
                  output_tail(s, out, len, tail, sizeof(tail)));
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
    finish_pending(s, -EIO);
}

static int ok_status(int status)
{
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static int dbus_argv(struct nfs_state *s, const char **argv, const char *objpath,
                     const char *method)
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

/* Splits cmd on blanks into argv (pointers into buf). */
static int split_cmd(const char *cmd, char *buf, size_t size, const char **argv, int max)
{
    int n = 0;
    char *save = NULL, *t;

    if (strlen(cmd) >= size)
        return -E2BIG;
    strcpy(buf, cmd);
    for (t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
        if (n >= max - 1)
            return -E2BIG;
        argv[n++] = t;
    }
    argv[n] = NULL;
    return n ? n : -EINVAL;
}

/* A loop mount that fails refuses that image only; the other exports go on. */
static void done_mount(struct nfs_state *s, struct nfs_exp *e, int status, const char *out,
                       size_t len)
{
    if (!ok_status(status)) {
        char st[48], tail[1700], msg[2048];

        describe_status(status, st, sizeof(st));
        snprintf(msg, sizeof(msg), "%s failed (%s): %s", s->what, st,
                 output_tail(s, out, len, tail, sizeof(tail)));
        set_error(s, "image %s not exported over NFS: %s", e->image->name, msg);
        free(e->refused);
        e->refused = strdup(msg);
        if (!nfs_is_mount_point(e->mount_point)) {
            rmdir(e->mount_point);
            nfs_created_del_mount(&s->created, e->mount_point);
            save_state(s);
        }
        return;
    }
    e->mounted = 1;
    s->backoff = 0;
}

static void done_umount(struct nfs_state *s, struct nfs_exp *e, int status, const char *out,
                        size_t len)
{
    if (!ok_status(status) && nfs_is_mount_point(e->mount_point)) {
        fail_step(s, status, out, len);
        return;
    }
    e->mounted = 0;
    rmdir(e->mount_point);
    nfs_created_del_mount(&s->created, e->mount_point);
    save_state(s);
    s->backoff = 0;
}

static void done_apply(struct nfs_state *s, struct nfs_exp *e, int status, const char *out,
                       size_t len)
{
    if (!ok_status(status)) {
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
    if (!ok_status(status) && !memmem(out, len, "already active", 14)) {
        fail_step(s, status, out, len);
        return;
    }
    e->added = 1;
    s->backoff = 0;
}

static void done_remove(struct nfs_state *s, struct nfs_exp *e, int status, const char *out,
                        size_t len)
{
    if (!ok_status(status) && !memmem(out, len, "not found", 9)) {
        fail_step(s, status, out, len);
        return;
    }
    e->added = 0;
    nfs_created_del_id(&s->created, e->id);
    save_state(s);
    s->backoff = 0;
}

/* ---- leftovers of a previous run -------------------------------------------------------- */

static void done_leftover(struct nfs_state *s, struct nfs_exp *e, int status, const char *out,
                          size_t len)
{
    char st[48], tail[1700];

    if (!ok_status(status)) {
        describe_status(status, st, sizeof(st));
        s->core->log(s->self, PXE_LOG_WARNING, "cleaning up after the previous run: %s (%s): %s",
                     s->what, st, output_tail(s, out, len, tail, sizeof(tail)));
    }
    if (s->leftover_mount) {
        /* Still mounted: it stays in the state file for the next start. */
        if (!nfs_is_mount_point(s->leftover_mount)) {
            rmdir(s->leftover_mount);
            nfs_created_del_mount(&s->created, s->leftover_mount);
            save_state(s);
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
        n = dbus_argv(s, argv, "/org/ganesha/nfsd/ExportMgr",
                      "org.ganesha.nfsd.exportmgr.RemoveExport");
        snprintf(num, sizeof(num), "uint16:%u", id);
        argv[n++] = num;
        argv[n] = NULL;
        snprintf(what, sizeof(what), "RemoveExport %u left by the previous run", id);
        if (run(s, argv, done_leftover, NULL, what) == 0)
            return 1;
    }
    if (l->file[0]) {
        /* Our own file is rewritten below; an old one elsewhere is removed if it is ours. */
        if (strcmp(l->file, s->file) && nfs_is_ours(l->file)) {
            s->core->log(s->self, PXE_LOG_NOTICE, "removing %s left by the previous run", l->file);
            unlink(l->file);
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
            if (run(s, argv, done_leftover, NULL, what) == 0)
                return 1;
            s->leftover_mount = NULL;
        }
        rmdir(m);
        nfs_created_del_mount(&s->created, m);
        free(m);
    }
    s->have_leftover = 0;
    save_state(s);
    return 0;
}

/* ---- the step machine ------------------------------------------------------------------- */

static int render(struct nfs_state *s, int with_exports, char **ret)
{
    struct nfs_export ex[NFS_MAX_EXPORTS];
    size_t n = 0;
    const char *why = "";
    int r;

    for (size_t i = 0; with_exports && i < s->nexps; i++)
        if (!s->exps[i].refused)
            ex[n++] = (struct nfs_export){s->exps[i].path, s->exps[i].fsid, s->exps[i].id};
    if (s->backend == NFS_KERNEL)
        r = nfs_render_kernel(ex, n, s->cfg->clients, s->cfg->options, ret, &why);
    else
        r = nfs_render_ganesha(ex, n, s->cfg->clients, s->cfg->options, ret, &why);
    if (r)
        set_error(s, "cannot render %s: %s", s->file, why);
    return r;
}

static size_t exported_count(const struct nfs_state *s)
{
    size_t n = 0;

    for (size_t i = 0; i < s->nexps; i++)
        n += !s->exps[i].refused;
    return n;
}

/* Makes s->file hold content (the kernel file is removed when it would list nothing). */
static int sync_file(struct nfs_state *s, int with_exports)
{
    char *content;
    int r, empty = !with_exports || !exported_count(s);

    if ((r = render(s, with_exports, &content)))
        return r;
    if (s->written && !strcmp(s->written, content)) {
        free(content);
        return 0;
    }
    if (empty && s->backend == NFS_KERNEL) {
        if (unlink(s->file) < 0 && errno != ENOENT) {
            r = -errno;
            set_error(s, "cannot remove %s: %s", s->file, strerror(-r));
            free(content);
            return r;
        }
        s->created.file[0] = '\0';
    } else {
        if (!empty) {
            snprintf(s->created.file, sizeof(s->created.file), "%s", s->file);
            if ((r = save_state(s))) {
                free(content);
                return r;
            }
        }
        r = s->core->write_atomic(s->self, s->file, content, strlen(content), 0644);
        if (r) {
            set_error(s, "cannot write %s: %s", s->file, strerror(-r));
            free(content);
            return r;
        }
        if (empty)
            s->created.file[0] = '\0';
    }
    save_state(s);
    free(s->written);
    s->written = content;
    s->applied = 0;
    s->verified = 0;
    s->verify_tries = 0;
    return 0;
}

/* Starts the command that makes the server read s->file. */
static int apply(struct nfs_state *s)
{
    const char *argv[NFS_MAX_ARGV];
    char buf[1024];

    if (s->backend == NFS_KERNEL) {
        argv[0] = s->cfg->exportfs;
        argv[1] = "-ra";
        argv[2] = NULL;
        return run(s, argv, done_apply, NULL, "exportfs -ra");
    }
    if (s->backend == NFS_GANESHA_RELOAD) {
        int r = split_cmd(s->cfg->ganesha_reload_cmd, buf, sizeof(buf), argv, NFS_MAX_ARGV);
        if (r < 0)
            return r;
        return run(s, argv, done_apply, NULL, "ganesha reload");
    }
    s->applied = 1; /* DBus: each export is added or removed by itself */
    return 1;
}

void nfs_reconcile(struct nfs_state *s)
{
    const char *argv[NFS_MAX_ARGV];
    char what[NFS_MAX_PATH + 64], num[32];

    if (s->busy || s->stopped || !s->started || s->failed || s->inert)
        return;
    if (s->have_leftover && leftover_step(s))
        return;

    if (s->want) {
        for (size_t i = 0; i < s->nexps; i++) {
            struct nfs_exp *e = &s->exps[i];
            int n = 0;

            if (e->refused || !e->mount_point || e->mounted)
                continue;
            if (nfs_is_mount_point(e->mount_point)) {
                e->mounted = 1; /* ours from a previous run that was never cleaned */
                continue;
            }
            if (mkdir(e->mount_point, 0755) < 0 && errno != EEXIST) {
                set_error(s, "image %s: cannot create %s: %s", e->image->name, e->mount_point,
                          strerror(errno));
                fail_step(s, -1, "", 0);
                return;
            }
            if (nfs_created_add_mount(&s->created, e->mount_point) || save_state(s)) {
                fail_step(s, -1, "", 0);
                return;
            }
            argv[n++] = s->cfg->mount;
            argv[n++] = "-o";
            argv[n++] = "loop,ro,nodev,nosuid";
            argv[n++] = "-t";
            argv[n++] = "iso9660";
            argv[n++] = e->image->source;
            argv[n++] = e->mount_point;
            argv[n] = NULL;
            snprintf(what, sizeof(what), "loop-mounting %s on %s", e->image->source,
                     e->mount_point);
            run(s, argv, done_mount, e, what);
            return;
        }
        if (sync_file(s, 1)) {
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
            if (save_state(s)) {
                fail_step(s, -1, "", 0);
                return;
            }
            n = dbus_argv(s, argv, "/org/ganesha/nfsd/ExportMgr",
                          "org.ganesha.nfsd.exportmgr.AddExport");
            snprintf(what, sizeof(what), "string:%s", s->file);
            snprintf(num, sizeof(num), "string:EXPORT(Export_Id=%u)", e->id);
            argv[n++] = what;
            argv[n++] = num;
            argv[n] = NULL;
            run(s, argv, done_add, e, "ganesha AddExport");
            return;
        }
        if (exported_count(s) && !s->verified) {
            check_argv(s, argv);
            run(s, argv, done_check, NULL, "export check");
            return;
        }
        if (exported_count(s)) {
            clear_error(s);
            nfs_set_live(s, 1);
        }
        finish_pending(s, s->live ? 0 : -ENOENT);
        return;
    }

    /* Removal: DBus exports first, then the file, then the loop mounts. */
    nfs_set_live(s, 0);
    for (size_t i = 0; s->backend == NFS_GANESHA_DBUS && i < s->nexps; i++) {
        struct nfs_exp *e = &s->exps[i];
        int n;

        if (!e->added)
            continue;
        n = dbus_argv(s, argv, "/org/ganesha/nfsd/ExportMgr",
                      "org.ganesha.nfsd.exportmgr.RemoveExport");
        snprintf(num, sizeof(num), "uint16:%u", e->id);
        argv[n++] = num;
        argv[n] = NULL;
        run(s, argv, done_remove, e, "ganesha RemoveExport");
        return;
    }
    if (sync_file(s, 0)) {
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
        run(s, argv, done_umount, e, what);
        return;
    }
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
    if (!ok_status(status)) {
        describe_status(status, st, sizeof(st));
        set_error(s, "export check failed, the NFS server does not answer (%s): %s", st,
                  output_tail(s, out, len, tail, sizeof(tail)));
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
    set_error(s, "export %s is not in the server's export list after applying", missing);
    exports_lost(s);
}

static int check_argv(struct nfs_state *s, const char **argv)
{
    int n = 0;

    if (s->backend == NFS_KERNEL) {
        argv[n++] = s->cfg->exportfs;
    } else if (s->backend == NFS_GANESHA_DBUS) {
        n = dbus_argv(s, argv, "/org/ganesha/nfsd/ExportMgr",
                      "org.ganesha.nfsd.exportmgr.ShowExports");
    } else if (s->list_cmd) {
        n = split_cmd(s->list_cmd, s->list_buf, sizeof(s->list_buf), argv, NFS_MAX_ARGV);
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
    run(s, argv, done_check, NULL, "export check");
}

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
    if (!ok_status(status)) {
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
        int n = dbus_argv(s, argv, "/org/ganesha/nfsd/ExportMgr",
                          "org.ganesha.nfsd.exportmgr.ShowExports");
        argv[n] = NULL;
        run(s, argv, done_drain_dbus, NULL, "ganesha ShowExports (drain)");
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
    if (!ok_status(status)) {
        char st[48];
        describe_status(status, st, sizeof(st));
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
    if (s->busy && s->child > 0) {
        s->core->log(s->self, PXE_LOG_INFO, "waiting for %s to finish", s->what);
        nfs_wait_exit(s->child, NFS_STOP_CMD_USEC);
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
        n = dbus_argv(s, argv, "/org/ganesha/nfsd/ExportMgr",
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
            if (unlink(s->file) < 0 && errno != ENOENT)
                bad = 1;
        } else if (!render(s, 0, &content)) {
            bad |= s->core->write_atomic(s->self, s->file, content, strlen(content), 0644) != 0;
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
                       split_cmd(s->cfg->ganesha_reload_cmd, buf, sizeof(buf), argv, NFS_MAX_ARGV) >
                           0) {
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
        rmdir(m);
        nfs_created_del_mount(&s->created, m);
    }
    save_state(s);
    s->core->log(s->self, PXE_LOG_INFO, "exports removed%s",
                 s->created.file[0] || s->created.nmounts ? " (partly; see the state file)" : "");
}
