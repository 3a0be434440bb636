/* SPDX-License-Identifier: MIT */
/*
 * The file namespace plugins serve: "images/<name>/...", else the default
 * image, then the extra roots (tree.h: a served tree's file always wins);
 * only a path none of them has is a generated file (the menus), else one of
 * the system's syslinux files (syslinux.h).
 * files_open is thread-safe: generated files are rendered on the loop thread
 * (other threads wait for it, bounded).
 */
#ifndef PXE_CORE_FILES_H
#define PXE_CORE_FILES_H

#include <pthread.h>
#include <stddef.h>

#include <pxecore/plugin.h>

#include "core.h"

#define FILES_PATH_MAX 1024

/*
 * Normalises a client path: '\' to '/', empty and "." components dropped,
 * ".." refused (-EACCES), result has no leading '/'. -ENAMETOOLONG past
 * FILES_PATH_MAX. out must hold FILES_PATH_MAX bytes.
 */
int files_normalize(const char *in, char *out);

/* Records the loop thread (generated files render there). */
void files_set_loop_thread(pthread_t t);

int files_open(struct core *c, const char *path, const struct pxe_client *client,
               struct pxe_file **ret);
void files_close(struct pxe_file *f);

/* Which generated format path names ("pxelinux", "ipxe", "grub"), or NULL. Sets *ret_mac
 * from a pxelinux.cfg/01-xx-xx-... name when present. */
const char *files_generated_format(const char *norm_path, char ret_mac[18]);

#endif
