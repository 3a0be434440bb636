/* SPDX-License-Identifier: MIT */
/*
 * The privileged helper's side: the loop of the child that nfs_priv_start()
 * forks in bind(), before the daemon drops root.  It serves one request at a
 * time until the daemon closes its end, checks each against the policy built
 * from its fork-time copy of the plugin state, and never renders anything the
 * daemon sends: the exports file is rendered here from the image list.
 */
#include <sys/prctl.h>
#include <sys/socket.h>

#include "nfs.h"
#include "nfs_priv.h"

#define CMD_TIMEOUT_MS 60000

struct helper {
    struct nfs_state *s;
    struct nfs_priv_policy pol;
    const char *isos[NFS_MAX_EXPORTS];
    const char *reload_argv[NFS_MAX_ARGV], *list_argv[NFS_MAX_ARGV];
    char reload_buf[1024], list_buf[1024];
};

static void build_policy(struct helper *h)
{
    struct nfs_state *s = h->s;
    struct nfs_cfg *c = s->cfg;
    struct nfs_priv_policy *p = &h->pol;

    p->file = s->file;
    p->export_root = c->export_root;
    p->exportfs = c->exportfs;
    p->mount = c->mount;
    p->umount = c->umount;
    p->dbus_send = c->dbus_send;
    p->rpcinfo = c->rpcinfo;
    p->ganesha_conf = c->ganesha_conf;
    if (c->ganesha_reload_cmd &&
        nfs_split_cmd(c->ganesha_reload_cmd, h->reload_buf, sizeof(h->reload_buf), h->reload_argv,
                      NFS_MAX_ARGV) > 0)
        p->reload_argv = h->reload_argv;
    if (s->list_cmd && nfs_split_cmd(s->list_cmd, h->list_buf, sizeof(h->list_buf), h->list_argv,
                                     NFS_MAX_ARGV) > 0)
        p->list_argv = h->list_argv;
    for (size_t i = 0; i < s->nexps && p->nisos < NFS_MAX_EXPORTS; i++)
        if (s->exps[i].mount_point && !s->exps[i].refused)
            h->isos[p->nisos++] = s->exps[i].image->source;
    p->isos = h->isos;
}

/* Keeps the last cap bytes of a command's output; n <= cap. */
static void keep_tail(char *out, size_t *olen, size_t cap, const char *b, size_t n)
{
    if (*olen + n > cap) {
        size_t drop = *olen + n - cap;
        memmove(out, out + drop, *olen - drop);
        *olen -= drop;
    }
    memcpy(out + *olen, b, n);
    *olen += n;
}

/* Runs argv with its output in out (tail); at most CMD_TIMEOUT_MS.  0 or -errno. */
static int run_cmd(const char *const *argv, int *status, char *out, size_t *olen)
{
    posix_spawn_file_actions_t fa;
    int pfd[2], r, waited = 0;
    pid_t pid;
    char b[4096];

    *olen = 0;
    if (pipe2(pfd, O_CLOEXEC) < 0)
        return -errno;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
    r = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pfd[1]);
    if (r) {
        close(pfd[0]);
        return -r;
    }
    for (;;) {
        struct pollfd p = {pfd[0], POLLIN, 0};
        ssize_t n;

        if (poll(&p, 1, 200) == 0) {
            waited += 200;
            if (waited < CMD_TIMEOUT_MS)
                continue;
            kill(pid, SIGKILL);
            break;
        }
        n = read(pfd[0], b, sizeof(b));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        keep_tail(out, olen, NFS_PRIV_MAX_OUT, b, (size_t)n);
    }
    close(pfd[0]);
    while (waitpid(pid, status, 0) < 0 && errno == EINTR)
        ;
    return 0;
}

/* WRITE: data holds the indices of the exports to list; rendered here, written atomically. */
static int do_write(struct helper *h, const char *data)
{
    struct nfs_state *s = h->s;
    struct nfs_export ex[NFS_MAX_EXPORTS];
    unsigned char seen[NFS_MAX_EXPORTS] = {0};
    const char *why = "";
    char *content = NULL, *end;
    size_t n = 0;
    int r;

    for (;;) {
        unsigned long i;
        struct nfs_exp *e;

        while (*data == ' ')
            data++;
        if (!*data)
            break;
        if (*data < '0' || *data > '9')
            return -EINVAL;
        i = strtoul(data, &end, 10);
        if ((*end && *end != ' ') || i >= s->nexps || seen[i] || n >= NFS_MAX_EXPORTS)
            return -EINVAL;
        data = end;
        e = &s->exps[i];
        if (e->refused || !e->path)
            return -EPERM;
        seen[i] = 1;
        ex[n++] = (struct nfs_export){e->path, e->fsid, e->id};
    }
    if (s->backend == NFS_KERNEL)
        r = nfs_render_kernel(ex, n, s->cfg->clients, s->cfg->options, &content, &why);
    else
        r = nfs_render_ganesha(ex, n, s->cfg->clients, s->cfg->options, &content, &why);
    if (r)
        return r;
    r = s->core->write_atomic(s->self, s->file, content, strlen(content), 0644);
    free(content);
    return r;
}

static int do_request(struct helper *h, uint32_t op, const char *const *argv, const char *data,
                      int *status, char *out, size_t *olen)
{
    const char *why;

    switch (op) {
    case NFS_PRIV_EXEC:
        if (nfs_priv_check_exec(&h->pol, argv, &why))
            return -EPERM;
        return run_cmd(argv, status, out, olen);
    case NFS_PRIV_WRITE:
        return do_write(h, data);
    case NFS_PRIV_UNLINK:
        return unlink(h->pol.file) < 0 && errno != ENOENT ? -errno : 0;
    case NFS_PRIV_MKDIR:
        if (!argv[0] || argv[1] || nfs_priv_check_dir(&h->pol, argv[0], &why))
            return -EPERM;
        return mkdir(argv[0], 0755) < 0 && errno != EEXIST ? -errno : 0;
    case NFS_PRIV_RMDIR:
        if (!argv[0] || argv[1] || nfs_priv_check_dir(&h->pol, argv[0], &why))
            return -EPERM;
        return rmdir(argv[0]) < 0 && errno != ENOENT ? -errno : 0;
    default:
        return -EINVAL;
    }
}

/* The child's whole life; never returns. */
void nfs_priv_serve(struct nfs_state *s, int fd)
{
    static char buf[NFS_PRIV_MAX_MSG + 1], reply[8 + NFS_PRIV_MAX_OUT];
    struct helper h = {.s = s};

    prctl(PR_SET_PDEATHSIG, SIGTERM);
    prctl(PR_SET_NAME, "pxecore-nfspriv");
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    build_policy(&h);
    for (;;) {
        const char *argv[NFS_PRIV_MAX_ARGS + 1], *data;
        size_t dlen, olen = 0;
        uint32_t op;
        int32_t rc, status = 0;
        ssize_t n = recv(fd, buf, NFS_PRIV_MAX_MSG + 1, MSG_TRUNC);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            _exit(0); /* the daemon is gone or closed its end */
        if ((size_t)n > NFS_PRIV_MAX_MSG ||
            nfs_priv_decode(buf, (size_t)n, &op, argv, NFS_PRIV_MAX_ARGS + 1, &data, &dlen))
            rc = -EINVAL;
        else
            rc = do_request(&h, op, argv, data, &status, reply + 8, &olen);
        memcpy(reply, &rc, 4);
        memcpy(reply + 4, &status, 4);
        if (send(fd, reply, 8 + olen, MSG_NOSIGNAL) < 0)
            _exit(1);
    }
}
