/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sysloader.h"

static const char *const loaders[] = {"snponly.efi", "ipxe.efi", "undionly.kpxe",
                                      "undionly.kkpxe", "ipxe.pxe", NULL};

int sysloader_open(struct core *c, const char *path, int *ret_fd, uint64_t *ret_size,
                   int64_t *ret_mtime, char **ret_real)
{
    const char *dir = c->menu.ipxe_dir;
    char full[1024];
    struct stat st;
    int i, fd;

    for (i = 0; loaders[i] && strcmp(path, loaders[i]); i++)
        ;
    if (!loaders[i] || !dir || !*dir)
        return -ENOENT;
    if ((size_t)snprintf(full, sizeof(full), "%s/%s", dir, path) >= sizeof(full))
        return -ENAMETOOLONG;
    fd = open(full, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return -ENOENT;
    }
    *ret_real = strdup(full);
    if (!*ret_real) {
        close(fd);
        return -ENOMEM;
    }
    *ret_fd = fd;
    *ret_size = (uint64_t)st.st_size;
    *ret_mtime = (int64_t)st.st_mtime;
    return 0;
}
