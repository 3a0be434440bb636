/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "image.h"

static int valid_image_name(const char *n, size_t len)
{
    if (len < 1 || len > 63)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = n[i];

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.'))
            return 0;
    }
    return n[0] != '.';
}

int dir_open_file(int root, const char *root_path, const char *rel, int *ret_fd,
                  uint64_t *ret_size, int64_t *ret_mtime, char **ret_real)
{
    struct open_how how = {
        .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
    };
    struct stat st;
    int fd, r;

    if (*rel == '\0')
        return -EISDIR;
    fd = (int)syscall(SYS_openat2, root, rel, &how, sizeof(how));
    if (fd < 0) {
        r = -errno;
        if (r == -EXDEV || r == -ELOOP)
            return -EACCES;
        if (r == -ENOTDIR)
            return -ENOENT;
        return r;
    }
    if (fstat(fd, &st) < 0) {
        r = -errno;
        close(fd);
        return r;
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return -EISDIR;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return -EACCES;
    }
    if (ret_real) {
        size_t n = strlen(root_path) + strlen(rel) + 2;

        *ret_real = malloc(n);
        if (!*ret_real) {
            close(fd);
            return -ENOMEM;
        }
        snprintf(*ret_real, n, "%s/%s", root_path, rel);
    }
    *ret_fd = fd;
    *ret_size = (uint64_t)st.st_size;
    *ret_mtime = st.st_mtim.tv_sec;
    return 0;
}

static int exists_in(int dirfd, const char *rel)
{
    struct stat st;

    return fstatat(dirfd, rel, &st, 0) == 0 && S_ISREG(st.st_mode);
}

/* Finds the archiso layout (current and older file names) in a directory tree. */
static void detect_layout(struct image *img)
{
    static const char *const kernels[] = {"arch/boot/x86_64/vmlinuz-linux",
                                          "arch/boot/x86_64/vmlinuz", NULL};
    static const char *const initrds[] = {"arch/boot/x86_64/initramfs-linux.img",
                                          "arch/boot/x86_64/archiso.img", NULL};
    static const char *const roots[] = {"arch/x86_64/airootfs.sfs", "arch/x86_64/airootfs.erofs",
                                        NULL};
    struct pxe_image *p = &img->pub;

    for (int i = 0; kernels[i]; i++)
        if (!p->kernel && exists_in(img->dirfd, kernels[i]))
            p->kernel = strdup(kernels[i]);
    for (int i = 0; initrds[i]; i++)
        if (!p->initrd && exists_in(img->dirfd, initrds[i]))
            p->initrd = strdup(initrds[i]);
    for (int i = 0; roots[i]; i++)
        if (!p->rootfs && exists_in(img->dirfd, roots[i]))
            p->rootfs = strdup(roots[i]);
}

int image_open(const char *spec, const char *default_name, struct image **ret, char *err,
               size_t errlen)
{
    const char *eq = strchr(spec, '=');
    const char *path = eq ? eq + 1 : spec;
    size_t nlen = eq ? (size_t)(eq - spec) : strlen(default_name);
    struct image *img;
    struct stat st;
    char prefix[80];

    if (!valid_image_name(eq ? spec : default_name, nlen)) {
        snprintf(err, errlen, "image '%s': invalid name (must match [a-z0-9_.-]{1,63})", spec);
        return -EINVAL;
    }
    if (stat(path, &st) < 0) {
        int r = -errno;

        snprintf(err, errlen, "image '%s': %s", path, strerror(-r));
        return r;
    }
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "image '%s': neither a directory nor an ISO file", path);
        return -EINVAL;
    }
    img = calloc(1, sizeof(*img));
    if (!img)
        return -ENOMEM;
    img->dirfd = img->isofd = -1;
    img->pub._struct_size = sizeof(img->pub);
    img->pub.name = strndup(eq ? spec : default_name, nlen);
    img->pub.source = realpath(path, NULL);
    img->pub.basedir = strdup("arch");
    img->pub.arch = strdup("x86_64");
    snprintf(prefix, sizeof(prefix), "images/%.*s/", (int)nlen, eq ? spec : default_name);
    img->pub.prefix = strdup(prefix);
    if (!img->pub.name || !img->pub.source || !img->pub.basedir || !img->pub.arch ||
        !img->pub.prefix)
        goto oom;
    if (S_ISDIR(st.st_mode)) {
        img->dirfd = open(img->pub.source, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (img->dirfd < 0) {
            int r = -errno;

            snprintf(err, errlen, "image '%s': %s", path, strerror(-r));
            image_free(img);
            return r;
        }
        img->pub.dir = strdup(img->pub.source);
        if (!img->pub.dir)
            goto oom;
        detect_layout(img);
    } else {
        img->pub.is_iso = 1;
        img->pub.size = (uint64_t)st.st_size;
        img->isofd = open(img->pub.source, O_RDONLY | O_CLOEXEC);
        if (img->isofd < 0) {
            int r = -errno;

            snprintf(err, errlen, "image '%s': %s", path, strerror(-r));
            image_free(img);
            return r;
        }
    }
    *ret = img;
    return 0;
oom:
    image_free(img);
    return -ENOMEM;
}

int image_open_file(const struct image *img, const char *rel, int *ret_fd, uint64_t *ret_offset,
                    uint64_t *ret_size, int64_t *ret_mtime, char **ret_real)
{
    *ret_offset = 0;
    if (img->dirfd >= 0)
        return dir_open_file(img->dirfd, img->pub.source, rel, ret_fd, ret_size, ret_mtime,
                             ret_real);
    return -ENOENT; /* ISO contents: not readable until the ISO reader is in */
}

void image_free(struct image *img)
{
    struct pxe_image *p;

    if (!img)
        return;
    p = &img->pub;
    if (img->dirfd >= 0)
        close(img->dirfd);
    if (img->isofd >= 0)
        close(img->isofd);
    free((char *)p->name);
    free((char *)p->source);
    free((char *)p->dir);
    free((char *)p->label);
    free((char *)p->uuid);
    free((char *)p->basedir);
    free((char *)p->arch);
    free((char *)p->kernel);
    free((char *)p->initrd);
    free((char *)p->rootfs);
    free((char *)p->prefix);
    free(img);
}
