/* SPDX-License-Identifier: MIT */
#include <dirent.h>
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
#include "iso.h"

static int valid_image_name(const char *n, size_t len)
{
    if (len < 1 || len > 63)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = n[i];

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
            return 0;
    }
    return n[0] != '.';
}

int dir_open_file(int root, const char *root_path, const char *rel, int *ret_fd, uint64_t *ret_size,
                  int64_t *ret_mtime, char **ret_real)
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

/* A zeroed image with no descriptors and its lock; NULL on OOM. */
static struct image *image_new(void)
{
    struct image *img = calloc(1, sizeof(*img));

    if (!img)
        return NULL;
    img->dirfd = img->isofd = -1;
    pthread_rwlock_init(&img->lock, NULL);
    img->pub._struct_size = sizeof(img->pub);
    return img;
}

int image_open(const char *spec, const char *default_name, struct image **ret, char *err,
               size_t errlen)
{
    const char *eq = strchr(spec, '=');
    const char *path = eq ? eq + 1 : spec;
    size_t nlen = eq ? (size_t)(eq - spec) : strlen(default_name);
    struct image *img;
    struct stat st;
    char prefix[80], isoerr[ISO_ERR_MAX];
    int r;

    if (!valid_image_name(eq ? spec : default_name, nlen)) {
        snprintf(err, errlen, "image '%s': invalid name (must match [a-z0-9_.-]{1,63})", spec);
        return -EINVAL;
    }
    if (stat(path, &st) < 0) {
        r = -errno;
        snprintf(err, errlen, "image '%s': %s", path, strerror(-r));
        return r;
    }
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "image '%s': neither a directory nor an ISO file", path);
        return -EINVAL;
    }
    img = image_new();
    if (!img)
        return -ENOMEM;
    img->pub.name = strndup(eq ? spec : default_name, nlen);
    img->pub.source = realpath(path, NULL);
    snprintf(prefix, sizeof(prefix), "images/%.*s/", (int)nlen, eq ? spec : default_name);
    img->pub.prefix = strdup(prefix);
    if (!img->pub.name || !img->pub.source || !img->pub.prefix)
        goto oom;
    if (S_ISDIR(st.st_mode)) {
        img->dirfd = open(img->pub.source, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (img->dirfd < 0) {
            r = -errno;
            snprintf(err, errlen, "image '%s': %s", path, strerror(-r));
            image_free(img);
            return r;
        }
        img->pub.dir = strdup(img->pub.source);
        if (!img->pub.dir)
            goto oom;
    } else {
        img->pub.is_iso = 1;
        img->pub.size = (uint64_t)st.st_size;
        img->isofd = open(img->pub.source, O_RDONLY | O_CLOEXEC);
        if (img->isofd < 0) {
            r = -errno;
            snprintf(err, errlen, "image '%s': %s", path, strerror(-r));
            image_free(img);
            return r;
        }
        r = iso_open_fd(img->isofd, img->pub.size, &img->iso, isoerr, sizeof(isoerr));
        if (r < 0) {
            snprintf(err, errlen, "image '%s': not a usable ISO 9660 image: %s", path, isoerr);
            image_free(img);
            return r;
        }
        if (iso_label(img->iso)[0] && !(img->pub.volume_id = strdup(iso_label(img->iso))))
            goto oom;
    }
    *ret = img;
    return 0;
oom:
    image_free(img);
    return -ENOMEM;
}

/* A file inside the ISO: a dup of the ISO fd and the extent. Thread-safe (the tree is
 * immutable; dup and pread do not share a file position). */
static int iso_open_file(const struct image *img, const char *rel, int *ret_fd,
                         uint64_t *ret_offset, uint64_t *ret_size, int64_t *ret_mtime,
                         char **ret_real)
{
    struct iso_stat st;
    int r, fd = -1;

    if (*rel == '\0')
        return -EISDIR;
    /* the lookup and the descriptor from one parse of the file (image_reload swaps both) */
    pthread_rwlock_rdlock((pthread_rwlock_t *)&img->lock);
    r = img->iso ? iso_lookup(img->iso, rel, 1, &st) : -ENOENT;
    if (r == 0 && st.type == ISO_REG && !st.fragmented &&
        (fd = fcntl(img->isofd, F_DUPFD_CLOEXEC, 3)) < 0)
        r = -errno;
    pthread_rwlock_unlock((pthread_rwlock_t *)&img->lock);
    if (r < 0)
        return r == -ELOOP ? -EACCES : r == -ENAMETOOLONG ? -ENOENT : r;
    if (st.type == ISO_DIR)
        return -EISDIR;
    if (st.type != ISO_REG || st.fragmented)
        return -EACCES;
    {
        /* the file was truncated under us: fail now rather than stall a transfer at the end */
        struct stat fst;

        if (fstat(fd, &fst) < 0 || st.offset + st.size > (uint64_t)fst.st_size) {
            close(fd);
            return -EIO;
        }
    }
    if (ret_real) {
        size_t n = strlen(img->pub.source) + strlen(rel) + 8;

        *ret_real = malloc(n);
        if (!*ret_real) {
            close(fd);
            return -ENOMEM;
        }
        snprintf(*ret_real, n, "iso:%s:/%s", img->pub.source, rel);
    }
    *ret_fd = fd;
    *ret_offset = st.offset;
    *ret_size = st.size;
    *ret_mtime = st.mtime;
    return 0;
}

int image_open_file(const struct image *img, const char *rel, int *ret_fd, uint64_t *ret_offset,
                    uint64_t *ret_size, int64_t *ret_mtime, char **ret_real)
{
    *ret_offset = 0;
    if (img->dirfd >= 0)
        return dir_open_file(img->dirfd, img->pub.source, rel, ret_fd, ret_size, ret_mtime,
                             ret_real);
    return iso_open_file(img, rel, ret_fd, ret_offset, ret_size, ret_mtime, ret_real);
}

void image_free(struct image *img)
{
    struct pxe_image *p;

    if (!img)
        return;
    p = &img->pub;
    if (img->dirfd >= 0)
        close(img->dirfd);
    iso_free(img->iso);
    if (img->isofd >= 0)
        close(img->isofd);
    free((char *)p->name);
    free((char *)p->source);
    free((char *)p->dir);
    free((char *)p->volume_id);
    free((char *)p->kind);
    free((char *)p->title);
    free((char *)p->arch);
    free((char *)p->kernel);
    free((char *)p->initrd);
    free((char *)p->rootfs);
    free((char *)p->prefix);
    for (size_t i = 0; i < img->n_facts; i++) {
        free(img->facts[i].key);
        free(img->facts[i].value);
    }
    pthread_rwlock_destroy(&img->lock);
    free(img);
}

int image_reload(struct image *img, char *err, size_t errlen)
{
    char isoerr[ISO_ERR_MAX];
    struct iso *iso, *old_iso;
    struct stat st;
    int fd, old_fd, r;

    if (!img->pub.is_iso)
        return 0;
    fd = open(img->pub.source, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0) {
        r = -errno;
        if (fd >= 0)
            close(fd);
        snprintf(err, errlen, "image '%s': %s: %s", img->pub.name, img->pub.source, strerror(-r));
        return r;
    }
    r = iso_open_fd(fd, (uint64_t)st.st_size, &iso, isoerr, sizeof(isoerr));
    if (r < 0) {
        close(fd);
        snprintf(err, errlen,
                 "image '%s': %s is not a usable ISO 9660 image now (%s); still "
                 "serving what was read before",
                 img->pub.name, img->pub.source, isoerr);
        return r;
    }
    pthread_rwlock_wrlock(&img->lock);
    old_iso = img->iso;
    old_fd = img->isofd;
    img->iso = iso;
    img->isofd = fd;
    img->pub.size = (uint64_t)st.st_size;
    pthread_rwlock_unlock(&img->lock);
    iso_free(old_iso);
    if (old_fd >= 0)
        close(old_fd);
    return 1;
}

/* ---- directory listing for image kinds ---- */

struct list_ctx {
    const struct image *img;
    const char *dir;
    int (*cb)(void *ud, const char *name, uint32_t type);
    void *ud;
    size_t n;
};

/* An ISO entry's type with symlinks followed inside the image. */
static uint32_t iso_entry_type(struct list_ctx *l, const char *name, const struct iso_stat *st)
{
    struct iso_stat fst;
    char path[1024];

    if (st->type == ISO_REG)
        return 1;
    if (st->type == ISO_DIR)
        return 2;
    snprintf(path, sizeof(path), "%s%s%s", l->dir, *l->dir ? "/" : "", name);
    if (iso_lookup(l->img->iso, path, 1, &fst) < 0)
        return 0;
    return fst.type == ISO_REG ? 1 : fst.type == ISO_DIR ? 2 : 0;
}

static int iso_list_one(void *ud, const char *name, const struct iso_stat *st)
{
    struct list_ctx *l = ud;

    if (l->n++ >= IMAGE_LIST_MAX)
        return 1;
    return l->cb(l->ud, name, iso_entry_type(l, name, st));
}

/* A directory entry's type, symlinks followed beneath the root. */
static uint32_t dir_entry_type(int dfd, const char *name)
{
    struct open_how how = {
        .flags = O_PATH | O_CLOEXEC,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
    };
    struct stat st;
    int fd = (int)syscall(SYS_openat2, dfd, name, &how, sizeof(how));
    uint32_t t = 0;

    if (fd < 0)
        return 0;
    if (fstat(fd, &st) == 0)
        t = S_ISREG(st.st_mode) ? 1 : S_ISDIR(st.st_mode) ? 2 : 0;
    close(fd);
    return t;
}

static int dir_list(const struct image *img, const char *rel,
                    int (*cb)(void *ud, const char *name, uint32_t type), void *ud)
{
    struct open_how how = {
        .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
    };
    int fd = (int)syscall(SYS_openat2, img->dirfd, *rel ? rel : ".", &how, sizeof(how));
    struct dirent *de;
    size_t n = 0;
    DIR *d;

    if (fd < 0)
        return errno == ENOTDIR ? -ENOTDIR : -ENOENT;
    d = fdopendir(fd);
    if (!d) {
        close(fd);
        return -ENOMEM;
    }
    while ((de = readdir(d)) && n++ < IMAGE_LIST_MAX) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (cb(ud, de->d_name, dir_entry_type(dirfd(d), de->d_name)))
            break;
    }
    closedir(d);
    return 0;
}

int image_list(const struct image *img, const char *rel,
               int (*cb)(void *ud, const char *name, uint32_t type), void *ud)
{
    struct list_ctx l = {img, rel, cb, ud, 0};
    int r;

    if (img->dirfd >= 0)
        return dir_list(img, rel, cb, ud);
    pthread_rwlock_rdlock((pthread_rwlock_t *)&img->lock);
    r = img->iso ? iso_list(img->iso, rel, iso_list_one, &l) : -ENOENT;
    pthread_rwlock_unlock((pthread_rwlock_t *)&img->lock);
    return r < 0 ? r : 0;
}
