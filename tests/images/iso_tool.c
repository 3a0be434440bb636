/* SPDX-License-Identifier: MIT */
/*
 * Test driver for the image interface (core/image.c over core/iso.c):
 *   iso_tool info IMAGE        key=value lines of struct pxe_image and its facts, after the
 *                              image kinds in $PXECORE_PLUGINS (pxecore-archiso.so) probed it
 *   iso_tool cat IMAGE PATH    the file's bytes, read with pread(fd, offset + pos)
 *   iso_tool ls IMAGE          every regular file of an ISO image, one path a line
 * Exit 0 on success; 1 when the image is refused (message on stderr); 2 when
 * PATH cannot be opened (strerror on stderr).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core.h"
#include "image.h"
#include "iso.h"
#include "kinds.h"

static int walk(const struct iso *iso, const char *dir, int depth);

struct walk_ctx {
    const struct iso *iso;
    const char *dir;
    int depth;
};

static int walk_cb(void *ud, const char *name, const struct iso_stat *st)
{
    struct walk_ctx *w = ud;
    char path[4096];

    snprintf(path, sizeof(path), "%s%s%s", w->dir, *w->dir ? "/" : "", name);
    if (st->type == ISO_REG)
        printf("%s\n", path);
    else if (st->type == ISO_DIR && w->depth < ISO_MAX_DEPTH + 1) {
        struct iso_stat lst;

        /* do not descend through symlinks to directories */
        if (iso_lookup(w->iso, path, 0, &lst) == 0 && lst.type == ISO_DIR)
            walk(w->iso, path, w->depth + 1);
    }
    return 0;
}

static int walk(const struct iso *iso, const char *dir, int depth)
{
    struct walk_ctx w = {iso, dir, depth};

    return iso_list(iso, dir, walk_cb, &w);
}

static void kv(const char *k, const char *v)
{
    printf("%s=%s\n", k, v ? v : "");
}

/* Runs the real archiso kind on img, through a core of this one image. 0 or -errno. */
static int probe(struct image *img)
{
    static struct core c;
    const char *dir = getenv("PXECORE_PLUGINS");
    char path[4096], err[PLUGIN_ERR_MAX];
    struct pxe_core *p = NULL;
    int r;

    snprintf(path, sizeof(path), "%s/pxecore-archiso.so", dir ? dir : ".");
    r = plugin_open(path, 1, &p, err);
    if (r < 0) {
        fprintf(stderr, "%s\n", err);
        return r;
    }
    c.images[0] = img;
    c.n_images = 1;
    c.plugins = p;
    p->ctx = &c;
    r = p->desc.load(&core_api, p, &p->state);
    if (r < 0)
        return r;
    p->loaded = 1;
    r = kinds_probe_images(&c, err, sizeof(err));
    return r;
}

int main(int argc, char **argv)
{
    struct image *img;
    char err[1024];
    int r;

    if (argc < 3) {
        fprintf(stderr, "usage: iso_tool info|cat|ls IMAGE [PATH]\n");
        return 64;
    }
    r = image_open(argv[2], "archiso", &img, err, sizeof(err));
    if (r < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    if (strcmp(argv[1], "info") == 0) {
        const struct pxe_image *p = &img->pub;

        if (probe(img) < 0)
            return 1;
        printf("is_iso=%u\n", p->is_iso);
        kv("name", p->name);
        kv("kind", p->kind);
        kv("volume_id", p->volume_id);
        for (size_t i = 0; i < img->n_facts; i++)
            kv(img->facts[i].key, img->facts[i].value);
        kv("arch", p->arch);
        kv("kernel", p->kernel);
        kv("initrd", p->initrd);
        kv("rootfs", p->rootfs);
        kv("prefix", p->prefix);
        if (img->iso)
            kv("naming", iso_naming(img->iso));
    } else if (strcmp(argv[1], "cat") == 0 && argc == 4) {
        int fd;
        uint64_t off, size, pos = 0;
        int64_t mtime;
        char *real = NULL, buf[65536];

        r = image_open_file(img, argv[3], &fd, &off, &size, &mtime, &real);
        if (r < 0) {
            fprintf(stderr, "%s: %s\n", argv[3], strerror(-r));
            image_free(img);
            return 2;
        }
        while (pos < size) {
            size_t want = size - pos < sizeof(buf) ? (size_t)(size - pos) : sizeof(buf);
            ssize_t n = pread(fd, buf, want, (off_t)(off + pos));

            if (n <= 0 || fwrite(buf, 1, (size_t)n, stdout) != (size_t)n) {
                fprintf(stderr, "%s: short read\n", argv[3]);
                return 2;
            }
            pos += (uint64_t)n;
        }
        fprintf(stderr, "real=%s mtime=%lld\n", real, (long long)mtime);
        free(real);
        close(fd);
    } else if (strcmp(argv[1], "ls") == 0 && img->iso) {
        r = walk(img->iso, "", 0);
        if (r < 0) {
            fprintf(stderr, "ls: %s\n", strerror(-r));
            image_free(img);
            return 2;
        }
    } else {
        fprintf(stderr, "iso_tool: bad command\n");
        image_free(img);
        return 64;
    }
    image_free(img);
    return 0;
}
