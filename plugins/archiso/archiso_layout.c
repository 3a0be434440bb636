/* SPDX-License-Identifier: MIT */
/*
 * archiso layouts, found through the core's file API (file_open on
 * "images/<name>/...", image_list), so a tree and an ISO file read in place
 * are probed the same way.  Newest first: <basedir>/boot/<arch>/vmlinuz-<kernel>
 * with initramfs-<kernel>.img (2020-), vmlinuz with archiso.img (2017-2020),
 * and <basedir>/<arch>/airootfs.{sfs,erofs} or root-image.fs.sfs (before
 * 2015).  basedir is "arch" unless only another top-level directory has the
 * layout.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archiso.h"

#define LIST_MAX 256

struct names {
    char *v[LIST_MAX];
    size_t n;
};

static int names_add(void *ud, const char *name, uint32_t type)
{
    struct names *l = ud;

    (void)type;
    if (l->n < LIST_MAX && (l->v[l->n] = strdup(name)))
        l->n++;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names in directory rel of the image, sorted. */
static void list(struct archiso_state *s, const struct pxe_image *img, const char *rel,
                 struct names *l)
{
    l->n = 0;
    s->core->image_list(s->self, img, rel, names_add, l);
    qsort(l->v, l->n, sizeof(l->v[0]), cmp_str);
}

static void names_free(struct names *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    l->n = 0;
}

/* 1 regular file, 2 directory, 0 absent (symlinks followed inside the image). */
static int kind_of(struct archiso_state *s, const struct pxe_image *img, const char *rel)
{
    struct pxe_client client = {sizeof(client), NULL, NULL, NULL, NULL};
    struct pxe_file *f = NULL;
    char path[1024];
    int r;

    if (snprintf(path, sizeof(path), "%s%s", img->prefix, rel) >= (int)sizeof(path))
        return 0;
    r = s->core->file_open(s->self, path, &client, &f);
    if (r == 0)
        s->core->file_close(f);
    return r == 0 ? 1 : r == -EISDIR ? 2 : 0;
}

int archiso_has(struct archiso_state *s, const struct pxe_image *img, const char *rel,
                const char *suffix)
{
    char p[600];

    if (snprintf(p, sizeof(p), "%s%s", rel, suffix) >= (int)sizeof(p))
        return 0;
    return kind_of(s, img, p) == 1;
}

/* Copies the path fmt... into out when it is a regular file of the image. */
static int path_if(struct archiso_state *s, const struct pxe_image *img, char *out, size_t size,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int path_if(struct archiso_state *s, const struct pxe_image *img, char *out, size_t size,
                   const char *fmt, ...)
{
    char p[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(p, sizeof(p), fmt, ap);
    va_end(ap);
    if (strlen(p) >= size || kind_of(s, img, p) != 1)
        return 0;
    memcpy(out, p, strlen(p) + 1);
    return 1;
}

/* The kernel and its initramfs under <b>/boot/<a>/: vmlinuz-linux first, then any vmlinuz-*. */
static int find_kernel(struct archiso_state *s, const struct pxe_image *img, const char *b,
                       const char *a, struct archiso_facts *f)
{
    char dir[256];
    struct names l;

    snprintf(dir, sizeof(dir), "%s/boot/%s", b, a);
    if (path_if(s, img, f->kernel, sizeof(f->kernel), "%s/vmlinuz-linux", dir)) {
        path_if(s, img, f->initrd, sizeof(f->initrd), "%s/initramfs-linux.img", dir);
        return 1;
    }
    list(s, img, dir, &l);
    for (size_t i = 0; i < l.n && !f->kernel[0]; i++)
        if (strncmp(l.v[i], "vmlinuz-", 8) == 0 &&
            path_if(s, img, f->kernel, sizeof(f->kernel), "%s/%s", dir, l.v[i]))
            path_if(s, img, f->initrd, sizeof(f->initrd), "%s/initramfs-%s.img", dir, l.v[i] + 8);
    names_free(&l);
    if (!f->kernel[0] && path_if(s, img, f->kernel, sizeof(f->kernel), "%s/vmlinuz", dir))
        path_if(s, img, f->initrd, sizeof(f->initrd), "%s/archiso.img", dir);
    if (f->kernel[0] && !f->initrd[0])
        path_if(s, img, f->initrd, sizeof(f->initrd), "%s/initramfs-linux.img", dir);
    return f->kernel[0] != '\0';
}

static int detect_in(struct archiso_state *s, const struct pxe_image *img, const char *b,
                     const char *a, struct archiso_facts *f)
{
    char dir[256];

    snprintf(dir, sizeof(dir), "%s/boot/%s", b, a);
    if (kind_of(s, img, dir) != 2)
        return 0;
    f->kernel[0] = f->initrd[0] = f->rootfs[0] = '\0';
    if (!find_kernel(s, img, b, a, f))
        return 0;
    if (!path_if(s, img, f->rootfs, sizeof(f->rootfs), "%s/%s/airootfs.sfs", b, a) &&
        !path_if(s, img, f->rootfs, sizeof(f->rootfs), "%s/%s/airootfs.erofs", b, a))
        path_if(s, img, f->rootfs, sizeof(f->rootfs), "%s/%s/root-image.fs.sfs", b, a);
    snprintf(f->basedir, sizeof(f->basedir), "%s", b);
    snprintf(f->arch, sizeof(f->arch), "%s", a);
    return 1;
}

static int detect_layout(struct archiso_state *s, const struct pxe_image *img,
                         struct archiso_facts *f)
{
    static const char *const arches[] = {"x86_64", "i686", "aarch64", NULL};
    struct names top;
    int found = 0;

    for (int a = 0; arches[a]; a++)
        if (detect_in(s, img, "arch", arches[a], f))
            return 1;
    list(s, img, "", &top);
    for (size_t i = 0; i < top.n && !found; i++) {
        if (strcmp(top.v[i], "arch") == 0 || strcmp(top.v[i], "boot") == 0 ||
            strcmp(top.v[i], "EFI") == 0 || strcmp(top.v[i], "loader") == 0 ||
            strlen(top.v[i]) >= sizeof(f->basedir))
            continue;
        for (int a = 0; arches[a] && !found; a++)
            found = detect_in(s, img, top.v[i], arches[a], f);
    }
    names_free(&top);
    return found;
}

/* archiso's search UUID: the name of boot/<uuid>.uuid, the file archisosearchuuid= makes the
 * archiso hook look for (hooks/archiso: archisosearchfilename). */
static void detect_uuid(struct archiso_state *s, const struct pxe_image *img,
                        struct archiso_facts *f)
{
    struct names l;

    list(s, img, "boot", &l);
    for (size_t i = 0; i < l.n && !f->uuid[0]; i++) {
        size_t n = strlen(l.v[i]);
        char rel[300];

        if (n < 6 || n > 64 || strcmp(l.v[i] + n - 5, ".uuid") != 0 ||
            strspn(l.v[i], "0123456789abcdefABCDEF-") != n - 5)
            continue;
        snprintf(rel, sizeof(rel), "boot/%s", l.v[i]);
        if (kind_of(s, img, rel) == 1)
            snprintf(f->uuid, sizeof(f->uuid), "%.*s", (int)(n - 5), l.v[i]);
    }
    names_free(&l);
}

/* The rootfs integrity files the archiso hook can check: airootfs.sha512 beside the
 * root filesystem (checksum=y) and <rootfs>.cms.sig (cms_verify=y). */
static void detect_rootfs_checks(struct archiso_state *s, const struct pxe_image *img,
                                 struct archiso_facts *f)
{
    const char *slash = strrchr(f->rootfs, '/');
    char rel[512];

    if (!f->rootfs[0] || !slash)
        return;
    snprintf(rel, sizeof(rel), "%.*sairootfs.sha512", (int)(slash - f->rootfs + 1), f->rootfs);
    f->has_sha512 = kind_of(s, img, rel) == 1;
    snprintf(rel, sizeof(rel), "%s.cms.sig", f->rootfs);
    f->has_cms_sig = kind_of(s, img, rel) == 1;
}

/* Up to size-1 bytes of the image's file rel, NUL-terminated; the length or -errno. */
static ssize_t read_head(struct archiso_state *s, const struct pxe_image *img, const char *rel,
                         char *buf, size_t size)
{
    struct pxe_client client = {sizeof(client), NULL, NULL, NULL, NULL};
    struct pxe_file *file = NULL;
    char path[512];
    ssize_t n;
    int r;

    snprintf(path, sizeof(path), "%s%s", img->prefix, rel);
    r = s->core->file_open(s->self, path, &client, &file);
    if (r < 0)
        return r;
    n = file->fd >= 0 ? pread(file->fd, buf, size - 1, (off_t)file->offset) : -1;
    if (n > (ssize_t)file->size)
        n = (ssize_t)file->size;
    s->core->file_close(file);
    if (n < 0)
        return -EIO;
    buf[n] = '\0';
    return n;
}

/* A tree's label: archisolabel= in one of archiso's boot loader configs. */
static void detect_dir_label(struct archiso_state *s, const struct pxe_image *img,
                             struct archiso_facts *f)
{
    static const char *const cfgs[] = {"boot/syslinux/archiso_sys-linux.cfg",
                                       "boot/syslinux/archiso_sys.cfg",
                                       "boot/syslinux/archiso_pxe-linux.cfg",
                                       "loader/entries/01-archiso-x86_64-linux.conf",
                                       "boot/grub/grub.cfg",
                                       NULL};

    for (int i = 0; cfgs[i] && !f->label[0]; i++) {
        char buf[16384], *k;

        if (read_head(s, img, cfgs[i], buf, sizeof(buf)) <= 0)
            continue;
        k = strstr(buf, "archisolabel=");
        if (k) {
            size_t len = strspn(k + 13, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                        "0123456789_-.");

            if (len > 0 && len <= 32)
                snprintf(f->label, sizeof(f->label), "%.*s", (int)len, k + 13);
        }
    }
}

int archiso_detect(struct archiso_state *s, const struct pxe_image *img, struct archiso_facts *f,
                   struct pxe_buf *looked_for)
{
    memset(f, 0, sizeof(*f));
    if (!detect_layout(s, img, f)) {
        s->core->buf_append(looked_for, "<basedir>/boot/{x86_64,i686,aarch64}/vmlinuz-* "
                                        "(or vmlinuz) with <basedir> arch or a top-level "
                                        "directory");
        return 0;
    }
    detect_uuid(s, img, f);
    detect_rootfs_checks(s, img, f);
    if (img->is_iso && img->volume_id)
        snprintf(f->label, sizeof(f->label), "%s", img->volume_id);
    else if (!img->is_iso)
        detect_dir_label(s, img, f);
    return 1;
}
