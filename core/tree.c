/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tree.h"

#define SCAN_DEPTH   4    /* directories below a root searched for EFI loaders and grub.cfg */
#define SCAN_ENTRIES 4096 /* directory entries read per root, at most */

int tree_open(struct core *c, const char *path, int *ret_fd, uint64_t *ret_offset,
              uint64_t *ret_size, int64_t *ret_mtime, char **ret_real)
{
    int r = -ENOENT;

    *ret_offset = 0;
    if (strncmp(path, "images/", 7) == 0) {
        const char *name = path + 7;
        size_t nlen = strcspn(name, "/");

        for (uint32_t i = 0; i < c->n_images; i++) {
            const struct image *img = c->images[i];

            if (strlen(img->pub.name) == nlen && strncmp(img->pub.name, name, nlen) == 0)
                return name[nlen] ? image_open_file(img, name + nlen + 1, ret_fd, ret_offset,
                                                    ret_size, ret_mtime, ret_real)
                                  : -EISDIR;
        }
    }
    if (c->n_images > 0)
        r = image_open_file(c->images[0], path, ret_fd, ret_offset, ret_size, ret_mtime, ret_real);
    for (uint32_t i = 0; r == -ENOENT && i < c->n_roots; i++)
        r = dir_open_file(c->root_fds[i], c->set.roots[i], path, ret_fd, ret_size, ret_mtime,
                          ret_real);
    return r;
}

int tree_has(struct core *c, const char *path)
{
    uint64_t off, size;
    int64_t mtime;
    int fd;

    if (tree_open(c, path, &fd, &off, &size, &mtime, NULL) < 0)
        return 0;
    close(fd);
    return 1;
}

/* What the bounded scan of the roots found; loop thread, filled once. */
static struct {
    int done;
    char efi[TREE_PATH_MAX];
    char grub[TREE_PATH_MAX];
} scan;

/* Network EFI loaders a tree may bring, the one a DHCP server would name first. */
static const char *const efi_names[] = {"bootnetx64.efi", "bootx64.efi", "grubnetx64.efi",
                                        "grubx64.efi"};

static int efi_rank(const char *name)
{
    for (size_t i = 0; i < sizeof(efi_names) / sizeof(efi_names[0]); i++)
        if (strcmp(name, efi_names[i]) == 0)
            return (int)i;
    return -1;
}

/* Names that can go into any menu line unquoted: no blanks, quotes or metacharacters. */
static int safe_name(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              strchr("._+-", *s)))
            return 0;
    return 1;
}

struct scan_state {
    int entries;
    int efi_rank;
};

/* Depth-first walk of dir (rel: its namespace path, "" or ending in '/'), bounded. */
static void scan_dir(int dirfd, const char *rel, int depth, struct scan_state *st)
{
    DIR *d = fdopendir(dirfd);
    struct dirent *e;

    if (!d) {
        close(dirfd);
        return;
    }
    while ((e = readdir(d)) && st->entries++ < SCAN_ENTRIES) {
        char sub[TREE_PATH_MAX];
        struct stat s;
        int rank;

        if (e->d_name[0] == '.' || !safe_name(e->d_name) ||
            snprintf(sub, sizeof(sub), "%s%s", rel, e->d_name) >= (int)sizeof(sub))
            continue;
        if (fstatat(dirfd, e->d_name, &s, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (S_ISREG(s.st_mode) && (rank = efi_rank(e->d_name)) >= 0 &&
            (st->efi_rank < 0 || rank < st->efi_rank ||
             (rank == st->efi_rank && strlen(sub) < strlen(scan.efi)))) {
            st->efi_rank = rank;
            snprintf(scan.efi, sizeof(scan.efi), "%s", sub);
        } else if (S_ISREG(s.st_mode) && strcmp(e->d_name, "grub.cfg") == 0 && !scan.grub[0]) {
            size_t n = strlen(rel);

            if (n >= 5 && strcmp(rel + n - 5, "grub/") == 0)
                snprintf(scan.grub, sizeof(scan.grub), "%s", sub);
        } else if (S_ISDIR(s.st_mode) && depth < SCAN_DEPTH && strlen(sub) + 2 < sizeof(sub)) {
            int fd = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

            strcat(sub, "/");
            if (fd >= 0)
                scan_dir(fd, sub, depth + 1, st);
        }
    }
    closedir(d);
}

/* The roots' EFI loader and grub.cfg (once; root_fds are O_PATH, so reopen). */
static void scan_roots(struct core *c)
{
    struct scan_state st = {0, -1};

    if (scan.done)
        return;
    scan.done = 1;
    for (uint32_t i = 0; i < c->n_roots && !scan.efi[0]; i++) {
        int fd = openat(c->root_fds[i], ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd >= 0)
            scan_dir(fd, "", 0, &st);
    }
}

/* "<source> (its own menu)", keeping the end of a long source path. */
static void tree_title(struct core *c, char *out, size_t size)
{
    const char *src = c->n_roots ? c->set.roots[0] : c->n_images ? c->images[0]->pub.name : "tree";
    size_t n = strlen(src);

    while (n > 1 && src[n - 1] == '/')
        n--;
    if (n > 80) {
        src += n - 77;
        snprintf(out, size, "...%.*s (its own menu)", 77, src);
    } else {
        snprintf(out, size, "%.*s (its own menu)", (int)n, src);
    }
    for (char *q = out; *q; q++) /* menu syntax: no quotes, controls or metacharacters */
        if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') ||
              strchr(" ._+-/()", *q)))
            *q = '_';
}

int tree_boot_find(struct core *c, struct tree_boot *ret)
{
    static const char *const loaders[] = {"pxelinux.0", "lpxelinux.0"};

    memset(ret, 0, sizeof(*ret));
    if (!c->menu.tree_entry)
        return 0;
    if (tree_has(c, "pxelinux.cfg/default"))
        for (size_t i = 0; i < 2 && !ret->bios_loader[0]; i++)
            if (tree_has(c, loaders[i]))
                snprintf(ret->bios_loader, sizeof(ret->bios_loader), "%s", loaders[i]);
    if (ret->bios_loader[0])
        strcpy(ret->pxelinux_cfg, "pxelinux.cfg/default");
    scan_roots(c);
    if (scan.efi[0] && tree_has(c, scan.efi))
        snprintf(ret->efi_loader, sizeof(ret->efi_loader), "%s", scan.efi);
    if (ret->efi_loader[0]) { /* the grub.cfg beside the loader (its GRUB's prefix) first */
        const char *slash = strrchr(ret->efi_loader, '/');
        int n = slash ? (int)(slash - ret->efi_loader + 1) : 0;

        snprintf(ret->grub_cfg, sizeof(ret->grub_cfg), "%.*sgrub/grub.cfg", n, ret->efi_loader);
        if (!tree_has(c, ret->grub_cfg))
            ret->grub_cfg[0] = '\0';
    }
    if (!ret->grub_cfg[0] && scan.grub[0] && tree_has(c, scan.grub))
        snprintf(ret->grub_cfg, sizeof(ret->grub_cfg), "%s", scan.grub);
    if (!ret->pxelinux_cfg[0] && !ret->efi_loader[0] && !ret->grub_cfg[0])
        return 0;
    tree_title(c, ret->title, sizeof(ret->title));
    return 1;
}

int tree_generated_allowed(struct core *c, const char *path, const char *mac)
{
    const char *cfg = strstr(path, "pxelinux.cfg/");
    char def[TREE_PATH_MAX];

    if (!cfg || strcmp(cfg + 13, "default") == 0)
        return 1;
    if (snprintf(def, sizeof(def), "%.*sdefault", (int)(cfg + 13 - path), path) >=
            (int)sizeof(def) ||
        !tree_has(c, def))
        return 1;
    return mac && strncmp(cfg + 13, "01-", 3) == 0 && core_host_lookup(c, mac) != NULL;
}
