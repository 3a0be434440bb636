/* SPDX-License-Identifier: MIT */
/* Files, mounts and child processes for the nfs plugin (no plugin state). */
#include <dirent.h>

#include "nfs.h"

/* Reads a small file (at most NFS_READ_CAP bytes); *ret malloc'd and NUL-terminated. */
int nfs_read_small(const char *path, char **ret, size_t *len)
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
int nfs_mkdir_p(const char *path, int parent)
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
int nfs_remove_temps(const char *path)
{
    const char *base = strrchr(path, '/');
    char dir[NFS_MAX_PATH + 1];
    struct dirent *e;
    size_t blen;
    DIR *d;
    int n = 0;

    if (!base)
        return 0;
    snprintf(dir, sizeof(dir), "%.*s", base == path ? 1 : (int)(base - path), path);
    blen = strlen(++base);
    if (!(d = opendir(dir)))
        return 0;
    while ((e = readdir(d)))
        if (!strncmp(e->d_name, base, blen) && !strncmp(e->d_name + blen, ".tmp.", 5) &&
            strlen(e->d_name + blen + 5) == 6 && unlinkat(dirfd(d), e->d_name, 0) == 0)
            n++;
    closedir(d);
    return n;
}

int nfs_is_ours(const char *path)
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

void nfs_created_add_id(struct nfs_created *c, uint32_t id)
{
    for (size_t i = 0; i < c->nids; i++)
        if (c->ids[i] == id)
            return;
    if (c->nids < NFS_MAX_EXPORTS)
        c->ids[c->nids++] = id;
}

void nfs_created_del_id(struct nfs_created *c, uint32_t id)
{
    for (size_t i = 0; i < c->nids; i++)
        if (c->ids[i] == id) {
            c->ids[i] = c->ids[--c->nids];
            return;
        }
}

int nfs_created_add_mount(struct nfs_created *c, const char *m)
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

void nfs_created_del_mount(struct nfs_created *c, const char *m)
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
int nfs_is_mount_point(const char *dir)
{
    char *txt, *line, *save = NULL;
    size_t len, dl = strlen(dir);
    int found = 0;

    if (nfs_read_small("/proc/self/mountinfo", &txt, &len))
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

/*
 * Children of the calling thread (/proc/self/task/TID/children); count, or -1
 * when the kernel does not say.  spawn() does not return the pid, and stop()
 * must wait for a command still running (a mount finishing after the cleanup
 * would be left behind).
 */
int nfs_list_children(pid_t *out, int max)
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
void nfs_wait_exit(pid_t pid, uint64_t usec)
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

/* Splits cmd on blanks into argv (pointers into buf). */
int nfs_split_cmd(const char *cmd, char *buf, size_t size, const char **argv, int max)
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
