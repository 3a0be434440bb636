/* SPDX-License-Identifier: MIT */
/*
 * Boot images: a directory tree (an extracted or mounted ISO) or an ISO 9660
 * file read in place.  Images are fixed while the daemon runs, so the
 * read-only accessors are thread-safe.
 */
#ifndef PXE_CORE_IMAGE_H
#define PXE_CORE_IMAGE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <pxecore/plugin.h>

struct iso;
struct pxe_core;

#define IMAGE_MAX_FACTS 16

/* A key=value fact a plugin attached to an image (pxe_core_api.image_fact_set). */
struct image_fact {
    char *key;
    char *value;
};

/*
 * An image is opaque to the core: a tree or an ISO file.  The image kind that
 * recognised it (core/kinds.c) filled pub.kind, title, arch, kernel, initrd,
 * rootfs and flags; kind_plugin answers for it in menus.
 */
struct image {
    struct pxe_image pub; /* strings below are owned here */
    int dirfd;            /* directory images: O_PATH fd of the root, else -1 */
    int isofd;            /* ISO images: the file, else -1 */
    struct iso *iso;      /* parsed ISO directory, or NULL */
    struct pxe_core *kind_plugin; /* the image kind that recognised it, or NULL */
    struct image_fact facts[IMAGE_MAX_FACTS];
    size_t n_facts;
    pthread_rwlock_t lock; /* ISO images: iso and isofd, replaced together by image_reload */
};

/* spec is "PATH" or "NAME=PATH"; default_name is used when spec has no name. */
int image_open(const char *spec, const char *default_name, struct image **ret, char *err,
               size_t errlen);
void image_free(struct image *img);

/*
 * ISO images (SIGHUP, loop thread): opens the file at its path again and
 * parses it, so a file replaced or rewritten under the daemon is served
 * anew; transfers already open keep their descriptor.  The layout found at
 * start (kind, kernel, initrd) is kept.  1 when reloaded, 0 for a directory
 * image, or -errno with err (the image keeps serving what it served).
 */
int image_reload(struct image *img, char *err, size_t errlen);

/*
 * Opens rel (normalised, no leading '/') inside the image. Fills fd (owned by
 * the caller), offset, size, mtime and *ret_real (malloc'd, what to log).
 * 0, -ENOENT, -EISDIR, -EACCES (escapes the root or not a regular file).
 */
int image_open_file(const struct image *img, const char *rel, int *ret_fd, uint64_t *ret_offset,
                    uint64_t *ret_size, int64_t *ret_mtime, char **ret_real);

/*
 * Lists directory rel of the image: cb(ud, name, type), type 1 regular file,
 * 2 directory, 0 other; at most IMAGE_LIST_MAX names; stops when cb returns
 * non-zero. 0, -ENOENT, -ENOTDIR. Thread-safe.
 */
#define IMAGE_LIST_MAX 4096
int image_list(const struct image *img, const char *rel,
               int (*cb)(void *ud, const char *name, uint32_t type), void *ud);

/* Opens rel beneath the directory fd root (RESOLVE_BENEATH semantics). Same returns. */
int dir_open_file(int root, const char *root_path, const char *rel, int *ret_fd,
                  uint64_t *ret_size, int64_t *ret_mtime, char **ret_real);

#endif
