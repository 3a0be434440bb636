/* SPDX-License-Identifier: MIT */
/*
 * NFS export manager and the NFS boot method (archiso_nfs_srv=).
 *
 * pxecore does not serve NFS: it drives an NFS server already on the host,
 * either the kernel's (an exports.d file plus `exportfs -ra`) or nfs-ganesha
 * (an include file of EXPORT blocks plus DBus AddExport/RemoveExport, or a
 * reload command).  Every command runs through core->spawn, one at a time: a
 * single reconcile() step machine compares what should exist (s->want) with
 * what does (mounted, written, applied, added) and starts the next command;
 * each command's exit calls reconcile() again.  What was created is recorded
 * in state_file before it is created, so a crash is undone on the next start.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <jansson.h>
#include <pxecore/plugin.h>

#include "nfs_exports.h"

extern char **environ;

#define NFS_MAX_ARGV 24
#define NFS_MAX_PENDING 64
#define NFS_READ_CAP (1u << 20)
#define NFS_RETRY_MAX_USEC (30u * 1000000u)
#define NFS_STOP_CMD_USEC (10u * 1000000u)
#define NFS_TIMER_IDLE (86400ull * 1000000u)

struct nfs_cfg {
    char *backend;
    char *exports_file;
    char *exportfs;
    char *clients;
    char *options;
    char *ganesha_conf;
    uint32_t ganesha_dbus;
    char *ganesha_reload_cmd;
    char *dbus_send;
    char *rpcinfo;
    char *export_list_cmd;
    char *export_root;
    char *state_file;
    char *mount;
    char *umount;
    char *rmtab;
    char *archiso_nfs_opt;
    uint64_t check_interval;
    uint64_t drain_poll;
    uint64_t drain_idle;
    uint64_t drain_timeout;
    uint64_t export_id_base;
};

#define CFG(k) offsetof(struct nfs_cfg, k)
static const struct pxe_config_item nfs_config_items[] = {
    { "backend", PXE_CFG_STR, 0, "kernel", CFG(backend),
      "NFS server to drive: kernel (exports.d + exportfs) or ganesha (nfs-ganesha)", NULL, 0, 0 },
    { "exports_file", PXE_CFG_PATH, 0, "/etc/exports.d/pxecore.exports", CFG(exports_file),
      "kernel backend: the exports(5) file pxecore owns (must end in .exports)", NULL, 0, 0 },
    { "exportfs", PXE_CFG_PATH, 0, "/usr/sbin/exportfs", CFG(exportfs),
      "kernel backend: exportfs binary (run as exportfs -ra, and without arguments to check)",
      NULL, 0, 0 },
    { "clients", PXE_CFG_STR, 0, "*", CFG(clients),
      "who may mount: hosts, networks (192.0.2.0/24), wildcards, @netgroups", NULL, 0, 0 },
    { "options", PXE_CFG_STR, 0, "ro,no_subtree_check", CFG(options),
      "export options in exports(5) syntax (mapped for ganesha)", NULL, 0, 0 },
    { "ganesha_conf", PXE_CFG_PATH, 0, "/etc/ganesha/pxecore.conf", CFG(ganesha_conf),
      "ganesha backend: file of EXPORT blocks pxecore owns; ganesha.conf must %include it", NULL,
      0, 0 },
    { "ganesha_dbus", PXE_CFG_BOOL, 0, "true", CFG(ganesha_dbus),
      "ganesha backend: add/remove exports through DBus ExportMgr (dbus-send)", NULL, 0, 0 },
    { "ganesha_reload_cmd", PXE_CFG_STR, 0, NULL, CFG(ganesha_reload_cmd),
      "ganesha backend without DBus: command that makes ganesha re-read its exports (SIGHUP), "
      "split on blanks, e.g. \"/usr/bin/pkill -HUP -F /run/ganesha/ganesha.pid\"",
      NULL, 0, 0 },
    { "dbus_send", PXE_CFG_PATH, 0, "/usr/bin/dbus-send", CFG(dbus_send),
      "ganesha backend: dbus-send binary", NULL, 0, 0 },
    { "rpcinfo", PXE_CFG_PATH, 0, "/usr/sbin/rpcinfo", CFG(rpcinfo),
      "ganesha backend without DBus: rpcinfo binary used to check MOUNT v3 answers on 127.0.0.1",
      NULL, 0, 0 },
    { "export_list_cmd", PXE_CFG_STR, 0, NULL, CFG(export_list_cmd),
      "ganesha backend without DBus: command listing the server's exports, each of ours must "
      "appear (default: \"/usr/sbin/showmount -e 127.0.0.1\" when installed, else only rpcinfo)",
      NULL, 0, 0 },
    { "export_root", PXE_CFG_PATH, 0, "/run/pxecore/nfs", CFG(export_root),
      "where ISO images are loop-mounted read-only (as <export_root>/<image>) to be exported",
      NULL, 0, 0 },
    { "state_file", PXE_CFG_PATH, 0, "/var/lib/pxecore/nfs-state.json", CFG(state_file),
      "records what pxecore created, so a crash is cleaned up on the next start", NULL, 0, 0 },
    { "mount", PXE_CFG_PATH, 0, "/usr/bin/mount", CFG(mount), "mount binary (ISO loop mounts)",
      NULL, 0, 0 },
    { "umount", PXE_CFG_PATH, 0, "/usr/bin/umount", CFG(umount), "umount binary", NULL, 0, 0 },
    { "rmtab", PXE_CFG_PATH, 0, "/var/lib/nfs/rmtab", CFG(rmtab),
      "kernel backend: rpc.mountd's table of NFSv3 mounts, read while draining", NULL, 0, 0 },
    { "archiso_nfs_opt", PXE_CFG_STR, 0, "v3,tcp", CFG(archiso_nfs_opt),
      "mount options for archiso's nfsmount (NFSv2/v3 only); empty to omit", NULL, 0, 0 },
    { "check_interval", PXE_CFG_DURATION, 0, "10s", CFG(check_interval),
      "how often the server is asked whether the exports are still there (0: never)", NULL, 0,
      0 },
    { "drain_poll", PXE_CFG_DURATION, 0, "2s", CFG(drain_poll),
      "after the method is disabled, how often mounts are checked", NULL, 1000, 3600000000 },
    { "drain_idle", PXE_CFG_DURATION, 0, "60s", CFG(drain_idle),
      "ganesha: an export idle this long counts as unmounted (without DBus: wait this long)",
      NULL, 0, 0 },
    { "drain_timeout", PXE_CFG_DURATION, 0, "1h", CFG(drain_timeout),
      "remove the exports after this long even if clients still have them mounted", NULL, 0, 0 },
    { "export_id_base", PXE_CFG_UINT, 0, "4200", CFG(export_id_base),
      "ganesha Export_Id of the first image (the n-th image gets base + n)", NULL, 1, 65000 },
    { 0 },
};

struct nfs_exp {
    const struct pxe_image *image;
    char *path;        /* exported directory */
    char *mount_point; /* ISO images: loop mount made by us (== path) */
    char *refused;     /* why this image is not exported, or NULL */
    uint32_t fsid;
    uint32_t id;
    int mounted;
    int added; /* ganesha DBus export present */
};

enum nfs_backend { NFS_KERNEL, NFS_GANESHA_DBUS, NFS_GANESHA_RELOAD };

struct nfs_state;
typedef void (*nfs_done_fn)(struct nfs_state *s, struct nfs_exp *e, int status,
                            const char *out, size_t len);

struct nfs_state {
    const struct pxe_core_api *core;
    struct pxe_core *self;
    struct nfs_cfg *cfg;
    enum nfs_backend backend;
    const char *file; /* exports_file or ganesha_conf */

    struct nfs_exp *exps;
    size_t nexps;
    struct nfs_created created; /* mirrors state_file */
    struct nfs_created leftover; /* from a previous run, undone before anything else */
    int have_leftover;
    char *leftover_mount; /* the leftover mount being unmounted */

    char *written; /* content of file as we last wrote it (NULL: not written by this run) */
    int applied;   /* the server has seen `written` (exportfs -ra / reload / all added) */
    int verified;  /* a check after applying found every export */
    int verify_tries; /* checks since applying that did not find every export yet */
    const char *list_cmd; /* reload mode: export listing command, or NULL (rpcinfo only) */
    char list_buf[1024];
    int want;      /* exports should exist */
    int live;      /* exports exist and the last check passed */
    int offer;     /* boot method enabled */
    int draining;
    uint64_t drain_start;
    int busy;      /* a command is running */
    int started, stopped;
    int failed;    /* last command failed; retry timer armed */
    uint64_t backoff;
    char *last_error;
    atomic_uint_fast64_t sessions;

    struct pxe_source *retry_timer, *check_timer, *drain_timer;
    struct {
        struct pxe_request *req;
        struct nfs_exp *exp;
    } pending[NFS_MAX_PENDING];
    size_t npending;

    /* The running command. */
    pid_t child; /* its pid when /proc tells (stop() waits for it), else 0 */
    nfs_done_fn done;
    struct nfs_exp *done_exp;
    char what[160];
};

static void reconcile(struct nfs_state *s);
static int check_argv(struct nfs_state *s, const char **argv);
static void done_check(struct nfs_state *s, struct nfs_exp *unused, int status, const char *out,
                       size_t len);

static void set_error(struct nfs_state *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
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

static void set_live(struct nfs_state *s, int live)
{
    if (s->live == live)
        return;
    s->live = live;
    s->core->metric_set(s->self, "exports_live", "1 when the NFS exports are live", live);
    if (live) {
        s->core->log(s->self, PXE_LOG_NOTICE, "%zu export(s) live through the %s backend",
                     s->nexps, s->cfg->backend);
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

/* ---- files ------------------------------------------------------------------------------ */

/* Writes data to path atomically (temp file in the same directory, fsync, rename). */
static int write_atomic(const char *path, const char *data, size_t len)
{
    char tmp[NFS_MAX_PATH + 32];
    size_t off = 0;
    int fd, r = 0;

    snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return -errno;
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            r = -errno;
            break;
        }
        off += (size_t)n;
    }
    if (!r && fsync(fd) < 0)
        r = -errno;
    if (close(fd) < 0 && !r)
        r = -errno;
    if (!r && rename(tmp, path) < 0)
        r = -errno;
    if (r)
        unlink(tmp);
    else {
        char dir[NFS_MAX_PATH + 1];
        const char *slash = strrchr(path, '/');
        size_t dl = slash && slash != path ? (size_t)(slash - path) : 1;
        int dfd;

        if (dl < sizeof(dir)) {
            memcpy(dir, path, dl);
            dir[dl] = '\0';
            dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (dfd >= 0) {
                fsync(dfd);
                close(dfd);
            }
        }
    }
    return r;
}

/* Reads a small file (at most NFS_READ_CAP bytes); *ret malloc'd and NUL-terminated. */
static int read_small(const char *path, char **ret, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    char *buf;
    size_t n = 0;

    if (fd < 0)
        return -errno;
    buf = malloc(NFS_READ_CAP + 1);
    if (!buf) {
        close(fd);
        return -ENOMEM;
    }
    for (;;) {
        ssize_t r = read(fd, buf + n, NFS_READ_CAP - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = -errno;
            free(buf);
            close(fd);
            return e;
        }
        if (r == 0 || (n += (size_t)r) == NFS_READ_CAP)
            break;
    }
    close(fd);
    buf[n] = '\0';
    *ret = buf;
    *len = n;
    return 0;
}

/* mkdir -p of path (or of its parent directory when parent is set), mode 0755. */
static int mkdir_p(const char *path, int parent)
{
    char buf[NFS_MAX_PATH + 1];
    size_t n = strlen(path);

    if (n >= sizeof(buf))
        return -ENAMETOOLONG;
    memcpy(buf, path, n + 1);
    if (parent) {
        char *slash = strrchr(buf, '/');
        if (!slash || slash == buf)
            return 0;
        *slash = '\0';
    }
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                return -errno;
            *p = c;
            if (!c)
                return 0;
        }
    }
}

/* 1 when path is a file we generated (first line is our mark). */
static int is_ours(const char *path)
{
    char buf[sizeof(NFS_GENERATED_MARK)];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    ssize_t n;

    if (fd < 0)
        return 0;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    return n == (ssize_t)sizeof(buf) - 1 && !memcmp(buf, NFS_GENERATED_MARK, sizeof(buf) - 1);
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
    r = write_atomic(s->cfg->state_file, txt, strlen(txt));
    free(txt);
    if (r)
        set_error(s, "cannot write state file %s: %s", s->cfg->state_file, strerror(-r));
    return r;
}

static void created_add_id(struct nfs_created *c, uint32_t id)
{
    for (size_t i = 0; i < c->nids; i++)
        if (c->ids[i] == id)
            return;
    if (c->nids < NFS_MAX_EXPORTS)
        c->ids[c->nids++] = id;
}

static void created_del_id(struct nfs_created *c, uint32_t id)
{
    for (size_t i = 0; i < c->nids; i++)
        if (c->ids[i] == id) {
            c->ids[i] = c->ids[--c->nids];
            return;
        }
}

static int created_add_mount(struct nfs_created *c, const char *m)
{
    for (size_t i = 0; i < c->nmounts; i++)
        if (!strcmp(c->mounts[i], m))
            return 0;
    if (c->nmounts >= NFS_MAX_EXPORTS)
        return -E2BIG;
    if (!(c->mounts[c->nmounts] = strdup(m)))
        return -ENOMEM;
    c->nmounts++;
    return 0;
}

static void created_del_mount(struct nfs_created *c, const char *m)
{
    for (size_t i = 0; i < c->nmounts; i++)
        if (!strcmp(c->mounts[i], m)) {
            free(c->mounts[i]);
            c->mounts[i] = c->mounts[--c->nmounts];
            c->mounts[c->nmounts] = NULL;
            return;
        }
}

/* 1 when dir is a mount point according to /proc/self/mountinfo. */
static int is_mount_point(const char *dir)
{
    char *txt, *line, *save = NULL;
    size_t len, dl = strlen(dir);
    int found = 0;

    if (read_small("/proc/self/mountinfo", &txt, &len))
        return 0;
    for (line = strtok_r(txt, "\n", &save); line && !found; line = strtok_r(NULL, "\n", &save)) {
        /* id parent major:minor root mountpoint ... */
        char *f = line;
        for (int i = 0; i < 4 && f; i++) {
            f = strchr(f, ' ');
            if (f)
                f++;
        }
        if (f && !strncmp(f, dir, dl) && f[dl] == ' ')
            found = 1;
    }
    free(txt);
    return found;
}

/* ---- commands --------------------------------------------------------------------------- */

/*
 * Children of the calling thread (/proc/self/task/TID/children); count, or -1
 * when the kernel does not say.  spawn() does not return the pid, and stop()
 * must wait for a command still running (a mount finishing after the cleanup
 * would be left behind).
 */
static int list_children(pid_t *out, int max)
{
    char path[64], buf[8192];
    ssize_t n;
    int fd, count = 0;

    snprintf(path, sizeof(path), "/proc/self/task/%ld/children", (long)syscall(SYS_gettid));
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n < 0 || n == (ssize_t)sizeof(buf) - 1)
        return -1;
    buf[n] = '\0';
    for (char *p = buf, *end; count < max; p = end) {
        long v = strtol(p, &end, 10);
        if (end == p)
            break;
        out[count++] = (pid_t)v;
    }
    return count;
}

/* Waits (bounded) for pid to exit without reaping it; the core reaps its children. */
static void wait_exit(pid_t pid, uint64_t usec)
{
    int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    struct pollfd p;

    if (pfd < 0)
        return;
    p.fd = pfd;
    p.events = POLLIN;
    p.revents = 0;
    poll(&p, 1, (int)(usec / 1000));
    close(pfd);
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
    reconcile(s);
}

/* Starts argv; done runs on exit, then reconcile(). what names the step in errors. */
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
    nb = list_children(before, 256);
    r = s->core->spawn(s->self, argv, on_exit_cb, s);
    s->child = 0;
    if (r == 0 && nb >= 0 && (na = list_children(after, 256)) > 0)
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

static void retry_cb(void *ud)
{
    struct nfs_state *s = ud;

    s->failed = 0;
    reconcile(s);
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
    set_live(s, 0);
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
        if (!is_mount_point(e->mount_point)) {
            rmdir(e->mount_point);
            created_del_mount(&s->created, e->mount_point);
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
    if (!ok_status(status) && is_mount_point(e->mount_point)) {
        fail_step(s, status, out, len);
        return;
    }
    e->mounted = 0;
    rmdir(e->mount_point);
    created_del_mount(&s->created, e->mount_point);
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
    created_del_id(&s->created, e->id);
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
        if (!is_mount_point(s->leftover_mount)) {
            rmdir(s->leftover_mount);
            created_del_mount(&s->created, s->leftover_mount);
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
        if (strcmp(l->file, s->file) && is_ours(l->file)) {
            s->core->log(s->self, PXE_LOG_NOTICE, "removing %s left by the previous run", l->file);
            unlink(l->file);
        }
        l->file[0] = '\0';
    }
    while (l->nmounts) {
        char *m = l->mounts[--l->nmounts];

        l->mounts[l->nmounts] = NULL;
        if (is_mount_point(m)) {
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
        created_del_mount(&s->created, m);
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
            ex[n++] = (struct nfs_export){ s->exps[i].path, s->exps[i].fsid, s->exps[i].id };
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
        r = write_atomic(s->file, content, strlen(content));
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

static void reconcile(struct nfs_state *s)
{
    const char *argv[NFS_MAX_ARGV];
    char what[NFS_MAX_PATH + 64], num[32];

    if (s->busy || s->stopped || !s->started || s->failed)
        return;
    if (s->have_leftover && leftover_step(s))
        return;

    if (s->want) {
        for (size_t i = 0; i < s->nexps; i++) {
            struct nfs_exp *e = &s->exps[i];
            int n = 0;

            if (e->refused || !e->mount_point || e->mounted)
                continue;
            if (is_mount_point(e->mount_point)) {
                e->mounted = 1; /* ours from a previous run that was never cleaned */
                continue;
            }
            if (mkdir(e->mount_point, 0755) < 0 && errno != EEXIST) {
                set_error(s, "image %s: cannot create %s: %s", e->image->name, e->mount_point,
                          strerror(errno));
                fail_step(s, -1, "", 0);
                return;
            }
            if (created_add_mount(&s->created, e->mount_point) || save_state(s)) {
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
            created_add_id(&s->created, e->id);
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
            set_live(s, 1);
        }
        finish_pending(s, s->live ? 0 : -ENOENT);
        return;
    }

    /* Removal: DBus exports first, then the file, then the loop mounts. */
    set_live(s, 0);
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
    for (size_t i = 0; (s->backend != NFS_GANESHA_RELOAD || s->list_cmd) && i < s->nexps &&
                       !missing;
         i++)
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
        s->core->log(s->self, PXE_LOG_WARNING,
                     "export %s is missing from the server; re-exporting", missing);
        s->verified = 0;
        s->applied = 0;
        for (size_t i = 0; i < s->nexps; i++)
            s->exps[i].added = 0;
        set_live(s, 0);
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

static void check_cb(void *ud)
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
    reconcile(s);
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
        int a = s->exps[i].refused ? 0
                                   : nfs_ganesha_active(out, len, s->exps[i].path,
                                                        s->cfg->drain_idle / 1000000);
        if (a > 0)
            active += (size_t)a;
    }
    drain_count(s, active, "ganesha ShowExports");
}

static void drain_cb(void *ud)
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
        if (read_small(s->cfg->rmtab, &txt, &len)) {
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
        }
        else {
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
        s->core->log(s->self, PXE_LOG_ERR, "exports_file, ganesha_conf, export_root and "
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
        struct nfs_export probe = { "/", 0, 1 };
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
        s->core->log(s->self, PXE_LOG_WARNING, "only the first %u of %u images are exported",
                     cap, n);
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
    int r = read_small(s->cfg->state_file, &txt, &len);

    if (r == -ENOENT)
        return;
    if (r) {
        s->core->log(s->self, PXE_LOG_WARNING, "cannot read state file %s: %s",
                     s->cfg->state_file, strerror(-r));
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
        created_add_id(&s->created, s->leftover.ids[i]);
    for (size_t i = 0; i < s->leftover.nmounts; i++)
        created_add_mount(&s->created, s->leftover.mounts[i]);
    s->core->log(s->self, PXE_LOG_NOTICE,
                 "state file %s: undoing what the previous run left (%zu DBus export(s), %zu "
                 "mount(s)%s)",
                 s->cfg->state_file, s->leftover.nids, s->leftover.nmounts,
                 s->leftover.file[0] ? ", exports file" : "");
}

static int nfs_start(void *state)
{
    struct nfs_state *s = state;
    int r;

    snprintf(s->created.backend, sizeof(s->created.backend), "%s", s->cfg->backend);
    load_leftovers(s);
    if ((r = setup_exports(s)))
        return r;
    /* Added far in the future, then disarmed (timer_set 0) until needed. */
    if ((r = s->core->timer_add(s->self, NFS_TIMER_IDLE, retry_cb, s, &s->retry_timer)) ||
        (r = s->core->timer_add(s->self, NFS_TIMER_IDLE, drain_cb, s, &s->drain_timer)) ||
        (r = s->core->timer_add(s->self, NFS_TIMER_IDLE, check_cb, s, &s->check_timer)))
        return r;
    s->core->timer_set(s->retry_timer, 0);
    s->core->timer_set(s->drain_timer, 0);
    s->core->timer_set(s->check_timer, s->cfg->check_interval);
    if ((r = mkdir_p(s->cfg->state_file, 1))) {
        s->core->log(s->self, PXE_LOG_ERR, "cannot create the directory of state_file %s: %s",
                     s->cfg->state_file, strerror(-r));
        return r;
    }
    for (size_t i = 0; i < s->nexps; i++)
        if (s->exps[i].mount_point && !s->exps[i].refused &&
            (r = mkdir_p(s->cfg->export_root, 0))) {
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
    reconcile(s);
    return 0;
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
            struct pollfd p = { pfd, POLLIN, 0 };
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
static void nfs_stop(void *state)
{
    struct nfs_state *s = state;
    const char *argv[NFS_MAX_ARGV];
    char num[32], buf[1024];
    int n, bad = 0;

    if (!s || !s->started || s->stopped)
        return;
    s->stopped = 1;
    if (s->busy && s->child > 0) {
        s->core->log(s->self, PXE_LOG_INFO, "waiting for %s to finish", s->what);
        wait_exit(s->child, NFS_STOP_CMD_USEC);
    }
    s->core->source_free(s->retry_timer);
    s->core->source_free(s->check_timer);
    s->core->source_free(s->drain_timer);
    s->retry_timer = s->check_timer = s->drain_timer = NULL;
    s->npending = 0; /* dropped by the core with rootfs_release */
    set_live(s, 0);
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
            bad |= write_atomic(s->file, content, strlen(content)) != 0;
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
                       split_cmd(s->cfg->ganesha_reload_cmd, buf, sizeof(buf), argv,
                                 NFS_MAX_ARGV) > 0) {
                run_sync(s, argv); /* ganesha may be gone */
            }
        }
    }
    for (size_t i = 0; !bad && i < s->created.nmounts;) {
        char *m = s->created.mounts[i];

        if (is_mount_point(m)) {
            argv[0] = s->cfg->umount;
            argv[1] = m;
            argv[2] = NULL;
            if (run_sync(s, argv) && is_mount_point(m)) {
                i++;
                continue;
            }
        }
        rmdir(m);
        created_del_mount(&s->created, m);
    }
    save_state(s);
    s->core->log(s->self, PXE_LOG_INFO, "exports removed%s",
                 s->created.file[0] || s->created.nmounts ? " (partly; see the state file)" : "");
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
    snprintf(title, sizeof(title), "Arch Linux %s (NFS)", ctx->image->arch ? ctx->image->arch
                                                                           : "x86_64");
    snprintf(help, sizeof(help), "Root filesystem over NFSv3 from %s:%s",
             ctx->server_ip ? ctx->server_ip : "?", e->path);
    return s->core->menu_add(menu, &(struct pxe_menu_entry){ .id = "nfs", .title = title,
                                                             .help = help,
                                                             ._struct_size = sizeof(struct pxe_menu_entry) });
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

    if (enabled) {
        s->offer = 1;
        if (s->draining)
            s->core->log(s->self, PXE_LOG_NOTICE, "method enabled again while draining; "
                                                  "keeping the exports");
        s->draining = 0;
        s->want = 1;
        s->failed = 0;
        reconcile(s);
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
        json_t *x = json_pack("{s:s, s:s?, s:b, s:i, s:i, s:b, s:s?}", "image", e->image->name,
                              "path", e->path, "iso", (int)e->image->is_iso, "fsid",
                              (json_int_t)e->fsid, "export_id", (json_int_t)e->id, "mounted",
                              e->mounted, "refused", e->refused);
        if (x)
            json_array_append_new(a, x);
    }
    json_object_set_new(o, "backend", json_string(s->backend == NFS_KERNEL ? "kernel"
                                                  : s->backend == NFS_GANESHA_DBUS
                                                      ? "ganesha-dbus"
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
    .stop = nfs_stop,
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
