/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "atomic.h"

static int fsync_dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[4096];
    int fd, r = 0;

    if (!slash)
        snprintf(dir, sizeof(dir), ".");
    else if (slash == path)
        snprintf(dir, sizeof(dir), "/");
    else if ((size_t)(slash - path) < sizeof(dir))
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
    else
        return -ENAMETOOLONG;
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    if (fsync(fd) < 0)
        r = -errno;
    close(fd);
    return r;
}

/* "<name>.tmp." followed by the six characters mkostemp adds. */
static int is_temp_of(const char *entry, const char *name)
{
    size_t len = strlen(entry), n = len > 11 ? len - 11 : 0; /* ".tmp." + 6 */
    const char *t = n ? entry + n : NULL;

    if (!t || strncmp(t, ".tmp.", 5) || (name && (strlen(name) != n || strncmp(entry, name, n))))
        return 0;
    for (const char *c = t + 5; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')))
            return 0;
    return 1;
}

int atomic_clean_stale(const char *dir, const char *name)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    if (!d)
        return -errno;
    while ((e = readdir(d)))
        if ((e->d_type == DT_REG || e->d_type == DT_UNKNOWN) && is_temp_of(e->d_name, name) &&
            unlinkat(dirfd(d), e->d_name, 0) == 0)
            n++;
    closedir(d);
    return n;
}

/* After a successful rename: the temp files of path that an earlier crash left. */
static void clean_stale_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[4096];

    if (!slash)
        (void)atomic_clean_stale(".", path);
    else if ((size_t)(slash - path) < sizeof(dir)) {
        snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
        (void)atomic_clean_stale(dir, slash + 1);
    }
}

int atomic_write_file(const char *path, const void *data, size_t len, uint32_t mode)
{
    const char *p = data;
    char tmp[4096];
    size_t off = 0;
    int fd, r = 0;

    if (!path || !*path || (!data && len))
        return -EINVAL;
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= sizeof(tmp))
        return -ENAMETOOLONG;
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return -errno;
    if (fchmod(fd, (mode_t)(mode & 07777)) < 0)
        r = -errno;
    while (r == 0 && off < len) {
        ssize_t w = write(fd, p + off, len - off);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            r = w < 0 ? -errno : -EIO;
        else
            off += (size_t)w;
    }
    if (r == 0 && fsync(fd) < 0)
        r = -errno;
    if (close(fd) < 0 && r == 0)
        r = -errno;
    if (r == 0 && rename(tmp, path) < 0)
        r = -errno;
    if (r < 0) {
        unlink(tmp);
        return r;
    }
    clean_stale_of(path);
    return fsync_dir_of(path);
}
