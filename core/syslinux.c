/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "syslinux.h"
#include "tree.h"

#define BIN_MAX (2u << 20) /* syslinux loaders and modules are well below 1 MiB */

static const char *const loaders[] = {"lpxelinux.0", "pxelinux.0"};

static int is_upper_word(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < 'A' || p[i] > 'Z')
            return 0;
    return 1;
}

/* "<digits>.<digits>" at the start of p[0..n), ended by a blank or the end. */
static int version_at(const unsigned char *p, size_t n)
{
    size_t k = 0, a, b;

    while (k < n && p[k] >= '0' && p[k] <= '9')
        k++;
    a = k;
    if (k == 0 || k >= n || p[k++] != '.')
        return 0;
    while (k < n && p[k] >= '0' && p[k] <= '9')
        k++;
    b = k - a - 1;
    return b > 0 && (k == n || p[k] == ' ');
}

/* Appends the tokens of s[0..n) except the network stack's name ("PXE", "lwIP"). */
static void banner_tokens(const char *s, size_t n, char *out, size_t out_len)
{
    size_t o = 0;

    out[0] = '\0';
    for (size_t i = 0; i < n;) {
        size_t k;

        while (i < n && s[i] == ' ')
            i++;
        for (k = i; k < n && s[k] != ' '; k++)
            ;
        if (k > i && !(k - i == 3 && !strncmp(s + i, "PXE", 3)) &&
            !(k - i == 4 && !strncmp(s + i, "lwIP", 4)) && o + (k - i) + 2 < out_len) {
            if (o)
                out[o++] = ' ';
            memcpy(out + o, s + i, k - i);
            o += k - i;
            out[o] = '\0';
        }
        i = k;
    }
}

int syslinux_banner(const unsigned char *data, size_t len, char *out, size_t out_len)
{
    for (size_t i = 4; i + 4 < len; i++) {
        size_t w = 0, end;

        /* "<NAME> <digit>": NAME 4..10 capitals preceded by a non-letter */
        if (data[i] != ' ' || data[i + 1] < '0' || data[i + 1] > '9')
            continue;
        while (w < 10 && w < i && data[i - w - 1] >= 'A' && data[i - w - 1] <= 'Z')
            w++;
        if (w < 4 || !is_upper_word(data + i - w, w) ||
            (i - w > 0 && ((data[i - w - 1] | 0x20) >= 'a' && (data[i - w - 1] | 0x20) <= 'z')))
            continue;
        for (end = i + 1; end < len && end - i < 64 && data[end] >= 0x20 && data[end] < 0x7f; end++)
            ;
        if (!version_at(data + i + 1, end - i - 1))
            continue;
        banner_tokens((const char *)data + i + 1, end - i - 1, out, out_len);
        if (out[0])
            return 0;
    }
    return -ENOENT;
}

/* Reads a whole small file from fd at offset off; malloc'd into *ret. */
static int read_small(int fd, uint64_t off, uint64_t size, unsigned char **ret)
{
    unsigned char *b;
    size_t got = 0;

    if (size == 0 || size > BIN_MAX)
        return -EFBIG;
    b = malloc(size);
    if (!b)
        return -ENOMEM;
    while (got < size) {
        ssize_t n = pread(fd, b + got, size - got, (off_t)(off + got));

        if (n <= 0) {
            free(b);
            return n < 0 ? -errno : -EIO;
        }
        got += (size_t)n;
    }
    *ret = b;
    return (int)size;
}

static int read_system(const char *dir, const char *name, unsigned char **ret)
{
    char path[1024];
    struct stat st;
    int fd, r;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    r = fstat(fd, &st) < 0 ? -errno : read_small(fd, 0, (uint64_t)st.st_size, ret);
    close(fd);
    return r;
}

static int read_tree(struct core *c, const char *path, unsigned char **ret)
{
    uint64_t off, size;
    int64_t mtime;
    int fd, r = tree_open(c, path, &fd, &off, &size, &mtime, NULL);

    if (r < 0)
        return r;
    r = read_small(fd, off, size, ret);
    close(fd);
    return r;
}

/* The system set's "<version> <date>", or -ENOENT/-EPROTO with why. */
static int system_release(struct core *c, char *rel, size_t rel_len, char *why, size_t wl)
{
    const char *pdir = c->menu.pxelinux_dir, *mdir = c->menu.syslinux_dir;
    char other[64];
    unsigned char *b;
    int r, n = 0;

    rel[0] = '\0';
    if (!pdir || !*pdir || !mdir || !*mdir) {
        snprintf(why, wl, "menu.pxelinux_dir or menu.syslinux_dir is not set");
        return -ENOENT;
    }
    for (size_t i = 0; i < 2; i++) {
        if ((r = read_system(pdir, loaders[i], &b)) < 0)
            continue;
        r = syslinux_banner(b, (size_t)r, n ? other : rel, n ? sizeof(other) : rel_len);
        free(b);
        if (r == 0 && n++ && strcmp(rel, other) != 0) {
            snprintf(why, wl, "%s/%s says %s, %s says %s", pdir, loaders[0], rel, loaders[1],
                     other);
            return -EPROTO;
        }
    }
    if (!n) {
        snprintf(why, wl, "no pxelinux loader with a version banner in %s", pdir);
        return -ENOENT;
    }
    if ((r = read_system(mdir, "sysdump.c32", &b)) >= 0) {
        r = syslinux_banner(b, (size_t)r, other, sizeof(other));
        free(b);
        if (r == 0 && strcmp(rel, other) != 0) {
            snprintf(why, wl, "the loaders in %s are %s but the modules in %s are %s", pdir, rel,
                     mdir, other);
            return -EPROTO;
        }
    }
    return 0;
}

/* Whether the system set fits directory dir (namespace, "" or ending in '/'). */
static int fits_dir(struct core *c, const char *dir, char *why, size_t wl)
{
    char rel[64], got[64], path[1280];
    unsigned char *a, *b;
    int r, na, nb;

    if ((r = system_release(c, rel, sizeof(rel), why, wl)) < 0)
        return r;
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "%s%s", dir, loaders[i]);
        if ((na = read_tree(c, path, &a)) < 0)
            continue;
        r = syslinux_banner(a, (size_t)na, got, sizeof(got));
        free(a);
        if (r < 0 || strcmp(got, rel) != 0) {
            snprintf(why, wl, "the served %s is %s, the system's syslinux is %s", path,
                     r < 0 ? "of an unknown release" : got, rel);
            return -EPROTO;
        }
    }
    snprintf(path, sizeof(path), "%sldlinux.c32", dir);
    if ((na = read_tree(c, path, &a)) < 0)
        return 0;
    nb = read_system(c->menu.syslinux_dir, "ldlinux.c32", &b);
    r = nb == na && memcmp(a, b, (size_t)na) == 0 ? 0 : -EPROTO;
    if (r < 0)
        snprintf(why, wl, "the served %s is not %s/ldlinux.c32 (%s)", path, c->menu.syslinux_dir,
                 rel);
    free(a);
    if (nb > 0)
        free(b);
    return r;
}

/* The folder of the system set that holds base name, or NULL when it is not one of ours. */
static const char *system_dir(struct core *c, const char *base)
{
    static const char *const mods[] = {"ldlinux.c32", "libcom32.c32", "libutil.c32"};
    const char *ui = c->menu.ui;

    for (size_t i = 0; i < 2; i++)
        if (strcmp(base, loaders[i]) == 0)
            return c->menu.pxelinux_dir;
    for (size_t i = 0; i < 3; i++)
        if (strcmp(base, mods[i]) == 0)
            return c->menu.syslinux_dir;
    if (ui && *ui && !strchr(ui, '/') && strcmp(base, ui) == 0)
        return c->menu.syslinux_dir;
    return NULL;
}

int syslinux_open(struct core *c, const char *path, int *ret_fd, uint64_t *ret_size,
                  int64_t *ret_mtime, char **ret_real, char *why, size_t why_len)
{
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    const char *sys = system_dir(c, base);
    char dir[1024], tmp[512];
    int fd, r;

    if (!sys || !*sys || (size_t)(base - path) >= sizeof(dir))
        return -ENOENT;
    snprintf(dir, sizeof(dir), "%.*s", (int)(base - path), path);
    r = fits_dir(c, dir, why ? why : tmp, why ? why_len : sizeof(tmp));
    if (r < 0)
        return -ENOENT;
    fd = open(sys, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -ENOENT;
    r = dir_open_file(fd, sys, base, ret_fd, ret_size, ret_mtime, ret_real);
    close(fd);
    if (r < 0 && why)
        snprintf(why, why_len, "%s/%s: %s", sys, base, strerror(-r));
    return r < 0 ? -ENOENT : 0;
}

int syslinux_ui_served(struct core *c, const char *cfg_path, char *why, size_t why_len)
{
    const char *cfg = strstr(cfg_path, "pxelinux.cfg/");
    const char *need[] = {"ldlinux.c32", "libcom32.c32", "libutil.c32", c->menu.ui};
    size_t dlen = cfg ? (size_t)(cfg - cfg_path) : 0;

    for (size_t i = 0; i < 4; i++) {
        char path[1280], reason[512] = "";
        uint64_t size;
        int64_t mtime;
        int fd;

        snprintf(path, sizeof(path), "%.*s%s", (int)dlen, cfg_path, need[i]);
        if (tree_has(c, path))
            continue;
        if (syslinux_open(c, path, &fd, &size, &mtime, NULL, reason, sizeof(reason)) == 0) {
            close(fd);
            continue;
        }
        snprintf(why, why_len, "%s is not in the served trees and not served from %s%s%s", path,
                 c->menu.syslinux_dir, reason[0] ? ": " : "", reason);
        return 0;
    }
    return 1;
}
