/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdarg.h>
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

/* Type of rel in the image, symlinks followed inside it: 1 regular file, 2 directory, 0 absent. */
static int img_kind(const struct image *img, const char *rel)
{
    if (img->iso) {
        struct iso_stat st;

        if (iso_lookup(img->iso, rel, 1, &st) < 0)
            return 0;
        return st.type == ISO_REG ? 1 : st.type == ISO_DIR ? 2 : 0;
    } else {
        struct open_how how = {
            .flags = O_PATH | O_CLOEXEC,
            .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
        };
        struct stat st;
        int fd = (int)syscall(SYS_openat2, img->dirfd, rel, &how, sizeof(how)), r = 0;

        if (fd < 0)
            return 0;
        if (fstat(fd, &st) == 0)
            r = S_ISREG(st.st_mode) ? 1 : S_ISDIR(st.st_mode) ? 2 : 0;
        close(fd);
        return r;
    }
}

/* Names in directory rel of the image, sorted, at most LAYOUT_MAX_LIST of them. */
#define LAYOUT_MAX_LIST 256

struct name_list {
    char *v[LAYOUT_MAX_LIST];
    size_t n;
};

static int list_add(void *ud, const char *name, const struct iso_stat *st)
{
    struct name_list *l = ud;

    (void)st;
    if (l->n < LAYOUT_MAX_LIST && (l->v[l->n] = strdup(name)))
        l->n++;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void img_list(const struct image *img, const char *rel, struct name_list *l)
{
    l->n = 0;
    if (img->iso) {
        iso_list(img->iso, rel, list_add, l);
    } else {
        struct open_how how = {
            .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
            .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
        };
        int fd = (int)syscall(SYS_openat2, img->dirfd, *rel ? rel : ".", &how, sizeof(how));
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        struct dirent *de;

        if (!d) {
            if (fd >= 0)
                close(fd);
            return;
        }
        while ((de = readdir(d)) && l->n < LAYOUT_MAX_LIST)
            if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                list_add(l, de->d_name, NULL);
        closedir(d);
    }
    qsort(l->v, l->n, sizeof(l->v[0]), cmp_str);
}

static void list_free(struct name_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    l->n = 0;
}

static char *path_if(const struct image *img, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static char *path_if(const struct image *img, const char *fmt, ...)
{
    char p[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(p, sizeof(p), fmt, ap);
    va_end(ap);
    return img_kind(img, p) == 1 ? strdup(p) : NULL;
}

/*
 * archiso layouts, newest first: <basedir>/boot/<arch>/vmlinuz-<kernel> with
 * initramfs-<kernel>.img (2020-), vmlinuz with archiso.img (2017-2020), and
 * <basedir>/<arch>/airootfs.{sfs,erofs} or root-image.fs.sfs (before 2015).
 * basedir is "arch" unless only another top-level directory has the layout.
 */
static int detect_in(struct image *img, const char *b, const char *a)
{
    struct pxe_image *p = &img->pub;
    struct name_list l;
    char dir[256];
    char *kernel = NULL, *initrd = NULL, *rootfs = NULL;

    snprintf(dir, sizeof(dir), "%s/boot/%s", b, a);
    if (img_kind(img, dir) != 2)
        return 0;
    kernel = path_if(img, "%s/boot/%s/vmlinuz-%s", b, a, "linux");
    if (kernel) {
        initrd = path_if(img, "%s/boot/%s/initramfs-%s.img", b, a, "linux");
    } else {
        img_list(img, dir, &l);
        for (size_t i = 0; i < l.n && !kernel; i++)
            if (strncmp(l.v[i], "vmlinuz-", 8) == 0 &&
                (kernel = path_if(img, "%s/boot/%s/%s", b, a, l.v[i])))
                initrd = path_if(img, "%s/boot/%s/initramfs-%s.img", b, a, l.v[i] + 8);
        list_free(&l);
    }
    if (!kernel && (kernel = path_if(img, "%s/boot/%s/%s", b, a, "vmlinuz")))
        initrd = path_if(img, "%s/boot/%s/%s", b, a, "archiso.img");
    if (!kernel)
        return 0;
    if (!initrd)
        initrd = path_if(img, "%s/boot/%s/%s", b, a, "initramfs-linux.img");
    if (!(rootfs = path_if(img, "%s/%s/%s", b, a, "airootfs.sfs")) &&
        !(rootfs = path_if(img, "%s/%s/%s", b, a, "airootfs.erofs")))
        rootfs = path_if(img, "%s/%s/%s", b, a, "root-image.fs.sfs");
    free((char *)p->basedir);
    free((char *)p->arch);
    p->basedir = strdup(b);
    p->arch = strdup(a);
    p->kernel = kernel;
    p->initrd = initrd;
    p->rootfs = rootfs;
    return 1;
}

static void detect_layout(struct image *img)
{
    static const char *const arches[] = {"x86_64", "i686", "aarch64", NULL};
    struct name_list top;

    for (int a = 0; arches[a]; a++)
        if (detect_in(img, "arch", arches[a]))
            return;
    img_list(img, "", &top);
    for (size_t i = 0; i < top.n; i++) {
        if (strcmp(top.v[i], "arch") == 0 || strcmp(top.v[i], "boot") == 0 ||
            strcmp(top.v[i], "EFI") == 0 || strcmp(top.v[i], "loader") == 0)
            continue;
        for (int a = 0; arches[a]; a++)
            if (detect_in(img, top.v[i], arches[a]))
                goto out;
    }
out:
    list_free(&top);
}

/* archiso's search UUID: the name of boot/<uuid>.uuid, the file archisosearchuuid= makes the
 * archiso hook look for (hooks/archiso: archisosearchfilename). A tree without it gets none. */
static void detect_uuid(struct image *img)
{
    struct name_list l;

    img_list(img, "boot", &l);
    for (size_t i = 0; i < l.n && !img->pub.uuid; i++) {
        size_t n = strlen(l.v[i]);
        char rel[300];

        if (n < 6 || n > 64 || strcmp(l.v[i] + n - 5, ".uuid") != 0 ||
            strspn(l.v[i], "0123456789abcdefABCDEF-") != n - 5)
            continue;
        snprintf(rel, sizeof(rel), "boot/%s", l.v[i]);
        if (img_kind(img, rel) == 1)
            img->pub.uuid = strndup(l.v[i], n - 5);
    }
    list_free(&l);
}

/* The rootfs integrity files the archiso hook can check: airootfs.sha512 beside the
 * root filesystem (checksum=y) and <rootfs>.cms.sig (cms_verify=y). */
static void detect_rootfs_checks(struct image *img)
{
    const char *rootfs = img->pub.rootfs;
    const char *slash = rootfs ? strrchr(rootfs, '/') : NULL;
    char rel[512];

    if (!slash)
        return;
    snprintf(rel, sizeof(rel), "%.*sairootfs.sha512", (int)(slash - rootfs + 1), rootfs);
    img->has_sha512 = img_kind(img, rel) == 1;
    snprintf(rel, sizeof(rel), "%s.cms.sig", rootfs);
    img->has_cms_sig = img_kind(img, rel) == 1;
}

/* A directory image's label: archisolabel= in one of archiso's boot loader configs. */
static void detect_dir_label(struct image *img)
{
    static const char *const cfgs[] = {"boot/syslinux/archiso_sys-linux.cfg",
                                       "boot/syslinux/archiso_sys.cfg",
                                       "boot/syslinux/archiso_pxe-linux.cfg",
                                       "loader/entries/01-archiso-x86_64-linux.conf",
                                       "boot/grub/grub.cfg",
                                       NULL};

    for (int i = 0; cfgs[i] && !img->pub.label; i++) {
        char buf[16384], *k;
        uint64_t size;
        int64_t mtime;
        ssize_t n;
        int fd;

        if (dir_open_file(img->dirfd, "", cfgs[i], &fd, &size, &mtime, NULL) < 0)
            continue;
        n = pread(fd, buf, sizeof(buf) - 1, 0);
        close(fd);
        if (n <= 0)
            continue;
        buf[n] = '\0';
        k = strstr(buf, "archisolabel=");
        if (k) {
            size_t len = strspn(k + 13, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                        "0123456789_-.");

            if (len > 0 && len <= 32)
                img->pub.label = strndup(k + 13, len);
        }
    }
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
            r = -errno;
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
        if (iso_label(img->iso)[0] && !(img->pub.label = strdup(iso_label(img->iso))))
            goto oom;
        detect_layout(img);
    }
    detect_uuid(img);
    detect_rootfs_checks(img);
    if (!img->iso)
        detect_dir_label(img);
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
    free((char *)p->label);
    free((char *)p->uuid);
    free((char *)p->basedir);
    free((char *)p->arch);
    free((char *)p->kernel);
    free((char *)p->initrd);
    free((char *)p->rootfs);
    free((char *)p->prefix);
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
