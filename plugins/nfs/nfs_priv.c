/* SPDX-License-Identifier: MIT */
/*
 * The daemon's side of the privileged helper (nfs_priv.h): forking it in
 * bind(), and the operations the plugin routes through it once it exists.
 * Without a helper (pxecore was not started as root, or helper=off) each
 * operation is done directly, as before.  Loop thread only; one request at a
 * time (the step machine runs one command at a time).
 */
#include <sys/socket.h>

#include "nfs.h"
#include "nfs_priv.h"

#define SYNC_TIMEOUT_MS 70000 /* the helper bounds a command to 60 s */

int nfs_priv_start(struct nfs_state *s)
{
    int sv[2];
    pid_t pid;

    if (geteuid() != 0 || !strcmp(s->cfg->helper, "off"))
        return 0;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return -errno;
    pid = fork();
    if (pid < 0) {
        int r = -errno;
        close(sv[0]);
        close(sv[1]);
        return r;
    }
    if (pid == 0) {
        /* Keeps only the socket and stdio: no listening socket of the daemon stays here. */
        if (dup2(sv[1], 3) < 0)
            _exit(1);
        close_range(4, ~0u, 0);
        nfs_priv_serve(s, 3);
    }
    close(sv[1]);
    s->priv_fd = sv[0];
    s->priv_pid = pid;
    s->core->log(s->self, PXE_LOG_INFO,
                 "privileged helper started (pid %d): exports file, exportfs/ganesha calls and "
                 "ISO loop mounts keep working after the privilege drop",
                 (int)pid);
    return 0;
}

void nfs_priv_stop(struct nfs_state *s)
{
    if (s->priv_fd < 0)
        return;
    if (s->priv_io)
        s->core->source_free(s->priv_io);
    s->priv_io = NULL;
    close(s->priv_fd); /* the helper sees EOF and exits */
    s->priv_fd = -1;
    nfs_wait_exit(s->priv_pid, NFS_STOP_CMD_USEC);
    if (waitpid(s->priv_pid, NULL, WNOHANG) == 0) {
        kill(s->priv_pid, SIGKILL);
        waitpid(s->priv_pid, NULL, 0);
    }
    s->priv_pid = 0;
}

static int send_req(struct nfs_state *s, uint32_t op, const char *const *argv, const char *data)
{
    static char buf[NFS_PRIV_MAX_MSG];
    long n = nfs_priv_encode(op, argv, data, data ? strlen(data) : 0, buf, sizeof(buf));

    if (n < 0)
        return (int)n;
    if (send(s->priv_fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
        return -EPIPE;
    return 0;
}

/* Reads one reply: rc, status, output in out (len in *olen).  0, or -errno of the socket. */
static int recv_reply(struct nfs_state *s, int timeout_ms, int *rc, int *status, char *out,
                      size_t *olen)
{
    char buf[8 + NFS_PRIV_MAX_OUT];
    struct pollfd p = {s->priv_fd, POLLIN, 0};
    ssize_t n;
    int32_t v;

    if (timeout_ms >= 0 && poll(&p, 1, timeout_ms) <= 0)
        return -ETIMEDOUT;
    n = recv(s->priv_fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n < 8)
        return n < 0 && errno == EAGAIN ? -EAGAIN : -EPIPE;
    memcpy(&v, buf, 4);
    *rc = v;
    memcpy(&v, buf + 4, 4);
    *status = v;
    *olen = (size_t)n - 8;
    memcpy(out, buf + 8, *olen);
    out[*olen] = '\0';
    return 0;
}

/* The helper broke (died, or answered nonsense): the plugin goes on without root. */
static void helper_lost(struct nfs_state *s, int r)
{
    nfs_set_error(s, "privileged helper: %s; exports can no longer be changed", strerror(-r));
    if (s->priv_io)
        s->core->source_free(s->priv_io);
    s->priv_io = NULL;
    close(s->priv_fd);
    s->priv_fd = -1;
}

/* A synchronous request: its rc, or -errno of the channel. */
static int call(struct nfs_state *s, uint32_t op, const char *const *argv, const char *data,
                int *status, char *out, size_t *olen)
{
    int r, rc = 0;

    if (s->priv_pending)
        return -EBUSY;
    if ((r = send_req(s, op, argv, data)) ||
        (r = recv_reply(s, SYNC_TIMEOUT_MS, &rc, status, out, olen))) {
        helper_lost(s, r);
        return r;
    }
    return rc;
}

static void on_reply(void *ud, int fd, uint32_t events)
{
    struct nfs_state *s = ud;
    static char out[NFS_PRIV_MAX_OUT + 1];
    size_t olen = 0;
    int rc = 0, status = 0, r;
    pxe_exit_cb cb = s->priv_cb;

    (void)fd;
    (void)events;
    r = recv_reply(s, -1, &rc, &status, out, &olen);
    if (r == -EAGAIN)
        return;
    s->priv_pending = 0;
    s->priv_cb = NULL;
    if (r) {
        helper_lost(s, r);
        status = 127 << 8;
        olen = (size_t)snprintf(out, sizeof(out), "privileged helper lost");
    } else if (rc) {
        status = 126 << 8; /* refused or not started: as a shell reports it */
        olen = (size_t)snprintf(out, sizeof(out), "privileged helper: %s", strerror(-rc));
    }
    if (cb)
        cb(s->priv_cb_ud, status, out, olen);
}

int nfs_priv_exec(struct nfs_state *s, const char *const *argv, pxe_exit_cb cb, void *ud)
{
    int r;

    if (s->priv_pending)
        return -EBUSY;
    if (!s->priv_io &&
        (r = s->core->io_add(s->self, s->priv_fd, PXE_IO_IN, on_reply, s, &s->priv_io)))
        return r;
    if ((r = send_req(s, NFS_PRIV_EXEC, argv, NULL))) {
        helper_lost(s, r);
        return r;
    }
    s->priv_pending = 1;
    s->priv_cb = cb;
    s->priv_cb_ud = ud;
    return 0;
}

int nfs_priv_exec_sync(struct nfs_state *s, const char *const *argv, int *status)
{
    static char out[NFS_PRIV_MAX_OUT + 1];
    size_t olen;

    return call(s, NFS_PRIV_EXEC, argv, NULL, status, out, &olen);
}

void nfs_priv_wait_pending(struct nfs_state *s, int timeout_ms)
{
    static char out[NFS_PRIV_MAX_OUT + 1];
    size_t olen;
    int rc, status, r;

    if (s->priv_fd < 0 || !s->priv_pending)
        return;
    r = recv_reply(s, timeout_ms, &rc, &status, out, &olen);
    s->priv_pending = 0;
    if (r)
        helper_lost(s, r);
}

/* ---- the operations, with or without the helper ----------------------------------------- */

/* With the helper, only which exports to list crosses: the helper renders the file itself. */
int nfs_op_write_file(struct nfs_state *s, int with_exports, const char *content)
{
    static char idx[NFS_MAX_EXPORTS * 8 + 1];
    size_t off = 0;
    int status;
    char out[8];
    size_t olen;

    if (s->priv_fd < 0)
        return s->core->write_atomic(s->self, s->file, content, strlen(content), 0644);
    idx[0] = '\0';
    for (size_t i = 0; with_exports && i < s->nexps && off + 8 < sizeof(idx); i++)
        if (!s->exps[i].refused)
            off += (size_t)snprintf(idx + off, sizeof(idx) - off, "%zu ", i);
    return call(s, NFS_PRIV_WRITE, NULL, idx, &status, out, &olen);
}

int nfs_op_remove_file(struct nfs_state *s)
{
    int status;
    char out[8];
    size_t olen;

    if (s->priv_fd < 0)
        return unlink(s->file) < 0 && errno != ENOENT ? -errno : 0;
    return call(s, NFS_PRIV_UNLINK, NULL, NULL, &status, out, &olen);
}

static int dir_op(struct nfs_state *s, uint32_t op, const char *path)
{
    const char *argv[2] = {path, NULL};
    int status;
    char out[8];
    size_t olen;

    return call(s, op, argv, NULL, &status, out, &olen);
}

int nfs_op_mkdir(struct nfs_state *s, const char *path)
{
    if (s->priv_fd < 0)
        return mkdir(path, 0755) < 0 && errno != EEXIST ? -errno : 0;
    return dir_op(s, NFS_PRIV_MKDIR, path);
}

void nfs_op_rmdir(struct nfs_state *s, const char *path)
{
    if (s->priv_fd < 0)
        rmdir(path);
    else
        dir_op(s, NFS_PRIV_RMDIR, path);
}
