/* SPDX-License-Identifier: MIT */
/*
 * The fake core's images, file namespace (in-memory files, image directories
 * under openat2 RESOLVE_BENEATH, a generated boot.ipxe), menus and text
 * builders (fake_core.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
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
#include <time.h>
#include <unistd.h>

#include "fake_int.h"

#define MAX_FILES 16

struct fake_file {
    struct pxe_file f;
    char path[1024];
    char real[1200];
    char *gen;
};

static struct {
    const char *path, *data;
    int generated;
} files[MAX_FILES];
static int n_files;

void fake_files_reset(void)
{
    n_files = 0;
}

struct pxe_image *fake_image_add(const char *name, const char *source, uint32_t is_iso)
{
    struct pxe_image *img;
    char *prefix;

    if (fake.n_images == FAKE_MAX_IMAGES || asprintf(&prefix, "images/%s/", name) < 0)
        return NULL;
    img = &fake.images[fake.n_images++];
    *img = (struct pxe_image){
        ._struct_size = sizeof(*img),
        .is_iso = is_iso,
        .name = strdup(name),
        .source = strdup(source),
        .arch = "x86_64",
        .prefix = prefix,
    };
    if (!is_iso)
        img->dir = img->source;
    return img;
}

uint32_t fake_image_count(struct pxe_core *self)
{
    return fake.n_images;
}

const struct pxe_image *fake_image_get(struct pxe_core *self, uint32_t i)
{
    return i < fake.n_images ? &fake.images[i] : NULL;
}

/* image_list for directory images: readdir of dir/rel, types by stat. */
int fake_image_list(struct pxe_core *self, const struct pxe_image *img, const char *rel,
                    int (*cb)(void *ud, const char *name, uint32_t type), void *ud)
{
    char path[1024];
    struct dirent *de;
    DIR *d;

    if (!img || !img->dir)
        return -ENOENT;
    snprintf(path, sizeof(path), "%s/%s", img->dir, rel);
    d = opendir(path);
    if (!d)
        return -ENOENT;
    while ((de = readdir(d))) {
        char full[2048];
        struct stat st;
        uint32_t t = 0;

        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        snprintf(full, sizeof(full), "%s/%s", path, de->d_name);
        if (stat(full, &st) == 0)
            t = S_ISREG(st.st_mode) ? 1 : S_ISDIR(st.st_mode) ? 2 : 0;
        if (cb(ud, de->d_name, t))
            break;
    }
    closedir(d);
    return 0;
}

/* image_fact_set: kept as "image:key=value" lines in fake.facts. */
int fake_image_fact_set(struct pxe_core *self, const struct pxe_image *img, const char *key,
                        const char *value)
{
    if (fake.n_facts == FAKE_MAX_FACTS)
        return -E2BIG;
    snprintf(fake.facts[fake.n_facts++], sizeof(fake.facts[0]), "%s:%s=%s", img->name, key, value);
    return 0;
}

const struct pxe_image *fake_image_find(struct pxe_core *self, const char *name)
{
    for (unsigned i = 0; i < fake.n_images; i++)
        if (strcmp(fake.images[i].name, name) == 0)
            return &fake.images[i];
    return NULL;
}

int fake_file_add(const char *path, const char *data, int generated)
{
    if (n_files == MAX_FILES)
        return -ENOSPC;
    files[n_files].path = path;
    files[n_files].data = data;
    files[n_files++].generated = generated;
    return 0;
}

/* boot.ipxe from fake.plugin's transport for the first image: the image's kernel, then what the
 * transport carries (an image kind would turn it into its parameters) and fake.global_args. */
static char *generate_ipxe(const struct pxe_client *client)
{
    struct pxe_boot_ctx ctx = {.image = &fake.images[0], .menu_format = "ipxe"};
    struct pxe_transport tr = {._struct_size = sizeof(tr)};
    struct pxe_buf *out = calloc(2, sizeof(*out)), *why = out ? out + 1 : NULL;
    char *text = NULL;

    if (!out)
        return NULL;
    ctx._struct_size = sizeof(ctx);
    ctx.server_ip = client && client->local_ip ? client->local_ip : "127.0.0.1";
    fake_buf_append(out, "#!ipxe\n");
    if (fake.plugin->transport && fake.plugin->transport(fake.plugin_state, &ctx, &tr, why) == 0)
        fake_buf_append(out, ":%s\nkernel %s%s transport=%s url=%s%s%s\n", fake.plugin->name,
                        fake.images[0].prefix, fake.images[0].kernel, tr.scheme, tr.url,
                        fake.global_args ? " " : "", fake.global_args ? fake.global_args : "");
    else
        fake_buf_append(out, "# no transport: %s\n", why->s);
    text = strdup(out->s);
    free(out);
    return text;
}

/* Opens rel below dir, refusing anything that resolves outside (openat2 RESOLVE_BENEATH). */
static int open_beneath(const char *dir, const char *rel)
{
    struct open_how how = {.flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_BENEATH};
    int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC), fd;

    if (dfd < 0)
        return -errno;
    fd = (int)syscall(SYS_openat2, dfd, *rel ? rel : ".", &how, sizeof(how));
    if (fd < 0)
        fd = errno == EXDEV ? -EACCES : -errno;
    close(dfd);
    return fd;
}

/* ff->path from an image directory: "images/NAME/..." or, for the first image, the root. */
static int open_in_images(struct fake_file *ff)
{
    const char *dir = fake.images[0].dir, *rel = ff->path;
    struct stat st;
    int fd;

    for (unsigned i = 0; i < fake.n_images; i++) {
        size_t pl = strlen(fake.images[i].prefix);

        if (strncmp(ff->path, fake.images[i].prefix, pl) == 0 ||
            (strncmp(ff->path, fake.images[i].prefix, pl - 1) == 0 && ff->path[pl - 1] == '\0')) {
            dir = fake.images[i].dir;
            rel = ff->path[pl - 1] ? ff->path + pl : "";
            break;
        }
    }
    if (!dir)
        return -ENOENT;
    fd = open_beneath(dir, rel);
    if (fd < 0)
        return fd;
    if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
        int r = S_ISDIR(st.st_mode) ? -EISDIR : -errno;

        close(fd);
        return r;
    }
    ff->f.fd = fd;
    ff->f.size = (uint64_t)st.st_size;
    ff->f.mtime = st.st_mtime;
    snprintf(ff->real, sizeof(ff->real), "%s/%s", dir, rel);
    return 0;
}

/* ff->path from memory: a file given by fake_file_add, or the generated boot.ipxe. */
static int open_in_memory(struct fake_file *ff, const struct pxe_client *client)
{
    for (int i = 0; i < n_files; i++)
        if (strcmp(ff->path, files[i].path) == 0) {
            ff->f.data = files[i].data;
            ff->f.size = strlen(files[i].data);
            ff->f.generated = (uint32_t)files[i].generated;
            snprintf(ff->real, sizeof(ff->real), "(memory) %s", ff->path);
            return 0;
        }
    if (!fake.plugin || strcmp(ff->path, "boot.ipxe") != 0)
        return -ENOENT;
    ff->gen = generate_ipxe(client);
    if (!ff->gen)
        return -ENOMEM;
    ff->f.data = ff->gen;
    ff->f.size = strlen(ff->gen);
    ff->f.generated = 1;
    ff->f.mtime = time(NULL);
    snprintf(ff->real, sizeof(ff->real), "(generated) %s", ff->path);
    return 0;
}

/* 1 when path is prefix + rel (rel's leading '/' ignored). */
static int path_is(const char *path, const char *prefix, const char *rel)
{
    size_t pl = prefix ? strlen(prefix) : 0;

    if (!rel)
        return 0;
    rel += strspn(rel, "/");
    return (!pl || strncmp(path, prefix, pl) == 0) && strcmp(path + pl, rel) == 0;
}

/* The phase the real core gives (core/files.c): menus, images' kernel, initrd, rootfs. */
static uint32_t fake_phase(const struct fake_file *ff)
{
    if (ff->f.generated)
        return PXE_PHASE_MENU;
    for (unsigned i = 0; i < fake.n_images; i++) {
        const struct pxe_image *img = &fake.images[i];
        const char *rel[] = {img->kernel, img->initrd, img->rootfs};
        static const uint32_t phases[] = {PXE_PHASE_KERNEL, PXE_PHASE_INITRD, PXE_PHASE_ROOTFS};

        for (size_t k = 0; k < 3; k++)
            if (path_is(ff->path, img->prefix, rel[k]) ||
                (i == 0 && path_is(ff->path, NULL, rel[k])))
                return phases[k];
    }
    return PXE_PHASE_NONE;
}

int fake_file_open(struct pxe_core *self, const char *path, const struct pxe_client *client,
                   struct pxe_file **ret)
{
    struct fake_file *ff = calloc(1, sizeof(*ff));
    size_t n = 0;
    int r;

    if (!ff)
        return -ENOMEM;
    for (const char *p = path; *p && n + 1 < sizeof(ff->path); p++) {
        char c = *p == '\\' ? '/' : *p;

        if (c == '/' && (n == 0 || ff->path[n - 1] == '/'))
            continue;
        ff->path[n++] = c;
    }
    ff->f._struct_size = sizeof(ff->f);
    ff->f.path = ff->path;
    ff->f.realpath = ff->real;
    ff->f.fd = -1;
    r = strstr(ff->path, "..") ? -EACCES : open_in_memory(ff, client);
    if (r == -ENOENT)
        r = open_in_images(ff);
    if (r < 0) {
        free(ff);
        return r;
    }
    ff->f.phase = fake_phase(ff);
    *ret = &ff->f;
    return 0;
}

void fake_file_close(struct pxe_file *f)
{
    struct fake_file *ff = (struct fake_file *)f;

    if (!f)
        return;
    if (f->fd >= 0)
        close(f->fd);
    free(ff->gen);
    free(ff);
}

int fake_buf_append(struct pxe_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(b->s + b->n, sizeof(b->s) - b->n, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(b->s) - b->n) {
        b->s[b->n] = '\0';
        return -E2BIG;
    }
    b->n += (size_t)n;
    return 0;
}

int fake_menu_add(struct pxe_menu *m, const struct pxe_menu_entry *e)
{
    if (m->n >= FAKE_MAX_ENTRIES)
        return -E2BIG;
    snprintf(m->id[m->n], sizeof(m->id[0]), "%s", e->id);
    snprintf(m->title[m->n], sizeof(m->title[0]), "%s", e->title);
    snprintf(m->help[m->n], sizeof(m->help[0]), "%s", e->help ? e->help : "");
    m->e[m->n] = *e;
    m->e[m->n].id = m->id[m->n];
    m->e[m->n].title = m->title[m->n];
    m->e[m->n].help = m->help[m->n];
    m->n++;
    return 0;
}

struct pxe_buf *fake_buf_new(void)
{
    return calloc(1, sizeof(struct pxe_buf));
}

const char *fake_buf_str(struct pxe_buf *b)
{
    return b->s;
}

struct pxe_menu *fake_menu_new(void)
{
    return calloc(1, sizeof(struct pxe_menu));
}

const char *fake_menu_str(struct pxe_menu *m)
{
    size_t o = 0;

    m->text[0] = '\0';
    for (unsigned i = 0; i < m->n && o < sizeof(m->text); i++)
        o += (size_t)snprintf(m->text + o, sizeof(m->text) - o, "%s|%s\n", m->id[i], m->title[i]);
    return m->text;
}

int fake_write_file(const char *dir, const char *rel, const char *text)
{
    char path[1024];
    FILE *f;
    int ok;

    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    f = fopen(path, "w");
    if (!f)
        return -errno;
    ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok ? 0 : -EIO;
}
